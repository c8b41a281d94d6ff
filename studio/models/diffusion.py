"""Load the ControlNet-inpaint pipeline for a profile, from a hub id, a folder or one file.

One loader serves sd15, sdxl and tiny (tiny is an sd15-family folder built
locally). The base inpaint pipeline is cached on its own, and every
ControlNet pipeline is assembled from its components, so a canny and a depth
pipeline share one UNet, VAE and text encoder in memory.
"""

from __future__ import annotations

from typing import Any

from studio.errors import StudioError
from studio.models.manager import ModelManager
from studio.models.profiles import Family, diffusion_profile
from studio.models.sources import ModelSource, base_family_of_folder, classify_source
from studio.progress import Progress, no_progress

# Depth ControlNets, used when a scene asks for depth control (the canny one comes from Settings).
DEPTH_CONTROLNETS: dict[str, str] = {
    "sd15": "lllyasviel/control_v11f1p_sd15_depth",
    "sdxl": "diffusers/controlnet-depth-sdxl-1.0",
}


def model_sources(models: ModelManager, control_type: str = "canny") -> tuple[ModelSource, ModelSource]:
    """(base, controlnet) sources for the manager's profile; tiny builds its folder on first use."""
    settings = models.settings
    if settings.profile == "tiny" and not settings.base_model:
        from studio.models.tiny import ensure_tiny_models, tiny_sources

        base_dir, control_dir = tiny_sources(ensure_tiny_models(settings.cache_dir))
        control = settings.controlnet or str(control_dir)
        return classify_source(str(base_dir), "base"), classify_source(control, "controlnet")
    family = diffusion_profile(settings.profile).family
    base = classify_source(settings.model_source("base"), "base")
    if control_type == "depth" and not settings.controlnet:
        control_text = DEPTH_CONTROLNETS[family]
    else:
        control_text = settings.model_source("controlnet")
    return base, classify_source(control_text, "controlnet")


def load_scene_pipeline(models: ModelManager, *, control_type: str = "canny", progress: Progress = no_progress) -> Any:
    """The cached ControlNet-inpaint pipeline for this profile, on the policy's device."""
    profile = diffusion_profile(models.profile)
    base_src, control_src = model_sources(models, control_type)
    key = f"scene:{profile.family}:{base_src.ref}:{control_src.ref}"

    def load() -> Any:
        from studio.models.fastpath import apply_fast_path, plan_fast_path

        base = models.get(f"base:{profile.family}:{base_src.ref}", lambda: _load_base(models, base_src, profile.family, progress))
        controlnet = models.get(f"controlnet:{control_src.ref}", lambda: _load_controlnet(models, control_src, progress))
        pipe = assemble_controlnet_pipeline(base, controlnet, profile.family)
        pipe.set_progress_bar_config(disable=True)  # progress goes through our callback
        apply_fast_path(pipe, plan_fast_path(models.settings, models.policy))
        if _low_vram(models):
            enable_low_vram(pipe, models)
        return pipe

    return models.get(key, load)


def assemble_controlnet_pipeline(base: Any, controlnet: Any, family: Family) -> Any:
    """A ControlNet-inpaint pipeline that reuses `base`'s modules (no copy of any weight)."""
    from diffusers import StableDiffusionControlNetInpaintPipeline, StableDiffusionXLControlNetInpaintPipeline

    parts = base.components
    shared = {k: parts[k] for k in ("vae", "text_encoder", "tokenizer", "unet", "scheduler")}
    if family == "sdxl":
        return StableDiffusionXLControlNetInpaintPipeline(
            **shared,
            text_encoder_2=parts["text_encoder_2"],
            tokenizer_2=parts["tokenizer_2"],
            controlnet=controlnet,
            requires_aesthetics_score=bool(base.config.get("requires_aesthetics_score", False)),
            force_zeros_for_empty_prompt=bool(base.config.get("force_zeros_for_empty_prompt", True)),
            add_watermarker=False,
        )
    return StableDiffusionControlNetInpaintPipeline(
        **shared, controlnet=controlnet, safety_checker=None, feature_extractor=None, requires_safety_checker=False
    )


def _load_base(models: ModelManager, source: ModelSource, family: Family, progress: Progress) -> Any:
    from diffusers import StableDiffusionInpaintPipeline, StableDiffusionXLInpaintPipeline

    if source.kind == "folder":
        found = base_family_of_folder(_path(source))
        if found and found != family:
            raise StudioError(
                f"The base model '{source.label}' is an {found.upper()} model, but the studio runs profile {family}.",
                hint=f"Start the studio with --profile {found}.",
            )
    cls = StableDiffusionXLInpaintPipeline if family == "sdxl" else StableDiffusionInpaintPipeline
    extra: dict[str, Any] = {} if family == "sdxl" else {"safety_checker": None, "requires_safety_checker": False}
    if family == "sdxl":
        extra["add_watermarker"] = False
    _announce(source, progress)
    pipe = _call_loader(cls, source, models, extra)
    _use_fast_scheduler(pipe)
    return _place(pipe, models)


