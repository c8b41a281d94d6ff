"""The bundled icon set: simple vector shapes in presets/icons.json, drawn here at any size.

The shapes were drawn for the studio (no third-party artwork; MIT like the project, as the file says).
An icon is a list of shapes on a 100×100 grid; `erase` shapes cut back out of what is drawn before.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from PIL import Image, ImageDraw

from studio.errors import StudioError
from studio.settings import REPO_ROOT

SUPERSAMPLE = 4  # drawn 4× larger, then reduced: smooth edges without an anti-aliasing library


@lru_cache(maxsize=1)
def _icon_file() -> dict[str, Any]:
    return json.loads((REPO_ROOT / "presets" / "icons.json").read_text(encoding="utf-8"))


def icon_ids() -> list[str]:
    return list(_icon_file()["icons"])


def check_icon(icon_id: str) -> None:
    if icon_id and icon_id not in _icon_file()["icons"]:
        raise StudioError(f"Unknown icon '{icon_id}' / 未知的图标。", hint=f"Choose one of: {', '.join(icon_ids())}.")


def draw_icon(icon_id: str, size: int, colour: tuple[int, int, int]) -> Image.Image:
    """The icon as an RGBA image of size×size in one colour, transparent around it."""
    check_icon(icon_id)
    grid = float(_icon_file()["grid"])
    big = size * SUPERSAMPLE
    k = big / grid
    mask = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(mask)
    for shape in _icon_file()["icons"][icon_id]:
        ink = 0 if shape.get("erase") else 255
        width = round(float(shape.get("width", 0)) * k)
        kind = shape["shape"]
        if kind == "circle":
            (cx, cy), r = shape["c"], shape["r"]
            box = [(cx - r) * k, (cy - r) * k, (cx + r) * k, (cy + r) * k]
            if width:
                draw.ellipse(box, outline=ink, width=width)
            else:
                draw.ellipse(box, fill=ink)
        elif kind == "rect":
            box = [v * k for v in shape["box"]]
            radius = round(float(shape.get("radius", 0)) * k)
            if width:
                draw.rounded_rectangle(box, radius=radius, outline=ink, width=width)
            else:
                draw.rounded_rectangle(box, radius=radius, fill=ink)
        elif kind == "polygon":
            draw.polygon([(x * k, y * k) for x, y in shape["points"]], fill=ink)
        elif kind == "line":
            points = [(x * k, y * k) for x, y in shape["points"]]
            draw.line(points, fill=ink, width=width, joint="curve")
            for x, y in (points[0], points[-1]):  # round caps
                draw.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=ink)
    alpha = mask.resize((size, size), Image.Resampling.LANCZOS)
    icon = Image.new("RGBA", (size, size), (*colour, 0))
    icon.putalpha(alpha)
    return icon
