"""What each diffusion profile means for scene generation: family, working size, defaults.

`none` has no entry: it never generates (the lead routes it to procedural backdrops).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from studio.errors import StudioError

Family = Literal["sd15", "sdxl"]


@dataclass(frozen=True)
class DiffusionProfile:
    name: str
    family: Family
    working_long_side: int  # the model's native resolution; the result is resized to the poster
    size_multiple: int  # both working sides are multiples of this
    strength: float  # inpaint strength; 1.0 starts the background from pure noise
    note: str = ""  # shown with every scene made by this profile


PROFILES: dict[str, DiffusionProfile] = {
    "sd15": DiffusionProfile("sd15", "sd15", working_long_side=512, size_multiple=64, strength=1.0),
    # SDXL inpainting-0.1's card recommends a strength just below 1.
    "sdxl": DiffusionProfile("sdxl", "sdxl", working_long_side=1024, size_multiple=64, strength=0.99),
    # Small working size keeps a CPU run to seconds; geometry is still SD's (latent = size / 8).
    # Multiples of 16 suffice for the tiny UNet (one downsample of the /8 latent).
    "tiny": DiffusionProfile(
        "tiny", "sd15", working_long_side=192, size_multiple=16, strength=1.0,
        note="tiny profile: random weights, so the scene is noise",
    ),
}


def diffusion_profile(name: str) -> DiffusionProfile:
    if name not in PROFILES:
        raise StudioError(
            "AI scenes are off in this profile.",
            hint="Use a procedural backdrop, or start the studio with --profile sd15 or sdxl on a machine with a GPU.",
        )
    return PROFILES[name]


def working_size(size: tuple[int, int], profile: DiffusionProfile) -> tuple[int, int]:
    """(w, h) with the long side at the profile's resolution, both sides multiples of `size_multiple`.

    The aspect ratio is kept to within one multiple; the background is resized back
    to `size` afterwards, and the product's own pixels are composited at final size.
    """
    width, height = size
    if width <= 0 or height <= 0:
        raise StudioError("The poster size must be positive.")
    m = profile.size_multiple
    scale = profile.working_long_side / max(width, height)

    def snap(side: int) -> int:
        return max(m, int(round(side * scale / m)) * m)

    return snap(width), snap(height)
