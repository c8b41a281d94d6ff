"""Contact shadow and reflection: grounded under the product, never floating."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.layers import Cutout
from studio.recipe import Placement
from studio.scene.placement import place_product
from studio.scene.shadow import contact_shadow, reflection

SIZE = (600, 800)


@pytest.fixture
def placed(bottle_cutout):
    return place_product(bottle_cutout, Placement(floor_y=0.8, scale=0.6), SIZE)


def test_shadow_lies_under_the_product(placed) -> None:
    shadow = np.asarray(contact_shadow(placed, SIZE), np.float64)
    assert shadow.shape == (SIZE[1], SIZE[0])
    x0, y0, x1, y1 = placed.box
    total = shadow.sum()
    assert total > 0
    rows = np.arange(SIZE[1])[:, None]
    cols = np.arange(SIZE[0])[None, :]
    mass_y = (shadow * rows).sum() / total
    mass_x = (shadow * cols).sum() / total
    assert mass_y > (y0 + y1) / 2  # below the product's centre…
    assert abs(mass_y - y1) < (y1 - y0) * 0.1  # …near its base
    assert abs(mass_x - (x0 + x1) / 2) < (x1 - x0) * 0.1
    assert shadow[:y0].max() == 0  # nothing above the product's top
    # the darkest part hugs the contact line; it fades out below
    peak_row = int(np.argmax(shadow.max(axis=1)))
    assert abs(peak_row - y1) <= max(3, (y1 - y0) * 0.02)
    assert shadow[min(y1 + (y1 - y0) // 3, SIZE[1] - 1)].max() < 10
    # a soft falloff a little wider than the product, not a huge blob
    wide = np.nonzero(shadow.max(axis=0) > 8)[0]
    assert x0 - (x1 - x0) * 0.6 < wide.min() < x0 + 5 and x1 - 5 < wide.max() < x1 + (x1 - x0) * 0.6


def test_strength_scales_opacity(placed) -> None:
    strong = np.asarray(contact_shadow(placed, SIZE, strength=0.9), np.float64)
    weak = np.asarray(contact_shadow(placed, SIZE, strength=0.3), np.float64)
    none = np.asarray(contact_shadow(placed, SIZE, strength=0.0))
    assert strong.max() > weak.max() * 2 and none.max() == 0
    assert strong.max() <= 255


def test_footprint_not_silhouette() -> None:
    """A table with two legs: the contact core is under the legs, lighter between them."""
    rgba = Image.new("RGBA", (300, 200))
    draw = ImageDraw.Draw(rgba)
    draw.rectangle([0, 0, 299, 40], fill=(120, 80, 40, 255))  # top
    draw.rectangle([10, 40, 40, 199], fill=(120, 80, 40, 255))  # left leg
    draw.rectangle([259, 40, 289, 199], fill=(120, 80, 40, 255))  # right leg
    table = Cutout(rgba=rgba, box=rgba.getchannel("A").getbbox())
    size = (600, 600)
    placed = place_product(table, Placement(floor_y=0.8, scale=0.8), size)
    shadow = np.asarray(contact_shadow(placed, size), np.float64)
    x0, _, x1, y1 = placed.box
    row = shadow[y1 - 1]
    width = x1 - x0
    leg = row[x0 + int(width * 0.04) : x0 + int(width * 0.12)].max()
    middle = row[x0 + int(width * 0.45) : x0 + int(width * 0.55)].max()
    assert leg > middle * 1.8


def test_reflection_is_below_and_fades(placed) -> None:
    mirror = reflection(placed, SIZE, opacity=0.3)
    assert mirror.size == SIZE and mirror.mode == "RGBA"
    alpha = np.asarray(mirror)[..., 3].astype(np.float64)
    x0, y0, x1, y1 = placed.box
    assert alpha[: y1 - 3].max() == 0
    assert alpha.max() <= 0.3 * 255 + 1
    near = alpha[y1 + 2 : y1 + 12].mean()
    far = alpha[y1 + 100 : y1 + 110].mean()
    assert near > far * 2
