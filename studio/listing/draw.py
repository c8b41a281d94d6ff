"""Text, panels and pills for set slots and page sections, drawn on solid plates so they always read.

Every helper returns the box it drew into, so the caller can record it (OCR read-back, the
"text never on the product" check) and keep the next element clear of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageDraw

from studio.recipe import Box
from studio.text.contrast import contrast, parse_hex
from studio.text.fonts import load_font, resolve_font
from studio.text.linebreak import wrap

RGB = tuple[int, int, int]
INK_DARK: RGB = (34, 36, 40)
INK_LIGHT: RGB = (255, 255, 255)
ACCENT: RGB = (214, 40, 40)  # the studio's sale red, as the poster's accent
MIN_CONTRAST = 4.5


@dataclass(frozen=True)
class Ink:
    """A text colour and the ground it sits on (the plate's colour): checked for 4.5:1 once."""

    text: RGB
    ground: RGB

    @classmethod
    def on(cls, ground: RGB | str) -> "Ink":
        ground = parse_hex(ground) if isinstance(ground, str) else ground
        text = INK_DARK if contrast(INK_DARK, ground) >= MIN_CONTRAST else INK_LIGHT
        return cls(text=text, ground=ground)


def font_path(font: str) -> str:
    return str(resolve_font(font))


def fit_text(
    text: str, font: str, max_width: int, max_height: int, *, start_px: int, min_px: int, weight: int = 500
) -> tuple[list[str], int]:
    """Lines and a font size (start_px, shrinking to min_px) that fit max_width × max_height."""
    path = font_path(font)
    size = start_px
    while True:
        face = load_font(path, size, weight)
        lines = wrap(text, face.getlength, max_width)
        height = len(lines) * round(size * 1.3)
        widest = max((face.getlength(line) for line in lines), default=0)
        if (height <= max_height and widest <= max_width) or size <= min_px:
            return lines, size
        size = max(min_px, int(size * 0.9))


def draw_text(
    canvas: Image.Image,
    text: str,
    box: Box,
    *,
    font: str,
    ink: RGB,
    start_px: int,
    min_px: int,
    weight: int = 500,
    align: str = "left",
    valign: str = "center",
) -> tuple[Box, int]:
    """Set `text` inside `box` (wrapped, shrunk to fit); returns (the box the ink covers, font px)."""
    x0, y0, x1, y1 = box
    lines, size = fit_text(text, font, x1 - x0, y1 - y0, start_px=start_px, min_px=min_px, weight=weight)
    face = load_font(font_path(font), size, weight)
    step = round(size * 1.3)
    total = len(lines) * step
    top = y0 if valign == "top" else y0 + max(0, (y1 - y0 - total) // 2)
    draw = ImageDraw.Draw(canvas)
    left_most, right_most = x1, x0
    for i, line in enumerate(lines):
        width = face.getlength(line)
        x = x0 if align == "left" else (x0 + (x1 - x0 - width) / 2 if align == "center" else x1 - width)
        draw.text((x, top + i * step + (step - size) / 2), line, font=face, fill=ink)
        left_most, right_most = min(left_most, int(x)), max(right_most, int(x + width) + 1)
    if not lines:
        return (x0, y0, x0, y0), size
    return (max(x0, left_most), top, min(x1, right_most), min(y1, top + total)), size


def plate(canvas: Image.Image, box: Box, colour: RGB, *, alpha: float = 1.0, radius: int = 0) -> None:
    """A rounded panel over the canvas (alpha < 1 lets the scene show through a little)."""
    layer = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rounded_rectangle(box, radius=radius, fill=(*colour, round(255 * alpha)))
    canvas.paste(Image.alpha_composite(canvas.convert("RGBA"), layer).convert("RGB"))


def numbered_pill(canvas: Image.Image, number: int, centre: tuple[int, int], size: int, colour: RGB = ACCENT) -> Box:
    """A filled circle with a number in it (a point without an icon)."""
    cx, cy = centre
    box = (cx - size // 2, cy - size // 2, cx + size // 2, cy + size // 2)
    ImageDraw.Draw(canvas).ellipse(box, fill=colour)
    face = load_font(font_path("noto_sans_sc"), int(size * 0.55), 700)
    ImageDraw.Draw(canvas).text((cx, cy), str(number), font=face, fill=INK_LIGHT, anchor="mm")
    return box


def icon_disc(canvas: Image.Image, icon_id: str, centre: tuple[int, int], size: int, colour: RGB = ACCENT) -> Box:
    """The point's icon, white on a filled accent circle."""
    from studio.listing.icons import draw_icon

    cx, cy = centre
    box = (cx - size // 2, cy - size // 2, cx + size // 2, cy + size // 2)
    ImageDraw.Draw(canvas).ellipse(box, fill=colour)
    inner = int(size * 0.56)
    icon = draw_icon(icon_id, inner, INK_LIGHT)
    canvas.paste(icon, (cx - inner // 2, cy - inner // 2), icon)
    return box
