"""write_package: manifest columns, per-variant recipes, compliance report, zip contents, atomic zip."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest

from studio.errors import StudioError
from studio.export import atomic
from studio.export.files import write_poster_file
from studio.export.package import MANIFEST_COLUMNS, write_package
from studio.export.variants import make_variants
from studio.presets import get_platform
from studio.recipe import Recipe

EXPECTED_START = ["file", "variant", "platform", "width", "height", "bytes", "seed", "scene", "styles", "headline"]


def _export(make_poster, recipe: Recipe, out_dir, platforms=("taobao_main", "douyin_9x16")) -> Recipe:
    for platform_id in platforms:
        platform = get_platform(platform_id)
        out = write_poster_file(make_poster(platform)[0], platform, out_dir, recipe=recipe)
        recipe.outputs.append(out)
    return recipe


@pytest.fixture
def exported(make_poster, recipe, tmp_path):
    variants = make_variants(recipe, "seed", 2)
    return tmp_path, [_export(make_poster, v, tmp_path) for v in variants]


def test_manifest_columns_and_rows(exported):
    out_dir, recipes = exported
    write_package(out_dir, recipes)
    text = (out_dir / "manifest.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    header = next(csv.reader(io.StringIO(text)))
    assert header[:10] == EXPECTED_START
    assert header == list(MANIFEST_COLUMNS)
    assert {"format", "quality", "compliant"} <= set(header)
    assert len(rows) == 4
    row = next(r for r in rows if r["file"] == "SKU42_douyin_9x16_B.jpg")
    assert (row["variant"], row["platform"], row["width"], row["height"]) == ("B", "douyin_9x16", "1080", "1920")
    assert row["seed"] == "1235" and row["headline"] == "双11 限时特惠" and row["format"] == "jpeg"
    assert int(row["bytes"]) == (out_dir / row["file"]).stat().st_size
    assert 60 <= int(row["quality"]) <= 100 and row["compliant"] == "yes"


def test_recipes_per_variant_list_every_output(exported):
    out_dir, recipes = exported
    write_package(out_dir, recipes)
    data = json.loads((out_dir / "recipes" / "A.json").read_text(encoding="utf-8"))
    files = {o["file"]: o for o in data["outputs"]}
    assert set(files) == {"SKU42_taobao_main_A.jpg", "SKU42_douyin_9x16_A.jpg"}
    douyin = files["SKU42_douyin_9x16_A.jpg"]
    assert (douyin["width"], douyin["height"]) == (1080, 1920)
    assert len(douyin["product_box"]) == 4 and "aigc_label" in douyin["text_boxes"]
    assert Recipe.from_json((out_dir / "recipes" / "B.json").read_text()).scene.seed == 1235


def test_zip_holds_images_manifest_recipes_and_report(exported):
    out_dir, recipes = exported
    zip_path = write_package(out_dir, recipes)
    with zipfile.ZipFile(zip_path) as archive:
        names = set(archive.namelist())
        report = json.loads(archive.read("compliance.json"))
    assert names == {
        "SKU42_taobao_main_A.jpg",
        "SKU42_douyin_9x16_A.jpg",
        "SKU42_taobao_main_B.jpg",
        "SKU42_douyin_9x16_B.jpg",
        "manifest.csv",
        "recipes/A.json",
        "recipes/B.json",
        "compliance.json",
        "compliance.csv",
    }
    assert report["compliant"] is True and len(report["files"]) == 4
    assert all("aigc_metadata" in f["checks"] for f in report["files"])
    compliance_rows = list(csv.DictReader(io.StringIO((out_dir / "compliance.csv").read_text(encoding="utf-8-sig"))))
    assert {r["status"] for r in compliance_rows} <= {"passed", "failed", "not_checked"}


def test_missing_image_and_empty_input_are_seller_messages(exported):
    out_dir, recipes = exported
    (out_dir / recipes[0].outputs[0].file).unlink()
    with pytest.raises(StudioError, match="missing"):
        write_package(out_dir, recipes)
    with pytest.raises(StudioError, match="no posters"):
        write_package(out_dir, [Recipe()])


def test_zip_is_atomic(exported, monkeypatch):
    out_dir, recipes = exported
    zip_path = write_package(out_dir, recipes)
    before = zip_path.read_bytes()

    def broken_replace(src, dst):
        raise OSError("disk went away")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_package(out_dir, recipes)
    assert zip_path.read_bytes() == before
    assert not list(out_dir.glob(".*.part")) and not list(out_dir.glob("recipes/.*.part"))
