"""Make one SKU, on whichever worker runs it: the `poster` command's own flow, files returned as bytes.

Workers (this process, a local pool process, a Ray task or actor) never write into the output
folder: they make the posters in a private temp folder and hand back {relative path: bytes};
the driver writes them (studio/batch/store.py). One ModelManager per process and settings, so
a worker loads its models once for every SKU it makes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from studio.batch.types import SkuJob
from studio.models import ModelManager
from studio.settings import Settings

SkuFiles = dict[str, bytes]
_MANAGERS: dict[Settings, ModelManager] = {}
# Fault injection for the tests: a worker asked to make this SKU dies on the spot, as a killed one would.
CRASH_ENV = "STUDIO_BATCH_CRASH_SKU"


def models_for(settings: Settings) -> ModelManager:
    """This process's model manager for `settings` (made on first use, then kept)."""
    if settings not in _MANAGERS:
        _MANAGERS[settings] = ModelManager(settings)
    return _MANAGERS[settings]


def share_models(models: ModelManager) -> Settings:
    """Make `models` (e.g. the app's, already loaded) this process's manager for its settings, so a
    one-worker batch run here uses it instead of loading a second copy; the settings to run with."""
    settings = models.settings.resolved()
    _MANAGERS[settings] = models
    return settings


def render_sku(settings: Settings, job: SkuJob, photo: bytes, fault: str = "") -> SkuFiles:
    """Every file `python -m studio poster --recipe <job.recipe> --variants <job.variants>` writes, then
    (where the row asks) each main-image set and the detail page in their own folders, as `set` and
    `detail-page` write them."""
    from studio.api.posters import export_recipe
    from studio.batch.listing_cells import page_folder, set_folder
    from studio.listing import make_detail_page, make_listing_set
    from studio.pipeline import SceneCache, cutout_from_photo

    if fault and fault == job.sku:
        os._exit(70)  # the test's killed worker: no cleanup, no exception, just gone
    models = models_for(settings)
    with tempfile.TemporaryDirectory(prefix="posters-batch-") as tmp:
        photo_path = Path(tmp) / "photo" / Path(job.photo_name).name
        photo_path.parent.mkdir()
        photo_path.write_bytes(photo)
        out = Path(tmp) / "out"
        cutout, recipe = cutout_from_photo(models, photo_path, job.recipe)
        export_recipe(models, cutout, recipe, out, variants=job.variants)
        cache = SceneCache()  # the set's and the page's scenes: shared between them
        for market in job.sets:
            make_listing_set(models, cutout, recipe, market, out / set_folder(market), cache=cache)
        if job.page:
            make_detail_page(models, cutout, recipe, out / page_folder(job.page), marketplace=job.page, cache=cache)
        return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
