"""Build one tab on its own, the way create_app would, for tests that inspect its components."""

from __future__ import annotations

from typing import Any, Callable

from studio.models import ModelManager
from studio.settings import Settings


def build_tab_alone(build_tab: Callable[[Any], None], settings: Settings, lang: str = "zh") -> Any:
    import gradio as gr

    from studio.ui.common import UiContext
    from studio.ui.i18n import Translator

    ctx = UiContext(settings=settings, models=ModelManager(settings), tr=Translator(default=lang))
    with gr.Blocks() as demo:
        ctx.session, ctx.lang = gr.State(None), gr.State(lang)
        build_tab(ctx)
    return demo


def block_by_id(demo: Any, elem_id: str) -> Any:
    return next(b for b in demo.blocks.values() if getattr(b, "elem_id", None) == elem_id)
