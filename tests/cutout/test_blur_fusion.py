"""Blur-fusion foreground colours: on a known composite they recover the product's colour at the edge."""

from __future__ import annotations

import numpy as np

from studio.cutout.matting import blur_fusion_foreground


def _composite(size: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:size, :size]
    radius = np.hypot(yy - size / 2, xx - size / 2)
    alpha = np.clip((60.0 - radius) / 8.0, 0.0, 1.0)  # a disc with an 8 px soft edge
    fg = np.zeros((size, size, 3), np.float32)
    fg[..., 0], fg[..., 1], fg[..., 2] = 0.85, 0.25, 0.20  # a red product
    bg = np.zeros_like(fg)
    bg[..., 1] = 0.9  # on a green screen
    bg[..., 0] = np.linspace(0.0, 0.3, size)[None, :]  # not perfectly flat
    image = alpha[..., None] * fg + (1 - alpha[..., None]) * bg
    return (np.rint(image * 255).astype(np.uint8), np.rint(alpha * 255).astype(np.uint8), fg)


def test_edge_pixels_get_the_products_colour_not_the_screens():
    rgb, alpha, truth = _composite()
    estimate = blur_fusion_foreground(rgb, alpha)
    edge = (alpha > 25) & (alpha < 230)
    assert edge.sum() > 500
    naive_error = np.abs(rgb[edge] / 255.0 - truth[edge]).mean()
    fused_error = np.abs(estimate[edge] - truth[edge]).mean()
    assert naive_error > 0.15  # the photo's edge really is green-tinted
    assert fused_error < 0.2 * naive_error


def test_opaque_pixels_come_back_as_photographed():
    rgb, alpha, _ = _composite()
    estimate = blur_fusion_foreground(rgb, alpha)
    solid = alpha == 255
    assert np.array_equal(np.rint(estimate[solid] * 255).astype(np.uint8), rgb[solid])


def _dense_blur_fusion(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """The two passes written out on whole arrays, for comparison with the band-only version."""
    import cv2

    from studio.cutout.matting import FUSION_RADII

    image = rgb.astype(np.float32) / 255
    a = (alpha.astype(np.float32) / 255)[..., None]
    mixed = (alpha > 0) & (alpha < 255)
    fg, bg = image.copy(), image.copy()
    for radius in FUSION_RADII:
        box = (2 * radius + 1, 2 * radius + 1)
        blurred_a = cv2.blur(a[..., 0], box)[..., None]
        fg_hat = cv2.blur(fg * a, box) / (blurred_a + 1e-5)
        bg = cv2.blur(bg * (1 - a), box) / (1 - blurred_a + 1e-5)
        step = np.clip(fg_hat + a * (image - a * fg_hat - (1 - a) * bg), 0, 1)
        fg = np.where(mixed[..., None], step, image)
    return fg


def test_working_on_the_band_only_gives_what_whole_arrays_give():
    rng = np.random.default_rng(5)
    for centre_y in (0, 70, 139):  # the soft edge crossing the top border, inside, and the bottom border
        yy, xx = np.mgrid[:140, :180]
        alpha = np.clip((55 - np.hypot(yy - centre_y, xx - 90)) * 30, 0, 255).astype(np.uint8)
        rgb = rng.integers(0, 256, (140, 180, 3), dtype=np.uint8)
        np.testing.assert_allclose(blur_fusion_foreground(rgb, alpha), _dense_blur_fusion(rgb, alpha), atol=2e-6)
