"""What each diffusion profile means for scene generation: family, working size, defaults.

`none` has no entry: it never generates (the lead routes it to procedural backdrops).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from studio.errors import StudioError

Family = Literal["sd15", "sdxl", "zimage"]


@dataclass(frozen=True)
class DiffusionProfile:
    name: str
    family: Family
    working_long_side: int  # the model's native resolution; the result is resized to the poster
    size_multiple: int  # both working sides are multiples of this
    strength: float  # inpaint strength; 1.0 starts the background from pure noise
    note: str = ""  # shown with every scene made by this profile
    # The family's sampler defaults; 0 / None: the scene preset's (tuned for SD's 25 UniPC steps).
    steps: int = 0
    guidance: float | None = None
    prompt_tokens: int = 75  # what the text encoder reads (CLIP: 77 with start and end)


PROFILES: dict[str, DiffusionProfile] = {
    # Multiples of 8 (one latent pixel) are all SD needs: the UNet pads odd latent sizes
    # itself (forward_upsample_size), so no platform is squeezed to a multiple of 64.
    "sd15": DiffusionProfile("sd15", "sd15", working_long_side=512, size_multiple=8, strength=1.0),
    # SDXL inpainting-0.1's card recommends a strength just below 1.
    "sdxl": DiffusionProfile("sdxl", "sdxl", working_long_side=1024, size_multiple=8, strength=0.99),
    # Small working size keeps a CPU run to seconds; geometry is still SD's (latent = size / 8).
    "tiny": DiffusionProfile(
        "tiny",
        "sd15",
        working_long_side=192,
        size_multiple=8,
        strength=1.0,
        note="tiny profile: random weights, so the scene is noise",
    ),
    # Z-Image Turbo is distilled for 8 steps without guidance (its card: 9 scheduler steps,
    # guidance_scale 0). Its latent patches are 2x2 cells of the 8x VAE: sides are multiples of 16.
    "zimage": DiffusionProfile(
        "zimage",
        "zimage",
        working_long_side=1024,
        size_multiple=16,
        strength=1.0,
        steps=8,
        guidance=0.0,
        prompt_tokens=512,
    ),
    "tiny-zimage": DiffusionProfile(
        "tiny-zimage",
        "zimage",
        working_long_side=128,
        size_multiple=16,
        strength=1.0,
        steps=2,
        guidance=0.0,
        prompt_tokens=512,
        note="tiny-zimage profile: random weights, so the scene is noise",
    ),
}


def diffusion_profile(name: str) -> DiffusionProfile:
    if name not in PROFILES:
        raise StudioError(
            "AI scenes are off in this profile.",
            hint="Use a procedural backdrop, or start the studio with --profile sd15, sdxl or zimage on a machine with a GPU.",
        )
    return PROFILES[name]


def scene_steps(steps: int | None, preset: dict[str, Any], profile: str) -> int:
    """Steps a scene runs: the seller's, else the family's sampler default, else the scene preset's."""
    entry = PROFILES.get(profile)
    return int(steps or (entry.steps if entry else 0) or preset.get("steps", 25))


def scene_guidance(guidance: float | None, preset: dict[str, Any], profile: str) -> float:
    """Guidance a scene runs with: the seller's, else the family's (Z-Image Turbo: 0), else the preset's."""
    if guidance is not None:
        return float(guidance)
    entry = PROFILES.get(profile)
    if entry is not None and entry.guidance is not None:
        return float(entry.guidance)
    return float(preset.get("guidance", 7.0))


def sampler_name(profile: str) -> str:
    """The sampler's name as the A1111 `parameters` text spells it."""
    entry = PROFILES.get(profile)
    return "Euler" if entry is not None and entry.family == "zimage" else "UniPC"  # FlowMatch Euler vs UniPC


def working_size(size: tuple[int, int], profile: DiffusionProfile) -> tuple[int, int]:
    """(w, h), both multiples of `size_multiple`, long side near the profile's resolution.

    The long side may move by up to LONG_SIDE_SLACK multiples from the native
    resolution to find the pair whose aspect is closest to the poster's (within 1 %
    for every platform); the background is resized back to `size` afterwards, and
    the product's own pixels are composited at final size.
    """
    width, height = size
    if width <= 0 or height <= 0:
        raise StudioError("The poster size must be positive.")
    m = profile.size_multiple
    ratio = min(width, height) / max(width, height)
    best: tuple[float, int, int, int] | None = None
    for k in range(-LONG_SIDE_SLACK, LONG_SIDE_SLACK + 1):
        long_side = profile.working_long_side + k * m
        short_side = max(m, int(round(long_side * ratio / m)) * m)
        error = abs(short_side / long_side - ratio) / ratio
        # Within 0.2 % aspect, prefer the long side nearest the native resolution.
        candidate = (round(error / 0.002), abs(k), long_side, short_side)
        if best is None or candidate < best:
            best = candidate
    assert best is not None
    long_side, short_side = best[2], best[3]
    return (long_side, short_side) if width >= height else (short_side, long_side)


# How far (in multiples) the long side may leave the native resolution to keep the aspect.
LONG_SIDE_SLACK = 4
