"""The visible AI label: readable size, a corner clear of product and copy, and a look at it."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.export.labels import add_visible_label


def _white_text_rows(image: Image.Image, box) -> int:
    """Height in pixels of the near-white glyph ink inside the plate."""
    crop = np.asarray(image.convert("RGB").crop(box)).astype(int)
    white = (crop > 200).all(axis=-1).any(axis=1)
    rows = np.flatnonzero(white)
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


@pytest.mark.parametrize("size", [(800, 800), (750, 1000), (1080, 1920), (2000, 2000)])
def test_label_text_is_at_least_five_percent_of_the_short_side(size):
    image = Image.new("RGB", size, (40, 120, 200))
    out, box = add_visible_label(image)
    assert out.size == size and out.mode == "RGB"
    assert _white_text_rows(out, box) >= 0.05 * min(size)
    assert box[2] == size[0] - max(2, round(min(size) * 0.02)), "bottom-right by default"


def test_label_moves_to_a_free_corner():
    image = Image.new("RGB", (800, 800), (200, 200, 200))
    product = (300, 200, 800, 800)  # covers the bottom-right
    headline = (0, 600, 300, 800)  # covers the bottom-left
    _, box = add_visible_label(image, avoid=[product, headline])
    assert box[1] < 100 and box[2] > 700, "top-right is the first free corner"


def test_label_inside_app_overlay_safe_area():
    image = Image.new("RGB", (1080, 1920), (10, 10, 10))
    _, box = add_visible_label(image, keep_clear=(0.12, 0.2))
    assert box[3] <= 1920 * 0.8


def test_label_pushed_to_the_top_stays_below_the_overlay_there_too():
    """Douyin 9:16 covers the top 12 % (230.4 rows): a plate from row 230 would fail the platform check."""
    image = Image.new("RGB", (1080, 1920), (10, 10, 10))
    product_and_price = (0, 900, 1080, 1920)  # both bottom corners taken
    _, box = add_visible_label(image, avoid=[product_and_price], keep_clear=(0.12, 0.2))
    assert box[1] >= 1920 * 0.12 and box[3] <= 1920 * 0.8


def test_look_at_a_labelled_poster(make_poster, artifacts_dir):
    poster, _ = make_poster("taobao_main")
    out, box = add_visible_label(poster.image, avoid=[poster.product_box])
    out.save(artifacts_dir / "labelled_taobao_main.png")
    out.crop((box[0] - 20, box[1] - 20, 800, 800)).resize(((800 - box[0] + 20) * 3, (800 - box[1] + 20) * 3)).save(
        artifacts_dir / "label_zoom.png"
    )
    assert np.asarray(out)[
        poster.product_box[1] : poster.product_box[3], poster.product_box[0] : poster.product_box[2]
    ].tobytes() == (
        np.asarray(poster.image)[
            poster.product_box[1] : poster.product_box[3], poster.product_box[0] : poster.product_box[2]
        ].tobytes()
    ), "the product's pixels are untouched"
