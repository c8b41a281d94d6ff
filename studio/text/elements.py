"""The poster's copy elements (headline, subline, points, price, badge, button) as stickers.

Each element has a design size (a fraction of the canvas's shorter side) and a
weight; the layout scales them together. Text elements reserve room for a plate
all round, so deciding on a plate after placement never moves anything.
"""

from __future__ import annotations

import math
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from functools import lru_cache

from studio.text.contrast import INK, RGB, WHITE, contrast
from studio.text.typeset import Sticker, TextStyle, bullet, fit_lines, on_plate, render_lines, side_by_side

ELEMENT_ORDER = ("badge", "headline", "subline", "points", "price", "cta")
# name: (design size as a fraction of the shorter side, weight, max lines)
SPEC: dict[str, tuple[float, int, int]] = {
    "badge": (0.036, 700, 1),
    "headline": (0.095, 900, 2),
    "subline": (0.044, 400, 2),
    "points": (0.034, 500, 2),
    "price": (0.085, 800, 1),
    "cta": (0.042, 700, 1),
}
# Smallest font size per element, as a share of the poster's shorter side: what still reads in a
# 360 px marketplace grid (a price under 6 % is ~11 px there). The layout never draws below these.
MIN_SHARE: dict[str, float] = {"price": 0.06, "headline": 0.05}
OTHER_MIN_SHARE = 0.025


def min_px(kind: str, short_side: int) -> int:
    """The smallest font size (px) `kind` may be drawn at on a poster with this shorter side."""
    kind = "points" if kind.startswith("point_") else kind
    return max(12, math.ceil(MIN_SHARE.get(kind, OTHER_MIN_SHARE) * short_side))


def tall_boost(canvas: tuple[int, int]) -> float:
    """How much larger copy is designed on tall canvases (3:4 ×1.17, 9:16 ×1.39): they spend their height on copy."""
    w, h = canvas
    return 1.0 + 0.5 * min(max(h / max(w, 1) - 1.0, 0.0), 0.78)


# Dropped first when copy does not fit (the headline goes last).
DROP_ORDER = ("point_5", "point_4", "point_3", "point_2", "point_1", "subline", "badge", "cta", "price", "headline")
DEFAULT_ACCENT: RGB = (214, 0, 42)  # a sale red with 5.3:1 against white text


@dataclass(frozen=True)
class Paint:
    """Colours for one element, decided from the pixels under it."""

    text: RGB = WHITE
    accent: RGB = DEFAULT_ACCENT  # price amount, bullets
    effect: str = "none"  # none | shadow | stroke | gradient
    plate: RGB | None = None
    plate_alpha: float = 0.0


@dataclass
class Piece:
    """A drawn element inside its reserved rectangle; `tight` is where pixels may be, in the piece."""

    name: str
    sticker: Sticker
    tight: tuple[int, int, int, int]
    size: int
    lines: list[str]
    args: tuple[float, int, int] = (1.0, 0, 0)  # scale, max_w, max_h it was built with (to redraw it)
    align: str = "left"

    @property
    def width(self) -> int:
        return self.sticker.width

    @property
    def height(self) -> int:
        return self.sticker.height


@dataclass(frozen=True)
class Fonts:
    """Which file draws which element (a chosen font, or the CJK fallback where it lacks glyphs)."""

    by_element: dict[str, str]

    def for_(self, name: str) -> str:
        return self.by_element.get(name, self.by_element["default"])


def split_price(price: str, currency: str) -> tuple[str, str]:
    """('¥', '99.9') from '¥99.9', '99.9' or '￥ 99.9'; no sign for copy that does not start with a digit."""
    match = re.match(r"^\s*([¥￥$€£])?\s*(.*?)\s*$", price)
    sign, rest = (match.group(1) or "", match.group(2)) if match else ("", price)
    if not sign and rest[:1].isdigit():
        sign = currency
    return ("¥" if sign == "￥" else sign), rest


def gradient_end(paint: Paint) -> RGB:
    """A gentle top-to-bottom shift of the text colour: warm gold under light text, plum under dark."""
    light = contrast(paint.text, INK) >= contrast(paint.text, WHITE)
    tint = (255, 214, 150) if light else (70, 60, 90)
    return tuple(int(c * 0.82 + t * 0.18) for c, t in zip(paint.text, tint))  # type: ignore[return-value]


