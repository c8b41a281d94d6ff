"""Tab 3 — LoRA styles: pick up to three, set their weights, clear them."""

from __future__ import annotations

import gradio as gr

from studio.recipe import StyleChoice
from studio.ui.common import UiContext, lang_of, seller_errors
from studio.ui.session import ensure

MAX_STYLES = 3


def _style_names(ctx: UiContext) -> list[str]:
    from studio.styles import list_styles

    return [info.name for info in list_styles(ctx.settings.lora_dir)]


def build_style_tab(ctx: UiContext) -> None:
    tr = ctx.tr
    names = _style_names(ctx)
    intro = tr.bind(gr.Markdown(tr.text("style_intro")), "style_intro", "value")
    if not names:
        gr.Markdown(tr.text("no_styles") + f" (`{ctx.settings.lora_dir}`)")
    pickers, weights = [], []
    for i in range(MAX_STYLES):
        with gr.Row():
            pickers.append(gr.Dropdown(["", *names], value="", label=f"{tr.text('style')} {i + 1}", scale=3))
            weights.append(gr.Slider(-1.0, 1.5, value=0.8, step=0.05, label="weight", scale=2))
    with gr.Row():
        apply = tr.bind(gr.Button(tr.text("apply_styles"), variant="primary"), "apply_styles", "value")
        clear = tr.bind(gr.Button(tr.text("clear_styles")), "clear_styles", "value")
    status = gr.Markdown()
    del intro

    @seller_errors
    def apply_styles(*values):
        *choices, session, lang = values
        session = ensure(session)
        names_chosen, weight_values = choices[:MAX_STYLES], choices[MAX_STYLES:]
        styles = [StyleChoice(name=n, weight=float(w)) for n, w in zip(names_chosen, weight_values) if n]
        if styles:
            from studio.styles import validate_choices

            validate_choices(ctx.settings.lora_dir, styles)
        session = session.with_recipe(session.recipe.model_copy(update={"styles": styles}))
        if not styles:
            return ctx.tr.text("styles_cleared", lang_of(lang)), session
        listed = ", ".join(f"{s.name} × {s.weight:g}" for s in styles)
        return ctx.tr.text("styles_set", lang_of(lang), styles=listed), session

    apply.click(apply_styles, inputs=[*pickers, *weights, ctx.session, ctx.lang], outputs=[status, ctx.session],
                api_name="apply_styles")

    def clear_all(session, lang):
        session = ensure(session)
        session = session.with_recipe(session.recipe.model_copy(update={"styles": []}))
        return (*[gr.update(value="") for _ in pickers], ctx.tr.text("styles_cleared", lang_of(lang)), session)

    clear.click(clear_all, inputs=[ctx.session, ctx.lang], outputs=[*pickers, status, ctx.session], api_name="clear_styles")
