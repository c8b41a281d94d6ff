"""LOOK: posters through the real pipeline (procedural scenes, `none` models) on one contact sheet.

Run: .venv/bin/python bench/text_sheet.py [out.png]
Rows: copy sets × scenes; columns: 1:1, 3:4, 9:16 (and a product placed right on 1:1).
Under each poster: the layout the auto choice took and the headline's size.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image, ImageDraw  # noqa: E402

from studio.models import ModelManager  # noqa: E402
from studio.pipeline import render_poster  # noqa: E402
from studio.recipe import CopyText, Placement, Recipe, SceneSettings  # noqa: E402
from studio.settings import Settings  # noqa: E402
from tests.conftest import make_bottle_cutout  # noqa: E402

COPIES = {
    "full": CopyText(
        headline="夏日清爽 水润一整天",
        subline="温和配方 敏感肌适用，清爽不黏腻",
        selling_points=["深层补水", "轻薄易吸收", "500ml 大容量"],
        price="99.9",
        original_price="159",
        badge="新品",
        cta="立即抢购",
    ),
    "short": CopyText(headline="双11狂欢价", subline="下单立减50元", price="199", cta="立即抢购"),
    "en": CopyText(
        headline="Fresh All Day",
        subline="Gentle formula for sensitive skin",
        price="29.9",
        selling_points=["Deep hydration", "Lightweight"],
        cta="Shop now",
        currency="$",
    ),
}
PLATFORMS = ["taobao_main", "taobao_3x4", "douyin_9x16"]


def main(out: Path) -> None:
    models = ModelManager(Settings(profile="none", open_browser=False))
    cut = make_bottle_cutout()
    tiles: list[tuple[Image.Image, str]] = []
    for copy_name, copy in COPIES.items():
        for scene in ("double11", "marble_counter"):
            for platform in [*PLATFORMS, "right"]:
                placement = Placement(center_x=0.68) if platform == "right" else Placement()
                recipe = Recipe(
                    scene=SceneSettings(preset=scene, backdrop="procedural"), copy_text=copy, placement=placement
                )
                t0 = time.perf_counter()
                poster = render_poster(models, cut, recipe, "taobao_main" if platform == "right" else platform)
                ms = (time.perf_counter() - t0) * 1000
                head = poster.text_boxes.get("headline")
                hh = head[3] - head[1] if head else 0
                note = f"{copy_name}/{scene}/{platform} head h={hh} {ms:.0f}ms"
                tiles.append((poster.image, note))
    h = 420
    cols = 4
    rows = [tiles[i : i + cols] for i in range(0, len(tiles), cols)]
    width = max(sum(int(im.width * h / im.height) + 10 for im, _ in row) for row in rows) + 10
    sheet = Image.new("RGB", (width, len(rows) * (h + 30) + 10), "white")
    draw = ImageDraw.Draw(sheet)
    for r, row in enumerate(rows):
        x = 10
        for im, note in row:
            w = int(im.width * h / im.height)
            y = 10 + r * (h + 30)
            sheet.paste(im.resize((w, h), Image.LANCZOS), (x, y))
            draw.text((x, y + h + 4), note, fill=(0, 0, 0))
            x += w + 10
    sheet.save(out)
    print(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("tests/_artifacts/text_sheet.png"))
