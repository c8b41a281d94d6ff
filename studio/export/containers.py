"""Encode a poster as JPEG / PNG / WebP with our metadata inside, and read that metadata back.

Where each piece lives:
  JPEG  XMP in APP1 (recipe inside it as PosterStudio:Recipe), parameters in EXIF UserComment
  PNG   iTXt chunks: XML:com.adobe.xmp, parameters, poster_studio_recipe
  WebP  XMP chunk (recipe inside it as PosterStudio:Recipe), parameters in the EXIF chunk
Every file embeds an sRGB ICC profile. `parameters` is left out when it is "" (no model made
pixels). The recipe is never in a JPEG COM segment any more: sd-prompt-reader takes a JPEG
with a JSON comment for a Fooocus file; files from before are still read.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image

from studio.errors import StudioError
from studio.export.exif import EXIF_IFD, USER_COMMENT, decode_user_comment, exif_block
from studio.export.xmp import parse_xmp

RECIPE_KEY = "poster_studio_recipe"
COM_PREFIX = b"poster_studio_recipe\n"  # where files before the XMP move kept a JPEG's recipe
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_SEGMENT_MAX = 65000  # a JPEG marker segment holds at most 65533 bytes of payload


@dataclass(frozen=True)
class EmbeddedMeta:
    xmp: str = ""
    parameters: str = ""
    recipe_json: str = ""


@lru_cache(maxsize=1)
def srgb_icc_bytes() -> bytes:
    """LittleCMS's built-in sRGB profile, with its creation date zeroed so output is reproducible."""
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = bytes(12)  # ICC header dateTimeNumber; the profile ID (bytes 84..99) is left unset by lcms
    return bytes(data)


def encode(
    image: Image.Image,
    fmt: str,
    meta: EmbeddedMeta,
    *,
    quality: int | None = 95,
    optimize: bool = False,
    software: str = "PosterStudio",
) -> bytes:
    """The whole file as bytes.

    quality: JPEG/WebP quality; None means lossless WebP (and 95 for JPEG); ignored for PNG.
    optimize: squeeze PNG (and lossless WebP) harder, slower.
    """
    if fmt not in _PIL_FORMATS:
        raise StudioError(f"Unknown file format '{fmt}'.", hint="Choose jpeg, png or webp.")
    if fmt == "webp":
        return _encode_webp(image, meta, quality=quality, optimize=optimize, software=software)
    pixels = encode_pixels(
        image, fmt, parameters=meta.parameters, quality=quality, optimize=optimize, software=software
    )
    return add_meta(pixels, fmt, meta)


def encode_pixels(
    image: Image.Image,
    fmt: str,
    *,
    parameters: str,
    quality: int | None = 95,
    optimize: bool = False,
    software: str = "PosterStudio",
) -> bytes:
    """A JPEG or PNG file with the pixels, colour profile and parameters, but no XMP or recipe yet.

    The XMP and recipe name the file's own byte count, so they change while the count settles;
    splicing them in with add_meta avoids compressing the pixels again each time.
    """
    if fmt not in ("jpeg", "png"):
        raise StudioError(f"Cannot splice metadata into '{fmt}'.", hint="Use jpeg or png.")
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    buf = io.BytesIO()
    icc = srgb_icc_bytes()
    if fmt == "jpeg":
        options = dict(
            quality=95 if quality is None else quality,
            subsampling=0,
            icc_profile=icc,
            exif=exif_block(parameters, software),
            dpi=(72, 72),
        )
        try:
            rgb.save(buf, "JPEG", optimize=True, **options)
        except OSError:
            # Pillow sizes the optimize buffer at 2 bytes/pixel; pure noise at 4:4:4 needs more.
            buf = io.BytesIO()
            rgb.save(buf, "JPEG", optimize=False, **options)
    else:
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        if parameters:
            info.add_itxt("parameters", parameters)
        rgb.save(buf, "PNG", pnginfo=info, icc_profile=icc, optimize=optimize, dpi=(72, 72))
    return buf.getvalue()


