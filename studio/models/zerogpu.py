"""Hugging Face ZeroGPU support that costs nothing anywhere else.

On a ZeroGPU Space a GPU is attached only while a function decorated with
`@spaces.GPU(duration=...)` runs, and that function runs in a *forked* worker:
whatever it loads or changes in memory is gone when it returns, only its return
value comes back (pickled). So on ZeroGPU the studio

1. imports `spaces` before torch (`import_spaces_first`), which lets model
   weights be "moved to cuda" in the main process while no GPU is attached;
2. loads the scene pipeline once at start-up in the main process
   (`preload_for_zero_gpu`): `ModelManager.get` caches it and the diffusion
   loader places it with `pipe.to(policy.device)`; every forked GPU call
   inherits it and the real copy to the GPU happens inside the decorated call;
3. runs only the model calls on the GPU, never whole UI handlers: a *GPU task*
   (`gpu_task`) takes one plain-data job (the recipe's scene settings, the placed
   product's pixels, seeds, the id of the process's ModelManager) and returns plain
   results (images). ZeroGPU pickles both ways; locks, caches and models never cross:
   the session's caches stay in the main process, the models are found again by id in
   the forked worker (which inherited them). Each task is wrapped once, at app start
   (`wrap_gpu_tasks`), with a duration the job states itself (`job.gpu_seconds()`).

Without the `spaces` package, or off a Space, `gpu_function` returns the handler
unchanged: the local app and the tests run exactly the same code.
Known limit: Cancel cannot reach a forked ZeroGPU call; the call ends at its duration.
"""

from __future__ import annotations

import importlib
import inspect
import os
import threading
from typing import Any, Callable, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# Seconds: start-up of the forked call, one diffusion step at 512 px on a ZeroGPU slice, and the cap
# a free visitor's quota allows per call.
BASE_S = 15.0
PER_STEP_S = 0.25
MIN_S, MAX_S = 20, 120
# Seconds per diffusion step and image, per profile at its working size (sd15 512 px, sdxl 1024 px) on a
# ZeroGPU slice: estimates with room to spare (SDXL at 1024 px costs about 2.4x SD 1.5 at 512 px per step).
# Z-Image Turbo at 1024 px: a 6B DiT plus the union ControlNet per step, ~1.3x SDXL's work (bench/floors.py).
PER_STEP_S_BY_PROFILE = {"sd15": 0.25, "sdxl": 0.6, "zimage": 0.8, "tiny": 0.05, "tiny-zimage": 0.05}


def on_space() -> bool:
    return bool(os.environ.get("SPACE_ID")) or os.environ.get("SYSTEM") == "spaces"


def zero_gpu_requested() -> bool:
    """The Space runs on ZeroGPU hardware (the platform sets SPACES_ZERO_GPU)."""
    return os.environ.get("SPACES_ZERO_GPU", "").lower() in ("1", "true", "yes")


def _spaces_module() -> Any | None:
    """The `spaces` package, only on a Space and only when it is installed."""
    if not on_space():
        return None
    try:
        return importlib.import_module("spaces")
    except ImportError:
        return None


def import_spaces_first() -> bool:
    """Import `spaces` before torch on a ZeroGPU Space; True when it is active."""
    return zero_gpu_requested() and _spaces_module() is not None


def estimate_seconds(steps: int = 25, images: int = 1, platforms: int = 1, *, profile: str = "sd15") -> int:
    """A GPU-time budget for `images` scenes of `steps` steps at each of `platforms` aspects (capped at MAX_S)."""
    return int(min(MAX_S, raw_seconds(steps, images * max(1, platforms), profile)))


def raw_seconds(steps: int, images: int, profile: str = "sd15") -> float:
    """The uncapped estimate: what a call of `images` scenes really needs (jobs split to stay under MAX_S)."""
    per_step = PER_STEP_S_BY_PROFILE.get(profile, PER_STEP_S)
    return max(float(MIN_S), BASE_S + per_step * max(1, steps) * max(1, images))


