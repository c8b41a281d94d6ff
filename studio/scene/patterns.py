"""Decorative accents for procedural backdrops: confetti, rays, lanterns, moon, hearts, bokeh.

Accents are drawn on a float RGB canvas (0..1) in place and kept out of the
`Zone` where the product stands, so they frame the product instead of
fighting it. Small shapes are drawn at 2× and shrunk for clean edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

Colour = np.ndarray  # float32 (3,), 0..1


@dataclass(frozen=True)
class Zone:
    """The product's area, an ellipse in canvas pixels; accents stay outside it."""

    cx: float
    cy: float
    rx: float
    ry: float

    def distance(self, x: float, y: float) -> float:
        """< 1 inside the ellipse."""
        return math.hypot((x - self.cx) / self.rx, (y - self.cy) / self.ry)


@dataclass(frozen=True)
class Context:
    """What an accent needs to know about the scene it decorates."""

    zone: Zone
    horizon: float  # fraction of height where the wall meets the floor
    light: tuple[float, float]  # light position, fractions of width and height


def _to_u8(colour: Colour) -> tuple[int, int, int]:
    r, g, b = (int(round(float(c) * 255)) for c in colour)
    return r, g, b


def _composite(canvas: np.ndarray, layer: Image.Image, left: int = 0, top: int = 0) -> None:
    """Alpha-blend an RGBA image onto the float canvas at (left, top), clipped."""
    height, width = canvas.shape[:2]
    x0, y0 = max(left, 0), max(top, 0)
    x1, y1 = min(left + layer.width, width), min(top + layer.height, height)
    if x1 <= x0 or y1 <= y0:
        return
    tile = np.asarray(layer, dtype=np.float32)[y0 - top : y1 - top, x0 - left : x1 - left] / 255.0
    alpha = tile[..., 3:4]
    region = canvas[y0:y1, x0:x1]
    region += (tile[..., :3] - region) * alpha


def _screen(canvas: np.ndarray, glow: np.ndarray, colour: Colour) -> None:
    """Add light: screen-blend `colour` with per-pixel strength `glow` (h, w), in place.

    Only the rows the glow reaches are touched, one channel at a time (no
    full-size temporaries).
    """
    rows = np.nonzero(glow.max(axis=1) > 1e-4)[0]
    if rows.size == 0:
        return
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    band = glow[top:bottom]
    for channel in range(3):
        plane = canvas[top:bottom, :, channel]
        plane -= 1.0
        plane *= 1.0 - band * float(colour[channel])
        plane += 1.0


def _sample_outside(
    rng: np.random.Generator, zone: Zone, size: tuple[int, int], y_max: float, margin: float = 1.15
) -> tuple[float, float]:
    width, height = size
    for _ in range(60):
        x, y = rng.uniform(0, width), rng.uniform(0, height * y_max)
        if zone.distance(x, y) > margin:
            return x, y
    return rng.uniform(0, width * 0.12), rng.uniform(0, height * 0.2)


def _confetti_piece(
    size: float, colour: tuple[int, int, int, int], angle: float, round_piece: bool, blur: float
) -> Image.Image:
    """One piece on its own small tile, drawn at 2× for clean edges."""
    scale = 2
    pad = int(blur * 3) + 2
    side = int(size * 1.2) + 2 * pad
    tile = Image.new("RGBA", (side * scale, side * scale))
    draw = ImageDraw.Draw(tile)
    c0 = side * scale / 2
    if round_piece:
        r = size * scale * 0.5
        draw.ellipse([c0 - r, c0 - r, c0 + r, c0 + r], fill=colour)
    else:
        # a thin rectangle seen at an angle: confetti flutters
        w, h = size * scale, size * scale * 0.45
        c, s = math.cos(angle), math.sin(angle)
        corners = [(-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2)]
        draw.polygon([(c0 + x * c - y * s, c0 + x * s + y * c) for x, y in corners], fill=colour)
    tile = tile.resize((side, side), Image.Resampling.LANCZOS)
    if blur > 0.3:
        tile = tile.convert("RGBa").filter(ImageFilter.GaussianBlur(blur)).convert("RGBA")
    return tile


