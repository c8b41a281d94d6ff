"""check_file: every rule says passed / failed / not_checked, with a reason."""

from __future__ import annotations

import dataclasses

import pytest
from PIL import Image, ImageDraw

from studio.export.compliance import check_file
from studio.export.files import write_poster_file
from studio.presets import get_platform


def test_white_background_amazon_main_passes_when_it_should(make_poster, recipe, tmp_path):
    platform = get_platform("amazon_main")
    poster, _ = make_poster(platform, background=(255, 255, 255), scale=3.6)  # bottle 1872 px tall
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    report = check_file(tmp_path / out.file, platform, product_box=out.product_box, text_boxes=out.text_boxes)
    checks = report["checks"]
    assert checks["white_background"]["status"] == "passed", checks["white_background"]
    assert checks["fill_85"]["status"] == "passed"
    assert checks["no_text"]["status"] == "passed"
    assert checks["srgb"]["status"] == "passed"
    assert checks["aigc_metadata"]["status"] == "passed"
    assert report["compliant"] is True


def test_coloured_scene_and_small_product_fail_amazon(make_poster, recipe, tmp_path):
    platform = get_platform("amazon_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    report = check_file(
        tmp_path / out.file, platform, product_box=out.product_box, text_boxes={"headline": (0, 0, 10, 10)}
    )
    assert report["checks"]["white_background"]["status"] == "failed"
    assert report["checks"]["fill_85"]["status"] == "failed"
    assert "26%" in report["checks"]["fill_85"]["reason"]
    assert report["checks"]["no_text"]["status"] == "failed"
    assert report["compliant"] is False


def test_a_soft_grey_shadow_outside_the_box_fails_white_background(tmp_path):
    platform = get_platform("taobao_white")
    image = Image.new("RGB", platform.size, "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((300, 200, 500, 600), fill=(30, 90, 200))
    draw.ellipse((280, 640, 520, 680), fill=(235, 235, 235))  # shadow under the product
    path = tmp_path / "white.png"
    image.save(path)
    check = check_file(path, platform, product_box=(300, 200, 501, 601), text_boxes={})["checks"]["white_background"]
    assert check["status"] == "failed" and check["off_white_pixels"] > 1000


def test_unknown_boxes_are_reported_as_not_checked(tmp_path):
    platform = get_platform("amazon_main")
    path = tmp_path / "plain.jpg"
    Image.new("RGB", platform.size, "white").save(path, quality=95)
    checks = check_file(path, platform)["checks"]
    assert checks["fill_85"]["status"] == "not_checked"
    assert checks["no_text"]["status"] == "not_checked"
    assert checks["white_background"]["status"] == "passed" and checks["white_background"]["partial"] is True
    assert checks["aigc_metadata"]["status"] == "failed", "a foreign file has no implicit AI label"


def test_size_format_and_byte_limits(tmp_path):
    platform = dataclasses.replace(get_platform("taobao_white"), min_bytes=38_000)
    path = tmp_path / "small.png"
    Image.new("RGB", (640, 640), "white").save(path)
    checks = check_file(path, platform)["checks"]
    assert checks["size"]["status"] == "failed" and "800×800" in checks["size"]["reason"]
    assert checks["min_bytes"]["status"] == "failed"
    assert checks["max_bytes"]["status"] == "passed"
    assert "prefers jpeg" in checks["format"]["reason"]


def test_cmyk_is_not_srgb(tmp_path):
    platform = get_platform("jd_main")
    path = tmp_path / "cmyk.jpg"
    Image.new("CMYK", platform.size, (0, 0, 0, 0)).save(path)
    assert check_file(path, platform)["checks"]["srgb"]["status"] == "failed"


def test_douyin_safe_area(make_poster, recipe, tmp_path):
    platform = get_platform("douyin_9x16")
    poster, _ = make_poster(platform)
    poster.text_boxes = {"headline": (100, 60, 900, 200)}  # under the top overlay
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    checks = check_file(tmp_path / out.file, platform, product_box=out.product_box, text_boxes=out.text_boxes)["checks"]
    assert checks["safe_top_bottom"]["status"] == "failed"
    assert checks["safe_top_bottom"]["layers"] == ["headline"], "the AI label itself sits inside the safe area"


@pytest.mark.slow
def test_ocr_finds_printed_words(tmp_path):
    """Essential but slow (rapidocr model load); skipped when rapidocr is absent."""
    pytest.importorskip("rapidocr_onnxruntime")
    from PIL import ImageFont

    from studio.export.labels import cjk_font_path

    platform = get_platform("taobao_white")
    image = Image.new("RGB", platform.size, "white")
    ImageDraw.Draw(image).text(
        (100, 350), "SALE 50% OFF", fill="black", font=ImageFont.truetype(str(cjk_font_path()), 80)
    )
    path = tmp_path / "text.jpg"
    image.save(path, quality=95)
    check = check_file(path, platform, ocr=True)["checks"]["no_text"]
    assert check["status"] == "failed" and "SALE" in check["reason"].upper()
