"""Control images hold the placed product's edges and nothing else."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from studio.errors import StudioError
from studio.layers import Cutout, PlacedProduct
from studio.scene.control import EDGE_MARGIN_PX, make_control_image
from tests.models.fixtures import place_on_canvas


@pytest.fixture
def placed_bottle(bottle_cutout: Cutout) -> PlacedProduct:
    return place_on_canvas(bottle_cutout.rgba, (800, 900), (300, 240))


def test_control_image_is_rgb_canvas_sized(placed_bottle: PlacedProduct, artifacts_dir: Path) -> None:
    control = make_control_image(placed_bottle)
    control.save(artifacts_dir / "control_canny.png")
    assert control.mode == "RGB" and control.size == (800, 900)
    values = np.unique(np.asarray(control))
    assert set(values.tolist()) <= {0, 255}


def test_edges_lie_on_or_near_the_product(placed_bottle: PlacedProduct) -> None:
    edges = np.asarray(make_control_image(placed_bottle))[..., 0] > 0
    alpha = np.asarray(placed_bottle.rgba.getchannel("A")) > 0
    distance_to_product = ndimage.distance_transform_edt(~alpha)
    assert edges.sum() > 500
    assert distance_to_product[edges].max() <= EDGE_MARGIN_PX + 0.5


def test_outline_is_traced(placed_bottle: PlacedProduct) -> None:
    edges = np.asarray(make_control_image(placed_bottle))[..., 0] > 0
    alpha = np.asarray(placed_bottle.rgba.getchannel("A")) >= 128
    boundary = alpha & ~ndimage.binary_erosion(alpha)
    near_edge = ndimage.binary_dilation(edges, iterations=2)
    assert near_edge[boundary].mean() > 0.95


def test_a_white_product_on_a_white_canvas_still_has_its_outline() -> None:
    white = Image.new("RGBA", (200, 300), (255, 255, 255, 255))
    placed = place_on_canvas(white, (512, 512), (150, 100))
    edges = np.asarray(make_control_image(placed))[..., 0] > 0
    assert edges[100:400, 148:153].any() and edges[100:400, 348:353].any()
    assert not edges[:, :140].any()


def test_thresholds_change_the_interior_edges(placed_bottle: PlacedProduct) -> None:
    loose = np.asarray(make_control_image(placed_bottle, low=20, high=60))[..., 0] > 0
    strict = np.asarray(make_control_image(placed_bottle, low=200, high=400))[..., 0] > 0
    assert loose.sum() > strict.sum()


def test_empty_canvas_is_refused() -> None:
    empty = PlacedProduct(rgba=Image.new("RGBA", (64, 64)), box=(0, 0, 0, 0))
    with pytest.raises(StudioError, match="not on the canvas"):
        make_control_image(empty)


def test_bad_thresholds_are_refused(placed_bottle: PlacedProduct) -> None:
    with pytest.raises(StudioError):
        make_control_image(placed_bottle, low=200, high=100)


@pytest.mark.slow
def test_depth_without_the_annotator_is_a_clear_error(placed_bottle: PlacedProduct) -> None:
    # HF_HUB_OFFLINE=1 (tests/conftest.py): the MiDaS weights cannot be fetched.
    with pytest.raises(StudioError, match="Depth control") as caught:
        make_control_image(placed_bottle, "depth")
    assert "canny" in caught.value.hint
