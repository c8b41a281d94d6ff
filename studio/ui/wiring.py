"""The session across tabs: refill every tab from the recipe (reopen, reload, set_recipe), keep the
session through a reload (a key in the browser, the data in this process), cancel an abandoned job,
and the get_recipe / set_recipe endpoints for scripted clients.
"""

from __future__ import annotations

from typing import Any

from studio.ui.common import UiContext, seller_errors
from studio.ui.forms import sync_form
from studio.ui.session import STORE, StudioSession, ensure

BROWSER_KEY = "poster-studio-session"  # localStorage key of the session key (encrypted by Gradio)


def refill_components(ctx: UiContext) -> list[Any]:
    """Every tab's form widgets, then the result views, in the order `refill_values` returns values."""
    forms = ctx.extra.get("forms", {})
    widgets = [w for _cls, ws in forms.values() for w in ws]
    return [*widgets, *ctx.extra.get("views", {}).values()]


def refill_values(ctx: UiContext, session: StudioSession) -> list[Any]:
    """The values for `refill_components`: each tab's fields as the recipe has them; the views as the
    session last showed them (after a reopen: cleared)."""
    values: list[Any] = []
    for tab, (form_cls, widgets) in ctx.extra.get("forms", {}).items():  # the registered class: its profile's auto
        values += form_cls.of(session.recipe, session.ui.get(tab)).widget_values()[: len(widgets)]
    for name in ctx.extra.get("views", {}):
        values.append(_view_value(session, name))
    return values


def _view_value(session: StudioSession, name: str) -> Any:
    if name == "cutout_result":
        return session.cutout.rgba if session.cutout is not None else None
    if name == "cutout_preview" and session.cutout is not None:
        from studio.cutout import preview

        return preview(session.cutout, "checker")
    return session.views.get(name)


def wire_session(demo: Any, ctx: UiContext) -> None:
    import gradio as gr

    outputs = refill_components(ctx)
    browser_key = gr.BrowserState(None, storage_key=BROWSER_KEY)

    @seller_errors
    def refill(session: StudioSession | None) -> list[Any]:
        return refill_values(ctx, ensure(session))

    # A reopened project or recipe, and a new product (which clears its copy, SKU and placement),
    # refill every field of every tab: the widgets always show the recipe the export will use.
    for name in ("open_event", "cutout_event"):
        event = ctx.extra.get(name)
        if event is not None:
            event.success(refill, inputs=[ctx.session], outputs=outputs, api_visibility="private")

    @seller_errors
    def restore(key: str | None, session: StudioSession | None) -> list[Any]:
        """Page load: the session this browser had (a reload, a dropped connection), else a new one."""
        found = STORE.get(key) if isinstance(key, str) else None
        if found is not None:
            return [found, found.key, *refill_values(ctx, found)]
        # A new session starts from what the widgets show (the UI's defaults: five platforms, two variants…).
        session = ensure(session)
        for form_cls, widgets in ctx.extra.get("forms", {}).values():
            sync_form(session, form_cls.from_values(*[getattr(w, "value", None) for w in widgets]))
        return [session, session.key, *[gr.update() for _ in outputs]]

    demo.load(
        restore,
        inputs=[browser_key, ctx.session],
        outputs=[ctx.session, browser_key, *outputs],
        api_visibility="private",
    )

    def abandoned(request: gr.Request = None) -> None:  # type: ignore[assignment]
        """The tab closed or reloaded: stop its running job, so it does not hold the GPU lane."""
        ctx.cancels.token(getattr(request, "session_hash", None)).cancel()

    demo.unload(abandoned)

    with gr.Row(visible=False):
        recipe_out = gr.Textbox(label="recipe", visible=False)
        recipe_in = gr.Textbox(label="recipe", visible=False)
        get_button = gr.Button(visible=False)
        set_button = gr.Button(visible=False)

    def get_recipe(session: StudioSession | None) -> str:
        """The recipe this session is building, as JSON (the schema of recipes/<variant>.json in an export).

        Returns:
            The recipe JSON: cutout, placement, scene, styles, copy_text, export and model settings.
        """
        return ensure(session).recipe.to_json()

    get_button.click(get_recipe, inputs=[ctx.session], outputs=[recipe_out], api_name="get_recipe")

    @seller_errors
    def set_recipe(recipe: str, session: StudioSession | None) -> tuple[str, StudioSession]:
        """Load a recipe into this session: every tab then shows its fields, and export uses it.

        Args:
            recipe: a recipe as JSON text (the schema of recipes/<variant>.json), e.g. from get_recipe.
        Returns:
            The recipe as loaded (JSON), with every default filled in.
        """
        from studio.recipe import Recipe

        session = ensure(session)
        session.load_recipe(Recipe.from_json(recipe))
        return session.recipe.to_json(), session

    set_button.click(
        set_recipe, inputs=[recipe_in, ctx.session], outputs=[recipe_out, ctx.session], api_name="set_recipe"
    ).success(refill, inputs=[ctx.session], outputs=outputs, api_visibility="private")
