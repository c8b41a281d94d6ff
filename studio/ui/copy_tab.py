"""Tab 4 — copy text: headline, selling points, price, badge, CTA; suggestions; ad-law check."""

from __future__ import annotations

import gradio as gr

from studio.recipe import CopyText
from studio.ui.common import UiContext, lang_of, seller_errors
from studio.ui.scene_tab import PREVIEW_PLATFORMS
from studio.ui.session import ensure


def _layout_choices() -> list[str]:
    from studio.text import list_layouts

    return ["auto", *list_layouts()]


def _font_choices() -> list[str]:
    from studio.text.fonts import available_fonts

    return list(available_fonts())


def build_copy_tab(ctx: UiContext) -> None:
    from studio.text import copy_categories, copy_occasions

    tr = ctx.tr
    with gr.Row():
        with gr.Column(scale=1):
            with gr.Row():
                category = tr.bind(gr.Dropdown(copy_categories(), value=(copy_categories() or [None])[0], label=tr.text("category")), "category")
                occasion = tr.bind(gr.Dropdown(copy_occasions(), value=(copy_occasions() or [None])[0], label=tr.text("occasion")), "occasion")
                suggest = tr.bind(gr.Button(tr.text("suggest")), "suggest", "value")
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
            preview_platform = tr.bind(gr.Dropdown(PREVIEW_PLATFORMS, value="taobao_main", label=tr.text("preview_platform")), "preview_platform")
            run = tr.bind(gr.Button(tr.text("render_copy"), variant="primary"), "render_copy", "value")
        with gr.Column(scale=1):
            preview = tr.bind(gr.Image(type="pil", label=tr.text("preview"), height=560, format="png", interactive=False), "preview")
            flags = gr.Markdown()

    @seller_errors
    def suggest_copy(cat, occ, lang, seed_state=[0]):  # noqa: B006 - cycles suggestions within this app
        from studio.text import suggest_copy as suggest_fn

        seed_state[0] += 1
        c = suggest_fn(cat, occ, lang_of(lang), seed=seed_state[0])
        return c.headline, c.subline, "\n".join(c.selling_points), c.price, c.original_price, c.badge, c.cta

    suggest.click(suggest_copy, inputs=[category, occasion, ctx.lang],
                  outputs=[headline, subline, points, price, original_price, badge, cta], api_name="suggest_copy")

    @seller_errors
    def render_copy(head, sub, pts, pr, orig, bdg, call, layout_id, font_id, platform_id, session, lang):
        from studio.pipeline import SceneCache, render_poster
        from studio.text import check_copy

        session = ensure(session)
        if session.cutout is None:
            raise gr.Error(ctx.tr.text("need_cutout", lang_of(lang)), print_exception=False)
        copy_text = CopyText(
            headline=head or "", subline=sub or "",
            selling_points=[p for p in (pts or "").splitlines() if p.strip()][:5],
            price=pr or "", original_price=orig or "", badge=bdg or "", cta=call or "",
            layout=layout_id or "auto", font=font_id or "noto_sans_sc",
            text_color=session.recipe.copy_text.text_color,
        )
        recipe = session.recipe.model_copy(update={"copy_text": copy_text})
        cache = session.scene_cache if isinstance(session.scene_cache, SceneCache) else SceneCache()
        poster = render_poster(ctx.models, session.cutout, recipe, platform_id or "taobao_main", cache=cache)
        session.scene_cache = cache
        session = session.with_recipe(recipe)
        flags = [f"- ⚠ **{flag.word}** — {flag.message} → {flag.suggestion}" for flag in check_copy(copy_text)]
        msg = ctx.tr.text("copy_ok", lang_of(lang)) if not flags else ctx.tr.text("copy_flags", lang_of(lang)) + "\n" + "\n".join(flags)
        notes = [f"- {w}" for w in poster.warnings]
        if notes:
            msg += "\n\n" + "\n".join(notes)
        return poster.image, msg, session

    inputs = [headline, subline, points, price, original_price, badge, cta, layout, font]
    run.click(render_copy, inputs=[*inputs, preview_platform, ctx.session, ctx.lang],
              outputs=[preview, flags, ctx.session], api_name="render_copy")
