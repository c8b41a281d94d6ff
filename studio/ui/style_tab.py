"""Tab 3 — LoRA styles: browse and search the catalog, pick up to three with weights, upload one.

The tab only edits `Recipe.styles` (and, for the fast-draft style, the scene's
steps and guidance); the LoRAs themselves are loaded onto the model by the
scene generator, under the GPU lock. Upload is hidden on a shared link unless
the owner allowed it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image, ImageDraw, ImageFont

from studio.recipe import StyleChoice
from studio.ui.common import UiContext, lang_of, register_form, seller_errors
from studio.ui.forms import StyleForm
from studio.ui.session import ensure

MAX_STYLES = 3
THUMB = 192
# Strings only this tab uses, (zh, en); the shared ones come from ui/texts.py.
_WORDS = {
    "search": ("搜索风格（名称或触发词）", "Search styles (name or trigger word)"),
    "gallery": ("风格库（点击加入）", "Style library (click to add)"),
    "upload": ("上传 LoRA（.safetensors）", "Upload a LoRA (.safetensors)"),
    "uploaded": ("✅ 已添加风格：{name}", "✅ Style added: {name}"),
    "upload_off": (
        "共享链接上不能上传文件（需主人开启）。",
        "Uploads are off on a shared link (the owner can turn them on).",
    ),
    "full": ("已选满 3 个风格：先清除一个。", "Three styles are chosen already: clear one first."),
    "draft": (
        "快速草稿已开启：场景改为 {steps} 步、引导系数 {guidance}。",
        "Fast draft on: the scene now uses {steps} steps at guidance {guidance}.",
    ),
    "builtin": ("内置·首次使用时下载", "built-in · downloads on first use"),
    "unusable": ("不可用", "cannot be used"),
}


def _w(key: str, lang: str | None, **fmt: Any) -> str:
    zh, en = _WORDS[key]
    text = zh if lang_of(lang) == "zh" else en
    return text.format(**fmt) if fmt else text


def _catalog(ctx: UiContext) -> list[Any]:
    from studio.styles import list_styles

    return list_styles(ctx.settings.lora_dir)


def _choices(styles: list[Any]) -> list[tuple[str, str]]:
    return [("", "")] + [
        (f"{s.display_name or s.name} ({s.name})" if s.display_name != s.name else s.name, s.name)
        for s in styles
        if s.usable
    ]


def _thumb(info: Any) -> Image.Image:
    """The style's preview, or a coloured swatch with its initial when it has none."""
    if info.preview is not None:
        try:
            with Image.open(info.preview) as img:
                img = img.convert("RGB")
                img.thumbnail((THUMB, THUMB))
                return img
        except OSError:
            pass
    shade = hashlib.sha1(info.name.encode()).digest()
    swatch = Image.new("RGB", (THUMB, THUMB), (80 + shade[0] % 150, 80 + shade[1] % 150, 80 + shade[2] % 150))
    draw = ImageDraw.Draw(swatch)
    font = ImageFont.load_default(size=THUMB // 2)
    draw.text(
        (THUMB // 2, THUMB // 2), (info.display_name or info.name)[:1].upper(), fill="white", font=font, anchor="mm"
    )
    return swatch


def _caption(info: Any, lang: str | None) -> str:
    parts = [
        info.display_name or info.name,
        info.base_model.upper() if info.base_model != "unknown" else "",
        f"× {info.default_weight:g}",
    ]
    if info.trigger_words:
        parts.append("「" + ", ".join(info.trigger_words) + "」")
    if info.builtin:
        parts.append(_w("builtin", lang))
    if not info.usable:
        parts.append("⚠ " + _w("unusable", lang))
    return " · ".join(p for p in parts if p)


def _gallery(styles: list[Any], query: str, lang: str | None) -> tuple[list[tuple[Image.Image, str]], list[str]]:
    shown = [s for s in styles if s.matches(query or "")]
    return [(_thumb(s), _caption(s, lang)) for s in shown], [s.name for s in shown]


def build_style_tab(ctx: UiContext) -> None:
    from studio.styles.upload import upload_allowed

    tr = ctx.tr
    styles = _catalog(ctx)
    tr.bind(gr.Markdown(tr.text("style_intro")), "style_intro", "value")
    if not styles:
        gr.Markdown(tr.text("no_styles") + f" (`{ctx.settings.lora_dir}`)")
    search = gr.Textbox(label=f"🔍 {_WORDS['search'][0]} · {_WORDS['search'][1]}", elem_id="style-search")
    first_items, first_names = _gallery(styles, "", tr.default)
    gallery = gr.Gallery(
        first_items,
        label=f"{_WORDS['gallery'][0]} · {_WORDS['gallery'][1]}",
        columns=6,
        height=300,
        allow_preview=False,
        elem_id="style-gallery",
    )
    shown_names = gr.State(first_names)
    pickers, weights = [], []
    for i in range(MAX_STYLES):
        with gr.Row():
            pickers.append(gr.Dropdown(_choices(styles), value="", label=f"{tr.text('style')} {i + 1}", scale=3))
            weights.append(gr.Slider(-1.0, 1.5, value=0.8, step=0.05, label="weight", scale=2))
    with gr.Row():
        apply = tr.bind(gr.Button(tr.text("apply_styles"), variant="primary"), "apply_styles", "value")
        clear = tr.bind(gr.Button(tr.text("clear_styles")), "clear_styles", "value")
    status = gr.Markdown(elem_id="style-status")
    allowed = upload_allowed(ctx.settings)
    upload = gr.File(
        label=f"{_WORDS['upload'][0]} · {_WORDS['upload'][1]}",
        file_types=[".safetensors"],
        visible=allowed,
        elem_id="style-upload",
    )

    @seller_errors
    def refilter(query: str, lang: str):
        items, names = _gallery(_catalog(ctx), query, lang)
        return items, names

    search.change(refilter, inputs=[search, ctx.lang], outputs=[gallery, shown_names], api_visibility="private")

    def pick_from_gallery(names: list[str], first: str, second: str, third: str, lang: str, evt: gr.SelectData):
        chosen = (first, second, third)
        if evt.index is None or not (0 <= int(evt.index) < len(names)):
            return (*[gr.update()] * (2 * MAX_STYLES), gr.update())
        from studio.styles import find_style

        info = find_style(ctx.settings.lora_dir, names[int(evt.index)])
        picks, weight_updates = [gr.update()] * MAX_STYLES, [gr.update()] * MAX_STYLES
        if info.name in chosen:
            return (*picks, *weight_updates, gr.update())
        free = next((i for i, name in enumerate(chosen) if not name), None)
        if free is None:
            return (*picks, *weight_updates, _w("full", lang))
        picks[free] = gr.update(value=info.name)
        weight_updates[free] = gr.update(value=info.default_weight)
        return (*picks, *weight_updates, gr.update())

    gallery.select(
        seller_errors(pick_from_gallery),
        inputs=[shown_names, *pickers, ctx.lang],
        outputs=[*pickers, *weights, status],
        api_visibility="private",
    )

    @seller_errors
    def apply_styles(*values):
        from studio.ui.handlers import apply_styles as apply_fn

        *choices, session, lang = values
        session = ensure(session)
        return apply_fn(ctx, session, StyleForm.from_values(*choices), lang_of(lang)), session

    apply.click(
        apply_styles,
        inputs=[*pickers, *weights, ctx.session, ctx.lang],
        outputs=[status, ctx.session],
        api_name="apply_styles",
    )

    def clear_all(session, lang):
        session = ensure(session)
        session.edit(styles=[])
        return (*[gr.update(value="") for _ in pickers], ctx.tr.text("styles_cleared", lang_of(lang)), session)

    clear.click(
        clear_all, inputs=[ctx.session, ctx.lang], outputs=[*pickers, status, ctx.session], api_name="clear_styles"
    )
    register_form(ctx, StyleForm, [*pickers, *weights], views={"style_status": status})

    @seller_errors
    def add_upload(file: Any, query: str, lang: str):
        from studio.errors import StudioError
        from studio.styles import add_style_file

        if not upload_allowed(ctx.settings):  # the component is hidden; refuse a crafted request too
            raise StudioError(_w("upload_off", lang))
        if file is None:
            return (*[gr.update()] * MAX_STYLES, gr.update(), gr.update(), gr.update(), None)
        path = Path(file if isinstance(file, str) else getattr(file, "name", str(file)))
        info = add_style_file(ctx.settings.lora_dir, path)
        catalog = _catalog(ctx)
        items, names = _gallery(catalog, query, lang)
        choice_updates = [gr.update(choices=_choices(catalog)) for _ in pickers]
        return (*choice_updates, items, names, _w("uploaded", lang, name=info.display_name or info.name), None)

    upload.upload(
        add_upload,
        inputs=[upload, search, ctx.lang],
        outputs=[*pickers, gallery, shown_names, status, upload],
        api_visibility="private",
    )


def _with_draft_scene(ctx: UiContext, recipe: Any, styles: list[StyleChoice], lang: str) -> tuple[Any, str]:
    """A fast-draft style sets the scene to LCM's few steps and low guidance (and says so)."""
    from studio.styles import find_style
    from studio.styles.draft import DRAFT_SCENE

    if not any(find_style(ctx.settings.lora_dir, s.name).fast_draft for s in styles if s.weight):
        return recipe, ""
    scene = recipe.scene.model_copy(update=DRAFT_SCENE)
    return recipe.model_copy(update={"scene": scene}), _w("draft", lang, **DRAFT_SCENE)
