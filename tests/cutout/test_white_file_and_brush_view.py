"""The white-background file as uploaded (after JPEG), and the picture the brush paints on."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from studio.cutout import MODELS, check_white_background, encode_white_background, touch_up_view, white_background_image
from studio.cutout.preview import GHOST_OPACITY, checkerboard
from studio.layers import Cutout


def wide_product(width: int = 400, height: int = 200) -> Cutout:
    """A flat, wide product: JPEG q95 ringing along its long edges failed "pure white"."""
    rgba = Image.new("RGBA", (width + 40, height + 40), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle([20, 20, 20 + width, 20 + height], fill=(30, 60, 200, 255))
    return Cutout(rgba=rgba, box=(20, 20, 21 + width, 21 + height))


def test_plain_jpeg_q95_of_a_wide_product_fails_pure_white() -> None:
    """Why encode_white_background exists: the file, not the pixels, is what gets judged."""
    image, report = white_background_image(wide_product())
    assert report["passes"]
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95, subsampling=0)
    assert not check_white_background(Image.open(buffer))["passes"]


def test_encoded_white_file_passes_its_own_check(bottle_cutout: Cutout, artifacts_dir: Path) -> None:
    for name, cutout in (("wide", wide_product()), ("bottle", bottle_cutout)):
        image, _ = white_background_image(cutout)
        data, fmt, report = encode_white_background(image)
        (artifacts_dir / f"{name}_white.{fmt}").write_bytes(data)
        decoded = Image.open(io.BytesIO(data))
        assert decoded.size == (2000, 2000) and decoded.format.lower() == fmt
        assert report["passes"], (name, report["problems"])
        assert check_white_background(decoded) == report  # the report is about this very file


def test_an_image_failing_for_other_reasons_keeps_an_honest_report() -> None:
    small = Image.new("RGB", (800, 800), (255, 255, 255))
    small.paste((10, 10, 10), (300, 300, 500, 500))
    data, fmt, report = encode_white_background(small)
    assert fmt == "jpeg" and not report["passes"]
    assert any("1000" in p for p in report["problems"]) and any("fills" in p for p in report["problems"])


def test_brush_view_shows_product_sharp_and_removed_photo_faded(bottle_cutout: Cutout, artifacts_dir: Path) -> None:
    rgba = bottle_cutout.rgba.copy()
    photo = np.array(rgba)
    photo[..., :3] = (200, 40, 40)  # a red "background" under alpha 0, the product keeps its colour
    photo[..., :3] = np.where(photo[..., 3:] > 0, np.asarray(bottle_cutout.rgba)[..., :3], photo[..., :3])
    cutout = Cutout(rgba=Image.fromarray(photo, "RGBA"), box=bottle_cutout.box)
    view = touch_up_view(cutout)
    view.save(artifacts_dir / "brush_view.png")
    assert view.mode == "RGB" and view.size == cutout.rgba.size  # strokes map 1:1 onto the mask
    a = photo[..., 3]
    arr = np.asarray(view).astype(int)
    inside = a == 255
    assert (arr[inside] == photo[..., :3][inside]).all()  # the product exactly as cut out
    outside = a == 0
    expected = GHOST_OPACITY * np.array([200, 40, 40]) + (1 - GHOST_OPACITY) * np.asarray(checkerboard(view.size))
    assert np.abs(arr[outside] - np.rint(expected[outside])).max() <= 1  # removed photo, faded
    assert (arr[outside][:, 0] > arr[outside][:, 1]).all()  # ... but still visible (reddish) to brush back


def test_every_model_has_a_chinese_note() -> None:
    for info in MODELS.values():
        assert info.note_zh and info.note_zh != info.note


def test_licence_note_warns_about_non_commercial_models() -> None:
    from studio.cutout.catalog import licence_note

    free = licence_note("u2netp")
    assert "Apache-2.0" in free and "NOT for commercial use" not in free
    restricted = licence_note("bria-rmbg")
    assert "CC BY-NC 4.0" in restricted and "NOT for commercial use" in restricted and "非商业" in restricted
