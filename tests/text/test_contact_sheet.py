"""LOOK: the same copy at 1:1, 3:4 and 9:16 over light, dark and busy scenes, on one sheet."""

from __future__ import annotations

from PIL import Image

from studio.recipe import CopyText
from studio.text import layout_copy
from studio.text.space import intersects
from tests.text.helpers import SIZES, background, with_product

COPY = CopyText(
    headline="夏日清爽 水润一整天",
    subline="温和配方 敏感肌适用，清爽不黏腻",
    selling_points=["深层补水", "轻薄易吸收", "500ml 大容量"],
    price="99.9",
    original_price="159",
    badge="新品",
    cta="立即抢购",
)


def test_contact_sheet(artifacts_dir) -> None:
    rows = []
    for kind in ("light", "dark", "astronaut"):
        row = []
        for ratio, size in SIZES.items():
            img, box = with_product(background(kind, size), 0.5, 0.92, 0.55)
            douyin = ratio == "9:16"
            result = layout_copy(COPY, img, box, safe_top=0.1 if douyin else 0.0, safe_bottom=0.12 if douyin else 0.0)
            assert {"headline", "price", "cta"} <= set(result.boxes), (kind, ratio, result.warnings)
            boxes = list(result.boxes.values())
            assert not any(intersects(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])  # no text on text
            row.append(result.composite(img))
        rows.append(row)
    h = 480
    widths = [int(im.width * h / im.height) for im in rows[0]]
    sheet = Image.new("RGB", (sum(widths) + 10 * (len(widths) + 1), len(rows) * (h + 10) + 10), "white")
    for r, row in enumerate(rows):
        x = 10
        for im, w in zip(row, widths):
            sheet.paste(im.resize((w, h), Image.LANCZOS), (x, 10 + r * (h + 10)))
            x += w + 10
    sheet.save(artifacts_dir / "contact_sheet.png")
