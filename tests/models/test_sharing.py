"""Pipelines built from one base share its weights: no second copy of the UNet, VAE or text encoder."""

from __future__ import annotations

from pathlib import Path

from studio.models.diffusion import assemble_controlnet_pipeline, load_scene_pipeline
from studio.models.manager import ModelManager
from studio.models.tiny import tiny_sources


def test_two_controlnet_pipelines_share_the_base_tensors(tiny_manager: ModelManager, tiny_cache_dir: Path) -> None:
    from diffusers import ControlNetModel

    canny = load_scene_pipeline(tiny_manager)
    other_controlnet = ControlNetModel.from_pretrained(tiny_sources(tiny_cache_dir / "tiny-sd15")[1])
    second = assemble_controlnet_pipeline(canny, other_controlnet, "sd15")
    assert second.controlnet is other_controlnet and second.controlnet is not canny.controlnet
    for name in ("unet", "vae", "text_encoder"):
        a, b = getattr(canny, name), getattr(second, name)
        assert a is b, name
        assert all(p is q for p, q in zip(a.parameters(), b.parameters())), name
    assert canny.unet.conv_in.weight.data_ptr() == second.unet.conv_in.weight.data_ptr()


def test_scene_pipeline_reuses_the_cached_base(tiny_manager: ModelManager) -> None:
    pipe = load_scene_pipeline(tiny_manager)
    base_keys = [k for k in tiny_manager.loaded_keys() if k.startswith("base:")]
    assert len(base_keys) == 1
    base = tiny_manager.peek(base_keys[0])
    assert type(base).__name__ == "StableDiffusionInpaintPipeline"
    assert base.unet is pipe.unet and base.vae is pipe.vae and base.text_encoder is pipe.text_encoder
    assert type(pipe.scheduler).__name__ == "UniPCMultistepScheduler"
