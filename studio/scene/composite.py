"""The exact re-composite: every layer stacked at the final poster size.

Order: background → shadow (multiply, tinted by the background) → reflection →
product (alpha over) → text layers → overlays. Where the product is opaque
(alpha 255) the poster's pixels ARE the placed product's pixels, bit for bit:
no model output and no second resample ever touches them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageFilter

from studio.layers import PlacedProduct, TextLayer
from studio.recipe import Box

WRAP_MAX_ALPHA = 240


def _shadow_tint(background: np.ndarray, shadow: np.ndarray) -> np.ndarray:
    """A deep version of the background colour under the shadow (never flat black)."""
    weights = shadow.astype(np.float32)
    total = float(weights.sum())
    if total <= 0:
        return np.array([0.4, 0.4, 0.4], np.float32)
    mean = (background.astype(np.float32) * weights[..., None]).reshape(-1, 3).sum(axis=0) / total / 255.0
    # Deeper and a touch more saturated than the surface it falls on.
    return np.clip(mean**1.6 * 0.45, 0.0, 1.0).astype(np.float32)


def _apply_shadow(canvas: np.ndarray, shadow: Image.Image) -> None:
    bbox = shadow.getbbox()
    if bbox is None:
        return
    x0, y0, x1, y1 = bbox
    opacity = np.asarray(shadow)[y0:y1, x0:x1]
    region = canvas[y0:y1, x0:x1]
    tint = _shadow_tint(region, opacity)
    a = opacity.astype(np.float32)[..., None] / 255.0
    factor = 1.0 - a + a * tint
    canvas[y0:y1, x0:x1] = np.clip(np.rint(region.astype(np.float32) * factor), 0, 255).astype(np.uint8)


def _alpha_over(canvas: np.ndarray, rgba: np.ndarray, bbox: Box) -> None:
    """Straight-alpha over in integers, on the layer's box only."""
    x0, y0, x1, y1 = bbox
    layer = rgba[y0:y1, x0:x1].astype(np.uint32)
    base = canvas[y0:y1, x0:x1].astype(np.uint32)
    a = layer[..., 3:4]
    mixed = (layer[..., :3] * a + base * (255 - a) + 127) // 255
    canvas[y0:y1, x0:x1] = mixed.astype(np.uint8)


def _light_wrap(canvas: np.ndarray, background: np.ndarray, rgba: np.ndarray, bbox: Box, amount: float) -> None:
    """Let the scene's light spill a little over the product's soft edge.

    Only clearly partial pixels (alpha < WRAP_MAX_ALPHA) change, so the
    fidelity check's core (alpha >= 250) is never touched.
    """
    x0, y0, x1, y1 = bbox
    alpha = rgba[y0:y1, x0:x1, 3].astype(np.float32) / 255.0
    edge = (alpha > 0) & (alpha < WRAP_MAX_ALPHA / 255.0)
    if not edge.any():
        return
    radius = max((y1 - y0) / 150.0, 1.5)
    blurred = np.asarray(Image.fromarray(background[y0:y1, x0:x1]).filter(ImageFilter.GaussianBlur(radius)), np.float32)
    region = canvas[y0:y1, x0:x1].astype(np.float32)
    weight = (amount * (1.0 - alpha) * edge)[..., None]
    canvas[y0:y1, x0:x1] = np.clip(np.rint(region + (blurred - region) * weight), 0, 255).astype(np.uint8)


def _paste_overlay(poster: Image.Image, overlay: Image.Image, box: Box) -> None:
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return
    layer = overlay.convert("RGBA")
    if layer.size != (x1 - x0, y1 - y0):
        layer = layer.resize((x1 - x0, y1 - y0), Image.Resampling.LANCZOS, reducing_gap=3.0)
    poster.alpha_composite(layer, dest=(x0, y0))


