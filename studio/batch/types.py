"""The data a catalogue batch passes around: plain frozen dataclasses, picklable (Ray, processes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from studio.recipe import Recipe


@dataclass(frozen=True)
class RowError:
    """One catalogue row that was not made, and why (in the seller's words, English / 中文)."""

    row: int  # the spreadsheet's own row number (the header is row 1)
    sku: str
    reason: str


@dataclass(frozen=True)
class SkuJob:
    """One good row: everything a worker needs to make that SKU's posters, and nothing else."""

    row: int
    sku: str
    folder: str  # DIR/<folder>/: the SKU's file-name slug (studio.export.sku.sku_slug)
    photo_name: str  # the photo's file name, as the seller gave it (the poster CLI sees the same name)
    photo_sha256: str
    recipe: Recipe  # the base recipe with this row's cells on top
    variants: int
    cells: tuple[tuple[str, str], ...]  # the row as read (normalised column, text), for the content hash
    sets: tuple[str, ...] = ()  # marketplace ids whose main-image set (套图) this SKU gets too
    page: str = ""  # the marketplace id of its detail page (详情页); "" = none


@dataclass(frozen=True)
class CataloguePlan:
    """A parsed catalogue: the rows to make, the rows refused, and notes (e.g. ignored columns)."""

    jobs: tuple[SkuJob, ...]
    errors: tuple[RowError, ...]
    photos: "PhotoSource"
    columns: tuple[str, ...]  # normalised header, in file order
    notes: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return len(self.jobs) + len(self.errors)


@dataclass(frozen=True)
class BatchProgress:
    """Where a running batch stands; `eta_s` is None until one SKU has been made."""

    total: int
    done: int  # made now or already complete from an earlier run
    skipped: int  # of `done`: complete and current already, not made again
    failed: int  # refused rows plus SKUs that failed while being made
    left: int
    eta_s: float | None
    sku: str = ""  # the SKU this update is about
    message: str = ""


BatchProgressFn = Callable[[BatchProgress], None]


def no_batch_progress(update: BatchProgress) -> None:  # noqa: ARG001 - the null callback
    return None


@dataclass(frozen=True)
class CatalogueResult:
    out_dir: Path
    made: tuple[str, ...]  # SKUs made by this run
    skipped: tuple[str, ...]  # SKUs already complete and current
    errors: tuple[RowError, ...]  # every row not made: refused at parse time or failed while made
    manifest_path: Path  # DIR/catalog_manifest.csv
    errors_path: Path  # DIR/errors.csv
    zip_path: Path  # DIR/catalog.zip: every SKU's files, the manifest and errors.csv
    sku_zips: dict[str, Path] = field(default_factory=dict)  # SKU → DIR/<folder>/posters.zip
    # SKU → the zips of its sets and detail page (DIR/<folder>/set_<market>/posters.zip, detail_page_<market>/…)
    listing_zips: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    cancelled: bool = False
    seconds: float = 0.0


from studio.batch.photos import PhotoSource  # noqa: E402  (the plan holds one; photos.py needs no types)
