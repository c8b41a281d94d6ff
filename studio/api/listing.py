"""make_set and make_detail_page: a product image and a recipe in, the set or the page's zip out, in one call.

The same flow as the CLI's `set` and `detail-page` (both call `listing_from_photo` and the studio.listing
core); this module checks the inputs first, so a mistake gets a stable code and a message in the caller's
language before any model runs. Stateless: nothing from an earlier call is used or kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.api.errors import ApiError, Language, api_step
from studio.api.posters import LOGO_NOTE, OUTPUT_PREFIX, _csv_rows, check_choices, parse_recipe
from studio.errors import StudioError
from studio.limits import new_output_folder
from studio.progress import CancelToken, Progress, no_progress
from studio.recipe import Recipe

if TYPE_CHECKING:
    from PIL import Image

    from studio.layers import Cutout
    from studio.listing.market import Marketplace
    from studio.models import ModelManager


@dataclass(frozen=True)
class ListingBatch:
    """What one make_set or make_detail_page call made: the zip and the facts about every file in it."""

    zip_path: Path
    files: list[str]  # in order: the set's slots, or the page's slices
    manifest: list[dict[str, str]]
    compliance: list[dict[str, str]]
    recipe: dict[str, Any]  # the recipe as used (models and photo hash recorded): remakes the set or page
    page_path: Path | None = None  # make_detail_page: the whole page, for a preview
    notes: list[str] = field(default_factory=list)


def check_listing_request(
    recipe: Recipe,
    platform: str,
    language: Language,
    *,
    slots: list[str] | None = None,
    sections: list[str] | None = None,
    width: int | None = None,
) -> Marketplace:
    """Every id and field the set or the page needs, checked before any work (stable codes)."""
    from studio.listing.market import marketplace_names, resolve_marketplace
    from studio.listing.page import MAX_WIDTH, MIN_WIDTH
    from studio.listing.sections import check_section_fields
    from studio.listing.slots import check_slot_fields
    from studio.presets import ordered_ids

    check_choices(recipe, language)
    try:
        market = resolve_marketplace(platform)
    except StudioError:
        raise ApiError(
            "unknown_marketplace", language, value=platform, choices=", ".join(marketplace_names())
        ) from None
    if sections is not None:
        known = ordered_ids("detail_sections")
        for sid in sections:
            if sid not in known:
                raise ApiError("unknown_section", language, value=sid, choices=", ".join(known))
    if width is not None and not MIN_WIDTH <= int(width) <= MAX_WIDTH:
        raise ApiError("bad_page_width", language, low=MIN_WIDTH, high=MAX_WIDTH)
    with api_step("listing_fields_missing", language):
        if sections is None:
            check_slot_fields(recipe, slots or market.slot_ids())
        else:
            check_section_fields(recipe, sections or list(recipe.listing.sections))
    return market


def listing_from_photo(
    models: ModelManager,
    product: str | Path | bytes | Image.Image,
    base: Recipe,
    language: Language,
    progress: Progress,
) -> tuple[Cutout, Recipe]:
    """The product's cut-out for a set or a page (stable codes for an unreadable photo or no product)."""
    from studio.imageio import load_image
    from studio.pipeline import cutout_from_photo

    if product is None or product == "":
        raise ApiError("product_missing", language)
    with api_step("image_unreadable", language):
        load_image(product, max_pixels=models.settings.max_image_pixels)  # type: ignore[arg-type]
    try:
        return cutout_from_photo(models, product, base, progress=progress)
    except StudioError as exc:
        code = "no_product" if "No product" in exc.message else "cutout_failed"
        raise ApiError(code, language, detail=str(exc)) from None


