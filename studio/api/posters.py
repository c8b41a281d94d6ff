"""make_posters: a product image and a recipe in, the finished export out, in one call.

The flow is the CLI's `poster --recipe` flow (studio/cli.py calls `export_recipe` too):
cut the product out (`pipeline.cutout_from_photo`; an RGBA cut-out keeps its own
outline), make the seed variants, then `pipeline.make_posters` writes the files,
manifest, recipes and zip. This module only checks the inputs first, so a mistake
gets a stable code and a message in the caller's language before any work starts.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from studio.api.errors import ApiError, Language, api_step, budget_step
from studio.errors import StudioError
from studio.limits import new_output_folder
from studio.progress import CancelToken, Progress, no_progress
from studio.recipe import RECIPE_VERSION, Recipe, without_logo_path

if TYPE_CHECKING:
    from PIL import Image

    from studio.layers import Cutout
    from studio.models import ModelManager
    from studio.pipeline import ExportResult

LOGO_NOTE = {
    "zh": "配方里的标志文件路径不会被读取；请把标志图片作为 logo 参数传入。",
    "en": "The recipe's logo path is not read; pass the logo image as the logo parameter.",
}
OUTPUT_PREFIX = "posters-api-"  # under the sweeper's "posters-" prefix: removed after a day


@dataclass(frozen=True)
class PosterBatch:
    """What one make_posters call made: the zip and the facts about every file in it."""

    zip_path: Path
    manifest: list[dict[str, str]]  # manifest.csv, one row per poster file
    compliance: list[dict[str, str]]  # compliance.csv, one row per file and platform check
    recipe: dict[str, Any]  # variant A's recipe as used (with its outputs, models and photo hash)
    notes: list[str] = field(default_factory=list)  # e.g. "this slot allows no text, so the copy was left off"


def parse_recipe(recipe: str | bytes | dict | Recipe | None, language: Language = "en") -> Recipe:
    """A recipe from JSON text, a dict (the schema of recipes/<variant>.json) or a Recipe; empty = defaults."""
    if isinstance(recipe, Recipe):
        data: object = recipe.model_dump()
    elif recipe is None or (isinstance(recipe, (str, bytes)) and not recipe.strip()):
        data = {}
    elif isinstance(recipe, (str, bytes)):
        try:
            data = json.loads(recipe)
        except ValueError as exc:
            raise ApiError("recipe_not_json", language, detail=str(exc), line=getattr(exc, "lineno", 1)) from None
    else:
        data = recipe
    if not isinstance(data, dict):
        raise ApiError("recipe_not_object", language)
    version = data.get("version", RECIPE_VERSION)
    if isinstance(version, int) and version > RECIPE_VERSION:
        raise ApiError("recipe_too_new", language)
    data, dropped = without_logo_path(data)  # an old logo path: never opened, the call's notes say so
    try:
        parsed = Recipe.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err.get("loc", ())) or "recipe"
        raise ApiError("recipe_invalid", language, detail=str(err.get("msg", "")), where=where) from None
    parsed._load_notes = dropped
    # Files belong to the export that wrote them; this call writes its own.
    return parsed.model_copy(update={"outputs": []})


def check_choices(recipe: Recipe, language: Language = "en") -> None:
    """Every preset id the recipe names exists (unknown ids fail here, with the valid ones listed)."""
    from studio.cutout.catalog import MODELS
    from studio.presets import all_presets

    def known(code: str, value: str, choices: list[str]) -> None:
        if value not in choices:
            raise ApiError(code, language, value=value, choices=", ".join(choices))

    for platform in recipe.export.platforms:
        known("unknown_platform", platform, list(all_presets("platforms")))
    known("unknown_scene", recipe.scene.preset, list(all_presets("scenes")))
    if recipe.copy_text.layout != "auto":
        known("unknown_layout", recipe.copy_text.layout, list(all_presets("layouts")))
    known("unknown_cutout_model", recipe.cutout.model, list(MODELS))


def export_recipe(
    models: ModelManager,
    cutout: Cutout,
    base: Recipe,
    out_dir: Path,
    *,
    variants: int = 1,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportResult:
    """The posters of one recipe: `variants` seed variants (A, B, …) at each of its platforms, zipped."""
    from studio.export.variants import make_variants
    from studio.pipeline import make_posters as write_posters

    recipes = make_variants(base, "seed", variants) if variants > 1 else [base]
    return write_posters(models, cutout, recipes, out_dir, progress=progress, cancel=cancel)


def make_posters(
    product: str | Path | bytes | Image.Image,
    recipe: str | bytes | dict | Recipe | None,
    *,
    models: ModelManager,
    variants: int = 1,
    logo: str | Path | None = None,
    out_dir: Path | None = None,
    language: Language = "en",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PosterBatch:
    """The whole flow in one call: product photo (or RGBA cut-out) + recipe → zip, manifest, compliance, recipe."""
    from studio.budgets import budget_recipe, check_images
    from studio.imageio import load_image
    from studio.pipeline import cutout_from_photo
    from studio.text.logo_store import logo_from_file

    base = parse_recipe(recipe, language)
    check_choices(base, language)
    notes: list[str] = []
    # A recipe's logo is a path on the machine that wrote it: a caller's file comes only as `logo`.
    # A reference in the recipe is not this call's either (the stateless API holds nothing between calls).
    if (base.copy_text.logo or base.load_notes()) and logo is None:
        notes.append(LOGO_NOTE[language])
    ref = logo_from_file(logo) if logo else ""
    base = base.model_copy(update={"copy_text": base.copy_text.model_copy(update={"logo": ref})})
    limit = models.settings.max_variants
    if not 1 <= int(variants) <= limit:
        raise ApiError("bad_variant_count", language, limit=limit)
    if product is None or product == "":
        raise ApiError("product_missing", language)
    budgets = models.settings.budgets
    with budget_step(language):  # counts and header sizes, before any decoding or looping
        base = budget_recipe(base, budgets, variants=int(variants))
        check_images([product, logo], budgets)
    with api_step("image_unreadable", language):  # a bad file fails before any model runs
        load_image(product, max_pixels=budgets.image_pixels)  # type: ignore[arg-type]
    try:
        cutout, base = cutout_from_photo(models, product, base, progress=lambda f, m: progress(0.2 * f, m))
    except StudioError as exc:
        # check_found is the core's one "nothing there" verdict; any other refusal is a cutout failure.
        code = "no_product" if "No product" in exc.message else "cutout_failed"
        raise ApiError(code, language, detail=str(exc)) from None
    if out_dir is None:
        from studio.limits import make_room

        make_room(models.settings)  # quota pressure: the oldest exports and uploads go before this one is written
    folder = Path(out_dir) if out_dir is not None else new_output_folder(OUTPUT_PREFIX)
    with api_step("posters_failed", language):
        result = export_recipe(
            models, cutout, base, folder, variants=int(variants), cancel=cancel,
            progress=lambda f, m: progress(0.2 + 0.8 * f, m),
        )  # fmt: skip
    return PosterBatch(
        zip_path=result.zip_path,
        manifest=_csv_rows(result.out_dir / "manifest.csv"),
        compliance=_csv_rows(result.out_dir / "compliance.csv"),
        recipe=result.recipes[0].model_dump(mode="json"),
        notes=list(dict.fromkeys([*notes, *result.warnings])),
    )


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows the zip carries, exactly (the same file the seller opens in Excel)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [dict(row) for row in csv.DictReader(handle)]
