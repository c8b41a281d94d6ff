"""`layout_copy`: the copy as text layers placed clear of the product, readable on the scene.

1. Check the copy, the layout name and the colours; pick a font per element
   (falling back to the bundled CJK font where the chosen one lacks glyphs).
2. Plan: each template's groups go into the free space of their regions; `auto`
   scores every template on this canvas and keeps the best.
3. Paint: colours (or a plate) from the pixels under each element.
4. Draw each element onto its own canvas-sized RGBA layer, then measure the
   contrast on the composited pixels and add a solid plate where it falls short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageStat

from studio.errors import StudioError
from studio.layers import TextLayer
from studio.presets import all_presets
from studio.recipe import Box, CopyText
from studio.text.bands import draw_bands
from studio.text.contrast import INK, MIN_CONTRAST, RGB, WHITE, contrast, mean_colour, parse_hex, plate_for
from studio.text.dropped import dropped_warning, plan_value, relaid_warning
from studio.text.elements import DEFAULT_ACCENT, SPEC, Fonts, Paint, Piece, build, gradient_end, tall_boost
from studio.text.fonts import BUNDLED_ID, bundled_font_path, missing_glyphs, resolve_font
from studio.text.paint import choose_paint, pill_fill
from studio.text.plan import Placed, Plan, expand, plan_template
from studio.text.space import BusyMap, clip, inflate

_LABELS = {"headline": "headline", "subline": "subline", "price": "price", "badge": "badge", "cta": "button"}


@dataclass
class LayerInfo:
    """What was drawn for one layer, for the UI and for tests that measure it."""

    name: str
    text: str
    lines: list[str]
    font_px: int
    text_colours: list[RGB]  # every colour glyphs are drawn in (gradient ends included)
    plate: RGB | None  # the plate / pill colour under the text, if any
    ink: Image.Image  # L mask of glyph coverage, cropped to the layer's box


@dataclass
class TextLayout:
    layers: list[TextLayer]
    warnings: list[str]
    layout_id: str
    info: dict[str, LayerInfo] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)  # elements the seller typed that no layout could hold
    relaid: bool = False  # the seller's layout could not hold the copy; another one was used

    @property
    def boxes(self) -> dict[str, Box]:
        return {layer.name: layer.box for layer in self.layers}

    def composite(self, background: Image.Image) -> Image.Image:
        """The background with every text layer on it (RGB), for previews and tests."""
        out = background.convert("RGBA")
        for layer in self.layers:
            out.alpha_composite(layer.rgba, dest=layer.box[:2])
        return out.convert("RGB")


def list_layouts() -> list[str]:
    return list(all_presets("layouts"))


def copy_items(copy: CopyText) -> dict[str, str]:
    """Layer name → text, for the layers this copy draws (empty strings are not drawn)."""
    items = {"badge": copy.badge, "headline": copy.headline, "subline": copy.subline}
    for i, point in enumerate(copy.selling_points[:5], start=1):
        items[f"point_{i}"] = point
    items["price"] = copy.price
    items["cta"] = copy.cta
    return {k: " ".join(v.split()) for k, v in items.items() if v and v.strip()}


def _choose_fonts(copy: CopyText, items: dict[str, str], warnings: list[str]) -> Fonts:
    bundled = str(bundled_font_path())
    chosen = str(resolve_font(copy.font or BUNDLED_ID))
    by_element = {"default": chosen}
    texts_by_kind: dict[str, str] = {}
    for name, text in items.items():
        kind = "points" if name.startswith("point_") else name
        texts_by_kind[kind] = texts_by_kind.get(kind, "") + text
    texts_by_kind["price"] = texts_by_kind.get("price", "") + copy.original_price + copy.currency
    for kind, text in texts_by_kind.items():
        lacking = missing_glyphs(chosen, text) if chosen != bundled else ""
        if lacking:
            by_element[kind] = bundled
            warnings.append(
                f"The font '{copy.font}' cannot draw {_quote(lacking)} in the {_LABELS.get(kind, 'selling points')}; "
                "used Noto Sans SC there instead."
            )
        still = missing_glyphs(by_element.get(kind, chosen), text)
        if still:
            warnings.append(
                f"No font here can draw {_quote(still)} in the {_LABELS.get(kind, 'selling points')}; it will show as boxes."
            )
    return Fonts(by_element)


def _quote(chars: str) -> str:
    return "“" + chars[:12] + ("…" if len(chars) > 12 else "") + "”"


def _safe_area(canvas: tuple[int, int], safe_margin: float, safe_top: float, safe_bottom: float) -> Box:
    w, h = canvas
    m = int(round(safe_margin * min(w, h)))
    return (m, m + int(round(safe_top * h)), w - m, h - m - int(round(safe_bottom * h)))


def layout_copy(
    copy: CopyText,
    background: Image.Image,
    product_box: Box,
    *,
    avoid: Sequence[Box] = (),
    safe_margin: float = 0.04,
    safe_top: float = 0.0,
    safe_bottom: float = 0.0,
    busy: BusyMap | None = None,
) -> TextLayout:
    """Text layers for `copy` on this canvas, every box inside it and clear of `product_box` and `avoid`.

    With `copy.logo`, a layer named "logo" joins them, in a free corner. `busy`: this background's
    BusyMap when the caller keeps one (an export lays many copies on one composited scene).
    """
    if copy.logo:
        return _with_logo(
            copy,
            background,
            product_box,
            avoid=avoid,
            busy=busy,
            safe_margin=safe_margin,
            safe_top=safe_top,
            safe_bottom=safe_bottom,
        )
    background = background if background.mode == "RGB" else background.convert("RGB")
    canvas = background.size
    warnings: list[str] = []
    templates = all_presets("layouts")
    if copy.layout != "auto" and copy.layout not in templates:
        raise StudioError(f"Unknown layout '{copy.layout}'.", hint=f"Choose auto or one of: {', '.join(templates)}.")
    explicit = None if copy.text_color in ("", "auto") else parse_hex(copy.text_color)
    accent = None if copy.accent_color in ("", "auto") else parse_hex(copy.accent_color)
    items = copy_items(copy)
    layout_id = copy.layout if copy.layout != "auto" else "top_center"
    if not items:
        return TextLayout([], warnings, layout_id)
    if not (0 <= safe_margin < 0.5 and 0 <= safe_top < 1 and 0 <= safe_bottom < 1 and safe_top + safe_bottom < 0.9):
        raise StudioError(
            "The safe margins leave no room for text.", hint="Use fractions such as 0.04 (margin) and 0.1 (top/bottom)."
        )
    fonts = _choose_fonts(copy, items, warnings)
    short = min(canvas)
    boost = tall_boost(canvas)
    floor_px = max(12, int(round(short * 0.02)))
    gap = max(2, int(short * 0.02))
    safe = _safe_area(canvas, safe_margin, safe_top, safe_bottom)
    obstacles = [inflate(tuple(int(v) for v in b), gap) for b in (product_box, *avoid)]  # type: ignore[misc]
    busy = busy if busy is not None and busy.size == canvas else BusyMap(background)

    memo: dict[tuple, Piece | None] = {}
    label = [""]  # the template's price label (到手价…), set per template planned

    def builder(paint: Paint, align: str = "left", draw: bool = True):
        def make(name: str, scale: float, max_w: int, max_h: int) -> Piece | None:
            key = (name, scale, max_w, max_h, align, paint, draw, label[0])
            if key in memo:
                return memo[key]
            piece = build(
                name,
                items[name],
                fonts=fonts,
                short_side=short,
                scale=scale,
                max_w=max_w,
                max_h=max_h,
                floor_px=floor_px,
                paint=paint,
                align=align,
                original_price=copy.original_price,
                currency=copy.currency,
                vertical=copy.vertical,
                draw=draw,
                boost=boost,
                label=label[0],
            )
            if piece is not None:
                piece.args = (scale, max_w, max_h)
            memo[key] = piece
            return piece

        return make

    sizes: dict[tuple, Piece | None] = {}

    def size_only(name: str, scale: float, max_w: int, max_h: int, align: str) -> Piece | None:
        """The element's size for planning (no pixels, no paint)."""
        key = (name, scale, max_w, max_h, align, label[0])
        if key not in sizes:
            piece = build(
                name,
                items[name],
                fonts=fonts,
                short_side=short,
                scale=scale,
                max_w=max_w,
                max_h=max_h,
                floor_px=floor_px,
                paint=Paint(),
                align=align,
                original_price=copy.original_price,
                currency=copy.currency,
                vertical=copy.vertical,
                draw=False,
                boost=boost,
                label=label[0],
            )
            if piece is not None:
                piece.args = (scale, max_w, max_h)
            sizes[key] = piece
        return sizes[key]

    names = list(items)

    def plan_for(template: dict) -> Plan:
        label[0] = str(template.get("price_label", ""))
        aligned = {g_name: g.get("align", "left") for g in template.get("groups", []) for g_name in g["elements"]}
        align_of = lambda n: aligned.get("points" if n.startswith("point_") else n, "left")  # noqa: E731
        measure = lambda n, s, w, h: size_only(n, s, w, h, align_of(n))  # noqa: E731
        made = plan_template(template, names, canvas=canvas, safe=safe, obstacles=obstacles, build=measure, busy=busy)
        for placed in made.placed:
            placed.piece.align = align_of(placed.piece.name)
        return made

    # Promo layouts (bands, price labels) are a seller's explicit choice: auto and re-lays use the plain ones.
    plain = [t for t in templates.values() if t.get("auto", True)]
    candidates = [templates[copy.layout]] if copy.layout != "auto" else plain
    plan = max((plan_for(t) for t in candidates), key=plan_value)
    relaid = False
    if plan.dropped and copy.layout != "auto":
        # The chosen layout cannot hold everything the seller typed: another one may, and that beats dropping.
        other = max((plan_for(t) for t in plain if t["id"] != copy.layout), key=plan_value, default=None)
        if other is not None and len(other.dropped) < len(plan.dropped):
            warnings.append(relaid_warning(copy, copy.layout, other.layout_id))
            plan, relaid = other, True
    for name in plan.dropped:
        warnings.append(dropped_warning(copy, name))
    template = templates[plan.layout_id]
    label[0] = str(template.get("price_label", ""))
    # Promo layouts: solid bands behind some groups (a 到手价 band, a countdown strip), drawn first.
    bands, background = draw_bands(template, plan, background, product_box, safe, accent)
    pills = {n for g in template.get("groups", []) if g.get("pills") for n in expand(g["elements"], names)}
    layers, info = _paint_and_draw(plan, items, background, builder, explicit, accent, copy.text_effect, pills)
    layers = [*bands, *layers]
    for name, li in info.items():
        design = SPEC["points" if name.startswith("point_") else name][0] * short
        if name == "headline" and li.font_px < design * 0.45:
            warnings.append(
                f"The headline had to shrink to {li.font_px}px to fit; a shorter headline will read better."
            )
    return TextLayout(layers, warnings, plan.layout_id, info, dropped=list(plan.dropped), relaid=relaid)


