"""Tab 1 — background removal: upload, refine, touch up, white-background image, batch."""

from __future__ import annotations

from typing import Any

import gradio as gr

from studio.cutout.catalog import licence_note
from studio.ui.common import UiContext, lang_of, progress_adapter, register_form, seller_errors
from studio.ui.forms import CutoutForm
from studio.ui.session import ensure

PREVIEW_BACKGROUNDS = ["checker", "white", "black"]
# Choice labels carry both languages: the language switch updates labels, not choices.
PREVIEW_CHOICES = [("透明格 · Checker", "checker"), ("白色 · White", "white"), ("黑色 · Black", "black")]
BRUSH_CHOICES = [("－ 擦除背景 · Erase", "erase"), ("＋ 补回商品 · Add back", "add")]
BRUSH_COLOURS = ["#ff3366", "#00b7ff"]  # pink shows on most products, blue on red ones


def _model_choices() -> list[tuple[str, str]]:
    from studio.cutout import MODELS

    return [(info.choice_label(), name) for name, info in MODELS.items()]


def build_cutout_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    with gr.Row():
        with gr.Column(scale=1):
            photo = tr.bind(
                gr.Image(
                    type="filepath",
                    image_mode=None,
                    label=tr.text("photo"),
                    height=320,
                    sources=["upload", "clipboard"],
                ),
                "photo",
            )
            model = tr.bind(
                gr.Dropdown(_model_choices(), value="u2netp", label=tr.text("cutout_model")), "cutout_model"
            )
            model_note = gr.Markdown(licence_note("u2netp"), elem_id="cutout-licence")
            with tr.bind(gr.Accordion(tr.text("refine"), open=False), "refine"):
                edge_shift = tr.bind(gr.Slider(-10, 10, value=0, step=1, label=tr.text("edge_shift")), "edge_shift")
                feather = tr.bind(gr.Slider(0, 8, value=0, step=0.5, label=tr.text("feather")), "feather")
                keep_main = tr.bind(gr.Checkbox(value=True, label=tr.text("keep_main")), "keep_main")
                fill_holes = tr.bind(gr.Checkbox(value=False, label=tr.text("fill_holes")), "fill_holes")
                decontaminate = tr.bind(gr.Checkbox(value=True, label=tr.text("decontaminate")), "decontaminate")
                alpha_matting = tr.bind(gr.Checkbox(value=False, label=tr.text("alpha_matting")), "alpha_matting")
            run = tr.bind(gr.Button(tr.text("remove_bg"), variant="primary"), "remove_bg", "value")
        with gr.Column(scale=1):
            result = tr.bind(
                gr.Image(
                    type="pil", image_mode="RGBA", label=tr.text("cutout"), height=320, format="png", interactive=False
                ),
                "cutout",
            )
            backdrop = tr.bind(
                tr.bind(
                    gr.Radio(
                        PREVIEW_CHOICES, value="checker", label=tr.text("preview_on"), info=tr.text("preview_on_hint")
                    ),
                    "preview_on",
                ),
                "preview_on_hint",
                "info",
            )
            preview = tr.bind(gr.Image(type="pil", label=tr.text("preview"), height=240, interactive=False), "preview")
            status = gr.Markdown(elem_id="cutout-status")
    with tr.bind(gr.Accordion(tr.text("touch_up"), open=False), "touch_up"):
        tr.bind(gr.Markdown(tr.text("brush_steps")), "brush_steps", "value")
        with gr.Row():
            editor = tr.bind(
                gr.ImageEditor(
                    type="pil",
                    label=tr.text("brush_hint"),
                    height=420,
                    elem_id="cutout-editor",
                    image_mode="RGBA",
                    format="png",
                    sources=(),
                    layers=False,
                    transforms=(),
                    eraser=False,
                    brush=gr.Brush(colors=BRUSH_COLOURS, default_size=18, color_mode="fixed"),
                ),
                "brush_hint",
            )
            with gr.Column(scale=0, min_width=240):
                mode = tr.bind(gr.Radio(BRUSH_CHOICES, value="erase", label=tr.text("brush_mode")), "brush_mode")
                apply_touch = tr.bind(gr.Button(tr.text("apply_brush"), variant="primary"), "apply_brush", "value")
                undo = tr.bind(gr.Button(tr.text("undo")), "undo", "value")
                touch_status = gr.Markdown(elem_id="touch-status")
    with tr.bind(gr.Accordion(tr.text("white_main"), open=False), "white_main"):
        tr.bind(gr.Markdown(tr.text("white_rules")), "white_rules", "value")
        with gr.Row():
            white_btn = tr.bind(gr.Button(tr.text("make_white")), "make_white", "value")
        with gr.Row():
            white_img = gr.Image(type="filepath", label="2000×2000", height=300, interactive=False)
            white_report = gr.Markdown(elem_id="white-report")
    with tr.bind(gr.Accordion(tr.text("batch"), open=False), "batch"):
        batch_files = tr.bind(
            gr.File(file_count="multiple", file_types=["image"], label=tr.text("batch_files")), "batch_files"
        )
        batch_btn = tr.bind(gr.Button(tr.text("batch_run")), "batch_run", "value")
        batch_zip = gr.File(label="cutouts.zip", interactive=False)

    refine_inputs = [model, edge_shift, feather, keep_main, fill_holes, decontaminate, alpha_matting]
    cutout_outputs = [result, preview, status, editor, ctx.session]

    model.change(licence_note, inputs=[model], outputs=[model_note], api_visibility="private", queue=False)

    @seller_errors
    def remove_background(
        photo_path, model_name, shift, feather_px, keep, fill, decon, matting, bg, session, lang, progress=gr.Progress()
    ):
        from studio.cutout import model_info
        from studio.ui.handlers import remove_background as remove

        if not photo_path:
            raise gr.Error(ctx.tr.text("need_photo", lang_of(lang)), print_exception=False)
        session = ensure(session)
        form = CutoutForm(model_name, shift, feather_px, keep, fill, decon, matting)
        done = remove(ctx, session, photo_path, form, lang_of(lang), progress=progress_adapter(progress))
        cutout = session.cutout
        warned = "\n".join(f"- ⚠ {w}" for w in done.warnings)
        message = "\n\n".join(filter(None, [_describe(cutout, lang), warned, done.message]))
        if not model_info(session.recipe.cutout.model).commercial_use:
            message += "\n\n" + ctx.tr.text("noncommercial_used", lang_of(lang))
        return cutout.rgba, _preview(cutout, bg), message, _editor_value(cutout), session

    ctx.extra["cutout_event"] = run.click(
        remove_background,
        inputs=[photo, *refine_inputs, backdrop, ctx.session, ctx.lang],
        outputs=cutout_outputs,
        api_name="ui_remove_background",
    )  # a new product refills the tabs

    @seller_errors
    def change_preview(bg, session):
        session = ensure(session)
        return _preview(session.cutout, bg) if session.cutout else None

    backdrop.change(change_preview, inputs=[backdrop, ctx.session], outputs=[preview], api_visibility="private")

    @seller_errors
    def touch_up(edit_value, brush_mode, bg, session, lang):
        from studio.ui.handlers import touch_up as paint

        session, lang = ensure(session), lang_of(lang)
        strokes = _strokes(edit_value, _brush_size(session.cutout)) if session.cutout is not None else None
        done = paint(ctx, session, strokes, brush_mode, lang)
        cutout = session.cutout
        return cutout.rgba, _preview(cutout, bg), _describe(cutout, lang), _editor_value(cutout), session, done

    apply_touch.click(
        touch_up,
        inputs=[editor, mode, backdrop, ctx.session, ctx.lang],
        outputs=[*cutout_outputs, touch_status],
        api_name="touch_up",
    )

    @seller_errors
    def undo_touch(bg, session, lang):
        from studio.ui.handlers import undo_touch_up

        session, lang = ensure(session), lang_of(lang)
        done = undo_touch_up(ctx, session, lang)
        c = session.cutout
        return c.rgba, _preview(c, bg), _describe(c, lang), _editor_value(c), session, done

    undo.click(
        undo_touch,
        inputs=[backdrop, ctx.session, ctx.lang],
        outputs=[*cutout_outputs, touch_status],
        api_name="undo_touch_up",
    )

    @seller_errors
    def white_main(session, lang):
        from studio.ui.handlers import white_background

        made = white_background(ctx, ensure(session), lang_of(lang))
        return str(made.path), report_markdown(
            made.report, lang_of(lang), file_kb=made.file_kb, file_format=made.file_format
        )

    white_btn.click(
        white_main, inputs=[ctx.session, ctx.lang], outputs=[white_img, white_report], api_name="white_background"
    )

    @seller_errors
    def batch(files, model_name, shift, feather_px, keep, fill, decon, matting, lang="zh", progress=gr.Progress()):
        from studio.ui.handlers import cutout_batch_zip

        form = CutoutForm(model_name, shift, feather_px, keep, fill, decon, matting)
        return str(cutout_batch_zip(ctx, files, form, lang_of(lang), progress=progress_adapter(progress)))

    batch_btn.click(batch, inputs=[batch_files, *refine_inputs, ctx.lang], outputs=[batch_zip], api_name="cutout_batch")
    # The status line is not a view to restore: the refill after a cut-out must keep its message.
    register_form(ctx, CutoutForm, refine_inputs, views={"cutout_result": result, "cutout_preview": preview})


