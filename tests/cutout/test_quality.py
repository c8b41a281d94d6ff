"""Warnings for a soft photo (upscaled) and a cut-out that lost a part."""

from __future__ import annotations

from PIL import Image, ImageDraw

from studio.cutout.quality import lost_parts, upscale_factor, upscale_warnings
from studio.layers import Cutout
from studio.recipe import Recipe


def _bottle_mask(with_cap: bool) -> Image.Image:
    mask = Image.new("L", (200, 400), 0)
    d = ImageDraw.Draw(mask)
    d.rectangle([40, 120, 160, 390], fill=255)  # body
    if with_cap:
        d.rectangle([75, 20, 125, 120], fill=255)  # cap
    return mask


def test_a_lost_cap_is_reported_and_edge_cleanup_is_not() -> None:
    model = _bottle_mask(with_cap=True)
    assert "brush" in lost_parts(model, _bottle_mask(with_cap=False))
    assert "画笔" in lost_parts(model, _bottle_mask(with_cap=False), lang="zh")
    eroded = model.copy()
    ImageDraw.Draw(eroded).rectangle([40, 120, 160, 121], fill=0)  # a one-pixel rim trimmed
    assert lost_parts(model, eroded) == ""


def test_a_small_photo_warns_per_platform_that_must_upscale_it() -> None:
    rgba = Image.new("RGBA", (120, 200), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle([10, 10, 110, 190], fill=(200, 30, 30, 255))
    cutout = Cutout(rgba=rgba, box=(10, 10, 111, 191))
    recipe = Recipe()
    assert upscale_factor(cutout, recipe, "amazon_main") > 6  # 180 px tall → ~1800 px
    warnings = upscale_warnings(cutout, recipe, ["amazon_main", "taobao_main"])
    assert any(w.startswith("amazon_main") and "blurry" in w for w in warnings)
    big = Cutout(rgba=rgba.resize((1200, 2000)), box=(100, 100, 1110, 1910))
    assert upscale_warnings(big, recipe, ["amazon_main", "taobao_main"]) == []
