"""parse_catalogue: rows → recipes, bad rows with reasons, whole-file refusals (formulas, size, dupes, zip-slip)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from studio.batch import parse_catalogue
from studio.errors import StudioError
from studio.recipe import Recipe
from tests.batch.conftest import SIX_ROWS, write_csv


def test_six_rows_give_five_jobs_and_the_broken_photo_row(six_rows, photos_dir, batch_settings):
    plan = parse_catalogue(six_rows, photos_dir, settings=batch_settings)
    assert [j.sku for j in plan.jobs] == ["CUP-01", "CUP-02", "BOT-01", "BOT-02", "玫瑰香水50ml"]
    assert [(e.row, e.sku) for e in plan.errors] == [(6, "BAD-01")]
    assert "Unreadable photo" in plan.errors[0].reason
    cup2 = plan.jobs[1].recipe
    assert cup2.export.platforms == ["taobao_main", "jd_main"] and cup2.copy_text.price == "88"
    assert plan.jobs[2].recipe.scene.seed == 3 and plan.jobs[3].variants == 2
    assert plan.jobs[4].folder == "u73ab-u7470-u9999-u6c34-50ml"  # a slug: never a path from the cell


def test_empty_cells_fall_back_to_the_base_recipe(tmp_path, photos_dir, batch_settings):
    base = Recipe.model_validate(
        {"copy_text": {"headline": "Base", "cta": "立即抢购"}, "scene": {"preset": "double11"}}
    )
    rows = [
        {"sku": "a", "photo": "cup.jpg", "headline": "", "scene": ""},
        {"sku": "b", "photo": "cup.jpg", "headline": "Own"},
    ]
    plan = parse_catalogue(write_csv(tmp_path / "c.csv", rows), photos_dir, base=base, settings=batch_settings)
    a, b = (j.recipe for j in plan.jobs)
    assert (a.copy_text.headline, a.scene.preset, a.copy_text.cta) == ("Base", "double11", "立即抢购")
    assert (b.copy_text.headline, b.copy_text.cta, b.export.sku) == ("Own", "立即抢购", "b")


@pytest.mark.parametrize(
    "cells, reason",
    [
        ({"photo": "nope.jpg"}, "not in the photos folder"),
        ({"photo": "../outside.jpg"}, "outside the photos folder"),
        ({"photo": "/etc/passwd"}, "absolute path"),
        ({"scene": "moon_base"}, "Unknown scene 'moon_base'"),
        ({"platforms": "taobao_main;ebay"}, "ebay"),
        ({"headline": "全网第一的杯子"}, "Advertising-law"),
        ({"seed": "lucky"}, "whole number"),
        ({"variants": "99"}, "variants must be between 1 and 8"),
        ({"headline": "x" * 61}, "headline"),
        ({"sku": ""}, "SKU"),
    ],
)
def test_a_bad_row_is_refused_with_its_reason_and_the_rest_go_on(tmp_path, photos_dir, batch_settings, cells, reason):
    (tmp_path / "outside.jpg").write_bytes((photos_dir / "cup.jpg").read_bytes())
    rows = [
        {"sku": "good", "photo": "cup.jpg", "headline": "", "scene": "", "platforms": "", "seed": "", "variants": ""}
    ]
    rows.append({**rows[0], "sku": "bad", **cells})
    plan = parse_catalogue(write_csv(tmp_path / "c.csv", rows), photos_dir, settings=batch_settings)
    assert [j.sku for j in plan.jobs] == ["good"]
    assert len(plan.errors) == 1 and plan.errors[0].row == 3
    assert reason in plan.errors[0].reason, plan.errors[0].reason


def test_duplicate_skus_refuse_the_catalogue(tmp_path, photos_dir, batch_settings):
    rows = [{"sku": "A1", "photo": "cup.jpg"}, {"sku": "b", "photo": "cup.jpg"}, {"sku": "a1", "photo": "cup.jpg"}]
    with pytest.raises(StudioError, match=r"'a1' \(rows 2 and 4\)"):
        parse_catalogue(write_csv(tmp_path / "c.csv", rows), photos_dir, settings=batch_settings)


def test_too_many_rows_are_refused_before_reading_on(tmp_path, photos_dir, batch_settings):
    from dataclasses import replace

    rows = [{"sku": f"s{i}", "photo": "cup.jpg"} for i in range(11)]
    with pytest.raises(StudioError, match="more than 10 rows"):
        parse_catalogue(
            write_csv(tmp_path / "c.csv", rows), photos_dir, settings=replace(batch_settings, max_catalogue_rows=10)
        )


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_numbers_and_chinese_headers_are_read(photos_dir, batch_settings):
    data = _xlsx([["商品编码", "图片", "标题", "价格", "seed", "stock"], [1024, "cup.jpg", "新品", 99.0, 4.0, 12]])
    plan = parse_catalogue(data, photos_dir, settings=batch_settings, name="shop.xlsx")
    (job,) = plan.jobs
    assert (job.sku, job.recipe.copy_text.price, job.recipe.scene.seed) == ("1024", "99", 4)
    assert "stock" in plan.notes[0]  # a column the studio does not use is named, not silently dropped


def test_xlsx_formulas_are_refused(photos_dir, batch_settings):
    data = _xlsx([["sku", "photo", "price"], ["a", "cup.jpg", "=B2*2"]])
    with pytest.raises(StudioError, match="formula in C2"):
        parse_catalogue(data, photos_dir, settings=batch_settings, name="shop.xlsx")


def test_csv_formulas_are_refused_but_our_own_text_codes_are_read(tmp_path, photos_dir, batch_settings):
    ok = tmp_path / "ok.csv"
    ok.write_text('sku,photo\n="000123",cup.jpg\n', encoding="utf-8")
    assert parse_catalogue(ok, photos_dir, settings=batch_settings).jobs[0].sku == "000123"
    bad = tmp_path / "bad.csv"
    bad.write_text('sku,photo,headline\na,cup.jpg,=HYPERLINK("x")\n', encoding="utf-8")
    with pytest.raises(StudioError, match="formula"):
        parse_catalogue(bad, photos_dir, settings=batch_settings)


def test_gbk_csv_from_a_chinese_excel_is_read(tmp_path, photos_dir, batch_settings):
    path = tmp_path / "gbk.csv"
    path.write_bytes("sku,photo,标题\nA,cup.jpg,保温杯\n".encode("gbk"))
    assert parse_catalogue(path, photos_dir, settings=batch_settings).jobs[0].recipe.copy_text.headline == "保温杯"


def test_photos_from_a_zip_under_its_top_folder(tmp_path, six_rows, photos_dir, batch_settings):
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in photos_dir.iterdir():
            z.write(p, f"photos/{p.name}")
    plan = parse_catalogue(six_rows, archive, settings=batch_settings)
    assert len(plan.jobs) == 5 and [e.sku for e in plan.errors] == ["BAD-01"]


def test_a_zip_with_an_escaping_path_is_refused_whole(tmp_path, six_rows, photos_dir, batch_settings):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(photos_dir / "cup.jpg", "cup.jpg")
        z.writestr("../../escape.txt", b"x")
    with pytest.raises(StudioError, match="outside the zip"):
        parse_catalogue(six_rows, archive, settings=batch_settings)


def test_missing_sku_or_photo_column_is_one_clear_message(tmp_path, photos_dir, batch_settings):
    path = write_csv(tmp_path / "c.csv", [{"code": "a", "photo": "cup.jpg"}])
    with pytest.raises(StudioError, match="'sku' and a 'photo' column"):
        parse_catalogue(path, photos_dir, settings=batch_settings)


def test_rows_are_numbered_as_the_spreadsheet_shows_them(tmp_path, photos_dir, batch_settings):
    rows = [dict(r) for r in SIX_ROWS[:2]] + [{"sku": "", "photo": ""}] + [dict(SIX_ROWS[4])]
    plan = parse_catalogue(write_csv(tmp_path / "c.csv", rows), photos_dir, settings=batch_settings)
    assert [e.row for e in plan.errors] == [5]  # the blank row 4 is skipped, not reported


def test_parse_reads_no_file_outside_the_photo_source(tmp_path: Path, photos_dir, batch_settings):
    secret = tmp_path / "secret.jpg"
    secret.write_bytes((photos_dir / "cup.jpg").read_bytes())
    (photos_dir / "link.jpg").symlink_to(secret)
    rows = [{"sku": "a", "photo": "link.jpg"}]
    plan = parse_catalogue(write_csv(tmp_path / "c.csv", rows), photos_dir, settings=batch_settings)
    assert not plan.jobs and "outside the photos folder" in plan.errors[0].reason
