"""Stage shapes for procedural backdrops: the podium (one or two cylinder tiers) and an arch panel.

Edges are anti-aliased from approximate signed distances, and every shape is
drawn only inside its own bounding box on the float canvas (0..1).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from studio.scene.backdrop import Podium


def _ellipse_coverage(xx: np.ndarray, yy: np.ndarray, cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    """Anti-aliased inside-ellipse coverage (0..1) from an approximate signed distance."""
    dx, dy = (xx - cx) / rx, (yy - cy) / ry
    f = np.sqrt(dx * dx + dy * dy) + 1e-6
    grad = np.sqrt((dx / rx) ** 2 + (dy / ry) ** 2) / f + 1e-6
    return np.clip(0.5 - (f - 1.0) / grad, 0.0, 1.0)


def draw_arch(canvas: np.ndarray, palette: dict[str, np.ndarray], horizon: float) -> None:
    """A rounded-top panel behind the stage (the pastel 3D-render look), with a soft shadow."""
    height, width = canvas.shape[:2]
    half = 0.31 * width
    radius = half
    top = max(0.14 * height, 0.02 * height)
    bottom = horizon * height + 2
    cx = width / 2
    centre_y = top + radius
    x0, x1 = int(max(cx - half - width * 0.05, 0)), int(min(cx + half + width * 0.05, width))
    y0, y1 = int(max(top - width * 0.05, 0)), int(min(bottom, height))
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    # signed distance to the arch outline (negative inside): a capsule with a flat bottom
    dx = np.abs(xx - cx) - half
    above = yy < centre_y
    d_round = np.hypot(xx - cx, np.minimum(yy - centre_y, 0.0)) - radius
    dist = np.where(above, d_round, dx)
    region = canvas[y0:y1, x0:x1]
    # a soft contact shadow around the panel: linear falloff squared, no exp
    falloff = np.clip(1.0 - dist / (width * 0.05), 0.0, 1.0)
    falloff *= falloff
    region *= (1.0 - 0.10 * falloff * (dist > 0))[..., None]
    cover = np.clip(0.5 - dist, 0.0, 1.0)
    colour = palette["accent"] * 0.55 + palette["top"] * 0.45
    shade = 1.0 - 0.06 * np.clip((yy - top) / max(bottom - top, 1.0), 0, 1)
    region += (colour * shade[..., None] - region) * cover[..., None]


def _draw_cylinder(
    canvas: np.ndarray, palette: dict[str, np.ndarray], cx: float, top_y: float, rx: float, ry: float, body_h: float
) -> None:
    height, width = canvas.shape[:2]
    x0, x1 = int(max(cx - rx - 2, 0)), int(min(cx + rx + 2, width))
    y0, y1 = int(max(top_y - ry - 2, 0)), int(min(top_y + body_h + ry + 2, height))
    if x1 <= x0 or y1 <= y0:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    region = canvas[y0:y1, x0:x1]
    # Side: a lit cylinder (light from the upper left), darker toward its edges.
    u = np.clip((xx - cx) / rx, -1.0, 1.0)
    normal_z = np.sqrt(1.0 - u * u)
    lambert = np.clip(0.35 * -u + 0.85 * normal_z, 0.0, 1.0)
    down = np.clip((yy - top_y) / max(body_h, 1.0), 0.0, 1.0)
    shade = 0.72 + 0.36 * lambert - 0.10 * down
    side_colour = palette["podium_side"] * shade[..., None]
    inside_x = np.clip(rx - np.abs(xx - cx) + 0.5, 0.0, 1.0)
    below_bottom = _ellipse_coverage(xx, yy, cx, top_y + body_h, rx, ry)
    body = inside_x * np.where(yy <= top_y + body_h, 1.0, below_bottom) * (yy >= top_y)
    region += (np.clip(side_colour, 0, 1) - region) * body[..., None]
    # Top: flat, lit from above, a thin bright rim along its front edge.
    top_cover = _ellipse_coverage(xx, yy, cx, top_y, rx, ry)
    inner = _ellipse_coverage(xx, yy, cx, top_y, rx * 0.985, ry * 0.94)
    back = np.clip((top_y - yy) / ry, 0.0, 1.0)
    top_colour = palette["podium"] * (1.0 - 0.05 * back)[..., None]
    rim = np.clip(top_cover - inner, 0.0, 1.0) * (yy > top_y)
    top_colour = top_colour + (1.0 - top_colour) * (0.6 * rim)[..., None]
    region += (np.clip(top_colour, 0, 1) - region) * top_cover[..., None]


def draw_podium(canvas: np.ndarray, palette: dict[str, np.ndarray], podium: Podium) -> None:
    height, width = canvas.shape[:2]
    base_y = podium.top_y + podium.height
    lower_rx = podium.rx * 1.28 if podium.tiers >= 2 else podium.rx
    lower_h = podium.height * 0.45 if podium.tiers >= 2 else 0.0
    ground_y = base_y + lower_h
    # Soft shadow the podium casts on the floor around its base.
    sx0, sx1 = int(max(podium.cx - lower_rx * 1.6, 0)), int(min(podium.cx + lower_rx * 1.6, width))
    sy0, sy1 = int(max(ground_y - podium.ry * 2, 0)), int(min(ground_y + podium.ry * 3, height))
    if sx1 > sx0 and sy1 > sy0:
        yy, xx = np.mgrid[sy0:sy1, sx0:sx1].astype(np.float32)
        d2 = ((xx - podium.cx) / (lower_rx * 1.12)) ** 2 + ((yy - ground_y - podium.ry * 0.25) / (podium.ry * 1.5)) ** 2
        canvas[sy0:sy1, sx0:sx1] *= (1.0 - 0.35 * np.exp(-d2 * 2.2))[..., None]
    if podium.tiers >= 2:
        _draw_cylinder(canvas, palette, podium.cx, base_y, lower_rx, podium.ry * 1.28, lower_h)
        # the upper tier's shadow on the lower tier's top
        yy, xx = np.mgrid[
            int(base_y - podium.ry * 1.3) : int(base_y + podium.ry * 1.4),
            int(podium.cx - lower_rx) : int(podium.cx + lower_rx),
        ].astype(np.float32)
        if yy.size:
            d2 = ((xx - podium.cx) / (podium.rx * 1.05)) ** 2 + (
                (yy - base_y - podium.ry * 0.15) / (podium.ry * 1.1)
            ) ** 2
            y0, x0 = int(yy[0, 0]), max(int(xx[0, 0]), 0)
            region = canvas[y0 : y0 + yy.shape[0], x0 : x0 + xx.shape[1]]
            shade = 1.0 - 0.3 * np.exp(-d2 * 2.5)
            region *= shade[: region.shape[0], : region.shape[1], None]
    _draw_cylinder(canvas, palette, podium.cx, podium.top_y, podium.rx, podium.ry, podium.height)
