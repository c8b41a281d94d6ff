"""Read a seller's photo, whatever it is, into an upright 8-bit RGB or RGBA image.

Everything that can go wrong with an upload (empty, truncated, not an image,
too big, odd modes such as 16-bit, CMYK or palette) ends as a StudioError in
the seller's words, never a traceback. The size check reads only the header,
so a decompression bomb is refused before it is decoded. Only photo formats
are decoded at all: PostScript/EPS (which would run Ghostscript), PDF, ICO,
PSD and the rest of Pillow's plugins are refused unopened.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from studio.errors import StudioError

_TRY = "Try a JPEG or PNG."
# Formats a phone, camera or shop system produces. MPO is what many phones call their JPEGs.
PHOTO_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF")
MAX_FILE_BYTES = 100 * 1024 * 1024  # far above any real product photo; stops a huge file being read into memory
# No poster or canvas is larger than 4096 px a side (Settings.max_canvas_side), so a photo is
# never needed bigger: a 36 MP camera JPEG is decoded at half scale (libjpeg's DCT scaling, no
# full-size copy) and anything still larger is resized once, before cut-out and refinement
# multiply its size in float arrays.
WORKING_MAX_SIDE = 4096


@dataclass(frozen=True)
class LoadedImage:
    image: Image.Image  # 8-bit RGB, or RGBA when the photo has real transparency; upright
    sha256: str  # of the original file bytes (of the PNG encoding for an in-memory image)
    name: str  # file stem, or "photo"
    frames: int = 1  # 2 for an animated or multi-page file (the pages are not counted); only frame 0 is used
    original_size: tuple[int, int] | None = None  # the file's own size when it was decoded smaller


def load_image(
    source: str | Path | bytes | Image.Image,
    *,
    max_pixels: int = 40_000_000,
    name: str | None = None,
    max_side: int = WORKING_MAX_SIDE,
) -> LoadedImage:
    """Open `source` (a path, raw file bytes or a PIL image) as an upright 8-bit image,
    at most `max_side` px on its long side."""
    if isinstance(source, Image.Image):
        _check_pixels(source.size, max_pixels)
        try:
            data = _png_bytes(source)
            image = normalize_mode(_upright(source))
        except (OSError, ValueError) as exc:  # a lazily opened file that turns out damaged
            raise StudioError(f"This photo could not be read ({exc}). {_TRY}") from None
        image, original = _fit_side(image, max_side)
        return LoadedImage(image, hashlib.sha256(data).hexdigest(), name or "photo", original_size=original)
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            if path.is_dir():
                raise StudioError(f"'{path.name}' is a folder, not a photo.", hint="Choose the photo file itself.")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise StudioError(
                    f"The file '{path.name}' is {path.stat().st_size / 1e6:.0f} MB; photos up to "
                    f"{MAX_FILE_BYTES / 1e6:.0f} MB are accepted.",
                    hint="Save it as a JPEG and try again.",
                )
            data = path.read_bytes()
        except FileNotFoundError:
            raise StudioError(f"The file '{path.name}' was not found.", hint="Choose the photo again.") from None
        except OSError as exc:
            raise StudioError(f"The file '{path.name}' could not be opened ({exc.strerror}).") from None
        stem = name or path.stem or "photo"
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        stem = name or "photo"
    else:
        raise StudioError(f"This is not a photo the studio can read ({type(source).__name__}). {_TRY}")
    return _decode(data, stem, max_pixels, max_side)


def _decode(data: bytes, stem: str, max_pixels: int, max_side: int = WORKING_MAX_SIDE) -> LoadedImage:
    if not data:
        raise StudioError(f"The file '{stem}' is empty (0 bytes).", hint="Upload the photo again. " + _TRY)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=_photo_formats())
            _check_pixels(img.size, max_pixels)  # header only: nothing decoded yet
            file_size = img.size
            # is_animated looks one page ahead; n_frames would walk a TIFF's whole IFD chain
            # (minutes for a crafted file), and only the first page is ever used.
            frames = 2 if getattr(img, "is_animated", False) else 1
            img.seek(0)
            if img.format in ("JPEG", "MPO") and max(img.size) >= 2 * max_side:
                img.draft("RGB", _draft_request(img.size, max_side))  # decode at 1/2, 1/4 or 1/8 scale
            img.load()
    except StudioError:
        raise
    except (UnidentifiedImageError, SyntaxError):
        raise StudioError(f"This file is not a photo the studio can read ('{stem}'). {_TRY}") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise StudioError(
            f"The photo '{stem}' is far too large to open safely (over {max_pixels / 1e6:.0f} megapixels).",
            hint="Resize it to about 3000 px on the long side and upload it again.",
        ) from None
    except (OSError, ValueError, EOFError, MemoryError) as exc:
        # truncated downloads, broken compressed data, unsupported sub-formats
        raise StudioError(
            f"This file is not a photo the studio can read ('{stem}' looks damaged or incomplete: {exc}). {_TRY}"
        ) from None
    image, _ = _fit_side(normalize_mode(_upright(img)), max_side)
    original = file_size if image.size != file_size and image.size != file_size[::-1] else None
    return LoadedImage(image, hashlib.sha256(data).hexdigest(), stem, frames, original)


def _draft_request(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """The size to ask libjpeg for: its scaled decode picks the smallest 1/k scale that is at
    least this big, so the long side never drops below `max_side`."""
    scale = max_side / max(size)
    return (max(1, int(size[0] * scale) + 1), max(1, int(size[1] * scale) + 1))


def _fit_side(image: Image.Image, max_side: int) -> tuple[Image.Image, tuple[int, int] | None]:
    if max(image.size) <= max_side:
        return image, None
    scale = max_side / max(image.size)
    target = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0), image.size


def _photo_formats() -> list[str]:
    Image.init()  # registers every plugin, so MPO and WEBP are known by name
    return [fmt for fmt in PHOTO_FORMATS if fmt in Image.OPEN]


def _check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise StudioError(f"This file is not a photo the studio can read (it is {width}×{height} px). {_TRY}")
    if width * height > max_pixels:
        raise StudioError(
            f"The photo is {width}×{height} px ({width * height / 1e6:.0f} megapixels); "
            f"the studio accepts up to {max_pixels / 1e6:.0f} megapixels.",
            hint="Resize it to about 3000 px on the long side and upload it again.",
        )


def _upright(img: Image.Image) -> Image.Image:
    """Apply the EXIF orientation (phones store portraits sideways plus a tag)."""
    try:
        return ImageOps.exif_transpose(img)
    except Exception:  # a broken EXIF block should not cost the seller the photo
        return img


def normalize_mode(img: Image.Image) -> Image.Image:
    """Any PIL mode → 8-bit sRGB "RGB", or "RGBA" when some pixel is not fully opaque."""
    img = _to_srgb(img)
    mode = img.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        img = Image.fromarray(_scale_to_8bit(np.asarray(img)), "L")
        mode = "L"
    if mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif mode in ("LA", "La", "PA", "RGBa"):
        img = img.convert("RGBA")
    elif mode not in ("RGB", "RGBA"):
        img = img.convert("RGB")  # 1, L, CMYK, YCbCr, LAB, HSV
    if img.mode == "RGBA" and img.getchannel("A").getextrema()[0] == 255:
        img = img.convert("RGB")  # an alpha channel that hides nothing is no transparency
    return img


def _scale_to_8bit(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    top = float(values.max()) if values.size else 0.0
    if top <= 1.0 and values.dtype.kind == "f":
        scale = 255.0  # float images in 0..1
    elif top <= 255.0:
        scale = 1.0
    else:
        scale = 255.0 / 65535.0  # 16-bit
    return np.clip(np.rint(values * scale), 0, 255).astype(np.uint8)


def _to_srgb(img: Image.Image) -> Image.Image:
    """Convert through the embedded ICC profile (CMYK prints, Display-P3 phones) to sRGB."""
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return img
    try:
        from PIL import ImageCms

        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if img.mode != "CMYK" and "srgb" in ImageCms.getProfileDescription(src).lower():
            return img  # already sRGB: leave the seller's pixels exactly as they are
        dst = ImageCms.createProfile("sRGB")
        alpha = img.getchannel("A") if img.mode == "RGBA" else None
        converted = ImageCms.profileToProfile(img.convert("RGB") if alpha else img, src, dst, outputMode="RGB")
        if converted is None:
            return img
        if alpha is not None:
            converted.putalpha(alpha)
        return converted
    except Exception:  # a broken or unusual profile: fall back to PIL's plain conversion
        return img


def _png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    try:
        img.save(buf, "PNG")
    except OSError:
        normalize_mode(img).save(buf, "PNG")
    return buf.getvalue()
