"""A blown-up product: a warning the seller sees from 2×, a failed file from 4× (13× is unusable)."""

from __future__ import annotations

from studio.export.poster_rows import upscale_row
from studio.ui.export_tab import compliance_rows_from


def test_mild_upscale_warns_and_heavy_upscale_fails():
    assert upscale_row(1.6)["status"] == "passed"
    mild, heavy = upscale_row(2.5, "zh"), upscale_row(13.0, "en")
    assert mild["status"] == "warning" and "放大了 2.5 倍" in mild["reason"]
    assert heavy["status"] == "failed" and heavy["reason"].startswith("product upscaled 13.0×, may look blurry")


def test_the_compliance_table_shows_a_warning_with_its_reason():
    checks = {"size": {"status": "passed", "reason": "ok"}, "upscale": upscale_row(2.5, "zh")}
    [row] = compliance_rows_from([{"file": "a.jpg", "variant": "A", "platform": "xiaohongshu_3x4", "checks": checks}])
    assert row[3].startswith("⚠") and "商品清晰度" in row[4] and "2.5 倍" in row[4]
