"""Mask refinement: pure functions of an "L" mask and CutoutSettings, no model, no photo.

Order (each step does one thing, and does it in the direction its name says):
0. snap              — model output of 99 % opacity is product: make it exactly opaque, so
                       no scene ever shows through the product's own pixels
1. drop islands      — specks and, with keep_main_object, stray objects away from the product
2. holes             — specks inside the product are filled; real holes (a handle loop) stay
                       open unless fill_holes is on
3. edge shift        — erode (<0) or dilate (>0) by whole pixels
4. feather           — soften the edge with a Gaussian
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.recipe import CutoutSettings

SUPPORT_LEVEL = 8  # alpha at or below this is model noise, not product (3 % opacity)
OPAQUE_LEVEL = 250  # at or above: fully opaque (u2netp gives 254 inside a cup of coffee)
SOLID_LEVEL = 128  # above: inside the product, for hole finding
# With keep_main_object, other objects survive only when at least this big
# relative to the largest one: a pair of shoes stays, a stray crumb goes.
MAIN_OBJECT_PEER_FRACTION = 0.25


def refine_mask(mask: Image.Image, settings: CutoutSettings) -> Image.Image:
    """The refined mask ("L", same size) for `mask` under `settings`."""
    alpha = snap_opaque(np.asarray(mask.convert("L"), dtype=np.uint8))
    alpha = drop_islands(alpha, settings.min_island_fraction, settings.keep_main_object)
    alpha = fill_holes(alpha, settings.max_hole_fraction, fill_all=settings.fill_holes)
    alpha = shift_edge(alpha, settings.edge_shift_px)
    alpha = feather(alpha, settings.feather_px)
    return Image.fromarray(alpha, "L")


def snap_opaque(alpha: np.ndarray) -> np.ndarray:
    """Nearly opaque → exactly opaque. Only ever adds."""
    return np.where(alpha >= OPAQUE_LEVEL, 255, alpha).astype(np.uint8)


def solidify_interior(mask: Image.Image, inset_px: int = 3) -> Image.Image:
    """Model masks only: product pixels more than `inset_px` inside the outline become opaque.

    u2netp sometimes dims the middle of a product (a bright label stripe came
    out at alpha ~200), which would let the scene show through the product.
    Real holes (alpha < 128) and the edge band keep their values. Not for a
    seller's own transparent PNG, whose soft inside (glass) may be deliberate.
    """
    from scipy import ndimage

    alpha = np.asarray(mask.convert("L"), dtype=np.uint8)
    inner = ndimage.binary_erosion(alpha >= SOLID_LEVEL, iterations=inset_px, border_value=1)
    return Image.fromarray(np.where(inner, 255, alpha).astype(np.uint8), "L")


def drop_islands(alpha: np.ndarray, min_fraction: float, keep_main_object: bool) -> np.ndarray:
    """Zero the connected pieces that are too small to be the product. Only ever removes."""
    from scipy import ndimage

    support = alpha > SUPPORT_LEVEL
    labels, count = ndimage.label(support, structure=np.ones((3, 3), bool))
    out = np.where(support, alpha, 0).astype(np.uint8)
    if count == 0:
        return out
    weights = ndimage.sum_labels(alpha.astype(np.float64) / 255.0, labels, index=np.arange(1, count + 1))
    keep = weights >= min_fraction * alpha.size
    if keep_main_object:
        keep &= weights >= MAIN_OBJECT_PEER_FRACTION * weights.max()
    if not keep.any():
        keep[int(np.argmax(weights))] = True  # never refine the product away entirely
    kept = np.concatenate([[False], keep])[labels]
    out[~kept] = 0
    return out


def fill_holes(alpha: np.ndarray, max_hole_fraction: float, *, fill_all: bool) -> np.ndarray:
    """Make enclosed background regions opaque: all of them, or only the specks. Only ever adds."""
    from scipy import ndimage

    solid = alpha > SOLID_LEVEL
    holes = ndimage.binary_fill_holes(solid) & ~solid
    if not holes.any():
        return alpha
    if not fill_all:
        labels, count = ndimage.label(holes)
        sizes = ndimage.sum_labels(holes, labels, index=np.arange(1, count + 1))
        small = np.concatenate([[False], sizes < max_hole_fraction * alpha.size])
        holes = small[labels]
    out = alpha.copy()
    out[holes] = 255
    return out


def shift_edge(alpha: np.ndarray, pixels: int) -> np.ndarray:
    """Grey erosion (pixels < 0) or dilation (pixels > 0) with a round brush of |pixels|."""
    if pixels == 0:
        return alpha
    import cv2

    radius = abs(pixels)
    brush = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    if pixels > 0:
        return cv2.dilate(alpha, brush, borderType=cv2.BORDER_CONSTANT, borderValue=0)
    # outside the photo counts as product, so an object cut by the frame keeps its cut edge
    return cv2.erode(alpha, brush, borderType=cv2.BORDER_CONSTANT, borderValue=255)


def feather(alpha: np.ndarray, pixels: float) -> np.ndarray:
    """Soften the edge: a Gaussian whose visible width is about `pixels`."""
    sigma = pixels / 2.0
    if sigma < 0.1:  # narrower than a tenth of a pixel: nothing visible to soften
        return alpha
    import cv2

    k = 2 * int(np.ceil(3 * sigma)) + 1
    blurred = cv2.GaussianBlur(alpha.astype(np.float32), (k, k), sigmaX=sigma, borderType=cv2.BORDER_REPLICATE)
    return np.clip(np.rint(blurred), 0, 255).astype(np.uint8)
