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


def _outline_reached(control: np.ndarray, alpha: np.ndarray) -> float:
    """Share of the product's outline (at this size) that has a control line within 1 px."""
    solid = alpha >= 128
    outline = solid & ~ndimage.binary_erosion(solid)
    lines = ndimage.binary_dilation(control > 0, iterations=1)
    return float(lines[outline].mean())


def test_control_lines_stay_connected_at_every_platform_working_size() -> None:
    """As connected as a Canny map made at that size: the 1-px outline reaches the ControlNet whole."""
    from studio.models.profiles import PROFILES, working_size
    from studio.presets import all_presets, get_platform
    from studio.scene.control import product_edges
    from studio.scene.generate import scene_inputs
    from tests.conftest import make_bottle_cutout

    sizes = {get_platform(pid).size: pid for pid in all_presets("platforms")}  # each distinct size once
    for size, pid in sizes.items():
        bottle = make_bottle_cutout(width=size[0] // 3, height=size[1] // 2)
        placed = place_on_canvas(bottle.rgba, size, (size[0] // 3, size[1] // 4))
        for profile in ("sd15", "sdxl"):
            work = working_size(size, PROFILES[profile])
            _, _, control = scene_inputs(placed, work)  # what generate_scenes gives the ControlNet
            alpha = np.asarray(placed.rgba.getchannel("A").resize(work, Image.Resampling.LANCZOS))
            reached = _outline_reached(np.asarray(control.convert("L")), alpha)
            reference = placed.rgba.resize(work, Image.Resampling.LANCZOS)
            made_there = _outline_reached(product_edges(reference), alpha)
            assert reached >= min(0.97, made_there - 0.01), (pid, profile, reached, made_there)
            eight = np.ones((3, 3))
            count = ndimage.label(np.asarray(control.convert("L")) > 0, structure=eight)[1]
            count_there = ndimage.label(product_edges(reference) > 0, structure=eight)[1]
            assert count <= count_there + 2, (pid, profile, count, count_there)  # lines, not dots


def test_a_canvas_sized_map_is_shrunk_without_losing_lines(placed_bottle: PlacedProduct) -> None:
    from studio.scene.control import shrink_edges

    big = make_control_image(placed_bottle)
    small = shrink_edges(big, (256, 288))
    alpha = np.asarray(placed_bottle.rgba.getchannel("A").resize((256, 288), Image.Resampling.LANCZOS))
    assert _outline_reached(np.asarray(small.convert("L")), alpha) >= 0.97
    dotted = big.resize((256, 288), Image.Resampling.NEAREST)  # what the old path did
    assert _outline_reached(np.asarray(dotted.convert("L")), alpha) < 0.9  # the check can fail
