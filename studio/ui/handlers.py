"""The tabs' work as plain, typed functions over (context, session, form): importable and callable
without building the UI. The tab modules only turn widget values into a form and results into widgets.

Every handler edits fields of the session recipe (through the form), never rebuilds it.
No gradio import here: bad input is a StudioError, which the tabs' `seller_errors` shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from studio.budgets import budget_recipe, check_copy_text, check_count, check_images
from studio.errors import StudioError
from studio.limits import new_output_folder
from studio.progress import CancelToken, Progress, no_progress
from studio.recipe import Recipe
from studio.settings import Settings
from studio.ui.common import UiContext
from studio.ui.forms import CopyForm, CutoutForm, ExportForm, SceneForm, StyleForm, sync_form
from studio.ui.session import StudioSession

QUICK_PREVIEW_SIDE = 420


NOTE_WORDS = {  # the core's notes by code, in Chinese (English: the core's own sentence)
    "no_text_slot": "此位置的平台规则不允许文字，已省略文案。",
    "scene_fallback": "AI 场景需要 GPU 配置（sd15/sdxl）；此海报改用影棚背景。",
    "copy_missing": "文案无法排进这张海报：请缩短文字或换一个版式。",
    "lost_parts": "精修后的轮廓丢掉了模型找到的一部分商品（可能是瓶盖或把手）：请用画笔把它补回来。",
    "upscale": "{element}：商品图要放大 {factor} 倍，可能发虚；请换更大的原图。",
}


def note_text(note: Any, lang: str) -> str:
    """A studio.notes.Note in the seller's language."""
    words = NOTE_WORDS.get(note.code) if lang == "zh" else None
    if words is None:
        return note.message
    return words.format(element=note.element, **dict(getattr(note, "params", ())))


def _need_cutout(ctx: UiContext, session: StudioSession, lang: str) -> None:
    if session.cutout is None:
        raise StudioError(ctx.tr.text("need_cutout", lang))


def _apply(session: StudioSession, form: Any) -> Recipe:
    """The form's fields written into the session recipe; a value that is not valid is the seller's message."""
    from pydantic import ValidationError

    try:
        form.apply(session.recipe)
    except ValidationError as exc:
        raise StudioError("This setting cannot be used.", hint=str(exc.errors()[0].get("msg", "")))
    sync_form(session, form)
    return session.recipe


# ---- ① cut-out ------------------------------------------------------------------------------------------------
@dataclass
class CutoutResult:
    message: str
    reset: list[str] = field(default_factory=list)  # what a new product cleared
    warnings: list[str] = field(default_factory=list)  # lost parts, upscaling: in the seller's language


def remove_background(
    ctx: UiContext,
    session: StudioSession,
    photo: str | Path,
    form: CutoutForm,
    lang: str,
    progress: Progress = no_progress,
) -> CutoutResult:
    """Cut out the product; a different product clears its copy, SKU and placement (and says so)."""
    from studio.pipeline import cutout_from_photo

    start = session.snapshot()
    cutout, made = cutout_from_photo(ctx.models, photo, form.apply(start.recipe), progress=progress)
    with session._lock:
        if session.cutout is not start.cutout:  # a project or another photo arrived meanwhile: it is newer
            return CutoutResult(message=_newer_product_note(lang))
        # The cut-out's own fields onto the recipe as it is *now* (edits made while it ran are kept).
        recipe = form.apply(session.recipe).model_copy(
            update={"cutout": made.cutout, "source_sha256": made.source_sha256}
        )
        old_sha = session.recipe.source_sha256
        reset: list[str] = []
        if old_sha and old_sha != made.source_sha256:
            reset = session.new_product(recipe)
        else:
            session.edit(cutout=made.cutout, source_sha256=made.source_sha256)
        session.set_cutout(cutout, keep_undo=False)
        session.photo_name = Path(photo).stem
    return CutoutResult(message=_new_product_note(reset, lang), reset=reset, warnings=cutout_warnings(session, lang))