def confetti(canvas: np.ndarray, palette: dict[str, Colour], rng: np.random.Generator, ctx: Context) -> None:
    zone = ctx.zone
    height, width = canvas.shape[:2]
    unit = min(width, height)
    colours = [palette["accent"], palette["light_color"], palette["podium"], np.array([1.0, 0.97, 0.9], np.float32)]
    count = int(40 * width * height / unit**2) + 16
    for index in range(count):
        x, y = _sample_outside(rng, zone, (width, height), y_max=0.92)
        near = index % 9 == 0  # a few big, out-of-focus pieces in front
        size = unit * rng.uniform(0.008, 0.016) * (2.6 if near else 1.0)
        colour = colours[int(rng.integers(len(colours)))]
        alpha = int(255 * (0.55 if near else rng.uniform(0.75, 1.0)))
        fill = (*_to_u8(np.clip(colour * rng.uniform(0.85, 1.05), 0, 1)), alpha)
        blur = size / 6 if near else 0.0
        tile = _confetti_piece(size, fill, rng.uniform(0, math.pi), rng.random() < 0.35, blur)
        _composite(canvas, tile, int(x - tile.width / 2), int(y - tile.height / 2))


def rays(canvas: np.ndarray, palette: dict[str, Colour], rng: np.random.Generator, ctx: Context) -> None:
    """A soft sunburst behind the product, fading out before the edges."""
    zone = ctx.zone
    import cv2

    height, width = canvas.shape[:2]
    small_w, small_h = max(width // 2, 8), max(height // 2, 8)
    y, x = np.mgrid[0:small_h, 0:small_w].astype(np.float32)
    cx, cy = zone.cx / 2, (zone.cy - zone.ry * 0.2) / 2
    angle = np.arctan2(y - cy, x - cx) + rng.uniform(0, 0.3)
    radius = np.hypot((x - cx) / small_w, (y - cy) / small_w)
    count = 18
    wedge = np.clip((np.cos(angle * count) - 0.1) * 3.0, 0.0, 1.0)
    # Rays seem to start behind the product but only show around it.
    in_zone = np.hypot((x * 2 - zone.cx) / zone.rx, (y * 2 - zone.cy) / zone.ry)
    fade = np.clip((in_zone - 0.75) / 0.45, 0.0, 1.0) * np.clip(1.4 - radius, 0.0, 1.0)
    glow = cv2.resize(wedge * fade * 0.14, (width, height), interpolation=cv2.INTER_LINEAR)
    rows = np.arange(height, dtype=np.float32)[:, None] / height
    glow *= np.clip((ctx.horizon - rows) * 40.0, 0.0, 1.0)  # on the wall only
    _screen(canvas, glow, palette["accent"])


def _lantern(width_px: int, body: Colour, gold: Colour) -> Image.Image:
    """One red lantern with gold caps and tassel, drawn at 2× then shrunk."""
    scale = 2
    w = width_px * scale
    body_h = int(w * 0.82)
    cap_h = max(int(w * 0.09), 2)
    tassel_h = int(w * 0.55)
    tile = Image.new("RGBA", (w + 8, body_h + 2 * cap_h + tassel_h + 8))
    draw = ImageDraw.Draw(tile)
    top = cap_h + 4
    left = 4
    # body with darker sides: concentric ellipses from dark rim to bright centre
    for step in range(12):
        t = step / 11
        inset = w * 0.5 * t * 0.8
        colour = body * (0.62 + 0.5 * t)
        draw.ellipse(
            [left + inset, top + inset * 0.35, left + w - inset, top + body_h - inset * 0.35],
            fill=(*_to_u8(np.clip(colour, 0, 1)), 255),
        )
    for rib in (0.2, 0.38, 0.62, 0.8):
        rx = left + w * rib
        draw.arc([rx - w * 0.3, top, rx + w * 0.3, top + body_h], 80, 100, fill=(*_to_u8(gold * 0.9), 200), width=scale)
    gold_u8 = (*_to_u8(gold), 255)
    draw.rectangle([left + w * 0.3, top - cap_h, left + w * 0.7, top + cap_h * 0.4], fill=gold_u8)
    draw.rectangle([left + w * 0.3, top + body_h - cap_h * 0.4, left + w * 0.7, top + body_h + cap_h], fill=gold_u8)
    tassel_top = top + body_h + cap_h
    for k in range(7):
        tx = left + w * (0.42 + 0.16 * k / 6)
        draw.line([tx, tassel_top, tx, tassel_top + tassel_h], fill=(*_to_u8(gold * 0.95), 235), width=scale)
    return tile.resize((tile.width // scale, tile.height // scale), Image.Resampling.LANCZOS)


def lanterns(canvas: np.ndarray, palette: dict[str, Colour], rng: np.random.Generator, ctx: Context) -> None:
    zone = ctx.zone
    height, width = canvas.shape[:2]
    unit = min(width, height)
    body = np.array([0.93, 0.16, 0.13], np.float32)
    gold = palette["accent"]
    strings = Image.new("RGBA", (width, height))
    draw = ImageDraw.Draw(strings)
    glow = np.zeros((height, width), np.float32)
    placed: list[tuple[Image.Image, int, int]] = []
    for side in (0, 1):
        for k in range(2 if width / height < 0.8 else 3):
            lantern_w = int(unit * rng.uniform(0.10, 0.13) * (1.0 - 0.22 * k))
            x_frac = 0.07 + 0.13 * k + rng.uniform(-0.02, 0.02)
            cx = width * (x_frac if side == 0 else 1.0 - x_frac)
            top = height * (0.02 + 0.07 * k + rng.uniform(0, 0.04))
            if zone.distance(cx, top + lantern_w) < 1.1:
                continue
            tile = _lantern(lantern_w, body, gold)
            left = int(cx - tile.width / 2)
            draw.line([cx, 0, cx, top], fill=(*_to_u8(gold * 0.8), 220), width=max(unit // 500, 1))
            placed.append((tile, left, int(top)))
            gy0, gy1 = int(max(top - lantern_w, 0)), int(min(top + lantern_w * 2.2, height))
            gx0, gx1 = int(max(cx - lantern_w * 1.5, 0)), int(min(cx + lantern_w * 1.5, width))
            yy, xx = np.mgrid[gy0:gy1, gx0:gx1].astype(np.float32)
            d2 = ((xx - cx) ** 2 + (yy - top - lantern_w * 0.45) ** 2) / (lantern_w * 0.9) ** 2
            glow[gy0:gy1, gx0:gx1] += 0.35 * np.exp(-d2)
    _screen(canvas, np.clip(glow, 0, 1), palette["light_color"])
    _composite(canvas, strings)
    for tile, left, top in placed:
        _composite(canvas, tile, left, top)


def moon(canvas: np.ndarray, palette: dict[str, Colour], rng: np.random.Generator, ctx: Context) -> None:
    """A full moon with faint maria and a halo, plus a sprinkle of stars."""
    zone, centre = ctx.zone, ctx.light
    height, width = canvas.shape[:2]
    unit = min(width, height)
    cx, cy = centre[0] * width, centre[1] * height
    radius = unit * 0.105
    x0, x1 = int(max(cx - radius * 3, 0)), int(min(cx + radius * 3, width))
    y0, y1 = int(max(cy - radius * 3, 0)), int(min(cy + radius * 3, height))
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    dist = np.hypot(xx - cx, yy - cy)
    halo = 0.55 * np.exp(-((((dist - radius) / (radius * 0.9)).clip(0)) ** 2) * 1.2) * (dist > radius * 0.9)
    region = canvas[y0:y1, x0:x1]
    region[:] = 1.0 - (1.0 - region) * (1.0 - halo[..., None] * palette["light_color"])
    disc = np.clip(radius - dist + 0.5, 0.0, 1.0)
    from studio.scene.textures import fbm

    maria = fbm(rng, disc.shape, (5, 5), octaves=4)
    shade = 1.0 - 0.10 * np.clip(maria - 0.45, 0, 1) * 2.0 - 0.06 * (dist / radius).clip(0, 1) ** 3
    moon_colour = np.clip(palette["light_color"] * 1.02, 0, 1)
    region += (moon_colour * shade[..., None] - region) * disc[..., None]
    for _ in range(int(70 * width * height / unit**2)):
        x, y = _sample_outside(rng, zone, (width, height), y_max=0.6, margin=1.1)
        if math.hypot(x - cx, y - cy) < radius * 2.2:
            continue
        _soft_dot(canvas, x, y, unit * rng.uniform(0.0012, 0.003), STAR, float(rng.uniform(0.35, 0.95)))


STAR = np.array([1.0, 0.98, 0.9], np.float32)


def _soft_dot(canvas: np.ndarray, x: float, y: float, radius: float, colour: Colour, opacity: float) -> None:
    """A tiny anti-aliased dot with a soft edge, drawn straight into the canvas."""
    height, width = canvas.shape[:2]
    reach = radius + 2.0
    x0, x1 = int(max(x - reach, 0)), int(min(x + reach + 1, width))
    y0, y1 = int(max(y - reach, 0)), int(min(y + reach + 1, height))
    if x1 <= x0 or y1 <= y0:
        return
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    cover = np.clip((radius + 0.7 - np.hypot(xx + 0.5 - x, yy + 0.5 - y)) / 1.4, 0.0, 1.0) * opacity
    region = canvas[y0:y1, x0:x1]
    region += (colour - region) * cover[..., None]


def _heart(size_px: int, colour: tuple[int, int, int, int]) -> Image.Image:
    scale = 2
    side = size_px * scale
    tile = Image.new("RGBA", (side, side))
    t = np.linspace(0, 2 * np.pi, 90)
    hx = 16 * np.sin(t) ** 3
    hy = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    points = [(side / 2 + px * side / 36, side * 0.45 + py * side / 36) for px, py in zip(hx, hy)]
    ImageDraw.Draw(tile).polygon(points, fill=colour)
    return tile.resize((size_px, size_px), Image.Resampling.LANCZOS)


def hearts(canvas: np.ndarray, palette: dict[str, Colour], rng: np.random.Generator, ctx: Context) -> None:
    zone = ctx.zone
    height, width = canvas.shape[:2]
    unit = min(width, height)
    count = int(16 * width * height / unit**2) + 4
    for index in range(count):
        x, y = _sample_outside(rng, zone, (width, height), y_max=0.85, margin=1.2)
        blurred = index % 4 == 0
        size_px = max(int(unit * rng.uniform(0.035, 0.075) * (1.6 if blurred else 1.0)), 6)
        colour = palette["accent"] if rng.random() < 0.6 else np.array([1.0, 1.0, 1.0], np.float32)
        alpha = int(255 * (0.35 if blurred else rng.uniform(0.65, 0.9)))
        tile = _heart(size_px, (*_to_u8(colour), alpha)).rotate(
            float(rng.uniform(-25, 25)), resample=Image.Resampling.BICUBIC, expand=True
        )
        if blurred:
            tile = tile.filter(ImageFilter.GaussianBlur(size_px / 10))
        _composite(canvas, tile, int(x - tile.width / 2), int(y - tile.height / 2))


def bokeh(canvas: np.ndarray, palette: dict[str, Colour], rng: np.random.Generator, ctx: Context) -> None:
    """Out-of-focus highlights on the wall: soft discs, like a lens wide open."""
    zone, horizon = ctx.zone, ctx.horizon
    height, width = canvas.shape[:2]
    unit = min(width, height)
    colours = [palette["light_color"], np.array([1.0, 1.0, 1.0], np.float32), palette["accent"]]
    for _ in range(int(18 * width * height / unit**2) + 6):
        x, y = _sample_outside(rng, zone, (width, height), y_max=horizon * 0.95, margin=0.9)
        radius = unit * rng.uniform(0.025, 0.075)
        strength = rng.uniform(0.10, 0.28)
        colour = colours[int(rng.integers(len(colours)))]
        x0, x1 = int(max(x - radius - 2, 0)), int(min(x + radius + 2, width))
        y0, y1 = int(max(y - radius - 2, 0)), int(min(y + radius + 2, height))
        if x1 <= x0 or y1 <= y0:
            continue
        yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
        dist = np.hypot(xx - x, yy - y)
        edge = max(radius * 0.08, 1.0)
        disc = np.clip((radius - dist) / edge, 0.0, 1.0) * (0.8 + 0.2 * (dist / radius).clip(0, 1) ** 4)
        region = canvas[y0:y1, x0:x1]
        region[:] = 1.0 - (1.0 - region) * (1.0 - (disc * strength)[..., None] * colour)


PatternFn = Callable[..., None]
PATTERNS: dict[str, PatternFn] = {
    "confetti": confetti,
    "rays": rays,
    "lanterns": lanterns,
    "moon": moon,
    "hearts": hearts,
    "bokeh": bokeh,
}
