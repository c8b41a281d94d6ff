"""Tab ⑥'s handlers: a catalogue and its photos → a preview of the rows, then a batch run and its downloads.

Plain functions over studio.batch (no gradio): the tab turns uploads into a BatchForm and shows
what these return. The run uses the process's shared ModelManager on the local pool, one worker;
`stream_batch` runs it beside the handler so the tab can show the running count as it goes.
"""

from __future__ import annotations

import queue
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from studio.batch import (
    BatchProgress,
    CataloguePlan,
    CatalogueResult,
    parse_catalogue,
    run_catalogue,
    share_models,
)
from studio.batch.types import RowError, SkuJob
from studio.errors import StudioError
from studio.limits import new_output_folder
from studio.progress import CancelToken, Progress, no_progress
from studio.ui.common import UiContext
from studio.ui.forms import BatchForm

PREVIEW_ROWS = 20  # rows the preview table shows; the run makes them all
PREVIEW_HEADERS = ["row", "sku", "photo", "status"]
STATUS_WIDTHS = ("7%", "18%", "17%", "58%")  # the table's columns, as PREVIEW_HEADERS


@dataclass(frozen=True)
class BatchPreview:
    rows: list[list[Any]]  # PREVIEW_HEADERS per row, the spreadsheet's own row numbers, in order
    message: str
    plan: CataloguePlan


@dataclass(frozen=True)
class BatchRun:
    # catalog.zip, catalog_manifest.csv, errors.csv, then per SKU <sku>.zip and its sets' and page's zips
    downloads: list[Path]
    message: str
    result: CatalogueResult
    rows: list[list[Any]]  # PREVIEW_HEADERS per row, as after the run (made, current, or why it failed)


def _path_of(upload: Any) -> Path | None:
    """Gradio hands a file over as a path string or an object with `.name`."""
    if not upload:
        return None
    return Path(getattr(upload, "name", upload))


def plan_batch(ctx: UiContext, form: BatchForm, lang: str) -> CataloguePlan:
    """Parse the form's catalogue against its photos, within the audience's limits."""
    tr, settings = ctx.tr, ctx.settings
    catalogue = _path_of(form.catalogue)
    if catalogue is None:
        raise StudioError(tr.text("need_catalogue", lang))
    folder = (form.photos_folder or "").strip()
    photos = _path_of(form.photos_zip)
    if photos is None and folder:
        if settings.public:  # the server's disk is not the visitor's
            raise StudioError(tr.text("cat_folder_public", lang))
        photos = Path(folder).expanduser()
    if photos is None:
        raise StudioError(tr.text("need_catalogue_photos", lang))
    variants = max(1, int(form.variants or 1))
    plan = parse_catalogue(catalogue, photos, settings=settings, variants=variants)
    cap = settings.max_batch_skus_public
    if settings.public and plan.rows > cap:
        raise StudioError(tr.text("cat_too_many", lang, cap=cap, rows=plan.rows))
    return plan


def preview_batch(ctx: UiContext, form: BatchForm, lang: str) -> BatchPreview:
    plan = plan_batch(ctx, form, lang)
    ok = ctx.tr.text("cat_ok", lang)
    rows = _table(plan, {j.row: f"{ok}{_listing_note(ctx, j, lang)}" for j in plan.jobs}, plan.errors)
    message = ctx.tr.text("cat_parsed", lang, rows=plan.rows, good=len(plan.jobs), bad=len(plan.errors))
    if plan.notes:
        message += "\n\n" + "\n".join(f"- {n}" for n in plan.notes)
    return BatchPreview(rows, message + problems_list(ctx, plan.errors, lang), plan)


def _listing_note(ctx: UiContext, job: SkuJob, lang: str) -> str:
    notes = []
    if job.sets:
        notes.append(ctx.tr.text("cat_with_sets", lang, sets=", ".join(job.sets)))
    if job.page:
        notes.append(ctx.tr.text("cat_with_page", lang, market=job.page))
    return "".join(f" · {n}" for n in notes)


def _table(plan: CataloguePlan, status: dict[int, str], errors: Sequence[RowError]) -> list[list[Any]]:
    """The first PREVIEW_ROWS rows in spreadsheet order: good ones with `status`, bad ones with their reason."""
    failed = {e.row: e for e in errors}
    listed: list[tuple[int, list[Any]]] = [
        (j.row, [j.row, j.sku, j.photo_name, status.get(j.row, "")]) for j in plan.jobs if j.row not in failed
    ]
    photos = {j.row: j.photo_name for j in plan.jobs}
    listed += [(e.row, [e.row, e.sku, photos.get(e.row, ""), f"✘ {e.reason}"]) for e in errors]
    return [cells for _row, cells in sorted(listed, key=lambda item: item[0])][:PREVIEW_ROWS]