def _newer_product_note(lang: str) -> str:
    if lang == "zh":
        return "ℹ 抠图进行中打开了另一个商品（项目或照片），以后来的为准：这次抠图结果没有替换它。"
    return "ℹ Another product (a project or photo) was opened while this cut-out ran; the newer one is kept and this cut-out was not applied."


def cutout_warnings(session: StudioSession, lang: str) -> list[str]:
    """What is wrong with the cut-out: a part the refinement lost, and the platforms that must blow it up."""
    from studio.cutout.quality import upscale_notes

    if session.cutout is None:
        return []
    notes = [*session.cutout.warnings, *upscale_notes(session.cutout, session.recipe)]
    return list(dict.fromkeys(note_text(n, lang) for n in notes))


def touch_up(ctx: UiContext, session: StudioSession, strokes: Image.Image | None, mode: str, lang: str) -> str:
    """Paint product back ("add") or erase background with the brush strokes (an L mask over the whole
    photo, `brush_canvas`): a part the crop left out can be painted back and the crop grows."""
    from studio.cutout import paint_on_photo

    _need_cutout(ctx, session, lang)
    if strokes is None:
        raise StudioError(ctx.tr.text("no_strokes", lang))
    kwargs = {"add": strokes} if mode == "add" else {"erase": strokes}
    session.set_cutout(paint_on_photo(session.cutout, **kwargs))
    return ctx.tr.text("brush_applied_add" if mode == "add" else "brush_applied_erase", lang, n=len(session.undo_stack))


def undo_touch_up(ctx: UiContext, session: StudioSession, lang: str) -> str:
    _need_cutout(ctx, session, lang)
    if not session.undo():
        return ctx.tr.text("nothing_to_undo", lang)
    return ctx.tr.text("undone", lang, n=len(session.undo_stack))


@dataclass
class WhiteBackground:
    path: Path
    report: dict[str, Any]
    file_format: str
    file_kb: float


def white_background(ctx: UiContext, session: StudioSession, lang: str) -> WhiteBackground:
    """The 2000×2000 white-background main image, checked as the file the seller uploads."""

    from studio.cutout import encode_white_background, white_background_image

    _need_cutout(ctx, session, lang)
    image, _ = white_background_image(session.cutout)
    data, fmt, report = encode_white_background(image)  # judge the file, not the pixels before it
    suffix = "jpg" if fmt == "jpeg" else "png"
    path = new_output_folder("white-") / f"{session.photo_name}_white.{suffix}"
    path.write_bytes(data)
    return WhiteBackground(path=path, report=report, file_format=fmt, file_kb=len(data) / 1024)


def cutout_batch_zip(
    ctx: UiContext, files: list[Any], form: CutoutForm, lang: str, progress: Progress = no_progress
) -> Path:
    """Cut out many photos with the tab's settings; the zip of the cut-outs."""

    from studio.cutout import cutout_batch, write_cutouts, zip_cutouts
    from studio.imageio import load_image

    if not files:
        raise StudioError(ctx.tr.text("need_batch_photos", lang))
    settings = form.apply(Recipe()).cutout
    budgets = ctx.settings.budgets
    paths = [Path(getattr(f, "name", f)) for f in files]
    check_count("batch_photos", len(paths), budgets)
    check_images(paths, budgets)  # every header, and the batch's pixels together, before any decoding
    loaded = [load_image(p, max_pixels=budgets.image_pixels) for p in paths]
    cutouts = cutout_batch(loaded, settings, ctx.models, progress=progress)
    out = new_output_folder("cutouts-")
    paths = write_cutouts(cutouts, [item.name for item in loaded], out)
    return zip_cutouts(paths, out / "cutouts.zip")


def _new_product_note(reset: list[str], lang: str) -> str:
    if not reset:
        return ""
    zh_names = {"copy": "文案", "sku": "货号", "placement": "摆放位置"}
    if lang == "zh":
        return "🆕 新商品：已清空" + "、".join(zh_names[r] for r in reset) + "；场景、风格、字体和平台保留。"
    return "🆕 New product: cleared its " + ", ".join(reset) + "; the scene, styles, fonts and platforms are kept."