def _with_logo(
    base: Recipe, logo: str | Path | None, language: Language, notes: list[str], models: ModelManager
) -> Recipe:
    # As make_posters: a caller's logo comes only as `logo` (recipes never carry paths, and a reference in
    # the recipe is not this call's: the stateless API holds nothing between calls). Budgets before decoding.
    from studio.api.errors import budget_step
    from studio.budgets import budget_recipe, check_images
    from studio.text.logo_store import logo_from_file

    if (base.copy_text.logo or base.load_notes()) and logo is None:
        notes.append(LOGO_NOTE[language])
    with budget_step(language):
        base = budget_recipe(base, models.settings.budgets, variants=1)
        check_images([logo], models.settings.budgets)
    ref = logo_from_file(logo) if logo else ""
    return base.model_copy(update={"copy_text": base.copy_text.model_copy(update={"logo": ref})})


def make_set(
    product: str | Path | bytes | Image.Image,
    recipe: str | bytes | dict | Recipe | None,
    *,
    models: ModelManager,
    platform: str = "taobao",
    logo: str | Path | None = None,
    out_dir: Path | None = None,
    language: Language = "en",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ListingBatch:
    """The main-image set in one call: product photo (or RGBA cut-out) + recipe → the set's zip and facts."""
    from studio.listing.set import make_listing_set

    notes: list[str] = []
    base = _with_logo(parse_recipe(recipe, language), logo, language, notes, models)
    market = check_listing_request(base, platform, language)
    cutout, base = listing_from_photo(models, product, base, language, lambda f, m: progress(0.2 * f, m))
    folder = Path(out_dir) if out_dir is not None else new_output_folder(OUTPUT_PREFIX)
    with api_step("set_failed", language):
        made = make_listing_set(
            models, cutout, base, market, folder, cancel=cancel, progress=lambda f, m: progress(0.2 + 0.8 * f, m)
        )
    return ListingBatch(
        zip_path=made.zip_path,
        files=[f.file for f in made.files],
        manifest=_csv_rows(folder / "manifest.csv"),
        compliance=_csv_rows(folder / "compliance.csv"),
        recipe=base.model_copy(update={"models": made.recipes[0].models}).model_dump(mode="json"),
        notes=list(dict.fromkeys([*notes, *made.notes])),
    )


def make_detail_page(
    product: str | Path | bytes | Image.Image,
    recipe: str | bytes | dict | Recipe | None,
    *,
    models: ModelManager,
    platform: str = "taobao",
    sections: list[str] | str | None = None,
    width: int | None = None,
    logo: str | Path | None = None,
    out_dir: Path | None = None,
    language: Language = "en",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ListingBatch:
    """The detail page in one call: product + recipe → the page, its slices in order, manifest and zip.

    sections: ids in page order (a list or "hero,points,…"); empty: the recipe's listing.sections.
    width: the page width in pixels; empty: the marketplace's (750 Taobao/Tmall/PDD, 790 JD).
    """
    from studio.listing.page import make_detail_page as run

    notes: list[str] = []
    base = _with_logo(parse_recipe(recipe, language), logo, language, notes, models)
    order = [s.strip() for s in sections.split(",") if s.strip()] if isinstance(sections, str) else sections
    order = list(order) if order else list(base.listing.sections)
    market = check_listing_request(base, platform, language, sections=order, width=width)
    cutout, base = listing_from_photo(models, product, base, language, lambda f, m: progress(0.2 * f, m))
    folder = Path(out_dir) if out_dir is not None else new_output_folder(OUTPUT_PREFIX)
    with api_step("detail_page_failed", language):
        made = run(
            models, cutout, base, folder, marketplace=market, sections=order, width=width, cancel=cancel,
            progress=lambda f, m: progress(0.2 + 0.8 * f, m),
        )  # fmt: skip
    return ListingBatch(
        zip_path=made.zip_path,
        files=list(made.slices),
        manifest=_csv_rows(folder / "manifest.csv"),
        compliance=_csv_rows(folder / "compliance.csv"),
        recipe=made.recipes[0].model_copy(update={"variant": base.variant, "outputs": [],
                 "listing": made.recipes[0].listing.model_copy(update={"slot": ""})}).model_dump(mode="json"),
        page_path=folder / made.page_file,
        notes=list(dict.fromkeys([*notes, *made.notes])),
    )  # fmt: skip