def _load_controlnet(models: ModelManager, source: ModelSource, progress: Progress) -> Any:
    from diffusers import ControlNetModel

    _announce(source, progress)
    model = _call_loader(ControlNetModel, source, models, {})
    return model.to(models.policy.device) if not _low_vram(models) else model


def _call_loader(cls: Any, source: ModelSource, models: ModelManager, extra: dict[str, Any]) -> Any:
    """from_pretrained / from_single_file, with every failure turned into a seller's message."""
    dtype = models.policy.torch_dtype()
    try:
        if source.kind == "single_file":
            return cls.from_single_file(source.ref, dtype=dtype, **extra)
        if source.kind == "hub" and models.policy.dtype_name != "float32":
            try:  # half the download where the repo publishes fp16 weights
                return cls.from_pretrained(source.ref, dtype=dtype, variant="fp16", **extra)
            except (OSError, ValueError) as exc:
                if _is_offline_error(exc):
                    raise
        return cls.from_pretrained(source.ref, dtype=dtype, **extra)
    except StudioError:
        raise
    except Exception as exc:  # noqa: BLE001 - every loader failure must reach the seller as words
        raise _load_error(source, exc) from exc


def _load_error(source: ModelSource, exc: Exception) -> StudioError:
    role = "base model" if source.role == "base" else "ControlNet"
    if source.kind == "hub" or source.ref.startswith("http"):
        if _is_offline_error(exc):
            return StudioError(
                f"Could not download the {role} '{source.label}': this computer is offline or cannot reach huggingface.co.",
                hint="Connect once so it can download (it is kept for later), or pass a local folder "
                "or .safetensors file with --base-model / --controlnet.",
            )
        return StudioError(
            f"Could not load the {role} '{source.label}' from the model hub.",
            hint=f"Check the name and your connection. Details: {_short(exc)}",
        )
    if source.kind == "single_file" and _is_offline_error(exc):
        return StudioError(
            f"The {role} file '{source.label}' needs its configuration, which is downloaded once from huggingface.co.",
            hint="Connect once, or convert the file to a diffusers folder.",
        )
    return StudioError(
        f"The {role} '{source.label}' could not be opened: it may be damaged or made for another model type.",
        hint=f"Details: {_short(exc)}",
    )


def _is_offline_error(exc: BaseException) -> bool:
    from huggingface_hub.errors import LocalEntryNotFoundError, OfflineModeIsEnabled

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, (OfflineModeIsEnabled, LocalEntryNotFoundError, ConnectionError, TimeoutError)):
            return True
        text = str(seen).lower()
        if "offline" in text or "cannot reach" in text or "connection" in text:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _announce(source: ModelSource, progress: Progress) -> None:
    if source.kind != "hub":
        progress(0.0, f"Loading {source.label}…")
    elif _hub_cached(source.ref):
        progress(0.0, f"Loading {source.label} from the download cache…")
    else:
        progress(0.0, f"Downloading {source.label} (first use only; several GB, this can take minutes)…")


def _hub_cached(repo_id: str) -> bool:
    from huggingface_hub import try_to_load_from_cache

    for name in ("model_index.json", "config.json"):
        if isinstance(try_to_load_from_cache(repo_id, name), str):
            return True
    return False


def _use_fast_scheduler(pipe: Any) -> None:
    """UniPC gives good scenes in ~20-25 steps with ControlNet; every profile uses it."""
    from diffusers import UniPCMultistepScheduler

    pipe.scheduler = UniPCMultistepScheduler.from_config(pipe.scheduler.config)


def _place(pipe: Any, models: ModelManager) -> Any:
    if _low_vram(models):
        return pipe  # offload is enabled on the assembled pipeline (see enable_low_vram)
    return pipe.to(models.policy.device)


def _low_vram(models: ModelManager) -> bool:
    # Settings has no field for it yet; an env var keeps the option reachable.
    return models.settings.low_vram


def enable_low_vram(pipe: Any, models: ModelManager) -> None:
    """Keep only the running module on the GPU (slower, fits in ~3 GB for sd15)."""
    if models.policy.device == "cuda":
        pipe.enable_model_cpu_offload()


def _path(source: ModelSource) -> Any:
    from pathlib import Path

    return Path(source.ref)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
