"""The seller's logo as one more layer: scaled down, in a corner clear of the product and the copy.

A logo is an image (PNG with transparency, or a JPEG), never text, so it is not
typeset; it is fitted into a box of at most `LOGO_FRACTION` of the canvas's
shorter side (a wide word mark may run a little wider) and put in the first
free corner, top-left first as a reader's eye starts there. A logo that would
vanish into the scene (a dark mark on a dark backdrop) gets a soft plate.
A missing or unreadable file is a warning, never a failure: the poster is made
without it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageOps, UnidentifiedImageError

from studio.layers import TextLayer
from studio.recipe import Box
from studio.text.contrast import INK, WHITE, contrast, mean_colour
from studio.text.space import BusyMap, inflate, inside, intersects

LOGO_FRACTION = 0.18  # the logo fits in this share of the shorter side (both ways)
WIDE_EXTRA = 1.5  # a word mark wider than 2:1 may run this much wider
MAX_LOGO_PIXELS = 40_000_000  # a decompression-bomb guard for uploaded files
MIN_GRAPHIC_CONTRAST = 3.0  # WCAG's bar for non-text graphics
LOGO = "logo"


def load_logo(ref: str) -> tuple[Image.Image | None, str]:
    """The logo behind a content reference (logo_store) as RGBA, or (None, a warning in the seller's terms).

    Never a path: the bytes are only what the user gave in this process or carried in a project.
    """
    from io import BytesIO

    from studio.text.logo_store import logo_bytes

    data = logo_bytes(ref)
    if data is None:
        return None, "The logo is not in this session any more (upload it again), so the poster has no logo."
    try:
        with Image.open(BytesIO(data)) as img:
            if img.width * img.height > MAX_LOGO_PIXELS:
                return None, "The logo image is far too large; use a PNG under 6000×6000 pixels."
            rgba = ImageOps.exif_transpose(img).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None, "The logo file could not be read as an image; use a PNG (with transparency) or a JPEG."
    bbox = rgba.getchannel("A").getbbox()
    if bbox is None:
        return None, "The logo image is fully transparent, so the poster has no logo."
    return rgba.crop(bbox), ""


def fit_logo(logo: Image.Image, short_side: int, fraction: float = LOGO_FRACTION) -> Image.Image:
    """The logo scaled to fit `fraction` of the shorter side (never enlarged more than 2×)."""
    max_h = fraction * short_side
    max_w = max_h * (WIDE_EXTRA if logo.width > 2 * logo.height else 1.0)
    s = min(max_w / logo.width, max_h / logo.height, 2.0)
    size = (max(1, round(logo.width * s)), max(1, round(logo.height * s)))
    return logo.resize(size, Image.LANCZOS) if size != logo.size else logo


def _corners(size: tuple[int, int], safe: Box) -> list[Box]:
    w, h = size
    x0, y0, x1, y1 = safe
    return [(x0, y0, x0 + w, y0 + h), (x1 - w, y0, x1, y0 + h), (x0, y1 - h, x0 + w, y1), (x1 - w, y1 - h, x1, y1)]


def _with_plate(logo: Image.Image, ground: np.ndarray) -> Image.Image:
    """The logo as is when it stands out from the ground under it, else on a soft rounded plate."""
    arr = np.asarray(logo)
    solid = arr[..., 3] >= 128
    if not solid.any() or ground.size == 0:
        return logo
    ink = mean_colour(arr[..., :3][solid])
    under = mean_colour(ground)
    if contrast(ink, under) >= MIN_GRAPHIC_CONTRAST:
        return logo
    plate = WHITE if contrast(ink, WHITE) >= contrast(ink, INK) else INK
    pad = max(4, int(min(logo.size) * 0.12))
    out = Image.new("RGBA", (logo.width + 2 * pad, logo.height + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(out).rounded_rectangle([0, 0, out.width - 1, out.height - 1], radius=pad * 2, fill=plate + (235,))
    out.alpha_composite(logo, (pad, pad))
    return out


def place_logo(
    logo: Image.Image,
    background: Image.Image,
    *,
    safe: Box,
    obstacles: Sequence[Box],
    gap: int,
) -> TextLayer | None:
    """The logo layer in the first corner of `safe` that touches no obstacle (shrinking once if none is free)."""
    canvas = background.size
    short = min(canvas)
    busy = BusyMap(background, work_side=96)
    bg = np.asarray(background.convert("RGB"))
    blocked = [inflate(tuple(int(v) for v in b), gap) for b in obstacles]  # type: ignore[misc]
    for fraction in (LOGO_FRACTION, LOGO_FRACTION * 0.7, LOGO_FRACTION * 0.5):
        fitted = fit_logo(logo, short, fraction)
        free: list[tuple[float, Box, Image.Image]] = []
        for corner in _corners(fitted.size, safe):
            ground = bg[corner[1] : corner[3], corner[0] : corner[2]].reshape(-1, 3)
            drawn = _with_plate(fitted, ground)
            dx, dy = drawn.width - fitted.width, drawn.height - fitted.height
            # A plate grows the logo inward from its corner, so the box stays in the safe area.
            box = (
                corner[0] if corner[0] == safe[0] else corner[0] - dx,
                corner[1] if corner[1] == safe[1] else corner[1] - dy,
                corner[2] + dx if corner[0] == safe[0] else corner[2],
                corner[3] + dy if corner[1] == safe[1] else corner[3],
            )
            if inside(box, (0, 0, *canvas)) and inside(box, safe) and not any(intersects(box, b) for b in blocked):
                free.append((busy.mean(box), box, drawn))
        if free:
            _, box, drawn = free[0]  # reading order: top-left, top-right, bottom-left, bottom-right
            return TextLayer(name=LOGO, rgba=drawn, box=box)
    return None
