"""The logo layer: scaled, in a free corner, off the product and the copy; bad files only warn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.recipe import CopyText
from studio.text import layout_copy
from studio.text.logo import LOGO_FRACTION, WIDE_EXTRA
from studio.text.logo_store import logo_from_file
from studio.text.space import inside, intersects
from tests.text.helpers import SIZES, background, with_product

COPY = CopyText(headline="夏日清爽 水润一整天", subline="温和配方", price="99.9", cta="立即抢购")


def _ref(path: Path) -> str:
    """A logo file as the recipe holds it: its content reference."""
    return logo_from_file(path)


def _mark(path: Path, size: tuple[int, int] = (400, 400), colour=(20, 60, 160), mode: str = "RGBA") -> Path:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.ellipse([10, 10, size[1] - 10, size[1] - 10], fill=colour + (255,))
    if size[0] > size[1] + 20:  # a word mark: a bar after the round sign
        d.rectangle([size[1], size[1] // 3, size[0] - 10, 2 * size[1] // 3], fill=colour + (255,))
    if mode == "RGB":
        flat = Image.new("RGB", size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        flat.save(path, quality=92)
    else:
        img.save(path)
    return path


def _assert_logo_clear(result, box, canvas) -> None:
    boxes = result.boxes
    assert "logo" in boxes, result.warnings
    logo = boxes["logo"]
    assert inside(logo, (0, 0, *canvas))
    assert not intersects(logo, box)
    for name, b in boxes.items():
        if name != "logo":
            assert not intersects(logo, b), name
    layer = next(layer for layer in result.layers if layer.name == "logo")
    assert layer.rgba.size == (logo[2] - logo[0], logo[3] - logo[1])


@pytest.mark.parametrize("ratio", list(SIZES))
def test_png_logo_sits_in_a_free_corner_at_a_sensible_size(ratio: str, tmp_path: Path, artifacts_dir: Path) -> None:
    img, box = with_product(background("light", SIZES[ratio]), 0.5, 0.9, 0.5)
    result = layout_copy(COPY.model_copy(update={"logo": _ref(_mark(tmp_path / "logo.png"))}), img, box)
    _assert_logo_clear(result, box, img.size)
    logo = result.boxes["logo"]
    short = min(img.size)
    assert logo[3] - logo[1] <= LOGO_FRACTION * short + 1
    assert logo[2] - logo[0] <= LOGO_FRACTION * WIDE_EXTRA * short + 1
    assert logo[3] - logo[1] >= 0.05 * short  # not shrunk to a speck
    corners = {(logo[0] < img.width / 2), (logo[1] < img.height / 2)}
    assert corners  # in a corner: touches the safe margin on two sides
    m = round(0.04 * short)
    assert logo[0] == m or logo[2] == img.width - m
    assert logo[1] == m or logo[3] == img.height - m
    final = result.composite(img)
    final.save(artifacts_dir / f"logo_{ratio.replace(':', 'x')}.png")
    crop = np.asarray(final.crop(logo)).reshape(-1, 3)
    assert (np.abs(crop.astype(int) - (20, 60, 160)).sum(axis=1) < 30).mean() > 0.2  # the mark really is drawn


def test_jpeg_logo_and_a_dark_logo_on_a_dark_scene_gets_a_plate(tmp_path: Path) -> None:
    img, box = with_product(background("dark", SIZES["1:1"]), 0.5, 0.9, 0.5)
    jpeg = _mark(tmp_path / "logo.jpg", mode="RGB")
    result = layout_copy(COPY.model_copy(update={"logo": _ref(jpeg)}), img, box)
    _assert_logo_clear(result, box, img.size)
    dark = _mark(tmp_path / "dark.png", colour=(30, 30, 40))
    result = layout_copy(COPY.model_copy(update={"logo": _ref(dark)}), img, box)
    _assert_logo_clear(result, box, img.size)
    layer = next(layer for layer in result.layers if layer.name == "logo")
    corner = np.asarray(layer.rgba)[2, layer.rgba.width // 2]
    assert corner[3] > 200 and corner[:3].mean() > 200  # a light plate behind the dark mark


@pytest.mark.parametrize("kind", ["missing", "corrupt", "text", "transparent"])
def test_bad_logo_files_warn_and_the_poster_is_still_made(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "logo.png"
    if kind == "corrupt":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)
    elif kind == "text":
        path = tmp_path / "logo.txt"
        path.write_text("not an image")
    elif kind == "transparent":
        Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(path)
    img, box = with_product(background("light", SIZES["1:1"]), 0.5, 0.9, 0.5)
    ref = "sha256:" + "0" * 64 if kind == "missing" else _ref(path)  # missing: bytes this process never held
    result = layout_copy(COPY.model_copy(update={"logo": ref}), img, box)
    assert "logo" not in result.boxes and "headline" in result.boxes
    assert any("logo" in w for w in result.warnings)


def test_logo_takes_a_corner_and_the_copy_moves_when_no_corner_is_free(tmp_path: Path) -> None:
    img, box = with_product(background("light", SIZES["1:1"]), 0.5, 0.9, 0.5)
    long_copy = CopyText(
        headline="夏日清爽 水润一整天",
        subline="温和配方 敏感肌适用，清爽不黏腻",
        badge="新品",
        selling_points=["深层补水", "轻薄易吸收", "500ml 大容量"],
        price="99.9",
        cta="立即抢购",
        logo=_ref(_mark(tmp_path / "wide.png", size=(900, 300))),
    )
    result = layout_copy(long_copy, img, box)
    _assert_logo_clear(result, box, img.size)
    assert "headline" in result.boxes


def test_logo_alone_without_copy(tmp_path: Path) -> None:
    img, box = with_product(background("light", SIZES["3:4"]), 0.5, 0.9, 0.5)
    result = layout_copy(CopyText(logo=_ref(_mark(tmp_path / "l.png"))), img, box)
    assert [layer.name for layer in result.layers] == ["logo"]
