"""The listing columns of a catalogue row: which main-image sets (套图) and which detail page (详情页) a SKU
gets, and the seller fields they draw on (recipe.listing), checked before any model runs.

`set` names marketplaces (`taobao;jd`; empty = no set). `detail_page` is a section list
(`hero,points,specs`) or a yes-word for the recipe's own sections (empty or a no-word = no page);
the page is made for `detail_platform`, else the first marketplace of `set`, else Taobao.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from studio.errors import StudioError
from studio.recipe import Recipe

if TYPE_CHECKING:
    from studio.batch.types import SkuJob

# column → recipe.listing field (`usage_notes`, not `notes`: a seller's own "notes" column must not land on the page)
LISTING_FIELDS: dict[str, str] = {
    "point_icons": "point_icons",
    "specs": "specs",
    "guarantees": "guarantees",
    "usage_notes": "notes",
    "brand": "brand",
    "brand_line": "brand_line",
    "scene_variant": "scene_variant",
    "gallery": "gallery",
    "detail_region": "detail_region",
}
WANTS = ("set", "detail_page", "detail_platform")
LISTING_COLUMNS = (*WANTS, *LISTING_FIELDS)
DEFAULT_PAGE_MARKET = "taobao"
_IDS = re.compile(r"[;|\n，,、；\s]+")  # marketplaces, sections, scenes
_ICONS = re.compile(r"[;|\n，,、；]")  # one cell per point, by position: an empty one is a numbered pill
_LINES = re.compile(r"[;|\n；]+")  # guarantees, notes and specs may hold commas
_SPEC = re.compile(r"[=＝:：]")
_YES = ("1", "true", "yes", "y", "是", "default", "默认")
_NO = ("0", "false", "no", "n", "否", "none", "无")


class ListingCellProblem(StudioError):
    """A listing cell the row cannot use (plan.py reports it as the row's reason)."""


def set_folder(market_id: str) -> str:
    """The set's folder inside the SKU's folder (one home for the name)."""
    return f"set_{market_id}"


def page_folder(market_id: str) -> str:
    return f"detail_page_{market_id}"


def listing_zips(folder: Path, job: SkuJob) -> tuple[Path, ...]:
    """The zips of a SKU's sets, then its detail page, inside its folder."""
    from studio.export.package import ZIP_NAME

    names = [*(set_folder(m) for m in job.sets), *([page_folder(job.page)] if job.page else [])]
    return tuple(folder / name / ZIP_NAME for name in names)


def ids(text: str) -> list[str]:
    return [part.strip().lower() for part in _IDS.split(text) if part.strip()]


def listing_value(column: str, text: str) -> object:
    """One listing cell as the recipe field's value (the recipe then validates it)."""
    if column == "point_icons":
        icons = [part.strip() for part in _ICONS.split(text)]
        while icons and not icons[-1]:
            icons.pop()
        return icons
    if column in ("guarantees", "usage_notes"):
        return [line.strip() for line in _LINES.split(text) if line.strip()]
    if column == "gallery":
        return ids(text)
    if column == "specs":
        rows = []
        for part in (p.strip() for p in _LINES.split(text)):
            key, sep, value = _spec(part)
            if part and not (sep and key and value):
                raise ListingCellProblem(
                    f"specs: '{part}' is not name=value (e.g. 容量=500ml;材质=PET). / 参数须写成 名称=值，用分号隔开。"
                )
            if part:
                rows.append({"key": key, "value": value})
        return rows
    if column == "detail_region":
        parts = [p for p in re.split(r"[\s,;，；]+", text.strip()) if p]
        try:
            region = tuple(float(p) for p in parts)
        except ValueError:
            region = ()
        if len(region) != 4:
            raise ListingCellProblem(
                "detail_region is x0,y0,x1,y1 as fractions of the product (e.g. 0.2,0.1,0.6,0.5). "
                "/ 细节区域须写成 x0,y0,x1,y1（0 到 1 之间）。"
            )
        return region
    return text.strip()


def _spec(part: str) -> tuple[str, str, str]:
    pieces = _SPEC.split(part, maxsplit=1)
    if len(pieces) < 2:
        return part, "", ""
    return pieces[0].strip(), "=", pieces[1].strip()


def page_sections(text: str) -> list[str] | None:
    """The sections a `detail_page` cell sets on the recipe (None: the recipe's own, or no page)."""
    word = text.strip().lower()
    if not word or word in _YES or word in _NO:
        return None
    return ids(text)


def wants_page(text: str) -> bool:
    return bool(text.strip()) and text.strip().lower() not in _NO


def row_listing(recipe: Recipe, cells: dict[str, str]) -> tuple[tuple[str, ...], str]:
    """(the marketplace ids of the row's sets, the detail page's marketplace id or ""), every field checked."""
    from studio.listing.market import marketplace_names, resolve_marketplace
    from studio.listing.sections import check_section_fields
    from studio.listing.slots import check_slot_fields

    def market(name: str, column: str) -> str:
        try:
            return resolve_marketplace(name).id
        except StudioError:
            raise ListingCellProblem(
                f"{column}: unknown marketplace '{name}'; choose from {', '.join(marketplace_names())}. / 未知的平台。"
            ) from None

    sets = tuple(dict.fromkeys(market(name, "set") for name in ids(cells.get("set", ""))))
    page = ""
    if wants_page(cells.get("detail_page", "")):
        where = ids(cells.get("detail_platform", ""))
        page = market(where[0], "detail_platform") if where else (sets[0] if sets else market(DEFAULT_PAGE_MARKET, ""))
    for market_id in sets:
        try:
            check_slot_fields(recipe, resolve_marketplace(market_id).slot_ids())
        except StudioError as exc:
            raise ListingCellProblem(f"set {market_id}: {exc.message}") from None
    if page:
        try:
            check_section_fields(recipe, list(recipe.listing.sections))
        except StudioError as exc:
            raise ListingCellProblem(f"detail_page: {exc.message}") from None
    _check_words(recipe, sets, page)
    return sets, page


def _check_words(recipe: Recipe, sets: tuple[str, ...], page: str) -> None:
    """The listing's own lines go on the files too: the same ad-law check as the poster's copy."""
    from studio.text.adwords import check_ad_words

    if not (sets or page):
        return
    listing = recipe.listing
    lines = [*listing.guarantees, *listing.notes, listing.brand, listing.brand_line]
    lines += [f"{s.key} {s.value}" for s in listing.specs]
    flags = [flag for line in lines if line for flag in check_ad_words(line)]
    if flags:
        words = "; ".join(dict.fromkeys(f.message for f in flags))
        raise ListingCellProblem(
            f"Advertising-law words in the listing fields / 套图或详情页文字含广告法禁用词: {words}"
        )
