"""Free space on the canvas: boxes, the rectangles clear of obstacles, and how calm they are.

Boxes are `(x0, y0, x1, y1)` in pixels, x1/y1 exclusive, like everywhere in the studio.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from studio.recipe import Box


def intersects(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def inside(inner: Box, outer: Box) -> bool:
    return inner[0] >= outer[0] and inner[1] >= outer[1] and inner[2] <= outer[2] and inner[3] <= outer[3]


def clip(box: Box, to: Box) -> Box:
    return (max(box[0], to[0]), max(box[1], to[1]), min(box[2], to[2]), min(box[3], to[3]))


def inflate(box: Box, by: int) -> Box:
    return (box[0] - by, box[1] - by, box[2] + by, box[3] + by)


def area(box: Box) -> int:
    return max(0, box[2] - box[0]) * max(0, box[3] - box[1])


def width(box: Box) -> int:
    return box[2] - box[0]


def height(box: Box) -> int:
    return box[3] - box[1]


def free_rects(region: Box, obstacles: list[Box], *, min_side: int = 8) -> list[Box]:
    """The maximal rectangles inside `region` that touch no obstacle, largest first.

    Each obstacle splits every rectangle it cuts into the (up to four) full-length
    strips left, right, above and below it; rectangles inside another are dropped.
    """
    rects = [region] if width(region) >= min_side and height(region) >= min_side else []
    for ob in obstacles:
        nxt: list[Box] = []
        for r in rects:
            if not intersects(r, ob):
                nxt.append(r)
                continue
            for part in (
                (r[0], r[1], ob[0], r[3]),
                (ob[2], r[1], r[2], r[3]),
                (r[0], r[1], r[2], ob[1]),
                (r[0], ob[3], r[2], r[3]),
            ):
                if width(part) >= min_side and height(part) >= min_side:
                    nxt.append(part)
        uniq = list(dict.fromkeys(nxt))
        rects = [r for r in uniq if not any(o != r and inside(r, o) for o in uniq)]
    return sorted(rects, key=area, reverse=True)


class BusyMap:
    """How busy the background is (edges and texture), with O(1) mean over any box."""

    def __init__(self, background: Image.Image, work_side: int = 160) -> None:
        self.size = background.size
        scale = work_side / max(background.size)
        small = background.convert("L").resize(
            (max(1, round(background.width * scale)), max(1, round(background.height * scale))), Image.BILINEAR
        )
        edges = np.asarray(small.filter(ImageFilter.FIND_EDGES), dtype=np.float64) / 255.0
        arr = np.asarray(small, dtype=np.float64) / 255.0
        blur = np.asarray(small.filter(ImageFilter.BoxBlur(3)), dtype=np.float64) / 255.0
        busy = edges + np.abs(arr - blur)
        self._integral = np.pad(busy.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        self._shape = busy.shape
        self._scale = scale

    def mean(self, box: Box) -> float:
        """Mean busy-ness inside a canvas box (0 calm … ~1 very busy)."""
        h, w = self._shape
        x0 = min(w - 1, max(0, int(box[0] * self._scale)))
        y0 = min(h - 1, max(0, int(box[1] * self._scale)))
        x1 = min(w, max(x0 + 1, int(np.ceil(box[2] * self._scale))))
        y1 = min(h, max(y0 + 1, int(np.ceil(box[3] * self._scale))))
        s = self._integral
        total = s[y1, x1] - s[y0, x1] - s[y1, x0] + s[y0, x0]
        return float(total / ((y1 - y0) * (x1 - x0)))
