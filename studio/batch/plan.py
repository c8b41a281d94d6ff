"""parse_catalogue: a spreadsheet and a photo source in, a CataloguePlan (jobs + row errors) out."""

from __future__ import annotations

from pathlib import Path

from studio.batch.listing_cells import ListingCellProblem, row_listing
from studio.batch.photos import PhotoMissing, PhotoSource
from studio.batch.rows import KNOWN_COLUMNS, RowProblem, row_recipe, row_variants
from studio.batch.table import read_table
from studio.batch.types import CataloguePlan, RowError, SkuJob
from studio.errors import StudioError
from studio.export.sku import sku_slug
from studio.recipe import Recipe
from studio.settings import Settings


def parse_catalogue(
    catalogue: Path | str | bytes,
    photos: Path | str | PhotoSource,
    *,
    base: Recipe | None = None,
    settings: Settings | None = None,
    name: str = "",
    variants: int = 1,
) -> CataloguePlan:
    """Read the catalogue (a path, or bytes named by `name`), check every row, and plan the batch.

    base: the recipe empty cells fall back to (default Recipe()). variants: the count for rows
    without a `variants` cell. StudioError for a catalogue that cannot be used as a whole
    (unreadable, formulas, over `settings.max_catalogue_rows`, duplicate SKUs, an unsafe zip).
    """
    from studio.imageio import load_image

    settings = settings or Settings()
    base = (base or Recipe()).model_copy(update={"outputs": []})
    if isinstance(catalogue, bytes):
        data, label = catalogue, name or "catalogue.csv"
    else:
        path = Path(catalogue)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StudioError(f"Cannot read the catalogue {path}: {exc.strerror or exc}. / 无法读取商品表。") from None
        label = name or path.name
    header, rows = read_table(data, label, max_rows=settings.max_catalogue_rows)
    source = photos if isinstance(photos, PhotoSource) else PhotoSource.open(photos)
    _refuse_duplicates(rows)

    jobs: list[SkuJob] = []
    errors: list[RowError] = []
    for number, cells in rows:
        sku = cells.get("sku", "").strip()
        try:
            recipe = row_recipe(base, cells)
            count = row_variants(cells, variants, settings.max_variants)
            sets, page = row_listing(recipe, cells)
            key = source.find(cells.get("photo", ""))
            loaded = load_image(source.read(key), max_pixels=settings.max_image_pixels)
        except (RowProblem, ListingCellProblem, PhotoMissing) as exc:
            errors.append(RowError(number, sku, exc.message))
            continue
        except StudioError as exc:  # the photo itself: not an image, damaged, too big
            errors.append(RowError(number, sku, f"Unreadable photo / 图片无法读取: {exc}"))
            continue
        jobs.append(
            SkuJob(
                row=number,
                sku=recipe.export.sku,
                folder=sku_slug(recipe.export.sku),
                photo_name=key,
                photo_sha256=loaded.sha256,
                recipe=recipe,
                variants=count,
                cells=tuple(sorted(cells.items())),
                sets=sets,
                page=page,
            )
        )
    ignored = [h for h in header if h and h not in KNOWN_COLUMNS]
    notes = (f"Columns not used / 未使用的列: {', '.join(ignored)}",) if ignored else ()
    return CataloguePlan(tuple(jobs), tuple(errors), source, tuple(header), notes)


def _refuse_duplicates(rows: list[tuple[int, dict[str, str]]]) -> None:
    """Two rows with one SKU (or SKUs one folder would hold: case or slug) make the batch ambiguous."""
    seen: dict[str, int] = {}
    clashes: list[str] = []
    for number, cells in rows:
        sku = cells.get("sku", "").strip()
        if not sku:
            continue
        key = sku_slug(sku).lower()
        if key in seen:
            clashes.append(f"'{sku}' (rows {seen[key]} and {number})")
        else:
            seen[key] = number
    if clashes:
        raise StudioError(
            f"The catalogue lists a SKU more than once: {', '.join(clashes[:5])}. / 商品表中有重复的商品编码。",
            hint="Give every row its own SKU; nothing was made.",
        )
