"""Posters as a buyer sees them in a 360 px marketplace grid, on every platform.

Every element the seller typed is on every file, or that file's compliance row fails naming it;
text keeps its minimum height relative to the short side (measured from the drawn glyphs);
OCR at grid size reads the headline and the price.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from PIL import Image

from studio.export.poster_rows import poster_rows
from studio.pipeline import SceneCache, render_poster
from studio.presets import all_presets, get_platform
from studio.recipe import CopyText, Recipe
from studio.text.dropped import element_label, expected_elements
from studio.text.elements import MIN_SHARE, OTHER_MIN_SHARE
from tests.conftest import make_bottle_cutout

COPIES = {
    "bottle": CopyText(
        headline="316不锈钢保温杯 长效保温",
        selling_points=["加厚杯壁保温", "500ml大容量", "一键开盖"],
        price="89",
        original_price="129",
        badge="新品",
        cta="立即抢购",
    ),
    "cream": CopyText(
        headline="水润透亮 焕发光彩",
        subline="温和配方 敏感肌适用",
        selling_points=["深层补水", "轻薄易吸收", "清爽不黏腻"],
        price="99.9",
        original_price="159",
        badge="限时",
        cta="马上抢",
    ),
}
PLATFORMS = sorted(all_presets("platforms"))
# Glyph ink as a share of the font size: digits (cap height) and CJK ideographs in Noto Sans SC.
DIGIT_INK, CJK_INK = 0.70, 0.80


@pytest.fixture(scope="module")
def posters(none_models):
    cutout = make_bottle_cutout()
    made = {}
    for name, copy in COPIES.items():
        recipe = Recipe(copy_text=copy)
        recipe.scene.preset = "spring_festival" if name == "bottle" else "pastel_podium"
        cache = SceneCache()
        for pid in PLATFORMS:
            made[name, pid] = render_poster(none_models, cutout, recipe, pid, cache=cache)
    return made


@pytest.mark.parametrize("name", sorted(COPIES))
def test_every_element_is_on_every_file_or_its_row_names_it(posters, name: str) -> None:
    copy = COPIES[name]
    assert len(expected_elements(copy)) >= 6
    laid_out = 0
    for pid in PLATFORMS:
        platform, poster = get_platform(pid), posters[name, pid]
        rows = poster_rows(
            copy,
            size=platform.size,
            allows_text=platform.allows_text,
            text_boxes=poster.text_boxes,
            text_px=poster.text_px,
            upscale=poster.upscale,
        )
        missing = [n for n in expected_elements(copy) if n not in poster.text_boxes]
        if not platform.allows_text:
            assert not poster.text_boxes.keys() - {"aigc_label"} and rows["copy_complete"]["status"] == "passed"
            continue
        laid_out += 1
        if missing:
            assert rows["copy_complete"]["status"] == "failed", pid
            for n in missing:
                assert element_label(n, "zh") in rows["copy_complete"]["reason"], (pid, n)
                assert any(element_label(n, "zh") in w for w in poster.warnings), (pid, n)
        else:
            assert rows["copy_complete"]["status"] == "passed", pid
    assert laid_out >= 10


@pytest.mark.parametrize("name", sorted(COPIES))
def test_text_keeps_its_minimum_height_on_every_platform(posters, name: str) -> None:
    for pid in PLATFORMS:
        platform, poster = get_platform(pid), posters[name, pid]
        if not platform.allows_text:
            continue
        short = min(platform.size)
        assert poster.text_px is not None
        for layer, px in poster.text_px.items():
            kind = "points" if layer.startswith("point_") else layer
            assert px >= MIN_SHARE.get(kind, OTHER_MIN_SHARE) * short - 0.5, (pid, layer, px, short)
        rows = poster_rows(
            COPIES[name],
            size=platform.size,
            allows_text=True,
            text_boxes=poster.text_boxes,
            text_px=poster.text_px,
            upscale=poster.upscale,
        )
        assert rows["legibility"]["status"] == "passed", (pid, rows["legibility"])


def _glyph_rows(poster, name: str) -> int:
    """The height of the drawn glyphs of one layer: rows of its box whose pixels differ from the plain poster."""
    box = poster.text_boxes[name]
    crop = np.asarray(poster.image.crop(box), dtype=np.int16)
    # Glyph pixels: far from the box's median colour (the ground or the plate behind the text).
    ground = np.median(crop.reshape(-1, 3), axis=0)
    ink = np.abs(crop - ground).max(axis=2) > 90
    rows = np.flatnonzero(ink.any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def test_price_and_headline_heights_measured_from_the_drawn_glyphs(posters) -> None:
    """On main images the price digits reach 6 % and the headline 5 % of the short side, on the pixels."""
    for pid in ("taobao_main", "jd_main", "pdd_main", "douyin_1x1"):
        poster, short = posters["bottle", pid], min(get_platform(pid).size)
        assert _glyph_rows(poster, "price") >= 0.06 * short * DIGIT_INK, pid
        assert _glyph_rows(poster, "headline") >= 0.05 * short * CJK_INK, pid


def test_tall_canvases_spend_their_height_on_copy(posters) -> None:
    """9:16 and 3:4 set the headline and the price larger than a square of the same width does."""
    for name in COPIES:
        square = posters[name, "douyin_1x1"].text_px
        for tall in ("douyin_9x16", "xiaohongshu_3x4", "taobao_3x4"):
            px, short = posters[name, tall].text_px, min(get_platform(tall).size)
            sq_short = min(get_platform("douyin_1x1").size)
            assert px["headline"] / short >= square["headline"] / sq_short * 1.05, (name, tall)


@lru_cache(maxsize=1)
def _ocr():
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    return rapidocr.RapidOCR()


def _read_at_grid(tile: Image.Image, box, scale: float, font_px: int) -> str:
    """Recognition only (no detection pass: the box is known), on the 360 px tile's pixels of one layer."""
    pad = 3
    x0, y0, x1, y1 = (int(v * scale) for v in box)
    crop = tile.crop((max(0, x0 - pad), max(0, y0 - pad), min(tile.width, x1 + pad), min(tile.height, y1 + pad)))
    read = []
    # A two-line headline is read line by line: the recogniser takes one line.
    lines = max(1, int((box[3] - box[1]) / (font_px * 1.18)))
    for i in range(lines):
        part = crop.crop((0, i * crop.height // lines, crop.width, (i + 1) * crop.height // lines))
        result, _ = _ocr()(np.asarray(part), use_det=False, use_cls=False, use_rec=True)
        read += [str(r[0]) for r in (result or [])]
    return "".join(read).replace(" ", "")


def test_ocr_reads_headline_and_price_at_grid_size(posters, artifacts_dir) -> None:
    """Each text poster shrunk to 360 px wide, as a phone grid shows it: OCR reads the headline and the price."""
    copy = COPIES["bottle"]
    for pid in PLATFORMS:
        platform, poster = get_platform(pid), posters["bottle", pid]
        if not platform.allows_text:
            continue
        scale = 360 / poster.image.width
        tile = poster.image.resize((360, round(poster.image.height * scale)), Image.LANCZOS)
        tile.save(artifacts_dir / f"{pid}.png")
        price = _read_at_grid(tile, poster.text_boxes["price"], scale, poster.text_px["price"])
        assert copy.price in price, (pid, price)
        headline = _read_at_grid(tile, poster.text_boxes["headline"], scale, poster.text_px["headline"])
        assert copy.headline.replace(" ", "") in headline, (pid, headline)


def test_layout_metrics_of_the_grid_posters_are_clean(posters) -> None:
    """No text over the product or over other text, and every element readable, on every text platform."""
    from studio.export.layout_metrics import layout_metrics, layout_row

    for (name, pid), poster in posters.items():
        if not get_platform(pid).allows_text:
            continue
        rgb = np.asarray(poster.image)
        metrics = layout_metrics(rgb, poster.product_box, poster.text_boxes)
        assert metrics["occlusion"] == 0 and metrics["overlap"] == 0, (name, pid, metrics)
        assert layout_row(rgb, poster.product_box, poster.text_boxes)["status"] == "passed", (name, pid, metrics)
    # And the metric does see a bad layout: the headline moved onto the product.
    poster = posters["bottle", "taobao_main"]
    boxes = dict(poster.text_boxes, headline=poster.product_box)
    assert layout_row(np.asarray(poster.image), poster.product_box, boxes)["status"] == "failed"
