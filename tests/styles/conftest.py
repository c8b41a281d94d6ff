"""A tiny ControlNet-inpaint pipeline with a LoRA folder of test-made styles, shared per module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.models.manager import ModelManager
from studio.settings import Settings
from tests.styles.lora_files import write_diffusers_lora, write_kohya_lora, write_sd15_lora

SIZE = 64


@pytest.fixture(scope="module")
def lora_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("loras")


@pytest.fixture(scope="module")
def style_models(lora_dir: Path) -> ModelManager:
    # The default cache (STUDIO_CACHE, set by tests/conftest.py) keeps the tiny build between runs.
    return ModelManager(Settings(profile="tiny", device="cpu", open_browser=False, lora_dir=lora_dir))


@pytest.fixture(scope="module")
def style_pipe(style_models: ModelManager) -> Any:
    from studio.models.diffusion import load_scene_pipeline

    return load_scene_pipeline(style_models)


@pytest.fixture(scope="module")
def style_files(style_pipe: Any, lora_dir: Path) -> dict[str, Path]:
    """ink (diffusers format), sun (kohya, UNet + text encoder), sd15 (real SD1.5 shapes)."""
    unet, text = style_pipe.unet, style_pipe.text_encoder
    files = {
        "ink": write_diffusers_lora(lora_dir / "ink.safetensors", unet, seed=1),
        "sun": write_kohya_lora(lora_dir / "sun.safetensors", unet, text, seed=2),
        "sd15": write_sd15_lora(lora_dir / "sd15.safetensors"),
    }
    (lora_dir / "ink.json").write_text('{"display_name": "Ink wash", "trigger_words": ["ink wash"]}', encoding="utf-8")
    return files


def render(pipe: Any, prompt: str = "a marble counter", seed: int = 3) -> np.ndarray:
    """A 64×64, 2-step generation; same inputs give bit-identical output on the CPU."""
    import torch

    init = Image.new("RGB", (SIZE, SIZE), (127, 127, 127))
    mask = Image.new("L", (SIZE, SIZE), 255)
    control = Image.new("RGB", (SIZE, SIZE), 0)
    out = pipe(
        prompt=prompt,
        image=init,
        mask_image=mask,
        control_image=control,
        height=SIZE,
        width=SIZE,
        strength=1.0,
        num_inference_steps=2,
        guidance_scale=1.0,  # no CFG: half the UNet work; LoRA effects show the same,
        generator=torch.Generator("cpu").manual_seed(seed),
        output_type="np",
    )
    return np.asarray(out.images[0])
