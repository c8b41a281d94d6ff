"""Every refinement control moves the mask the way its name says (hypothesis property tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from studio.cutout.refine import drop_islands, feather, fill_holes, refine_mask, shift_edge
from studio.recipe import CutoutSettings

SIZE = 64
FAST = hyp_settings(max_examples=40, deadline=None)


@st.composite
def masks(draw: st.DrawFn) -> np.ndarray:
    """A soft-edged product mask: a few ellipses and boxes, some holes, some specks."""
    img = Image.new("L", (SIZE, SIZE), 0)
    d = ImageDraw.Draw(img)
    for _ in range(draw(st.integers(1, 4))):
        x0, y0 = draw(st.integers(0, SIZE - 8)), draw(st.integers(0, SIZE - 8))
        x1, y1 = x0 + draw(st.integers(4, SIZE - x0)), y0 + draw(st.integers(4, SIZE - y0))
        value = draw(st.sampled_from([255, 255, 200]))
        (d.ellipse if draw(st.booleans()) else d.rectangle)([x0, y0, x1 - 1, y1 - 1], fill=value)
    for _ in range(draw(st.integers(0, 3))):  # holes and specks
        x, y, r = draw(st.integers(0, SIZE - 1)), draw(st.integers(0, SIZE - 1)), draw(st.integers(0, 4))
        d.ellipse([x - r, y - r, x + r, y + r], fill=draw(st.sampled_from([0, 255])))
    arr = np.asarray(img, dtype=np.float64)
    if draw(st.booleans()):  # a soft edge like a model's output
        from scipy import ndimage

        arr = ndimage.gaussian_filter(arr, draw(st.floats(0.5, 2.0)))
    return np.clip(np.rint(arr), 0, 255).astype(np.uint8)


@FAST
@given(masks(), st.integers(1, 8))
def test_positive_edge_shift_only_grows(alpha: np.ndarray, px: int) -> None:
    out = shift_edge(alpha, px)
    assert (out >= alpha).all()
    assert out.sum() >= alpha.sum()


@FAST
@given(masks(), st.integers(1, 8))
def test_negative_edge_shift_only_shrinks(alpha: np.ndarray, px: int) -> None:
    out = shift_edge(alpha, -px)
    assert (out <= alpha).all()


@FAST
@given(masks(), st.integers(1, 6), st.integers(1, 6))
def test_edge_shift_is_monotone_in_pixels(alpha: np.ndarray, a: int, b: int) -> None:
    small, big = sorted((a, b))
    assert (shift_edge(alpha, big) >= shift_edge(alpha, small)).all()
    assert (shift_edge(alpha, -big) <= shift_edge(alpha, -small)).all()


@FAST
@given(masks(), st.floats(0.5, 6.0))
def test_feather_softens_without_moving_the_product(alpha: np.ndarray, px: float) -> None:
    out = feather(alpha, px)
    partial = lambda a: int(((a > 0) & (a < 255)).sum())  # noqa: E731
    if 0 < (alpha > 0).sum() < alpha.size:
        assert partial(out) >= partial(alpha)  # the edge band never gets narrower
    padded = np.pad(alpha, 20)  # away from the frame, a blur keeps the product's mass
    assert abs(float(feather(padded, px).astype(float).sum()) - float(padded.sum())) <= 0.01 * padded.sum() + 255
    assert out.max() <= alpha.max() and out.min() >= alpha.min()  # a blur never invents extremes


@FAST
@given(masks(), st.floats(0.0, 0.2), st.booleans())
def test_drop_islands_only_removes(alpha: np.ndarray, fraction: float, main_only: bool) -> None:
    out = drop_islands(alpha, fraction, main_only)
    assert (out <= alpha).all()
    if (alpha > 8).any():
        assert out.max() > 0  # the product itself is never refined away


@FAST
@given(masks(), st.floats(0.0, 0.2))
def test_keep_main_object_removes_at_least_as_much(alpha: np.ndarray, fraction: float) -> None:
    assert (drop_islands(alpha, fraction, True) <= drop_islands(alpha, fraction, False)).all()


@FAST
@given(masks(), st.floats(0.0, 0.05))
def test_fill_holes_only_adds_and_fill_all_adds_most(alpha: np.ndarray, fraction: float) -> None:
    specks = fill_holes(alpha, fraction, fill_all=False)
    everything = fill_holes(alpha, fraction, fill_all=True)
    assert (specks >= alpha).all()
    assert (everything >= specks).all()


@FAST
@given(masks(), st.integers(-6, 6), st.floats(0.0, 4.0), st.booleans(), st.booleans())
def test_refine_mask_keeps_size_and_mode(
    alpha: np.ndarray, shift: int, feather_px: float, keep: bool, fill: bool
) -> None:
    s = CutoutSettings(edge_shift_px=shift, feather_px=feather_px, keep_main_object=keep, fill_holes=fill)
    out = refine_mask(Image.fromarray(alpha, "L"), s)
    assert out.mode == "L" and out.size == (SIZE, SIZE)


def ring_mask(size: int = 200) -> Image.Image:
    """A mug seen from the side: a body plus a handle whose loop is a real hole."""
    img = Image.new("L", (size, size), 0)
    d = ImageDraw.Draw(img)
    d.rectangle([40, 40, 130, 170], fill=255)
    d.ellipse([110, 70, 180, 140], fill=255)
    d.ellipse([130, 90, 160, 120], fill=0)  # the handle loop: 2.2 % of the image
    d.ellipse([80, 100, 82, 102], fill=0)  # a speck hole from model noise
    d.rectangle([5, 185, 7, 187], fill=255)  # a crumb on the table
    return img


def test_defaults_keep_handle_loop_open_and_fill_specks() -> None:
    out = np.asarray(refine_mask(ring_mask(), CutoutSettings()))
    assert out[105, 145] == 0  # the handle loop stays transparent
    assert out[101, 81] == 255  # the speck hole is filled
    assert out[186, 6] == 0  # the crumb is gone


def test_fill_holes_closes_the_handle_loop() -> None:
    out = np.asarray(refine_mask(ring_mask(), CutoutSettings(fill_holes=True)))
    assert out[105, 145] == 255


def test_two_shoes_both_survive_keep_main_object() -> None:
    img = Image.new("L", (200, 100), 0)
    d = ImageDraw.Draw(img)
    d.ellipse([10, 20, 90, 80], fill=255)
    d.ellipse([110, 25, 185, 80], fill=255)
    out = np.asarray(refine_mask(img, CutoutSettings(keep_main_object=True)))
    assert out[50, 50] == 255 and out[50, 150] == 255


@FAST
@given(masks())
def test_solidify_interior_only_adds_and_keeps_real_holes(alpha: np.ndarray) -> None:
    from studio.cutout.refine import solidify_interior

    out = np.asarray(solidify_interior(Image.fromarray(alpha, "L")))
    assert (out >= alpha).all()
    assert (out[alpha < 128] == alpha[alpha < 128]).all()


def test_dimmed_label_inside_a_product_becomes_opaque() -> None:
    from studio.cutout.refine import solidify_interior

    alpha = np.zeros((60, 60), np.uint8)
    alpha[10:50, 10:50] = 255
    alpha[28:32, 10:50] = 200  # a stripe the model was unsure about
    out = np.asarray(solidify_interior(Image.fromarray(alpha, "L")))
    assert out[30, 30] == 255 and out[30, 10] == 200  # inside fixed, the outline itself untouched
