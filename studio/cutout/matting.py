"""Steps that need the photo as well as the mask: alpha matting and colour decontamination.

Both work on a window around the product's edge only, so their cost follows
the product's outline, not the photo's megapixels. Alpha matting uses pymatting
(through numba), imported inside the function: its first import compiles for a
minute. Decontamination is a few OpenCV box blurs (blur fusion) and needs none of it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.recipe import CutoutSettings

MATTING_MAX_SIDE = 800  # closed-form matting solves a sparse system: keep it small
EDGE_LOW, EDGE_HIGH = 1, 254  # alpha strictly between: a mixed edge pixel


def alpha_matte(image: Image.Image, mask: Image.Image, settings: CutoutSettings) -> Image.Image:
    """Closed-form alpha matting in the band between the fg and bg thresholds.

    Sure foreground (mask > fg threshold, eroded) and sure background (mask <
    bg threshold, eroded) keep their values; only the uncertain band is solved.
    """
    from scipy import ndimage

    alpha = np.asarray(mask.convert("L"))
    fg = alpha > settings.alpha_fg_threshold
    bg = alpha < settings.alpha_bg_threshold
    if settings.alpha_erode_px > 0:
        s = np.ones((settings.alpha_erode_px, settings.alpha_erode_px), bool)
        fg = ndimage.binary_erosion(fg, structure=s)
        bg = ndimage.binary_erosion(bg, structure=s, border_value=1)
    unknown = ~(fg | bg)
    if not unknown.any() or not fg.any():
        return mask.convert("L")
    window = _window(unknown, pad=16, shape=alpha.shape)
    y0, y1, x0, x1 = window
    rgb = np.asarray(image.convert("RGB"))[y0:y1, x0:x1]
    trimap = np.full(unknown.shape, 0.5)[y0:y1, x0:x1]
    trimap[fg[y0:y1, x0:x1]] = 1.0
    trimap[bg[y0:y1, x0:x1]] = 0.0

    solved = _solve_alpha(rgb, trimap)
    out = alpha.astype(np.float64) / 255.0
    band = unknown[y0:y1, x0:x1]
    out[y0:y1, x0:x1][band] = solved[band]
    out[fg] = 1.0
    out[bg] = 0.0
    return Image.fromarray(np.clip(np.rint(out * 255), 0, 255).astype(np.uint8), "L")


def _solve_alpha(rgb: np.ndarray, trimap: np.ndarray) -> np.ndarray:
    """pymatting's closed-form alpha at a working size of at most MATTING_MAX_SIDE."""
    from pymatting import estimate_alpha_cf

    h, w = trimap.shape
    scale = min(1.0, MATTING_MAX_SIDE / max(h, w))
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        small_rgb = np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BILINEAR))
        small_tri = (
            np.asarray(Image.fromarray((trimap * 255).astype(np.uint8)).resize(size, Image.Resampling.NEAREST)) / 255.0
        )
    else:
        small_rgb, small_tri = rgb, trimap
    try:
        solved = estimate_alpha_cf(small_rgb / 255.0, small_tri)
    except ValueError:  # pymatting refuses trimaps without both known regions
        return trimap
    if scale < 1.0:
        solved = np.asarray(Image.fromarray(solved.astype(np.float32), "F").resize((w, h), Image.Resampling.BILINEAR))
    return np.clip(solved, 0.0, 1.0)


def decontaminate(image: Image.Image, alpha: Image.Image) -> Image.Image:
    """RGB where mixed edge pixels carry the product's colour, not the old background's.

    Only pixels with 0 < alpha < 255 change; opaque product pixels stay exactly
    as photographed, and transparent ones keep the photo (touch-up can reveal them).
    The colours come from blur-fusion foreground estimation (`blur_fusion_foreground`)
    on the window around the mixed band.
    """
    rgb = np.asarray(image.convert("RGB"))
    a = np.asarray(alpha.convert("L"))
    mixed = (a >= EDGE_LOW) & (a <= EDGE_HIGH)
    if not mixed.any():
        return image.convert("RGB")
    y0, y1, x0, x1 = _window(mixed, pad=FUSION_RADII[0], shape=a.shape)
    fg = blur_fusion_foreground(rgb[y0:y1, x0:x1], a[y0:y1, x0:x1])
    out = rgb.copy()
    patch = out[y0:y1, x0:x1]
    band = mixed[y0:y1, x0:x1]
    patch[band] = np.clip(np.rint(fg[band] * 255), 0, 255).astype(np.uint8)
    return Image.fromarray(out, "RGB")