def add_meta(pixels: bytes, fmt: str, meta: EmbeddedMeta) -> bytes:
    """encode_pixels' file with the XMP packet (and for PNG the recipe) inserted (JPEG: after APP0; PNG: after IHDR).

    A JPEG's recipe travels inside its XMP (PosterStudio:Recipe), which the caller writes.
    """
    xmp = meta.xmp.encode("utf-8")
    if fmt == "jpeg":
        if len(_XMP_HEADER) + len(xmp) > _SEGMENT_MAX:
            raise StudioError("This poster's recipe is too long to store inside a JPEG.", hint="Export it as PNG.")
        segments = _jpeg_segment(0xE1, _XMP_HEADER + xmp)
        at = 2  # after SOI, and after the JFIF APP0 when there is one
        if pixels[2:4] == b"\xff\xe0":
            at = 4 + int.from_bytes(pixels[4:6], "big")
        return pixels[:at] + segments + pixels[at:]
    if fmt == "png":
        chunks = _png_itxt("XML:com.adobe.xmp", meta.xmp) + _png_itxt(RECIPE_KEY, meta.recipe_json)
        at = 8 + 8 + 13 + 4  # signature, then IHDR (length, type, 13 bytes, CRC)
        return pixels[:at] + chunks + pixels[at:]
    raise StudioError(f"Cannot splice metadata into '{fmt}'.", hint="Use jpeg or png.")


_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"


def _jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def _png_itxt(keyword: str, text: str) -> bytes:
    import zlib

    # keyword, NUL, not compressed, method 0, empty language tag and translated keyword, UTF-8 text
    body = keyword.encode("latin-1") + b"\x00\x00\x00\x00\x00" + text.encode("utf-8")
    kind = b"iTXt"
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def _encode_webp(
    image: Image.Image, meta: EmbeddedMeta, *, quality: int | None, optimize: bool, software: str
) -> bytes:
    # Lossy WebP is always 4:2:0 and smears fine coloured detail on the product
    # (about 19 dB on the test bottle), so WebP is lossless unless a cap forces quality.
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    buf = io.BytesIO()
    lossless = quality is None
    rgb.save(
        buf,
        "WEBP",
        lossless=lossless,
        quality=(90 if optimize else 70) if lossless else quality,
        method=6 if optimize else 4,
        icc_profile=srgb_icc_bytes(),
        xmp=meta.xmp.encode("utf-8"),
        exif=exif_block(meta.parameters, software),
    )
    return buf.getvalue()


def _user_comment(image: Image.Image) -> str:
    raw = image.getexif().get_ifd(EXIF_IFD).get(USER_COMMENT)
    return decode_user_comment(raw) if raw else ""


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) if value is not None else ""


def read_embedded(path: Path) -> EmbeddedMeta:
    """Whatever of our metadata the file holds; empty strings where a piece is missing."""
    try:
        with Image.open(path) as image:
            info = dict(image.info)
            fmt = (image.format or "").upper()
            parameters = _text(info.get("parameters")) if fmt == "PNG" else _user_comment(image)
    except (OSError, SyntaxError, ValueError) as exc:
        raise StudioError(f"Cannot read the image {Path(path).name}.", hint=str(exc)) from None
    xmp = _text(info.get("XML:com.adobe.xmp") or info.get("xmp"))
    recipe = _text(info.get(RECIPE_KEY))
    comment = info.get("comment", b"")
    if not recipe and isinstance(comment, bytes) and comment.startswith(COM_PREFIX):
        recipe = comment[len(COM_PREFIX) :].decode("utf-8", "replace")
    if not recipe and xmp:
        try:
            recipe = parse_xmp(xmp).studio("Recipe")
        except ValueError:
            recipe = ""
    return EmbeddedMeta(xmp=xmp, parameters=parameters, recipe_json=recipe)
