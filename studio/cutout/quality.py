"""Say when the photo or the cut-out is not good enough, before the seller uploads a soft or broken poster.

- `lost_parts`: the refined mask lost a sizeable part of what the model found (a cap, a handle).
- `upscale_warnings`: the product must be blown up more than ~2× for a platform.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from studio.layers import Cutout
from studio.notes import Note
from studio.presets import Platform
from studio.recipe import Recipe

LOST_AREA = 0.06  # share of the model's product area the refinement may drop before we warn
LOST_BLOB = 0.02  # one dropped piece this large (share of the product) is a part, not edge noise


def lost_parts(model_mask: Image.Image, refined: Image.Image, lang: str = "en") -> str:
    """A warning when the refined mask dropped parts of the model's mask; '' when it did not."""
    from scipy import ndimage

    before = np.asarray(model_mask.convert("L")) >= 128
    after = np.asarray(refined.convert("L").resize(model_mask.size)) >= 128
    area = int(before.sum())
    if area == 0:
        return ""
    dropped = before & ~after
    # Edge erosion is thin; a lost part is a solid piece: open away one-pixel rims first.
    solid = ndimage.binary_opening(dropped, iterations=2)
    labels, count = ndimage.label(solid)
    largest = int(np.bincount(labels.ravel())[1:].max()) if count else 0
    share, blob = dropped.sum() / area, largest / area
    if share < LOST_AREA and blob < LOST_BLOB:
        return ""
    if lang == "zh":
        return (
            f"精修后的轮廓比模型找到的少了 {share:.0%}（最大一块占商品的 {blob:.0%}，可能是瓶盖或把手）："
            "请用画笔把它补回来。"
        )
    return (
        f"The refined outline lost {share:.0%} of what the model found (the largest piece is {blob:.0%} of the "
        "product, perhaps a cap or a handle); paint it back with the brush."
    )


def product_upscale(cutout: Cutout, recipe: Recipe, platform: Platform) -> float:
    """Product pixels per photo pixel on this platform's poster, placed as `recipe` places it.

    The one computation of the upscale: the cut-out tab asks it with the session's recipe, the
    render with the recipe it placed the product by (a smaller product when the copy needed room)."""
    from studio.pipeline import resolve_placement
    from studio.scene.placement import product_rect

    placement = resolve_placement(cutout, recipe, platform)
    _rect, factor = product_rect(cutout.box, placement, platform.size)
    return float(factor)


def upscale_factor(cutout: Cutout, recipe: Recipe, platform_id: str) -> float:
    """`product_upscale` for a platform by id."""
    from studio.presets import get_platform

    return product_upscale(cutout, recipe, get_platform(platform_id))


def upscale_note(platform_id: str, factor: float) -> Note | None:
    """The warning for a product blown up more than ~2× (a Note: the UI words it in the seller's language)."""
    from studio.export.poster_rows import UPSCALE_WARN

    if factor <= UPSCALE_WARN:
        return None
    shown = f"{factor:.1f}"
    return Note(
        "upscale",
        platform_id,
        f"{platform_id}: the product is upscaled {shown}× and may look blurry; a larger photo will look sharper.",
        params=(("factor", shown),),
    )


def upscale_notes(cutout: Cutout, recipe: Recipe, platforms: Sequence[str] | None = None) -> list[Note]:
    """One note per platform that must upscale the product more than ~2× (for the cutout and export tabs)."""
    pids = platforms if platforms is not None else recipe.export.platforms
    notes = (upscale_note(pid, upscale_factor(cutout, recipe, pid)) for pid in pids)
    return [n for n in notes if n is not None]


def upscale_warnings(cutout: Cutout, recipe: Recipe, platforms: Sequence[str] | None = None) -> list[str]:
    """`upscale_notes` as the core's English lines (the UI words the notes by code)."""
    return [n.message for n in upscale_notes(cutout, recipe, platforms)]
