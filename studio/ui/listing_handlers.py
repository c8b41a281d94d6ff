"""Tab ⑦'s handlers: the seller's listing fields → the main-image set, and the detail page (preview, export).

Plain, typed functions over (context, session, ListingForm) on studio.listing (no gradio, no torch): the tab
turns widgets into a ListingForm and shows what these return. Every job reads a snapshot of the session and
records its result only while the session is still what it made (as the export tab does).
"""

from __future__ import annotations

import base64
import io
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from studio.errors import StudioError
from studio.limits import new_output_folder
from studio.progress import Cancelled, CancelToken, Progress, no_progress
from studio.recipe import Recipe
from studio.ui.common import UiContext
from studio.ui.forms import ListingForm, parse_sections, sync_form
from studio.ui.session import StudioSession

PREVIEW_HEIGHT_PX = 640  # the scrolling preview's box; the page inside keeps its full height
PREVIEW_QUALITY = 82  # the preview is a look, not the upload: the files are written at the platform's quality


@dataclass(frozen=True)
class SetView:
    images: list[tuple[str, str]]  # (file, caption) in slot order, marketplace after marketplace
    downloads: list[str]  # one zip per marketplace
    message: str


@dataclass(frozen=True)
class PageView:
    preview_html: str  # the whole page in a fixed-height scrolling box
    message: str
    downloads: list[str]  # after an export: the slices zip, then the whole page; [] for a preview


# ---- words --------------------------------------------------------------------------------------------------
def in_language(message: str, lang: str) -> str:
    """The core's bilingual "English / 中文" sentence, in the seller's language (one language, not both)."""
    if " / " not in message:
        return message
    english, chinese = message.split(" / ", 1)
    return chinese.strip() if lang == "zh" else english.strip()


@contextmanager
def sellers_language(lang: str) -> Iterator[None]:
    """The core's errors (bilingual sentences) re-raised in the seller's language; a Stop stays a Stop."""
    try:
        yield
    except Cancelled:
        raise
    except StudioError as exc:
        raise StudioError(in_language(exc.message, lang), hint=exc.hint) from None


def marketplace_choices(lang: str = "zh") -> list[tuple[str, str]]:
    """(label, main platform id) per marketplace that has a listing (Taobao/Tmall, JD, Pinduoduo)."""
    from studio.listing.market import _listings
    from studio.presets import display_name

    suffix = " 主图" if lang == "zh" else " main image"
    return [(display_name(p, lang).replace(suffix, ""), pid) for pid, p in _listings().items()]


def section_names(lang: str = "zh") -> dict[str, str]:
    from studio.listing import list_detail_sections

    return {s["id"]: s["name"]["zh" if lang == "zh" else "en"] for s in list_detail_sections()}


def order_choices(order: list[str], lang: str = "zh") -> list[tuple[str, str]]:
    """The page's sections as the editor lists them: "1 · 首屏" … in page order."""
    names = section_names(lang)
    return [(f"{i} · {names.get(sid, sid)}", sid) for i, sid in enumerate(order, 1)]


# ---- the page order: pure list edits (the tab keeps the order in its `sections` box) ---------------------
def move_section(order: list[str], sid: str, step: int) -> list[str]:
    """`sid` moved `step` places (−1 up, +1 down), clamped at the ends."""
    if sid not in order:
        return list(order)
    out = list(order)
    i = out.index(sid)
    j = max(0, min(len(out) - 1, i + step))
    out.insert(j, out.pop(i))
    return out


def remove_section(order: list[str], sid: str) -> list[str]:
    return [s for s in order if s != sid]


def add_section(order: list[str], sid: str) -> list[str]:
    return [*order, sid] if sid and sid not in order else list(order)


def missing_sections(order: list[str]) -> list[str]:
    return [s for s in section_names() if s not in order]


# ---- the form into the recipe ---------------------------------------------------------------------------
def apply_listing(ctx: UiContext, session: StudioSession, form: ListingForm, lang: str) -> Recipe:
    """The form written into the session recipe; a bad line is one message in the seller's language."""
    from pydantic import ValidationError

    try:
        form.apply(session.recipe)
    except ValidationError as exc:
        why = str(exc.errors()[0].get("msg", "")).removeprefix("Value error, ")
        raise StudioError(ctx.tr.text("ls_bad_field", lang, why=in_language(why, lang))) from None
    except ValueError as exc:
        raise StudioError(ctx.tr.text("ls_bad_field", lang, why=in_language(str(exc), lang))) from None
    sync_form(session, form)
    return session.recipe


def _need_cutout(ctx: UiContext, session: StudioSession, lang: str) -> None:
    if session.cutout is None:
        raise StudioError(ctx.tr.text("need_cutout", lang))


def _out_dir(prefix: str, out_dir: Path | None) -> Path:
    if out_dir is not None:
        return Path(out_dir)
    return new_output_folder(prefix) / time.strftime("%Y%m%d-%H%M%S")


