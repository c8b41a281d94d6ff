"""The arithmetic floor of a poster: FLOPs counted on the published architectures, over a peak rate.

Counted with torch's FlopCounterMode on meta tensors (shapes only: no memory, no
compute), so any size can be floored on any machine:
    floor = (2 passes (guidance) × steps × (UNet + ControlNet) + one VAE decode) / 790 TFLOP/s,
(Z-Image Turbo: 1 pass × 8 steps × (transformer + ControlNet) + the FLUX VAE decode),
the dense bf16 rate measured on an H100 (performance.md). Inpainting's mask
channels and the prompt encoding are left out (well under 1 %).

    python bench/floors.py      # prints TFLOP per forward and the floors, beside the reference
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.configs import build  # noqa: E402

H100_BF16_FLOPS = 790e12
TEXT_TOKENS = 77
# performance.md, for the check below: (family, size, controlnet) -> floor seconds
REFERENCE_FLOORS = {
    ("sd15", 512, False): 0.054,
    ("sd15", 512, True): 0.072,
    ("sdxl", 1024, False): 0.44,
    ("sdxl", 1024, True): 0.63,
}


@lru_cache(maxsize=None)
def forward_tflop(kind: str, family: str, size: int) -> float:
    """TFLOP of one batch-1 forward of `kind` (unet, controlnet, vae_decode) at size×size pixels."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    latent = size // 8
    width = 768 if family == "sd15" else 2048
    with torch.device("meta"):
        sample = torch.randn(1, 4, latent, latent)
        text = torch.randn(1, TEXT_TOKENS, width)
        extra = (
            {}
            if family == "sd15"
            else {"added_cond_kwargs": {"text_embeds": torch.randn(1, 1280), "time_ids": torch.randn(1, 6)}}
        )
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            if kind == "unet":
                build("unet", family, device="meta")(sample, 10, encoder_hidden_states=text, **extra)
            elif kind == "controlnet":
                cond = torch.randn(1, 3, size, size)
                build("controlnet", family, device="meta")(
                    sample, 10, encoder_hidden_states=text, controlnet_cond=cond, **extra
                )
            elif kind == "vae_decode":
                build("vae", family, device="meta").decode(sample)
            else:
                raise ValueError(kind)
    return counter.get_total_flops() / 1e12


ZIMAGE_STEPS = 8  # Turbo's distilled schedule, one pass per step (guidance 0: no unconditional pass)
ZIMAGE_TEXT_TOKENS = 128  # a poster prompt in Qwen tokens (chat template included)


@lru_cache(maxsize=None)
def zimage_tflop(kind: str, size: int) -> float:
    """TFLOP of one batch-1 Z-Image forward of `kind` (transformer, controlnet, vae_decode) at size×size."""
    import torch
    from diffusers import ZImageControlNetModel
    from torch.utils.flop_counter import FlopCounterMode

    from bench.configs import build_zimage

    latent = size // 8
    with torch.device("meta"):
        sample = [torch.randn(16, 1, latent, latent)]
        text = [torch.randn(ZIMAGE_TEXT_TOKENS, 2560)]
        t = torch.tensor([0.5])
        counter = FlopCounterMode(display=False)
        if kind == "vae_decode":
            vae = build_zimage("vae", device="meta")
            with counter, torch.no_grad():
                vae.decode(torch.randn(1, 16, latent, latent))
            return counter.get_total_flops() / 1e12
        transformer = build_zimage("transformer", device="meta")
        with counter, torch.no_grad():
            if kind == "transformer":
                transformer(sample, t, text)
            elif kind == "controlnet":
                controlnet = ZImageControlNetModel.from_transformer(
                    build_zimage("controlnet", device="meta"), transformer
                )
                controlnet(sample, t, text, torch.randn(1, 33, 1, latent, latent), conditioning_scale=0.75)
            else:
                raise ValueError(kind)
    return counter.get_total_flops() / 1e12


def zimage_poster_tflop(size: int, *, controlnet: bool = True, steps: int = ZIMAGE_STEPS) -> float:
    per_step = zimage_tflop("transformer", size) + (zimage_tflop("controlnet", size) if controlnet else 0.0)
    return steps * per_step + zimage_tflop("vae_decode", size)


def poster_tflop(family: str, size: int, *, controlnet: bool = True, steps: int = 25) -> float:
    if family == "zimage":
        return zimage_poster_tflop(size, controlnet=controlnet)  # its own step count and a single pass
    per_step = forward_tflop("unet", family, size) + (forward_tflop("controlnet", family, size) if controlnet else 0.0)
    return 2 * steps * per_step + forward_tflop("vae_decode", family, size)


def floor_seconds(family: str, size: int, *, controlnet: bool = True, steps: int = 25) -> float:
    return poster_tflop(family, size, controlnet=controlnet, steps=steps) * 1e12 / H100_BF16_FLOPS


def main() -> None:
    print(f"{'module':<12} {'family':<5} {'px':>5} {'TFLOP/forward':>14}")
    for family, sizes in (("sd15", (512, 768, 1024)), ("sdxl", (768, 1024))):
        for size in sizes:
            for kind in ("unet", "controlnet", "vae_decode"):
                print(f"{kind:<12} {family:<5} {size:>5} {forward_tflop(kind, family, size):>14.3f}")
    print(f"\n{'pipeline':<22} {'TFLOP':>7} {'floor s':>8} {'reference s':>12}")
    for family, sizes in (("sd15", (512, 768, 1024)), ("sdxl", (768, 1024))):
        for size in sizes:
            for cn in (False, True):
                ref = REFERENCE_FLOORS.get((family, size, cn))
                label = f"{family} {size}{' + ControlNet' if cn else ''}"
                print(
                    f"{label:<22} {poster_tflop(family, size, controlnet=cn):>7.1f} "
                    f"{floor_seconds(family, size, controlnet=cn):>8.3f} {'' if ref is None else f'{ref:>12.3f}'}"
                )
    for size in (768, 1024):
        for kind in ("transformer", "controlnet", "vae_decode"):
            print(f"zimage {kind:<12} {size:>5} {zimage_tflop(kind, size):>14.3f}")
        for cn in (False, True):
            label = f"zimage {size}{' + ControlNet' if cn else ''} ({ZIMAGE_STEPS} steps)"
            print(
                f"{label:<34} {poster_tflop('zimage', size, controlnet=cn):>7.1f} "
                f"{floor_seconds('zimage', size, controlnet=cn):>8.3f}"
            )


if __name__ == "__main__":
    main()
