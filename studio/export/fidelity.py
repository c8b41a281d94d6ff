"""How much a written file changed the product's pixels (PSNR over the product box)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from studio.recipe import Box


def box_psnr(reference: Image.Image, candidate: Image.Image, box: Box) -> float:
    """PSNR in dB of `candidate` vs `reference` inside `box` (RGB, 8-bit). inf when identical."""
    x0, y0, x1, y1 = box
    a = np.asarray(reference.convert("RGB"), dtype=np.float64)[y0:y1, x0:x1]
    b = np.asarray(candidate.convert("RGB"), dtype=np.float64)[y0:y1, x0:x1]
    if a.size == 0:
        return math.inf
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)
