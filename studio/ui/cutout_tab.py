"""Tab 1 — background removal: upload, refine, touch up, white-background image, batch."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from studio.recipe import CutoutSettings
from studio.ui.common import UiContext, lang_of, progress_adapter, seller_errors
from studio.ui.session import ensure

PREVIEW_BACKGROUNDS = ["checker", "white", "black"]


def _model_choices() -> list[tuple[str, str]]:
    from studio.cutout import MODELS

    return [(info.choice_label(), name) for name, info in MODELS.items()]


def build_cutout_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    with gr.Row():
        with gr.Column(scale=1):
            photo = tr.bind(gr.Image(type="filepath", label=tr.text("photo"), height=320, sources=["upload", "clipboard"]), "photo")
            model = tr.bind(gr.Dropdown(_model_choices(), value="u2netp", label=tr.text("cutout_model")), "cutout_model")
            with tr.bind(gr.Accordion(tr.text("refine"), open=False), "refine"):
                edge_shift = tr.bind(gr.Slider(-10, 10, value=0, step=1, label=tr.text("edge_shift")), "edge_shift")
                feather = tr.bind(gr.Slider(0, 8, value=0, step=0.5, label=tr.text("feather")), "feather")
                keep_main = tr.bind(gr.Checkbox(value=True, label=tr.text("keep_main")), "keep_main")
                fill_holes = tr.bind(gr.Checkbox(value=False, label=tr.text("fill_holes")), "fill_holes")
                decontaminate = tr.bind(gr.Checkbox(value=True, label=tr.text("decontaminate")), "decontaminate")
                alpha_matting = tr.bind(gr.Checkbox(value=False, label=tr.text("alpha_matting")), "alpha_matting")
            run = tr.bind(gr.Button(tr.text("remove_bg"), variant="primary"), "remove_bg", "value")
        with gr.Column(scale=1):
            result = tr.bind(gr.Image(type="pil", image_mode="RGBA", label=tr.text("cutout"), height=320, format="png", interactive=False), "cutout")
            backdrop = tr.bind(gr.Radio(PREVIEW_BACKGROUNDS, value="checker", label=tr.text("preview_on")), "preview_on")
            preview = tr.bind(gr.Image(type="pil", label=tr.text("preview"), height=240, interactive=False), "preview")
            status = gr.Markdown()
    with tr.bind(gr.Accordion(tr.text("touch_up"), open=False), "touch_up"):
        with gr.Row():
            editor = tr.bind(
                gr.ImageEditor(type="pil", label=tr.text("brush_hint"), height=360, image_mode="RGBA",
                               brush=gr.Brush(colors=["#ff3366"], default_size=18), eraser=False, transforms=()),
                "brush_hint",
            )
            with gr.Column():
                mode = tr.bind(gr.Radio(["add", "erase"], value="erase", label=tr.text("brush_mode")), "brush_mode")
                apply_touch = tr.bind(gr.Button(tr.text("apply_brush")), "apply_brush", "value")
                undo = tr.bind(gr.Button(tr.text("undo")), "undo", "value")
    with tr.bind(gr.Accordion(tr.text("white_main"), open=False), "white_main"):
        with gr.Row():
            white_btn = tr.bind(gr.Button(tr.text("make_white")), "make_white", "value")
        with gr.Row():
            white_img = gr.Image(type="filepath", label="2000×2000", height=300, interactive=False)
            white_report = gr.Markdown()
    with tr.bind(gr.Accordion(tr.text("batch"), open=False), "batch"):
        batch_files = tr.bind(gr.File(file_count="multiple", file_types=["image"], label=tr.text("batch_files")), "batch_files")
        batch_btn = tr.bind(gr.Button(tr.text("batch_run")), "batch_run", "value")
        batch_zip = gr.File(label="cutouts.zip", interactive=False)

    refine_inputs = [model, edge_shift, feather, keep_main, fill_holes, decontaminate, alpha_matting]

    @seller_errors
    def remove_background(photo_path, model_name, shift, feather_px, keep, fill, decon, matting, bg, session, lang, progress=gr.Progress()):
        from studio.pipeline import cutout_from_photo

        if not photo_path:
            raise gr.Error(ctx.tr.text("need_photo", lang_of(lang)), print_exception=False)
        session = ensure(session)
        settings = _settings(model_name, shift, feather_px, keep, fill, decon, matting)
        recipe = session.recipe.model_copy(update={"cutout": settings})
        cutout, recipe = cutout_from_photo(ctx.models, photo_path, recipe, progress=progress_adapter(progress))
        session = session.with_cutout(cutout, keep_undo=False).with_recipe(recipe)
        session.photo_name = Path(photo_path).stem
        return cutout.rgba, _preview(cutout, bg), _describe(cutout, lang), cutout.rgba, session

    run.click(
        remove_background,
        inputs=[photo, *refine_inputs, backdrop, ctx.session, ctx.lang],
        outputs=[result, preview, status, editor, ctx.session],
        api_name="remove_background",
    )

    @seller_errors
    def change_preview(bg, session):
        session = ensure(session)
        return _preview(session.cutout, bg) if session.cutout else None

    backdrop.change(change_preview, inputs=[backdrop, ctx.session], outputs=[preview], api_name=False)

    @seller_errors
    def touch_up(edit_value, brush_mode, bg, session, lang):
        from studio.cutout import apply_touch_up

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        strokes = _strokes(edit_value, session.cutout.rgba.size)
        if strokes is None:
            raise gr.Error(ctx.tr.text("no_strokes", lang_of(lang)), print_exception=False)
        kwargs = {"add": strokes} if brush_mode == "add" else {"erase": strokes}
        cutout = apply_touch_up(session.cutout, **kwargs)
        session = session.with_cutout(cutout)
        return cutout.rgba, _preview(cutout, bg), _describe(cutout, lang), cutout.rgba, session

    apply_touch.click(
        touch_up,
        inputs=[editor, mode, backdrop, ctx.session, ctx.lang],
        outputs=[result, preview, status, editor, ctx.session],
        api_name="touch_up",
    )

    @seller_errors
    def undo_touch(bg, session, lang):
        session = ensure(session).undo()
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        c = session.cutout
        return c.rgba, _preview(c, bg), _describe(c, lang), c.rgba, session

    undo.click(undo_touch, inputs=[backdrop, ctx.session, ctx.lang],
               outputs=[result, preview, status, editor, ctx.session], api_name=False)

    @seller_errors
    def white_main(session, lang):
        from studio.cutout import white_background_image

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        image, report = white_background_image(session.cutout)
        path = Path(tempfile.mkdtemp(prefix="white-")) / f"{session.photo_name}_white.jpg"
        image.save(path, quality=95, subsampling=0)
        return str(path), _report_md(report, lang)

    white_btn.click(white_main, inputs=[ctx.session, ctx.lang], outputs=[white_img, white_report], api_name="white_background")

    @seller_errors
    def batch(files, model_name, shift, feather_px, keep, fill, decon, matting, progress=gr.Progress()):
        from studio.cutout import cutout_batch, write_cutouts, zip_cutouts
        from studio.imageio import load_image

        if not files:
            raise gr.Error("Add some photos first. / 请先添加照片。", print_exception=False)
        settings = _settings(model_name, shift, feather_px, keep, fill, decon, matting)
        loaded = [load_image(Path(getattr(f, "name", f)), max_pixels=ctx.settings.max_image_pixels) for f in files]
        cutouts = cutout_batch(loaded, settings, ctx.models, progress=progress_adapter(progress))
        out = Path(tempfile.mkdtemp(prefix="cutouts-"))
        paths = write_cutouts(cutouts, [item.name for item in loaded], out)
        return str(zip_cutouts(paths, out / "cutouts.zip"))

    batch_btn.click(batch, inputs=[batch_files, *refine_inputs], outputs=[batch_zip], api_name="cutout_batch")


def _settings(model_name, shift, feather_px, keep, fill, decon, matting) -> CutoutSettings:
    return CutoutSettings(
        model=model_name or "u2netp",
        edge_shift_px=int(shift),
        feather_px=float(feather_px),
        keep_main_object=bool(keep),
        fill_holes=bool(fill),
        decontaminate=bool(decon),
        alpha_matting=bool(matting),
    )


def _preview(cutout, background: str):
    from studio.cutout import preview

    return preview(cutout, background if background in PREVIEW_BACKGROUNDS else "checker")


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


def _report_md(report: dict, lang) -> str:
    ok = report.get("passes")
    zh = lang_of(lang) == "zh"
    head = ("✅ 符合白底主图要求" if ok else "⚠ 未通过") if zh else ("✅ Meets the white-background rules" if ok else "⚠ Does not pass")
    lines = [f"**{head}**", f"- {report.get('width')}×{report.get('height')} px",
             f"- fill {report.get('fill_ratio', 0):.0%}", f"- white background: {report.get('white_background')}"]
    lines += [f"- {p}" for p in report.get("problems", [])]
    return "\n".join(lines)
