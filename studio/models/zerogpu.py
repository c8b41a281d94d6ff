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
3. decorates each handler that runs the models (`gpu_function`) with a duration
   estimated from its own arguments (`estimate_seconds`).

Without the `spaces` package, or off a Space, `gpu_function` returns the handler
unchanged: the local app and the tests run exactly the same code.
Known limit: Cancel cannot reach a forked ZeroGPU call; the call ends at its duration.
"""

from __future__ import annotations

import importlib
import inspect
import os
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# Seconds: start-up of the forked call, one diffusion step at 512 px on a ZeroGPU slice, and the cap
# a free visitor's quota allows per call.
BASE_S = 15.0
PER_STEP_S = 0.25
MIN_S, MAX_S = 20, 120


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


def estimate_seconds(steps: int = 25, images: int = 1, platforms: int = 1) -> int:
    """A GPU-time budget for `images` scenes of `steps` steps at each of `platforms` aspects."""
    seconds = BASE_S + PER_STEP_S * max(1, steps) * max(1, images) * max(1, platforms)
    return int(min(MAX_S, max(MIN_S, round(seconds))))


def gpu_function(fn: F, duration: Callable[..., int] | int = MAX_S) -> F:
    """`spaces.GPU(duration=...)(fn)` on a Space with `spaces`; `fn` itself everywhere else."""
    spaces = _spaces_module()
    if spaces is None:
        return fn
    return spaces.GPU(duration=duration)(fn)


def duration_from_arguments(fn: Callable[..., Any]) -> Callable[..., int]:
    """A duration callable for `fn`: reads steps, variant count and platforms from its own arguments.

    ZeroGPU calls it with the handler's arguments; names it does not know count as 1.
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
