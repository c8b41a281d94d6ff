"""Planning where each element goes: a template's groups, fitted into free space.

A template (presets/layouts/*.json) lists groups of elements, each with a region
in relative coordinates, an alignment and a vertical placement. A group takes the
free rectangle of its region (clear of the product and every `avoid` box) where
its text can be largest; elements that fit nowhere in their group spill into any
free space left, and only then are dropped (with a warning, by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from studio.recipe import Box
from studio.text.elements import DROP_ORDER, SPEC, Piece
from studio.text.space import BusyMap, free_rects, height, width

SCALES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.42, 0.35)
# How much each element is worth to a seller when a layout is scored.
WORTH = {"headline": 5.0, "price": 3.0, "subline": 2.0, "cta": 1.5, "badge": 1.0, "points": 1.0}

SPILL_COST = 0.4  # what a spilled element costs a layout's score, as a share of its worth

# Builds one element: (name, scale, max_w, max_h) -> Piece | None
Builder = Callable[[str, float, int, int], "Piece | None"]


@dataclass
class Placed:
    piece: Piece
    x: int
    y: int

    @property
    def box(self) -> Box:
        return (self.x, self.y, self.x + self.piece.width, self.y + self.piece.height)

    @property
    def tight_box(self) -> Box:
        t = self.piece.tight
        return (self.x + t[0], self.y + t[1], self.x + t[2], self.y + t[3])


@dataclass
class Plan:
    layout_id: str
    placed: list[Placed] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    spilled: list[str] = field(default_factory=list)  # placed outside their group, wherever room was left
    score: float = 0.0


def expand(names: list[str], present: list[str]) -> list[str]:
    """Template element names → present layer names ('points' → point_1…point_5)."""
    out: list[str] = []
    for n in names:
        if n == "points":
            out.extend(p for p in present if p.startswith("point_"))
        elif n in present:
            out.append(n)
    return out


def _kind(name: str) -> str:
    return "points" if name.startswith("point_") else name


def _rel_box(rel: list[float], canvas: tuple[int, int], safe: Box) -> Box:
    w, h = canvas
    box = (int(rel[0] * w), int(rel[1] * h), int(round(rel[2] * w)), int(round(rel[3] * h)))
    return (max(box[0], safe[0]), max(box[1], safe[1]), min(box[2], safe[2]), min(box[3], safe[3]))


def _fit_group(names: list[str], rect: Box, build: Builder, gap_px: float) -> tuple[float, list[Piece]] | None:
    """The largest scale at which every element of the group fits one above another in `rect`.

    A smaller scale never makes a group taller, so the scales are bisected (3 tries, not 8).
    """

    def at(scale: float) -> list[Piece] | None:
        pieces: list[Piece] = []
        for name in names:
            piece = build(name, scale, width(rect), height(rect))
            if piece is None:
                return None
            pieces.append(piece)
        total = sum(p.height for p in pieces) + int(gap_px * scale) * (len(pieces) - 1)
        return pieces if total <= height(rect) else None

    lo, hi = 0, len(SCALES) - 1
    best: tuple[float, list[Piece]] | None = None
    while lo <= hi:
        mid = (lo + hi) // 2
        pieces = at(SCALES[mid])
        if pieces is not None:
            best, hi = (SCALES[mid], pieces), mid - 1
        else:
            lo = mid + 1
    return best


def _arrange(pieces: list[Piece], rect: Box, align: str, valign: str, gap: int, busy: BusyMap) -> list[Placed]:
    total = sum(p.height for p in pieces) + gap * (len(pieces) - 1)
    col_w = max(p.width for p in pieces)
    slack = height(rect) - total
    if valign == "top":
        offsets = [0]
    elif valign == "bottom":
        offsets = [slack]
    elif valign == "center":
        offsets = [slack // 2]
    else:  # calm: the quietest vertical position for the column
        offsets = sorted({int(slack * t / 8) for t in range(9)})

    def column_x() -> int:
        if align == "left":
            return rect[0]
        if align == "right":
            return rect[2] - col_w
        return rect[0] + (width(rect) - col_w) // 2

    cx = column_x()
    best = min(offsets, key=lambda off: busy.mean((cx, rect[1] + off, cx + col_w, rect[1] + off + total)))
    placed: list[Placed] = []
    y = rect[1] + best
    for p in pieces:
        if align == "left":
            x = rect[0]
        elif align == "right":
            x = rect[2] - p.width
        else:
            x = rect[0] + (width(rect) - p.width) // 2
        placed.append(Placed(p, x, y))
        y += p.height + gap
    return placed


def _design_ratio(piece: Piece, short_side: int) -> float:
    return min(1.0, piece.size / (SPEC[_kind(piece.name)][0] * short_side))


def plan_template(
    template: dict[str, Any],
    present: list[str],
    *,
    canvas: tuple[int, int],
    safe: Box,
    obstacles: list[Box],
    build: Builder,
    busy: BusyMap,
) -> Plan:
    short = min(canvas)
    gap_px = short * 0.02
    plan = Plan(layout_id=template["id"])
    blocked = list(obstacles)
    spill: list[tuple[str, Box]] = []  # (element, its group's region)
    for group in template.get("groups", []):
        names = expand(group["elements"], present)
        if not names:
            continue
        region = _rel_box(group["region"], canvas, safe)
        rects = (
            free_rects(region, blocked, min_side=max(8, short // 20))[:6]
            if width(region) > 0 and height(region) > 0
            else []
        )
        # A band (min_width 0.8) is set across its region or not at all: never squeezed into a side strip.
        rects = [r for r in rects if width(r) >= group.get("min_width", 0.0) * width(region)]
        choice = _best_subset(names, rects, build, gap_px, busy, short)
        if choice is not None:
            kept, scale, pieces, rect = choice
            gap = int(gap_px * scale)
            placed = _arrange(pieces, rect, group.get("align", "left"), group.get("valign", "top"), gap, busy)
            plan.placed.extend(placed)
            blocked.extend(p.box for p in placed)
        else:
            kept = []
        spill.extend((n, region) for n in names if n not in kept)
    for name, home in sorted(spill, key=lambda nr: DROP_ORDER.index(nr[0]), reverse=True):
        # Near its group first (a subline stays by its headline), else wherever room is left.
        spot = _spill_spot(name, home, blocked, build, busy, short) or _spill_spot(
            name, safe, blocked, build, busy, short
        )
        if spot is None:
            plan.dropped.append(name)
        else:
            plan.placed.append(spot)
            plan.spilled.append(name)
            blocked.append(spot.box)
    plan.dropped.extend(n for n in present if n not in {p.piece.name for p in plan.placed} and n not in plan.dropped)
    plan.score = _score(plan, busy, short)
    return plan


def _best_subset(
    names: list[str], rects: list[Box], build: Builder, gap_px: float, busy: BusyMap, short: int
) -> tuple[list[str], float, list[Piece], Box] | None:
    """Which of a group's elements to set together, at what scale, in which free rectangle.

    All of them if they fit large; otherwise giving the least important ones up to
    the spill pass may let the rest (the headline above all) be set much larger,
    which reads better than one cramped block. Judged as `_score` judges a layout.
    """
    best: tuple[float, tuple[list[str], float, list[Piece], Box]] | None = None
    kept = list(names)
    while kept:
        fits = [(f, r) for r in rects if (f := _fit_group(kept, r, build, gap_px)) is not None]
        if fits:
            # Largest text (weighted by what matters to a seller) first; among equals the calmest rectangle.
            (scale, pieces), rect = max(fits, key=lambda fr: (round(_quality(fr[0][1], short), 2), -busy.mean(fr[1])))
            value = _quality(pieces, short) - SPILL_COST * sum(WORTH[_kind(n)] for n in names if n not in kept)
            if best is None or value > best[0] + 1e-6:
                best = (value, (list(kept), scale, pieces, rect))
            if min(_design_ratio(p, short) for p in pieces) >= SCALES[1]:
                break  # already (nearly) full size: giving more up cannot pay
        kept.remove(min(kept, key=DROP_ORDER.index))
        # The most the smaller set could be worth (every element at full size): stop when that cannot win.
        ceiling = sum(_full_worth(n) for n in kept) - SPILL_COST * sum(WORTH[_kind(n)] for n in names if n not in kept)
        if best is not None and ceiling <= best[0]:
            break
    return best[1] if best else None


def _full_worth(name: str) -> float:
    return WORTH[_kind(name)] * (2.0 if _kind(name) == "headline" else 1.0)


def _spill_spot(name: str, area: Box, blocked: list[Box], build: Builder, busy: BusyMap, short: int) -> Placed | None:
    best: tuple[tuple[float, float], Placed] | None = None
    if width(area) <= 0 or height(area) <= 0:
        return None
    for rect in free_rects(area, blocked, min_side=max(8, short // 25))[:8]:
        for scale in SCALES:
            piece = build(name, scale, width(rect), height(rect))
            if piece is not None and piece.height <= height(rect):
                placed = _arrange([piece], rect, "center", "calm", 0, busy)[0]
                key = (scale, -busy.mean(placed.box))
                if best is None or key > best[0]:
                    best = (key, placed)
                break
    return best[1] if best else None


def _quality(pieces: list[Piece], short: int) -> float:
    return sum(_worth(p, short) for p in pieces)


def _worth(p: Piece, short: int) -> float:
    """What one set element is worth: its kind's worth times how close to design size it is (headline ×2)."""
    kind = _kind(p.name)
    return WORTH[kind] * _design_ratio(p, short) * (2.0 if kind == "headline" else 1.0)


def _score(plan: Plan, busy: BusyMap, short: int) -> float:
    """Text size weighted by worth, on calm ground; the headline counts double, scattered pieces count less.

    The headline's size is what a seller sees first, so a layout that sets it large
    wins over one that sets everything a little larger; elements that had to be
    put wherever room was left (spilled) break the reading order and cost a share of their worth.
    """
    score = 0.0
    for p in plan.placed:
        score += _worth(p.piece, short) * (1.0 - 0.5 * min(1.0, busy.mean(p.box)))
    score -= sum(SPILL_COST * WORTH[_kind(n)] for n in plan.spilled)
    return score
