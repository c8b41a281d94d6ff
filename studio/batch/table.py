"""Read a catalogue spreadsheet (CSV or XLSX) into rows of text cells, refusing what is unsafe.

- XLSX cells that hold a formula are refused (the studio never runs a seller's formulas, and a
  formula's cached value may be stale); CSV cells that start with `=` likewise, except the
  `="000123"` text form our own manifests write for codes.
- More rows than `max_rows` (a Settings budget) are refused before the rest is read.
- CSV is read as UTF-8 (with or without BOM), else GB18030: what Chinese Excel and shop back ends save.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from studio.errors import StudioError
from studio.export.sheets import plain_cell

MAX_CATALOGUE_BYTES = 50 * 1024 * 1024
# Header aliases sellers' exports use, Chinese included, for the column names the studio reads.
ALIASES = {
    "商品编码": "sku",
    "货号": "sku",
    "编码": "sku",
    "图片": "photo",
    "主图": "photo",
    "image": "photo",
    "标题": "headline",
    "副标题": "subline",
    "价格": "price",
    "原价": "original_price",
    "角标": "badge",
    "场景": "scene",
    "平台": "platforms",
    "platform": "platforms",
    "style": "styles",
    "points": "selling_points",
    "卖点": "selling_points",
    "format": "file_format",
    "套图": "set",
    "详情页": "detail_page",
    "品牌": "brand",
    "参数": "specs",
    "规格": "specs",
    "售后": "guarantees",
    "保障": "guarantees",
    "图标": "point_icons",
}


def column_name(header: object) -> str:
    """`Original Price` → `original_price`; known Chinese headers → their field name."""
    text = str(header or "").strip().lstrip("\ufeff")
    if text in ALIASES:
        return ALIASES[text]
    name = re.sub(r"[\s\-]+", "_", text.lower())
    return ALIASES.get(name, name)


def read_table(data: bytes, name: str, *, max_rows: int) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """The normalised header and (spreadsheet row number, {column: text}) for every non-empty row."""
    if len(data) > MAX_CATALOGUE_BYTES:
        raise StudioError("The catalogue file is larger than 50 MB. / 商品表超过 50 MB。")
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        raw = _xlsx_rows(data, max_rows)
    elif suffix in (".csv", ".txt", ""):
        raw = _csv_rows(data, max_rows)
    else:
        raise StudioError(f"'{name}' is not a CSV or XLSX catalogue. / 商品表须为 CSV 或 XLSX。")
    if not raw:
        raise StudioError("The catalogue is empty. / 商品表为空。")
    header = [column_name(h) for h in raw[0][1]]
    if "sku" not in header or "photo" not in header:
        raise StudioError(
            "The catalogue needs an 'sku' and a 'photo' column in its first row. / 商品表首行须有 sku 和 photo 两列。",
            hint=f"Found: {', '.join(h for h in header if h) or 'nothing'}.",
        )
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise StudioError(f"The catalogue has the column(s) {', '.join(dupes)} twice. / 商品表有重复的列。")
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in raw[1:]:
        values = {h: _text(v) for h, v in zip(header, cells) if h}
        if any(values.values()):
            rows.append((number, values))
    return header, rows


def _too_many(max_rows: int) -> StudioError:
    return StudioError(
        f"The catalogue has more than {max_rows} rows, more than this studio makes in one batch. "
        f"/ 商品表超过 {max_rows} 行。",
        hint="Split it into several files, or ask the owner to raise the limit (STUDIO_MAX_CATALOGUE_ROWS).",
    )


def _formula(where: str) -> StudioError:
    return StudioError(
        f"The catalogue has a formula in {where}; the studio reads values only. / 商品表 {where} 含公式，只能读取数值。",
        hint="In Excel, copy the sheet and Paste Special → Values, then save again.",
    )


def _csv_rows(data: bytes, max_rows: int) -> list[tuple[int, list[object]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # gb18030 decodes any byte string; kept for the type checker
        raise StudioError("The catalogue is not UTF-8 or GBK text. / 商品表编码无法识别。")
    rows: list[tuple[int, list[object]]] = []
    try:
        for i, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            if i > max_rows + 1:
                raise _too_many(max_rows)
            plain = [plain_cell(c) for c in cells]
            for col, value in enumerate(plain, start=1):
                if value.startswith("=") and i > 1:
                    raise _formula(f"row {i}, column {col}")
            rows.append((i, list(plain)))
    except csv.Error as exc:
        raise StudioError(f"The catalogue is not valid CSV ({exc}). / 商品表不是有效的 CSV。") from None
    return rows


def _xlsx_rows(data: bytes, max_rows: int) -> list[tuple[int, list[object]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise StudioError(f"The XLSX catalogue cannot be read ({exc}). / XLSX 商品表无法读取。") from None
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[object]]] = []
        for i, cells in enumerate(sheet.iter_rows(), start=1):
            if i > max_rows + 1:
                raise _too_many(max_rows)
            values: list[object] = []
            for cell in cells:
                if getattr(cell, "data_type", "") == "f":
                    raise _formula(getattr(cell, "coordinate", f"row {i}"))
                values.append(cell.value)
            rows.append((i, values))
        return rows
    finally:
        book.close()


def _text(value: object) -> str:
    """A cell as text: 12.0 → `12` (Excel stores every number as a float), None → ``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