def composite_poster(
    background: Image.Image,
    placed: PlacedProduct,
    *,
    shadow: Image.Image | None = None,
    reflection: Image.Image | None = None,
    text_layers: Sequence[TextLayer] = (),
    overlays: Sequence[tuple[Image.Image, Box]] = (),
    light_wrap: float = 0.0,
) -> Image.Image:
    """Stack the layers into the final RGB poster (the background's size).

    `light_wrap` (0..1) blends a little blurred background into the product's
    semi-transparent edge pixels; opaque product pixels are never touched.
    """
    size = background.size
    if placed.rgba.size != size:
        raise ValueError(f"placed product is {placed.rgba.size}, background is {size}")
    canvas = np.array(background if background.mode == "RGB" else background.convert("RGB"))
    if shadow is not None:
        if shadow.size != size:
            raise ValueError(f"shadow is {shadow.size}, background is {size}")
        _apply_shadow(canvas, shadow.convert("L"))
    if reflection is not None:
        reflected = np.asarray(reflection.convert("RGBA"))
        bbox = reflection.getchannel("A").getbbox()
        if bbox is not None:
            _alpha_over(canvas, reflected, bbox)
    bbox = placed.rgba.getchannel("A").getbbox()
    if bbox is None:
        return add_layers(Image.fromarray(canvas, "RGB"), text_layers, overlays)
    # Work on the product's box only: outside it the placed layer is fully transparent.
    x0, y0, x1, y1 = bbox
    product = placed.rgba.crop(bbox)
    product = product if product.mode == "RGBA" else product.convert("RGBA")
    product_rgb, product_alpha = product.convert("RGB"), product.getchannel("A")
    if light_wrap > 0:
        arr = np.asarray(product)
        region = canvas[y0:y1, x0:x1]  # a view: writes land in the canvas
        local = (0, 0, x1 - x0, y1 - y0)
        behind = region.copy()
        _alpha_over(region, arr, local)
        _light_wrap(region, behind, arr, local, float(min(max(light_wrap, 0.0), 1.0)))
        poster = Image.fromarray(canvas, "RGB")
    else:
        poster = Image.fromarray(canvas, "RGB")
        poster.paste(product_rgb, (x0, y0), mask=product_alpha)  # Pillow's straight-alpha blend, in C
    # The promise, stated explicitly: where the product is opaque the poster IS the product.
    poster.paste(product_rgb, (x0, y0), mask=product_alpha.point(_OPAQUE_ONLY))
    return add_layers(poster, text_layers, overlays)


_OPAQUE_ONLY = [0] * 255 + [255]  # alpha lookup: 255 stays, anything less becomes 0


def add_layers(
    poster: Image.Image, text_layers: Sequence[TextLayer] = (), overlays: Sequence[tuple[Image.Image, Box]] = ()
) -> Image.Image:
    """Lay text layers and overlays over a finished RGB poster (the last step of the stack).

    Canvas-sized layers are blended only where they have ink, which keeps a
    re-render of the copy cheap at 2000 px.
    """
    if not text_layers and not overlays:
        return poster
    if overlays or any(layer.rgba.size == poster.size for layer in text_layers):
        out = poster.convert("RGBA")
        for layer in text_layers:
            rgba = layer.rgba if layer.rgba.mode == "RGBA" else layer.rgba.convert("RGBA")
            if rgba.size == out.size:
                ink = rgba.getbbox(alpha_only=True)
                if ink is not None:
                    out.alpha_composite(rgba, dest=ink[:2], source=ink)
            else:
                _paste_overlay(out, rgba, layer.box)
        for image, box in overlays:
            _paste_overlay(out, image, box)
        return out.convert("RGB")
    # Box-sized layers (what layout_copy makes): blend each on its own box, never converting the canvas.
    out = poster.convert("RGB") if poster.mode != "RGB" else poster.copy()
    for layer in text_layers:
        x0, y0, x1, y1 = layer.box
        if x1 <= x0 or y1 <= y0:
            continue
        region = out.crop((x0, y0, x1, y1)).convert("RGBA")
        _paste_overlay(region, layer.rgba, (0, 0, x1 - x0, y1 - y0))
        out.paste(region.convert("RGB"), (x0, y0))
    return out


def product_fidelity_psnr(
    poster: Image.Image, placed: PlacedProduct, *, alpha_min: int = 250, erode_px: int = 2
) -> float:
    """PSNR (dB) between poster and placed product inside the product's opaque core.

    The core is alpha >= `alpha_min`, eroded by `erode_px` so edge pixels (which
    legitimately mix with the scene) are left out. `inf` when identical.
    """
    if poster.size != placed.rgba.size:
        raise ValueError(f"poster is {poster.size}, placed product is {placed.rgba.size}")
    mask_img = placed.rgba.getchannel("A").point(lambda v: 255 if v >= alpha_min else 0)
    if erode_px > 0:
        mask_img = mask_img.filter(ImageFilter.MinFilter(2 * erode_px + 1))
    mask = np.asarray(mask_img) > 0
    if not mask.any():
        raise ValueError("the product has no opaque pixels to compare")
    a = np.asarray(poster.convert("RGB"), np.float64)[mask]
    b = np.asarray(placed.rgba.convert("RGB"), np.float64)[mask]
    mse = float(np.mean((a - b) ** 2))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)
