"""The visible AI label checked on the shipped pixels against GB 45438-2025's rule for images.

The standard's practice for images: the explicit label sits at an edge or corner, and its
text is at least 5 % of the image's shorter side tall. We measure the label's ink in the
file as written: inside the recorded plate box, the rows holding bright glyph pixels on the
dark plate (white text, 255; the plate stays near 115 even over a white scene, so 150 separates them).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from studio.recipe import Box

MIN_HEIGHT_FRACTION = 0.05  # of the shorter side (GB 45438-2025 practice guide, images)
EDGE_FRACTION = 0.10  # "at an edge or corner": the plate within 10 % of the shorter side of an edge
_GLYPH = 150  # darkest channel of a glyph pixel; the plate stays below ~125 even over white (JPEG included)


def ink_height(rgb: np.ndarray, box: Box) -> int:
    """Rows of bright glyph ink inside the plate box (first to last row that has any)."""
    x0, y0, x1, y1 = box
    radius = max(2, (y1 - y0) // 4)  # rounded corners show the scene: leave those columns out
    region = rgb[y0:y1, x0 + radius : max(x0 + radius + 1, x1 - radius)]
    if region.size == 0:
        return 0
    darkest = region.min(axis=2) if region.ndim == 3 else region
    rows = np.flatnonzero((darkest >= _GLYPH).any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else 0


def check_visible_label(path: Path, box: Box | None) -> dict[str, Any]:
    """passed / failed / not_checked, with the measured and required heights."""
    if box is None:
        return {
            "status": "not_checked",
            "reason": "no visible AI label on this file (switched off, or the platform allows no text); "
            "GB 45438-2025 asks for one on AI-made images",
        }
    with Image.open(path) as image:
        width, height = image.size
        rgb = np.asarray(image.convert("RGB").crop(tuple(box)))
    short = min(width, height)
    need = math.ceil(short * MIN_HEIGHT_FRACTION)
    ink = ink_height(rgb, (0, 0, box[2] - box[0], box[3] - box[1]))
    edge = min(box[0], box[1], width - box[2], height - box[3])
    at_edge = edge <= EDGE_FRACTION * short
    details = {"ink_height_px": ink, "required_px": need, "edge_distance_px": edge}
    if ink < need:
        return {
            "status": "failed",
            "reason": f"the AI label's text is {ink} px tall, under 5 % of the shorter side ({need} px; GB 45438-2025)",
            **details,
        }
    if not at_edge:
        return {
            "status": "failed",
            "reason": f"the AI label sits {edge} px from the nearest edge; GB 45438-2025 puts it at an edge or corner",
            **details,
        }
    return {
        "status": "passed",
        "reason": f"AI label text {ink} px tall (≥ {need} px, 5 % of the shorter side), at an edge",
        **details,
    }
