"""Load the Z-Image ControlNet-inpaint pipeline: the family adapter's model half.

Z-Image is not an SD pipeline (a single-stream DiT with a Qwen3 text encoder and a
union ControlNet that reads the mask and the kept pixels itself), so it has its own
loader beside studio.models.diffusion, with the same rules: one cache key per
(base, ControlNet), every failure in the seller's words, out of memory while
loading retried with model offload, and a clear refusal where it cannot run.

dtype: bfloat16 on cards that have it, float32 on a CPU. float16 is refused: the
Qwen3 text encoder's activations overflow it and the RoPE runs in complex64.
"""

from __future__ import annotations

from typing import Any

from studio.errors import StudioError
from studio.models.manager import ModelManager
from studio.models.sources import ModelSource, base_family_of_folder, classify_source
from studio.progress import Progress, no_progress

# Offload order: the ControlNet runs before the transformer every step and borrows its
# embedders and refiners, so it joins the chain (diffusers' own sequence leaves it out).
OFFLOAD_SEQ = "text_encoder->controlnet->transformer->vae"


def zimage_sources(models: ModelManager) -> tuple[ModelSource, ModelSource]:
    """(base, controlnet) for a zimage-family profile; tiny-zimage builds its folder on first use."""
    settings = models.settings
    if settings.profile == "tiny-zimage" and not settings.base_model:
        from studio.models.tiny_zimage import ensure_tiny_zimage_models, tiny_zimage_sources

        base_dir, control_dir = tiny_zimage_sources(ensure_tiny_zimage_models(settings.cache_dir))
        control = settings.controlnet or str(control_dir)
        return classify_source(str(base_dir), "base"), classify_source(control, "controlnet")
    return (
        classify_source(settings.model_source("base"), "base"),
        classify_source(settings.model_source("controlnet"), "controlnet"),
    )


def check_zimage_dtype(models: ModelManager) -> None:
    if models.policy.dtype_name == "float16":
        raise StudioError(
            "Z-Image cannot run in float16 (its text encoder overflows): it needs a card with bfloat16 "
            "(compute capability 8.0 or newer, e.g. RTX 30xx/40xx, A100, H100) or a CPU in float32. "
            "Z-Image 不能用 float16 运行：需要支持 bfloat16 的显卡（RTX 30 系及更新）。",
            hint="Start with --profile sdxl or sd15 on this card, or --dtype bfloat16 if the card has it.",
        )


def load_zimage_pipeline(models: ModelManager, *, progress: Progress = no_progress) -> Any:
    """The cached ZImageControlNetInpaintPipeline for this profile, on the policy's device."""
    from studio.models.oom import free_accelerator_memory, is_out_of_memory

    check_zimage_dtype(models)
    base_src, control_src = zimage_sources(models)
    key = f"scene:zimage:{base_src.ref}:{control_src.ref}"
    low = models.settings.low_vram
    try:
        return models.get(key, lambda: _load(models, base_src, control_src, progress, low))
    except Exception as exc:  # noqa: BLE001 - only out-of-memory is handled here
        if not is_out_of_memory(exc) or models.policy.device != "cuda":
            raise
        models.forget(key)
        free_accelerator_memory()
    if not low:
        progress(0.0, "The graphics card ran out of memory while loading; loading again with model offload…")
        try:
            return models.get(key, lambda: _load(models, base_src, control_src, progress, True))
        except Exception as exc:  # noqa: BLE001
            if not is_out_of_memory(exc):
                raise
            models.forget(key)
            free_accelerator_memory()
    raise StudioError(
        "The graphics card does not have enough free memory to load Z-Image (about 16 GB with offload).",
        hint="Close other programs that use the GPU, or use --profile sdxl or sd15 on this card. "
        "Procedural backdrops keep working meanwhile.",
    )


def _load(models: ModelManager, base: ModelSource, control: ModelSource, progress: Progress, offload: bool) -> Any:
    from diffusers import ZImageControlNetInpaintPipeline, ZImageControlNetModel

    from studio.models.diffusion import _announce, _call_loader

    if base.kind == "folder":
        from pathlib import Path

        found = base_family_of_folder(Path(base.ref))
        if found and found != "zimage":
            raise StudioError(
                f"The base model '{base.label}' is an {found.upper()} model, but the studio runs profile zimage.",
                hint=f"Start the studio with --profile {found}.",
            )
    dtype_name = models.policy.dtype_name
    with _announce(control, progress, dtype_name):
        controlnet = _call_loader(ZImageControlNetModel, control, models, {})
    with _announce(base, progress, dtype_name):
        pipe = _call_loader(ZImageControlNetInpaintPipeline, base, models, {"controlnet": controlnet})
    pipe.set_progress_bar_config(disable=True)  # progress goes through our callback
    if offload:
        enable_zimage_offload(pipe, models)
    else:
        pipe.to(models.policy.device)
    return pipe


def enable_zimage_offload(pipe: Any, models: ModelManager, device: str | None = None) -> bool:
    """Model CPU offload with the ControlNet in the chain; True when on (`device` is for tests)."""
    if device is None:
        if models.policy.device != "cuda":
            return False
        device = "cuda"
    object.__setattr__(pipe, "model_cpu_offload_seq", OFFLOAD_SEQ)
    pipe.enable_model_cpu_offload(device=device)
    return True
