"""Posters for export tests, made with plain PIL: a backdrop, the synthetic bottle pasted at final size."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from studio.layers import Poster
from studio.presets import Platform, get_platform
from studio.recipe import Recipe
from tests.conftest import make_bottle_cutout

MakePoster = Callable[..., tuple[Poster, Image.Image]]


def paste_bottle(canvas: Image.Image, scale: float = 1.0) -> tuple[Image.Image, tuple[int, int, int, int], Image.Image]:
    """The bottle pasted in the middle; returns (poster image, product box, canvas-sized product RGBA)."""
    cutout = make_bottle_cutout()
    rgba = cutout.rgba
    if scale != 1.0:
        rgba = rgba.resize((max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale))), Image.LANCZOS)
    x0, y0 = (canvas.width - rgba.width) // 2, (canvas.height - rgba.height) // 2
    placed = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    placed.paste(rgba, (x0, y0))
    image = canvas.convert("RGB")
    image.paste(rgba, (x0, y0), rgba)
    box = placed.getchannel("A").getbbox()
    assert box is not None
    return image, tuple(box), placed  # type: ignore[return-value]


@pytest.fixture
def make_poster() -> MakePoster:
    def make(platform: Platform | str, *, background=(232, 205, 186), scale: float = 1.0, noise: bool = False):
        platform = get_platform(platform) if isinstance(platform, str) else platform
        if noise:
            rng = np.random.default_rng(3)
            # Busy texture (±32 around grey): about 5.6 MB at quality 95, 0.9 MB at 60 for 2000×2000.
            texture = 128 + rng.integers(-32, 32, (platform.height, platform.width, 3))
            canvas = Image.fromarray(texture.astype(np.uint8))
        else:
            canvas = Image.new("RGB", platform.size, background)
        image, box, placed = paste_bottle(canvas, scale)
        return Poster(image=image, platform=platform.id, product_box=box), placed

    return make


@pytest.fixture
def recipe() -> Recipe:
    r = Recipe(variant="A")
    r.export.sku = "SKU42"
    r.scene.seed = 1234
    r.scene.prompt = "warm morning light"
    r.copy_text.headline = "双11 限时特惠"
    return r
