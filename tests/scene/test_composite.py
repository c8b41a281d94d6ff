"""The exact re-composite: the product's own pixels come back bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from studio.layers import Cutout, PlacedProduct, TextLayer
from studio.presets import get_platform, preset_ids
from studio.recipe import Placement
from studio.scene.composite import composite_poster, product_fidelity_psnr
from studio.scene.placement import _forward_matrix, place_product, product_rect
from studio.scene.shadow import contact_shadow, reflection


def _noisy_background(size: tuple[int, int], seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    width, height = size
    small = rng.integers(0, 256, (height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    base = np.asarray(Image.fromarray(small).resize(size, Image.Resampling.BILINEAR), np.int16)
    noise = rng.integers(-40, 41, (height, width, 3), dtype=np.int16)
    return Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))


@pytest.mark.parametrize("platform_id", preset_ids("platforms"))
def test_product_pixels_survive_at_every_platform_size(bottle_cutout, platform_id) -> None:
    platform = get_platform(platform_id)
    size = platform.size
    placed = place_product(bottle_cutout, Placement(center_x=0.45, floor_y=0.85, scale=0.6, rotation_deg=7), size)
    background = _noisy_background(size, seed=len(platform_id))
    text = Image.new("RGBA", size)
    ImageDraw.Draw(text).rectangle([0, 0, size[0] // 3, size[1] // 10], fill=(255, 255, 0, 200))
    poster = composite_poster(
        background,
        placed,
        shadow=contact_shadow(placed, size),
        reflection=reflection(placed, size),
        text_layers=[TextLayer(name="headline", rgba=text, box=(0, 0, size[0] // 3, size[1] // 10))],
        light_wrap=0.5,
    )
    assert poster.size == size and poster.mode == "RGB"
    psnr = product_fidelity_psnr(poster, placed)
    assert psnr >= 40.0
    assert psnr == math.inf
    # every fully opaque product pixel, not just the eroded core, is exact
    alpha = np.asarray(placed.rgba)[..., 3]
    opaque = alpha == 255
    assert np.array_equal(np.asarray(poster)[opaque], np.asarray(placed.rgba)[..., :3][opaque])


def test_psnr_sees_a_changed_product(bottle_cutout) -> None:
    size = (600, 800)
    placed = place_product(bottle_cutout, Placement(floor_y=0.9, scale=0.7), size)
    poster = composite_poster(Image.new("RGB", size, "white"), placed)
    blurred = poster.filter(ImageFilter.GaussianBlur(1.0))
    assert product_fidelity_psnr(poster, placed) == math.inf
    assert product_fidelity_psnr(blurred, placed) < 35.0
    # a second resample (what the studio must never do) is visible too
    twice = poster.resize((300, 400), Image.Resampling.LANCZOS).resize(size, Image.Resampling.LANCZOS)
    assert product_fidelity_psnr(twice, placed) < 35.0


@pytest.mark.parametrize("rotation, scale", [(30.0, 0.62), (-75.0, 0.9), (12.0, 0.25)])
def test_rotation_is_one_resample(bottle_cutout, rotation, scale) -> None:
    """Our placed product agrees with an independent one-step affine resample (PIL)."""
    size = (900, 1200)
    placement = Placement(rotation_deg=rotation, scale=scale, floor_y=0.9)
    placed = place_product(bottle_cutout, placement, size)
    rect, factor = product_rect(bottle_cutout.box, placement, size)
    forward = _forward_matrix(bottle_cutout.box, rect, factor, rotation)
    inverse = np.linalg.inv(forward[:, :2])
    offset = -inverse @ (forward[:, 2] + 0.5) + 0.5  # pixel centres ↔ PIL's edge coordinates
    source = bottle_cutout.rgba.convert("RGBa")
    if factor < 1:
        source = source.filter(ImageFilter.GaussianBlur((1 / factor - 1) / 2))
    data = (inverse[0, 0], inverse[0, 1], offset[0], inverse[1, 0], inverse[1, 1], offset[1])
    reference = source.transform(size, Image.Transform.AFFINE, data, resample=Image.Resampling.BICUBIC).convert("RGB")
    assert product_fidelity_psnr(reference, placed) >= 33.0
    # and the poster still carries the placed pixels exactly
    poster = composite_poster(_noisy_background(size, 3), placed, shadow=contact_shadow(placed, size))
    assert product_fidelity_psnr(poster, placed) == math.inf


def _ring_product(value: int) -> tuple[Cutout, int]:
    alpha = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(alpha).ellipse([20, 20, 180, 180], fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(1.5))
    rgba = Image.new("RGBA", (200, 200), (value, value, value, 0))
    rgba.putalpha(alpha)
    return Cutout(rgba=rgba, box=alpha.getbbox()), value


@pytest.mark.parametrize("product_value, background_value", [(255, 0), (0, 255)])
def test_no_halo_ring(product_value, background_value) -> None:
    """White over black and black over white: the edge is a clean ramp, never a ring."""
    cutout, _ = _ring_product(product_value)
    size = (400, 400)
    placed = place_product(cutout, Placement(scale=0.45, rotation_deg=20, floor_y=0.8), size)
    poster = np.asarray(composite_poster(Image.new("RGB", size, (background_value,) * 3), placed), np.float64)
    alpha = np.asarray(placed.rgba)[..., 3].astype(np.float64) / 255.0
    expected = product_value * alpha + background_value * (1.0 - alpha)
    error = np.abs(poster - expected[..., None])
    edge = (alpha > 0) & (alpha < 1)
    assert edge.sum() > 200
    assert error[edge].max() <= 2.0  # a fringe would show as tens of levels
    # the ring just outside the product is exactly the background
    outside = alpha == 0
    assert np.all(poster[outside] == background_value)


def test_shadow_is_tinted_by_the_background(bottle_cutout) -> None:
    size = (600, 800)
    placed = place_product(bottle_cutout, Placement(floor_y=0.8, scale=0.6), size)
    shadow = contact_shadow(placed, size)
    red = (200, 40, 40)
    poster = np.asarray(composite_poster(Image.new("RGB", size, red), placed, shadow=shadow)).astype(int)
    under = np.asarray(shadow) > 60
    under &= np.asarray(placed.rgba)[..., 3] == 0
    assert under.sum() > 50
    pixels = poster[under]
    assert pixels[:, 0].mean() < red[0] - 20  # darker
    assert (pixels[:, 0] > pixels[:, 1] + 20).all()  # still red, not grey or black


def test_overlays_and_sizes(bottle_cutout) -> None:
    size = (300, 300)
    placed = place_product(bottle_cutout, Placement(scale=0.5), size)
    badge = Image.new("RGBA", (10, 10), (0, 0, 255, 255))
    poster = composite_poster(Image.new("RGB", size, "white"), placed, overlays=[(badge, (0, 0, 40, 20))])
    assert poster.getpixel((30, 15)) == (0, 0, 255)
    assert poster.getpixel((45, 25)) == (255, 255, 255)
    with pytest.raises(ValueError):
        composite_poster(Image.new("RGB", (200, 300)), placed)


def test_psnr_with_no_opaque_pixels_is_an_error() -> None:
    empty = PlacedProduct(rgba=Image.new("RGBA", (20, 20)), box=(0, 0, 0, 0))
    with pytest.raises(ValueError):
        product_fidelity_psnr(Image.new("RGB", (20, 20)), empty)
