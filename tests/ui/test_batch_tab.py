"""Tab ⑥'s handlers on the `none` profile: preview shows each row with its error, the run gives the downloads,
a share link caps the batch and refuses a server folder, and the tab builds on its own."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from PIL import Image

from studio.errors import StudioError
from studio.models import ModelManager
from studio.settings import Settings
from studio.ui.common import UiContext
from studio.ui.forms import BatchForm
from studio.ui.i18n import Translator
from tests.batch.conftest import write_csv

ROWS = [
    {"sku": "CUP-01", "photo": "cup.jpg", "headline": "Fresh brew", "price": "99"},
    {"sku": "BAD-01", "photo": "missing.jpg", "headline": "Never made"},
    {"sku": "CUP-02", "photo": "cup.jpg", "headline": "双11 狂欢价", "price": "88"},
]


def context(tmp_path: Path, **changes) -> UiContext:
    settings = Settings(profile="none", cache_dir=tmp_path / "cache", open_browser=False, **changes)
    return UiContext(settings=settings, models=ModelManager(settings), tr=Translator(default="en"))


@pytest.fixture
def upload(tmp_path: Path, product_photo: Image.Image) -> BatchForm:
    folder = tmp_path / "photos"
    folder.mkdir()
    product_photo.resize((256, 256)).save(folder / "cup.jpg", quality=90)
    zipped = tmp_path / "photos.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(folder / "cup.jpg", "cup.jpg")
    return BatchForm(str(write_csv(tmp_path / "catalog.csv", ROWS)), str(zipped), "", 1)


def test_preview_lists_every_row_with_the_bad_rows_reason(tmp_path, upload):
    from studio.ui.batch_handlers import preview_batch

    shown = preview_batch(context(tmp_path), upload, "en")
    assert [r[0] for r in shown.rows] == [2, 3, 4]  # spreadsheet rows (header = row 1), in order
    assert [r[1] for r in shown.rows] == ["CUP-01", "BAD-01", "CUP-02"]
    assert shown.rows[0][3].startswith("✔") and shown.rows[2][3].startswith("✔")
    assert shown.rows[1][3].startswith("✘") and "missing.jpg" in shown.rows[1][3]
    assert "3 rows: 2 ready, 1 with a problem" in shown.message


def test_run_gives_the_catalogue_downloads(tmp_path, upload):
    from studio.ui.batch_handlers import run_batch

    updates: list[str] = []
    made = run_batch(context(tmp_path), upload, "en", progress=lambda f, m: updates.append(m), out_dir=tmp_path / "o")
    names = [p.name for p in made.downloads]
    assert names == ["catalog.zip", "catalog_manifest.csv", "errors.csv", "CUP-01.zip", "CUP-02.zip"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in made.downloads)
    assert "BAD-01" in (tmp_path / "o" / "out" / "errors.csv").read_text(encoding="utf-8")
    with zipfile.ZipFile(made.downloads[3]) as archive:
        assert any(n.endswith(".png") or n.endswith(".jpg") for n in archive.namelist())
    assert "2 made" in made.message and "1 failed" in made.message
    assert updates[-1].startswith("done 2 · failed 1 · left 0")


def test_cancel_stops_before_the_next_sku(tmp_path, upload):
    from studio.progress import CancelToken
    from studio.ui.batch_handlers import run_batch

    token = CancelToken()
    token.cancel()
    made = run_batch(context(tmp_path), upload, "en", cancel=token, out_dir=tmp_path / "o")
    assert made.result.cancelled and made.result.made == ()
    assert [p.name for p in made.downloads] == ["catalog.zip", "catalog_manifest.csv", "errors.csv"]
    assert made.message.startswith("⏹ Stopped")


def test_a_share_link_caps_the_batch_and_refuses_a_server_folder(tmp_path, upload):
    from studio.ui.batch_handlers import preview_batch

    with pytest.raises(StudioError, match="at most 2 SKUs; this catalogue has 3 rows"):
        preview_batch(context(tmp_path, share=True, max_batch_skus_public=2), upload, "en")
    preview_batch(context(tmp_path, share=False, max_batch_skus_public=2), upload, "en")  # local: no cap
    by_folder = BatchForm(upload.catalogue, None, str(tmp_path / "photos"), 1)
    assert len(preview_batch(context(tmp_path), by_folder, "en").plan.jobs) == 2
    with pytest.raises(StudioError, match="cannot be used on a public link"):
        preview_batch(context(tmp_path, share=True), by_folder, "en")


def test_missing_uploads_get_one_message_in_the_sellers_language(tmp_path):
    from studio.ui.batch_handlers import preview_batch

    with pytest.raises(StudioError, match="请先上传商品表"):
        preview_batch(context(tmp_path), BatchForm(), "zh")
    with pytest.raises(StudioError, match="Upload a zip of photos"):
        preview_batch(context(tmp_path), BatchForm(catalogue=str(tmp_path / "c.csv")), "en")


def test_the_tab_builds_alone_and_hides_the_folder_on_a_share_link(tmp_path):
    from studio.ui.batch_tab import build_batch_tab
    from tests.ui.tab_harness import block_by_id, build_tab_alone

    local = build_tab_alone(build_batch_tab, Settings(profile="none", open_browser=False))
    shared = build_tab_alone(build_batch_tab, Settings(profile="none", open_browser=False, share=True))
    assert block_by_id(local, "batch-folder").visible is True
    assert block_by_id(shared, "batch-folder").visible is False
    assert "catalogue_batch" in {fn.api_name for fn in local.fns.values()}
