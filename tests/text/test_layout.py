"""layout_copy: boxes in the canvas and off the product, contrast on the final pixels, kinsoku."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.recipe import CopyText
from studio.text import layout_copy, list_layouts
from studio.text.contrast import contrast, mean_colour
from studio.text.layout import measured_contrast
from studio.text.linebreak import breaks_ok
from studio.text.space import inside, intersects
from tests.text.helpers import SIZES, background, with_product

ZH = st.lists(
    st.sampled_from(list("夏日清爽水润一整天好物温和配方新品限时抢购，。！（）【】") + ["99.9", " ", "500ml"]),
    min_size=1,
    max_size=14,
).map("".join)
EN = st.sampled_from(["Summer Fresh", "Hydrate All Day", "New In", "Shop now", "Gentle formula 500ml", "Up to 50% off"])


def _check(layout, canvas_img, product_box, avoid=()):
    w, h = canvas_img.size
    final = layout.composite(canvas_img)
    for layer in layout.layers:
        assert inside(layer.box, (0, 0, w, h)), (layer.name, layer.box)
        assert not intersects(layer.box, product_box), (layer.name, layer.box, product_box)
        for b in avoid:
            assert not intersects(layer.box, b), (layer.name, layer.box, b)
        # The layer is exactly its box, and no glyph was cut off at its edge (the em estimate errs wide).
        x0, y0, x1, y1 = layer.box
        assert layer.rgba.size == (x1 - x0, y1 - y0), layer.name
        info = layout.info[layer.name]
        ink = np.asarray(info.ink)
        assert ink.shape == (y1 - y0, x1 - x0)
        assert max(ink[0].max(), ink[-1].max(), ink[:, 0].max(), ink[:, -1].max()) == 0, layer.name
        assert breaks_ok(info.lines), info.lines
        # Contrast measured on the final pixels: the mean colour around the glyphs vs each text colour.
        crop = np.asarray(final.crop(layer.box))
        ink = np.asarray(info.ink)
        ground = crop[ink == 0]
        glyph_core = crop[ink >= 250]
        assert glyph_core.size, layer.name
        ground_mean = mean_colour(ground)
        for colour in info.text_colours:
            assert contrast(colour, ground_mean) >= 4.5, (layer.name, colour, ground_mean)
        # The declared colours really are drawn there.
        nearest = min(np.abs(glyph_core.astype(int) - np.array(c)).sum(axis=1).min() for c in info.text_colours)
        assert nearest <= 12
        assert measured_contrast(layer, info, canvas_img) >= 4.5


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    headline=ZH,
    subline=st.one_of(st.just(""), ZH),
    points=st.lists(ZH, max_size=3),
    price=st.sampled_from(["", "99", "¥199.9", "1,299"]),
    badge=st.sampled_from(["", "新品", "双11"]),
    cta=st.sampled_from(["", "立即抢购"]),
    ratio=st.sampled_from(list(SIZES)),
    bg_kind=st.sampled_from(["light", "dark", "noise", "astronaut"]),
    cx=st.floats(0.2, 0.8),
    floor=st.floats(0.5, 1.0),
    scale=st.floats(0.25, 0.6),
    layout=st.sampled_from(["auto", "top_center", "left_column", "bottom_band"]),
)
def test_random_copy_and_products_stay_clear_and_readable(
    headline, subline, points, price, badge, cta, ratio, bg_kind, cx, floor, scale, layout
) -> None:
    copy = CopyText(
        headline=headline, subline=subline, selling_points=points, price=price, badge=badge, cta=cta, layout=layout
    )
    img, box = with_product(background(bg_kind, SIZES[ratio], seed=3), cx, floor, scale)
    result = layout_copy(copy, img, box)
    _check(result, img, box)
    drawn = {layer.name for layer in result.layers}
    wanted = ({"headline"} if headline.strip() else set()) | ({"subline"} if subline.strip() else set())
    # Everything asked for is drawn, or a warning says what was left out.
    for name in wanted - drawn:
        assert any(("headline" if name == "headline" else name) in w for w in result.warnings), (name, result.warnings)


def test_avoid_boxes_and_safe_bands_are_respected() -> None:
    img, box = with_product(background("light", SIZES["9:16"]), 0.5, 0.8, 0.45)
    w, h = img.size
    logo_zone = (0, 0, w // 2, h // 4)
    copy = CopyText(headline="夏日清爽 水润一整天", subline="温和配方", price="99", cta="立即抢购")
    result = layout_copy(copy, img, box, avoid=[logo_zone], safe_top=0.12, safe_bottom=0.15)
    _check(result, img, box, avoid=[logo_zone])
    for layer in result.layers:
        assert layer.box[1] >= 0.12 * h and layer.box[3] <= h - 0.15 * h


def test_named_and_unknown_layouts() -> None:
    names = list_layouts()
    assert {"top_center", "left_column", "right_column", "bottom_band", "split_top_bottom", "top_left"} <= set(names)
    img, box = with_product(background("dark", SIZES["1:1"]), 0.75, 0.9, 0.5)
    result = layout_copy(CopyText(headline="新品上市", layout="left_column"), img, box)
    assert result.layout_id == "left_column" and result.layers[0].box[2] <= box[0]
    with pytest.raises(StudioError) as err:
        layout_copy(CopyText(headline="x", layout="diagonal"), img, box)
    assert "top_center" in err.value.hint


def test_explicit_colour_is_honoured_and_plated_when_weak() -> None:
    img, box = with_product(background("light", SIZES["1:1"]), 0.5, 0.95, 0.4)
    yellow = CopyText(headline="夏日清爽", text_color="#ffe066")
    result = layout_copy(yellow, img, box)
    info = result.info["headline"]
    assert info.text_colours == [(255, 224, 102)]
    assert info.plate is not None  # pale yellow on a light scene needs a plate
    _check(result, img, box)
    dark = layout_copy(CopyText(headline="夏日清爽", text_color="#102040"), img, box)
    assert dark.info["headline"].plate is None and dark.info["headline"].text_colours == [(16, 32, 64)]
    with pytest.raises(StudioError):
        layout_copy(CopyText(headline="x", text_color="reddish"), img, box)


def test_copy_that_cannot_fit_is_dropped_with_a_warning() -> None:
    img, box = with_product(background("light", SIZES["1:1"]), 0.5, 0.97, 0.8)
    shelf = (0, 170, 800, 800)  # e.g. a second product: only a band at the top is free
    copy = CopyText(
        headline="夏日清爽",
        selling_points=["深层补水 持久保湿 清爽不黏腻"] * 5,
        subline="温和配方 敏感肌适用 清爽不黏腻",
    )
    result = layout_copy(copy, img, box, avoid=[shelf])
    _check(result, img, box, avoid=[shelf])
    assert "headline" in result.boxes
    assert len(result.layers) < 7
    # Chinese copy: the seller reads why in Chinese, and the layout says which elements went.
    assert result.dropped and all(n not in result.boxes for n in result.dropped)
    assert any("已省略" in w for w in result.warnings)


def test_latin_font_falls_back_for_chinese_and_says_so() -> None:
    from studio.text.fonts import available_fonts

    if "dejavusans" not in available_fonts():
        pytest.skip("no DejaVu Sans here")
    img, box = with_product(background("dark", SIZES["1:1"]), 0.5, 0.95, 0.4)
    result = layout_copy(CopyText(headline="夏日 Sale", cta="Buy now", font="dejavusans"), img, box)
    assert any("cannot draw" in w and "headline" in w for w in result.warnings)
    assert not any("button" in w for w in result.warnings)
    _check(result, img, box)


def test_vertical_headline_and_effects_render() -> None:
    img, box = with_product(background("dark", SIZES["3:4"]), 0.65, 0.95, 0.5)
    for effect in ("stroke", "gradient", "shadow", "none"):
        result = layout_copy(
            CopyText(headline="夏日清爽水润", vertical=True, text_effect=effect, layout="left_column"), img, box
        )
        layer = result.layers[0]
        bw, bh = layer.box[2] - layer.box[0], layer.box[3] - layer.box[1]
        assert bh > bw  # set top to bottom
        _check(result, img, box)


@pytest.mark.parametrize("bg_kind", ["dark", "astronaut"])
def test_square_poster_with_a_centred_product_gets_a_big_headline_band_on_top(bg_kind: str) -> None:
    # The box the pipeline gives a bottle on an 800×800 double11 poster: centred, half the height.
    img, box = with_product(background(bg_kind, SIZES["1:1"]), 0.5, 0.77, 0.5)
    copy = CopyText(
        headline="夏日清爽 水润一整天",
        subline="温和配方 敏感肌适用，清爽不黏腻",
        badge="新品",
        selling_points=["深层补水", "轻薄易吸收", "500ml 大容量"],
        price="99.9",
        original_price="159",
        cta="立即抢购",
    )
    result = layout_copy(copy, img, box)
    _check(result, img, box)
    head = result.boxes["headline"]
    assert head[3] <= box[1] and head[2] - head[0] > 0.6 * img.width, (
        result.layout_id,
        head,
    )  # a band above the product
    assert result.info["headline"].font_px >= 0.8 * 0.095 * 800  # near its design size, not squeezed into a side column
    sizes = {n: li.font_px for n, li in result.info.items()}
    assert sizes["headline"] == max(sizes.values())  # the headline leads the hierarchy


def test_product_on_the_right_keeps_the_copy_in_one_column_on_the_left() -> None:
    img, box = with_product(background("light", SIZES["1:1"]), 0.68, 0.86, 0.5)
    copy = CopyText(
        headline="夏日清爽 水润一整天",
        subline="温和配方 敏感肌适用",
        price="99.9",
        cta="立即抢购",
        selling_points=["深层补水", "轻薄易吸收"],
    )
    result = layout_copy(copy, img, box)
    _check(result, img, box)
    assert all(b[2] <= box[0] for b in result.boxes.values()), result.boxes
