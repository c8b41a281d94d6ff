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


def test_the_run_lends_the_apps_models_to_the_batch_through_the_public_accessor(tmp_path, upload):
    from studio.batch.render import models_for
    from studio.ui.batch_handlers import run_batch

    ctx = context(tmp_path)
    settings = ctx.models.settings.resolved()
    stale = models_for(settings)  # a manager an earlier batch in this process made for the same settings
    assert stale is not ctx.models
    run_batch(ctx, upload, "en", out_dir=tmp_path / "o")
    assert models_for(settings) is ctx.models  # the app's loaded models, not a second copy
    ui = Path(__file__).parents[2] / "studio" / "ui"
    assert not [p.name for p in ui.glob("*.py") if "_MANAGERS" in p.read_text(encoding="utf-8")]


def test_the_table_shows_each_rows_outcome_and_the_reasons_in_full(tmp_path, upload):
    from studio.ui.batch_handlers import preview_batch, run_batch

    ctx = context(tmp_path)
    shown = preview_batch(ctx, upload, "zh")
    reason = next(r[3] for r in shown.rows if r[1] == "BAD-01")[2:]
    assert "第 3 行 · BAD-01: " + reason in shown.message  # under the table, whole, however narrow the cell
    made = run_batch(ctx, upload, "en", out_dir=tmp_path / "o")
    assert [r[3] for r in made.rows] == ["✔ made", "✘ " + made.result.errors[0].reason, "✔ made"]
    assert "**Rows with a problem:**\n- row 3 · BAD-01: " in made.message
    again = run_batch(ctx, upload, "en", out_dir=tmp_path / "o")
    assert [r[3] for r in again.rows][::2] == ["✔ already current", "✔ already current"]


def test_streaming_gives_a_count_line_after_every_sku_then_the_run(tmp_path, upload):
    from studio.progress import CancelToken
    from studio.ui.batch_handlers import BatchRun, stream_batch

    bar: list[float] = []
    updates = list(stream_batch(context(tmp_path), upload, "en", progress=lambda f, m: bar.append(f), out_dir=tmp_path))
    *lines, last = updates
    assert isinstance(last, BatchRun) and all(isinstance(line, str) for line in lines)
    assert lines[0].startswith("done 0 · failed 1 · left 2")  # the refused row counts before any SKU is made
    assert lines[-1].startswith("done 2 · failed 1 · left 0") and len(lines) == 3 and bar[-1] == 1.0

    token = CancelToken()  # the browser goes away after the first line: the batch stops before its next SKU
    stream = stream_batch(context(tmp_path), upload, "en", cancel=token, out_dir=tmp_path / "again")
    assert next(stream).startswith("done 0")
    stream.close()
    assert token.cancelled


def test_a_streaming_handler_stays_a_generator_through_the_guards():
    import inspect

    import gradio as gr

    from studio.limits import RateLimiter
    from studio.ui.common import rate_limited, seller_errors

    @seller_errors
    def handler(request=None):
        yield "first"
        raise StudioError("The catalogue is empty. / 商品表为空。")

    wrapped = rate_limited(handler, RateLimiter(5))
    assert inspect.isgeneratorfunction(handler) and inspect.isgeneratorfunction(wrapped)  # Gradio streams it
    stream = wrapped()
    assert next(stream) == "first"
    with pytest.raises(gr.Error, match="商品表为空"):
        next(stream)


def test_the_status_column_gets_the_room(tmp_path):
    from studio.ui.batch_tab import build_batch_tab
    from tests.ui.tab_harness import block_by_id, build_tab_alone

    table = block_by_id(build_tab_alone(build_batch_tab, Settings(profile="none", open_browser=False)), "batch-rows")
    widths = [float(w.rstrip("%")) for w in table.column_widths]
    assert len(widths) == 4 and widths[3] > 50 and sum(widths) == 100


def test_a_rows_set_and_page_are_shown_and_downloaded(tmp_path, upload):
    from studio.ui.batch_handlers import preview_batch, run_batch

    row = {
        "sku": "CUP-SET", "photo": "cup.jpg", "headline": "好杯子", "selling_points": "保温;防漏;轻巧",
        "specs": "容量=350ml", "set": "jd", "detail_page": "hero,specs",
    }  # fmt: skip
    form = BatchForm(str(write_csv(tmp_path / "set.csv", [row])), upload.photos_zip, "", 1)
    ctx = context(tmp_path)
    assert preview_batch(ctx, form, "en").rows[0][3] == "✔ ready · + set jd_main · + detail page jd_main"
    names = [p.name for p in run_batch(ctx, form, "en", out_dir=tmp_path / "o").downloads]
    assert names[3:] == ["CUP-SET.zip", "CUP-SET_set_jd_main.zip", "CUP-SET_detail_page_jd_main.zip"]
