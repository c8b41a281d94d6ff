"""Encode a poster as JPEG / PNG / WebP with our metadata inside, and read that metadata back.

Where each piece lives:
  JPEG  XMP in APP1 (Pillow's xmp=), recipe JSON in a COM segment, parameters in EXIF UserComment
  PNG   iTXt chunks: XML:com.adobe.xmp, parameters, poster_studio_recipe
  WebP  XMP chunk (recipe inside it as PosterStudio:Recipe), parameters in the EXIF chunk
Every file embeds an sRGB ICC profile.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image

from studio.errors import StudioError
from studio.export.xmp import parse_xmp

RECIPE_KEY = "poster_studio_recipe"
COM_PREFIX = b"poster_studio_recipe\n"
EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp"}
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_SEGMENT_MAX = 65000  # a JPEG marker segment holds at most 65533 bytes of payload
_EXIF_IFD, _USER_COMMENT, _COLOR_SPACE, _SOFTWARE = 0x8769, 0x9286, 0xA001, 0x0131


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


def _exif_bytes(parameters: str, software: str) -> bytes:
    exif = Image.Exif()
    exif[_SOFTWARE] = software
    ifd = exif.get_ifd(_EXIF_IFD)
    ifd[_USER_COMMENT] = b"UNICODE\x00" + parameters.encode("utf-16-be")  # how A1111 stores it in JPEG
    ifd[_COLOR_SPACE] = 1  # sRGB
    return exif.tobytes()


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
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    buf = io.BytesIO()
    icc = srgb_icc_bytes()
    xmp = meta.xmp.encode("utf-8")
    if fmt == "jpeg":
        comment = COM_PREFIX + meta.recipe_json.encode("utf-8")
        if len(xmp) > _SEGMENT_MAX or len(comment) > _SEGMENT_MAX:
            raise StudioError("This poster's recipe is too long to store inside a JPEG.", hint="Export it as PNG.")
        options = dict(
            quality=95 if quality is None else quality, subsampling=0, icc_profile=icc, xmp=xmp,
            comment=comment, exif=_exif_bytes(meta.parameters, software), dpi=(72, 72),
        )
        try:
            rgb.save(buf, "JPEG", optimize=True, **options)
        except OSError:
            # Pillow sizes the optimize buffer at 2 bytes/pixel; pure noise at 4:4:4 needs more.
            buf = io.BytesIO()
            rgb.save(buf, "JPEG", optimize=False, **options)
    elif fmt == "png":
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_itxt("XML:com.adobe.xmp", meta.xmp)
        info.add_itxt("parameters", meta.parameters)
        info.add_itxt(RECIPE_KEY, meta.recipe_json)
        rgb.save(buf, "PNG", pnginfo=info, icc_profile=icc, optimize=optimize, dpi=(72, 72))
    else:
        # Lossy WebP is always 4:2:0 and smears fine coloured detail on the product
        # (about 19 dB on the test bottle), so WebP is lossless unless a cap forces quality.
        lossless = quality is None
        rgb.save(
            buf, "WEBP", lossless=lossless, quality=(90 if optimize else 70) if lossless else quality,
            method=6 if optimize else 4, icc_profile=icc, xmp=xmp, exif=_exif_bytes(meta.parameters, software),
        )
    return buf.getvalue()


def _user_comment(image: Image.Image) -> str:
    raw = image.getexif().get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    if not raw:
        return ""
    if isinstance(raw, str):
        return raw
    head, body = raw[:8], raw[8:]
    if head.startswith(b"UNICODE"):
        return body.decode("utf-16-be", "replace")
    return body.decode("utf-8", "replace") if head.startswith(b"ASCII") else raw.decode("utf-8", "replace")


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
