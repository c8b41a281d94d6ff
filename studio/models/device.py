"""Which card is there, whether the installed torch can drive it, and which dtype it gets.

One home for the device-and-dtype decision (the manager's DevicePolicy and the
`auto` profile both ask here). Everything torch-specific is read through a
`cuda`-like object, so tests inject a card by capability instead of owning one.

Why these dtypes:
- bf16 only on compute capability ≥ 8.0 (Ampere and newer). `torch.cuda.is_bf16_supported()`
  also says yes on Turing/Volta/Pascal (it counts emulation), but cuDNN has no bf16
  convolution there, so a UNet fails or crawls;
- fp16 below 8.0, with the VAE upcast to fp32 for decoding where its config asks for it
  (SDXL's VAE overflows in fp16 and decodes black/NaN images);
- fp32 on GTX 16xx (fp16 gives black/NaN images on those Turing cards without tensor cores)
  and on Pascal GeForce (sm_61: fp16 runs at 1/64 of the fp32 rate).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Callable, Literal

GpuStatus = Literal["ok", "none", "arch", "driver"]

# Oldest Linux driver each CUDA major version runs on (NVIDIA's CUDA release notes).
MIN_DRIVER_FOR_CUDA: dict[int, int] = {11: 450, 12: 525, 13: 580}
# A torch build for older cards: the CUDA 12.6 wheels carry kernels from sm_50 to sm_90.
OLD_CARD_INDEX = "https://download.pytorch.org/whl/cu126"
INSTALL_OLD_CARD = f"pip install --force-reinstall torch torchvision --index-url {OLD_CARD_INDEX}"


@dataclass(frozen=True)
class GpuProbe:
    """What the first CUDA device is and whether this torch can run on it."""

    status: GpuStatus
    name: str = ""
    capability: tuple[int, int] = (0, 0)
    message: str = ""  # for status != "ok": exactly what is wrong and the command that fixes it
    vram_gb: float = 0.0  # total memory of the card; 0 when unknown (auto then keeps to SD1.5)

    @property
    def usable(self) -> bool:
        return self.status == "ok"

    @property
    def label(self) -> str:
        major, minor = self.capability
        if not self.name:
            return "no CUDA GPU"
        return f"{self.name} (compute capability {major}.{minor})" if self.capability != (0, 0) else self.name


ATTACHED_LATER = "a CUDA GPU attached per job"


def card_dtype(name: str, capability: tuple[int, int]) -> tuple[str, str]:
    """(dtype name, why) for a card the installed torch can drive."""
    major, minor = capability
    if name == ATTACHED_LATER:
        return "float16", "the card cannot be asked before its first job, and float16 runs on every CUDA card"
    cap = f"{major}.{minor}"
    if major >= 8:
        return "bfloat16", f"compute capability {cap} runs bfloat16 natively"
    if re.search(r"GTX\s*16\d\d", name, re.IGNORECASE):
        return "float32", "GTX 16xx cards give black images in float16, so float32"
    if (major, minor) == (6, 1):
        return "float32", "Pascal GeForce cards (6.1) run float16 at a fraction of float32 speed, so float32"
    return "float16", f"compute capability {cap} has no fast bfloat16, so float16 (VAE decoded in float32 where needed)"


def arch_supported(capability: tuple[int, int], arch_list: list[str]) -> bool:
    """Whether a build compiled for `arch_list` has kernels this card can run.

    sm_XY code runs on the same major at an equal or higher minor; compute_XY (PTX)
    is compiled by the driver for any card at XY or above.
    """
    major, minor = capability
    for arch in arch_list:
        found = re.fullmatch(r"(sm|compute)_(\d+?)(\d)[af]?", arch)
        if not found:
            continue
        kind, a_major, a_minor = found.group(1), int(found.group(2)), int(found.group(3))
        if kind == "sm" and a_major == major and a_minor <= minor:
            return True
        if kind == "compute" and (a_major, a_minor) <= (major, minor):
            return True
    return False


def probe_gpu(
    cuda: Any | None = None,
    *,
    cuda_version: str | None = None,
    driver_version: Callable[[], str | None] | None = None,
) -> GpuProbe:
    """The first CUDA device and whether it can be used; `cuda` defaults to `torch.cuda`."""
    if cuda is None:
        if os.environ.get("STUDIO_FORCE_CPU"):
            return GpuProbe("none", message="STUDIO_FORCE_CPU is set, so the GPU is not used")
        try:
            import torch
        except ImportError:
            return GpuProbe("none", message="torch is not installed")
        cuda, cuda_version = torch.cuda, torch.version.cuda
    driver_version = driver_version or nvidia_driver_version
    build = f"CUDA {cuda_version}" if cuda_version else "CPU-only"
    if not cuda.is_available():
        return _why_unavailable(cuda, cuda_version, build, driver_version())
    try:
        name = str(cuda.get_device_name(0))
        capability = tuple(int(x) for x in cuda.get_device_capability(0))
        archs = list(cuda.get_arch_list())
    except Exception:  # noqa: BLE001 - e.g. ZeroGPU: a GPU is promised but attached only inside each job
        return GpuProbe("ok", ATTACHED_LATER, (0, 0))
    if not arch_supported(capability, archs):  # type: ignore[arg-type]
        have = ", ".join(a for a in archs if a.startswith("sm_")) or "none"
        message = (
            f"the installed torch ({build} build, kernels for {have}) cannot run on {name} "
            f"(compute capability {capability[0]}.{capability[1]}), so scenes are procedural studio backdrops. "
            f"To use this GPU, install a torch built for it: {INSTALL_OLD_CARD}"
        )
        return GpuProbe("arch", name, capability, message)  # type: ignore[arg-type]
    return GpuProbe("ok", name, capability, vram_gb=_total_gb(cuda))  # type: ignore[arg-type]


def _total_gb(cuda: Any) -> float:
    try:
        return float(cuda.get_device_properties(0).total_memory) / 2**30
    except Exception:  # noqa: BLE001 - a fake or partial cuda object: memory unknown
        return 0.0


def _why_unavailable(cuda: Any, cuda_version: str | None, build: str, driver: str | None) -> GpuProbe:
    if not cuda_version:
        return GpuProbe("none", message="this torch is a CPU-only build")
    init_error = ""
    try:
        cuda.init()
    except Exception as exc:  # noqa: BLE001 - the message is what we want
        init_error = str(exc)
    need = MIN_DRIVER_FOR_CUDA.get(int(cuda_version.split(".")[0]))
    too_old = "too old" in init_error.lower()
    if driver and need and _major(driver) < need:
        too_old = True
    if too_old:
        found = f"driver {driver}" if driver else "the installed NVIDIA driver"
        need_text = f" (it needs driver {need} or newer)" if need else ""
        message = (
            f"an NVIDIA GPU is there, but {found} is too old for the installed torch ({build}){need_text}, "
            "so scenes are procedural studio backdrops. Update the NVIDIA driver, or install a torch "
            f"for an older CUDA: {INSTALL_OLD_CARD}"
        )
        return GpuProbe("driver", message=message)
    return GpuProbe("none", message="no CUDA GPU was found")


def _major(version: str) -> int:
    try:
        return int(version.strip().split(".")[0])
    except ValueError:
        return 0


def nvidia_driver_version() -> str | None:
    """The NVIDIA kernel driver's version on Linux (no subprocess), or None."""
    try:
        with open("/proc/driver/nvidia/version", encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return None
    found = re.search(r"Kernel Module\s+(?:for \S+\s+)?(\d+\.\d+(?:\.\d+)?)", text)
    return found.group(1) if found else None