# ---- the main-image set -----------------------------------------------------------------------------------
def make_set(
    ctx: UiContext,
    session: StudioSession,
    form: ListingForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    out_dir: Path | None = None,
) -> SetView:
    """The set for every chosen marketplace, from the session's cut-out and recipe (its facts as the form has them)."""
    from studio.export.sku import sku_slug
    from studio.listing import make_listing_set

    _need_cutout(ctx, session, lang)
    markets = list(dict.fromkeys(form.marketplaces or []))
    if not markets:
        raise StudioError(ctx.tr.text("ls_need_market", lang))
    apply_listing(ctx, session, form, lang)
    snap = session.snapshot()
    if snap.cutout is None:  # pragma: no cover - checked above; a new product meanwhile
        raise StudioError(ctx.tr.text("need_cutout", lang))
    _make_room(ctx)
    out = _out_dir("listing-set-", out_dir)
    images: list[tuple[str, str]] = []
    downloads: list[str] = []
    ok = 0
    names = dict((pid, label) for label, pid in marketplace_choices(lang))
    slot_names = _slot_names(lang)
    for i, market in enumerate(markets):

        def part(fraction: float, message: str, i: int = i, label: str = names.get(market, market)) -> None:
            progress((i + fraction) / len(markets), f"{label}: {message}")

        with sellers_language(lang):
            made = make_listing_set(ctx.models, snap.cutout, snap.recipe, market, out / market,
                                    cache=snap.scene_cache, progress=part, cancel=cancel)  # fmt: skip
        images += [
            (str(made.out_dir / f.file), f"{names.get(market, market)} · {n:02d} {slot_names.get(f.slot, f.slot)}")
            for n, f in enumerate(made.files, 1)
        ]
        ok += sum(f.compliant for f in made.files)
        named = made.zip_path.with_name(f"{sku_slug(snap.recipe.export.sku)}_{market}_set.zip")
        downloads.append(str(made.zip_path.replace(named)))
    message = ctx.tr.text("ls_set_done", lang, files=len(images), ok=ok,
                          markets=", ".join(names.get(m, m) for m in markets))  # fmt: skip
    if not session.keep_views_if_current(snap, listing_set_gallery=images, listing_set_files=downloads):
        message += "\n\n" + ctx.tr.text("ls_stale", lang)
    return SetView(images, downloads, message)


def _slot_names(lang: str) -> dict[str, str]:
    from studio.presets import all_presets, display_name

    return {sid: display_name(p, lang) for sid, p in all_presets("set_slots").items()}


def _make_room(ctx: UiContext) -> None:
    from studio.limits import make_room

    make_room(ctx.models.settings)  # quota pressure: the oldest exports go before this one is written


# ---- the detail page --------------------------------------------------------------------------------------
def _page_order(ctx: UiContext, form: ListingForm, lang: str) -> list[str]:
    order = parse_sections(form.sections)
    if not order:
        raise StudioError(ctx.tr.text("ls_need_section", lang))
    return order


def preview_html(image: Any, lang: str) -> str:
    """The whole page as one JPEG inside a fixed-height box that scrolls (the page keeps its full length)."""
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=PREVIEW_QUALITY)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = "详情页预览" if lang == "zh" else "Detail page preview"
    return (
        f'<div id="listing-page-scroll" style="height:{PREVIEW_HEIGHT_PX}px;overflow-y:auto;'
        f'border:1px solid #ddd;border-radius:8px;background:#fff">'
        f'<img id="listing-page-image" alt="{alt}" width="{image.width}" height="{image.height}" '
        f'style="display:block;width:100%;height:auto" src="data:image/jpeg;base64,{data}"></div>'
    )


def _render(
    ctx: UiContext, session: StudioSession, form: ListingForm, lang: str, progress: Progress, cancel: CancelToken | None
) -> tuple[Any, Any]:
    from studio.listing import render_detail_page

    _need_cutout(ctx, session, lang)
    order = _page_order(ctx, form, lang)
    apply_listing(ctx, session, form, lang)
    snap = session.snapshot()
    if snap.cutout is None:  # pragma: no cover - checked above
        raise StudioError(ctx.tr.text("need_cutout", lang))
    with sellers_language(lang):
        page = render_detail_page(ctx.models, snap.cutout, snap.recipe, marketplace=form.page_marketplace or "taobao",
                                  sections=order, cache=snap.scene_cache, progress=progress, cancel=cancel)  # fmt: skip
    return page, snap


def build_page(
    ctx: UiContext,
    session: StudioSession,
    form: ListingForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PageView:
    """The detail page in the form's section order, for the scrolling preview (nothing written)."""
    page, snap = _render(ctx, session, form, lang, progress, cancel)
    html = preview_html(page.image, lang)
    message = ctx.tr.text("ls_page_built", lang, sections=len(page.sections), width=page.width,
                          height=page.image.height)  # fmt: skip
    if not session.keep_views_if_current(snap, listing_preview=html):
        message += "\n\n" + ctx.tr.text("ls_stale", lang)
    return PageView(html, message, [])


def export_page(
    ctx: UiContext,
    session: StudioSession,
    form: ListingForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    out_dir: Path | None = None,
) -> PageView:
    """The page made afresh in the form's order and written whole and as slices (named in page order), zipped."""
    from studio.export.sku import sku_slug
    from studio.listing import export_detail_page

    page, snap = _render(ctx, session, form, lang, lambda f, m: progress(0.8 * f, m), cancel)
    _make_room(ctx)
    out = _out_dir("listing-page-", out_dir)
    with sellers_language(lang):
        made = export_detail_page(page, out, models=ctx.models)
    progress(1.0, f"{len(made.slices)} slices")
    slug = f"{sku_slug(snap.recipe.export.sku)}_{page.platform.id}"
    zip_path = made.zip_path.replace(made.zip_path.with_name(f"{slug}_slices.zip"))
    downloads = [str(zip_path), str(made.out_dir / made.page_file)]
    html = preview_html(page.image, lang)
    ok = sum(bool(made.reports[name]["compliant"]) for name in made.slices)
    message = ctx.tr.text("ls_page_done", lang, slices=len(made.slices), width=page.width, ok=ok,
                          cap=page.platform.slice_height or page.image.height)  # fmt: skip
    if not session.keep_views_if_current(snap, listing_preview=html, listing_page_files=downloads):
        message += "\n\n" + ctx.tr.text("ls_stale", lang)
    return PageView(html, message, downloads)
