"""Photo → Cutout: model mask (or the photo's own alpha), matting, refinement, decontamination, crop.

The cutout's RGB keeps the photo's pixels everywhere, also under alpha 0, so
a touch-up stroke that adds to the mask reveals the real product, and opaque
product pixels are never changed. Composite it with its alpha (never
`.convert("RGB")` it for display: use `preview`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.cutout.catalog import model_info
from studio.cutout.matting import alpha_matte, decontaminate
from studio.cutout.refine import refine_mask, solidify_interior
from studio.cutout.session import load_session, predict_mask, session_key
from studio.errors import StudioError
from studio.layers import Cutout
from studio.models.manager import ModelManager
from studio.notes import Note
from studio.progress import Progress, no_progress
from studio.recipe import Box, CutoutSettings

MIN_PRODUCT_FRACTION = 0.001  # a mask smaller than this share of the photo found nothing


def remove_background(
    image: Image.Image,
    settings: CutoutSettings,
    models: ModelManager,
    *,
    source_sha256: str = "",
    progress: Progress = no_progress,
) -> Cutout:
    """Cut the product out of `image`; returns it cropped to the product plus `crop_margin`."""
    rgb = image.convert("RGB")
    notes: list[Note] = []
    mask = product_mask(image, settings, models, progress=progress, notes=notes)
    colour = rgb
    if settings.decontaminate:
        progress(0.85, "Removing background colour from the edges…")
        colour = decontaminate(rgb, mask)
    rgba = colour.convert("RGBA")
    rgba.putalpha(mask)
    progress(1.0, "Background removed.")
    cutout = crop_to_product(rgba, settings.crop_margin, source_sha256)
    cutout.warnings.extend(notes)
    return cutout


def product_mask(
    image: Image.Image,
    settings: CutoutSettings,
    models: ModelManager,
    *,
    progress: Progress = no_progress,
    notes: list[Note] | None = None,
) -> Image.Image:
    """The refined product mask ("L") in the photo's own pixels, before any crop.

    notes: warnings about the result are appended here (the refinement lost parts of the product).
    """
    model_info(settings.model)
    rgb = image.convert("RGB")
    own_alpha = existing_alpha(image)
    if own_alpha is not None:
        progress(0.1, "The photo is already transparent: using its own outline.")
        mask = own_alpha
    else:
        progress(0.05, f"Finding the product with {settings.model}…")
        device = models.settings.device
        session = models.get(
            session_key(settings.model),
            lambda: load_session(settings.model, device, lambda f, m: progress(0.05 + 0.4 * f, m)),
        )
        progress(0.5, "Finding the product…")
        mask = solidify_interior(predict_mask(session, rgb))
        if settings.alpha_matting:
            progress(0.6, "Refining the edge (alpha matting)…")
            mask = alpha_matte(rgb, mask, settings)
    progress(0.75, "Cleaning up the outline…")
    found = mask
    mask = refine_mask(mask, settings)
    check_found(mask)
    if notes is not None and own_alpha is None:
        from studio.cutout.quality import lost_parts

        lost = lost_parts(found, mask)
        if lost:
            notes.append(Note("lost_parts", "cutout", lost))
    return mask


def existing_alpha(image: Image.Image) -> Image.Image | None:
    """The photo's own alpha when it already outlines a product (a PNG cutout), else None."""
    if image.mode not in ("RGBA", "LA", "PA", "RGBa", "La"):
        return None
    alpha = np.asarray(image.getchannel("A"))
    transparent = float((alpha < 128).mean())
    # mostly opaque with a few soft pixels is a photo with a stray alpha channel;
    # nothing opaque at all is an empty layer
    if transparent < 0.02 or transparent > 0.995:
        return None
    return Image.fromarray(alpha, "L")


def check_found(mask: Image.Image) -> None:
    alpha = np.asarray(mask)
    if (alpha >= 128).mean() < MIN_PRODUCT_FRACTION:
        raise StudioError(
            "No product was found in this photo.",
            hint="Use a photo where the product is large and in focus, on a plain background.",
        )


def product_box(alpha: Image.Image | np.ndarray) -> Box | None:
    """Tight box (x0, y0, x1, y1) of alpha > 0, x1/y1 exclusive; None when empty."""
    a = np.asarray(alpha)
    ys = np.flatnonzero(a.any(axis=1))
    xs = np.flatnonzero(a.any(axis=0))
    if ys.size == 0:
        return None
    return (int(xs[0]), int(ys[0]), int(xs[-1]) + 1, int(ys[-1]) + 1)


def crop_to_product(rgba: Image.Image, margin: float, source_sha256: str = "") -> Cutout:
    """Crop to the product box plus `margin` × its longer side on every side.

    Where the margin reaches past the photo the new pixels are transparent, so
    every cutout has the same breathing room for the scene step.
    """
    box = product_box(rgba.getchannel("A"))
    if box is None:
        raise StudioError(
            "No product was found in this photo.", hint="Check the photo, or add the product with the brush."
        )
    x0, y0, x1, y1 = box
    pad = round(margin * max(x1 - x0, y1 - y0))
    crop = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    cropped = Image.new("RGBA", (crop[2] - crop[0], crop[3] - crop[1]), (0, 0, 0, 0))
    inside = (max(0, crop[0]), max(0, crop[1]), min(rgba.width, crop[2]), min(rgba.height, crop[3]))
    cropped.paste(rgba.crop(inside), (inside[0] - crop[0], inside[1] - crop[1]))
    return Cutout(
        rgba=cropped,
        box=(pad, pad, pad + x1 - x0, pad + y1 - y0),
        source_sha256=source_sha256,
        photo=rgba.convert("RGB"),
        origin=(crop[0], crop[1]),
    )
