"""A marketplace-grid contact sheet: the example products on several platforms, each poster 360 px wide.

    .venv/bin/python bench/poster_grid.py docs/poster_grid_before.jpg

What a buyer scrolling a phone grid sees: posters made headless (profile `none`,
procedural scenes), cut out from the example photos by their plain light backdrop
(no model needed), with copy that has a price, a button, a badge and 3 selling points.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.layers import Cutout  # noqa: E402
from studio.recipe import CopyText, Recipe  # noqa: E402

PLATFORMS = ("taobao_main", "jd_main", "pdd_main", "amazon_main", "taobao_white", "xiaohongshu_3x4", "douyin_9x16")
PRODUCTS = {
    "water_bottle": (
        "spring_festival",
        CopyText(
            headline="316不锈钢保温杯 长效保温",
            selling_points=["加厚杯壁保温", "500ml大容量", "一键开盖"],
            price="89",
            original_price="129",
            badge="新品",
            cta="立即抢购",
        ),
    ),
    "face_cream": (
        "pastel_podium",
        CopyText(
            headline="水润透亮 焕发光彩",
            subline="温和配方 敏感肌适用",
            selling_points=["深层补水", "轻薄易吸收", "清爽不黏腻"],
            price="99.9",
            original_price="159",
            badge="限时",
            cta="马上抢",
        ),
    ),
    "coffee_cup": (
        "wooden_table",
        CopyText(
            headline="手冲咖啡杯 早安好时光",
            selling_points=["陶瓷釉面", "隔热杯柄", "可进洗碗机"],
            price="59",
            original_price="79",
            badge="热卖",
            cta="立即购买",
        ),
    ),
}
TILE_W = 360


def plain_cutout(path: Path) -> Cutout:
    """The product from a photo on a plain light backdrop: pixels clearly off the backdrop's grey."""
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(np.int16)
    ref = np.median(np.concatenate([rgb[:8].reshape(-1, 3), rgb[-8:].reshape(-1, 3)]), axis=0)
    diff = np.abs(rgb - ref).max(axis=2)
    mask = Image.fromarray(((diff > 28) * 255).astype(np.uint8)).filter(ImageFilter.MedianFilter(5))
    mask = mask.filter(ImageFilter.MaxFilter(3)).filter(ImageFilter.MinFilter(3))
    # Rows and columns filled between their outermost product pixels: a white label stays in.
    on = np.asarray(mask) > 0
    mask = Image.fromarray(((_spans(on) | _spans(on.T).T) * 255).astype(np.uint8))
    rgba = Image.open(path).convert("RGBA")
    rgba.putalpha(mask)
    return Cutout(rgba=rgba, box=mask.getbbox(), source_sha256=path.stem)  # type: ignore[arg-type]


def _spans(on: np.ndarray) -> np.ndarray:
    cols = np.arange(on.shape[1])[None, :]
    first = np.where(on.any(1), on.argmax(1), on.shape[1])[:, None]
    last = np.where(on.any(1), on.shape[1] - 1 - on[:, ::-1].argmax(1), -1)[:, None]
    return (cols >= first) & (cols <= last)


def render_grid(out: Path, platforms: tuple[str, ...] = PLATFORMS) -> list[str]:
    from studio.models import ModelManager
    from studio.pipeline import SceneCache, render_poster
    from studio.settings import Settings

    models = ModelManager(Settings(profile="none", open_browser=False))
    rows: list[list[Image.Image]] = []
    warnings: list[str] = []
    for product, (scene, copy) in PRODUCTS.items():
        cutout = plain_cutout(ROOT / "examples" / f"{product}.jpg")
        recipe = Recipe(copy_text=copy)
        recipe.scene.preset = scene
        cache = SceneCache()
        row = []
        for pid in platforms:
            poster = render_poster(models, cutout, recipe, pid, cache=cache)
            warnings += [f"{product}/{pid}: {w}" for w in poster.warnings]
            im = poster.image
            row.append(im.resize((TILE_W, round(im.height * TILE_W / im.width)), Image.LANCZOS))
        rows.append(row)
    gap, label_h = 8, 18
    row_h = [max(im.height for im in row) for row in rows]
    sheet = Image.new(
        "RGB", (gap + len(platforms) * (TILE_W + gap), label_h + sum(h + gap for h in row_h) + gap), (238, 238, 238)
    )
    draw = ImageDraw.Draw(sheet)
    for c, pid in enumerate(platforms):
        draw.text((gap + c * (TILE_W + gap), 4), pid, fill=(40, 40, 40))
    y = label_h
    for row, h in zip(rows, row_h):
        for c, im in enumerate(row):
            sheet.paste(im, (gap + c * (TILE_W + gap), y))
        y += h + gap
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, quality=80)
    return warnings


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/poster_grid.jpg")
    for line in render_grid(target):
        print(line)
    print(f"wrote {target}")