# Box-blur radii of the two passes: a wide one finds the colours, a narrow one sharpens them
# (Forte & Pitié, "Approximate Fast Foreground Colour Estimation", ICIP 2021: radii 90 and 6).
FUSION_RADII = (45, 3)


def blur_fusion_foreground(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Foreground colours (h×w×3 float32, 0..1) of a uint8 photo under a uint8 alpha.

    Each pass: the local foreground colour F̂ is the alpha-weighted mean of F around the pixel,
    the background B̂ the (1-alpha)-weighted mean of the photo; then F moves along the
    compositing equation I = αF + (1-α)B so that it explains the observed pixel:
    F = F̂ + α·(I − αF̂ − (1−α)B̂). A few box blurs: a fraction of iterative matting's cost.
    """
    import cv2

    image = rgb.astype(np.float32) * np.float32(1 / 255)
    a = alpha.astype(np.float32) * np.float32(1 / 255)
    # Where alpha is 1 the update gives the photo back exactly, and where it is 0 F is never
    # used (it is weighted by alpha): only the mixed pixels are worked out, by flat index.
    mixed = (alpha > 0) & (alpha < 255)
    at = np.flatnonzero(mixed)
    a_at = a.reshape(-1)[at][:, None]
    image_at = image.reshape(-1, 3)[at]
    wide, narrow = FUSION_RADII
    # The narrow pass reads the wide pass's B only within its radius of the mixed pixels.
    near = np.flatnonzero(cv2.dilate(mixed.astype(np.uint8), np.ones((2 * narrow + 1,) * 2, np.uint8)))
    near_of_at = np.searchsorted(near, at)
    # F·α, with F the photo before the first pass (α spread to 3 channels: numpy broadcasting is 3× slower)
    weighted_fg = image * cv2.cvtColor(a, cv2.COLOR_GRAY2RGB)

    box = (2 * wide + 1, 2 * wide + 1)
    blurred_a = cv2.blur(a, box).reshape(-1)
    fg_hat = cv2.blur(weighted_fg, box).reshape(-1, 3)[at] / (blurred_a[at][:, None] + 1e-5)
    weighted_bg = image - weighted_fg  # B·(1−α), with B the photo
    bg_near = cv2.blur(weighted_bg, box).reshape(-1, 3)[near] / ((1.0 - blurred_a[near])[:, None] + 1e-5)
    fg_at = _fusion_step(fg_hat, bg_near[near_of_at], image_at, a_at)

    box = (2 * narrow + 1, 2 * narrow + 1)
    weighted_fg.reshape(-1, 3)[at] = fg_at * a_at  # F changed at the mixed pixels only
    weighted_bg = np.zeros_like(image)
    weighted_bg.reshape(-1, 3)[near] = bg_near * (1.0 - a.reshape(-1)[near])[:, None]
    blurred_a = cv2.blur(a, box).reshape(-1)[at][:, None]
    fg_hat = cv2.blur(weighted_fg, box).reshape(-1, 3)[at] / (blurred_a + 1e-5)
    bg_at = cv2.blur(weighted_bg, box).reshape(-1, 3)[at] / ((1.0 - blurred_a) + 1e-5)
    image.reshape(-1, 3)[at] = _fusion_step(fg_hat, bg_at, image_at, a_at)
    return image


def _fusion_step(fg_hat: np.ndarray, bg_hat: np.ndarray, image: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Move the local foreground estimate along I = αF + (1−α)B until it explains the pixel."""
    return np.clip(fg_hat + a * (image - a * fg_hat - (1.0 - a) * bg_hat), 0.0, 1.0)


def _window(region: np.ndarray, pad: int, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    ys = np.flatnonzero(region.any(axis=1))
    xs = np.flatnonzero(region.any(axis=0))
    return (
        max(0, int(ys[0]) - pad),
        min(shape[0], int(ys[-1]) + pad + 1),
        max(0, int(xs[0]) - pad),
        min(shape[1], int(xs[-1]) + pad + 1),
    )
