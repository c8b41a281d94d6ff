"""Manual touch-up as pure functions over masks: brush strokes that add or erase, and undo.

A stroke is an image the size of the cutout whose coverage marks the brush:
an "L"/"1" image (white = stroke) or an RGBA layer from gr.ImageEditor (its
alpha is the stroke). The UI owns the brush; this module owns the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout
from studio.recipe import Box

HISTORY_LIMIT = 30  # undo steps kept; older ones are dropped first


def stroke_coverage(stroke: Image.Image, size: tuple[int, int]) -> np.ndarray:
    """0..255 coverage of a brush layer, resized to `size` if the editor showed it scaled."""
    if stroke.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        cover = stroke.getchannel("A")
    elif stroke.mode == "P" and "transparency" in stroke.info:
        cover = stroke.convert("RGBA").getchannel("A")
    else:
        cover = stroke.convert("L")
    if cover.size != size:
        cover = cover.resize(size, Image.Resampling.BILINEAR)
    return np.asarray(cover, dtype=np.uint8)


def apply_stroke(mask: Image.Image, stroke: Image.Image, mode: Literal["add", "erase"]) -> Image.Image:
    """`mask` with the stroke painted in (add: max) or out (erase: min with its inverse)."""
    alpha = np.asarray(mask.convert("L"), dtype=np.uint8)
    cover = stroke_coverage(stroke, mask.size)
    if mode == "add":
        out = np.maximum(alpha, cover)
    elif mode == "erase":
        out = np.minimum(alpha, 255 - cover)
    else:
        raise StudioError(f"Unknown brush '{mode}'.", hint="Use add or erase.")
    return Image.fromarray(out.astype(np.uint8), "L")


def with_mask(cutout: Cutout, mask: Image.Image) -> Cutout:
    """The cutout with a new alpha; the product box follows it. The crop stays as it is."""
    from studio.cutout.remove import product_box

    if mask.size != cutout.rgba.size:
        raise StudioError(
            "The edited mask does not match the cutout's size.", hint="Reload the cutout and brush again."
        )
    mask = mask.convert("L")
    box = product_box(mask)
    if box is None:
        raise StudioError("That would erase the whole product.", hint="Undo the last stroke.")
    rgba = cutout.rgba.copy()
    rgba.putalpha(mask)
    return replace(cutout, rgba=rgba, box=box)


def apply_touch_up(cutout: Cutout, *, add: Image.Image | None = None, erase: Image.Image | None = None) -> Cutout:
    """Paint `add` into the mask, then `erase` out of it (erase wins where both touch)."""
    mask = cutout.mask
    if add is not None:
        mask = apply_stroke(mask, add, "add")
    if erase is not None:
        mask = apply_stroke(mask, erase, "erase")
    return with_mask(cutout, mask)


@dataclass(frozen=True)
class MaskHistory:
    """Undo history as a value: every operation returns a new history."""

    masks: tuple[Image.Image, ...]

    @classmethod
    def start(cls, mask: Image.Image) -> "MaskHistory":
        return cls((mask.convert("L"),))

    @property
    def current(self) -> Image.Image:
        return self.masks[-1]

    @property
    def can_undo(self) -> bool:
        return len(self.masks) > 1

    def push(self, mask: Image.Image) -> "MaskHistory":
        masks = (*self.masks, mask.convert("L"))
        if len(masks) > HISTORY_LIMIT + 1:
            masks = masks[-(HISTORY_LIMIT + 1) :]
        return MaskHistory(masks)

    def stroke(self, stroke: Image.Image, mode: Literal["add", "erase"]) -> "MaskHistory":
        return self.push(apply_stroke(self.current, stroke, mode))

    def undo(self) -> "MaskHistory":
        return MaskHistory(self.masks[:-1]) if self.can_undo else self


# ---- the brush on the whole photo ------------------------------------------------------------------------------
def brush_canvas(cutout: Cutout) -> Box:
    """The box, in photo pixels, the brush paints on: the whole photo and the crop together
    (the crop's margin may reach past the photo). Just the crop when the photo is not known."""
    cw, ch = cutout.rgba.size
    ox, oy = cutout.origin
    if cutout.photo is None:
        return (ox, oy, ox + cw, oy + ch)
    pw, ph = cutout.photo.size
    return (min(0, ox), min(0, oy), max(pw, ox + cw), max(ph, oy + ch))


def whole_photo_rgba(cutout: Cutout) -> Image.Image:
    """RGBA over `brush_canvas`: the photo's pixels with alpha 0, the cut-out (colour and mask) in its place."""
    cx0, cy0, cx1, cy1 = brush_canvas(cutout)
    canvas = Image.new("RGBA", (cx1 - cx0, cy1 - cy0), (0, 0, 0, 0))
    if cutout.photo is not None:
        photo = cutout.photo.convert("RGBA")
        photo.putalpha(0)
        canvas.paste(photo, (-cx0, -cy0))
    canvas.paste(cutout.rgba.convert("RGBA"), (cutout.origin[0] - cx0, cutout.origin[1] - cy0))
    return canvas


def _margin(cutout: Cutout) -> int:
    """The breathing room the crop keeps around the product (the smallest side's)."""
    x0, y0, x1, y1 = cutout.box
    w, h = cutout.rgba.size
    return max(0, min(x0, y0, w - x1, h - y1))


def paint_on_photo(cutout: Cutout, *, add: Image.Image | None = None, erase: Image.Image | None = None) -> Cutout:
    """Brush strokes over the whole photo (sized like `brush_canvas`, or scaled to it): painting
    "add" outside the crop grows the crop so that part of the photo comes back in the product.
    Erasing never shrinks the crop, as within the crop."""
    canvas = whole_photo_rgba(cutout)
    mask = canvas.getchannel("A")
    if add is not None:
        mask = apply_stroke(mask, add, "add")
    if erase is not None:
        mask = apply_stroke(mask, erase, "erase")
    from studio.cutout.remove import product_box

    tight = product_box(mask)
    if tight is None:
        raise StudioError("That would erase the whole product.", hint="Undo the last stroke.")
    cx0, cy0, _, _ = brush_canvas(cutout)
    ox, oy = cutout.origin[0] - cx0, cutout.origin[1] - cy0  # the old crop, in canvas pixels
    cw, ch = cutout.rgba.size
    pad = _margin(cutout)
    # the crop grows only on a side the product now reaches past, keeping the margin there, so
    # strokes inside the crop land where they were painted
    crop = (
        ox if tight[0] >= ox else tight[0] - pad,
        oy if tight[1] >= oy else tight[1] - pad,
        ox + cw if tight[2] <= ox + cw else tight[2] + pad,
        oy + ch if tight[3] <= oy + ch else tight[3] + pad,
    )
    canvas.putalpha(mask)
    rgba = Image.new("RGBA", (crop[2] - crop[0], crop[3] - crop[1]), (0, 0, 0, 0))
    rgba.paste(canvas, (-crop[0], -crop[1]))
    box = (tight[0] - crop[0], tight[1] - crop[1], tight[2] - crop[0], tight[3] - crop[1])
    return replace(cutout, rgba=rgba, box=box, origin=(crop[0] + cx0, crop[1] + cy0))
