"""WCAG 2 contrast: relative luminance, contrast ratio, and picking a readable colour.

Text must reach 4.5:1 against what is under it. A busy photo is judged by its
dark and light extremes (10th/90th luminance percentiles), not only its mean,
so a white headline is not put over a sky with dark branches in it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

RGB = tuple[int, int, int]
_SAMPLE = 12_000
MIN_CONTRAST = 4.5
WHITE: RGB = (255, 255, 255)
INK: RGB = (24, 24, 28)  # near-black, softer than pure black


def parse_hex(colour: str) -> RGB:
    match = re.fullmatch(r"#?([0-9a-fA-F]{6})", colour.strip())
    if not match:
        from studio.errors import StudioError

        raise StudioError(f"'{colour}' is not a colour.", hint="Use 'auto' or a hex colour such as #ffffff.")
    value = match.group(1)
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def to_hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _linear(channel: np.ndarray) -> np.ndarray:
    c = channel / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


_WEIGHTS = np.array([0.2126, 0.7152, 0.0722])
_LINEAR_LUT = np.array([c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in np.arange(256) / 255.0])
_CHANNEL_LUMINANCE = _LINEAR_LUT[None, :] * _WEIGHTS[:, None]  # (3, 256): each channel's share


@lru_cache(maxsize=4096)
def _colour_luminance(rgb: tuple[int, int, int]) -> float:
    def lin(c: float) -> float:
        c = c / 255.0
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])


def luminance(rgb: RGB | np.ndarray) -> np.ndarray | float:
    """WCAG relative luminance of one colour (a float) or of an (..., 3) array."""
    if isinstance(rgb, tuple):
        return _colour_luminance(rgb)  # one colour: no numpy, cached
    if isinstance(rgb, np.ndarray) and rgb.dtype == np.uint8:
        return _LINEAR_LUT[rgb] @ _WEIGHTS  # pixels: a table look-up instead of a power per channel
    arr = np.asarray(rgb, dtype=np.float64)
    lin = _linear(arr)
    lum = 0.2126 * lin[..., 0] + 0.7152 * lin[..., 1] + 0.0722 * lin[..., 2]
    return float(lum) if lum.ndim == 0 else lum


def contrast(a: RGB | float, b: RGB | float) -> float:
    """Contrast ratio between two colours (or two luminances), 1..21."""
    la = a if isinstance(a, float) else luminance(a)
    lb = b if isinstance(b, float) else luminance(b)
    hi, lo = max(la, lb), min(la, lb)  # type: ignore[type-var]
    return (hi + 0.05) / (lo + 0.05)


def region_luminance_range(pixels: np.ndarray) -> tuple[float, float, float]:
    """(dark, mean, light) luminance of an (h, w, 3) region: 10th percentile, mean colour's, 90th."""
    flat = pixels.reshape(-1, 3)
    if len(flat) > _SAMPLE:
        flat = flat[:: len(flat) // _SAMPLE]  # an even subsample: percentiles of a big region barely move
    if flat.dtype != np.uint8:  # the general form (callers pass uint8 pixels)
        lum = luminance(flat.astype(np.float64))
        lo, hi = _percentiles(np.asarray(lum), (0.1, 0.9))
        return lo, float(luminance(tuple(int(round(v)) for v in flat.mean(axis=0)))), hi  # type: ignore[arg-type]
    # Called for every element and plate step: per-channel tables, integer sums and one partition
    # (np.percentile's linear rule) run in about half of the time of the general forms.
    r, g, b = flat[:, 0], flat[:, 1], flat[:, 2]
    lum = _CHANNEL_LUMINANCE[0][r] + _CHANNEL_LUMINANCE[1][g] + _CHANNEL_LUMINANCE[2][b]
    count = len(flat)
    mean_rgb = tuple(int(round(int(c.sum(dtype=np.int64)) / count)) for c in (r, g, b))
    lo, hi = _percentiles(lum, (0.1, 0.9))
    return lo, float(luminance(mean_rgb)), hi  # type: ignore[arg-type]


def _percentiles(values: np.ndarray, fractions: tuple[float, ...]) -> list[float]:
    """np.percentile's default (linear) rule for a few fractions, with one partition."""
    n = len(values)
    positions = [f * (n - 1) for f in fractions]
    lows = [int(pos) for pos in positions]
    ordered = np.partition(values, sorted({*lows, *(min(n - 1, k + 1) for k in lows)}))
    return [
        float(ordered[k] + (ordered[min(n - 1, k + 1)] - ordered[k]) * (pos - k)) for k, pos in zip(lows, positions)
    ]


def worst_contrast(text: RGB, lum_range: tuple[float, float, float]) -> float:
    """Contrast of `text` against the least favourable of the region's dark, mean and light."""
    lt = float(luminance(text))
    return min(contrast(lt, lum) for lum in lum_range)


def mean_colour(pixels: np.ndarray) -> RGB:
    flat = pixels.reshape(-1, 3).astype(np.float64)
    return tuple(int(round(v)) for v in flat.mean(axis=0))  # type: ignore[return-value]


def best_of(candidates: list[RGB], lum_range: tuple[float, float, float]) -> tuple[RGB, float]:
    scored = [(worst_contrast(c, lum_range), c) for c in candidates]
    score, colour = max(scored, key=lambda sc: sc[0])
    return colour, score


def plate_for(text: RGB) -> RGB:
    """A plate colour that sets `text` off: dark under light text, white under dark."""
    return INK if contrast(text, INK) >= contrast(text, WHITE) else WHITE


def plate_alpha(text: RGB, plate: RGB, pixels: np.ndarray) -> float:
    """The least plate opacity (0.72..1) at which `text` reaches 4.5:1 over the plated region.

    Blends in sRGB exactly as alpha compositing does, on a subsample of the pixels.
    """
    flat = pixels.reshape(-1, 3)
    if len(flat) > _SAMPLE:
        flat = flat[:: len(flat) // _SAMPLE]
    flat = flat.astype(np.float64)
    plate_arr = np.asarray(plate, dtype=np.float64)
    for alpha in np.arange(0.72, 1.0001, 0.04):
        blended = np.rint(alpha * plate_arr + (1 - alpha) * flat).astype(np.uint8)  # as compositing rounds
        if worst_contrast(text, region_luminance_range(blended)) >= MIN_CONTRAST + 0.3:
            return float(min(alpha, 1.0))
    return 1.0
