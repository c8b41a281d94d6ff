"""Load the ControlNet-inpaint pipeline for a profile, from a hub id, a folder or one file.

One loader serves sd15, sdxl and tiny (tiny is an sd15-family folder built
locally). The base inpaint pipeline is cached on its own, and every
ControlNet pipeline is assembled from its components, so a canny and a depth
pipeline share one UNet, VAE and text encoder in memory.
"""

from __future__ import annotations

from dataclasses import replace
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
    """The cached ControlNet-inpaint pipeline for this profile, on the policy's device.

    Out of memory while loading: loaded again with model CPU offload; failing that,
    a StudioError that says to use low-VRAM mode. The app keeps serving either way.
    """
    from studio.models.oom import free_accelerator_memory, is_out_of_memory

    profile = diffusion_profile(models.profile)
    if profile.family == "zimage":  # a DiT family: its own loader (its union ControlNet covers canny and depth)
        from studio.models.zimage import load_zimage_pipeline

        return load_zimage_pipeline(models, progress=progress)
    base_src, control_src = model_sources(models, control_type)
    keys = (
        f"scene:{profile.family}:{base_src.ref}:{control_src.ref}",
        f"base:{profile.family}:{base_src.ref}",
        f"controlnet:{control_src.ref}",
    )

    def load(offload: bool) -> Any:
        from studio.models.fastpath import apply_fast_path, plan_fast_path

        base = models.get(keys[1], lambda: _load_base(models, base_src, profile.family, progress, offload))
        controlnet = models.get(keys[2], lambda: _load_controlnet(models, control_src, progress, offload))
        pipe = assemble_controlnet_pipeline(base, controlnet, profile.family)
        pipe.set_progress_bar_config(disable=True)  # progress goes through our callback
        settings = replace(models.settings, low_vram=True) if offload else models.settings
        apply_fast_path(pipe, plan_fast_path(settings, models.policy))
        if offload:
            enable_low_vram(pipe, models)
        return pipe

    low = _low_vram(models)
    try:
        return models.get(keys[0], lambda: load(low))
    except Exception as exc:  # noqa: BLE001 - only out-of-memory is handled here
        if not is_out_of_memory(exc) or models.policy.device != "cuda":
            raise
        _forget(models, keys)
        free_accelerator_memory()
    if not low:
        progress(
            0.0,
            "The graphics card ran out of memory while loading; loading again with the model partly in main memory…",
        )
        try:
            return models.get(keys[0], lambda: load(True))
        except Exception as exc:  # noqa: BLE001
            if not is_out_of_memory(exc):
                raise
            _forget(models, keys)
            free_accelerator_memory()
    raise StudioError(
        "The graphics card does not have enough free memory to load the scene model.",
        hint="Start the studio with --low-vram (slower, needs far less memory), close other programs that use the GPU, "
        "or use --profile sd15 instead of sdxl. Procedural backdrops keep working meanwhile.",
    )


def _forget(models: ModelManager, keys: tuple[str, ...]) -> None:
    for key in keys:
        models.forget(key)


def assemble_controlnet_pipeline(base: Any, controlnet: Any, family: Family) -> Any:
    """A ControlNet-inpaint pipeline that reuses `base`'s modules (no copy of any weight)."""
    from diffusers import StableDiffusionControlNetInpaintPipeline, StableDiffusionXLControlNetInpaintPipeline

    parts = base.components
    shared = {k: parts[k] for k in ("vae", "text_encoder", "tokenizer", "unet", "scheduler")}
    if family == "sdxl":  # zimage never gets here: load_scene_pipeline hands it to studio.models.zimage
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


def _load_base(
    models: ModelManager, source: ModelSource, family: Family, progress: Progress, offload: bool = False
) -> Any:
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
    with _announce(source, progress, models.policy.dtype_name):
        pipe = _call_loader(cls, source, models, extra)
    _use_fast_scheduler(pipe)
    vae = getattr(pipe, "vae", None)
    if models.policy.dtype_name == "float16" and vae is not None and family == "sdxl":
        # SDXL's VAE overflows in fp16 (black/NaN images): its pipelines decode in fp32 when asked.
        vae.register_to_config(force_upcast=True)
    return pipe if offload else pipe.to(models.policy.device)  # offload: see enable_low_vram


def _load_controlnet(models: ModelManager, source: ModelSource, progress: Progress, offload: bool = False) -> Any:
    from diffusers import ControlNetModel

    with _announce(source, progress, models.policy.dtype_name):
        model = _call_loader(ControlNetModel, source, models, {})
    return model if offload else model.to(models.policy.device)


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
        from studio.models.oom import is_out_of_memory

        if is_out_of_memory(exc):
            raise  # load_scene_pipeline retries it with offload
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


