"""How good a mask is against a known one, and how much background colour an edge carries.

Used by the tests (floors the defaults must meet) and bench/bench_cutout.py.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def _alpha(mask: Image.Image | np.ndarray) -> np.ndarray:
    a = np.asarray(mask.convert("L") if isinstance(mask, Image.Image) else mask, dtype=np.float64)
    return a / 255.0


def mask_iou(pred: Image.Image | np.ndarray, truth: Image.Image | np.ndarray) -> float:
    """Intersection over union of the two masks thresholded at half opacity."""
    p, t = _alpha(pred) >= 0.5, _alpha(truth) >= 0.5
    union = np.logical_or(p, t).sum()
    return float(np.logical_and(p, t).sum() / union) if union else 1.0


def edge_band(truth: Image.Image | np.ndarray, width: int = 4) -> np.ndarray:
    """Pixels within `width` px of the true outline (both sides)."""
    from scipy import ndimage

    solid = _alpha(truth) >= 0.5
    grown = ndimage.binary_dilation(solid, iterations=width)
    shrunk = ndimage.binary_erosion(solid, iterations=width)
    return grown & ~shrunk


def edge_error(pred: Image.Image | np.ndarray, truth: Image.Image | np.ndarray, width: int = 4) -> float:
    """Mean absolute alpha error (0..1) in the band around the true outline."""
    band = edge_band(truth, width)
    if not band.any():
        return 0.0
    return float(np.abs(_alpha(pred) - _alpha(truth))[band].mean())


def colour_cast(rgba: Image.Image, key: tuple[int, int, int], band: np.ndarray | None = None) -> float:
    """How far the visible edge leans toward the old background colour `key`.

    For edge pixels (0 < alpha < 1, or `band`) it averages, weighted by alpha,
    the projection of the pixel's colour onto the direction of `key` away from
    grey; 0 is no cast. In 0..255 units.
    """
    arr = np.asarray(rgba.convert("RGBA"), dtype=np.float64)
    rgb, a = arr[..., :3], arr[..., 3] / 255.0
    if band is None:
        band = (a > 0.02) & (a < 0.98)
    if not band.any():
        return 0.0
    k = np.asarray(key, dtype=np.float64)
    direction = k - k.mean()
    direction /= np.linalg.norm(direction) or 1.0
    chroma = rgb - rgb.mean(axis=2, keepdims=True)  # colour away from grey
    along = chroma @ direction
    weights = a[band]
    return float((along[band] * weights).sum() / max(weights.sum(), 1e-9))