def _with_logo(
    copy: CopyText,
    background: Image.Image,
    product_box: Box,
    *,
    avoid: Sequence[Box],
    busy: BusyMap | None,
    **margins: float,
) -> TextLayout:
    """The copy first; the logo in a corner left free. If none is, the logo takes a corner and the copy is set around it."""
    from studio.text.logo import load_logo, place_logo

    plain = copy.model_copy(update={"logo": ""})
    text = layout_copy(plain, background, product_box, avoid=avoid, busy=busy, **margins)  # type: ignore[arg-type]
    logo, problem = load_logo(copy.logo)
    if logo is None:
        return TextLayout(text.layers, [*text.warnings, problem], text.layout_id, text.info, text.dropped)
    background = background.convert("RGB")
    short = min(background.size)
    safe = _safe_area(
        background.size, margins.get("safe_margin", 0.04), margins.get("safe_top", 0.0), margins.get("safe_bottom", 0.0)
    )
    gap = max(2, int(short * 0.02))
    layer = place_logo(logo, background, safe=safe, obstacles=[product_box, *avoid, *text.boxes.values()], gap=gap)
    if layer is not None:
        return TextLayout([*text.layers, layer], text.warnings, text.layout_id, text.info, text.dropped)
    layer = place_logo(logo, background, safe=safe, obstacles=[product_box, *avoid], gap=gap)
    if layer is None:
        return TextLayout(
            text.layers,
            [*text.warnings, "There was no free corner for the logo; it was left out."],
            text.layout_id,
            text.info,
            [*text.dropped, "logo"],
        )
    around = layout_copy(plain, background, product_box, avoid=[*avoid, layer.box], busy=busy, **margins)  # type: ignore[arg-type]
    return TextLayout([*around.layers, layer], around.warnings, around.layout_id, around.info, around.dropped)


