"""Show a cutout the way a seller judges it: over a checkerboard, white or black."""

from __future__ import annotations

from typing import Literal

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout

CHECKER_PX = 12
CHECKER_LIGHT, CHECKER_DARK = 236, 196
BACKGROUNDS = ("checker", "white", "black")


def checkerboard(size: tuple[int, int], square: int = CHECKER_PX) -> Image.Image:
    width, height = size
    ys, xs = np.mgrid[0:height, 0:width]
    light = ((ys // square + xs // square) % 2) == 0
    grey = np.where(light, CHECKER_LIGHT, CHECKER_DARK).astype(np.uint8)
    return Image.fromarray(np.repeat(grey[..., None], 3, axis=2), "RGB")


def preview(cutout: Cutout, background: Literal["checker", "white", "black"] = "checker") -> Image.Image:
    """RGB image, the cutout's size: the product composited over `background`."""
    size = cutout.rgba.size
    if background == "checker":
        base = checkerboard(size)
    elif background == "white":
        base = Image.new("RGB", size, (255, 255, 255))
    elif background == "black":
        base = Image.new("RGB", size, (0, 0, 0))
    else:
        raise StudioError(
            f"Unknown preview background '{background}'.", hint=f"Choose one of: {', '.join(BACKGROUNDS)}."
        )
    return Image.alpha_composite(base.convert("RGBA"), cutout.rgba.convert("RGBA")).convert("RGB")


GHOST_OPACITY = 0.35  # how strongly the left-out photo shows in the brush view


def touch_up_view(cutout: Cutout) -> Image.Image:
    """RGB image for painting on: the product at full strength, the rest of the whole photo
    faded over a checkerboard, so a seller sees both what is kept and what could be brushed
    back in (also outside the crop). Sized like `brush_canvas(cutout)`, so brush strokes map
    1:1 onto `paint_on_photo`."""
    from studio.cutout.touch_up import whole_photo_rgba

    canvas = whole_photo_rgba(cutout)
    rgba = np.asarray(canvas, dtype=np.float32)
    photo, alpha = rgba[..., :3], rgba[..., 3:] / 255.0
    base = np.asarray(checkerboard(canvas.size), dtype=np.float32)
    ghost = GHOST_OPACITY * photo + (1.0 - GHOST_OPACITY) * base
    out = alpha * photo + (1.0 - alpha) * ghost
    return Image.fromarray(np.clip(np.rint(out), 0, 255).astype(np.uint8), "RGB")
