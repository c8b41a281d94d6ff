"""How much a written file changed the product's pixels (PSNR over the product box)."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from studio.recipe import Box


def box_psnr(reference: Image.Image, candidate: Image.Image, box: Box) -> float:
    """PSNR in dB of `candidate` vs `reference` inside `box` (RGB, 8-bit). inf when identical."""
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(x1, reference.width, candidate.width), min(y1, reference.height, candidate.height)
    if x1 <= x0 or y1 <= y0:
        return math.inf
    # crop first: only the product's pixels are converted
    a = np.asarray(reference.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float32)
    b = np.asarray(candidate.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float32)
    mse = float(np.mean(np.square(a - b), dtype=np.float64))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)
