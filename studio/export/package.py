"""Bundle written posters: manifest.csv, recipes/<variant>.json, compliance report, posters.zip.

The manifest opens in Excel (UTF-8 with BOM, so Chinese headlines show), with no cell that
runs as a formula and SKUs kept as text (studio/export/sheets.py); the zip
is what a seller downloads or hands to a designer. Everything is written to a
temp name first, so an interrupted export never leaves a half zip behind.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PIL import Image

from studio.errors import StudioError
from studio.export.atomic import atomic_output, write_text_atomic
from studio.export.compliance import check_file
from studio.export.files import read_xmp
from studio.export.sheets import safe_cell, text_cell
from studio.export.xmp import parse_xmp
from studio.presets import get_platform
from studio.recipe import OutputFile, Recipe

MANIFEST_COLUMNS = (
    "file",
    "variant",
    "platform",
    "width",
    "height",
    "bytes",
    "seed",
    "scene",
    "styles",
    "headline",
    "format",
    "quality",
    "compliant",
    "failed_checks",
    "not_checked",
    "product_box",
    "sku",
)
COMPLIANCE_COLUMNS = ("file", "platform", "check", "status", "reason")
ZIP_NAME = "posters.zip"
_FORMATS = {"JPEG": "jpeg", "PNG": "png", "WEBP": "webp"}
_TEXT_COLUMNS = ("sku",)  # codes a spreadsheet must not turn into numbers


def variant_slug(variant: str) -> str:
    return re.sub(r"[^A-Za-z0-9_\-]", "_", variant)[:40] or "variant"


def merge_by_variant(recipes: list[Recipe]) -> dict[str, Recipe]:
    """One recipe per variant whose outputs are every file of that variant (later entries win)."""
    merged: dict[str, Recipe] = {}
    for recipe in recipes:
        if recipe.variant not in merged:
            merged[recipe.variant] = recipe.model_copy(deep=True)
            continue
        base = merged[recipe.variant]
        outputs = {o.file: o for o in base.outputs}
        outputs.update({o.file: o for o in recipe.outputs})
        base.outputs = list(outputs.values())
    return merged


def _file_facts(path: Path) -> tuple[str, str]:
    """(format, quality) as the file itself says; quality from our XMP note."""
    with Image.open(path) as image:
        fmt = _FORMATS.get(image.format or "", (image.format or "").lower())
    quality = ""
    packet = read_xmp(path)
    if packet:
        try:
            quality = parse_xmp(packet).studio("Quality")
        except ValueError:
            quality = ""
    return fmt, quality


def _csv_text(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: text_cell(v) if k in _TEXT_COLUMNS else safe_cell(v) for k, v in row.items()})
    return "\ufeff" + buf.getvalue()


def _safe_file(out_dir: Path, name: str) -> Path:
    if not name or Path(name).name != name or name.startswith("."):
        raise StudioError(f"The recipe names an odd output file '{name}'.", hint="Export the posters again.")
    path = out_dir / name
    if not path.is_file():
        raise StudioError(
            f"The poster file {name} is missing from the export folder.", hint="Export the posters again."
        )
    return path


def check_output(
    out_dir: Path,
    recipe: Recipe,
    output: OutputFile,
    *,
    ocr: bool = False,
    platform: Any = None,
    ai_generated: bool | None = None,
) -> dict[str, Any]:
    """The compliance report of one written file, as write_package makes it (callable per file, early).

    platform / ai_generated: as the export resolved them (pipeline.PosterJob); worked out here otherwise.
    """
    path = _safe_file(Path(out_dir), output.file)
    platform = platform if platform is not None else get_platform(output.platform)
    if ai_generated is None:
        ai_generated = recipe.is_ai_made(white_background=platform.white_background)
    return check_file(
        path,
        platform,
        product_box=output.product_box,
        text_boxes=output.text_boxes,
        copy=recipe.copy_text,
        text_px=output.text_px,
        upscale=output.upscale,
        ocr=ocr,
        ai_generated=ai_generated,
    )


def write_package(
    out_dir: Path, recipes: list[Recipe], *, ocr: bool = False, checked: Mapping[str, dict[str, Any]] | None = None
) -> Path:
    """Write manifest, per-variant recipes and compliance report next to the images; zip all. Returns the zip.

    checked: file name → check_output's report, already made (an export checks each file on its worker
    thread as soon as it is written); files without one are checked here.
    """
    out_dir = Path(out_dir)
    if not recipes or not any(r.outputs for r in recipes):
        raise StudioError("There are no posters to package yet.", hint="Export at least one poster first.")
    merged = merge_by_variant(recipes)
    rows: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    images: list[Path] = []
    for variant, recipe in merged.items():
        for output in recipe.outputs:
            path = _safe_file(out_dir, output.file)
            known = (checked or {}).get(output.file)
            report = known if known is not None else check_output(out_dir, recipe, output, ocr=ocr)
            fmt, quality = _file_facts(path)
            checks = report["checks"]
            rows.append(
                {
                    "file": output.file,
                    "variant": variant,
                    "platform": output.platform,
                    "width": output.width,
                    "height": output.height,
                    "bytes": path.stat().st_size,
                    "seed": recipe.scene.seed,
                    "scene": recipe.scene.preset,
                    "styles": ";".join(f"{s.name}:{s.weight:g}" for s in recipe.styles),
                    "headline": recipe.copy_text.headline,
                    "format": fmt,
                    "quality": quality,
                    "compliant": "yes" if report["compliant"] else "no",
                    "failed_checks": ";".join(k for k, c in checks.items() if c["status"] == "failed"),
                    "not_checked": ";".join(k for k, c in checks.items() if c["status"] == "not_checked"),
                    "product_box": " ".join(str(v) for v in output.product_box),
                    "sku": recipe.export.sku,
                }
            )
            reports.append(report)
            images.append(path)

    written: list[tuple[Path, str]] = [(p, p.name) for p in images]
    manifest = write_text_atomic(out_dir / "manifest.csv", _csv_text(MANIFEST_COLUMNS, rows))
    written.append((manifest, "manifest.csv"))
    for variant, recipe in merged.items():
        name = f"recipes/{variant_slug(variant)}.json"
        written.append((write_text_atomic(out_dir / name, recipe.to_json()), name))
    summary = {"compliant": all(r["compliant"] for r in reports), "files": reports}
    report_json = write_text_atomic(out_dir / "compliance.json", json.dumps(summary, ensure_ascii=False, indent=2))
    compliance_rows = [
        {"file": r["file"], "platform": r["platform"], "check": name, "status": c["status"], "reason": c["reason"]}
        for r in reports
        for name, c in r["checks"].items()
    ]
    report_csv = write_text_atomic(out_dir / "compliance.csv", _csv_text(COMPLIANCE_COLUMNS, compliance_rows))
    written += [(report_json, "compliance.json"), (report_csv, "compliance.csv")]

    zip_path = out_dir / ZIP_NAME
    with atomic_output(zip_path) as handle, zipfile.ZipFile(handle, "w") as archive:
        for path, arcname in written:
            # Images are already compressed; deflating them again only costs time.
            method = zipfile.ZIP_STORED if path in images else zipfile.ZIP_DEFLATED
            archive.write(path, arcname, compress_type=method)
    return zip_path
