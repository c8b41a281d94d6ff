"""Grounding the product: a contact shadow and an optional floor reflection.

The contact shadow comes from the product's footprint (the columns where its
lowest rows are opaque), not from its whole silhouette: a tight dark core
right where it touches the floor plus a wider, flatter soft falloff. Both are
separable Gaussians, so they cost almost nothing at any poster size.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from studio.layers import PlacedProduct


def _footprint(alpha: np.ndarray, box: tuple[int, int, int, int]) -> tuple[np.ndarray, float]:
    """Per-column contact weight (0..1) over the box's columns, and the contact row (y)."""
    x0, y0, x1, y1 = box
    product_h = max(y1 - y0, 1)
    band = max(int(round(product_h * 0.04)), 2)
    rows = alpha[max(y1 - band, y0) : y1, x0:x1].astype(np.float32) / 255.0
    weight = rows.max(axis=0)
    # The bottom-most opaque row per column tells how close it is to the floor:
    # a leg that stops short of the bottom casts a lighter contact.
    lowest = np.where(rows > 0.5, np.arange(rows.shape[0])[:, None] + 1, 0).max(axis=0)
    closeness = lowest / rows.shape[0]
    return weight * (0.35 + 0.65 * closeness), float(y1)


def _gauss_1d(length: int, centre: float, sigma: float) -> np.ndarray:
    coords = np.arange(length, dtype=np.float32) + 0.5
    return np.exp(-0.5 * ((coords - centre) / max(sigma, 0.5)) ** 2)


def _blur_1d(profile: np.ndarray, sigma: float) -> np.ndarray:
    radius = int(max(sigma, 0.5) * 3) + 1
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1, dtype=np.float32) / max(sigma, 0.5)) ** 2)
    kernel /= kernel.sum()
    return np.convolve(np.pad(profile, radius), kernel, mode="same")[radius:-radius]


def contact_shadow(placed: PlacedProduct, size: tuple[int, int], *, strength: float = 0.55) -> Image.Image:
    """The shadow's opacity (mode "L", canvas `size`) under the placed product."""
    width, height = size
    alpha = np.asarray(placed.rgba.getchannel("A"))
    x0, y0, x1, y1 = placed.box
    profile, contact_y = _footprint(alpha, placed.box)
    product_h = max(y1 - y0, 1)
    foot_w = max(float(np.count_nonzero(profile > 0.05)), 1.0)

    # Columns: the footprint, blurred little for the core and a lot for the falloff.
    pad = int(foot_w * 0.8) + 8
    cols = np.zeros(width + 2 * pad, np.float32)
    cols[x0 + pad : x1 + pad] = profile
    core_x = _blur_1d(cols, max(foot_w * 0.035, 1.0))[pad:-pad]
    soft_x = _blur_1d(cols, max(foot_w * 0.28, 2.0))[pad:-pad]
    soft_x /= max(float(soft_x.max()), 1e-6)
    core_x /= max(float(core_x.max()), 1e-6)

    # Rows: thin and just below the contact line (it reads as "touching");
    # the falloff is squashed like an ellipse lying on the floor.
    core_sigma = max(min(foot_w * 0.022, product_h * 0.02), 1.2)
    soft_sigma = max(min(foot_w * 0.12, product_h * 0.08), 2.5)
    core_y = _gauss_1d(height, contact_y - core_sigma * 0.4, core_sigma)
    soft_y = _gauss_1d(height, contact_y + soft_sigma * 0.15, soft_sigma)
    # Nothing above the product's top; fade out above the contact line anyway
    # (the product hides it) so a tilted product never shows a floating smudge.
    above = np.clip(1.0 - (contact_y - (np.arange(height) + 0.5)) / max(product_h * 0.25, 2.0), 0.0, 1.0)
    above[: max(y0, 0)] = 0.0
    core_y *= above
    soft_y *= above

    opacity = 1.0 * np.outer(core_y, core_x) + 0.6 * np.outer(soft_y, soft_x)
    opacity = np.clip(opacity * strength, 0.0, 1.0)
    return Image.fromarray(np.rint(opacity * 255.0).astype(np.uint8), "L")


def reflection(placed: PlacedProduct, size: tuple[int, int], *, opacity: float = 0.25) -> Image.Image:
    """The product mirrored below its base on a glossy floor, fading away (RGBA, canvas `size`)."""
    width, height = size
    x0, y0, x1, y1 = placed.box
    product = np.asarray(placed.rgba)[y0:y1, x0:x1]
    reach = min(y1 - y0, height - y1)
    out = np.zeros((height, width, 4), np.uint8)
    if reach <= 0:
        return Image.fromarray(out, "RGBA")
    mirrored = product[::-1][:reach].copy()
    fade = np.linspace(1.0, 0.0, reach, dtype=np.float32) ** 1.8 * opacity
    mirrored[..., 3] = np.rint(mirrored[..., 3].astype(np.float32) * fade[:, None]).astype(np.uint8)
    # Slightly soft (a floor is never a perfect mirror); blurred premultiplied
    # so transparent neighbours do not darken its edges.
    blur = max((y1 - y0) / 300.0, 0.8)
    pad = int(blur * 3) + 2
    tile = np.zeros((reach + 2 * pad, x1 - x0 + 2 * pad, 4), np.uint8)
    tile[pad:-pad, pad:-pad] = mirrored
    soft = np.asarray(
        Image.fromarray(tile, "RGBA").convert("RGBa").filter(ImageFilter.GaussianBlur(blur)).convert("RGBA")
    )
    ty0, tx0 = y1 - pad, x0 - pad
    cy0, cx0 = max(ty0, 0), max(tx0, 0)
    cy1, cx1 = min(ty0 + soft.shape[0], height), min(tx0 + soft.shape[1], width)
    out[cy0:cy1, cx0:cx1] = soft[cy0 - ty0 : cy1 - ty0, cx0 - tx0 : cx1 - tx0]
    return Image.fromarray(out, "RGBA")
