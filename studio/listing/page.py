"""The detail page (详情页): sections stacked at the marketplace's width, exported whole and as slices.

Slices end between sections where they can: each slice takes whole sections while it stays within
the marketplace's slice height, and only a section taller than that is cut. Files:
`{sku}_{platform}_detail-NN.jpg` in page order (each under the byte cap, its recipe inside) and
`{sku}_{platform}_page.jpg`, the whole page for a preview (not for upload; it may exceed the cap).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from studio.errors import StudioError
from studio.layers import Cutout, Poster
from studio.listing.market import Marketplace, resolve_marketplace
from studio.listing.sections import SectionImage, check_section_fields, render_section
from studio.models import ModelManager
from studio.pipeline import SceneCache, recipe_with_models
from studio.presets import Platform
from studio.progress import CancelToken, Progress, no_progress
from studio.recipe import Box, Recipe

if TYPE_CHECKING:
    from studio.settings import Settings

MIN_WIDTH, MAX_WIDTH = 480, 1242  # page widths a marketplace's detail editor takes (750 and 790 the usual)
MIN_SECTION_SLICE = 0.25  # a cut inside a section leaves at least this share of a slice on each side


@dataclass
class PageSection:
    """Where one section sits on the page, and what it shows."""

    id: str
    top: int
    bottom: int
    title: str
    title_box: Box | None  # in page pixels
    text_boxes: dict[str, Box] = field(default_factory=dict)  # in page pixels
    text_px: dict[str, int] = field(default_factory=dict)
    product_boxes: list[Box] = field(default_factory=list)  # in page pixels
    ai_made: bool = False


@dataclass
class DetailPage:
    """The whole page in memory: for the UI's scrolling preview and for `export_detail_page`."""

    image: Image.Image  # RGB, width × total height
    width: int
    sections: list[PageSection]
    marketplace: str
    platform: Platform  # the detail-page platform (width as made, slice height, byte cap)
    recipe: Recipe  # as made: listing.sections in page order, models recorded
    product: Image.Image  # RGBA page-size: the product's exact pixels (photo crops included), transparent elsewhere
    notes: list[str] = field(default_factory=list)


@dataclass
class DetailExport:
    out_dir: Path
    zip_path: Path
    page_file: str  # the whole page (preview), in out_dir
    slices: list[str]  # slice files in page order
    recipes: list[Recipe]  # one per slice, with its output
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def page_platform(market: Marketplace, width: int | None) -> Platform:
    """The marketplace's detail-page platform, at `width` if the seller asks for another."""
    platform = market.detail
    if width is None or width == platform.width:
        return platform
    if not MIN_WIDTH <= int(width) <= MAX_WIDTH:
        raise StudioError(
            f"A detail page is {MIN_WIDTH}–{MAX_WIDTH} px wide / 详情页宽度须在 {MIN_WIDTH}–{MAX_WIDTH} 像素之间。",
            hint=f"{market.id} uses {platform.width}.",
        )
    return replace(platform, width=int(width))


