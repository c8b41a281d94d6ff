"""Bad inputs, generated on the spot: every kind of file a seller (or an attacker) might hand the studio.

Each entry is (name, bytes, expectation): "refused" files must get a clear StudioError /
gr.Error message; "handled" files are odd but legitimate photos that must load.
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

REFUSED = "refused"
HANDLED = "handled"


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A tiny PNG whose header claims 2.5 gigapixels: must be refused from the header alone."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4)  # a few rows of zeros; the rest is "missing"
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", rows) + _png_chunk(b"IEND", b"")


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def _photo(size: tuple[int, int] = (96, 128)) -> Image.Image:
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    rgb = np.stack([(xx * 255 // max(1, w - 1)), (yy * 255 // max(1, h - 1)), np.full_like(xx, 128)], -1)
    img = Image.fromarray(rgb.astype(np.uint8))
    img.paste((200, 40, 40), (w // 4, h // 4, 3 * w // 4, 3 * h // 4))  # a "product" in the middle
    return img


def bad_files() -> list[tuple[str, bytes, str]]:
    """(file name, content, expectation) for the corpus."""
    photo = _photo()
    jpeg = _encode(photo, "JPEG", quality=90)
    png = _encode(photo, "PNG")
    frames = [_photo().rotate(a) for a in (0, 10, 20)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    ramp = np.linspace(0, 65535, 96 * 128).reshape(128, 96)
    ramp[32:96, 24:72] = 9000  # a dark product on the 16-bit ramp
    sixteen = Image.fromarray(ramp.astype(np.uint16))
    zip_bytes = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zip_bytes, "w") as z:
        z.writestr("evil.txt", "not a photo")
    return [
        ("empty.jpg", b"", REFUSED),
        ("text_named.jpg", b"hello, I am not a photo\n" * 10, REFUSED),
        ("random_bytes.png", np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes(), REFUSED),
        ("truncated.jpg", jpeg[: len(jpeg) // 2], REFUSED),
        ("truncated.png", png[: len(png) // 2], REFUSED),
        ("bomb.png", png_bomb(), REFUSED),
        ("page.html.png", b"<html><script>alert(1)</script></html>", REFUSED),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', REFUSED),
        ("postscript.eps", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n", REFUSED),
        ("archive.jpg", zip_bytes.getvalue(), REFUSED),
        ("animated.gif", gif.getvalue(), HANDLED),
        ("cmyk.jpg", _encode(photo.convert("CMYK"), "JPEG", quality=90), HANDLED),
        ("sixteen_bit.png", _encode(sixteen, "PNG"), HANDLED),
        ("png_named.jpg", png, HANDLED),
        ("palette_alpha.png", _encode(photo.convert("P"), "PNG", transparency=0), HANDLED),
        ("grey.tiff", _encode(photo.convert("L"), "TIFF"), HANDLED),
    ]


def write_corpus(folder: Path) -> list[tuple[Path, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data, expect in bad_files():
        path = folder / name
        path.write_bytes(data)
        out.append((path, expect))
    return out