def problems_list(ctx: UiContext, errors: Sequence[RowError], lang: str) -> str:
    """The bad rows' reasons in full, under the table (a table cell may not show a long reason whole)."""
    if not errors:
        return ""
    shown = sorted(errors, key=lambda e: e.row)[:PREVIEW_ROWS]
    lines = [f"- {ctx.tr.text('cat_row', lang, row=e.row)} · {e.sku or '—'}: {e.reason}" for e in shown]
    more = len(errors) - len(shown)
    if more:
        lines.append(f"- … +{more}")
    return "\n\n" + ctx.tr.text("cat_problems", lang) + "\n" + "\n".join(lines)


def progress_line(ctx: UiContext, update: BatchProgress, lang: str) -> str:
    eta = "—" if update.eta_s is None else f"{update.eta_s:.0f}s"
    return ctx.tr.text("cat_progress", lang, done=update.done, failed=update.failed, left=update.left, eta=eta)


def run_batch(
    ctx: UiContext,
    form: BatchForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    out_dir: Path | None = None,
) -> BatchRun:
    """Make every row of the form's catalogue; the files to download and a summary line."""
    plan = plan_batch(ctx, form, lang)
    # One worker in this process: let it use the app's loaded models instead of loading a second copy.
    settings = share_models(ctx.models)
    out = out_dir or new_output_folder("catalogue-")

    def report(update: BatchProgress) -> None:
        fraction = (update.done + update.failed) / update.total if update.total else 1.0
        progress(fraction, progress_line(ctx, update, lang))

    result = run_catalogue(plan, out / "out", settings=settings, workers=1, progress=report, cancel=cancel)
    downloads = [result.zip_path, result.manifest_path, result.errors_path]
    named = out / "downloads"  # every SKU's zip is posters.zip: give each its SKU's folder name
    named.mkdir(exist_ok=True)
    folders = {job.sku: job.folder for job in plan.jobs}
    for sku, path in result.sku_zips.items():
        folder = folders.get(sku, sku)
        if path.is_file():
            downloads.append(Path(shutil.copyfile(path, named / f"{folder}.zip")))
        for extra in result.listing_zips.get(sku, ()):  # <sku>_set_taobao_main.zip, <sku>_detail_page_….zip
            if extra.is_file():
                downloads.append(Path(shutil.copyfile(extra, named / f"{folder}_{extra.parent.name}.zip")))
    key = "cat_stopped" if result.cancelled else "cat_finished"
    message = ctx.tr.text(
        key, lang, made=len(result.made), skipped=len(result.skipped), failed=len(result.errors), secs=result.seconds
    )
    made, current = set(result.made), set(result.skipped)
    status = {
        j.row: ctx.tr.text("cat_made" if j.sku in made else "cat_current", lang) + _listing_note(ctx, j, lang)
        for j in plan.jobs
        if j.sku in made | current
    }
    rows = _table(plan, status, result.errors)
    return BatchRun(downloads, message + problems_list(ctx, result.errors, lang), result, rows)


def stream_batch(
    ctx: UiContext,
    form: BatchForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    out_dir: Path | None = None,
) -> Iterator[str | BatchRun]:
    """run_batch on a thread of its own: the running count line (done · failed · left) after every SKU,
    as it comes, then the BatchRun. Closing the iterator early (the browser left) stops the batch
    before its next SKU. A failure of the run is raised here."""
    updates: queue.Queue[tuple[float, str] | None] = queue.Queue()
    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome["run"] = run_batch(
                ctx, form, lang, progress=lambda f, m: updates.put((f, m)), cancel=cancel, out_dir=out_dir
            )
        except BaseException as exc:  # handed to the caller's thread, raised there
            outcome["error"] = exc
        finally:
            updates.put(None)

    thread = threading.Thread(target=work, name="catalogue-batch", daemon=True)
    thread.start()
    try:
        while (update := updates.get()) is not None:
            progress(*update)  # on the caller's thread: Gradio's progress belongs to its event
            yield update[1]
    finally:
        if thread.is_alive() and cancel is not None:
            cancel.cancel()
        thread.join()
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["run"]
