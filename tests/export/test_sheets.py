"""Manifests a seller can open safely: no live formulas, SKUs kept as text, any SKU accepted."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from studio.errors import StudioError
from studio.export.files import write_poster_file
from studio.export.package import write_package
from studio.export.sheets import plain_cell, safe_cell, text_cell
from studio.export.sku import sku_slug
from studio.presets import get_platform
from studio.recipe import ExportSettings, Recipe

EVIL = '=HYPERLINK("http://evil.example/x","点我领券")'


@pytest.mark.parametrize("text", [EVIL, "+1 赠品", "-50% off", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_formula_starts_are_neutralised_and_read_back(text):
    cell = safe_cell(text)
    assert cell == "'" + text
    assert plain_cell(cell) == text


@pytest.mark.parametrize("text", ["双11 限时特惠", "SKU42", "50% off", "", "a=b"])
def test_ordinary_text_is_left_alone(text):
    assert safe_cell(text) == text and plain_cell(text) == text


@pytest.mark.parametrize("sku", ["000123", "20240102", "1E5", "12-05", "3/4", "0012.50"])
def test_number_like_skus_are_written_as_text(sku):
    cell = text_cell(sku)
    assert re.fullmatch(r'="(?:[^"]|"")*"', cell), cell
    assert plain_cell(cell) == sku
    assert safe_cell(5) == 5, "numbers stay numbers"


def test_any_sku_is_accepted_and_slugged_for_file_names():
    assert ExportSettings(sku="玫瑰香水50ml").sku == "玫瑰香水50ml"
    assert sku_slug("玫瑰香水50ml") == "u73ab-u7470-u9999-u6c34-50ml"
    assert sku_slug("SKU-42_a") == "SKU-42_a"
    assert sku_slug("玫瑰") != sku_slug("玫香"), "different SKUs, different file names"
    with pytest.raises(StudioError, match="商品编码"):
        Recipe.from_dict({"export": {"sku": "a/b"}})


def _package(make_poster, tmp_path: Path, *, sku: str, headline: str) -> Path:
    recipe = Recipe(variant="A")
    recipe.export.sku = sku
    recipe.copy_text.headline = headline
    platform = get_platform("taobao_main")
    recipe.outputs.append(write_poster_file(make_poster(platform)[0], platform, tmp_path, recipe=recipe))
    write_package(tmp_path, [recipe])
    return tmp_path


def test_chinese_sku_exports_with_a_safe_name_and_the_original_in_the_manifest(make_poster, tmp_path):
    out = _package(make_poster, tmp_path, sku="玫瑰香水50ml", headline="双11")
    row = next(csv.DictReader(io.StringIO((out / "manifest.csv").read_text(encoding="utf-8-sig"))))
    assert row["file"] == "u73ab-u7470-u9999-u6c34-50ml_taobao_main_A.jpg"
    assert (out / row["file"]).is_file()
    assert row["sku"] == "玫瑰香水50ml"
    assert row["file"] in zipfile.ZipFile(out / "posters.zip").namelist()


def test_manifest_cells_follow_the_rule(make_poster, tmp_path):
    out = _package(make_poster, tmp_path, sku="000123", headline=EVIL)
    text = (out / "manifest.csv").read_text(encoding="utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["headline"] == "'" + EVIL and plain_cell(row["headline"]) == EVIL
    assert row["sku"] == '="000123"' and plain_cell(row["sku"]) == "000123"
    assert row["file"] == "000123_taobao_main_A.jpg"
    for line in csv.reader(io.StringIO((out / "compliance.csv").read_text(encoding="utf-8-sig"))):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in line), line


def _calc_cells(csv_path: Path, tmp_path: Path) -> list[list[tuple[str, str, str]]]:
    """(formula, value type, shown text) per cell, as LibreOffice Calc imports the CSV (UTF-8, comma)."""
    from xml.etree import ElementTree as ET

    out = tmp_path / "calc"
    profile = tmp_path / "lo-profile"
    subprocess.run(
        [
            shutil.which("soffice"),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "fods",
            "--outdir",
            str(out),
            str(csv_path),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    ns = {
        "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
        "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
        "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    }
    root = ET.parse(out / (csv_path.stem + ".fods")).getroot()
    rows = []
    for tr in root.iter(f"{{{ns['table']}}}table-row"):
        cells = []
        for td in tr.findall("table:table-cell", ns):
            shown = "".join("".join(p.itertext()) for p in td.findall("text:p", ns))
            repeat = int(td.get(f"{{{ns['table']}}}number-columns-repeated", "1"))  # equal neighbours are merged
            cell = (td.get(f"{{{ns['table']}}}formula", ""), td.get(f"{{{ns['office']}}}value-type", ""), shown)
            cells.extend([cell] * repeat)
        rows.append(cells)
    return rows


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_calc_opens_the_manifest_with_no_formula_and_no_lost_zero(make_poster, tmp_path):
    out = _package(make_poster, tmp_path / "export", sku="000123", headline=EVIL)
    header, row = _calc_cells(out / "manifest.csv", tmp_path)[:2]
    names = [shown for _, _, shown in header]
    headline = row[names.index("headline")]
    sku = row[names.index("sku")]
    assert headline[0] == "" and headline[1] == "string", "the headline is text, not a live HYPERLINK"
    assert "HYPERLINK" in headline[2]
    assert sku[1] == "string" and sku[2] == "000123", "the zeros survive"
    assert sku[0] in ("", 'of:="000123"'), "at most the constant text formula we wrote"
    formulas = [c for r in _calc_cells(out / "manifest.csv", tmp_path) for c in r if c[0]]
    assert all(re.fullmatch(r'of:="[^"]*"', f) for f, _, _ in formulas), formulas