# ---- ② scene ------------------------------------------------------------------------------------------------
@dataclass
class SceneResult:
    images: list[tuple[Image.Image, str]]
    control_image: Image.Image | None
    message: str
    seeds: list[int]


def without_copy(recipe: Recipe) -> Recipe:
    """Scene previews show the scene and product only; copy is laid on in tab ④."""
    return recipe.model_copy(update={"copy_text": recipe.copy_text.without_words()})


def preview_placement(ctx: UiContext, session: StudioSession, form: SceneForm) -> Image.Image | None:
    """A quick studio-backdrop preview of the placement (no model)."""
    from studio.pipeline import render_poster

    if session.cutout is None:
        return None
    recipe = form.apply(session.recipe)
    recipe = recipe.model_copy(update={"scene": recipe.scene.model_copy(update={"backdrop": "procedural"})})
    poster = render_poster(ctx.models, session.cutout, without_copy(recipe), form.preview_platform or "taobao_main")
    image = poster.image.convert("RGB")
    image.thumbnail((QUICK_PREVIEW_SIDE, QUICK_PREVIEW_SIDE))
    return image


def compose_scene(
    ctx: UiContext,
    session: StudioSession,
    form: SceneForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> SceneResult:
    """1–4 seed variants of the scene; the session keeps the settings (and its cache the scenes)."""
    from studio.export.variants import seed_variants
    from studio.pipeline import SceneCache, generate_backdrops, render_poster
    from studio.presets import get_platform

    _need_cutout(ctx, session, lang)
    _apply(session, form)
    snap = session.snapshot()  # one product and one cache for the whole job, whatever happens meanwhile
    variants = seed_variants(without_copy(snap.recipe), int(form.n_variants or 1))
    cache, cutout = snap.scene_cache, snap.cutout
    assert cutout is not None
    platform_id = form.preview_platform or "taobao_main"
    platform = get_platform(platform_id)
    generate_backdrops(ctx.models, cutout, variants, platform, cache, progress=progress, cancel=cancel)
    posters = [render_poster(ctx.models, cutout, v, platform_id, cache=cache, cancel=cancel) for v in variants]
    images = [(p.image, ctx.tr.text("sc_variant_caption", lang, seed=v.scene.seed)) for p, v in zip(posters, variants)]
    control = None
    for v in variants:
        scene = cache.scenes.get(SceneCache.key(v, platform.size, v.scene.seed, ctx.models.settings.lora_dir))
        if scene is not None and scene.control_image is not None:
            control = scene.control_image
            break
    notes = list(dict.fromkeys(note_text(n, lang) for p in posters for n in p.notes))
    message = ctx.tr.text("scene_done", lang, n=len(images))
    if notes:
        message += "\n\n" + "\n".join(f"- {n}" for n in notes)
    return SceneResult(images=images, control_image=control, message=message, seeds=[v.scene.seed for v in variants])


def scene_separation(session: StudioSession, preset_id: str, lang: str) -> str:
    """'' when the product stands out from this scene (or there is no product yet); else a warning naming
    scenes that separate it."""
    from studio.scene.separation import separation_warning

    if session.cutout is None or not preset_id:
        return ""
    warning = separation_warning(session.cutout, preset_id, lang)
    return f"⚠ {warning}" if warning else ""


def keep_seed(session: StudioSession, seed: int) -> None:
    session.edit(scene=session.recipe.scene.model_copy(update={"seed": int(seed)}))


# ---- ③ styles ---------------------------------------------------------------------------------------------
def apply_styles(ctx: UiContext, session: StudioSession, form: StyleForm, lang: str) -> str:
    from studio.ui.style_tab import _with_draft_scene

    styles = form.choices()
    notes: list[str] = []
    if styles:
        from studio.styles import validate_choices

        validate_choices(ctx.settings.lora_dir, styles, profile=ctx.models.profile)
        recipe, note = _with_draft_scene(ctx, session.recipe, styles, lang)
        session.edit(scene=recipe.scene)
        notes += [note] if note else []
    sync_form(session, form)
    if not styles:
        return ctx.tr.text("styles_cleared", lang)
    listed = ", ".join(f"{s.name} × {s.weight:g}" for s in styles)
    return "  \n".join([ctx.tr.text("styles_set", lang, styles=listed), *notes])


# ---- ④ copy ---------------------------------------------------------------------------------------------------
def render_copy_preview(ctx: UiContext, session: StudioSession, form: CopyForm, lang: str) -> tuple[Image.Image, str]:
    """The copy laid on the scene; the session remembers what the preview showed (or why it failed)."""
    from studio.pipeline import render_poster
    from studio.ui.copy_tab import flags_markdown

    _need_cutout(ctx, session, lang)
    recipe = _apply(session, form)
    check_copy_text(recipe.copy_text, ctx.settings.budgets)
    try:
        poster = render_poster(
            ctx.models, session.cutout, recipe, form.preview_platform or "taobao_main", cache=session.scene_cache
        )
    except Exception as exc:
        session.copy_failure = str(exc) or type(exc).__name__
        raise
    session.rendered_copy, session.copy_failure = recipe.copy_text, ""
    message = flags_markdown(recipe.copy_text, lang, ctx.tr)
    if poster.notes:
        message += "\n\n" + "\n".join(f"- {note_text(n, lang)}" for n in poster.notes)
    return poster.image, message


def add_session_font(
    ctx: UiContext, fonts: dict[str, str] | None, upload: str | Path, lang: str
) -> tuple[str, str, dict[str, str]]:
    """A checked font upload, for this browser session only: (family, stored file, the session's fonts with it)."""
    from studio.ui.copy_tab import store_uploaded_font

    if not ctx.settings.uploads_allowed:  # the upload is hidden then; refuse the API too
        raise StudioError(ctx.tr.text("uploads_off", lang))
    family, stored = store_uploaded_font(upload)
    return family, stored, {**(fonts or {}), family: stored}


def copy_note(session: StudioSession, lang: str) -> str:
    """What the export says about the copy: changed since the preview, or the preview had failed."""
    current = session.recipe.copy_text
    if session.copy_failure:
        return (
            "⚠ 上次文案预览失败；导出已按当前文案重新排版，请检查海报上的文字。"
            if lang == "zh"
            else "⚠ The last copy preview failed; the export laid out the copy as it is now: check the text on the posters."
        )
    if current.has_words() and session.rendered_copy is not None and session.rendered_copy != current:
        return (
            "ℹ 文案在预览后有改动：海报使用的是现在的文案。"
            if lang == "zh"
            else "ℹ The copy changed after the preview: the posters use the copy as it is now."
        )
    return ""


# ---- ⑤ export -------------------------------------------------------------------------------------------------
@dataclass
class ExportView:
    images: list[tuple[str, str]]  # (file, "A · label · platform"), one platform per row
    zip_path: str
    manifest: dict[str, Any]  # {"headers": [...], "data": [[...]]}
    message: str
    variant_count: int


def export_settings(settings: Settings, form: ExportForm) -> Settings:
    """The one place this export's signing and producer name are decided: the form's, over the studio's."""
    from dataclasses import replace

    chosen = replace(settings, c2pa=bool(form.c2pa), content_producer=" ".join(str(form.producer or "").split()))
    chosen.validate()  # a shop name over 100 characters is the seller's message, before any poster is made
    return chosen


def export_posters(
    ctx: UiContext,
    session: StudioSession,
    form: ExportForm,
    lang: str,
    *,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ExportView:
    """Every variant at every platform, from the session recipe as the seller sees it now (the copy included)."""
    import time

    from studio.pipeline import make_posters
    from studio.ui.export_tab import _manifest_rows, grouped_notes, report_records, variant_label, variant_set

    _need_cutout(ctx, session, lang)
    if not form.platforms:
        raise StudioError(ctx.tr.text("need_platform", lang))
    _apply(session, form)
    snap = session.snapshot()  # the job reads this, never the live session (a reopen may come meanwhile)
    base = type(snap.recipe).from_dict(
        snap.recipe.model_dump()
    )  # model_copy skips validation: check the SKU in the seller's words
    base = budget_recipe(base, ctx.settings.budgets, variants=int(form.n_variants or 1))
    picks = {"scene": form.scenes, "style": form.styles, "copy": form.headlines, "layout": form.layouts}
    recipes, varied = variant_set(
        ctx, base, form.factor, form.grid_first, form.grid_second, int(form.n_variants or 1), form.values, picks, lang
    )
    check_count("posters_per_job", len(recipes) * len(base.export.platforms), ctx.settings.budgets)
    from studio.limits import make_room

    make_room(ctx.models.settings)  # quota pressure: the oldest exports and uploads go before this one is written
    out = new_output_folder("posters-") / time.strftime("%Y%m%d-%H%M%S")
    result = make_posters(
        ctx.models,
        snap.cutout,
        recipes,
        out,
        cache=snap.scene_cache,
        progress=progress,
        cancel=cancel,
        settings=export_settings(ctx.models.settings, form),
    )
    labels = {r.variant: variant_label(r, varied, lang) for r in result.recipes}
    order = list(dict.fromkeys(form.platforms))
    outputs = sorted(
        ((r.variant, o) for r in result.recipes for o in r.outputs),
        key=lambda item: (order.index(item[1].platform) if item[1].platform in order else 99, item[0]),
    )
    images = [(str(out / o.file), f"{v} · {labels[v]} · {o.platform}") for v, o in outputs]
    header, *rows = _manifest_rows(out / "manifest.csv")
    legend = " · ".join(f"**{v}** = {label}" for v, label in labels.items())
    with session._lock:
        current = session.is_current(snap)
        if current:  # the session still is what these files show: they become its last export
            session.last_export = result.zip_path
            session.views.update(
                export_reports=report_records(result), export_gallery=images, export_zip=str(result.zip_path)
            )
    message = "\n\n".join(
        filter(
            None,
            [
                ctx.tr.text("export_done", lang, files=len(images)),
                "" if current else _stale_export_note(lang),
                copy_note(session, lang) if current else "",
                ctx.tr.text("ex_variants_made", lang, legend=legend),
                grouped_notes(ctx, result.notes, lang),
            ],
        )
    )
    return ExportView(
        images=images,
        zip_path=str(result.zip_path),
        manifest={"headers": header, "data": rows},
        message=message,
        variant_count=len(result.recipes),
    )


def _stale_export_note(lang: str) -> str:
    if lang == "zh":
        return "ℹ 导出进行中你改动了商品或配方：这些文件是改动前的，你的改动已保留；请再导出一次得到新版。"
    return "ℹ You changed the product or recipe while this export ran: these files are from before the change, which is kept; export again for the new version."


# ---- ⑤ A/B results --------------------------------------------------------------------------------------------
def ab_results(
    ctx: UiContext, table: Any, lang: str, *, min_lift_percent: Any = 20, design: str = "split"
) -> tuple[dict[str, Any], str]:
    """The stats table and the verdict for the seller's results, for the smallest lift they care about
    (in percent, as typed) and how the posters were shown (a random split, or one after another)."""
    from studio.export.abtest import MIN_LIFT, ab_stats
    from studio.ui.export_tab import _table_rows, ab_decision, ab_table

    try:
        lift = float(min_lift_percent) / 100 if min_lift_percent not in (None, "") else MIN_LIFT
    except (TypeError, ValueError):
        raise StudioError(ctx.tr.text("ab_min_lift_bad", lang)) from None
    rows = _table_rows(table)
    check_count("ab_rows", len(rows), ctx.settings.budgets)
    if all(str(r.get("orders", 0)).strip() in ("0", "0.0") for r in rows):
        rows = [{k: v for k, v in r.items() if k != "orders"} for r in rows]  # no orders typed: no CVR column
    stats = ab_stats(rows, min_lift=lift, design=design or "split")
    data, headers = ab_table(stats, lang)
    return {"headers": headers, "data": data}, ab_decision(ctx, stats, lang)
