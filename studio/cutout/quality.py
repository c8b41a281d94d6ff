"""Say when the photo or the cut-out is not good enough, before the seller uploads a soft or broken poster.

- `lost_parts`: the refined mask lost a sizeable part of what the model found (a cap, a handle).
- `upscale_warnings`: the product must be blown up more than ~2× for a platform.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from studio.layers import Cutout
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


def upscale_factor(cutout: Cutout, recipe: Recipe, platform_id: str) -> float:
    """Product pixels per photo pixel on this platform's poster."""
    from studio.pipeline import resolve_placement
    from studio.presets import get_platform
    from studio.scene.placement import product_rect

    platform = get_platform(platform_id)
    placement = resolve_placement(cutout, recipe, platform)
    _rect, factor = product_rect(cutout.box, placement, platform.size)
    return float(factor)


def upscale_warnings(
    cutout: Cutout, recipe: Recipe, platforms: Sequence[str] | None = None, lang: str = "en"
) -> list[str]:
    """One line per platform that must upscale the product more than ~2× (for the cutout and export tabs)."""
    from studio.export.poster_rows import UPSCALE_WARN

    out = []
    for pid in platforms if platforms is not None else recipe.export.platforms:
        factor = upscale_factor(cutout, recipe, pid)
        if factor > UPSCALE_WARN:
            out.append(
                f"{pid}: 商品图要放大 {factor:.1f} 倍，可能发虚；请换更大的原图。"
                if lang == "zh"
                else f"{pid}: the product is upscaled {factor:.1f}× and may look blurry; a larger photo will look sharper."
            )
    return out
