"""The studio's fast path: speed switches applied once when a scene pipeline is assembled.

Every step is guarded: where the device, the model or the installed versions
cannot do it, the step is skipped and the reason is recorded, so the CPU and
tiny paths work unchanged. What each step does and why:

- dtype: fp16/bf16 on CUDA is decided by the manager's DevicePolicy (loaded that way);
- SDPA attention: torch 2's fused attention is diffusers' default; we only check it is in use;
- channels_last on UNet, ControlNet and VAE: faster convolutions on tensor cores;
- fused QKV projections: one matmul instead of three. Fused attention reads `to_qkv`,
  so a LoRA loaded on to_q/to_k/to_v would be silently ignored: the UNet's fusion is
  switched off for any run with an active LoRA (`prepare_run`), and never used with compile;
- VAE slicing and tiling, per run: tiling above `vae_tiling_above_px` pixels per image,
  slicing (one image at a time) for batches in low-VRAM mode;
- torch.compile (Settings.compile, off by default; CUDA, or any device with Settings.fast_path): the UNet and ControlNet are
  compiled in place. Before that, `enable_lora_hotswap(target_rank=…)` pads every LoRA to
  one rank, so a style loaded with `load_lora_weights(..., adapter_name=<slot>, hotswap=True)`
  replaces the weights in place without a recompile (diffusers' hotswap contract: load the
  LoRA that targets the most layers first; later ones target the same layers or fewer).
- low-VRAM (Settings.low_vram): model CPU offload, done in studio.models.diffusion.

Tiny-profile and CPU runs get a plan with channels_last, fusion and compile off, so
their outputs are bit-for-bit what they were before this module existed, unless
Settings.fast_path (`--fast-path`) asks for the CUDA recipe on the CPU.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Above this many pixels per image the VAE decodes in overlapping tiles: SDXL's own
# 1024² is decoded whole (tiles leave faint seams), anything larger is tiled.
VAE_TILING_ABOVE_PX = 1024 * 1024
# Highest LoRA rank the hotswap slot accepts when compile is on (ranks above fail to load).
HOTSWAP_RANK = 64
COMPILE_MODE = "max-autotune-no-cudagraphs"  # CUDA graphs break hotswap (diffusers PR #9453)

_PLAN_ATTR = "_studio_fast_path"
_FUSED_ATTR = "_studio_qkv_processors"  # (original processors, fused processor) on a fused model


@dataclass(frozen=True)
class FastPathPlan:
    """Which switches to apply; `plan_fast_path` picks them from settings and device."""

    device: str = "cpu"
    channels_last: bool = False
    fuse_qkv: bool = False
    fuse_unet: bool = True  # with fuse_qkv: also the UNet (which keeps its unfused projections for LoRAs)
    compile: bool = False
    vae_tiling_above_px: int = VAE_TILING_ABOVE_PX
    vae_slicing: bool = False
    lora_hotswap_rank: int = 0  # 0: hotswap off


@dataclass
class FastPathReport:
    """What `apply_fast_path` did: step -> 'on', or 'skipped: <why>'."""

    steps: dict[str, str] = field(default_factory=dict)

    def on(self, step: str) -> None:
        self.steps[step] = "on"

    def skip(self, step: str, why: str) -> None:
        self.steps[step] = f"skipped: {why}"

    def applied(self) -> list[str]:
        return [step for step, state in self.steps.items() if state == "on"]


def plan_fast_path(settings: Any, policy: Any) -> FastPathPlan:
    """Everything on for CUDA (or anywhere with Settings.fast_path); nothing on a plain CPU run.

    Low-VRAM drops fusion and compile (offload hooks and compile do not mix). SDXL's UNet
    stays unfused by default: fused it would need its unfused projections kept too (for
    LoRAs), ~1.8 GB more, and the unfused SDXL fits a 12 GB card at batch 4.
    """
    forced = bool(getattr(settings, "fast_path", False))
    if policy.device != "cuda" and not forced:
        return FastPathPlan(device=policy.device)
    low = bool(settings.low_vram)
    compile_on = bool(getattr(settings, "compile", False)) and not low
    return FastPathPlan(
        device=policy.device,
        channels_last=True,
        fuse_qkv=not low,
        fuse_unet=getattr(settings, "profile", "") != "sdxl",
        compile=compile_on,
        vae_slicing=low,
        lora_hotswap_rank=HOTSWAP_RANK if compile_on else 0,
    )


def apply_fast_path(pipe: Any, plan: FastPathPlan) -> FastPathReport:
    """Apply `plan` to an assembled pipeline, once; returns what was applied or skipped and why."""
    report = FastPathReport()
    report.steps["dtype"] = str(getattr(getattr(pipe, "unet", None), "dtype", "unknown"))
    _check_sdpa(pipe, report)
    _channels_last(pipe, plan, report)
    _fuse(pipe, plan, report)
    _hotswap(pipe, plan, report)
    _compile(pipe, plan, report)
    object.__setattr__(pipe, _PLAN_ATTR, (plan, report))
    return report


def fast_path_of(pipe: Any) -> tuple[FastPathPlan, FastPathReport] | None:
    """(plan, report) recorded on `pipe` by apply_fast_path, or None."""
    return getattr(pipe, _PLAN_ATTR, None)


def prepare_run(pipe: Any, size: tuple[int, int], batch: int) -> list[str]:
    """Per-run switches (VAE tiling/slicing, UNet QKV fusion vs LoRA); returns what is on for this run."""
    found = fast_path_of(pipe)
    plan = found[0] if found else FastPathPlan()
    active: list[str] = []
    vae = getattr(pipe, "vae", None)
    if vae is not None and hasattr(vae, "enable_tiling"):
        if size[0] * size[1] > plan.vae_tiling_above_px:
            vae.enable_tiling()
            active.append("vae_tiling")
        else:
            vae.disable_tiling()
    if vae is not None and hasattr(vae, "enable_slicing"):
        if plan.vae_slicing and batch > 1:
            vae.enable_slicing()
            active.append("vae_slicing")
        else:
            vae.disable_slicing()
    unet = getattr(pipe, "unet", None)
    if unet is not None and _is_fused(unet):
        fused = not lora_active(unet)
        _use_fused(unet, fused)
        if fused:
            active.append("unet_fused_qkv")
    return active


def lora_active(model: Any) -> bool:
    """Whether any LoRA layer in `model` is enabled with at least one active adapter."""
    if not getattr(model, "peft_config", None):
        return False
    try:
        from peft.tuners.tuners_utils import BaseTunerLayer
    except ImportError:  # pragma: no cover - peft is a dependency of LoRA styles
        return False
    for module in model.modules():
        if isinstance(module, BaseTunerLayer) and not module.disable_adapters and module.active_adapters:
            return True
    return False


def _models(pipe: Any) -> dict[str, Any]:
    return {name: getattr(pipe, name, None) for name in ("unet", "controlnet", "vae")}


def _check_sdpa(pipe: Any, report: FastPathReport) -> None:
    import torch.nn.functional as F

    if not hasattr(F, "scaled_dot_product_attention"):
        report.skip("sdpa", "this torch has no scaled_dot_product_attention")
        return
    unet = getattr(pipe, "unet", None)
    names = {type(p).__name__ for p in getattr(unet, "attn_processors", {}).values()}
    if names and all("2_0" in n for n in names):
        report.on("sdpa")
    else:
        report.skip("sdpa", f"the UNet uses {sorted(names) or 'no'} attention processors")


def _channels_last(pipe: Any, plan: FastPathPlan, report: FastPathReport) -> None:
    if not plan.channels_last:
        report.skip("channels_last", "off in this plan")
        return
    import torch

    done = []
    for name, model in _models(pipe).items():
        if model is None or not hasattr(model, "to"):
            continue
        try:
            model.to(memory_format=torch.channels_last)
            done.append(name)
        except (TypeError, RuntimeError) as exc:
            report.skip(f"channels_last:{name}", str(exc).splitlines()[0][:120])
    if done:
        report.on("channels_last")
    else:
        report.skip("channels_last", "no convolutional model in the pipeline")


def _fuse(pipe: Any, plan: FastPathPlan, report: FastPathReport) -> None:
    if not plan.fuse_qkv:
        report.skip("fuse_qkv", "off in this plan")
        return
    for name, model in _models(pipe).items():
        if model is None:
            continue
        if name == "unet" and plan.compile:
            report.skip("fuse_qkv:unet", "compile is on: LoRA hotswap needs the unfused projections")
            continue
        if name == "unet" and not plan.fuse_unet:
            report.skip("fuse_qkv:unet", "off for this family: it would keep two copies of the projections")
            continue
        # Only the UNet carries LoRAs, so only it keeps the unfused projections to switch back to.
        why = fuse_qkv(model, keep_unfused=name == "unet")
        if why:
            report.skip(f"fuse_qkv:{name}", why)
        else:
            report.on(f"fuse_qkv:{name}")


def fuse_qkv(model: Any, keep_unfused: bool = True) -> str:
    """Fuse every attention's Q/K/V (K/V for cross-attention) into one matmul; '' when done, else why not.

    With `keep_unfused` the original projections and processors stay, so
    `_use_fused(model, False)` switches back instantly (a LoRA on to_q/to_k/to_v
    needs them) at the cost of a second copy; without it they are deleted, so the
    model holds one copy of its weights (VAE, ControlNet: no LoRA ever targets them).
    """
    if _is_fused(model):
        return ""  # a shared UNet/VAE is fused once for every pipeline built on it
    if getattr(model, "peft_config", None):
        return "LoRA layers are already loaded on this model"
    try:
        from diffusers.models.attention_processor import Attention, FusedAttnProcessor2_0
    except ImportError:
        return "this diffusers has no fused attention processor"
    processors = getattr(model, "attn_processors", None)
    if not processors:
        return "no attention processors"
    if any("Added" in type(p).__name__ for p in processors.values()):
        return "added KV projections cannot be fused"
    layers = [m for m in model.modules() if isinstance(m, Attention) and hasattr(m, "fuse_projections")]
    if not layers:
        return "no attention layers"
    import torch

    with torch.no_grad():
        for layer in layers:
            layer.fuse_projections(fuse=True)
            if not keep_unfused:
                _drop_unfused(layer)
    object.__setattr__(model, _FUSED_ATTR, (dict(processors), FusedAttnProcessor2_0()))
    _use_fused(model, True)
    return ""


def _drop_unfused(layer: Any) -> None:
    """Delete the projections the fused ones replaced (the fused processor never reads them)."""
    names = ("to_k", "to_v") if layer.is_cross_attention else ("to_q", "to_k", "to_v")
    for name in names:
        if name in layer._modules:
            del layer._modules[name]


def _is_fused(model: Any) -> bool:
    return getattr(model, _FUSED_ATTR, None) is not None


def _use_fused(model: Any, fused: bool) -> None:
    original, fused_processor = getattr(model, _FUSED_ATTR)
    current = {type(p) for p in model.attn_processors.values()}
    if fused and current != {type(fused_processor)}:
        model.set_attn_processor(fused_processor)
    elif not fused and type(fused_processor) in current:
        model.set_attn_processor(dict(original))


def _hotswap(pipe: Any, plan: FastPathPlan, report: FastPathReport) -> None:
    if plan.lora_hotswap_rank <= 0:
        report.skip("lora_hotswap", "only needed with compile")
        return
    if not hasattr(pipe, "enable_lora_hotswap"):
        report.skip("lora_hotswap", "this diffusers has no enable_lora_hotswap")
        return
    try:
        # The UNet is compiled right after this; the first style is loaded into the compiled model.
        pipe.enable_lora_hotswap(target_rank=plan.lora_hotswap_rank, check_compiled="ignore")
    except (RuntimeError, ValueError) as exc:  # e.g. a LoRA was loaded before
        report.skip("lora_hotswap", str(exc).splitlines()[0][:120])
        return
    report.on("lora_hotswap")


def _compile(pipe: Any, plan: FastPathPlan, report: FastPathReport) -> None:
    if not plan.compile:
        report.skip("compile", "off (Settings.compile is False by default)")
        return
    import torch

    if not hasattr(torch, "compile"):
        report.skip("compile", "this torch has no torch.compile")
        return
    for name in ("unet", "controlnet"):
        model = getattr(pipe, name, None)
        if model is None or not hasattr(model, "compile"):
            continue
        if getattr(model, "_compiled_call_impl", None) is not None:
            report.on(f"compile:{name}")  # shared with a pipeline compiled before
            continue
        # In place, so pipe.unet stays the same object for every pipeline sharing it;
        # dynamic shapes because platforms differ in aspect ratio.
        # max-autotune only pays on CUDA; on a CPU (--fast-path) inductor's default mode.
        mode = COMPILE_MODE if plan.device == "cuda" else "default"
        model.compile(mode=mode, fullgraph=False, dynamic=None)
        report.on(f"compile:{name}")
