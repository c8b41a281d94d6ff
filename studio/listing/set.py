"""The main-image set as files: every slot written, checked, and packed with its manifest and recipes.

Files are `{sku}_{platform}_{NN-slot}.jpg` (the slot's recipe variant), so they sort in slot order
within a platform; recipes/<NN-slot>.json remakes each slot, recipes/set.json the whole set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.errors import StudioError
from studio.layers import Cutout
from studio.listing.market import Marketplace, resolve_marketplace
from studio.listing.slots import SlotImage, check_slot_fields, render_set_slot
from studio.models import ModelManager
from studio.pipeline import SceneCache, recipe_with_models
from studio.progress import CancelToken, Progress, no_progress
from studio.recipe import OutputFile, Recipe
from studio.text.space import intersects

if TYPE_CHECKING:
    from studio.settings import Settings


@dataclass(frozen=True)
class SetFile:
    slot: str
    file: str  # name inside the set's folder
    platform: str
    compliant: bool


@dataclass
class ListingSet:
    """What make_listing_set wrote: one folder, its zip, a row per file and the compliance reports."""

    out_dir: Path
    zip_path: Path
    marketplace: str
    files: list[SetFile]
    recipes: list[Recipe]  # one per slot, with its output
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)  # file → compliance report
    notes: list[str] = field(default_factory=list)


def text_off_product(text_boxes: dict, product_box: tuple) -> dict[str, Any]:
    """The compliance row that every set and page file carries: no text layer on the product's box."""
    over = sorted(name for name, box in text_boxes.items() if intersects(tuple(box), tuple(product_box)))
    if over:
        return {"status": "failed", "reason": f"text on the product: {', '.join(over)}"}
    return {"status": "passed", "reason": "every text layer is clear of the product"}


def write_slot(
    models: ModelManager, made: SlotImage, out_dir: Path, cache: SceneCache, settings: Any
) -> tuple[OutputFile, dict[str, Any]]:
    """Write one slot (labels and recipe inside, as posters) and check it against its platform."""
    from studio.export.compliance import check_file
    from studio.export.files import label_names, write_poster_file
    from studio.export.hashes import file_hashes

    labels = label_names(settings)
    hashes = file_hashes(models.settings, made.recipe) if made.ai_made else {}
    lora = hashes.get("lora_hashes")
    output = write_poster_file(
        made.poster,
        made.platform,
        out_dir,
        recipe=made.recipe,
        visible_label=False,  # drawn by the slot where a model made pixels
        ai_generated=made.ai_made,
        psnr_memo=cache.psnr,
        producer=labels["producer"],
        propagator=labels["propagator"],
        model_hash=str(hashes.get("model_hash", "")),
        lora_hashes=dict(lora) if isinstance(lora, dict) else None,
    )
    report = check_file(
        out_dir / output.file,
        made.platform,
        product_box=output.product_box,
        text_boxes=output.text_boxes,
        copy=made.recipe.copy_text if made.judge_copy else None,
        text_px=output.text_px,
        upscale=output.upscale,
        ai_generated=made.ai_made,
    )
    texts = {k: v for k, v in output.text_boxes.items() if k != "aigc_label"}
    report["checks"]["text_off_product"] = text_off_product(texts, output.product_box)
    report["compliant"] = all(c["status"] != "failed" for c in report["checks"].values())
    return output, report


def make_listing_set(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    marketplace: str | Marketplace,
    out_dir: Path,
    *,
    slots: list[str] | None = None,
    cache: SceneCache | None = None,
    settings: Settings | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ListingSet:
    """Make and write the main-image set for one marketplace: slots 1-5 (+ white background where wanted).

    slots: a subset of `list_set_slots(marketplace)` ids (default all, in order). Every slot's fields are
    checked before any work; each file passes the platform's checks or its report says why not.
    """
    from studio.export.atomic import write_text_atomic
    from studio.export.package import write_package

    market = marketplace if isinstance(marketplace, Marketplace) else resolve_marketplace(marketplace)
    wanted = list(slots) if slots else market.slot_ids()
    unknown = [s for s in wanted if s not in market.slot_ids()]
    if unknown:
        raise StudioError(
            f"{market.id} has no set slot '{unknown[0]}' / 该平台没有这个套图位。",
            hint=f"Choose from {', '.join(market.slot_ids())}.",
        )
    check_slot_fields(recipe, wanted)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = cache if cache is not None else SceneCache()
    settings = settings if settings is not None else models.settings
    base = recipe_with_models(recipe.model_copy(update={"outputs": []}), models)
    finished: list[Recipe] = []
    reports: dict[str, dict[str, Any]] = {}
    files: list[SetFile] = []
    notes: list[str] = []
    for i, slot in enumerate(wanted):
        if cancel is not None:
            cancel.raise_if_cancelled()
        made = render_set_slot(models, cutout, base, market, slot, cache=cache)
        output, report = write_slot(models, made, out_dir, cache, settings)
        reports[output.file] = report
        finished.append(made.recipe.model_copy(update={"outputs": [output]}))
        files.append(SetFile(slot, output.file, made.platform.id, bool(report["compliant"])))
        notes.extend(f"{made.recipe.variant}: {n}" for n in made.poster.warnings)
        progress((i + 1) / len(wanted), f"Wrote {output.file}")
    write_text_atomic(out_dir / "recipes" / "set.json", base.to_json())
    zip_path = write_package(out_dir, finished, checked=reports)
    _add_to_zip(zip_path, out_dir / "recipes" / "set.json", "recipes/set.json")
    return ListingSet(out_dir, zip_path, market.id, files, finished, reports, list(dict.fromkeys(notes)))


def _add_to_zip(zip_path: Path, path: Path, name: str) -> None:
    import zipfile

    with zipfile.ZipFile(zip_path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(path, name)
