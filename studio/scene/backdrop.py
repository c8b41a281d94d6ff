"""Procedural backdrops: a scene preset's `procedural` block drawn without any model.

A backdrop is a wall and a floor meeting at the horizon, soft light, an
optional podium the product stands on, a surface texture and a few accents.
Everything is vectorised numpy on a float canvas (0..1); the last step adds
fine grain and dithers to 8 bits so gradients never band. Same seed, same image.

Kinds: `floor` (wall + table/floor), `gradient` (seamless studio sweep),
`spotlight` (dark room, pool of light), `podium` (cylinder stage).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from PIL import Image

from studio.errors import StudioError
from studio.scene import textures
from studio.scene.patterns import PATTERNS, Context, Zone
from studio.scene.stage import draw_arch, draw_podium
from studio.scene.variation import vary_procedural

KINDS = ("floor", "gradient", "spotlight", "podium")
BACK_PATTERNS = ("rays", "bokeh")  # drawn on the wall, behind the podium and the light


@dataclass(frozen=True)
class Podium:
    """A cylinder stage (in canvas pixels); `tiers` 2 adds a wider, lower step."""

    cx: float
    top_y: float  # centre of the top ellipse
    rx: float
    ry: float
    height: float
    tiers: int


def _colour(value: Any, fallback: np.ndarray) -> np.ndarray:
    if not isinstance(value, str) or not value.startswith("#") or len(value) != 7:
        return fallback.astype(np.float32)
    try:
        return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)], np.float32) / 255.0
    except ValueError:
        return fallback.astype(np.float32)


def _palette(proc: dict[str, Any]) -> dict[str, np.ndarray]:
    grey = np.array([0.93, 0.93, 0.94], np.float32)
    top = _colour(proc.get("top"), grey)
    bottom = _colour(proc.get("bottom"), top * 0.92)
    floor = _colour(proc.get("floor"), bottom)
    podium = _colour(proc.get("podium"), np.array([1.0, 1.0, 1.0]))
    return {
        "top": top,
        "bottom": bottom,
        "floor": floor,
        "floor_far": _colour(proc.get("floor_far"), floor * 0.9),
        "light_color": _colour(proc.get("light_color"), np.array([1.0, 1.0, 1.0])),
        "accent": _colour(proc.get("accent"), np.array([0.6, 0.62, 0.66])),
        "podium": podium,
        "podium_side": _colour(proc.get("podium_side"), podium * 0.85),
    }


def _procedural(preset: dict[str, Any]) -> dict[str, Any]:
    proc = preset.get("procedural") or {}
    kind = proc.get("kind", "gradient")
    if kind not in KINDS:
        raise StudioError(
            f"The scene '{preset.get('id', '?')}' asks for an unknown backdrop kind '{kind}'.",
            hint=f"Use one of: {', '.join(KINDS)}.",
        )
    return proc


def _horizon(proc: dict[str, Any]) -> float:
    return float(min(max(proc.get("horizon", 0.65), 0.3), 0.9))


def _podium(proc: dict[str, Any], size: tuple[int, int]) -> Podium | None:
    if proc.get("kind") != "podium":
        return None
    width, height = size
    rx = min(float(proc.get("podium_width", 0.72)) * width / 2, width * 0.48)
    ry = rx * float(proc.get("podium_tilt", 0.2))
    top_y = float(proc.get("podium_top", 0.745)) * height
    return Podium(
        cx=width / 2,
        top_y=top_y,
        rx=rx,
        ry=ry,
        height=float(proc.get("podium_height", 0.11)) * height,
        tiers=int(proc.get("tiers", 1)),
    )


def floor_line(preset: dict[str, Any], size: tuple[int, int]) -> float:
    """Where the product's bottom should sit by default, as a fraction of the height.

    On a podium: just in front of the centre of its top surface. Elsewhere:
    on the floor, well in front of the horizon. Use it as `Placement.floor_y`.
    """
    proc = _procedural(preset)
    podium = _podium(proc, size)
    if podium is not None:
        return (podium.top_y + 0.3 * podium.ry) / size[1]
    horizon = _horizon(proc)
    return float(min(max(horizon + 0.62 * (1.0 - horizon), 0.7), 0.92))


def _product_zone(preset: dict[str, Any], size: tuple[int, int]) -> Zone:
    width, height = size
    bottom = floor_line(preset, size) * height
    return Zone(cx=width / 2, cy=bottom - 0.31 * height, rx=0.36 * width, ry=0.38 * height)


def white_backdrop(size: tuple[int, int]) -> Image.Image:
    """Pure white (255, 255, 255): what white-background platform rules require."""
    return Image.new("RGB", size, (255, 255, 255))


def _smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _base(proc: dict[str, Any], palette: dict[str, np.ndarray], size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Wall above the horizon, floor below, blended per row; returns (canvas, floor weight per row)."""
    width, height = size
    horizon = _horizon(proc)
    y = (np.arange(height, dtype=np.float32) + 0.5) / height
    wall_t = _smoothstep(0.0, 1.0, np.clip(y / horizon, 0.0, 1.0))[:, None]
    wall = palette["top"] + (palette["bottom"] - palette["top"]) * wall_t
    depth = np.clip((y - horizon) / (1.0 - horizon), 0.0, 1.0)[:, None]
    floor = palette["floor_far"] + (palette["floor"] - palette["floor_far"]) * depth**0.6
    if proc.get("kind") == "gradient":
        # seamless studio sweep: no visible edge where the wall turns into floor
        blend = _smoothstep(horizon - 0.12, horizon + 0.08, y)
    else:
        # a crisp corner reads as a table against a wall; outdoors it is softer
        soft = max(1.2 / height, float(proc.get("horizon_blur", 0.0025)))
        blend = _smoothstep(horizon - soft, horizon + soft, y)
        # a little ambient occlusion where wall meets floor: it reads as depth
        gap = (y - horizon) * height / max(height * 0.03, 1.0)
        occlusion = 1.0 - 0.07 * np.exp(-np.abs(gap)) * np.where(gap > 0, 1.0, 0.5)
        floor = floor * occlusion[:, None]
        wall = wall * occlusion[:, None]
    rows = wall + (floor - wall) * blend[:, None]
    canvas = np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (height, width, 3)), dtype=np.float32)
    return canvas, blend.astype(np.float32)


