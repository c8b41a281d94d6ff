"""Price bands, like buttons and badges, keep ≥ 3:1 against the scene behind them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from studio.text.bands import BAND_COLOURS, draw_bands
from studio.text.contrast import contrast

SIZE = (400, 400)
TEMPLATE = {"groups": [{"elements": ["price"], "band": "dark"}, {"elements": ["headline"], "band": "accent"}]}


def _plan() -> SimpleNamespace:
    placed = [
        SimpleNamespace(piece=SimpleNamespace(name="price"), box=(40, 330, 360, 380)),
        SimpleNamespace(piece=SimpleNamespace(name="headline"), box=(40, 20, 360, 70)),
    ]
    return SimpleNamespace(placed=placed)


def _band_colours(scene: tuple[int, int, int], accent: tuple[int, int, int] | None):
    background = Image.new("RGB", SIZE, scene)
    layers, banded = draw_bands(TEMPLATE, _plan(), background, (150, 120, 250, 300), (0, 0, *SIZE), accent)
    return {layer.name: layer.rgba.getpixel((2, 2))[:3] for layer in layers}, banded


@pytest.mark.parametrize("scene", [(24, 20, 26), (200, 30, 40), (250, 250, 250)])
def test_bands_stand_out_from_the_scene(scene) -> None:
    colours, banded = _band_colours(scene, None)
    assert set(colours) == {"band_1", "band_2"}
    for name, colour in colours.items():
        assert contrast(colour, scene) >= 3.0, (name, colour, scene)
    assert tuple(np.asarray(banded)[350, 200]) == colours["band_1"]  # the copy is painted over the same colour


def test_a_dark_band_on_a_light_scene_keeps_its_colour_and_an_explicit_accent_is_kept() -> None:
    colours, _ = _band_colours((250, 250, 250), (200, 30, 40))
    assert colours["band_1"] == BAND_COLOURS["dark"]
    assert colours["band_2"] == (200, 30, 40)  # the seller's own colour, as for buttons
    red_on_red, _ = _band_colours((200, 30, 40), (200, 30, 40))
    assert red_on_red["band_2"] == (200, 30, 40)