def _label(name: str) -> str:
    if name.startswith("point_"):
        return f"selling point {name.split('_')[1]}"
    return _LABELS.get(name, name)


def _crop(image: Image.Image, box: Box) -> np.ndarray:
    """The pixels of `box` (clipped to the image); one pixel when nothing is left."""
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(image.width, box[2]), min(image.height, box[3])
    if x1 <= x0 or y1 <= y0:
        return np.asarray(image.crop((0, 0, 1, 1)))
    return np.asarray(image.crop((x0, y0, x1, y1)))  # only the box is copied, never the canvas


def _paint_and_draw(
    plan: Plan,
    items: dict[str, str],
    background: Image.Image,
    builder,
    explicit,
    accent,
    effect: str,
    pills: set[str] = frozenset(),
):  # type: ignore[assignment]
    bg = background
    canvas = background.size
    order = ["badge", "headline", "subline", *[f"point_{i}" for i in range(1, 6)], "price", "cta"]
    placed_by_name = {p.piece.name: p for p in plan.placed}
    layers: list[TextLayer] = []
    info: dict[str, LayerInfo] = {}
    prefer: RGB | None = None
    for name in order:
        placed = placed_by_name.get(name)
        if placed is None:
            continue
        kind = "points" if name.startswith("point_") else name
        paint = choose_paint(
            kind,
            _crop(bg, placed.tight_box),
            _crop(bg, placed.box),
            explicit=explicit,
            accent=accent,
            effect=effect,
            prefer=prefer,
        )
        if name in pills:  # selling points each on their own pill
            fill = pill_fill(accent or DEFAULT_ACCENT, _crop(bg, placed.box))
            ink = max((WHITE, INK), key=lambda c: contrast(c, fill))
            paint = Paint(text=ink, accent=ink, plate=fill, plate_alpha=1.0)
        drawn = _redraw(placed, builder, paint)
        layer, li = _layer(name, items[name], drawn, canvas, paint)
        if not _reads(layer, li, background):
            # Measured on the final pixels it falls short (busy texture, a thin stroke): a solid plate.
            solid = Paint(
                text=paint.text,
                accent=paint.text if paint.plate is None else paint.accent,
                plate=plate_for(paint.text),
                plate_alpha=1.0,
            )
            drawn = _redraw(placed, builder, solid)
            layer, li = _layer(name, items[name], drawn, canvas, solid)
        if kind in ("headline", "subline", "points"):
            prefer = paint.text
        layers.append(layer)
        info[name] = li
    return layers, info


