"""Where the product stands on a canvas, and its one resample to that place.

The product's own pixels are the studio's promise to the seller: they are
resampled exactly once (scale + rotation in one affine warp) and then only
ever copied. `product_rect` is the pure geometry; `place_product` does the warp.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout, PlacedProduct
from studio.presets import Platform
from studio.recipe import Box, Placement

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in canvas pixels (floats, edges)

# Amazon-style "fill" rules: the product's longer side must reach 85% of the
# image's longer side; aim for 90% so rounding and soft edges never fail it.
FILL_RULE = "fill_85"
FILL_TARGET = 0.90
ALPHA_SNAP = 250  # resampled alpha at or above this is fully opaque
# Used when a placement leaves floor_y/scale automatic (None) and nobody filled them in.
DEFAULT_FLOOR_Y = 0.86
DEFAULT_SCALE = 0.62


def _rotated_extent(width: float, height: float, rotation_deg: float) -> tuple[float, float]:
    theta = math.radians(rotation_deg)
    c, s = abs(math.cos(theta)), abs(math.sin(theta))
    return width * c + height * s, width * s + height * c


def product_rect(cutout_box: Box, placement: Placement, size: tuple[int, int]) -> tuple[Rect, float]:
    """The (rotated) product box on the canvas and the scale factor source→canvas.

    Automatic (None) floor_y/scale fall back to DEFAULT_FLOOR_Y/DEFAULT_SCALE;
    callers normally fill them from the scene first (backdrop.floor_line).
    The tight box, rotated, is fitted inside scale*W × scale*H keeping its
    aspect; its centre goes to center_x*W and its bottom to floor_y*H, then it
    is shifted (never shrunk further) so it stays inside the canvas.
    """
    width, height = size
    x0, y0, x1, y1 = cutout_box
    scale = placement.scale if placement.scale is not None else DEFAULT_SCALE
    floor_y = placement.floor_y if placement.floor_y is not None else DEFAULT_FLOOR_Y
    box_w, box_h = max(x1 - x0, 1), max(y1 - y0, 1)
    rot_w, rot_h = _rotated_extent(box_w, box_h, placement.rotation_deg)
    factor = min(scale * width / rot_w, scale * height / rot_h)
    out_w, out_h = rot_w * factor, rot_h * factor
    left = placement.center_x * width - out_w / 2
    top = floor_y * height - out_h
    left = min(max(left, 0.0), width - out_w)
    top = min(max(top, 0.0), height - out_h)
    return (left, top, left + out_w, top + out_h), factor


def _forward_matrix(cutout_box: Box, rect: Rect, factor: float, rotation_deg: float) -> np.ndarray:
    """2×3 affine source→canvas in pixel-centre coordinates (OpenCV's convention).

    Positive rotation turns the product counter-clockwise on screen (as PIL does).
    """
    x0, y0, x1, y1 = cutout_box
    src_cx, src_cy = (x0 + x1) / 2, (y0 + y1) / 2  # edge coordinates
    dst_cx, dst_cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    theta = math.radians(rotation_deg)
    c, s = math.cos(theta) * factor, math.sin(theta) * factor
    linear = np.array([[c, s], [-s, c]])
    # centre coords p_c relate to edge coords by +0.5 on both sides of the map
    offset = np.array([dst_cx - 0.5, dst_cy - 0.5]) - linear @ np.array([src_cx - 0.5, src_cy - 0.5])
    return np.hstack([linear, offset[:, None]])


def _premultiplied(rgba: np.ndarray) -> np.ndarray:
    data = rgba.astype(np.float32) / 255.0
    data[..., :3] *= data[..., 3:4]
    return data


def _unpremultiplied(data: np.ndarray) -> np.ndarray:
    alpha = np.clip(data[..., 3:4], 0.0, 1.0)
    colour = np.clip(data[..., :3], 0.0, alpha)  # cubic overshoot may leave colour > alpha
    safe = np.where(alpha > 0, alpha, 1.0)
    out = np.empty(data.shape, np.uint8)
    out[..., :3] = np.rint(colour / safe * 255.0).astype(np.uint8)
    out[..., 3:4] = np.rint(alpha * 255.0).astype(np.uint8)
    # Bicubic ringing leaves ~99% alpha a few pixels inside hard edges; the
    # product is opaque there, so say so (fidelity checks rely on it).
    out[out[..., 3] >= ALPHA_SNAP, 3] = 255
    out[out[..., 3] == 0, :3] = 0
    return out


def place_product(cutout: Cutout, placement: Placement, size: tuple[int, int]) -> PlacedProduct:
    """Resample the cutout ONCE (scale + rotation, premultiplied alpha) onto a canvas.

    Returns a canvas-sized RGBA (transparent outside the product) and the
    product's alpha>0 box on the canvas.
    """
    import cv2

    width, height = size
    if width < 8 or height < 8:
        raise StudioError("The poster size is too small.", hint=f"Got {width}×{height} pixels.")
    x0, y0, x1, y1 = cutout.box
    if x1 <= x0 or y1 <= y0:
        raise StudioError(
            "The cut-out is empty: no product was found in the photo.", hint="Try another photo or cutout model."
        )
    rect, factor = product_rect(cutout.box, placement, size)

    # Work on the box plus a transparent margin: faster, and both the
    # anti-alias blur and the warp need room around the edge.
    sigma = (1.0 / factor - 1.0) / 2.0 if factor < 1.0 else 0.0
    pad = 4 + int(math.ceil(3.0 * sigma))
    rgba = np.asarray(cutout.rgba.convert("RGBA"))
    src = np.zeros((y1 - y0 + 2 * pad, x1 - x0 + 2 * pad, 4), np.uint8)
    src[pad:-pad, pad:-pad] = rgba[y0:y1, x0:x1]
    data = _premultiplied(src)
    if sigma > 0.3:
        # Anti-alias before shrinking: the blur and the warp together are one
        # resampling kernel, applied once, at the source grid.
        data = cv2.GaussianBlur(data, (0, 0), sigmaX=sigma, sigmaY=sigma, borderType=cv2.BORDER_CONSTANT)
    shifted_box = (pad, pad, pad + x1 - x0, pad + y1 - y0)
    matrix = _forward_matrix(shifted_box, rect, factor, placement.rotation_deg)

    # Warp only into the product's neighbourhood on the canvas.
    wx0 = max(int(math.floor(rect[0])) - 3, 0)
    wy0 = max(int(math.floor(rect[1])) - 3, 0)
    wx1 = min(int(math.ceil(rect[2])) + 3, width)
    wy1 = min(int(math.ceil(rect[3])) + 3, height)
    local = matrix.copy()
    local[:, 2] -= (wx0, wy0)
    warped = cv2.warpAffine(
        data,
        local,
        (wx1 - wx0, wy1 - wy0),
        flags=cv2.INTER_CUBIC,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(0, 0, 0, 0),
    )
    canvas = np.zeros((height, width, 4), np.uint8)
    canvas[wy0:wy1, wx0:wx1] = _unpremultiplied(warped)
    image = Image.fromarray(canvas, "RGBA")
    bbox = image.getchannel("A").getbbox()
    if bbox is None:
        raise StudioError("The product became too small to see at this size.", hint="Increase the product scale.")
    return PlacedProduct(rgba=image, box=tuple(bbox))  # type: ignore[arg-type]


def product_box_fraction(box: Box, size: tuple[int, int]) -> float:
    """The product box's longer side as a fraction of the image's longer side."""
    x0, y0, x1, y1 = box
    return max(x1 - x0, y1 - y0) / max(size)


def product_room(size: tuple[int, int], *, with_copy: bool) -> tuple[float, float]:
    """The share of (width, height) an automatic product may fill: the marketplace norm for main images.

    Tmall/JD/PDD main images show the product as the hero: its longer side ~60–85 % of the short side.
    With copy, a square keeps 60 % of its height for the product (the headline band above it);
    3:4 and 9:16 give their extra height to copy, so the product keeps ~62 % of the short side there.
    Without copy the product takes 80 % (white-background images).
    """
    width, height = size
    if not with_copy:
        return (0.8, 0.8)
    ratio = width / height
    if ratio >= 0.95:
        return (0.64, 0.6)
    short = min(size)
    # The product's height as a share of the canvas height that makes ~62 % of the short side.
    return (0.66, min(0.6, 0.62 * short / height))


def centred_floor(cutout_box: Box, placement: Placement, size: tuple[int, int]) -> float:
    """The floor_y that centres the product vertically at this placement's scale."""
    rect, _ = product_rect(cutout_box, placement.model_copy(update={"floor_y": 1.0}), size)
    return min(1.0, 0.5 + (rect[3] - rect[1]) / size[1] / 2)


def placement_for_platform(
    placement: Placement, platform: Platform, *, product_aspect: float | None = None
) -> Placement:
    """The seller's placement, or the one a platform rule demands.

    `fill_85` (Amazon main): centred, upright, the product box's longer side at
    ~90% of the canvas's longer side. `product_aspect` (box width / height) lets
    the product be centred vertically exactly; without it a tall product is assumed.
    """
    if FILL_RULE not in platform.rules:
        return placement
    width, height = platform.size
    aspect = product_aspect if product_aspect and product_aspect > 0 else 0.5
    fit = min(width / aspect, height / 1.0)  # box (aspect × 1) fitted with scale 1
    scale = min(FILL_TARGET * max(width, height) / (max(aspect, 1.0) * fit), 1.0)
    out_h = scale * fit
    floor_y = min(max(0.5 + out_h / height / 2, 0.05), 1.0)
    return placement.model_copy(update={"center_x": 0.5, "floor_y": floor_y, "scale": scale, "rotation_deg": 0.0})
