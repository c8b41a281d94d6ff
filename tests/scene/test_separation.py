"""Contrast for shapes: buttons keep 3:1 on a same-coloured scene; the picker warns when the product melts in."""

from __future__ import annotations

from PIL import Image, ImageDraw

from studio.layers import Cutout
from studio.recipe import CopyText
from studio.scene.separation import separation_warning
from studio.text import layout_copy
from studio.text.contrast import contrast, mean_colour


def _red_box() -> Cutout:
    rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle([20, 20, 180, 180], fill=(196, 18, 40, 255))
    return Cutout(rgba=rgba, box=(20, 20, 181, 181))


def test_a_red_box_on_the_red_spring_scene_gets_a_warning_and_better_scenes() -> None:
    warning = separation_warning(_red_box(), "spring_festival")
    assert "春节" in warning and "试试" in warning
    assert "spring" not in warning
    assert separation_warning(_red_box(), "studio_white") == ""


def test_button_and_badge_stand_out_from_a_red_scene() -> None:
    import numpy as np

    red = Image.new("RGB", (800, 800), (200, 16, 40))
    copy = CopyText(headline="新春好礼", badge="新品", cta="立即抢购", price="99")
    result = layout_copy(copy, red, (300, 300, 500, 700))
    for name in ("badge", "cta"):
        fill = result.info[name].plate
        box = result.boxes[name]
        behind = mean_colour(np.asarray(red.crop(box)))
        assert fill is not None and contrast(fill, behind) >= 3.0, (name, fill)
