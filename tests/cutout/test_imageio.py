"""load_image: every odd upload becomes an upright 8-bit image or a seller-worded StudioError."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.imageio import load_image


def encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def rgb_sample(w: int = 40, h: int = 24) -> Image.Image:
    arr = np.zeros((h, w, 3), np.uint8)
    arr[..., 0] = np.linspace(0, 255, w, dtype=np.uint8)[None]
    arr[..., 1] = 90
    arr[..., 2] = np.linspace(255, 0, h, dtype=np.uint8)[:, None]
    return Image.fromarray(arr)


def test_path_input_gives_stem_sha_and_rgb(tmp_path: Path) -> None:
    data = encode(rgb_sample(), "JPEG", quality=95)
    path = tmp_path / "红茶-box.jpg"
    path.write_bytes(data)
    loaded = load_image(path)
    assert loaded.image.mode == "RGB"
    assert loaded.image.size == (40, 24)
    assert loaded.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.name == "红茶-box"


def test_pil_input_hashes_png_encoding() -> None:
    img = rgb_sample()
    loaded = load_image(img)
    assert loaded.name == "photo"
    assert loaded.sha256 == hashlib.sha256(encode(img, "PNG")).hexdigest()
    assert np.array_equal(np.asarray(loaded.image), np.asarray(img))


def test_exif_orientation_is_applied() -> None:
    img = rgb_sample(40, 24)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    loaded = load_image(encode(img, "JPEG", exif=exif.tobytes()))
    assert loaded.image.size == (24, 40)


def test_16bit_grayscale_is_scaled_not_clipped() -> None:
    ramp = np.linspace(0, 65535, 64 * 8, dtype=np.uint16).reshape(8, 64)
    img = Image.fromarray(ramp, "I;16")
    loaded = load_image(encode(img, "PNG"))
    arr = np.asarray(loaded.image)
    assert loaded.image.mode == "RGB"
    assert arr[..., 0].min() == 0 and arr[..., 0].max() == 255
    assert 100 < arr[4, 32, 0] < 160  # the middle of the ramp stays mid-grey


def png_bytes(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes) -> bytes:
    """A PNG written by hand (PIL cannot write 48-bit RGB, nor lie about its size)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def test_16bit_rgb_png() -> None:
    w, h = 4, 2
    rows = b"".join(b"\x00" + struct.pack(">HHH", 65535, 32768, 0) * w for _ in range(h))
    data = png_bytes(w, h, 16, 2, rows)
    loaded = load_image(data)
    assert loaded.image.mode == "RGB"
    r, g, b = loaded.image.getpixel((1, 1))
    assert r == 255 and 126 <= g <= 129 and b == 0


def test_palette_with_transparency_becomes_rgba() -> None:
    img = Image.new("P", (10, 10), 0)
    img.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    img.paste(1, (0, 0, 5, 10))
    loaded = load_image(encode(img, "PNG", transparency=0))
    assert loaded.image.mode == "RGBA"
    assert loaded.image.getpixel((8, 5))[3] == 0
    assert loaded.image.getpixel((2, 5)) == (0, 255, 0, 255)


def test_cmyk_jpeg_becomes_rgb() -> None:
    img = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # pure red ink
    loaded = load_image(encode(img, "JPEG", quality=95))
    assert loaded.image.mode == "RGB"
    r, g, b = loaded.image.getpixel((8, 8))
    assert r > 200 and g < 60 and b < 60


@pytest.mark.parametrize("mode", ["L", "LA", "1"])
def test_grey_modes(mode: str) -> None:
    img = Image.new(mode, (8, 8), 1 if mode == "1" else (200 if mode == "L" else (200, 128)))
    loaded = load_image(encode(img, "PNG"))
    assert loaded.image.mode == ("RGBA" if mode == "LA" else "RGB")


def test_opaque_alpha_channel_is_dropped() -> None:
    loaded = load_image(encode(rgb_sample().convert("RGBA"), "PNG"))
    assert loaded.image.mode == "RGB"


def test_animated_gif_uses_first_frame() -> None:
    frames = [Image.new("RGB", (12, 12), c) for c in ((250, 0, 0), (0, 0, 250))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    loaded = load_image(data)
    assert loaded.frames == 2
    r, _, b = loaded.image.convert("RGB").getpixel((5, 5))
    assert r > 200 and b < 50


def test_wrong_extension_is_read_by_content(tmp_path: Path) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(encode(rgb_sample(), "JPEG"))
    assert load_image(path).image.size == (40, 24)


@pytest.mark.parametrize("side", [7000, 60000])  # over our limit; over PIL's own bomb limit too
def test_decompression_bomb_refused_before_decoding(side: int) -> None:
    # a header that claims side×side pixels with a few bytes of data behind it
    data = png_bytes(side, side, 8, 0, b"\x00" * 16)
    with pytest.raises(StudioError, match="megapixels"):
        load_image(data, max_pixels=40_000_000)


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"%PDF-1.4 not an image at all", "not a photo"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a photo"),
    ],
)
def test_unreadable_bytes_give_seller_messages(data: bytes, words: str) -> None:
    with pytest.raises(StudioError, match=words) as info:
        load_image(data)
    assert "Traceback" not in str(info.value)


def test_truncated_jpeg_is_a_studio_error() -> None:
    data = encode(rgb_sample(400, 300), "JPEG", quality=90)
    with pytest.raises(StudioError, match="damaged or incomplete"):
        load_image(data[: len(data) // 2])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="not found"):
        load_image(tmp_path / "nope.jpg")


def test_srgb_tagged_pixels_are_left_exactly_alone() -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    img = Image.new("RGB", (4, 4), (0, 200, 0))
    loaded = load_image(encode(img, "PNG", icc_profile=icc))
    assert loaded.image.getpixel((1, 1)) == (0, 200, 0)
