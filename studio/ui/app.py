"""Assemble the seven tabs into one Blocks app. Each tab lives in its own module."""

from __future__ import annotations

import gradio as gr

from studio.auth import LoginGate
from studio.models import ModelManager
from studio.settings import REPO_ROOT, Settings
from studio.ui.common import UiContext, guard_heavy_events, guard_image_inputs
from studio.ui.i18n import Translator, pick_lang
from studio.ui.model_families import register_families_text
from studio.ui.public_api import register_public_api
from studio.ui.session import new_session
from studio.ui.wiring import wire_session

TAB_TITLES = [
    ("① 抠图 · Cutout", "cutout"),
    ("② 场景 · Scene", "scene"),
    ("③ 风格 · Style", "style"),
    ("④ 文案 · Copy", "copy"),
    ("⑤ 导出 · Export", "export"),
    ("⑥ 批量 · Batch", "batch"),
    ("⑦ 套图详情 · Listing", "listing"),
]

EXAMPLES_DIR = REPO_ROOT / "examples"

CSS = """
#studio-header {align-items: center}
#studio-header h1 {margin: 0; font-size: 1.6rem}
"""


def create_app(settings: Settings, models: ModelManager | None = None) -> gr.Blocks:
    """The whole studio UI. `models` is shared by every session of this process."""
    from studio.ui.batch_tab import build_batch_tab
    from studio.ui.copy_tab import build_copy_tab
    from studio.ui.cutout_tab import build_cutout_tab
    from studio.ui.export_tab import build_export_tab
    from studio.ui.listing_tab import build_listing_tab
    from studio.ui.scene_tab import build_scene_tab
    from studio.ui.style_tab import build_style_tab

    models = models or ModelManager(settings)
    from studio.ui.session import STORE

    STORE.configure(models.settings.budgets.session_bytes, models.settings.budgets.session_idle_s)
    tr = Translator(default="zh")
    ctx = UiContext(settings=models.settings, models=models, tr=tr)
    builders = {
        "cutout": build_cutout_tab,
        "scene": build_scene_tab,
        "style": build_style_tab,
        "copy": build_copy_tab,
        "export": build_export_tab,
        "batch": build_batch_tab,
        "listing": build_listing_tab,
    }

    # delete_cache: hourly, drop temporary files older than a day (uploads, exports).
    with gr.Blocks(title="Poster Studio · 海报工作室", analytics_enabled=False, delete_cache=(3600, 86400)) as demo:
        ctx.extra["blocks"] = demo  # the public API watches its queue for callers who left (departed.py)
        ctx.session = gr.State(new_session)  # one live session per browser session (see session.py)
        ctx.lang = gr.State("zh")
        with gr.Row(elem_id="studio-header"):
            tr.bind(gr.Markdown(tr.text("title")), "title", "value")
            lang_switch = gr.Radio(
                [("中文", "zh"), ("English", "en")],
                value="zh",
                show_label=False,
                container=False,
                scale=0,
                min_width=180,
                elem_id="lang-switch",
            )
        gr.Markdown(models.describe(), elem_id="profile-line")
        with gr.Accordion("场景模型 · 许可证与显存 / Scene models · licence and VRAM", open=False):
            register_families_text(models)
            tr.bind(gr.Markdown(tr.text("model_families"), elem_id="model-families"), "model_families", "value")
        with gr.Tabs():
            for title, key in TAB_TITLES:
                with gr.Tab(title, id=key, elem_id=f"tab-{key}") as tab:
                    builders[key](ctx)
                    if key == "cutout":
                        add_photo_examples(tab, ctx)

        components = tr.components()

        def set_language(lang: str):
            lang = lang if lang in ("zh", "en") else "zh"
            updates = tr.updates(lang)
            return [lang, lang, *updates]

        lang_switch.change(
            set_language,
            inputs=[lang_switch],
            outputs=[ctx.lang, lang_switch, *components],
            api_visibility="private",
            queue=False,
        )
        # First visit: follow the browser's language.
        browser_lang = gr.Textbox(visible=False)  # filled by the page's js with navigator.language
        demo.load(
            lambda browser: set_language(pick_lang(browser)),
            inputs=[browser_lang],
            outputs=[ctx.lang, lang_switch, *components],
            js="() => navigator.language || 'zh'",
            api_visibility="private",
            queue=False,
        )
        wire_session(demo, ctx)
        ctx.extra["public_api"] = register_public_api(ctx)  # last: it hides every UI event from the API and MCP
    # Events Gradio adds on leaving the Blocks (the session State's `new_session` load) are UI plumbing too.
    from studio.ui.public_api import SESSION_ENDPOINTS

    for block_fn in demo.fns.values():
        if block_fn.api_visibility == "public" and block_fn.api_name not in (
            *ctx.extra["public_api"],
            *SESSION_ENDPOINTS,
        ):
            block_fn.api_visibility = "undocumented"
    ctx.extra["guards"] = guard_heavy_events(demo, ctx)
    ctx.extra["guarded_inputs"] = guard_image_inputs(demo, ctx.settings)
    demo.studio_context = ctx  # type: ignore[attr-defined]  # for tests and the start-up log
    return demo


def example_photos() -> list[str]:
    """The example product photos shipped in examples/, sorted by name."""
    if not EXAMPLES_DIR.is_dir():
        return []
    return [str(p) for p in sorted(EXAMPLES_DIR.glob("*.jpg"))]


def add_photo_examples(tab: gr.Tab, ctx: UiContext) -> gr.Examples | None:
    """Example photos under tab ①'s upload box: one click fills it in."""
    photo = ctx.extra.get("photo") or _first_upload_image(tab)
    photos = example_photos()
    if photo is None or not photos:
        return None
    return gr.Examples(
        [[p] for p in photos],
        inputs=[photo],
        label="示例照片 · Example photos",
        examples_per_page=len(photos),
        cache_examples=False,
    )


def _first_upload_image(block) -> gr.Image | None:
    """The tab's first gr.Image a seller can upload into (the tab keeps its own layout)."""
    for child in getattr(block, "children", []) or []:
        if isinstance(child, gr.Image) and child.interactive is not False and "upload" in (child.sources or []):
            return child
        found = _first_upload_image(child)
        if found is not None:
            return found
    return None


def launch_kwargs(settings: Settings) -> dict:
    """Arguments for demo.launch that keep a public or shared studio safe and tidy."""
    return {
        "server_name": settings.host,
        "server_port": settings.port,
        "share": settings.share,
        # Guessing is slowed per name (studio/auth.py); Gradio awaits the gate on each log-in.
        "auth": LoginGate(settings.auth).login if settings.auth else None,
        "inbrowser": settings.open_browser,
        "max_file_size": settings.budgets.upload_bytes,
        # Gradio keeps ~350 KB per tab it has seen: bounded, so a flood of new tabs cannot fill memory.
        "state_session_capacity": settings.budgets.gradio_sessions,
        # Serve only Gradio's own cache (uploads, outputs): no extra folders, and never the repo or the models.
        "allowed_paths": [],
        "blocked_paths": [str(REPO_ROOT), str(settings.cache_dir), str(settings.lora_dir)],
        "mcp_server": settings.mcp,
        "show_error": False,
        "css": CSS,
        # System fonts only: a theme that pulls Google Fonts stalls pages on offline or mainland networks.
        "theme": gr.themes.Soft(
            primary_hue="red",
            secondary_hue="amber",
            font=["PingFang SC", "Microsoft YaHei", "Noto Sans SC", "system-ui", "sans-serif"],
            font_mono=["ui-monospace", "monospace"],
        ),
        "footer_links": ["api"],
    }
