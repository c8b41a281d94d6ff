"""Backgrounds and a composited product for the text tests (no model needed)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.recipe import Box
from tests.conftest import make_bottle_cutout

SIZES = {"1:1": (800, 800), "3:4": (750, 1000), "9:16": (720, 1280)}


def background(kind: str, size: tuple[int, int], seed: int = 0) -> Image.Image:
    w, h = size
    if kind == "light":
        y = np.linspace(0, 1, h)[:, None, None]
        arr = (1 - y) * np.array([246, 242, 236]) + y * np.array([226, 218, 206])
        return Image.fromarray(np.repeat(arr, w, axis=1).astype(np.uint8))
    if kind == "dark":
        y = np.linspace(0, 1, h)[:, None, None]
        arr = (1 - y) * np.array([28, 30, 44]) + y * np.array([58, 40, 52])
        return Image.fromarray(np.repeat(arr, w, axis=1).astype(np.uint8))
    if kind == "noise":
        rng = np.random.default_rng(seed)
        return Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8))
    from skimage import data

    photo = {"astronaut": data.astronaut, "coffee": data.coffee, "chelsea": data.chelsea}[kind]()
    img = Image.fromarray(photo).convert("RGB")
    scale = max(w / img.width, h / img.height)
    img = img.resize((int(np.ceil(img.width * scale)), int(np.ceil(img.height * scale))), Image.BICUBIC)
    left, top = (img.width - w) // 2, (img.height - h) // 2
    return img.crop((left, top, left + w, top + h))


def with_product(
    bg: Image.Image, center_x: float = 0.5, floor_y: float = 0.9, scale: float = 0.55
) -> tuple[Image.Image, Box]:
    """The synthetic bottle composited like the scene step would, and its box."""
    cut = make_bottle_cutout()
    product = cut.rgba.crop(cut.box)
    w, h = bg.size
    s = min(scale * w / product.width, scale * h / product.height)
    product = product.resize((max(1, int(product.width * s)), max(1, int(product.height * s))), Image.LANCZOS)
    x = int(center_x * w - product.width / 2)
    y = int(floor_y * h - product.height)
    x = min(max(0, x), w - product.width)
    y = min(max(0, y), h - product.height)
    out = bg.convert("RGBA")
    out.alpha_composite(product, (x, y))
    return out.convert("RGB"), (x, y, x + product.width, y + product.height)