def images_per_call(steps: int, profile: str = "sd15") -> int:
    """How many scenes of `steps` steps fit in one GPU call of at most MAX_S seconds (at least one)."""
    per_step = PER_STEP_S_BY_PROFILE.get(profile, PER_STEP_S)
    return max(1, int((MAX_S - BASE_S) // (per_step * max(1, steps))))


class GpuJob(Protocol):
    def gpu_seconds(self) -> int: ...


# ---- GPU tasks: plain functions over one plain-data job ---------------------------------------------------
_TASKS: dict[str, Callable[[Any], Any]] = {}  # name → the plain function
_WRAPPED: dict[str, Callable[[Any], Any]] = {}  # name → what calls go through (spaces-wrapped on ZeroGPU)
_MODELS: dict[str, Any] = {}  # ModelManager by id, registered in the main process before any fork
_HOOKS: dict[str, dict[str, Any]] = {}  # job id → progress/cancel, in this process only (never pickled)
_lock = threading.Lock()


def gpu_task(fn: F) -> F:
    """Mark `fn(job)` as a GPU task: on ZeroGPU it runs in the GPU worker with `job.gpu_seconds()`."""
    _TASKS[fn.__name__] = fn
    return fn


def gpu_tasks() -> dict[str, Callable[[Any], Any]]:
    return dict(_TASKS)


def wrap_gpu_tasks() -> list[str]:
    """Wrap every GPU task once (app start-up, where ZeroGPU looks for them); names of those wrapped."""
    with _lock:
        _WRAPPED.clear()
        for name, fn in _TASKS.items():
            _WRAPPED[name] = gpu_function(fn, _job_duration)
        return [name for name, fn in _WRAPPED.items() if fn is not _TASKS[name]]


def run_gpu_task(fn: Callable[[Any], Any], job: Any) -> Any:
    """Run a GPU task: through its ZeroGPU wrapper when there is one, else directly."""
    return _WRAPPED.get(fn.__name__, fn)(job)


def _job_duration(job: Any) -> int:
    try:
        return int(job.gpu_seconds())
    except Exception:  # a duration must never fail the call
        return MAX_S


def register_models(models: Any) -> str:
    """The id a job carries to find this process's ModelManager again (also in a forked worker)."""
    key = f"models-{id(models)}"
    _MODELS[key] = models
    return key


def models_for(key: str) -> Any:
    try:
        return _MODELS[key]
    except KeyError:
        raise RuntimeError(f"no ModelManager registered as {key!r} in this process") from None


def set_hooks(job_id: str, **hooks: Any) -> None:
    """Progress and cancel for a job run in this process; a forked worker never sees them (and needs not)."""
    _HOOKS[job_id] = hooks


def hooks_for(job_id: str) -> dict[str, Any]:
    return _HOOKS.get(job_id, {})


def clear_hooks(job_id: str) -> None:
    _HOOKS.pop(job_id, None)


def gpu_function(fn: F, duration: Callable[..., int] | int = MAX_S) -> F:
    """`spaces.GPU(duration=...)(fn)` on a Space with `spaces`; `fn` itself everywhere else."""
    spaces = _spaces_module()
    if spaces is None:
        return fn
    return spaces.GPU(duration=duration)(fn)


def duration_from_arguments(fn: Callable[..., Any]) -> Callable[..., int]:
    """Deprecated (GPU tasks state their own budget, `job.gpu_seconds()`); kept for older callers.

    A duration callable for `fn` that reads steps, variant count and platforms from its arguments.
    """
    signature = inspect.signature(fn)

    def duration(*args: Any, **kwargs: Any) -> int:
        try:
            bound = signature.bind_partial(*args, **kwargs).arguments
        except TypeError:
            return MAX_S
        steps = _first_int(bound, ("steps_value", "steps"), 25)
        images = _first_int(bound, ("n", "n_variants", "variants"), 1)
        platforms = bound.get("platform_ids") or bound.get("platforms") or [None]
        return estimate_seconds(steps, images, len(platforms) if isinstance(platforms, (list, tuple)) else 1)

    return duration


def preload_for_zero_gpu(models: Any) -> str:
    """Load the scene pipeline now, in the main process, so every forked GPU call inherits it."""
    if models.profile in ("none",):
        return "ZeroGPU: nothing to preload (procedural scenes only)."
    from studio.models.diffusion import load_scene_pipeline

    load_scene_pipeline(models)
    return f"ZeroGPU: the {models.profile} scene pipeline is loaded and moves to the GPU inside each job."


def _first_int(values: dict[str, Any], names: tuple[str, ...], default: int) -> int:
    for name in names:
        if name in values:
            try:
                return int(values[name])
            except (TypeError, ValueError):
                return default
    return default
