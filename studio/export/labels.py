"""The explicit (visible) AIGC label: "AI生成" in a corner, away from the product and the copy.

GB 45438-2025 practice: for images, at an edge or corner, text height at least
5% of the image's shorter side. We measure the drawn glyphs' ink height, not
the nominal font size, so the 5% holds for the pixels a reviewer sees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from studio.errors import StudioError
from studio.recipe import Box

LABEL_BOX_NAME = "aigc_label"
_CORNERS = ("bottom_right", "bottom_left", "top_right", "top_left")


@lru_cache(maxsize=1)
def cjk_font_path() -> Path:
    """The bundled Noto Sans SC: helper D's resolver if present, else the justmytype_intl_cjk package."""
    try:
        from studio.text.fonts import resolve_font  # type: ignore[import-not-found]

        found = resolve_font("noto_sans_sc")
        path = Path(getattr(found, "path", found))  # a path, or an object that knows its path
        if path.is_file():
            return path
    except Exception:  # noqa: BLE001 - any failure here just means "use the package's copy"
        pass
    try:
        from importlib.resources import files

        fonts = Path(str(files("justmytype_intl_cjk") / "fonts"))
        for candidate in sorted(fonts.rglob("NotoSansSC*.[ot]tf")):
            return candidate
    except (ImportError, ModuleNotFoundError):
        pass
    raise StudioError(
        "The Chinese font for the AI label is missing.",
        hint="Reinstall Poster Studio's requirements (justmytype-intl-cjk), or switch the AI label off.",
    )


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(cjk_font_path()), size)
    try:
        font.set_variation_by_axes([700])  # variable font: bold reads better when small
    except (OSError, ValueError, AttributeError):
        pass
    return font


def _ink_height(font: ImageFont.FreeTypeFont, text: str) -> int:
    x0, y0, x1, y1 = font.getbbox(text)
    return y1 - y0


def _font_for_height(text: str, target: int) -> ImageFont.FreeTypeFont:
    """The smallest font whose ink height for `text` reaches `target` pixels."""
    size = max(6, target)
    font = _font(size)
    height = max(1, _ink_height(font, text))
    size = max(6, math.ceil(size * target / height))
    font = _font(size)
    while _ink_height(font, text) < target:
        size += 1
        font = _font(size)
    return font


def _overlap(a: Box, b: Box) -> int:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0, w) * max(0, h)


def _corner_box(corner: str, size: tuple[int, int], box_w: int, box_h: int, margin: int, clear: tuple[int, int]) -> Box:
    width, height = size
    x0 = width - margin - box_w if corner.endswith("right") else margin
    y0 = height - max(margin, clear[1]) - box_h if corner.startswith("bottom") else max(margin, clear[0])
    return (x0, y0, x0 + box_w, y0 + box_h)


def label_box_for(
    size: tuple[int, int],
    *,
    avoid: Sequence[Box] = (),
    text: str = "AI生成",
    min_height_fraction: float = 0.05,
    keep_clear: tuple[float, float] = (0.0, 0.0),
) -> tuple[Box, ImageFont.FreeTypeFont, int]:
    """Where the label goes (plate box), the font, and the plate padding; no drawing.

    keep_clear: fractions of the height at the top and bottom that an app's UI covers
    (Douyin covers); the label then sits at the side edge just inside them.
    """
    short = min(size)
    target = max(1, math.ceil(short * min_height_fraction))
    # Anti-aliased glyph edges are faint, so aim a little above the minimum: the solid ink still reaches it.
    font = _font_for_height(text, target + max(2, math.ceil(target * 0.05)))
    x0, y0, x1, y1 = font.getbbox(text)
    pad = max(2, round(target * 0.35))
    box_w, box_h = (x1 - x0) + 2 * pad, (y1 - y0) + 2 * pad
    margin = max(2, round(short * 0.02))
    # Rounded up: 12 % of 1920 is 230.4, and a plate starting at row 230 is still under the overlay.
    clear = (math.ceil(keep_clear[0] * size[1]), math.ceil(keep_clear[1] * size[1]))
    if box_w + 2 * margin > size[0] or box_h + max(margin, clear[0]) + max(margin, clear[1]) > size[1]:
        raise StudioError("The image is too small for a readable AI label.", hint="Export at a larger size.")
    boxes = [_corner_box(c, size, box_w, box_h, margin, clear) for c in _CORNERS]
    # First corner that touches nothing; otherwise the one covering the least.
    best = min(boxes, key=lambda b: (sum(_overlap(b, a) for a in avoid), boxes.index(b)))
    return best, font, pad


def add_visible_label(
    image: Image.Image,
    *,
    avoid: Sequence[Box] = (),
    text: str = "AI生成",
    min_height_fraction: float = 0.05,
    keep_clear: tuple[float, float] = (0.0, 0.0),
) -> tuple[Image.Image, Box]:
    """A copy of `image` with the label drawn on a translucent dark plate; returns it and the plate box.

    The corner is the first of bottom-right, bottom-left, top-right, top-left that overlaps
    none of `avoid` (product and copy boxes), else the one overlapping them least.
    """
    box, font, pad = label_box_for(
        image.size, avoid=avoid, text=text, min_height_fraction=min_height_fraction, keep_clear=keep_clear
    )
    base = image.convert("RGBA")
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    radius = max(2, (box[3] - box[1]) // 4)
    draw.rounded_rectangle(box, radius=radius, fill=(0, 0, 0, 140))  # white on dark reads on any scene
    gx0, gy0, _, _ = font.getbbox(text)
    draw.text((box[0] + pad - gx0, box[1] + pad - gy0), text, font=font, fill=(255, 255, 255, 255))
    out = Image.alpha_composite(base, overlay)
    return (out.convert(image.mode) if image.mode != "RGBA" else out), box