def _style(font: str, size: int, weight: int, paint: Paint, draw: bool = True, **kw: object) -> TextStyle:
    if not draw:
        return TextStyle(font_path=font, size=size, weight=weight, **kw)  # type: ignore[arg-type]  # paint never changes a size
    effect = paint.effect if paint.plate is None else "none"
    shade = INK if contrast(paint.text, INK) >= contrast(paint.text, WHITE) else WHITE
    gradient_to = gradient_end(paint) if effect == "gradient" else None
    return TextStyle(
        font_path=font,
        size=size,
        weight=weight,
        fill=paint.text,
        gradient_to=gradient_to,  # type: ignore[arg-type]
        stroke_px=max(1, size // 16) if effect == "stroke" else 0,
        stroke_fill=shade,
        shadow=effect == "shadow",
        **kw,  # type: ignore[arg-type]
    )


def _plate_pads(size: int) -> tuple[int, int]:
    return max(4, int(size * 0.32)), max(3, int(size * 0.16))


def _framed(name: str, sticker: Sticker, paint: Paint, size: int) -> Piece:
    """Put a sticker in its reserved frame: on a plate if the paint has one, else centred in the padding."""
    px, py = _plate_pads(size)
    if paint.plate is not None:
        plated = on_plate(sticker, paint.plate, paint.plate_alpha, pad_x=px, pad_y=py, radius=int(size * 0.35))
        return Piece(name, plated, (0, 0, plated.width, plated.height), size, sticker.lines)
    framed = on_plate(sticker, WHITE, 0.0, pad_x=px, pad_y=py, radius=0)
    return Piece(name, framed, (px, py, px + sticker.width, py + sticker.height), size, sticker.lines)


@lru_cache(maxsize=256)
def _pill_ink(fill: RGB) -> RGB:
    # White or black on any fill reaches at least 4.58:1.
    return max((WHITE, INK, (0, 0, 0)), key=lambda c: contrast(c, fill))


def _pill(
    name: str, text: str, font: str, size: int, weight: int, fill: RGB, *, radius_ratio: float, draw: bool = True
) -> Piece:
    ink_colour = _pill_ink(fill) if draw else WHITE
    sticker = render_lines([text], TextStyle(font_path=font, size=size, weight=weight, fill=ink_colour), draw=draw)
    px, py = int(size * 0.7), int(size * 0.28)
    pill = on_plate(sticker, fill, 1.0, pad_x=px, pad_y=py, radius=int((sticker.height + 2 * py) * radius_ratio))
    return Piece(name, pill, (0, 0, pill.width, pill.height), size, [text])


_GEOMETRY: dict[tuple, Piece | None] = {}
_GEOMETRY_CAP = 20_000
_DRAWN: OrderedDict[tuple, Piece | None] = OrderedDict()
_DRAWN_CAP = 96  # most pieces are a few hundred KB; a 2000 px headline is about 2 MB
_DRAWN_LOCK = threading.Lock()


def build(
    name: str,
    text: str,
    *,
    fonts: Fonts,
    short_side: int,
    scale: float,
    max_w: int,
    floor_px: int,
    paint: Paint,
    align: str = "left",
    original_price: str = "",
    currency: str = "¥",
    vertical: bool = False,
    max_h: int = 10**6,
    draw: bool = True,
    boost: float = 1.0,
    label: str = "",
) -> Piece | None:
    """Draw one element at `scale` of its design size, shrinking (not below `floor_px`) to fit `max_w`.

    None when it cannot fit. `name` is the element kind (point_3 uses the `points` spec).
    With `draw=False` only the size is worked out (planning); sizes never depend on the
    paint, so those are remembered across calls (a studio lays out one copy on many canvases).
    """
    key = (
        name,
        text,
        fonts.for_("points" if name.startswith("point_") else name),
        short_side,
        scale,
        max_w,
        floor_px,
        align,
        original_price,
        currency,
        vertical,
        max_h,
        boost,
        label,
    )
    if not draw:
        if key in _GEOMETRY:
            hit = _GEOMETRY[key]
            return None if hit is None else replace(hit)
        if len(_GEOMETRY) >= _GEOMETRY_CAP:
            _GEOMETRY.clear()
        piece = _build(
            name,
            text,
            fonts=fonts,
            short_side=short_side,
            scale=scale,
            max_w=max_w,
            floor_px=floor_px,
            paint=Paint(),
            align=align,
            original_price=original_price,
            currency=currency,
            vertical=vertical,
            max_h=max_h,
            draw=False,
            boost=boost,
            label=label,
        )
        _GEOMETRY[key] = piece
        return None if piece is None else replace(piece)
    # Drawn pieces too: A/B variants and platforms of one size draw the same copy in the same
    # colours again and again. Pieces are only read downstream (layers are crops of them).
    drawn_key = (*key, paint)
    with _DRAWN_LOCK:
        if drawn_key in _DRAWN:
            _DRAWN.move_to_end(drawn_key)
            hit = _DRAWN[drawn_key]
            return None if hit is None else replace(hit)
    piece = _build(
        name,
        text,
        fonts=fonts,
        short_side=short_side,
        scale=scale,
        max_w=max_w,
        floor_px=floor_px,
        paint=paint,
        align=align,
        original_price=original_price,
        currency=currency,
        vertical=vertical,
        max_h=max_h,
        draw=True,
        boost=boost,
        label=label,
    )
    with _DRAWN_LOCK:
        _DRAWN[drawn_key] = piece
        while len(_DRAWN) > _DRAWN_CAP:
            _DRAWN.popitem(last=False)
    return None if piece is None else replace(piece)


def _build(
    name: str,
    text: str,
    *,
    fonts: Fonts,
    short_side: int,
    scale: float,
    max_w: int,
    floor_px: int,
    paint: Paint,
    align: str,
    original_price: str,
    currency: str,
    vertical: bool,
    max_h: int,
    draw: bool,
    boost: float = 1.0,
    label: str = "",
) -> Piece | None:
    kind = "points" if name.startswith("point_") else name
    frac, weight, max_lines = SPEC[kind]
    least = max(floor_px, min_px(kind, short_side))  # legible in a phone grid, whatever the scale
    minor = max(floor_px, min_px("other", short_side))  # a price's sign and struck original price
    design = max(least, int(round(frac * short_side * scale * boost)))
    # Shrinking one element to fit is fine a little; much more and the whole group should scale down.
    floor_px = max(least, int(design * 0.6))
    font = fonts.for_(kind)
    if kind in ("badge", "cta"):
        fill = paint.accent
        inner_w = max_w - int(design * 1.4)
        fit = fit_lines(text, font, weight, inner_w, max_h, design, floor_px, max_lines=1)
        if fit is None:
            return None
        return _pill(name, text, font, fit[0], weight, fill, radius_ratio=0.5 if kind == "badge" else 0.22, draw=draw)
    px, py = _plate_pads(design)
    if kind == "price":
        return _price(
            name, text, original_price, currency, font, design, floor_px, max_w - 2 * px, paint, draw, minor, label
        )
    spacing = 1.18 if kind == "headline" else 1.3
    is_vertical = vertical and kind == "headline"
    # A selling point gives up room to its bullet (a dot a third of the size, and a gap).
    bullet_room = design // 3 + max(3, design // 3) if kind == "points" else 0
    fit = fit_lines(
        text,
        font,
        weight,
        max_w - 2 * px - bullet_room,
        max_h - 2 * py,
        design,
        floor_px,
        spacing=spacing,
        max_lines=3 if is_vertical else max_lines,
        vertical=is_vertical,
    )
    if fit is None:
        return None
    size, lines = fit
    style_align = "left" if kind == "points" or align not in ("left", "center", "right") else align
    sticker = render_lines(
        lines,
        _style(font, size, weight, paint, draw, align=style_align, line_spacing=spacing, vertical=is_vertical),
        draw=draw,
    )
    if kind == "points":
        sticker = bullet(sticker, paint.accent, max(3, design // 3))
    return _framed(name, sticker, paint, size)


def _price(
    name: str,
    price: str,
    original: str,
    currency: str,
    font: str,
    design: int,
    floor_px: int,
    max_w: int,
    paint: Paint,
    draw: bool = True,
    minor_px: int = 12,
    label: str = "",
) -> Piece | None:
    """¥ small + amount big in the accent colour, then the original price struck through."""
    sign, amount = split_price(price, currency)
    osign, oamount = split_price(original, currency)

    def row(size: int, drawn: bool) -> Sticker:
        accent = Paint(text=paint.accent, effect=paint.effect, plate=paint.plate)
        parts: list[Sticker] = []
        if label:  # 到手价 / 券后价: what the price means, small and bold before it
            parts.append(
                render_lines([label], _style(font, max(minor_px, int(size * 0.42)), 700, paint, drawn), draw=drawn)
            )
        if sign:
            parts.append(
                render_lines([sign], _style(font, max(minor_px, int(size * 0.55)), 700, accent, drawn), draw=drawn)
            )
        parts.append(render_lines([amount], _style(font, size, 800, accent, drawn), draw=drawn))
        if oamount:
            small = max(minor_px, int(size * 0.45))
            parts.append(
                render_lines([osign + oamount], _style(font, small, 400, paint, drawn, strike=True), draw=drawn)
            )
        gaps = (
            [max(3, size // 10)] * (1 if label else 0) + [max(1, size // 20)] * (1 if sign else 0) + [max(4, size // 4)]
        )
        return side_by_side(parts, gaps)

    size = design
    while size >= floor_px:
        if row(size, False).width <= max_w:  # sized from metrics; drawn once, at the size that fits
            return _framed(name, row(size, True) if draw else row(size, False), paint, size)
        size = int(size * 0.9) if size > floor_px else floor_px - 1
    return None
