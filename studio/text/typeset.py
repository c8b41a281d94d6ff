"""Typesetting one block of copy into a small RGBA "sticker" plus its ink mask.

A sticker is drawn at its final pixel size (no resampling of text): lines set by
`linebreak.wrap`, then optional shadow, stroke, gradient fill and a rounded plate.
The ink mask (glyph coverage only) lets tests and the layout measure contrast on
the final pixels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

from studio.text.contrast import RGB
from studio.text.fonts import load_font
from studio.text.linebreak import fits, wrap
from studio.text.metrics import face

Align = Literal["left", "center", "right"]

# Vertical presentation forms for punctuation in vertical (top-to-bottom) text.
_VERTICAL_FORMS = str.maketrans(
    {
        "，": "︐",
        "、": "︑",
        "。": "︒",
        "：": "︓",
        "；": "︔",
        "！": "︕",
        "？": "︖",
        "（": "︵",
        "）": "︶",
        "【": "︻",
        "】": "︼",
        "「": "﹁",
        "」": "﹂",
        "『": "﹃",
        "』": "﹄",
        "《": "︽",
        "》": "︾",
        "…": "︙",
        "—": "︱",
        "～": "≀",
    }
)


@dataclass(frozen=True)
class TextStyle:
    font_path: str
    size: int
    weight: int = 400
    fill: RGB = (255, 255, 255)
    gradient_to: RGB | None = None  # vertical gradient from `fill` (top) to this (bottom)
    stroke_px: int = 0
    stroke_fill: RGB = (0, 0, 0)
    shadow: bool = False
    align: Align = "left"
    line_spacing: float = 1.22
    vertical: bool = False
    strike: bool = False  # a line through the middle (an original price)


@dataclass
class Sticker:
    """A piece of copy: its size, and once drawn its pixels and glyph coverage.

    Planning builds stickers without pixels (`rgba is None`): only their size
    and baseline, from em metrics. Drawing gives exactly the same size.
    """

    w: int
    h: int
    rgba: Image.Image | None = None
    ink: Image.Image | None = None  # L, same size: 255 where glyphs are
    lines: list[str] = field(default_factory=list)
    size: int = 0
    baseline: int = 0  # y of the first line's baseline, for lining up a price's parts

    @property
    def width(self) -> int:
        return self.w

    @property
    def height(self) -> int:
        return self.h

    @property
    def drawn(self) -> bool:
        return self.rgba is not None


def measure_fn(font: ImageFont.FreeTypeFont):
    """A real (shaping) width measure, for checks against the em estimate."""
    return lambda s: font.getlength(s)


def line_height(size: int, spacing: float) -> int:
    return int(round(size * spacing))


def block_size(lines: list[str], style: TextStyle) -> tuple[int, int]:
    """The pixel size of set lines, from em metrics (what drawing them will cover)."""
    if not lines:
        return (0, 0)
    size, spacing = style.size, style.line_spacing
    if style.vertical:
        cols = len(lines)
        rows = max(len(line) for line in lines)
        return (int(round(cols * size * spacing)), rows * size)
    f = face(style.font_path, style.weight)
    width = int(np.ceil(max(f.width(line, size) for line in lines)))
    height = line_height(size, spacing) * (len(lines) - 1) + f.ascent(size) + f.descent(size)
    return (width, height)


def fit_lines(
    text: str,
    font_path: str,
    weight: int,
    max_w: float,
    max_h: float,
    max_size: int,
    min_size: int,
    *,
    spacing: float = 1.22,
    max_lines: int = 3,
    vertical: bool = False,
) -> tuple[int, list[str]] | None:
    """The largest font size (≤ max_size, ≥ min_size) at which `text` fits the box, and its lines."""
    # Whole words first: a smaller size that keeps 316不锈钢 on one line beats a larger one that splits it.
    fit = _fit(text, font_path, weight, max_w, max_h, max_size, min_size, spacing, max_lines, vertical, False)
    if fit is None:
        fit = _fit(text, font_path, weight, max_w, max_h, max_size, min_size, spacing, max_lines, vertical, True)
    return None if fit is None else (fit[0], list(fit[1]))


@lru_cache(maxsize=16384)
def _fit(
    text: str,
    font_path: str,
    weight: int,
    max_w: float,
    max_h: float,
    max_size: int,
    min_size: int,
    spacing: float,
    max_lines: int,
    vertical: bool,
    split_words: bool = True,
) -> tuple[int, tuple[str, ...]] | None:
    """Binary search on em metrics: no font is opened at the trial sizes."""
    f = face(font_path, weight)
    lo, hi = min_size, max(min_size, max_size)
    best: tuple[int, tuple[str, ...]] | None = None
    while lo <= hi:
        size = (lo + hi) // 2
        if vertical:
            per_col = max(1, int(max_h // size))
            lines = [text[i : i + per_col] for i in range(0, len(text), per_col)]
            ok = len(lines) <= max_lines and int(round(len(lines) * size * spacing)) <= max_w
        else:
            measure = _scaled(f, size)
            lines = wrap(text, measure, max_w, balance=False, split_words=split_words)
            ok = (
                len(lines) <= max_lines
                and line_height(size, spacing) * (len(lines) - 1) + f.ascent(size) + f.descent(size) <= max_h
                and fits(lines, measure, max_w)
            )
        if ok:
            best = (size, tuple(lines))
            lo = size + 1
        else:
            hi = size - 1
    if best is not None and not vertical:
        size = best[0]
        best = (size, tuple(wrap(text, _scaled(f, size), max_w, balance=True, split_words=split_words)))
    return best


def _scaled(f, size: int):
    return lambda s: f.em(s) * size


def _gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    w, h = size
    t = np.linspace(0.0, 1.0, max(h, 1))[:, None, None]
    arr = (1 - t) * np.asarray(top, float) + t * np.asarray(bottom, float)
    return Image.fromarray(np.repeat(arr, w, axis=1).astype(np.uint8), "RGB")


def _draw_glyphs(lines: list[str], style: TextStyle, canvas: tuple[int, int], pad: int, stroke: int = 0) -> Image.Image:
    """An L mask of the glyphs (optionally thickened by a stroke) laid out on `canvas`."""
    font = load_font(style.font_path, style.size, style.weight)
    mask = Image.new("L", canvas, 0)
    draw = ImageDraw.Draw(mask)
    width = canvas[0] - 2 * pad
    if style.vertical:
        step = int(round(font.size * style.line_spacing))
        for col, line in enumerate(lines):
            # Columns run right to left; characters are centred in square cells.
            cx = canvas[0] - pad - step * col - step / 2
            for row, ch in enumerate(line.translate(_VERTICAL_FORMS)):
                cy = pad + row * font.size + font.size / 2
                draw.text((cx, cy), ch, font=font, fill=255, anchor="mm", stroke_width=stroke, stroke_fill=255)
        return mask
    ascent = face(style.font_path, style.weight).ascent(style.size)
    lh = line_height(style.size, style.line_spacing)
    starts = []
    for i, line in enumerate(lines):
        lw = font.getlength(line)
        x = pad + {"left": 0.0, "center": (width - lw) / 2, "right": width - lw}[style.align]
        starts.append((x, lw))
        y = pad + i * lh + ascent
        draw.text((x, y), line, font=font, fill=255, anchor="ls", stroke_width=stroke, stroke_fill=255)
    if style.strike:
        # A line through the x-height middle of each line, a little wider than the text.
        thick = max(1, font.size // 14)
        for i, (x, lw) in enumerate(starts):
            y = pad + i * lh + ascent - font.size * 0.32
            draw.line([(x - 2, y), (x + lw + 2, y)], fill=255, width=thick)
    return mask


def render_lines(lines: list[str], style: TextStyle, *, draw: bool = True) -> Sticker:
    """Draw already-broken lines with the style's effects; `draw=False` only sizes the sticker (planning)."""
    bw, bh = block_size(lines, style)
    # Room for a shadow or stroke is reserved whether drawn or not, so an effect never changes the size.
    pad = max(style.stroke_px, style.size // 16 + 1, int(style.size * 0.08)) + 2
    canvas = (bw + 2 * pad, bh + 2 * pad)
    baseline = pad + (face(style.font_path, style.weight).ascent(style.size) if not style.vertical else 0)
    if not draw:
        return Sticker(canvas[0], canvas[1], lines=list(lines), size=style.size, baseline=baseline)
    glyphs = _draw_glyphs(lines, style, canvas, pad)
    out = Image.new("RGBA", canvas, (0, 0, 0, 0))
    if style.shadow:
        offset = max(1, style.size // 24)
        shadow = ImageChops.offset(glyphs, offset, offset).filter(ImageFilter.GaussianBlur(max(1, style.size // 18)))
        shade = Image.new("RGBA", canvas, (0, 0, 0, 255))
        shade.putalpha(shadow.point(lambda v: v * 45 // 100))
        out.alpha_composite(shade)
    if style.stroke_px:
        outline = _draw_glyphs(lines, style, canvas, pad, stroke=style.stroke_px)
        ring = Image.new("RGBA", canvas, style.stroke_fill + (255,))
        ring.putalpha(outline)
        out.alpha_composite(ring)
    fill = (
        _gradient(canvas, style.fill, style.gradient_to) if style.gradient_to else Image.new("RGB", canvas, style.fill)
    )
    face_img = fill.convert("RGBA")
    face_img.putalpha(glyphs)
    out.alpha_composite(face_img)
    return Sticker(canvas[0], canvas[1], rgba=out, ink=glyphs, lines=list(lines), size=style.size, baseline=baseline)


def on_plate(sticker: Sticker, colour: RGB, alpha: float, *, pad_x: int, pad_y: int, radius: int) -> Sticker:
    """The sticker on a rounded plate (a pill when radius ≥ half the height)."""
    w, h = sticker.width + 2 * pad_x, sticker.height + 2 * pad_y
    if not sticker.drawn:
        return Sticker(w, h, lines=sticker.lines, size=sticker.size, baseline=sticker.baseline + pad_y)
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    if alpha > 0:
        ImageDraw.Draw(out).rounded_rectangle(
            [0, 0, w - 1, h - 1], radius=min(radius, h // 2, w // 2), fill=colour + (int(round(alpha * 255)),)
        )
    out.alpha_composite(sticker.rgba, (pad_x, pad_y))
    ink = Image.new("L", (w, h), 0)
    ink.paste(sticker.ink, (pad_x, pad_y))
    return Sticker(w, h, rgba=out, ink=ink, lines=sticker.lines, size=sticker.size, baseline=sticker.baseline + pad_y)


def side_by_side(parts: list[Sticker], gaps: list[int]) -> Sticker:
    """Stickers in a row on one baseline (a price: ¥ small, amount big, original price struck)."""
    parts = [p for p in parts if p.width and p.height]
    gaps = (gaps + [0] * len(parts))[: max(0, len(parts) - 1)]
    top = max(p.baseline for p in parts)
    w = sum(p.width for p in parts) + sum(gaps)
    h = max(top - p.baseline + p.height for p in parts)
    text = "".join("".join(p.lines) for p in parts)
    size = max(p.size for p in parts)
    if not all(p.drawn for p in parts):
        return Sticker(w, h, lines=[text], size=size, baseline=top)
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ink = Image.new("L", (w, h), 0)
    x = 0
    for i, p in enumerate(parts):
        y = top - p.baseline
        out.alpha_composite(p.rgba, (x, y))
        ink.paste(p.ink, (x, y))
        x += p.width + (gaps[i] if i < len(gaps) else 0)
    return Sticker(w, h, rgba=out, ink=ink, lines=[text], size=size, baseline=top)


def stack(parts: list[Sticker], gap: int, align: Align) -> Sticker:
    """Stickers one under another (selling points as one block)."""
    parts = [p for p in parts if p.width and p.height]
    w = max(p.width for p in parts)
    h = sum(p.height for p in parts) + gap * (len(parts) - 1)
    lines = [line for p in parts for line in p.lines]
    size = max(p.size for p in parts)
    if not all(p.drawn for p in parts):
        return Sticker(w, h, lines=lines, size=size)
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    ink = Image.new("L", (w, h), 0)
    y = 0
    for p in parts:
        x = {"left": 0, "center": (w - p.width) // 2, "right": w - p.width}[align]
        out.alpha_composite(p.rgba, (x, y))
        ink.paste(p.ink, (x, y))
        y += p.height + gap
    return Sticker(w, h, rgba=out, ink=ink, lines=lines, size=size)


def bullet(sticker: Sticker, colour: RGB, gap: int) -> Sticker:
    """A round bullet before a selling point, centred on its first line."""
    d = max(4, sticker.size // 3)
    font_h = sticker.size
    w, h = d + gap + sticker.width, max(sticker.height, d)
    if not sticker.drawn:
        return Sticker(w, h, lines=sticker.lines, size=sticker.size)
    out = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    cy = min(h - d, max(0, int(sticker.height / 2 - d / 2 if len(sticker.lines) == 1 else font_h * 0.62 - d / 2)))
    ImageDraw.Draw(out).ellipse([0, cy, d - 1, cy + d - 1], fill=colour + (255,))
    out.alpha_composite(sticker.rgba, (d + gap, 0))
    ink = Image.new("L", (w, h), 0)
    ink.paste(sticker.ink, (d + gap, 0))
    return Sticker(w, h, rgba=out, ink=ink, lines=sticker.lines, size=sticker.size)
