"""Solid bands behind a promo layout's groups: the 到手价 price band, a festival countdown strip.

A template group with `"band": "accent" | "dark" | "light"` gets a full-width band behind the
elements placed for it (only on full-width groups, never over the product). The band is its
own layer, first in the stack; the copy is then painted against the banded pixels, so its
colours and plates are chosen for the band, not for the scene under it. Like a button, a band
keeps ≥ 3:1 against the scene behind it (a seller's explicit accent is kept as it is).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from studio.layers import TextLayer
from studio.recipe import Box
from studio.text.contrast import RGB
from studio.text.elements import DEFAULT_ACCENT
from studio.text.paint import pill_fill
from studio.text.plan import Plan, expand
from studio.text.space import intersects

BAND_COLOURS: dict[str, RGB] = {"dark": (28, 24, 30), "light": (255, 248, 236), "gold": (242, 193, 78)}


def draw_bands(
    template: dict[str, Any], plan: Plan, background: Image.Image, product_box: Box, safe: Box, accent: RGB | None
) -> tuple[list[TextLayer], Image.Image]:
    """Band layers for this plan and the background with them drawn (to paint the copy against)."""
    placed = {p.piece.name: p for p in plan.placed}
    layers: list[TextLayer] = []
    banded = background
    for i, group in enumerate(template.get("groups", [])):
        kind = group.get("band")
        if not kind:
            continue
        boxes = [placed[n].box for n in expand(group["elements"], list(placed)) if n in placed]
        if not boxes:
            continue
        pad = max(4, int(min(background.size) * 0.015))
        y0, y1 = min(b[1] for b in boxes) - pad, max(b[3] for b in boxes) + pad
        box = (0, max(0, y0), background.width, min(background.height, y1))
        # Never over the product: where a full-width band would cover it, each element gets its own tag.
        pieces = (
            [box]
            if not intersects(box, product_box)
            else [
                (
                    max(0, b[0] - pad),
                    max(0, b[1] - pad),
                    min(background.width, b[2] + pad),
                    min(background.height, b[3] + pad),
                )
                for b in boxes
            ]
        )
        pieces = [p for p in pieces if not intersects(p, product_box)]
        colour = (accent or DEFAULT_ACCENT) if kind == "accent" else BAND_COLOURS.get(kind, BAND_COLOURS["dark"])
        colour = pill_fill(colour, _ground(background, pieces), keep=kind == "accent" and accent is not None)
        for j, piece in enumerate(pieces):
            rgba = Image.new("RGBA", (piece[2] - piece[0], piece[3] - piece[1]), (*colour, 255))
            if banded is background:
                banded = background.copy()
            ImageDraw.Draw(banded).rectangle([piece[0], piece[1], piece[2] - 1, piece[3] - 1], fill=colour)
            layers.append(
                TextLayer(name=f"band_{i + 1}" + (f"_{j + 1}" if len(pieces) > 1 else ""), rgba=rgba, box=piece)
            )
    return layers, banded


def _ground(background: Image.Image, pieces: list[Box]) -> np.ndarray:
    """The scene's pixels under the band's pieces, (n, 3), before the band is drawn."""
    rgb = np.asarray(background.convert("RGB"))
    parts = [rgb[y0:y1, x0:x1].reshape(-1, 3) for x0, y0, x1, y1 in pieces]
    return np.concatenate(parts) if parts else np.zeros((0, 3), dtype=np.uint8)
