"""Placement geometry: where the product goes, and that it is resampled once, cleanly."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout
from studio.presets import get_platform, preset_ids
from studio.recipe import Placement
from studio.scene.placement import place_product, placement_for_platform, product_box_fraction, product_rect

sizes = st.tuples(st.integers(64, 2400), st.integers(64, 2400))
boxes = st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(4, 900), st.integers(4, 900)).map(
    lambda b: (b[0], b[1], b[0] + b[2], b[1] + b[3])
)
placements = st.builds(
    Placement,
    center_x=st.floats(0.0, 1.0),
    floor_y=st.floats(0.05, 1.0),
    scale=st.floats(0.03, 1.0),
    rotation_deg=st.just(0.0),
)


@given(box=boxes, placement=placements, size=sizes)
def test_upright_rect_is_inside_keeps_aspect_and_sits_where_asked(box, placement, size) -> None:
    (x0, y0, x1, y1), _ = product_rect(box, placement, size)
    width, height = size
    eps = 1e-6
    assert -eps <= x0 < x1 <= width + eps and -eps <= y0 < y1 <= height + eps
    # fits in scale*W × scale*H and touches one of the two limits
    assert x1 - x0 <= placement.scale * width + 1e-6 and y1 - y0 <= placement.scale * height + 1e-6
    assert max((x1 - x0) / (placement.scale * width), (y1 - y0) / (placement.scale * height)) == pytest.approx(1.0)
    # aspect of the product's tight box, within one pixel
    aspect = (box[2] - box[0]) / (box[3] - box[1])
    assert abs((x1 - x0) - aspect * (y1 - y0)) <= 1.0
    # centred and standing where asked, unless that would leave the canvas
    cx, bottom = placement.center_x * width, placement.floor_y * height
    if (x1 - x0) / 2 <= cx <= width - (x1 - x0) / 2:
        assert (x0 + x1) / 2 == pytest.approx(cx)
    if bottom - (y1 - y0) >= 0:
        assert y1 == pytest.approx(bottom)


@given(box=boxes, placement=placements, size=sizes, rotation=st.floats(-180, 180))
def test_rotated_rect_stays_inside(box, placement, size, rotation) -> None:
    (x0, y0, x1, y1), factor = product_rect(box, placement.model_copy(update={"rotation_deg": rotation}), size)
    assert factor > 0
    assert -1e-6 <= x0 and x1 <= size[0] + 1e-6 and -1e-6 <= y0 and y1 <= size[1] + 1e-6


def _solid_cutout(width: int, height: int, margin: int = 6) -> Cutout:
    rgba = Image.new("RGBA", (width + 2 * margin, height + 2 * margin), (0, 0, 0, 0))
    rgba.paste((200, 60, 30, 255), (margin, margin, margin + width, margin + height))
    return Cutout(rgba=rgba, box=(margin, margin, margin + width, margin + height))


@settings(max_examples=30, deadline=None)
@given(
    cut=st.tuples(st.integers(8, 300), st.integers(8, 300)),
    placement=placements.filter(lambda p: p.scale > 0.1),
    size=st.tuples(st.integers(64, 700), st.integers(64, 700)),
)
def test_placed_box_matches_the_geometry(cut, placement, size) -> None:
    cutout = _solid_cutout(*cut)
    placed = place_product(cutout, placement, size)
    rect, factor = product_rect(cutout.box, placement, size)
    assert placed.rgba.size == size and placed.rgba.mode == "RGBA"
    assert placed.box == placed.rgba.getchannel("A").getbbox()
    # An enlarged hard edge ramps over about one source pixel (= `factor` canvas pixels).
    tolerance = 2 + factor
    for got, want in zip(
        placed.box, (math.floor(rect[0]), math.floor(rect[1]), math.ceil(rect[2]), math.ceil(rect[3]))
    ):
        assert abs(got - want) <= tolerance


def test_rotation_turns_counter_clockwise(bottle_cutout) -> None:
    # The bottle's neck is at its top; turned +90° it must point left.
    placed = place_product(bottle_cutout, Placement(rotation_deg=90, floor_y=0.7, scale=0.5), (800, 800))
    alpha = np.asarray(placed.rgba.getchannel("A")) > 128
    x0, y0, x1, y1 = placed.box
    columns = alpha[y0:y1, x0:x1].sum(axis=0)
    third = (x1 - x0) // 3
    assert columns[:third].mean() < columns[-third:].mean()  # the narrow neck is on the left


@pytest.mark.parametrize("platform_id", preset_ids("platforms"))
def test_platform_placement(bottle_cutout, platform_id) -> None:
    platform = get_platform(platform_id)
    seller = Placement(center_x=0.3, floor_y=0.8, scale=0.4, rotation_deg=5)
    assert placement_for_platform(Placement(), platform).center_x == 0.5
    x0, y0, x1, y1 = bottle_cutout.box
    chosen = placement_for_platform(seller, platform, product_aspect=(x1 - x0) / (y1 - y0))
    if "fill_85" not in platform.rules:
        assert chosen == seller
        return
    placed = place_product(bottle_cutout, chosen, platform.size)
    fraction = product_box_fraction(placed.box, platform.size)
    assert 0.85 <= fraction <= 0.95
    bx0, by0, bx1, by1 = placed.box
    assert abs((bx0 + bx1) / 2 - platform.width / 2) <= 2
    assert abs((by0 + by1) / 2 - platform.height / 2) <= 2


def test_fill_rule_for_a_wide_product() -> None:
    cutout = _solid_cutout(400, 100)
    platform = get_platform("amazon_main")
    chosen = placement_for_platform(Placement(), platform, product_aspect=4.0)
    placed = place_product(cutout, chosen, platform.size)
    assert product_box_fraction(placed.box, platform.size) >= 0.85


def test_box_fraction_uses_the_longer_sides() -> None:
    assert product_box_fraction((0, 0, 900, 1800), (2000, 2000)) == pytest.approx(0.9)
    assert product_box_fraction((10, 10, 110, 60), (200, 100)) == pytest.approx(0.5)


def test_empty_cutout_is_a_seller_message() -> None:
    cutout = Cutout(rgba=Image.new("RGBA", (50, 50)), box=(0, 0, 0, 0))
    with pytest.raises(StudioError, match="no product"):
        place_product(cutout, Placement(), (400, 400))


def _edge_colour_error(value: int, placement: Placement) -> float:
    """Worst deviation of the unpremultiplied colour from `value` on a soft, rotated edge."""
    size = 160
    alpha = Image.new("L", (size, size), 0)
    from PIL import ImageDraw, ImageFilter

    ImageDraw.Draw(alpha).ellipse([20, 20, 140, 140], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(2))
    rgba = Image.new("RGBA", (size, size), (value, value, value, 0))
    rgba.putalpha(alpha)
    placed = place_product(Cutout(rgba=rgba, box=alpha.getbbox()), placement, (300, 300))
    data = np.asarray(placed.rgba).astype(int)
    edge = (data[..., 3] >= 8) & (data[..., 3] < 255)
    assert edge.sum() > 100
    return float(np.abs(data[..., :3][edge] - value).max())


def test_automatic_fields_have_defaults(bottle_cutout) -> None:
    placed = place_product(bottle_cutout, Placement(), (600, 600))
    assert placed.box[3] == pytest.approx(0.86 * 600, abs=2)


@pytest.mark.parametrize("placement", [Placement(scale=0.3, rotation_deg=33), Placement(scale=0.9, rotation_deg=-12)])
def test_resampling_adds_no_fringe(placement) -> None:
    # Transparent pixels are black in one case and white in the other: a
    # straight-alpha resample would drag them into the edge colour.
    assert _edge_colour_error(255, placement) <= 2
    assert _edge_colour_error(0, placement) <= 2