def _redraw(placed: Placed, builder, paint: Paint) -> Placed:
    scale, max_w, max_h = placed.piece.args
    piece = builder(paint, placed.piece.align)(placed.piece.name, scale, max_w, max_h)
    if piece is None or piece.width > placed.piece.width or piece.height > placed.piece.height:
        piece = placed.piece  # cannot happen by construction (sizes do not depend on paint); keep the plan's
    return Placed(piece, placed.x, placed.y)


def _layer(name: str, text: str, placed: Placed, canvas: tuple[int, int], paint: Paint) -> tuple[TextLayer, LayerInfo]:
    # The layer is only as big as its box: compositing 9 canvas-sized layers costs more than the layout.
    box = clip(placed.tight_box, (0, 0, *canvas))
    ox, oy = box[0] - placed.x, box[1] - placed.y
    inner = (ox, oy, ox + box[2] - box[0], oy + box[3] - box[1])
    rgba = placed.piece.sticker.rgba.crop(inner)
    ink = placed.piece.sticker.ink.crop(inner)
    kind = "points" if name.startswith("point_") else name
    if kind in ("badge", "cta"):
        colours = [_pill_text_colour(placed.piece)]
        plate: RGB | None = paint.accent
    else:
        colours = [paint.text]
        if kind == "headline" and paint.effect == "gradient" and paint.plate is None:
            colours.append(gradient_end(paint))
        if kind == "price":
            colours = [paint.accent, paint.text]
        plate = paint.plate
    return TextLayer(name=name, rgba=rgba, box=box), LayerInfo(
        name, text, placed.piece.lines, placed.piece.size, colours, plate, ink
    )


def _pill_text_colour(piece: Piece) -> RGB:
    arr = np.asarray(piece.sticker.rgba)[..., :3]
    ink = np.asarray(piece.sticker.ink) >= 250
    return mean_colour(arr[ink]) if ink.any() else (255, 255, 255)


def _reads(layer: TextLayer, li: LayerInfo, background: Image.Image) -> bool:
    """Contrast of every text colour against the mean of the final pixels around the glyphs."""
    return measured_contrast(layer, li, background) >= MIN_CONTRAST


def measured_contrast(layer: TextLayer, li: LayerInfo, background: Image.Image) -> float:
    """min over text colours of contrast(colour, mean final colour of non-glyph pixels in the box)."""
    base = background.crop(layer.box).convert("RGBA")
    base.alpha_composite(layer.rgba)
    final = base.convert("RGB")
    ink = li.ink if li.ink.size == final.size else li.ink.crop((0, 0, *final.size))
    # Mean of the pixels without glyph ink, from masked histograms (C) rather than a numpy gather.
    stat = ImageStat.Stat(final, mask=ink.point(_GROUND_ONLY))
    if not stat.count or stat.count[0] == 0:
        return 21.0
    mean = tuple(int(round(v)) for v in stat.mean)
    return min(contrast(c, mean) for c in li.text_colours)  # type: ignore[arg-type]


_GROUND_ONLY = [255] + [0] * 255  # ink lookup: no ink → counted
