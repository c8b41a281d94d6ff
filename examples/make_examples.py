"""Regenerate the example product photos: `python examples/make_examples.py`.

All three are made here (scikit-image's public-domain coffee photo, and two
products drawn with Pillow), so the Space ships no third-party images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent


def studio_backdrop(size: tuple[int, int], top: int = 238, bottom: int = 214) -> Image.Image:
    """A plain light-grey sweep, like a phone photo on a table against a wall."""
    w, h = size
    ramp = np.linspace(top, bottom, h, dtype=np.float32)[:, None].repeat(w, axis=1)
    noise = np.random.default_rng(3).normal(0, 1.5, (h, w)).astype(np.float32)
    grey = np.clip(ramp + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(np.stack([grey, grey, (grey * 0.99).astype(np.uint8)], axis=-1))


def soft_shadow(size: tuple[int, int], box: tuple[int, int, int, int]) -> Image.Image:
    shadow = Image.new("L", size, 0)
    ImageDraw.Draw(shadow).ellipse(box, fill=90)
    return shadow.filter(ImageFilter.GaussianBlur(14))


def bottle(size: int = 800) -> Image.Image:
    img = studio_backdrop((size, size))
    cx, top, bottom, half = size // 2, 150, 690, 105
    img.paste((150, 150, 150), (0, 0), soft_shadow((size, size), (cx - 150, bottom - 25, cx + 150, bottom + 25)))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([cx - 38, top, cx + 38, top + 70], radius=8, fill=(35, 35, 40))  # cap
    d.rounded_rectangle([cx - 50, top + 60, cx + 50, top + 150], radius=20, fill=(40, 120, 170))  # neck
    d.rounded_rectangle([cx - half, top + 120, cx + half, bottom], radius=46, fill=(30, 110, 165))  # body
    for x in range(cx - half + 14, cx - half + 40):  # a highlight down the left side
        d.line([(x, top + 150), (x, bottom - 30)], fill=(120, 185, 225))
    d.rectangle([cx - half, 380, cx + half, 560], fill=(246, 244, 238))  # label
    d.rectangle([cx - half, 380, cx + half, 396], fill=(205, 40, 50))
    d.text((cx - 70, 430), "PURE SPRING", fill=(30, 30, 30), font_size=26)
    d.text((cx - 50, 475), "500 ml", fill=(80, 80, 80), font_size=24)
    return img


def jar(size: int = 800) -> Image.Image:
    img = studio_backdrop((size, size), top=244, bottom=222)
    cx, top, bottom, half = size // 2, 300, 620, 170
    img.paste((150, 150, 150), (0, 0), soft_shadow((size, size), (cx - 210, bottom - 30, cx + 210, bottom + 30)))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([cx - half, top + 60, cx + half, bottom], radius=40, fill=(236, 214, 200))  # frosted glass
    d.ellipse([cx - half, bottom - 40, cx + half, bottom + 20], fill=(226, 202, 188))
    d.rounded_rectangle([cx - half - 8, top, cx + half + 8, top + 80], radius=14, fill=(186, 150, 92))  # gold lid
    for y in range(top + 10, top + 70, 8):
        d.line([(cx - half, y), (cx + half, y)], fill=(206, 172, 110))
    d.text((cx - 80, top + 190), "ROSE CREAM", fill=(120, 70, 70), font_size=30)
    d.text((cx - 40, top + 240), "50 g", fill=(140, 100, 100), font_size=24)
    return img


def coffee() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.coffee()).convert("RGB")


def main() -> None:
    for name, make in (("coffee_cup", coffee), ("water_bottle", bottle), ("face_cream", jar)):
        make().save(HERE / f"{name}.jpg", quality=88, optimize=True)
        print(HERE / f"{name}.jpg")


if __name__ == "__main__":
    main()
