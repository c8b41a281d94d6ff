"""Catalogue batches: one spreadsheet row per SKU, the same posters `python -m studio poster` makes.

The stable entry points (the CLI's `batch` command and the app's Batch tab call these two):

    plan = parse_catalogue(catalogue, photos, base=recipe, settings=settings)
    result = run_catalogue(plan, out_dir, settings=settings, workers=1, ray=None,
                           progress=callback, cancel=token)

`parse_catalogue` reads a CSV or XLSX catalogue (a path, or bytes with a file name) and a photo
source (a folder, or a zip of photos), and returns a `CataloguePlan`: the good rows as `SkuJob`s
and the bad ones as `RowError`s with a reason (missing photo, unknown scene, ad-law words,
unreadable image…). A catalogue that cannot be read as a whole (formulas, too many rows, duplicate
SKUs, a zip whose paths escape it) raises StudioError with one clear message.

`run_catalogue` makes every job of the plan into `out_dir/<sku>/` (the files `poster` writes),
then writes `catalog_manifest.csv`, `errors.csv` and `catalog.zip`. A SKU whose files are complete
and current (same row, photo, recipe and model settings) is skipped. A SKU that fails is recorded
in errors.csv and the rest go on. `workers` > 1 runs a local process pool; `ray` = "auto" or a
cluster address runs on Ray. `progress` gets a `BatchProgress` after every SKU; `cancel` (a
studio.progress.CancelToken) stops before the next SKU and the result says `cancelled`.
`share_models(models)` lends an already loaded ModelManager to a one-worker run in this process
(the app's Batch tab does) and returns the settings to run with.
Nothing here imports gradio.
"""

from studio.batch.plan import parse_catalogue
from studio.batch.render import share_models
from studio.batch.run import run_catalogue
from studio.batch.types import (
    BatchProgress,
    BatchProgressFn,
    CataloguePlan,
    CatalogueResult,
    RowError,
    SkuJob,
    no_batch_progress,
)

__all__ = [
    "BatchProgress",
    "BatchProgressFn",
    "CataloguePlan",
    "CatalogueResult",
    "RowError",
    "SkuJob",
    "no_batch_progress",
    "parse_catalogue",
    "run_catalogue",
    "share_models",
]
