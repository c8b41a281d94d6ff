"""Helpers for the model and scene tests. The tiny-model fixtures live in tests/conftest.py."""

from __future__ import annotations

from PIL import Image

from studio.layers import PlacedProduct


def place_on_canvas(rgba: Image.Image, canvas: tuple[int, int], top_left: tuple[int, int]) -> PlacedProduct:
    """A PlacedProduct with `rgba` pasted at `top_left` on a transparent canvas."""
    layer = Image.new("RGBA", canvas, (0, 0, 0, 0))
    layer.paste(rgba, top_left, rgba)
    box = layer.getchannel("A").getbbox()
    assert box is not None
    return PlacedProduct(rgba=layer, box=tuple(box))  # type: ignore[arg-type]
