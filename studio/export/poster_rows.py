"""Compliance rows about the poster itself rather than the platform's file rules.

- copy_complete: every element the seller typed is on the file (else the row names what is missing);
- legibility: each text layer's font size against its minimum share of the short side;
- upscale: the product was not blown up from too few photo pixels (a warning above 2×, failed above 4×).
Kept apart from compliance.py so platform-rule checks and poster checks grow independently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from studio.recipe import CopyText

UPSCALE_WARN = 2.0  # product pixels per photo pixel above which a poster looks soft on a phone
# Above this the product is visibly blurry (a 200 px photo on a 2000 px Amazon image is ~13×):
# the file fails; between the two it ships with a warning the seller sees.
UPSCALE_FAIL = 4.0


def _row(status: str, reason: str, **details: Any) -> dict[str, Any]:
    return {"status": status, "reason": reason, **details}


def legibility_row(size: tuple[int, int], text_px: Mapping[str, int] | None, lang: str = "en") -> dict[str, Any]:
    """Every text layer at or above its minimum height (price 6 %, headline 5 %, others 2.5 % of the short side)."""
    from studio.text.dropped import element_label
    from studio.text.elements import min_px

    if not text_px:
        return _row("not_checked", "the text sizes are unknown" if lang == "en" else "文字字号未知")
    short = min(size)
    small = {name: px for name, px in text_px.items() if px < min_px(name, short)}
    heights = {name: round(px / short, 4) for name, px in text_px.items()}
    if small:
        if lang == "zh":
            listed = "、".join(f"{element_label(n, lang)} {px}px" for n, px in small.items())
            return _row("failed", f"文字太小，手机列表里看不清：{listed}", too_small=sorted(small), heights=heights)
        listed = ", ".join(f"{element_label(n, lang)} {px}px" for n, px in small.items())
        return _row("failed", f"too small to read in a phone grid: {listed}", too_small=sorted(small), heights=heights)
    smallest = min(heights, key=heights.get)  # type: ignore[arg-type]
    reason = (
        f"all text large enough; smallest {element_label(smallest, lang)} {heights[smallest]:.1%} of the short side"
        if lang == "en"
        else f"字号都够大；最小的是{element_label(smallest, lang)}，短边的 {heights[smallest]:.1%}"
    )
    return _row("passed", reason, heights=heights)


def upscale_row(upscale: float | None, lang: str = "en") -> dict[str, Any]:
    if not upscale:
        return _row("not_checked", "the product's scale is unknown")
    if upscale > UPSCALE_WARN:
        reason = (
            f"product upscaled {upscale:.1f}×, may look blurry; use a larger photo"
            if lang == "en"
            else f"商品图放大了 {upscale:.1f} 倍，可能发虚：请换更大的原图"
        )
        return _row("failed" if upscale > UPSCALE_FAIL else "warning", reason, upscale=upscale)
    return _row("passed", f"product at {upscale:.2f}× the photo's pixels", upscale=upscale)


def poster_rows(
    copy: CopyText | None,
    *,
    size: tuple[int, int],
    allows_text: bool,
    text_boxes: Mapping[str, Any] | None,
    text_px: Mapping[str, int] | None,
    upscale: float | None,
) -> dict[str, dict[str, Any]]:
    """The poster rows for one file; none when the studio did not lay this file's copy out (text_px None)."""
    from studio.text.dropped import copy_complete_row, copy_lang

    if copy is None or (text_px is None and allows_text):
        return {"upscale": upscale_row(upscale)} if upscale and upscale > UPSCALE_WARN else {}
    lang = copy_lang(copy)
    rows = {"copy_complete": copy_complete_row(copy, text_boxes, allows_text)}
    if allows_text and text_boxes:
        rows["legibility"] = legibility_row(size, {k: v for k, v in (text_px or {}).items() if k in text_boxes}, lang)
    rows["upscale"] = upscale_row(upscale, lang)
    return rows
