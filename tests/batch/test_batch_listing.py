"""Catalogue columns for the listing: a row asks for main-image sets (`set`) and a detail page (`detail_page`)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PIL import Image

from studio.batch import parse_catalogue, run_catalogue
from studio.export.fidelity import box_psnr
from studio.listing import render_detail_page, render_set_slot, resolve_marketplace
from studio.recipe import Recipe
from tests.batch.conftest import tree, write_csv
from tests.listing.test_set import assert_product_exact

LISTING_ROW = {
    "sku": "BOT-SET",
    "photo": "bottle.png",
    "headline": "清爽水润 一整天",
    "selling_points": "24小时长效保湿;无酒精 无香精;植物精华配方",
    "point_icons": "drop;shield;",
    "specs": "容量=500ml;材质：PET瓶身",
    "guarantees": "7天无理由退换;正品保障",
    "brand": "清泉之源",
    "set": "taobao",
    "detail_page": "hero,points,specs,guarantee,brand",
}
ROWS = [
    LISTING_ROW,
    {"sku": "BOT-PLAIN", "photo": "bottle.png", "headline": "Posters only"},
    {"sku": "BOT-BAD", "photo": "bottle.png", "headline": "x", "set": "taobao;mars"},
]
SET_SLOTS = ["01-hero", "02-points", "03-detail", "04-scene", "05-specs", "06-white"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def listing_run(tmp_path, photos_dir, batch_settings):
    catalog = write_csv(tmp_path / "catalog.csv", ROWS)
    plan = parse_catalogue(catalog, photos_dir, settings=batch_settings)
    out = tmp_path / "out"
    return plan, out, run_catalogue(plan, out, settings=batch_settings)


def test_a_row_gets_its_set_and_detail_page_beside_its_posters(listing_run):
    plan, out, result = listing_run
    assert set(result.made) == {"BOT-SET", "BOT-PLAIN"}
    [bad] = result.errors
    assert (bad.row, bad.sku) == (4, "BOT-BAD") and "unknown marketplace 'mars'" in bad.reason and "未知" in bad.reason

    sku = out / "BOT-SET"
    assert (sku / "BOT-SET_taobao_main_A.jpg").is_file()  # the posters, as before
    made_set = sorted(p.name for p in (sku / "set_taobao_main").glob("*.jpg"))
    assert [name.rsplit("_", 1)[1][:-4] for name in made_set] == SET_SLOTS
    page_dir = sku / "detail_page_taobao_main"
    slices = sorted(page_dir.glob("*_detail-*.jpg"))
    assert len(slices) >= 2 and (page_dir / "BOT-SET_detail_750_page.jpg").is_file()
    detail = resolve_marketplace("taobao").detail
    heights = []
    for path in slices:
        with Image.open(path) as im:
            assert im.width == 750 and im.height <= detail.slice_height
            heights.append(im.height)
        assert path.stat().st_size <= detail.max_bytes
    with Image.open(page_dir / "BOT-SET_detail_750_page.jpg") as whole:
        assert sum(heights) == whole.height  # the slices are the whole page, in order
    assert result.listing_zips["BOT-SET"] == (sku / "set_taobao_main/posters.zip", page_dir / "posters.zip")
    assert all(z.is_file() for z in result.listing_zips["BOT-SET"]) and "BOT-PLAIN" not in result.listing_zips
    assert not (out / "BOT-PLAIN" / "set_taobao_main").exists()

    # Counted in the catalogue's manifest: every jpg of every SKU, the set's and the page's included.
    listed = {r["path"] for r in _rows(out / "catalog_manifest.csv")}
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*.jpg") if not p.name.endswith("_page.jpg")}
    assert listed == on_disk
    assert {f"BOT-SET/set_taobao_main/{name}" for name in made_set} <= listed


def test_the_set_and_page_files_hold_the_products_own_pixels(listing_run, photos_dir, none_models):
    from studio.export.reopen import recipe_from_file
    from studio.pipeline import cutout_from_photo

    _plan, out, _result = listing_run
    folder = out / "BOT-SET" / "set_taobao_main"
    [points] = folder.glob("*_02-points.jpg")
    recipe = recipe_from_file(points)
    assert recipe.listing.slot == "points" and recipe.listing.brand == "清泉之源"
    assert [s.key for s in recipe.listing.specs] == ["容量", "材质"] and recipe.listing.point_icons == [
        "drop",
        "shield",
    ]
    cutout, _ = cutout_from_photo(none_models, photos_dir / "bottle.png", recipe)
    slot = render_set_slot(none_models, cutout, recipe, "taobao", "points")
    assert_product_exact(slot.poster.image, slot.product)
    with Image.open(points) as written:  # the batch's file is that slot, through JPEG only
        assert box_psnr(slot.poster.image, written.convert("RGB"), slot.poster.product_box) >= 40.0

    page_recipe = Recipe.from_json((out / "BOT-SET/detail_page_taobao_main/recipes/page.json").read_text("utf-8"))
    assert page_recipe.listing.sections == ["hero", "points", "specs", "guarantee", "brand"]
    page = render_detail_page(none_models, cutout, page_recipe, marketplace="taobao")
    assert_product_exact(page.image, page.product)


def test_a_rerun_skips_the_row_and_a_changed_or_damaged_one_is_redone(
    listing_run, tmp_path, photos_dir, batch_settings
):
    plan, out, _result = listing_run
    before = tree(out)
    again = run_catalogue(plan, out, settings=batch_settings)
    assert again.made == () and set(again.skipped) == {"BOT-SET", "BOT-PLAIN"} and tree(out) == before

    [first_slice] = sorted((out / "BOT-SET/detail_page_taobao_main").glob("*_detail-01.jpg"))
    first_slice.unlink()  # a lost slice: the SKU is no longer complete
    assert run_catalogue(plan, out, settings=batch_settings).made == ("BOT-SET",)
    assert first_slice.is_file()

    changed = [{**LISTING_ROW, "guarantees": "7天无理由退换;顺丰包邮"}, *ROWS[1:]]
    plan2 = parse_catalogue(write_csv(tmp_path / "changed.csv", changed), photos_dir, settings=batch_settings)
    assert run_catalogue(plan2, out, settings=batch_settings).made == ("BOT-SET",)
    page = Recipe.from_json((out / "BOT-SET/detail_page_taobao_main/recipes/page.json").read_text("utf-8"))
    assert page.listing.guarantees == ["7天无理由退换", "顺丰包邮"]

    dropped = [{k: v for k, v in LISTING_ROW.items() if k != "set"}, *ROWS[1:]]
    plan3 = parse_catalogue(write_csv(tmp_path / "dropped.csv", dropped), photos_dir, settings=batch_settings)
    run_catalogue(plan3, out, settings=batch_settings)
    assert not list((out / "BOT-SET").glob("set_taobao_main/*.jpg"))  # no set asked: none left over


BASE = {"sku": "S1", "photo": "bottle.png", "headline": "好物"}
POINTS = "卖点一;卖点二;卖点三"


@pytest.mark.parametrize(
    ("cells", "words"),
    [
        ({"set": "jd;mars"}, ["set: unknown marketplace 'mars'", "未知的平台"]),
        ({"set": "jd"}, ["set jd_main:", "at least 3 selling points", "卖点"]),
        ({"set": "jd", "selling_points": POINTS}, ["set jd_main:", "specs", "参数"]),
        ({"detail_page": "yes", "specs": "容量500ml"}, ["specs: '容量500ml' is not name=value", "名称=值"]),
        ({"detail_page": "hero,weird"}, ["detail_page:", "unknown section 'weird'"]),
        ({"detail_page": "hero,guarantee"}, ["detail_page:", "guarantee", "售后保障"]),
        ({"detail_page": "hero", "detail_platform": "ebay"}, ["detail_platform: unknown marketplace 'ebay'"]),
        ({"detail_page": "hero", "guarantees": "全网最低价"}, ["Advertising-law", "广告法", "全网最低"]),
        ({"detail_page": "hero", "detail_region": "0.1,0.2"}, ["detail_region is x0,y0,x1,y1", "细节区域"]),
        ({"detail_page": "hero", "guarantees": "一" * 30}, ["guarantees:", "at most 20 characters"]),
    ],
)
def test_a_bad_listing_cell_refuses_that_row_only(cells, words, tmp_path, photos_dir, batch_settings):
    rows = [{**BASE, **cells}, {**BASE, "sku": "S2"}]
    plan = parse_catalogue(write_csv(tmp_path / "c.csv", rows), photos_dir, settings=batch_settings)
    assert [j.sku for j in plan.jobs] == ["S2"]
    [error] = plan.errors
    assert error.row == 2 and all(w in error.reason for w in words), error.reason


@pytest.mark.parametrize(
    ("cells", "sets", "page", "sections"),
    [
        ({}, (), "", None),
        ({"detail_page": "no"}, (), "", None),
        (
            {"detail_page": "yes", "specs": "a=1", "guarantees": "包邮", "brand": "B", "usage_notes": "轻拍"},
            (),
            "taobao_main",
            "recipe",
        ),
        ({"detail_page": "是", "detail_platform": "JD"}, (), "jd_main", ["hero"]),
        ({"set": "pdd、JD;jd", "detail_page": "hero"}, ("pdd_main", "jd_main"), "pdd_main", ["hero"]),
    ],
)
def test_which_sets_and_page_a_row_asks_for(cells, sets, page, sections, tmp_path, photos_dir, batch_settings):
    base = Recipe.model_validate({"listing": {"sections": ["hero"], "specs": [{"key": "k", "value": "v"}]}})
    row = {**BASE, "selling_points": POINTS, **cells}
    plan = parse_catalogue(write_csv(tmp_path / "c.csv", [row]), photos_dir, base=base, settings=batch_settings)
    assert not plan.errors, plan.errors
    [job] = plan.jobs
    assert (job.sets, job.page) == (sets, page)
    if sections == "recipe":
        assert job.recipe.listing.sections == ["hero"]  # `yes`: the recipe's own sections
        assert job.recipe.listing.notes == ["轻拍"] and job.recipe.listing.brand == "B"
    elif sections is not None:
        assert job.recipe.listing.sections == sections
    assert "Columns not used" not in " ".join(plan.notes)


def test_the_cli_documents_the_columns_and_counts_sets_and_pages(tmp_path, photos_dir, capsys):
    from studio.cli import main

    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    shown = capsys.readouterr().out
    assert all(w in shown for w in ("set ", "detail_page", "specs (容量=500ml", "usage_notes")), shown
    # Chinese headers, as a shop back end exports them, work for the listing columns too.
    zh = {"套图": "set", "详情页": "detail_page", "参数": "specs", "售后": "guarantees", "品牌": "brand"}
    row = {next((z for z, e in zh.items() if e == k), k): v for k, v in LISTING_ROW.items()}
    catalog = write_csv(tmp_path / "zh.csv", [row])
    out = tmp_path / "out"
    args = ["batch", str(catalog), "--photos", str(photos_dir), "--out", str(out), "--profile", "none"]
    assert main(args) == 0
    assert "1 made, 0 already done, 0 failed (with 1 main-image set(s) and 1 detail page(s))" in capsys.readouterr().err
    assert (out / "BOT-SET/set_taobao_main/posters.zip").is_file()
    assert (out / "BOT-SET/detail_page_taobao_main/posters.zip").is_file()
