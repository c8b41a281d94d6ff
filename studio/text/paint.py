"""Deciding each element's colours from the pixels that will be under it.

Automatic colour tries the previous element's colour first (one scheme per
poster where possible), then white and near-black; when none reaches 4.5:1
against the region's darks, mean and lights, the text gets a rounded plate just
opaque enough. A seller's explicit colour is kept, with a plate when needed.
"""

from __future__ import annotations

import numpy as np

from studio.text.contrast import (
    INK,
    MIN_CONTRAST,
    RGB,
    WHITE,
    plate_alpha,
    plate_for,
    region_luminance_range,
    worst_contrast,
)
from studio.text.elements import DEFAULT_ACCENT, Paint

MARGIN = 0.3  # decide against 4.8 so rounding and anti-aliasing never drop a result below 4.5
GOLD: RGB = (255, 204, 51)
DEEP_RED: RGB = (176, 0, 32)


def choose_paint(
    kind: str,
    text_pixels: np.ndarray,
    piece_pixels: np.ndarray,
    *,
    explicit: RGB | None,
    accent: RGB | None,
    effect: str,
    prefer: RGB | None,
) -> Paint:
    """Colours for one element: `text_pixels` lie under its text, `piece_pixels` under its reserved frame."""
    accent_fill = accent or DEFAULT_ACCENT
    if kind in ("badge", "cta"):
        # Drawn on their own fill, which must itself stand out (≥ 3:1) from the scene behind it.
        return Paint(text=WHITE, accent=pill_fill(accent_fill, piece_pixels, keep=explicit_accent(accent)))
    lum = region_luminance_range(text_pixels)
    candidates = [explicit] if explicit else [c for c in (prefer, WHITE, INK) if c is not None]
    chosen = next((c for c in candidates if worst_contrast(c, lum) >= MIN_CONTRAST + MARGIN), None)
    plate: RGB | None = None
    alpha = 0.0
    ground = text_pixels
    if chosen is None:
        # Keep the poster's scheme: plates carry the previous element's text colour.
        chosen = explicit or prefer or max((WHITE, INK), key=lambda c: worst_contrast(c, lum))
        plate = plate_for(chosen)
        alpha = plate_alpha(chosen, plate, piece_pixels)
        ground = np.rint(alpha * np.asarray(plate, float) + (1 - alpha) * piece_pixels.astype(float)).astype(np.uint8)
    ground_lum = region_luminance_range(ground)
    # Price amounts and bullets: the seller's accent if it reads, else gold or deep red, else the text colour.
    accent_text = next(
        (c for c in (accent_fill, GOLD, DEEP_RED) if worst_contrast(c, ground_lum) >= MIN_CONTRAST + MARGIN),
        chosen,
    )
    chosen_effect = _effect(kind, effect, chosen, plate is not None)
    return Paint(text=chosen, accent=accent_text, effect=chosen_effect, plate=plate, plate_alpha=alpha)


MIN_SHAPE_CONTRAST = 3.0  # WCAG 1.4.11: buttons and badges against what is around them


def explicit_accent(accent: RGB | None) -> bool:
    return accent is not None


def _shades(ground: RGB) -> list[RGB]:
    """Colours from the scene's own palette: its colour much darker and much lighter."""
    dark = tuple(int(c * 0.28) for c in ground)
    light = tuple(int(c + (255 - c) * 0.82) for c in ground)
    return [dark, light]  # type: ignore[list-item]


def pill_fill(wanted: RGB, ground_pixels: np.ndarray, *, keep: bool = False) -> RGB:
    """The fill of a button or badge: `wanted` if it reaches 3:1 against the ground, else a scene shade,
    gold, deep red or ink (the first that does). A seller's explicit accent is kept as it is."""
    from studio.text.contrast import contrast, mean_colour

    flat = ground_pixels.reshape(-1, 3)
    ground = mean_colour(flat) if len(flat) else WHITE
    if keep or contrast(wanted, ground) >= MIN_SHAPE_CONTRAST:
        return wanted
    candidates = [*_shades(ground), GOLD, DEEP_RED, INK, WHITE]
    return max(candidates, key=lambda c: (contrast(c, ground) >= MIN_SHAPE_CONTRAST, -candidates.index(c)))


def _effect(kind: str, wanted: str, text: RGB, plated: bool) -> str:
    if plated or wanted == "none":
        return "none"
    if wanted == "auto":
        # A soft shadow lifts light headlines off photos; dark text stays clean.
        return "shadow" if kind in ("headline", "price") and text == WHITE else "none"
    if wanted == "gradient" and kind not in ("headline",):
        return "none"
    return wanted