def _floor_warp(flat: np.ndarray, size: tuple[int, int], horizon: float) -> np.ndarray:
    """Lay a flat texture onto the floor in perspective (far edge narrower); rows below the horizon."""
    import cv2

    width, height = size
    top = int(horizon * height)
    rows = height - top
    tex_h, tex_w = flat.shape[:2]
    src = np.float32([[0, 0], [tex_w, 0], [tex_w, tex_h], [0, tex_h]])
    dst = np.float32([[-0.35 * width, 0], [1.35 * width, 0], [2.1 * width, rows], [-1.1 * width, rows]])
    matrix = cv2.getPerspectiveTransform(src, dst)
    sharp = cv2.warpPerspective(flat, matrix, (width, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    # Far away the texture shrinks below a pixel: fade to a blurred copy (and
    # it reads as depth of field) instead of letting it alias.
    soft_flat = cv2.GaussianBlur(flat, (0, 0), 3.0)
    soft = cv2.warpPerspective(soft_flat, matrix, (width, rows), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    near = np.clip(np.arange(rows, dtype=np.float32) / max(rows * 0.55, 1.0), 0.0, 1.0)[:, None]
    out = np.empty((height, width), np.float32)
    out[:top] = float(np.mean(flat))
    out[top:] = soft + (sharp - soft) * near
    return out


@lru_cache(maxsize=6)
def _flat_texture(name: str, seed: int) -> np.ndarray:
    """The flat texture for a seed: independent of the poster size, so exporting one
    scene at twelve platform sizes draws it once. Read-only (shared by the cache)."""
    rng = np.random.default_rng([seed, 1])
    maker = {"marble": textures.marble, "wood": textures.wood, "mottle": textures.mottle}[name]
    flat = maker(rng)
    flat.setflags(write=False)
    return flat


def _apply_texture(
    canvas: np.ndarray, proc: dict[str, Any], palette: dict[str, np.ndarray], floor_weight: np.ndarray, seed: int
) -> None:
    height, width = canvas.shape[:2]
    size = (width, height)
    horizon = _horizon(proc)
    texture = proc.get("texture")
    floor_w = floor_weight[:, None]
    if texture == "marble":
        veins = _floor_warp(_flat_texture("marble", seed), size, horizon)
        vein_colour = palette["accent"] * 0.55 + palette["floor"] * 0.35
        strength = (veins * 0.65 * floor_w)[..., None]
        canvas += (vein_colour - canvas) * strength
    elif texture == "wood":
        grain = _floor_warp(_flat_texture("wood", seed), size, horizon)
        canvas *= (1.0 + (grain - 0.7) * 0.9 * floor_w)[..., None]
    elif texture == "tiles":
        tile_px = max(width / 6.5, 12.0)
        face = textures.tiles(np.random.default_rng([seed, 1]), size, tile_px)
        canvas *= (1.0 + (face - 1.0) * (1.0 - floor_w))[..., None]
    elif texture == "mottle":
        blotch = _floor_warp(_flat_texture("mottle", seed), size, horizon)
        canvas *= (1.0 + (blotch - 0.5) * 0.22 * floor_w)[..., None]


def _lighting(
    proc: dict[str, Any], palette: dict[str, np.ndarray], size: tuple[int, int], line: float
) -> tuple[np.ndarray, np.ndarray]:
    """Light (screen strength) and vignette (multiplier) fields, computed small then upscaled."""
    import cv2

    width, height = size
    kind = proc.get("kind")
    small_w, small_h = max(width // 8, 16), max(height // 8, 16)
    y = ((np.arange(small_h, dtype=np.float32) + 0.5) / small_h)[:, None]
    x = ((np.arange(small_w, dtype=np.float32) + 0.5) / small_w)[None, :]
    aspect = height / width
    lx, ly = proc.get("light", [0.5, 0.22])
    spot = kind == "spotlight"
    # wall light: a broad elliptical glow around the light position
    reach = 0.55 if spot else 0.75
    d2 = ((x - lx) / reach) ** 2 + ((y - ly) * aspect / reach) ** 2
    light = (0.42 if spot else 0.22 if kind != "gradient" else 0.10) * np.exp(-d2 * 2.0)
    horizon = _horizon(proc)
    if spot or kind == "podium":
        # a pool of light on the floor where the product stands
        pool = np.exp(-(((x - 0.5) / 0.36) ** 2 + ((y - line) * aspect / 0.12) ** 2) * 1.6)
        light = light + (0.32 if spot else 0.12) * pool * (y > horizon - 0.01)
    if spot and proc.get("beam", True):
        # a faint cone from above down to the pool
        half = 0.10 + 0.22 * np.clip(y / line, 0, 1)
        cone = np.clip(1.0 - np.abs(x - 0.5) / half, 0.0, 1.0) ** 1.5 * np.clip(1.2 - y / line, 0, 1)
        light = light + 0.10 * cone
    edge = ((x - 0.5) * 2.0) ** 2 + ((y - 0.5) * 2.0) ** 2
    vignette = 1.0 - (0.42 if spot else 0.10) * np.clip(edge / 2.0, 0.0, 1.0) ** 1.2
    light_full = cv2.resize(light.astype(np.float32), size, interpolation=cv2.INTER_CUBIC)
    vignette_full = cv2.resize(vignette.astype(np.float32), size, interpolation=cv2.INTER_CUBIC)
    return np.clip(light_full, 0.0, 1.0), vignette_full


def _horizon_line(canvas: np.ndarray, palette: dict[str, np.ndarray], horizon: float) -> None:
    height, width = canvas.shape[:2]
    row = int(horizon * height)
    thickness = max(height // 900, 1)
    x = (np.arange(width, dtype=np.float32) + 0.5) / width
    fade = np.exp(-(((x - 0.5) / 0.28) ** 2))[:, None] * 0.55
    for offset in range(-thickness, thickness + 1):
        weight = fade * (1.0 if offset == 0 else 0.4)
        r = row + offset
        if 0 <= r < height:
            canvas[r] += (palette["accent"] - canvas[r]) * weight


NOISE_TILE = 256


def _finish(canvas: np.ndarray, rng: np.random.Generator, grain: float) -> Image.Image:
    """Fine luminance grain plus triangular dither (about ±1 level), then 8 bits.

    The noise is one seeded 256² tile repeated: at this amplitude no one can
    see the repeat, and it costs a fraction of full-size random numbers.
    """
    height, width = canvas.shape[:2]
    tile = rng.random((NOISE_TILE, NOISE_TILE), dtype=np.float32)
    tile -= rng.random((NOISE_TILE, NOISE_TILE), dtype=np.float32)
    tile *= 1.0 + grain
    tile += 0.5  # so that truncation below rounds to nearest
    reps = (height // NOISE_TILE + 1, width // NOISE_TILE + 1)
    noise = np.tile(tile, reps)[:height, :width]
    canvas *= 255.0
    canvas += noise[..., None]
    np.clip(canvas, 0.0, 255.0, out=canvas)
    return Image.fromarray(canvas.astype(np.uint8), "RGB")


def render_backdrop(preset: dict[str, Any], size: tuple[int, int], seed: int = 0) -> Image.Image:
    """Draw a scene preset's procedural backdrop: RGB, exactly `size`, same seed → same pixels."""
    width, height = int(size[0]), int(size[1])
    if width < 16 or height < 16:
        raise StudioError("The poster size is too small.", hint=f"Got {width}×{height} pixels.")
    size = (width, height)
    proc = vary_procedural(_procedural(preset), seed)  # each seed its own light, palette and props
    palette = _palette(proc)
    # separate streams: the texture (cached per seed), the accents, the grain
    rng = np.random.default_rng([seed, 2])
    horizon = _horizon(proc)
    line = floor_line(preset, size)
    ctx = Context(zone=_product_zone(preset, size), horizon=horizon, light=tuple(proc.get("light", [0.5, 0.22])))  # type: ignore[arg-type]
    patterns = proc.get("pattern") or []
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)

    canvas, floor_weight = _base(proc, palette, size)
    _apply_texture(canvas, proc, palette, floor_weight, seed)
    for name in patterns:
        if name in BACK_PATTERNS:
            PATTERNS[name](canvas, palette, rng, ctx)
    if proc.get("horizon_line"):
        _horizon_line(canvas, palette, horizon)
    if proc.get("arch"):
        draw_arch(canvas, palette, horizon)
    podium = _podium(proc, size)
    if podium is not None:
        draw_podium(canvas, palette, podium)
    light, vignette = _lighting(proc, palette, size, line)
    # vignette, then screen the light in: out = 1 - (1 - c·v)(1 - L·colour), in place
    canvas *= vignette[..., None]
    np.subtract(1.0, canvas, out=canvas)
    for channel in range(3):
        canvas[..., channel] *= 1.0 - light * float(palette["light_color"][channel])
    np.subtract(1.0, canvas, out=canvas)
    for name in patterns:
        if name not in BACK_PATTERNS:
            if name not in PATTERNS:
                raise StudioError(f"Unknown scene pattern '{name}'.", hint=f"Use one of: {', '.join(PATTERNS)}.")
            PATTERNS[name](canvas, palette, rng, ctx)
    np.clip(canvas, 0.0, 1.0, out=canvas)
    return _finish(canvas, np.random.default_rng([seed, 3]), float(proc.get("grain", 0.6)))