def _preview(cutout, background: str):
    from studio.cutout import preview

    return preview(cutout, background if background in PREVIEW_BACKGROUNDS else "checker")


def _editor_value(cutout) -> dict[str, Any]:
    """What the brush editor shows: the product, and the removed photo faded around it."""
    from studio.cutout import touch_up_view

    view = touch_up_view(cutout)
    return {"background": view, "layers": [], "composite": view}


def _brush_size(cutout) -> tuple[int, int]:
    """The brush view's size: the whole photo with the crop (strokes are painted over it)."""
    from studio.cutout import brush_canvas

    x0, y0, x1, y1 = brush_canvas(cutout)
    return (x1 - x0, y1 - y0)


def _describe(cutout, lang) -> str:
    w, h = cutout.rgba.size
    x0, y0, x1, y1 = cutout.box
    if lang_of(lang) == "zh":
        return f"✅ 抠图完成：{w}×{h} 像素，商品区域 {x1 - x0}×{y1 - y0}。下一步：② 场景合成。"
    return f"✅ Cutout ready: {w}×{h} px, product {x1 - x0}×{y1 - y0}. Next: ② Scene."


def _strokes(edit_value: Any, size: tuple[int, int]):
    """The brush strokes of a gr.ImageEditor value as an L mask in cutout pixels, or None."""
    from PIL import Image

    if not isinstance(edit_value, dict):
        return None
    layers = [layer for layer in (edit_value.get("layers") or []) if layer is not None]
    if not layers:
        return None
    mask = Image.new("L", size, 0)
    for layer in layers:
        alpha = layer.convert("RGBA").getchannel("A")
        if alpha.size != size:
            alpha = alpha.resize(size, Image.Resampling.NEAREST)
        mask.paste(255, (0, 0), alpha)
    return mask if mask.getbbox() else None


