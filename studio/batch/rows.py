"""One catalogue row → the recipe for that SKU: the base recipe, with the row's non-empty cells on top.

Each cell goes through the recipe's own validation, so a bad value gets the same message the
CLI gives; the preset ids and the copy's ad-law words are checked here too, so a bad row is
refused before any model runs.
"""

from __future__ import annotations

import re

from pydantic import ValidationError

from studio.batch.listing_cells import LISTING_COLUMNS, LISTING_FIELDS, listing_value, page_sections
from studio.errors import StudioError
from studio.recipe import Recipe, StyleChoice

# column → (recipe part, field). `styles`, `variants`, `sku` and `photo` are handled on their own.
FIELDS: dict[str, tuple[str, str]] = {
    "headline": ("copy_text", "headline"),
    "subline": ("copy_text", "subline"),
    "selling_points": ("copy_text", "selling_points"),
    "price": ("copy_text", "price"),
    "original_price": ("copy_text", "original_price"),
    "badge": ("copy_text", "badge"),
    "cta": ("copy_text", "cta"),
    "layout": ("copy_text", "layout"),
    "font": ("copy_text", "font"),
    "currency": ("copy_text", "currency"),
    "accent_color": ("copy_text", "accent_color"),
    "text_effect": ("copy_text", "text_effect"),
    "vertical": ("copy_text", "vertical"),
    "scene": ("scene", "preset"),
    "backdrop": ("scene", "backdrop"),
    "prompt": ("scene", "prompt"),
    "negative_prompt": ("scene", "negative_prompt"),
    "seed": ("scene", "seed"),
    "steps": ("scene", "steps"),
    "platforms": ("export", "platforms"),
    "file_format": ("export", "file_format"),
    "aigc_label": ("export", "aigc_label"),
}
SPECIAL = ("sku", "photo", "styles", "variants")
KNOWN_COLUMNS = (*SPECIAL, *FIELDS, *LISTING_COLUMNS)
_LIST_SPLIT = re.compile(r"[;|\n，,、；]+")  # platforms, styles
_POINT_SPLIT = re.compile(r"[;|\n；]+")  # selling points may hold commas
_LISTS = ("selling_points", "platforms")
_TRUE = ("1", "true", "yes", "y", "是")


class RowProblem(StudioError):
    """A row the batch skips, with the reason errors.csv shows."""


def _value(column: str, text: str) -> object:
    if column in _LISTS:
        split = _POINT_SPLIT if column == "selling_points" else _LIST_SPLIT
        return [part.strip() for part in split.split(text) if part.strip()]
    if column in ("vertical", "aigc_label"):
        return text.strip().lower() in _TRUE
    if column in ("seed", "steps"):
        try:
            return int(float(text))
        except ValueError:
            raise RowProblem(f"{column} '{text}' is not a whole number. / {column} 须为整数。") from None
    return text


def parse_styles(text: str) -> list[StyleChoice]:
    """`inkwash:0.7; film` → two styles (weight 0.8 when none is given)."""
    styles: list[StyleChoice] = []
    for spec in _LIST_SPLIT.split(text):
        spec = spec.strip()
        if not spec:
            continue
        name, sep, weight = spec.rpartition(":")
        try:
            styles.append(StyleChoice(name=name, weight=float(weight)) if sep else StyleChoice(name=spec))
        except ValueError:
            styles.append(StyleChoice(name=spec))
    return styles


def row_recipe(base: Recipe, cells: dict[str, str]) -> Recipe:
    """The base recipe with this row's cells; RowProblem naming the column for a bad value."""
    if not cells.get("sku", "").strip():
        raise RowProblem("The SKU cell is empty. / 商品编码为空。")
    parts: dict[str, dict[str, object]] = {
        "copy_text": {},
        "scene": {},
        "export": {"sku": cells.get("sku", "")},
        "listing": {},
    }
    for column, text in cells.items():
        if column in FIELDS and text:
            part, name = FIELDS[column]
            parts[part][name] = _value(column, text)
        elif column in LISTING_FIELDS and text.strip():
            parts["listing"][LISTING_FIELDS[column]] = listing_value(column, text)
    sections = page_sections(cells.get("detail_page", ""))
    if sections is not None:
        parts["listing"]["sections"] = sections
    data = base.model_dump()
    for part, updates in parts.items():
        data[part] = {**data[part], **updates}
    if cells.get("styles"):
        try:
            data["styles"] = [s.model_dump() for s in parse_styles(cells["styles"])]
        except ValidationError as exc:
            raise RowProblem(_problem(exc)) from None
    try:
        recipe = Recipe.model_validate({**data, "outputs": []})
    except ValidationError as exc:
        raise RowProblem(_problem(exc)) from None
    check_row_recipe(recipe)
    return recipe


def row_variants(cells: dict[str, str], default: int, limit: int) -> int:
    text = cells.get("variants", "").strip()
    if not text:
        return default
    try:
        count = int(float(text))
    except ValueError:
        count = 0
    if not 1 <= count <= limit:
        raise RowProblem(f"variants must be between 1 and {limit}. / 方案数须在 1 到 {limit} 之间。")
    return count


def check_row_recipe(recipe: Recipe) -> None:
    """Unknown scene, layout or platform ids and ad-law words: RowProblem with the reason."""
    from studio.api.posters import check_choices
    from studio.text.adwords import check_copy

    try:
        check_choices(recipe)
    except StudioError as exc:
        raise RowProblem(exc.message.split("] ", 1)[-1]) from None
    flags = check_copy(recipe.copy_text)
    if flags:
        words = "; ".join(f.message for f in flags)
        raise RowProblem(f"Advertising-law words in the copy / 文案含广告法禁用词: {words}")


def _problem(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err.get("loc", ())]
    field = loc[1] if len(loc) > 1 and loc[0] in ("copy_text", "scene", "export", "listing") else ".".join(loc)
    if loc[:1] == ["listing"]:  # named by the row's column, not the recipe's field
        columns = {name: column for column, name in LISTING_FIELDS.items()} | {"sections": "detail_page"}
        field = columns.get(field, field)
    return f"{field}: {err.get('msg', 'invalid value')}"
