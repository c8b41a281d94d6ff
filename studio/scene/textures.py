"""Surface textures for procedural backdrops: noise, marble, wood, tiles.

Each texture is made flat (as if seen from straight above) at a fixed working
size, so its cost does not grow with the poster; backdrop.py lays it onto the
floor in perspective with one warp. Values are floats around 0..1.
"""

from __future__ import annotations

import numpy as np

TEXTURE_SIZE = (1024, 640)  # width, height of the flat texture plane


def value_noise(rng: np.random.Generator, shape: tuple[int, int], cells: tuple[int, int]) -> np.ndarray:
    """Smooth noise in 0..1: a random grid of `cells` (x, y) upsampled bicubically to `shape` (h, w)."""
    import cv2

    grid = rng.random((cells[1] + 3, cells[0] + 3), dtype=np.float32)
    big = cv2.resize(grid, (shape[1] + 0, shape[0] + 0), interpolation=cv2.INTER_CUBIC)
    return big


def fbm(rng: np.random.Generator, shape: tuple[int, int], base_cells: tuple[int, int], octaves: int = 5) -> np.ndarray:
    """Fractal noise (sum of octaves, each half as strong), normalised to 0..1."""
    total = np.zeros(shape, np.float32)
    amplitude, norm = 1.0, 0.0
    cx, cy = base_cells
    for _ in range(octaves):
        total += amplitude * value_noise(rng, shape, (cx, cy))
        norm += amplitude
        amplitude *= 0.5
        cx, cy = cx * 2, cy * 2
    total /= norm
    low, high = float(total.min()), float(total.max())
    return (total - low) / max(high - low, 1e-6)


def marble(rng: np.random.Generator) -> np.ndarray:
    """Vein strength 0..1 (0 = plain stone): broad soft veins plus a few thin sharp ones."""
    width, height = TEXTURE_SIZE
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    x /= width
    y /= height
    angle = rng.uniform(-0.5, 0.5) + 0.6
    direction = x * np.cos(angle) + y * np.sin(angle)
    # Long meandering veins: a diagonal sine bent by fractal noise.
    turbulence = fbm(rng, (height, width), (3, 2), octaves=6)
    broad = 1.0 - np.abs(np.sin(np.pi * (direction * 1.6 + turbulence * 1.7)))
    detail = fbm(rng, (height, width), (5, 4), octaves=6)
    thin = 1.0 - np.abs(np.sin(np.pi * (direction * 2.3 + turbulence * 1.2 + detail * 0.9 + 0.37)))
    cloud = fbm(rng, (height, width), (6, 4), octaves=4)
    veins = 0.30 * broad**5 + 0.70 * thin**40 + 0.10 * (cloud - 0.5)
    return np.clip(veins, 0.0, 1.0)


def wood(rng: np.random.Generator, boards: int = 5) -> np.ndarray:
    """Lightness 0..1 of planks running left-right: grain, per-board tone and thin seams."""
    width, height = TEXTURE_SIZE
    y = np.arange(height, dtype=np.float32)[:, None] / height
    board_h = 1.0 / boards
    board_index = np.minimum((y / board_h).astype(int), boards - 1)
    tone = rng.uniform(-0.08, 0.08, boards).astype(np.float32)[board_index]
    # Grain: noise stretched along the board (few cells in x, many in y).
    warp = fbm(rng, (height, width), (3, 40), octaves=4)
    offsets = rng.uniform(0, 10, boards).astype(np.float32)[board_index]
    rings = np.sin(2 * np.pi * (y * 46.0 + warp * 3.0 + offsets))
    grain = 0.5 + 0.5 * rings
    fine = value_noise(rng, (height, width), (10, 260))  # streaks along the board
    lightness = 0.62 + 0.22 * grain**3 + 0.10 * (fine - 0.5) + tone
    in_board = (y / board_h) % 1.0
    seam = np.exp(-(((np.minimum(in_board, 1.0 - in_board)) * board_h * height / 1.6) ** 2))
    lightness = lightness * (1.0 - 0.45 * seam)
    return np.clip(lightness, 0.0, 1.0)


def tiles(rng: np.random.Generator, size: tuple[int, int], tile_px: float) -> np.ndarray:
    """Wall tiles seen face-on at canvas `size`: 1 on tiles (with slight per-tile variation), lower in grout."""
    width, height = size
    x = np.arange(width, dtype=np.float32)[None, :]
    y = np.arange(height, dtype=np.float32)[:, None]
    grout_half = max(tile_px * 0.02, 0.8)
    fx = np.abs(((x + tile_px / 2) % tile_px) - tile_px / 2)
    fy = np.abs(((y + tile_px / 2) % tile_px) - tile_px / 2)
    line_x = np.clip(fx - grout_half + 0.5, 0.0, 1.0)
    line_y = np.clip(fy - grout_half + 0.5, 0.0, 1.0)
    on_tile = line_x * line_y
    cols, rows = int(width / tile_px) + 2, int(height / tile_px) + 2
    variation = rng.uniform(-0.006, 0.006, (rows, cols)).astype(np.float32)
    ix = np.clip(((x + tile_px / 2) // tile_px).astype(int), 0, cols - 1)
    iy = np.clip(((y + tile_px / 2) // tile_px).astype(int), 0, rows - 1)
    # A soft glaze highlight near each tile's upper-left corner.
    sheen = 0.006 * (1.0 - np.clip((fx + fy) / tile_px, 0.0, 1.0))
    return 0.93 + 0.07 * on_tile + (variation[iy, ix] + sheen) * on_tile


def mottle(rng: np.random.Generator) -> np.ndarray:
    """Gentle blotches (stone, moss, concrete) around 0.5."""
    width, height = TEXTURE_SIZE
    return fbm(rng, (height, width), (8, 5), octaves=5)
