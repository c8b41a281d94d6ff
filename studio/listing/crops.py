"""Close-ups from the seller's own photo: the region the seller picked, else the most textured one.

Only the photo's pixels: a crop, resampled once to its place. Never a model.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.layers import Cutout
from studio.recipe import Box

COVER_MIN = 0.85  # a close-up window must be mostly product, not background


def photo_pixels(cutout: Cutout) -> Image.Image:
    """The product's pixels as photographed, at the cut-out's scale (RGB).

    The whole photo where the cut-out kept it (the real surroundings of a close-up), else the
    cut-out over white.
    """
    if cutout.photo is not None:
        x, y = cutout.origin
        return cutout.photo.convert("RGB").crop((x, y, x + cutout.rgba.width, y + cutout.rgba.height))
    white = Image.new("RGBA", cutout.rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, cutout.rgba.convert("RGBA")).convert("RGB")


def region_box(cutout: Cutout, region: tuple[float, float, float, float]) -> Box:
    """A region given as fractions of the product's box, in the cut-out's pixels."""
    x0, y0, x1, y1 = cutout.box
    w, h = x1 - x0, y1 - y0
    fx0, fy0, fx1, fy1 = region
    return (x0 + round(fx0 * w), y0 + round(fy0 * h), x0 + max(1, round(fx1 * w)), y0 + max(1, round(fy1 * h)))


def textured_windows(cutout: Cutout, aspect: float, side_fraction: float, min_px: int, count: int = 1) -> list[Box]:
    """The `count` most textured windows of the product (width/height = aspect), least overlapping first.

    Texture: mean gradient magnitude of the photo's luminance; only windows that are at least
    COVER_MIN product (alpha) count. Window height: side_fraction of the product box's short side,
    at least min_px photo pixels (so the zoom stays sharp), at most the product box.
    """
    x0, y0, x1, y1 = cutout.box
    bw, bh = x1 - x0, y1 - y0
    h = int(min(bh, bw / aspect, max(min_px, side_fraction * min(bw, bh))))
    w = int(min(bw, round(h * aspect)))
    h = max(1, min(h, bh))
    grey = np.asarray(photo_pixels(cutout).convert("L"), np.float32)
    gy, gx = np.gradient(grey)
    texture = np.hypot(gx, gy)
    alpha = np.asarray(cutout.mask, np.float32) / 255.0
    texture *= alpha

    def integral(a: np.ndarray) -> np.ndarray:
        return np.pad(a.astype(np.float64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)

    def window_sums(i: np.ndarray, tops: np.ndarray, lefts: np.ndarray) -> np.ndarray:
        t, lft = tops[:, None], lefts[None, :]
        return i[t + h, lft + w] - i[t, lft + w] - i[t + h, lft] + i[t, lft]

    step = max(2, min(w, h) // 8)
    tops = np.arange(y0, max(y0, y1 - h) + 1, step)
    lefts = np.arange(x0, max(x0, x1 - w) + 1, step)
    cover = window_sums(integral(alpha), tops, lefts)
    score = window_sums(integral(texture), tops, lefts) / (w * h)
    candidates = [
        (float(score[r, c]), (int(lefts[c]), int(tops[r]), int(lefts[c]) + w, int(tops[r]) + h))
        for r, c in zip(*np.nonzero(cover >= COVER_MIN * w * h))
    ]
    if not candidates:  # a thin or holey product: its centre, whatever it holds
        cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
        return [(cx - w // 2, cy - h // 2, cx - w // 2 + w, cy - h // 2 + h)]
    candidates.sort(key=lambda c: -c[0])
    chosen: list[Box] = []
    for _score, box in candidates:
        if all(_overlap(box, other) < 0.25 for other in chosen):
            chosen.append(box)
        if len(chosen) == count:
            break
    return chosen


def _overlap(a: Box, b: Box) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return ix * iy / max(1, (a[2] - a[0]) * (a[3] - a[1]))


def fit_aspect(box: Box, aspect: float, bounds: tuple[int, int]) -> Box:
    """The box grown to width/height = aspect around its centre, kept inside bounds."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        w = round(h * aspect)
    else:
        h = round(w / aspect)
    w, h = min(w, bounds[0]), min(h, bounds[1])
    cx, cy = (x0 + x1) // 2, (y0 + y1) // 2
    left = min(max(0, cx - w // 2), bounds[0] - w)
    top = min(max(0, cy - h // 2), bounds[1] - h)
    return (left, top, left + w, top + h)


def closeup(cutout: Cutout, box: Box, size: tuple[int, int]) -> tuple[Image.Image, float]:
    """The photo's pixels in `box`, resampled once to `size`; and the zoom (file px per photo px)."""
    crop = photo_pixels(cutout).crop(box)
    zoom = size[0] / max(1, box[2] - box[0])
    return crop.resize(size, Image.Resampling.LANCZOS), zoom
