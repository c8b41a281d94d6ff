"""Tab ⑥'s handlers: a catalogue and its photos → a preview of the rows, then a batch run and its downloads.

Plain functions over studio.batch (no gradio): the tab turns uploads into a BatchForm and shows
what these return. The run uses the process's shared ModelManager on the local pool, one worker.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.batch import BatchProgress, CataloguePlan, CatalogueResult, parse_catalogue, run_catalogue
from studio.errors import StudioError
from studio.progress import CancelToken, Progress, no_progress
from studio.ui.common import UiContext
from studio.ui.forms import BatchForm

PREVIEW_ROWS = 20  # rows the preview table shows; the run makes them all
PREVIEW_HEADERS = ["row", "sku", "photo", "status"]


@dataclass(frozen=True)
class BatchPreview:
    rows: list[list[Any]]  # PREVIEW_HEADERS per row, the spreadsheet's own row numbers, in order
    message: str
    plan: CataloguePlan


@dataclass(frozen=True)
class BatchRun:
    downloads: list[Path]  # catalog.zip, catalog_manifest.csv, errors.csv, then one <sku>.zip per SKU
    message: str
    result: CatalogueResult


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
    listed: list[tuple[int, list[Any]]] = [(j.row, [j.row, j.sku, j.photo_name, ok]) for j in plan.jobs]
    listed += [(e.row, [e.row, e.sku, "", f"✘ {e.reason}"]) for e in plan.errors]
    rows = [cells for _row, cells in sorted(listed, key=lambda item: item[0])][:PREVIEW_ROWS]
    message = ctx.tr.text("cat_parsed", lang, rows=plan.rows, good=len(plan.jobs), bad=len(plan.errors))
    if plan.notes:
        message += "\n\n" + "\n".join(f"- {n}" for n in plan.notes)
    return BatchPreview(rows, message, plan)


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
    from studio.batch.render import _MANAGERS

    plan = plan_batch(ctx, form, lang)
    settings = ctx.models.settings.resolved()
    # One worker in this process: let it use the app's loaded models instead of loading a second copy.
    _MANAGERS.setdefault(settings, ctx.models)
    out = out_dir or Path(tempfile.mkdtemp(prefix="catalogue-"))

    def report(update: BatchProgress) -> None:
        fraction = (update.done + update.failed) / update.total if update.total else 1.0
        progress(fraction, progress_line(ctx, update, lang))

    result = run_catalogue(plan, out / "out", settings=settings, workers=1, progress=report, cancel=cancel)
    downloads = [result.zip_path, result.manifest_path, result.errors_path]
    named = out / "downloads"  # every SKU's zip is posters.zip: give each its SKU's folder name
    named.mkdir(exist_ok=True)
    folders = {job.sku: job.folder for job in plan.jobs}
    for sku, path in result.sku_zips.items():
        if path.is_file():
            downloads.append(Path(shutil.copyfile(path, named / f"{folders.get(sku, sku)}.zip")))
    key = "cat_stopped" if result.cancelled else "cat_finished"
    message = ctx.tr.text(
        key, lang, made=len(result.made), skipped=len(result.skipped), failed=len(result.errors), secs=result.seconds
    )
    return BatchRun(downloads, message, result)
