"""The implicit AI label holds up on the file as shipped: ReservedCode1/2 recomputed by a reader, names from settings."""

from __future__ import annotations

import dataclasses
import math

import pytest
from PIL import Image

from studio.export.aigc import DEFAULT_PRODUCER, label_digest, pixel_digest, verify_label
from studio.export.compliance import check_file
from studio.export.files import label_names, read_xmp, write_poster_file
from studio.export.xmp import parse_xmp
from studio.presets import get_platform
from studio.settings import Settings


def _label(path):
    return parse_xmp(read_xmp(path)).aigc


@pytest.mark.parametrize(("fmt", "cap"), [("jpeg", 0), ("jpeg", 400_000), ("png", 0), ("webp", 0), ("webp", 400_000)])
def test_reserved_code1_is_the_decoded_pixels_of_the_shipped_file(fmt, cap, make_poster, recipe, tmp_path):
    platform = dataclasses.replace(get_platform("taobao_main"), max_bytes=cap)
    poster, _ = make_poster(platform, noise=bool(cap))  # noise + cap: lossy quality search (JPEG <95, lossy WebP)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format=fmt)
    path = tmp_path / out.file
    label = _label(path)
    with Image.open(path) as shipped:
        shipped.load()
        assert label["ReservedCode1"] == pixel_digest(shipped), "a reader recomputes it from the file alone"
    if fmt != "png" and (fmt == "jpeg" or cap):
        # The hash is of the encoded pixels, not the image before compression (which lossy files never show).
        assert label["ReservedCode1"] != pixel_digest(poster.image)
    assert verify_label(path, label)[0]
    report = check_file(path, platform, product_box=poster.product_box, text_boxes={}, ai_generated=True)
    assert report["checks"]["aigc_metadata"]["status"] == "passed"
    assert "matches the decoded pixels" in report["checks"]["aigc_metadata"]["reason"]


def test_an_edited_file_fails_the_compliance_check(make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format="png")
    path = tmp_path / out.file
    with Image.open(path) as image:
        image.load()
        edited = image.copy()
        info = dict(image.info)
    edited.putpixel((5, 5), (0, 0, 0))
    edited.save(path, "PNG", pnginfo=_png_info(info))  # same metadata, one pixel changed
    report = check_file(path, platform, product_box=poster.product_box, text_boxes={}, ai_generated=True)
    assert report["checks"]["aigc_metadata"]["status"] == "failed"
    assert "does not match the file's pixels" in report["checks"]["aigc_metadata"]["reason"]


def _png_info(info):
    from PIL.PngImagePlugin import PngInfo

    png = PngInfo()
    for key, value in info.items():
        if isinstance(value, str):
            png.add_itxt(key, value)
    return png


def test_producer_and_propagator_follow_the_sellers_settings(make_poster, recipe, tmp_path):
    settings = Settings(content_producer="玫瑰小铺", content_propagator="tmall:12345")
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, **label_names(settings))
    label = _label(tmp_path / out.file)
    assert label["ContentProducer"] == "玫瑰小铺"
    assert label["ContentPropagator"] == "tmall:12345" and len(label["PropagateID"]) == 32
    assert label["ReservedCode2"] == label_digest(label)
    forged = {**label, "ContentProducer": "someone else"}
    assert verify_label(tmp_path / out.file, forged) == (
        False,
        "ReservedCode2 does not match the label's other fields: the label was edited",
    )


def test_defaults_name_the_app_and_leave_the_propagator_empty(make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, **label_names(Settings()))
    label = _label(tmp_path / out.file)
    assert label["ContentProducer"] == DEFAULT_PRODUCER
    assert label["ContentPropagator"] == label["PropagateID"] == label["ReservedCode2"] == ""


def test_settings_take_the_names_from_the_environment(monkeypatch):
    monkeypatch.setenv("STUDIO_PRODUCER", "Rose Shop")
    monkeypatch.setenv("STUDIO_PROPAGATOR", "jd:9")
    settings = Settings.from_env()
    assert label_names(settings) == {"producer": "Rose Shop", "propagator": "jd:9"}


@pytest.mark.parametrize(
    ("fmt", "platform_id"), [("jpeg", "taobao_main"), ("png", "douyin_9x16"), ("webp", "xiaohongshu_3x4")]
)
def test_visible_label_meets_the_5_percent_rule_on_the_shipped_file(fmt, platform_id, make_poster, recipe, tmp_path):
    platform = get_platform(platform_id)
    poster, _ = make_poster(platform, background=(250, 250, 250))  # a bright scene: the hardest case for the plate
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format=fmt, visible_label=True)
    report = check_file(
        tmp_path / out.file, platform, product_box=poster.product_box, text_boxes=out.text_boxes, ai_generated=True
    )
    check = report["checks"]["aigc_visible_label"]
    assert check["status"] == "passed", check
    assert check["ink_height_px"] >= check["required_px"] == math.ceil(0.05 * min(platform.size))


def test_a_too_small_label_fails_and_a_missing_one_is_reported(make_poster, recipe, tmp_path):
    from studio.export.labels import LABEL_BOX_NAME, add_visible_label

    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    small, box = add_visible_label(poster.image, min_height_fraction=0.03)
    poster = dataclasses.replace(poster, image=small, text_boxes={LABEL_BOX_NAME: box})
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    report = check_file(tmp_path / out.file, platform, text_boxes=out.text_boxes, ai_generated=True)
    check = report["checks"]["aigc_visible_label"]
    assert check["status"] == "failed" and "under 5 %" in check["reason"]
    assert 0.025 * 800 <= check["ink_height_px"] < 40
    missing = check_file(tmp_path / out.file, platform, text_boxes={}, ai_generated=True)
    assert missing["checks"]["aigc_visible_label"]["status"] == "not_checked"
    procedural = check_file(tmp_path / out.file, platform, text_boxes={}, ai_generated=False)
    assert "aigc_visible_label" not in procedural["checks"]
