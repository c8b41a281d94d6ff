"""The CLI (`set`, `detail-page`) and the API (`make_set`, `make_detail_page`) on an example product."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from studio.api import ApiError, make_detail_page, make_set
from studio.cli import main
from tests.listing.conftest import LISTING_RECIPE

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "water_bottle.jpg"


@pytest.fixture
def recipe_file(tmp_path) -> Path:
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps(LISTING_RECIPE, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(("platform", "count"), [("taobao", 6), ("jd", 5)])
def test_cli_set_writes_the_slots_of_an_example_product(platform, count, recipe_file, tmp_path, capsys):
    out = tmp_path / "set"
    args = ["set", "--product", str(EXAMPLE), "--recipe", str(recipe_file), "--platform", platform,
            "--profile", "none", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    printed = [Path(line) for line in capsys.readouterr().out.split()]
    images = [p for p in printed if p.suffix == ".jpg"]
    assert len(images) == count and printed[-1].name == "posters.zip"
    compliance = json.loads((out / "compliance.json").read_text(encoding="utf-8"))
    assert compliance["compliant"], [
        (f["file"], {k: c["reason"] for k, c in f["checks"].items() if c["status"] == "failed"})
        for f in compliance["files"]
    ]


def test_cli_detail_page_writes_750_slices(recipe_file, tmp_path, capsys):
    out = tmp_path / "page"
    args = ["detail-page", "--product", str(EXAMPLE), "--recipe", str(recipe_file), "--sections",
            "hero,points,scenes,closeups,specs,guarantee", "--width", "750", "--profile", "none", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    printed = [Path(line) for line in capsys.readouterr().out.split()]
    slices = [p for p in printed if "_detail-" in p.name]
    assert slices and all(p.is_file() for p in slices)
    for path in slices:
        with Image.open(path) as piece:
            assert piece.width == 750 and piece.height <= 1500
        assert path.stat().st_size <= 3_000_000
    page = next(p for p in printed if p.name.endswith("_page.jpg"))
    with Image.open(page) as whole:
        assert whole.width == 750 and whole.height == sum(Image.open(p).height for p in slices)
    used = json.loads((out / "recipes" / "page.json").read_text(encoding="utf-8"))
    assert used["listing"]["sections"] == ["hero", "points", "scenes", "closeups", "specs", "guarantee"]


def test_cli_mistakes_exit_2_with_one_line(recipe_file, tmp_path, capsys):
    args = ["detail-page", "--product", str(EXAMPLE), "--recipe", str(recipe_file), "--sections", "hero,faq",
            "--profile", "none", "--out", str(tmp_path / "x")]  # fmt: skip
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: [unknown_section]") and "\n" not in err
    assert not (tmp_path / "x").exists()


def test_api_make_set_and_make_detail_page(none_models, tmp_path):
    from tests.conftest import make_bottle_cutout

    product = tmp_path / "bottle.png"
    make_bottle_cutout().rgba.save(product)
    batch = make_set(product, json.dumps(LISTING_RECIPE), models=none_models, platform="jd", out_dir=tmp_path / "s")
    assert len(batch.files) == 5 and batch.zip_path.is_file()
    assert all(row["compliant"] == "yes" for row in batch.manifest)
    assert batch.recipe["listing"]["specs"][0] == {"key": "容量", "value": "500ml"}
    page = make_detail_page(product, LISTING_RECIPE, models=none_models, sections="hero,points,specs",
                            out_dir=tmp_path / "p")  # fmt: skip
    assert page.page_path is not None and page.page_path.is_file() and page.files
    assert {row["check"] for row in page.compliance} >= {"slice_height", "max_bytes", "text_off_product"}


@pytest.mark.parametrize(
    ("call", "code", "zh"),
    [
        (lambda p, m, d: make_set(p, LISTING_RECIPE, models=m, platform="ebay", out_dir=d, language="zh"),
         "unknown_marketplace", "未知的平台"),
        (lambda p, m, d: make_detail_page(p, LISTING_RECIPE, models=m, sections="hero,faq", out_dir=d, language="zh"),
         "unknown_section", "未知的详情页模块"),
        (lambda p, m, d: make_detail_page(p, LISTING_RECIPE, models=m, width=5000, out_dir=d, language="zh"),
         "bad_page_width", "详情页宽度"),
        (lambda p, m, d: make_set(p, {"copy_text": {"selling_points": ["a"]}}, models=m, out_dir=d, language="zh"),
         "listing_fields_missing", "卖点图至少需要"),
    ],
)  # fmt: skip
def test_api_mistakes_have_stable_codes(call, code, zh, none_models, tmp_path):
    with pytest.raises(ApiError) as caught:
        call(EXAMPLE, none_models, tmp_path / "out")
    assert caught.value.code == code and zh in str(caught.value)
    assert not (tmp_path / "out").exists()  # refused before any work
