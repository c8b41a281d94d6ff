"""`python -m studio batch`: the issue's six-row catalogue, a rerun that touches nothing, `poster` parity, the pool."""

from __future__ import annotations

import csv
import os
import time
import zipfile
from pathlib import Path

import pytest

from studio.batch import parse_catalogue, run_catalogue
from studio.batch.render import CRASH_ENV
from studio.cli import main
from studio.progress import CancelToken
from tests.batch.conftest import SIX_ROWS, comparable, tree, write_csv

GOOD = ["CUP-01", "CUP-02", "BOT-01", "BOT-02", "玫瑰香水50ml"]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _batch(catalog: Path, photos: Path, out: Path, *extra: str) -> int:
    return main(["batch", str(catalog), "--photos", str(photos), "--out", str(out), "--profile", "none", *extra])


@pytest.mark.slow
def test_six_rows_one_bad_photo_then_a_rerun_changes_nothing(tmp_path, six_rows, photos_dir, capsys):
    out = tmp_path / "out"
    started = time.perf_counter()
    assert _batch(six_rows, photos_dir, out) == 0, capsys.readouterr().err
    first_s = time.perf_counter() - started
    err = capsys.readouterr().err
    assert "done 5, failed 1, left 0" in err
    folders = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert folders == sorted(["CUP-01", "CUP-02", "BOT-01", "BOT-02", "u73ab-u7470-u9999-u6c34-50ml"])
    for folder in folders:  # each complete: what `poster` writes
        names = set(os.listdir(out / folder))
        assert {"manifest.csv", "compliance.csv", "compliance.json", "posters.zip", "recipes", ".batch.json"} <= names
    errors = _rows(out / "errors.csv")
    assert [(e["row"], e["sku"]) for e in errors] == [("6", "BAD-01")] and "Unreadable photo" in errors[0]["reason"]
    manifest = _rows(out / "catalog_manifest.csv")
    files = {r["path"] for r in manifest}
    on_disk = {p.relative_to(out).as_posix() for p in out.glob("*/*") if p.suffix == ".jpg"}
    assert files == on_disk and len(files) == 1 + 2 + 1 + 2 + 1  # CUP-02 two platforms, BOT-02 two variants
    assert {r["sku"] for r in manifest} == set(GOOD)
    with zipfile.ZipFile(out / "catalog.zip") as archive:
        assert files | {"catalog_manifest.csv", "errors.csv"} <= set(archive.namelist())

    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    hashes = tree(out)
    started = time.perf_counter()
    assert _batch(six_rows, photos_dir, out) == 0
    rerun_s = time.perf_counter() - started
    assert "5 already done" in capsys.readouterr().err
    assert tree(out) == hashes
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before  # not even rewritten
    assert rerun_s < first_s / 3, (rerun_s, first_s)


@pytest.mark.slow
def test_a_changed_row_is_made_again_and_only_that_one(tmp_path, six_rows, photos_dir, batch_settings):
    out = tmp_path / "out"
    run_catalogue(parse_catalogue(six_rows, photos_dir, settings=batch_settings), out, settings=batch_settings)
    rows = [dict(r) for r in SIX_ROWS]
    rows[2]["headline"] = "Organic, now 1L"
    rows[3]["variants"] = "1"  # BOT-02 had two variants: the B files must go
    changed = write_csv(tmp_path / "changed.csv", rows)
    result = run_catalogue(parse_catalogue(changed, photos_dir, settings=batch_settings), out, settings=batch_settings)
    assert sorted(result.made) == ["BOT-01", "BOT-02"]
    assert sorted(result.skipped) == ["CUP-01", "CUP-02", "玫瑰香水50ml"]
    assert not list((out / "BOT-02").glob("*_B.*")) and not (out / "BOT-02" / "recipes" / "B.json").exists()
    (out / "CUP-01" / "CUP-01_taobao_main_A.jpg").unlink()  # a deleted poster makes its SKU incomplete
    again = run_catalogue(parse_catalogue(changed, photos_dir, settings=batch_settings), out, settings=batch_settings)
    assert again.made == ("CUP-01",)


@pytest.mark.slow
def test_a_catalogue_sku_is_byte_identical_to_the_poster_command(tmp_path, six_rows, photos_dir, capsys):
    out = tmp_path / "out"
    assert _batch(six_rows, photos_dir, out) == 0
    for folder, photo, variants in (("CUP-02", "cup.jpg", "1"), ("BOT-02", "bottle.png", "2")):
        single = tmp_path / f"poster-{folder}"
        args = ["poster", "--product", str(photos_dir / photo), "--recipe", str(out / folder / "recipes" / "A.json")]
        assert main([*args, "--variants", variants, "--profile", "none", "--out", str(single)]) == 0
        assert comparable(out / folder) == comparable(single), folder


def test_cancel_stops_before_the_next_sku_and_keeps_what_was_made(tmp_path, six_rows, photos_dir, batch_settings):
    token = CancelToken()
    seen = []

    def progress(update):
        seen.append(update)
        if update.done >= 1:
            token.cancel()

    plan = parse_catalogue(six_rows, photos_dir, settings=batch_settings)
    result = run_catalogue(plan, tmp_path / "out", settings=batch_settings, progress=progress, cancel=token)
    assert result.cancelled and result.made == ("CUP-01",)
    assert [r["sku"] for r in _rows(result.manifest_path)] == ["CUP-01"]
    assert seen[-1].left == 4 and seen[-1].eta_s is not None


def test_duplicate_skus_write_nothing(tmp_path, photos_dir, capsys):
    catalog = write_csv(tmp_path / "dupes.csv", [{"sku": "A", "photo": "cup.jpg"}, {"sku": "A", "photo": "cup.jpg"}])
    out = tmp_path / "out"
    assert _batch(catalog, photos_dir, out) == 2
    assert "more than once" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_two_local_workers_match_one_and_a_killed_worker_does_not_lose_the_batch(
    tmp_path, six_rows, photos_dir, batch_settings, monkeypatch
):
    plan = parse_catalogue(six_rows, photos_dir, settings=batch_settings)
    one = run_catalogue(plan, tmp_path / "one", settings=batch_settings)
    monkeypatch.setenv(CRASH_ENV, "BOT-01")  # that SKU's worker process dies, every time
    two = run_catalogue(plan, tmp_path / "two", settings=batch_settings, workers=2)
    assert sorted(two.made) == sorted(set(GOOD) - {"BOT-01"})
    assert sorted(e.sku for e in two.errors) == ["BAD-01", "BOT-01"]
    assert "stopped twice" in next(e.reason for e in two.errors if e.sku == "BOT-01")
    for folder in ("CUP-01", "CUP-02", "BOT-02", "u73ab-u7470-u9999-u6c34-50ml"):
        assert comparable(tmp_path / "one" / folder) == comparable(tmp_path / "two" / folder), folder
    assert one.errors[0].sku == "BAD-01"
