"""Tiny-model fixtures shared by the model and scene tests (import them into a test module).

The tiny models are built once per test session under pytest's session temp
folder (ensure_tiny_models is idempotent), through the same save/load code a
real model takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from studio.layers import PlacedProduct
from studio.models.manager import ModelManager
from studio.models.tiny import ensure_tiny_models
from studio.settings import Settings


@pytest.fixture(scope="session")
def tiny_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache folder that holds the tiny-sd15 models, built on first use in this session."""
    cache = tmp_path_factory.getbasetemp() / "studio-cache"
    ensure_tiny_models(cache)
    return cache


@pytest.fixture(scope="session")
def tiny_settings(tiny_cache_dir: Path) -> Settings:
    return Settings(profile="tiny", cache_dir=tiny_cache_dir, device="cpu", open_browser=False)


@pytest.fixture(scope="module")
def tiny_manager(tiny_settings: Settings) -> ModelManager:
    """One manager per module, so the tiny pipeline loads once per module."""
    return ModelManager(tiny_settings)


def place_on_canvas(rgba: Image.Image, canvas: tuple[int, int], top_left: tuple[int, int]) -> PlacedProduct:
    """A PlacedProduct with `rgba` pasted at `top_left` on a transparent canvas."""
    layer = Image.new("RGBA", canvas, (0, 0, 0, 0))
    layer.paste(rgba, top_left, rgba)
    box = layer.getchannel("A").getbbox()
    assert box is not None
    return PlacedProduct(rgba=layer, box=tuple(box))  # type: ignore[arg-type]
