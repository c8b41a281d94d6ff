"""The sdxl family through the same loader and generator, on a tiny SDXL built offline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from studio.models.diffusion import load_scene_pipeline
from studio.models.manager import ModelManager
from studio.models.tiny_sdxl import ensure_tiny_sdxl_models
from studio.recipe import SceneSettings
from studio.scene.generate import generate_scenes
from studio.settings import Settings
from tests.conftest import make_bottle_cutout
from tests.models.fixtures import place_on_canvas


@pytest.mark.slow
def test_sdxl_folder_loads_and_generates(tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = ensure_tiny_sdxl_models(tmp_path_factory.getbasetemp() / "studio-cache")
    settings = Settings(
        profile="sdxl",
        base_model=str(folder / "base"),
        controlnet=str(folder / "controlnet"),
        cache_dir=Path(folder).parent,
        device="cpu",
    )
    models = ModelManager(settings)
    pipe = load_scene_pipeline(models)
    assert type(pipe).__name__ == "StableDiffusionXLControlNetInpaintPipeline"
    assert pipe.vae_scale_factor == 8 and pipe.unet.config.in_channels == 9
    base = models.peek(f"base:sdxl:{Path(settings.base_model).resolve()}")
    assert base is not None and base.unet is pipe.unet and base.text_encoder_2 is pipe.text_encoder_2

    placed = place_on_canvas(make_bottle_cutout().rgba, (480, 640), (120, 80))
    scene = SceneSettings(preset="kitchen", steps=2, prompt="red silk")
    scenes = generate_scenes(models, placed, (480, 640), scene, {"prompt": "studio"}, [], [1, 2])
    assert [s.background.size for s in scenes] == [(480, 640)] * 2
    assert scenes[0].note == ""  # real profiles carry no tiny warning
    assert not np.array_equal(np.asarray(scenes[0].background), np.asarray(scenes[1].background))


def test_sdxl_in_float16_decodes_its_vae_upcast(tmp_path_factory: pytest.TempPathFactory) -> None:
    """SDXL's VAE overflows in fp16 (black/NaN images): under an fp16 policy the pipeline is told to upcast it."""
    import json
    import shutil

    built = ensure_tiny_sdxl_models(tmp_path_factory.getbasetemp() / "studio-cache")
    folder = tmp_path_factory.mktemp("sdxl-no-upcast")
    shutil.copytree(built / "base", folder / "base")
    config = folder / "base" / "vae" / "config.json"
    config.write_text(
        json.dumps({**json.loads(config.read_text()), "force_upcast": False})
    )  # a VAE that says fp16 is fine
    settings = Settings(
        profile="sdxl",
        base_model=str(folder / "base"),
        controlnet=str(built / "controlnet"),
        cache_dir=Path(built).parent,
        device="cpu",
        dtype="float16",
    )
    models = ModelManager(settings)
    pipe = load_scene_pipeline(models)
    assert pipe.unet.dtype.__repr__() == "torch.float16"
    assert pipe.vae.config.force_upcast is True  # StableDiffusionXL*Pipeline then decodes in fp32
    # step 1 was refused ("number of pipeline steps is 0") and 25 ran as 24 at strength 0.99
    from studio.models.profiles import PROFILES
    from studio.scene.generate import scheduler_steps

    strength = PROFILES["sdxl"].strength
    assert int(scheduler_steps(1, strength) * strength) == 1 and int(scheduler_steps(25, strength) * strength) == 25