# Exception classes (by name, anywhere in the MRO) that mean the hub could not be reached:
# huggingface_hub's own, httpx (hub ≥ 1.0), requests/urllib3 (older stacks), sockets.
_OFFLINE_CLASSES = {
    "OfflineModeIsEnabled",
    "LocalEntryNotFoundError",
    "ConnectionError",
    "TimeoutError",
    "gaierror",
    "ConnectError",
    "ConnectTimeout",
    "ReadTimeout",
    "TimeoutException",
    "NetworkError",
    "ProxyError",
    "NewConnectionError",
    "MaxRetryError",
    "NameResolutionError",
    "Timeout",
}
_OFFLINE_WORDS = (
    "offline",
    "cannot reach",
    "couldn't connect",
    "could not connect",
    "connection",
    "name resolution",
    "name or service not known",
    "nodename nor servname",
    "network is unreachable",
    "timed out",
    "failed to establish",
    "no route to host",
    "temporary failure",
)


def _is_offline_error(exc: BaseException) -> bool:
    """Whether `exc` (or anything it wraps) says the hub is unreachable, however it was raised."""
    seen: BaseException | None = exc
    depth = 0
    while seen is not None and depth < 16:
        if {cls.__name__ for cls in type(seen).__mro__} & _OFFLINE_CLASSES:
            return True
        text = str(seen).lower()
        if any(word in text for word in _OFFLINE_WORDS):
            return True
        seen = seen.__cause__ or seen.__context__
        depth += 1
    return False


class _announce:
    """Say what is being loaded; for a hub download, report bytes and percent while it runs."""

    def __init__(self, source: ModelSource, progress: Progress, dtype_name: str = "float32") -> None:
        self.source, self.progress, self.dtype_name = source, progress, dtype_name
        self.watch: Any = None

    def __enter__(self) -> "_announce":
        source, progress = self.source, self.progress
        if source.kind != "hub":
            progress(0.0, f"Loading {source.label}…")
        elif _hub_cached(source.ref):
            progress(0.0, f"Loading {source.label} from the download cache…")
        else:
            progress(0.0, f"Downloading {source.label} (first use only; several GB, this can take minutes)…")
            from studio.models.download import DownloadWatch, expected_bytes

            self.watch = DownloadWatch(
                source.ref, source.label, progress, total=expected_bytes(source.ref, self.dtype_name)
            )
            self.watch.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.watch is not None:
            self.watch.stop()


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


def _low_vram(models: ModelManager) -> bool:
    return models.settings.low_vram


_SWAP_ATTR = "_studio_swap_hooks"


def enable_low_vram(pipe: Any, models: ModelManager, device: str | None = None) -> bool:
    """Keep only the running model on the GPU (slower, fits in ~3 GB for sd15); True when on.

    diffusers' model offload leaves the ControlNet outside its chain, so it would stay
    on the GPU with the UNet for the whole denoising loop (SDXL ~8.5-9 GB). The two
    alternate every step, so each one's call first moves the other back to main memory.
    """
    if type(pipe).__name__.startswith("ZImage"):
        from studio.models.zimage import enable_zimage_offload

        return enable_zimage_offload(pipe, models, device)
    if device is None:  # `device` is for tests: the hooks and their order run on a CPU too
        if models.policy.device != "cuda":
            return False  # nothing to offload from
        device = "cuda"
    pipe.enable_model_cpu_offload(device=device)
    _alternate(pipe)
    return True


def _alternate(pipe: Any) -> None:
    unet, controlnet = getattr(pipe, "unet", None), getattr(pipe, "controlnet", None)
    hooks = {id(getattr(h, "model", None)): h for h in getattr(pipe, "_all_hooks", [])}
    unet_hook, control_hook = hooks.get(id(unet)), hooks.get(id(controlnet))
    if unet_hook is None or control_hook is None:
        return
    handles = [
        controlnet.register_forward_pre_hook(lambda module, args: unet_hook.offload()),
        unet.register_forward_pre_hook(lambda module, args: control_hook.offload()),
    ]
    object.__setattr__(pipe, _SWAP_ATTR, handles)


def disable_low_vram(pipe: Any, models: ModelManager) -> bool:
    """Undo a run's offload fallback: the pipeline back on the GPU whole; False when it does not fit."""
    from studio.models.oom import free_accelerator_memory, is_out_of_memory

    for handle in getattr(pipe, _SWAP_ATTR, []) or []:
        handle.remove()
    object.__setattr__(pipe, _SWAP_ATTR, [])
    if hasattr(pipe, "remove_all_hooks"):
        pipe.remove_all_hooks()
    try:
        pipe.to(models.policy.device)
    except Exception as exc:  # noqa: BLE001
        if not is_out_of_memory(exc):
            raise
        free_accelerator_memory()
        enable_low_vram(pipe, models)
        return False
    return True


def _path(source: ModelSource) -> Any:
    from pathlib import Path

    return Path(source.ref)


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
