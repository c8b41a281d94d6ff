"""The Chinese promo layouts (presets/layouts/promo_*.json): each makes a poster that holds all the copy.

Their thumbnails (presets/layouts/thumbs/) are these posters, regenerated with
`STUDIO_WRITE_THUMBS=1 pytest tests/text/test_promo_layouts.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.pipeline import SceneCache, render_poster
from studio.presets import all_presets
from studio.recipe import CopyText, Recipe
from studio.text.dropped import expected_elements
from tests.conftest import make_bottle_cutout

PROMOS = sorted(k for k, v in all_presets("layouts").items() if not v.get("auto", True))
COPY = CopyText(
    headline="316不锈钢保温杯",
    subline="长效保温 12 小时",
    selling_points=["加厚杯壁", "500ml大容量", "一键开盖"],
    price="89",
    original_price="129",
    badge="满200减30",
    cta="立即抢购",
)
THUMBS = Path(__file__).resolve().parents[2] / "presets" / "layouts" / "thumbs"


def test_there_are_at_least_eight_promo_layouts_and_auto_ignores_them() -> None:
    assert len(PROMOS) >= 8
    labels = {all_presets("layouts")[p].get("price_label") for p in PROMOS}
    assert {"到手价", "券后价"} <= labels


@pytest.mark.parametrize("layout", PROMOS)
def test_each_promo_layout_holds_all_the_copy(none_models, layout: str, artifacts_dir) -> None:
    recipe = Recipe(copy_text=COPY.model_copy(update={"layout": layout}))
    poster = render_poster(none_models, make_bottle_cutout(), recipe, "taobao_main", cache=SceneCache())
    poster.image.save(artifacts_dir / f"{layout}.png")
    if os.environ.get("STUDIO_WRITE_THUMBS"):
        THUMBS.mkdir(exist_ok=True)
        small = poster.image.resize((160, 160), Image.LANCZOS).quantize(64)  # a few KB each
        small.save(THUMBS / f"{layout}.png", optimize=True)
    assert not [n for n in expected_elements(COPY) if n not in poster.text_boxes], (layout, poster.warnings)
    assert not any("改用" in w for w in poster.warnings), poster.warnings  # held by the layout itself
    template = all_presets("layouts")[layout]
    if any(g.get("band") for g in template["groups"]):
        assert any(k.startswith("band_") for k in poster.text_boxes), layout  # a band, or tags where the product is
    for box in (b for k, b in poster.text_boxes.items() if k.startswith("band_")):
        x0, y0, x1, y1 = box
        p = poster.product_box
        assert not (x0 < p[2] and p[0] < x1 and y0 < p[3] and p[1] < y1)  # a band never covers the product
    assert (THUMBS / f"{layout}.png").is_file()
    assert np.asarray(poster.image).std() > 10
