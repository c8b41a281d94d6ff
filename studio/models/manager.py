"""One object that owns every model in the process.

- lazy: nothing loads until a step asks for it;
- cached: a model is loaded once per process and lent out for each call;
- one lock per model key: a multi-GB download of one model never stalls another
  (a cut-out in another tab waits for nothing but its own model);
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
    card: str = ""  # e.g. "NVIDIA GeForce RTX 3060 (compute capability 8.6)"
    reason: str = ""  # why this device and dtype, for the status line

    def describe(self) -> str:
        where = self.card if self.device == "cuda" and self.card else self.device.upper()
        why = f": {self.reason}" if self.reason else ""
        return f"Device: {where}, {self.dtype_name}{why}."

    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype_name)


class ModelManager:
    """Lends models for the length of a call. Create one per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings.resolved() if settings.profile == "auto" else settings
        self._cache: dict[str, Any] = {}
        self._cache_lock = threading.RLock()  # guards _cache and _key_locks only, never held while loading
        self._key_locks: dict[str, threading.RLock] = {}  # one per key: loads of one model run once
        self.gpu_lock = threading.Lock()  # one generation at a time on the accelerator
        self._policy: DevicePolicy | None = None
        self._probe: Any | None = None

    @property
    def profile(self) -> str:
        return self.settings.profile

    @property
    def policy(self) -> DevicePolicy:
        """Device and dtype for diffusion, decided once (imports torch on first use)."""
        if self._policy is None:
            self._policy = decide_device_policy(self.settings)
        return self._policy

    def card_probe(self) -> Any | None:
        """The first CUDA card (a GpuProbe: name, capability, VRAM), or None where no model runs on one.

        Probed only for a profile that loads models and a device that is not forced to the CPU,
        so a procedural-only studio never imports torch for it.
        """
        if self.settings.profile == "none" or self.settings.device == "cpu":
            return None
        if self._probe is None:
            from studio.models.device import probe_gpu

            self._probe = probe_gpu()
        return self._probe

    def get(self, key: str, loader: Callable[[], Any]) -> Any:
        """The cached model under `key`, loading it with `loader()` the first time.

        Two callers of one key load it once (the second waits for the first);
        callers of other keys do not wait at all. A failed load caches nothing.
        """
        with self._cache_lock:
            if key in self._cache:
                return self._cache[key]
            key_lock = self._key_locks.setdefault(key, threading.RLock())
        with key_lock:
            with self._cache_lock:
                if key in self._cache:
                    return self._cache[key]
            value = loader()  # outside the cache lock: a download here blocks only this key
            with self._cache_lock:
                self._cache[key] = value
            return value

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
        elif s.profile in ("tiny", "tiny-zimage"):
            what = "Tiny test models with random weights: generated scenes are noise, by design."
        else:
            what = f"AI scenes with {s.model_source('base')} + {s.model_source('controlnet')}, downloaded on first use."
        reason = f" ({s.profile_reason})" if s.profile_reason else ""
        line = f"Profile: {s.profile}{reason}. {what}"
        if s.profile != "none":
            line += " " + self.policy.describe()  # which card, which dtype, why
        return line


def decide_device_policy(settings: Settings, probe: Any | None = None) -> DevicePolicy:
    """Device and dtype from the card's compute capability (studio.models.device); cpu+fp32 without one.

    `probe` (a GpuProbe) is for tests; by default the first CUDA device is probed.
    An explicit `settings.dtype` wins over the card's choice (e.g. bf16 on a CPU).
    """
    from studio.models.device import card_dtype, probe_gpu

    forced = settings.dtype if settings.dtype != "auto" else ""
    if settings.device == "cpu":
        return DevicePolicy(
            "cpu", forced or "float32", reason="--device cpu" + (f" --dtype {forced}" if forced else "")
        )
    found = probe if probe is not None else probe_gpu()
    if not found.usable:
        why = found.message or "no CUDA GPU was found"
        return DevicePolicy("cpu", forced or "float32", reason=why)
    dtype, why = card_dtype(found.name, found.capability)
    if forced:
        dtype, why = forced, f"--dtype {forced} was chosen (the card alone would get {dtype}: {why})"
    return DevicePolicy("cuda", dtype, card=found.label, reason=why)