def render_detail_page(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    *,
    marketplace: str | Marketplace = "taobao",
    sections: list[str] | None = None,
    width: int | None = None,
    cache: SceneCache | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> DetailPage:
    """The detail page in memory: `sections` (default recipe.listing.sections) in that order, at the
    marketplace's width (or `width`). Every section's fields are checked before any work."""
    market = marketplace if isinstance(marketplace, Marketplace) else resolve_marketplace(marketplace)
    order = list(sections) if sections else list(recipe.listing.sections)
    check_section_fields(recipe, order)
    recipe = recipe.model_copy(update={"listing": recipe.listing.model_copy(update={"sections": order})})
    platform = page_platform(market, width)
    cache = cache if cache is not None else SceneCache()
    made: list[SectionImage] = []
    for i, sid in enumerate(order):
        if cancel is not None:
            cancel.raise_if_cancelled()
        made.append(render_section(models, cutout, recipe, sid, platform, cache))
        progress((i + 1) / len(order), f"Drew the {sid} section")
    total = sum(s.image.height for s in made)
    image = Image.new("RGB", (platform.width, total), (255, 255, 255))
    product = Image.new("RGBA", image.size, (0, 0, 0, 0))
    placed: list[PageSection] = []
    top = 0
    for s in made:
        image.paste(s.image, (0, top))
        if s.product is not None:
            product.paste(s.product, (0, top))

        def moved(box: Box, dy: int = top) -> Box:
            return (box[0], box[1] + dy, box[2], box[3] + dy)

        placed.append(
            PageSection(
                id=s.id, top=top, bottom=top + s.image.height, title=s.title,
                title_box=moved(s.title_box) if s.title_box else None,
                text_boxes={k: moved(v) for k, v in s.text_boxes.items()}, text_px=dict(s.text_px),
                product_boxes=[moved(b) for b in s.product_boxes], ai_made=s.ai_made,
            )
        )  # fmt: skip
        top += s.image.height
    notes = list(dict.fromkeys(n for s in made for n in s.notes))
    return DetailPage(
        image, platform.width, placed, market.id, platform, recipe_with_models(recipe, models), product, notes
    )


def slice_bounds(page: DetailPage) -> list[tuple[int, int]]:
    """(top, bottom) of each slice: whole sections while they fit the slice height; long sections cut."""
    cap = page.platform.slice_height or page.image.height
    cuts = [0]
    for section in page.sections:
        while section.bottom - cuts[-1] > cap:
            inside = section.top - cuts[-1]
            # End the slice where the section starts, unless that leaves the slice nearly empty.
            cuts.append(section.top if inside >= MIN_SECTION_SLICE * cap and section.top > cuts[-1] else cuts[-1] + cap)
    if cuts[-1] != page.image.height:
        cuts.append(page.image.height)
    return list(zip(cuts, cuts[1:]))


def _clip(box: Box, top: int, bottom: int) -> Box | None:
    y0, y1 = max(box[1], top), min(box[3], bottom)
    return (box[0], y0 - top, box[2], y1 - top) if y1 > y0 else None


def export_detail_page(
    page: DetailPage, out_dir: Path, *, models: ModelManager | None = None, settings: Settings | None = None
) -> DetailExport:
    """Write the page whole and as slices (in order, each within the slice height and byte cap), checked and zipped."""
    from studio.export.atomic import write_bytes_atomic, write_text_atomic
    from studio.export.compliance import check_file
    from studio.export.files import label_names, write_poster_file
    from studio.export.package import write_package
    from studio.listing.set import _add_to_zip, text_off_product

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    labels = label_names(settings if settings is not None else (models.settings if models is not None else None))
    recipes: list[Recipe] = []
    reports: dict[str, dict[str, Any]] = {}
    names: list[str] = []
    notes = list(page.notes)
    base = page.recipe.model_copy(update={"outputs": []})
    for i, (top, bottom) in enumerate(slice_bounds(page), 1):
        inside = [s for s in page.sections if s.top < bottom and s.bottom > top]
        boxes: dict[str, Box] = {}
        products: list[Box] = []
        for s in inside:
            for name, box in s.text_boxes.items():
                clipped = _clip(box, top, bottom)
                if clipped is not None:
                    boxes[f"{s.id}.{name}"] = clipped
            products += [c for b in s.product_boxes if (c := _clip(b, top, bottom)) is not None]
        ai = any(s.ai_made for s in inside)
        marks = [name for name in boxes if "aigc_label" in name]
        if marks:  # the visible AI mark a section drew: the check finds it under its usual name
            boxes["aigc_label"] = boxes.pop(marks[0])
        platform = replace(page.platform, height=bottom - top)
        largest = max(products, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]), default=(0, 0, page.width, bottom - top))
        slot = f"detail-{i:02d}"
        recipe = base.model_copy(
            update={
                "variant": slot,
                "export": base.export.model_copy(update={"platforms": [page.platform.id]}),
                "listing": base.listing.model_copy(update={"slot": slot}),
            }
        )
        poster = Poster(image=page.image.crop((0, top, page.width, bottom)), platform=platform.id,
                        product_box=largest, text_boxes=boxes)  # fmt: skip
        output = write_poster_file(
            poster, platform, out_dir, recipe=recipe, visible_label=False, ai_generated=ai,
            producer=labels["producer"], propagator=labels["propagator"],
        )  # fmt: skip
        notes.extend(f"{slot}: {w}" for w in poster.warnings)
        report = check_file(out_dir / output.file, platform, product_box=largest, text_boxes=boxes, ai_generated=ai)
        cap = page.platform.slice_height
        report["checks"]["slice_height"] = (
            {"status": "passed", "reason": f"{bottom - top} px ≤ {cap} px"}
            if not cap or bottom - top <= cap
            else {"status": "failed", "reason": f"{bottom - top} px, over the {cap} px slice height"}
        )
        texts = {k: v for k, v in boxes.items() if "aigc_label" not in k}
        over = [k for p in products for k, v in texts.items() if text_off_product({k: v}, p)["status"] == "failed"]
        report["checks"]["text_off_product"] = (
            {"status": "failed", "reason": f"text on the product: {', '.join(sorted(set(over)))}"}
            if over
            else {"status": "passed", "reason": "every text layer is clear of the product"}
        )
        report["compliant"] = all(c["status"] != "failed" for c in report["checks"].values())
        reports[output.file] = report
        recipes.append(recipe.model_copy(update={"outputs": [output]}))
        names.append(output.file)
    page_file = f"{names[0].rsplit('_detail-', 1)[0]}_page.jpg"
    import io

    buffer = io.BytesIO()
    page.image.save(buffer, "JPEG", quality=90, subsampling=0, optimize=True)
    write_bytes_atomic(out_dir / page_file, buffer.getvalue())
    write_text_atomic(out_dir / "recipes" / "page.json", base.to_json())
    zip_path = write_package(out_dir, recipes, checked=reports)
    _add_to_zip(zip_path, out_dir / page_file, page_file)
    _add_to_zip(zip_path, out_dir / "recipes" / "page.json", "recipes/page.json")
    return DetailExport(out_dir, zip_path, page_file, names, recipes, reports, list(dict.fromkeys(notes)))


def make_detail_page(
    models: ModelManager,
    cutout: Cutout,
    recipe: Recipe,
    out_dir: Path,
    *,
    marketplace: str | Marketplace = "taobao",
    sections: list[str] | None = None,
    width: int | None = None,
    cache: SceneCache | None = None,
    settings: Settings | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> DetailExport:
    """render_detail_page, then export_detail_page: the page, its slices, manifest, recipes and zip."""
    page = render_detail_page(
        models, cutout, recipe, marketplace=marketplace, sections=sections, width=width, cache=cache,
        progress=lambda f, m: progress(0.8 * f, m), cancel=cancel,
    )  # fmt: skip
    result = export_detail_page(page, out_dir, models=models, settings=settings)
    progress(1.0, f"Wrote {len(result.slices)} slices")
    return result
