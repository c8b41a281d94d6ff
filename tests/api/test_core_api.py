"""The public API's core (studio.api): stateless calls, recipes round-trip, stable error codes in zh and en."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from studio.api import ApiError, ab_stats, check_copy, make_posters, parse_recipe, pick_language, remove_background
from tests.conftest import make_bottle_cutout

# Fields without a widget of their own, and a non-default control: they must come back as sent.
RICH_RECIPE = {
    "scene": {"preset": "studio_white", "control_type": "depth", "seed": 11},
    "copy_text": {"headline": "双11 狂欢价", "price": "99", "vertical": True, "currency": "$",
                  "accent_color": "#0A7F3F", "text_effect": "stroke"},
    "export": {"platforms": ["taobao_main", "douyin_9x16"], "sku": "cup01"},
}  # fmt: skip


@pytest.fixture(scope="module")
def cutout_png(tmp_path_factory) -> Path:
    """An RGBA cut-out on disk: the API keeps its own outline, so no background model runs."""
    path = tmp_path_factory.mktemp("product") / "bottle.png"
    make_bottle_cutout().rgba.save(path)
    return path


@pytest.fixture(scope="module")
def batch(cutout_png, none_models, tmp_path_factory):
    return make_posters(cutout_png, json.dumps(RICH_RECIPE), models=none_models, variants=2,
                        out_dir=tmp_path_factory.mktemp("out"))  # fmt: skip


def test_make_posters_returns_the_zip_and_its_rows(batch):
    with zipfile.ZipFile(batch.zip_path) as z:
        names = set(z.namelist())
        zipped = list(csv.DictReader(z.read("manifest.csv").decode("utf-8-sig").splitlines()))
    assert {"recipes/A.json", "recipes/B.json", "compliance.csv"} <= names
    assert batch.manifest == zipped
    assert {(r["variant"], r["platform"]) for r in batch.manifest} == {
        (v, p) for v in "AB" for p in ("taobao_main", "douyin_9x16")
    }
    assert {r["file"] for r in batch.manifest} <= names
    assert {r["file"] for r in batch.compliance} == {r["file"] for r in batch.manifest}
    assert all(r["sku"] == "cup01" for r in batch.manifest)


def test_the_recipe_comes_back_as_sent(batch):
    sent = parse_recipe(RICH_RECIPE).model_dump(mode="json")
    used = batch.recipe
    for part in ("cutout", "placement", "scene", "styles", "copy_text", "export"):
        assert used[part] == sent[part], part
    assert used["scene"]["control_type"] == "depth" and used["copy_text"]["vertical"] is True
    assert used["source_sha256"] and used["outputs"], "the recipe as used names its photo and files"


def test_a_dict_and_json_text_make_the_same_recipe():
    assert parse_recipe(RICH_RECIPE) == parse_recipe(json.dumps(RICH_RECIPE)) == parse_recipe(parse_recipe(RICH_RECIPE))
    assert parse_recipe(None) == parse_recipe("") == parse_recipe({})


@pytest.mark.parametrize(
    ("recipe", "code", "zh_part", "en_part"),
    [
        ("{not json", "recipe_not_json", "不是有效的 JSON", "not valid JSON"),
        ("[1, 2]", "recipe_not_object", "JSON 对象", "JSON object"),
        ({"version": 99}, "recipe_too_new", "更新版本", "newer Poster Studio"),
        ({"scene": {"control_type": "pose"}}, "recipe_invalid", "scene.control_type", "scene.control_type"),
        ({"copy_text": {"headlin": "typo"}}, "recipe_invalid", "copy_text.headlin", "copy_text.headlin"),
        (
            {"export": {"platforms": ["nowhere"]}},
            "unknown_platform",
            "未知的平台“nowhere”",
            "Unknown platform 'nowhere'",
        ),
        ({"scene": {"preset": "moon"}}, "unknown_scene", "未知的场景", "Unknown scene"),
        ({"copy_text": {"layout": "zigzag"}}, "unknown_layout", "未知的版式", "Unknown layout"),
    ],
)
def test_a_bad_recipe_gets_a_stable_code_in_the_requested_language(
    recipe, code, zh_part, en_part, cutout_png, none_models, tmp_path
):
    for language, part in (("zh", zh_part), ("en", en_part)):
        with pytest.raises(ApiError) as err:
            make_posters(cutout_png, recipe, models=none_models, out_dir=tmp_path, language=language)
        assert err.value.code == code
        assert str(err.value).startswith(f"[{code}] ") and part in str(err.value)
    assert not list(tmp_path.iterdir()), "nothing is written for a refused request"


def test_a_bad_image_and_a_missing_one(none_models, tmp_path):
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(ApiError) as err:
        make_posters(junk, {}, models=none_models, language="zh")
    assert err.value.code == "image_unreadable" and "无法读取" in str(err.value)
    with pytest.raises(ApiError) as err:
        make_posters(None, {}, models=none_models)  # type: ignore[arg-type]
    assert err.value.code == "product_missing"
    with pytest.raises(ApiError) as err:
        make_posters(junk, {}, models=none_models, variants=99)
    assert err.value.code == "bad_variant_count"


def test_remove_background_keeps_a_cut_outs_own_outline(cutout_png, none_models, tmp_path):
    path = remove_background(cutout_png, models=none_models, out_dir=tmp_path)
    with Image.open(path) as image, Image.open(cutout_png) as original:
        assert image.mode == "RGBA" and path.suffix == ".png"
        assert image.getchannel("A").getextrema() == (0, 255)
        assert image.size[0] >= original.getbbox()[2] - original.getbbox()[0]
    with pytest.raises(ApiError) as err:
        remove_background(cutout_png, models=none_models, model="magic", language="zh")
    assert err.value.code == "unknown_cutout_model" and "未知的抠图模型" in str(err.value)
    with pytest.raises(ApiError) as err:
        remove_background(cutout_png, models=none_models, edge_shift=500)
    assert err.value.code == "recipe_invalid" and "edge_shift_px" in str(err.value)


def test_check_copy_speaks_both_languages():
    zh = check_copy("全网最低价，销量第一", language="zh")
    en = check_copy("全网最低价，销量第一", language="en")
    assert [f["word"] for f in zh] == [f["word"] for f in en] == ["全网最低", "第一"]
    assert "建议改为" in zh[0]["message"] and "try" in en[0]["message"]
    assert zh[0]["suggestion"] and zh[0]["start"] == 0
    assert check_copy("保温一整天") == []
    with pytest.raises(ApiError) as err:
        check_copy("好" * 5000)
    assert err.value.code == "text_too_long"


def test_ab_stats_reads_csv_text_and_never_a_file_name(tmp_path):
    result = ab_stats("variant,impressions,clicks\nA,10000,300\nB,10000,380\n")  # big enough for the sequential rule
    assert result["winner"] == "B" and set(result["variants"]) == {"A", "B"}
    secret = tmp_path / "results.csv"
    secret.write_text("variant,impressions,clicks\nA,10,1\nB,10,2\n")
    for not_csv in (str(secret), "/etc/passwd"):
        with pytest.raises(ApiError) as err:
            ab_stats(not_csv, language="zh")
        assert err.value.code == "results_invalid" and "A/B 结果表" in str(err.value)
    with pytest.raises(ApiError) as err:
        ab_stats("variant,impressions,clicks\nA,lots,1\nB,10,2\n")
    assert err.value.code == "results_invalid"


@pytest.mark.parametrize(
    ("requested", "header", "expected"),
    [("zh", None, "zh"), ("en", "zh-CN", "en"), ("auto", "zh-CN,zh;q=0.9", "zh"), ("", "en-US,zh;q=0.5", "en"),
     (None, None, "en"), ("zh-Hans", None, "zh")],
)  # fmt: skip
def test_language_follows_the_request(requested, header, expected):
    assert pick_language(requested, header) == expected


def test_a_recipes_logo_path_is_never_read(cutout_png, none_models, tmp_path):
    """A remote caller's recipe must not make the server read one of its own files into a poster."""
    recipe = {"copy_text": {"headline": "Hello", "logo": str(cutout_png)}, "export": {"platforms": ["jd_main"]}}
    batch = make_posters(cutout_png, recipe, models=none_models, out_dir=tmp_path / "a", language="zh")
    assert batch.recipe["copy_text"]["logo"] == "" and "logo" in batch.notes[0]
    assert "logo" not in json.dumps(batch.manifest)
    with_logo = make_posters(cutout_png, recipe, models=none_models, out_dir=tmp_path / "b", logo=cutout_png)
    assert with_logo.recipe["copy_text"]["logo"].startswith("sha256:")  # the content, never the caller's path
    assert str(cutout_png) not in json.dumps(with_logo.recipe)
    assert "logo" in with_logo.recipe["outputs"][0]["text_boxes"]
