"""One object that owns every model in the process.

- lazy: nothing loads until a step asks for it;
- cached: a model is loaded once per process and lent out for each call;
- one place decides device and dtype;
- one lock serializes GPU work, so two browser tabs never fight over VRAM.

Each model family lives in its own small module and registers a loader here by
key; the manager itself knows nothing about diffusers or rembg, so importing it
is free.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from studio.settings import Settings


@dataclass(frozen=True)
class DevicePolicy:
    device: str  # "cuda" or "cpu"
    dtype_name: str  # "float16" | "bfloat16" | "float32"

    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype_name)


class ModelManager:
    """Lends models for the length of a call. Create one per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.resolved() if settings.profile == "auto" else settings
        self._cache: dict[str, Any] = {}
        self._cache_lock = threading.RLock()  # guards _cache and loading
        self.gpu_lock = threading.Lock()  # one generation at a time on the accelerator
        self._policy: DevicePolicy | None = None

    @property
    def profile(self) -> str:
        return self.settings.profile

    @property
    def policy(self) -> DevicePolicy:
        """Device and dtype for diffusion, decided once (imports torch on first use)."""
        if self._policy is None:
            self._policy = decide_device_policy(self.settings)
        return self._policy

    def get(self, key: str, loader: Callable[[], Any]) -> Any:
        """The cached model under `key`, loading it with `loader()` the first time."""
        with self._cache_lock:
            if key not in self._cache:
                self._cache[key] = loader()
            return self._cache[key]

    def peek(self, key: str) -> Any | None:
        with self._cache_lock:
            return self._cache.get(key)

    def forget(self, key: str) -> None:
        """Drop a cached model (after a failed load, or to free memory)."""
        with self._cache_lock:
            self._cache.pop(key, None)

    def loaded_keys(self) -> list[str]:
        with self._cache_lock:
            return sorted(self._cache)

    @contextmanager
    def gpu(self) -> Iterator[None]:
        """Hold the accelerator for one unit of work (a generation, a LoRA switch)."""
        with self.gpu_lock:
            yield

    def describe(self) -> str:
        """One line for the UI and the CLI: what this process can do and why."""
        s = self.settings
        if s.profile == "none":
            what = "Scenes are procedural studio backdrops (no AI model loaded)."
        elif s.profile == "tiny":
            what = "Tiny test models with random weights: generated scenes are noise, by design."
        else:
            what = f"AI scenes with {s.model_source('base')} + {s.model_source('controlnet')}, downloaded on first use."
        reason = f" ({s.profile_reason})" if s.profile_reason else ""
        return f"Profile: {s.profile}{reason}. {what}"


def decide_device_policy(settings: Settings) -> DevicePolicy:
    """cuda+fp16 (bf16 where supported) when a GPU is there and wanted; else cpu+fp32."""
    want = settings.device
    if want == "cpu":
        return DevicePolicy("cpu", "float32")
    import torch

    if torch.cuda.is_available():
        bf16 = torch.cuda.is_bf16_supported()
        return DevicePolicy("cuda", "bfloat16" if bf16 else "float16")
    return DevicePolicy("cpu", "float32")
