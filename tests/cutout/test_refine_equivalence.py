"""The faster mask refinement gives exactly the pixels of the plain scipy version it replaced.

The `_reference_*` functions below are the earlier implementations (whole photo,
scipy only), kept here as the specification: drop_islands and fill_holes now
work on the product's bounding box with OpenCV's connected components, and
solidify_interior erodes with OpenCV.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from PIL import Image
from scipy import ndimage

from studio.cutout.refine import (
    MAIN_OBJECT_PEER_FRACTION,
    OPAQUE_LEVEL,
    SOLID_LEVEL,
    SUPPORT_LEVEL,
    drop_islands,
    feather,
    fill_holes,
    refine_mask,
    shift_edge,
    solidify_interior,
)
from studio.recipe import CutoutSettings
from tests.cutout.test_refine_properties import masks

MANY = hyp_settings(max_examples=150, deadline=None)


def _reference_solidify(mask: Image.Image, inset_px: int = 3) -> Image.Image:
    alpha = np.asarray(mask.convert("L"), dtype=np.uint8)
    inner = ndimage.binary_erosion(alpha >= SOLID_LEVEL, iterations=inset_px, border_value=1)
    return Image.fromarray(np.where(inner, 255, alpha).astype(np.uint8), "L")


def _reference_drop_islands(alpha: np.ndarray, min_fraction: float, keep_main_object: bool) -> np.ndarray:
    support = alpha > SUPPORT_LEVEL
    labels, count = ndimage.label(support, structure=np.ones((3, 3), bool))
    out = np.where(support, alpha, 0).astype(np.uint8)
    if count == 0:
        return out
    weights = ndimage.sum_labels(alpha.astype(np.float64) / 255.0, labels, index=np.arange(1, count + 1))
    keep = weights >= min_fraction * alpha.size
    if keep_main_object:
        keep &= weights >= MAIN_OBJECT_PEER_FRACTION * weights.max()
    if not keep.any():
        keep[int(np.argmax(weights))] = True
    kept = np.concatenate([[False], keep])[labels]
    out[~kept] = 0
    return out


def _reference_fill_holes(alpha: np.ndarray, max_hole_fraction: float, *, fill_all: bool) -> np.ndarray:
    solid = alpha > SOLID_LEVEL
    holes = ndimage.binary_fill_holes(solid) & ~solid
    if not holes.any():
        return alpha
    if not fill_all:
        labels, count = ndimage.label(holes)
        sizes = ndimage.sum_labels(holes, labels, index=np.arange(1, count + 1))
        small = np.concatenate([[False], sizes < max_hole_fraction * alpha.size])
        holes = small[labels]
    out = alpha.copy()
    out[holes] = 255
    return out


def _reference_refine(mask: Image.Image, s: CutoutSettings) -> np.ndarray:
    alpha = np.asarray(mask.convert("L"), dtype=np.uint8)
    alpha = np.where(alpha >= OPAQUE_LEVEL, 255, alpha).astype(np.uint8)
    alpha = _reference_drop_islands(alpha, s.min_island_fraction, s.keep_main_object)
    alpha = _reference_fill_holes(alpha, s.max_hole_fraction, fill_all=s.fill_holes)
    return feather(shift_edge(alpha, s.edge_shift_px), s.feather_px)


@MANY
@given(masks(), st.sampled_from([0.0, 0.002, 0.02, 0.2, 0.6]), st.booleans())
def test_drop_islands_matches_scipy(alpha: np.ndarray, fraction: float, main_only: bool) -> None:
    assert np.array_equal(drop_islands(alpha, fraction, main_only), _reference_drop_islands(alpha, fraction, main_only))


@MANY
@given(masks(), st.sampled_from([0.0, 0.0005, 0.001, 0.01, 0.5]), st.booleans())
def test_fill_holes_matches_scipy(alpha: np.ndarray, fraction: float, fill_all: bool) -> None:
    assert np.array_equal(
        fill_holes(alpha, fraction, fill_all=fill_all), _reference_fill_holes(alpha, fraction, fill_all=fill_all)
    )


@MANY
@given(masks(), st.integers(0, 6))
def test_solidify_interior_matches_scipy(alpha: np.ndarray, inset: int) -> None:
    mask = Image.fromarray(alpha, "L")
    assert np.array_equal(np.asarray(solidify_interior(mask, inset)), np.asarray(_reference_solidify(mask, inset)))


@hyp_settings(max_examples=60, deadline=None)
@given(masks(), st.integers(-3, 3), st.sampled_from([0.0, 1.5]), st.booleans(), st.booleans())
def test_refine_mask_matches_scipy(alpha: np.ndarray, shift: int, feather_px: float, keep: bool, fill: bool) -> None:
    s = CutoutSettings(edge_shift_px=shift, feather_px=feather_px, keep_main_object=keep, fill_holes=fill)
    mask = Image.fromarray(alpha, "L")
    assert np.array_equal(np.asarray(refine_mask(mask, s)), _reference_refine(mask, s))


def test_tied_pieces_keep_the_one_scipy_numbers_first() -> None:
    """No piece is big enough and two weigh the same: the one starting first, row by row, stays.

    scipy numbers the upper-right speck first; OpenCV (which scans 2×2 blocks) the lower-left one.
    """
    alpha = np.zeros((40, 40), np.uint8)
    alpha[2:4, 30:32] = 200  # starts on row 2
    alpha[3:5, 2:4] = 200  # starts on row 3, further left
    alpha[20:22, 20:21] = 100  # lighter
    out = drop_islands(alpha, 0.5, keep_main_object=True)
    assert np.array_equal(out, _reference_drop_islands(alpha, 0.5, keep_main_object=True))
    assert out[2, 30] == 200 and out[3, 2] == 0 and out[20, 20] == 0


@pytest.mark.parametrize("opening", [False, True])
def test_hole_next_to_the_photo_border(opening: bool) -> None:
    """A ring touching the left border: its inside is a hole, unless a gap opens it to the border."""
    alpha = np.zeros((30, 30), np.uint8)
    alpha[5:20, 0:15] = 255
    alpha[8:17, 3:12] = 0  # the ring's inside
    if opening:
        alpha[11:13, 0:3] = 0  # a gap through the ring's left side, out of the photo
    out = fill_holes(alpha, 0.5, fill_all=False)
    assert np.array_equal(out, _reference_fill_holes(alpha, 0.5, fill_all=False))
    assert (out[10, 6] == 255) != opening


def test_solidify_keeps_a_product_cut_by_the_frame_solid() -> None:
    """Outside the photo counts as product, as scipy's border_value=1 says: no erosion along the frame."""
    alpha = np.zeros((20, 20), np.uint8)
    alpha[:, :10] = 200
    out = np.asarray(solidify_interior(Image.fromarray(alpha, "L"), 3))
    assert np.array_equal(out, np.asarray(_reference_solidify(Image.fromarray(alpha, "L"), 3)))
    assert out[0, 0] == 255 and out[10, 6] == 255 and out[10, 7] == 200


def test_a_diagonal_gap_does_not_open_a_hole() -> None:
    """Holes are 4-connected, as binary_fill_holes says: a corner-to-corner gap still encloses."""
    alpha = np.zeros((12, 12), np.uint8)
    alpha[3:6, 3:6] = 255
    alpha[4, 4] = 0  # the hole
    alpha[5, 5] = 0  # the ring's corner missing: the hole touches the outside only diagonally
    out = fill_holes(alpha, 0.5, fill_all=False)
    assert np.array_equal(out, _reference_fill_holes(alpha, 0.5, fill_all=False))
    assert out[4, 4] == 255 and out[5, 5] == 0
