"""Brush strokes, undo and previews over checkerboard, white and black."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.cutout import MaskHistory, apply_stroke, apply_touch_up, preview
from studio.errors import StudioError
from studio.layers import Cutout


def stroke_layer(size: tuple[int, int], box: tuple[int, int, int, int], rgba: bool = True) -> Image.Image:
    """What gr.ImageEditor hands over: a transparent layer with the painted stroke."""
    if rgba:
        layer = Image.new("RGBA", size, (0, 0, 0, 0))
        ImageDraw.Draw(layer).rectangle(box, fill=(255, 0, 0, 255))
    else:
        layer = Image.new("L", size, 0)
        ImageDraw.Draw(layer).rectangle(box, fill=255)
    return layer


@pytest.mark.parametrize("rgba", [True, False])
def test_add_stroke_makes_pixels_opaque_and_reveals_the_photo(bottle_cutout: Cutout, rgba: bool) -> None:
    size = bottle_cutout.rgba.size
    out = apply_touch_up(bottle_cutout, add=stroke_layer(size, (0, 0, 5, 5), rgba))
    assert out.mask.getpixel((2, 2)) == 255
    assert bottle_cutout.mask.getpixel((2, 2)) == 0
    assert out.rgba.getpixel((2, 2))[:3] == bottle_cutout.rgba.getpixel((2, 2))[:3]  # colour was kept under alpha
    assert out.box[0] == 0 and out.box[1] == 0  # the box grew to include the stroke


def test_erase_stroke_and_erase_wins_over_add(bottle_cutout: Cutout) -> None:
    size = bottle_cutout.rgba.size
    cx, cy = size[0] // 2, size[1] // 2
    box = (cx - 10, cy - 10, cx + 10, cy + 10)
    out = apply_touch_up(bottle_cutout, add=stroke_layer(size, box), erase=stroke_layer(size, box))
    assert out.mask.getpixel((cx, cy)) == 0
    assert out.mask.getpixel((cx + 30, cy)) == 255  # untouched elsewhere


def test_stroke_from_a_scaled_editor_is_resized(bottle_cutout: Cutout) -> None:
    w, h = bottle_cutout.rgba.size
    small = stroke_layer((w // 2, h // 2), (0, 0, 4, 4))
    out = apply_stroke(bottle_cutout.mask, small, "add")
    assert out.size == (w, h) and out.getpixel((4, 4)) == 255


def test_erasing_everything_is_refused(bottle_cutout: Cutout) -> None:
    size = bottle_cutout.rgba.size
    with pytest.raises(StudioError, match="erase the whole product"):
        apply_touch_up(bottle_cutout, erase=Image.new("L", size, 255))


def test_history_undo_returns_previous_masks(bottle_cutout: Cutout) -> None:
    size = bottle_cutout.rgba.size
    h0 = MaskHistory.start(bottle_cutout.mask)
    h1 = h0.stroke(stroke_layer(size, (0, 0, 9, 9)), "add")
    h2 = h1.stroke(stroke_layer(size, (60, 200, 90, 230)), "erase")
    assert h2.current.getpixel((5, 5)) == 255 and h2.current.getpixel((70, 210)) == 0
    back = h2.undo()
    assert np.array_equal(np.asarray(back.current), np.asarray(h1.current))
    assert np.array_equal(np.asarray(back.undo().current), np.asarray(bottle_cutout.mask))
    assert not h0.can_undo and h0.undo() is h0
    assert len(h2.masks) == 3 and len(h0.masks) == 1  # values, not mutated in place


def test_previews(bottle_cutout: Cutout, artifacts_dir: Path) -> None:
    outs = {bg: preview(bottle_cutout, bg) for bg in ("checker", "white", "black")}
    for bg, img in outs.items():
        assert img.mode == "RGB" and img.size == bottle_cutout.rgba.size
        img.save(artifacts_dir / f"bottle_{bg}.png")
    assert outs["white"].getpixel((1, 1)) == (255, 255, 255)
    assert outs["black"].getpixel((1, 1)) == (0, 0, 0)
    corner = np.asarray(outs["checker"])[:24, :24, 0]
    assert len(np.unique(corner)) == 2  # two greys of the checkerboard
    centre = (bottle_cutout.rgba.width // 2, bottle_cutout.rgba.height // 2)
    assert outs["white"].getpixel(centre) == outs["black"].getpixel(centre)  # the product is opaque there
    with pytest.raises(StudioError):
        preview(bottle_cutout, "purple")  # type: ignore[arg-type]


def test_brush_paints_back_a_part_outside_the_crop() -> None:
    """A perfume whose cap the mask lost: the crop is the body only; painting "keep" over the cap in
    the whole-photo brush view grows the cut-out and brings the photo's own cap pixels in."""
    from studio.cutout import brush_canvas, crop_to_product, paint_on_photo, touch_up_view

    photo = Image.new("RGB", (300, 400), (200, 200, 200))
    draw = ImageDraw.Draw(photo)
    draw.rectangle((100, 200, 200, 380), fill=(40, 90, 160))  # the bottle
    draw.rectangle((130, 40, 170, 90), fill=(210, 170, 30))  # its cap, far above the body
    mask = Image.new("L", photo.size, 0)
    ImageDraw.Draw(mask).rectangle((100, 200, 200, 380), fill=255)  # the model lost the cap
    rgba = photo.convert("RGBA")
    rgba.putalpha(mask)
    cutout = crop_to_product(rgba, 0.05)
    assert cutout.origin[1] > 90  # the cap is outside the crop: the old brush could not reach it
    x0, y0, x1, y1 = brush_canvas(cutout)
    view = touch_up_view(cutout)
    assert view.size == (x1 - x0, y1 - y0) and (x0, y0) == (0, 0)  # the whole photo to paint on
    assert view.getpixel((150, 60)) != (200, 200, 200)  # the cap shows (faded) where it is

    stroke = Image.new("L", view.size, 0)
    ImageDraw.Draw(stroke).rectangle((130, 40, 170, 90), fill=255)
    painted = paint_on_photo(cutout, add=stroke)

    ox, oy = painted.origin
    bx0, by0, bx1, by1 = painted.box
    assert (bx0 + ox, by0 + oy, bx1 + ox, by1 + oy) == (100, 40, 201, 381)  # the box holds cap and body
    cap = painted.rgba.getpixel((150 - ox, 60 - oy))
    assert cap == (210, 170, 30, 255)  # the photo's own cap pixels, kept
    body = painted.rgba.getpixel((150 - ox, 300 - oy))
    assert body == (40, 90, 160, 255)
    assert painted.rgba.getpixel((95 - ox, 300 - oy))[3] == 0  # the background beside it stays out
    assert painted.rgba.height > cutout.rgba.height and painted.box[1] == cutout.box[1]  # same margin

    # erasing outside what is kept changes nothing and never shrinks the crop
    erased = paint_on_photo(painted, erase=Image.new("L", touch_up_view(painted).size, 0))
    assert erased.rgba.size == painted.rgba.size and erased.origin == painted.origin
