"""run_catalogue: make a CataloguePlan's SKUs into an output folder, resumably, on the chosen backend."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

from studio.batch.listing_cells import listing_zips
from studio.batch.pool import Outcome, Work, pool_jobs, serial_jobs
from studio.batch.render import CRASH_ENV
from studio.batch.stamp import job_hash, stamped_files
from studio.batch.store import store_sku, write_catalog_manifest, write_catalog_zip, write_errors
from studio.batch.types import (
    BatchProgress,
    BatchProgressFn,
    CataloguePlan,
    CatalogueResult,
    RowError,
    SkuJob,
    no_batch_progress,
)
from studio.errors import StudioError
from studio.export.package import ZIP_NAME
from studio.progress import CancelToken
from studio.settings import Settings


def run_catalogue(
    plan: CataloguePlan,
    out_dir: Path,
    *,
    settings: Settings,
    workers: int = 1,
    ray: str | None = None,
    progress: BatchProgressFn = no_batch_progress,
    cancel: CancelToken | None = None,
) -> CatalogueResult:
    """Make every job of `plan` into `out_dir/<sku>/`, skipping SKUs already complete and current.

    settings: the model settings every worker uses (resolved here when `auto`). workers: 1 runs
    in this process, more a local process pool. ray: None, "auto" or a Ray cluster address.
    progress: called after every SKU. cancel: checked before each SKU starts; the SKUs already
    made stay made and the summary files are written for them.
    """
    started = time.monotonic()
    settings = settings.resolved()
    if workers < 1:
        raise StudioError("--workers must be at least 1. / 进程数至少为 1。")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    total = len(plan.jobs) + len(plan.errors)
    errors: list[RowError] = list(plan.errors)
    skipped: list[str] = []
    made: list[str] = []
    todo: list[tuple[SkuJob, str]] = []
    for job in plan.jobs:
        digest = job_hash(job, settings)
        if stamped_files(out_dir / job.folder, digest) is not None:
            skipped.append(job.sku)
        else:
            todo.append((job, digest))
    digests = {job.row: digest for job, digest in todo}

    def update(sku: str, message: str) -> None:
        done = len(made) + len(skipped)
        left = total - done - len(errors)
        rate = (time.monotonic() - started) / len(made) if made else None
        eta = rate * left if rate is not None else None
        progress(BatchProgress(total, done, len(skipped), len(errors), left, eta, sku, message))

    update("", f"{len(skipped)} SKUs already done, {len(todo)} to make, {len(plan.errors)} rows refused.")

    def work() -> Iterator[Work]:
        for job, _digest in todo:
            try:
                yield job, plan.photos.read(job.photo_name)
            except (OSError, StudioError) as exc:  # the photo vanished or changed since the plan was made
                errors.append(RowError(job.row, job.sku, f"Unreadable photo / 图片无法读取: {exc}"))
                update(job.sku, "photo unreadable")

    fault = os.environ.get(CRASH_ENV, "")
    outcomes: Iterator[tuple[SkuJob, Outcome]]
    if ray:
        from studio.batch.ray_backend import ray_jobs

        outcomes = ray_jobs(work(), settings, cancel, address=ray, fault=fault)
    elif workers > 1:
        outcomes = pool_jobs(work(), settings, cancel, workers=workers, fault=fault)
    else:
        outcomes = serial_jobs(work(), settings, cancel)
    for job, outcome in outcomes:
        if isinstance(outcome, str):
            errors.append(RowError(job.row, job.sku, outcome))
            update(job.sku, f"failed: {outcome}")
            continue
        store_sku(out_dir / job.folder, outcome, digests[job.row])
        made.append(job.sku)
        update(job.sku, f"made {len(outcome)} files")

    cancelled = cancel is not None and cancel.cancelled
    failed = {e.row for e in errors}
    complete = [job for job in plan.jobs if job.row not in failed and job.sku in set(made) | set(skipped)]
    folders = [job.folder for job in complete]
    errors.sort(key=lambda e: e.row)
    errors_path = write_errors(out_dir, errors)
    manifest_path = write_catalog_manifest(out_dir, folders)
    zip_path = write_catalog_zip(out_dir, folders)
    return CatalogueResult(
        out_dir=out_dir,
        made=tuple(made),
        skipped=tuple(skipped),
        errors=tuple(errors),
        manifest_path=manifest_path,
        errors_path=errors_path,
        zip_path=zip_path,
        sku_zips={job.sku: out_dir / job.folder / ZIP_NAME for job in complete},
        listing_zips={job.sku: listing_zips(out_dir / job.folder, job) for job in complete if job.sets or job.page},
        cancelled=cancelled,
        seconds=time.monotonic() - started,
    )