def report_markdown(report: dict, lang: str, *, file_kb: float | None = None, file_format: str = "") -> str:
    """The white-background report as a checklist a seller can act on, in `lang`."""
    zh = lang == "zh"
    ok, bad = "✔ ", "✘ "  # plain marks: colour emoji are missing on some systems
    w, h, fill = report.get("width"), report.get("height"), report.get("fill_ratio", 0.0)
    min_size, min_fill = report.get("min_size", 1000), report.get("min_fill", 0.85)
    checks = [
        (
            min(w, h) >= min_size,
            f"尺寸 {w}×{h} 像素（至少 {min_size}）" if zh else f"Size {w}×{h} px (at least {min_size})",
        ),
        (bool(report.get("square")), "正方形" if zh else "Square"),
        (
            bool(report.get("white_background")),
            f"纯白背景 RGB 255,255,255（{report.get('white_share', 0):.1%}）"
            if zh
            else f"Pure white background RGB 255,255,255 ({report.get('white_share', 0):.1%})",
        ),
        (
            fill >= min_fill,
            f"商品占画面 {fill:.0%}（至少 {min_fill:.0%}）"
            if zh
            else f"Product fills {fill:.0%} of the frame (at least {min_fill:.0%})",
        ),
    ]
    if report.get("passes"):
        head = "### ✅ 符合白底主图要求，可以直接上传" if zh else "### ✅ Meets the white-background main-image rules"
    else:
        head = "### ❌ 未通过白底主图检查" if zh else "### ❌ Does not pass the white-background check"
    fail = "未通过：" if zh else "fails: "
    lines = [head, *[f"- {ok if passed else bad + fail}{text}" for passed, text in checks]]
    if file_kb is not None:
        kind = file_format.upper() or "?"
        lines.append(
            f"- 文件：{kind}，{file_kb:.0f} KB（已按上传的文件检查）"
            if zh
            else f"- File: {kind}, {file_kb:.0f} KB (checked as the file you upload)"
        )
    problems = report.get("problems") or []
    if problems and not zh:
        lines += ["", *[f"> {p}" for p in problems]]
    return "\n".join(lines)
