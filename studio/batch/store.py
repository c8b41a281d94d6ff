"""The driver's side of the output folder: each SKU's files, the catalogue manifest, errors.csv, catalog.zip.

Only the driver writes here, every file atomically (studio.export.atomic), and the summary files
only when their bytes change, so a rerun that makes nothing touches nothing. The catalogue zip
has fixed timestamps: the same SKUs give the same zip, byte for byte.
"""

from __future__ import annotations

import csv
import filecmp
import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from studio.batch.stamp import STAMP, stamp_text
from studio.batch.types import RowError
from studio.export.atomic import write_bytes_atomic
from studio.export.package import MANIFEST_COLUMNS, ZIP_NAME
from studio.export.sheets import safe_cell, text_cell

CATALOG_MANIFEST = "catalog_manifest.csv"
ERRORS_CSV = "errors.csv"
CATALOG_ZIP = "catalog.zip"
ERROR_COLUMNS = ("row", "sku", "reason")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly `data`; whether it wrote."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes_atomic(path, data)
    return True


def store_sku(folder: Path, files: dict[str, bytes], digest: str) -> None:
    """Write one SKU's files, drop ones an earlier run left that this one did not make, stamp it last."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STAMP).unlink(missing_ok=True)  # a crash from here on leaves the SKU "not done"
    for name, data in files.items():
        target = folder / name
        if not target.resolve().is_relative_to(folder.resolve()):
            raise ValueError(f"a worker returned a path outside its folder: {name}")
        write_if_changed(target, data)
    keep = set(files) | {STAMP}
    for path in sorted(folder.rglob("*"), reverse=True):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in keep and not path.name.startswith("."):
            path.unlink()
    write_if_changed(folder / STAMP, stamp_text(digest, files).encode("utf-8"))


def _csv_bytes(columns: tuple[str, ...], rows: list[dict[str, object]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")  # BOM: Excel shows Chinese text


def write_errors(out_dir: Path, errors: list[RowError]) -> Path:
    rows = [{"row": e.row, "sku": text_cell(e.sku) if e.sku else "", "reason": safe_cell(e.reason)} for e in errors]
    path = out_dir / ERRORS_CSV
    write_if_changed(path, _csv_bytes(ERROR_COLUMNS, rows))
    return path


def write_catalog_manifest(out_dir: Path, folders: list[str]) -> Path:
    """Every file of every SKU: the rows of each manifest.csv in its folder (the posters', then each set's
    and the detail page's, in their folders), with the path from the output folder."""
    from studio.export.sheets import plain_cell

    rows: list[dict[str, object]] = []
    for folder in folders:
        root = out_dir / folder
        manifests = [root / "manifest.csv", *sorted(p for p in root.glob("*/manifest.csv"))]
        for manifest in manifests:
            where = manifest.parent.relative_to(out_dir).as_posix()
            with manifest.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    row = {k: plain_cell(v or "") for k, v in row.items()}
                    rows.append({**row, "path": f"{where}/{row['file']}", "sku": text_cell(row.get("sku", ""))})
    for row in rows:
        for key, value in row.items():
            if key != "sku":
                row[key] = safe_cell(value)
    path = out_dir / CATALOG_MANIFEST
    write_if_changed(path, _csv_bytes(("path", *MANIFEST_COLUMNS), rows))
    return path


def write_catalog_zip(out_dir: Path, folders: list[str]) -> Path:
    """catalog.zip: every SKU's files under <sku>/ (not their own zips), the manifest and errors.csv."""
    members: list[tuple[str, Path]] = []
    for folder in folders:
        for path in sorted((out_dir / folder).rglob("*")):
            if path.is_file() and path.name != ZIP_NAME and not path.name.startswith("."):
                members.append((f"{folder}/{path.relative_to(out_dir / folder).as_posix()}", path))
    members += [(CATALOG_MANIFEST, out_dir / CATALOG_MANIFEST), (ERRORS_CSV, out_dir / ERRORS_CSV)]
    target = out_dir / CATALOG_ZIP
    # Streamed to a temp file beside the target (a catalogue's zip can be gigabytes), kept only if it differs.
    fd, tmp_name = tempfile.mkstemp(prefix=f".{CATALOG_ZIP}.", suffix=".part", dir=out_dir)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(handle, "w") as archive:
            for arcname, path in members:
                info = zipfile.ZipInfo(arcname, date_time=_ZIP_TIME)
                stored = path.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                with path.open("rb") as src, archive.open(info, "w", force_zip64=True) as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if target.is_file() and filecmp.cmp(tmp, target, shallow=False):
        tmp.unlink()
    else:
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return target
