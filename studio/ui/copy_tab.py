"""Tab 4 — copy text: headline, selling points, price, badge, CTA, logo; suggestions; ad-law check."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import gradio as gr
from PIL import Image

from studio.presets import all_presets, display_name
from studio.recipe import CopyText
from studio.settings import REPO_ROOT
from studio.ui.common import UiContext, lang_of, register_form, seller_errors
from studio.ui.forms import CopyForm
from studio.ui.scene_tab import PREVIEW_PLATFORMS, language_switch
from studio.ui.session import ensure
from studio.ui.texts import TEXTS

# This tab's own words; the lead may move them into studio/ui/texts.py (setdefault keeps theirs).
_TEXTS = {
    "logo": ("品牌标志（PNG 透明底或 JPG，可选）", "Logo (PNG with transparency or JPG, optional)"),
    "font_upload": ("上传字体（.ttf / .otf / .ttc）", "Upload a font (.ttf / .otf / .ttc)"),
    "font_added": ("✅ 已添加字体：{name}（仅本次会话可用）", "✅ Font added: {name} (for this session only)"),
    "uploads_off": ("共享链接上不能上传字体。", "Font uploads are off on a shared link."),
    "suggest_llm": ("🤖 AI 写文案", "🤖 Write with AI"),
    "flags_title": ("广告法检查", "Advertising-law check"),
    "flag_layer": ("位置", "Where"),
    "flag_word": ("违禁词", "Word"),
    "flag_try": ("建议改为", "Try instead"),
    "layout_used": ("版式：{layout}", "Layout: {layout}"),
    "layout_picker": ("促销版式（点图片选用）", "Promo layouts (click a picture to use it)"),
}
_LAYERS_ZH = {"headline": "主标题", "subline": "副标题", "badge": "角标", "cta": "按钮", "price": "价格"}


def _layout_choices() -> list[str]:
    from studio.text import list_layouts

    return ["auto", *list_layouts()]


LAYOUTS_DIR = REPO_ROOT / "presets" / "layouts"


def layout_thumb_ids() -> list[str]:
    """Layouts that have a thumbnail, in preset order (a picker click's index maps to one of these)."""
    return [
        lid
        for lid, item in all_presets("layouts").items()
        if (LAYOUTS_DIR / item.get("thumbnail", f"thumbs/{lid}.png")).is_file()
    ]


def layout_thumbs(lang: str = "zh") -> list[tuple[Image.Image, str]]:
    """(thumbnail, layout name) for the layout picker: images, since the app serves no file from the repository."""
    layouts = all_presets("layouts")
    return [
        (
            _layout_thumb(str(LAYOUTS_DIR / layouts[lid].get("thumbnail", f"thumbs/{lid}.png"))),
            display_name(layouts[lid], lang),
        )
        for lid in layout_thumb_ids()
    ]


@lru_cache(maxsize=32)
def _layout_thumb(path: str) -> Image.Image:
    with Image.open(path) as image:
        return image.convert("RGB")


def _font_choices(extra: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """(label, value): installed fonts by id, then this session's uploads by name (their value is the file)."""
    from studio.text.fonts import available_fonts

    fonts = [(font_id, font_id) for font_id in available_fonts()]
    return fonts + [(f"⬆ {name}", path) for name, path in (extra or {}).items()]


def _named_choices(kind: str) -> list[tuple[str, str]]:
    """Menu entries in both languages ("美妆护肤 · Beauty & skincare"), the id as the value."""
    from studio.text.suggest import copy_choice_names

    return [(f"{n['zh']} · {n['en']}", key) for key, n in copy_choice_names(kind).items()]


def store_uploaded_font(upload: str | Path, *, max_bytes: int | None = None) -> tuple[str, str]:
    """Check an uploaded font and copy it out of the upload cache; (family name, stored path)."""
    from studio.text.fonts import MAX_FONT_BYTES, keep_font_file

    # Kept by content, named "upload:<sha256>.<ext>": recipes and projects never hold a server path.
    return keep_font_file(Path(upload), max_bytes=max_bytes or MAX_FONT_BYTES)


def flags_markdown(copy_text: CopyText, lang: str, tr) -> str:
    """The ad-law flags as a table (layer, word, suggestion), or the all-clear line."""
    from studio.text import check_copy

    flags = check_copy(copy_text)
    if not flags:
        return tr.text("copy_ok", lang)
    rows = [
        f"**{tr.text('flags_title', lang)}** — {tr.text('copy_flags', lang)}",
        "",
        f"| {tr.text('flag_layer', lang)} | {tr.text('flag_word', lang)} | {tr.text('flag_try', lang)} |",
        "|---|---|---|",
    ]
    for flag in flags:
        where = (
            _LAYERS_ZH.get(flag.layer, flag.layer.replace("point_", "卖点 "))
            if lang == "zh"
            else flag.layer.replace("_", " ")
        )
        rows.append(f"| {where} | ⚠ **{flag.word}** | {flag.suggestion or '—'} |")
    return "\n".join(rows)


def build_copy_tab(ctx: UiContext) -> None:
    from studio.text.suggest import copy_model_id

    for key, pair in _TEXTS.items():
        TEXTS.setdefault(key, pair)
    tr = ctx.tr
    uploads_ok = ctx.settings.uploads_allowed
    categories, occasions = _named_choices("categories"), _named_choices("occasions")
    session_fonts = gr.State({})  # family name → stored file, per browser session (never global)
    with gr.Row():
        with gr.Column(scale=1):
            with gr.Row():
                category = tr.bind(
                    gr.Dropdown(categories, value=categories[0][1] if categories else None, label=tr.text("category")),
                    "category",
                )
                occasion = tr.bind(
                    gr.Dropdown(occasions, value=occasions[0][1] if occasions else None, label=tr.text("occasion")),
                    "occasion",
                )
            with gr.Row():
                suggest = tr.bind(gr.Button(tr.text("suggest")), "suggest", "value")
                suggest_llm = tr.bind(
                    gr.Button(tr.text("suggest_llm"), visible=bool(copy_model_id())), "suggest_llm", "value"
                )
            headline = tr.bind(gr.Textbox(label=tr.text("headline"), max_length=60), "headline")
            subline = tr.bind(gr.Textbox(label=tr.text("subline"), max_length=120), "subline")
            points = tr.bind(gr.Textbox(label=tr.text("points"), lines=3, placeholder=tr.text("points_ph")), "points")
            with gr.Row():
                price = tr.bind(gr.Textbox(label=tr.text("price"), max_length=24), "price")
                original_price = tr.bind(gr.Textbox(label=tr.text("original_price"), max_length=24), "original_price")
            with gr.Row():
                badge = tr.bind(gr.Textbox(label=tr.text("badge"), max_length=16), "badge")
                cta = tr.bind(gr.Textbox(label=tr.text("cta"), max_length=24), "cta")
            with gr.Row():
                layout = tr.bind(gr.Dropdown(_layout_choices(), value="auto", label=tr.text("layout")), "layout")
                font = tr.bind(gr.Dropdown(_font_choices(), value="noto_sans_sc", label=tr.text("font")), "font")
            thumb_ids = layout_thumb_ids()
            layout_picker = tr.bind(
                gr.Gallery(
                    layout_thumbs(),
                    label=tr.text("layout_picker"),
                    columns=4,
                    height=None,
                    allow_preview=False,
                    object_fit="contain",
                    interactive=False,
                    elem_id="copy-layout-picker",
                ),
                "layout_picker",
            )
            with gr.Row():
                logo = tr.bind(
                    gr.Image(type="filepath", label=tr.text("logo"), image_mode="RGBA", height=120, sources=["upload"]),
                    "logo",
                )
                font_file = tr.bind(
                    gr.File(
                        label=tr.text("font_upload"),
                        file_types=[".ttf", ".otf", ".ttc"],
                        type="filepath",
                        visible=uploads_ok,
                    ),
                    "font_upload",
                )
            preview_platform = tr.bind(
                gr.Dropdown(PREVIEW_PLATFORMS, value="taobao_main", label=tr.text("preview_platform")),
                "preview_platform",
            )
            run = tr.bind(gr.Button(tr.text("render_copy"), variant="primary"), "render_copy", "value")
        with gr.Column(scale=1):
            flags = gr.Markdown(elem_id="copy-flags")
            preview = tr.bind(
                gr.Image(type="pil", label=tr.text("preview"), height=560, format="png", interactive=False), "preview"
            )

    copy_fields = [headline, subline, points, price, original_price, badge, cta]

    @seller_errors
    def suggest_copy(cat, occ, lang, seed_state=[0]):  # noqa: B006 - cycles suggestions within this app
        from studio.text import suggest_copy as suggest_fn

        seed_state[0] += 1
        c = suggest_fn(cat, occ, lang_of(lang), seed=seed_state[0])
        return c.headline, c.subline, "\n".join(c.selling_points), c.price, c.original_price, c.badge, c.cta

    suggest.click(suggest_copy, inputs=[category, occasion, ctx.lang], outputs=copy_fields, api_name="suggest_copy")

    @seller_errors
    def suggest_with_model(cat, occ, lang, seed_state=[0]):  # noqa: B006 - cycles suggestions within this app
        from studio.text.suggest import suggest_copy_llm

        seed_state[0] += 1
        c, warnings = suggest_copy_llm(cat, occ, lang_of(lang), model_id=copy_model_id(), seed=seed_state[0])
        for w in warnings:
            gr.Warning(w)
        return c.headline, c.subline, "\n".join(c.selling_points), c.price, c.original_price, c.badge, c.cta

    suggest_llm.click(
        suggest_with_model, inputs=[category, occasion, ctx.lang], outputs=copy_fields, api_name="suggest_copy_llm"
    )

    @seller_errors
    def add_font(upload, fonts_here, lang):
        lang = lang_of(lang)
        if not upload:
            return gr.update(), fonts_here
        from studio.ui.handlers import add_session_font

        family, stored, fonts_here = add_session_font(ctx, fonts_here, upload, lang)
        gr.Info(tr.text("font_added", lang, name=family))
        return gr.update(choices=_font_choices(fonts_here), value=stored), fonts_here

    font_file.upload(add_font, inputs=[font_file, session_fonts, ctx.lang], outputs=[font, session_fonts])

    @seller_errors
    def render_copy(
        head, sub, pts, pr, orig, bdg, call, layout_id, font_id, platform_id, logo_path=None, session=None, lang=None
    ):
        from studio.ui.handlers import render_copy_preview

        form = CopyForm.from_values(head, sub, pts, pr, orig, bdg, call, layout_id, font_id, platform_id, logo_path)
        session = ensure(session)
        image, msg = render_copy_preview(ctx, session, form, lang_of(lang))
        return image, msg, session

    # ---- the layout picker: a click picks the dropdown's layout; the dropdown marks its picture ------------
    def pick_layout(evt: gr.SelectData):
        index = evt.index if isinstance(evt.index, int) else -1
        return gr.update(value=thumb_ids[index]) if 0 <= index < len(thumb_ids) else gr.update()

    layout_picker.select(pick_layout, outputs=[layout], api_visibility="private", queue=False)

    def mark_layout(layout_id):
        return gr.update(selected_index=thumb_ids.index(layout_id) if layout_id in thumb_ids else None)

    layout.change(
        mark_layout,
        inputs=[layout],
        outputs=[layout_picker],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )

    @seller_errors
    def follow_language(lang):
        return gr.update(value=layout_thumbs(lang_of(lang)))

    switch = language_switch(ctx)
    if switch is not None:  # None when the tab is built on its own (tests)
        switch.change(follow_language, inputs=[switch], outputs=[layout_picker], api_visibility="private", queue=False)

    inputs = [headline, subline, points, price, original_price, badge, cta, layout, font]
    run.click(
        render_copy,
        inputs=[*inputs, preview_platform, logo, ctx.session, ctx.lang],
        outputs=[preview, flags, ctx.session],
        api_name="render_copy",
    )
    register_form(
        ctx, CopyForm, [*inputs, preview_platform, logo], views={"copy_preview": preview, "copy_flags": flags}
    )
