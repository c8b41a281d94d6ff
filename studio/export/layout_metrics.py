"""How clean a poster's layout is, as numbers a seller can compare (from the poster-layout literature).

- occlusion: share of the text area lying over the product box (product salience kept);
- overlap: share of the text area covered by another text element;
- alignment: mean distance (share of the width) from each element's left, centre or right edge
  to the nearest matching edge of another element or the canvas centre (0 = all lined up);
- readability: the weakest text/ground contrast, measured on the file's pixels under each element
  (95th vs 5th luminance percentile of its box).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from studio.recipe import Box

MAX_OCCLUSION = 0.02
MAX_OVERLAP = 0.01
MIN_READABILITY = 3.0
_NOT_COPY = {"aigc_label", "logo"}


def _area(b: Box) -> int:
    return max(0, b[2] - b[0]) * max(0, b[3] - b[1])


def _meet(a: Box, b: Box) -> int:
    return _area((max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])))


def layout_metrics(rgb: np.ndarray | None, product_box: Box | None, text_boxes: Mapping[str, Box]) -> dict[str, float]:
    from studio.text.contrast import contrast, luminance

    boxes = {k: tuple(v) for k, v in text_boxes.items() if k not in _NOT_COPY and not k.startswith("band_")}
    total = sum(_area(b) for b in boxes.values()) or 1
    width = rgb.shape[1] if rgb is not None else max((b[2] for b in boxes.values()), default=1)
    occlusion = sum(_meet(b, product_box) for b in boxes.values()) / total if product_box else 0.0
    names = list(boxes)
    overlap = sum(_meet(boxes[a], boxes[b]) for i, a in enumerate(names) for b in names[i + 1 :]) / total
    errors = []
    for name, b in boxes.items():
        mine = (b[0], (b[0] + b[2]) / 2, b[2])
        others = [(o[0], (o[0] + o[2]) / 2, o[2]) for n, o in boxes.items() if n != name]
        best = abs(mine[1] - width / 2)
        for o in others:
            best = min(best, *(abs(m - e) for m, e in zip(mine, o)))
        errors.append(best / width)
    readability = 21.0
    if rgb is not None:
        for b in boxes.values():
            crop = rgb[max(0, b[1]) : b[3], max(0, b[0]) : b[2]]
            if crop.size:
                lum = np.asarray(luminance(np.ascontiguousarray(crop[..., :3], dtype=np.uint8)))
                lo, hi = np.percentile(lum, [5, 95])
                readability = min(readability, contrast(float(hi), float(lo)))
    return {
        "occlusion": round(float(occlusion), 4),
        "overlap": round(float(overlap), 4),
        "alignment": round(float(np.mean(errors)) if errors else 0.0, 4),
        "readability": round(float(readability), 2),
    }


def layout_row(rgb: np.ndarray | None, product_box: Box | None, text_boxes: Mapping[str, Box] | None) -> dict[str, Any]:
    """The compliance row: fails when text covers the product or other text, or cannot be read."""
    if not text_boxes or not {k for k in text_boxes if not k.startswith("band_")} - _NOT_COPY:
        return {"status": "passed", "reason": "no copy on this file"}
    m = layout_metrics(rgb, product_box, text_boxes)
    text = (
        f"text over product {m['occlusion']:.1%}, text on text {m['overlap']:.1%}, "
        f"alignment off by {m['alignment']:.1%} of the width, weakest contrast {m['readability']:.1f}:1"
    )
    bad = [
        why
        for why, hit in (
            ("text covers the product", m["occlusion"] > MAX_OCCLUSION),
            ("text elements overlap", m["overlap"] > MAX_OVERLAP),
            ("some text is hard to read", m["readability"] < MIN_READABILITY),
        )
        if hit
    ]
    if bad:
        return {"status": "failed", "reason": f"{'; '.join(bad)}: {text}", **m}
    return {"status": "passed", "reason": text, **m}
