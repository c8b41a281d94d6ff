"""One recipe, one truth: every tab edits fields of the session recipe, never rebuilds it.

These drive the app's own event handlers in-process (the functions Gradio calls, with the
values the widgets show), so a field without a widget — depth control, vertical copy, a
currency, an accent colour, a text effect — must survive every tab.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from studio.recipe import Recipe
from studio.settings import Settings
from tests.conftest import make_bottle_cutout


def special_recipe() -> Recipe:
    """A recipe whose interesting fields have no widget anywhere in the UI."""
    return Recipe.from_dict(
        {
            "source_sha256": "ab" * 32,
            "cutout": {"alpha_fg_threshold": 230, "crop_margin": 0.08},
            "scene": {
                "preset": "marble_counter",
                "backdrop": "procedural",
                "control_type": "depth",
                "seed": 11,
                "steps": 20,
                "guidance": 6.0,
                "control_strength": 0.7,
            },
            "copy_text": {
                "headline": "清爽一夏",
                "price": "259",
                "currency": "$",
                "accent_color": "#1a7f37",
                "vertical": True,
                "text_effect": "stroke",
                "text_color": "#ffffff",
            },
            "export": {"platforms": ["taobao_main"], "sku": "cup-1", "aigc_label": False},
        }
    )


@pytest.fixture(scope="module")
def app():
    from studio.ui.app import create_app

    return create_app(Settings(profile="none").resolved())


def handler(app, name: str):
    return next(fn.fn for fn in app.fns.values() if fn.api_name == name)


def no_progress(*_args, **_kwargs) -> None:
    return None


def fresh_session(recipe: Recipe):
    from studio.ui.session import StudioSession

    session = StudioSession()
    session.recipe = recipe
    session.cutout = make_bottle_cutout()
    return session


def widget_less(recipe: Recipe) -> dict:
    return {
        "control_type": recipe.scene.control_type,
        "vertical": recipe.copy_text.vertical,
        "currency": recipe.copy_text.currency,
        "accent_color": recipe.copy_text.accent_color,
        "text_effect": recipe.copy_text.text_effect,
        "text_color": recipe.copy_text.text_color,
        "alpha_fg_threshold": recipe.cutout.alpha_fg_threshold,
        "crop_margin": recipe.cutout.crop_margin,
    }


def test_every_tab_keeps_the_fields_it_does_not_show(app, tmp_path: Path) -> None:
    recipe = special_recipe()
    session = fresh_session(recipe)
    expected = widget_less(recipe)

    # ② compose with the scene tab's widget values (as a reopened recipe shows them)
    out = handler(app, "compose_scene")(
        "marble_counter",
        "procedural",
        "",
        11,
        1,
        0.5,
        0,
        0,
        0,
        True,
        False,
        "",
        20,
        6.0,
        0.7,
        0.0,
        1.0,
        "taobao_main",
        session,
        "en",
        None,
        no_progress,
    )
    session = out[3]
    assert widget_less(session.recipe) == expected, "the scene tab rebuilt the recipe"
    # ④ preview the copy
    out = handler(app, "render_copy")(
        "清爽一夏", "", "", "259", "", "", "", "auto", "noto_sans_sc", "taobao_main", None, session, "en"
    )
    session = out[2]
    assert widget_less(session.recipe) == expected, "the copy tab reset fields it has no widget for"
    # ③ styles: none chosen
    out = handler(app, "apply_styles")("", "", "", 0.8, 0.8, 0.8, session, "en")
    session = out[1]
    assert widget_less(session.recipe) == expected
    # ⑤ export: the files' recipes carry every field
    out = handler(app, "export_posters")(
        ["taobao_main"],
        1,
        "seed",
        "",
        "cup-1",
        "auto",
        False,
        [],
        [],
        "",
        [],
        "scene",
        "copy",
        False,
        "",
        session,
        "en",
        None,
        no_progress,
    )
    zip_path = out[1]
    with zipfile.ZipFile(zip_path) as z:
        saved = Recipe.model_validate(json.loads(z.read("recipes/A.json")))
    assert widget_less(saved) == expected, "the exported recipe lost a field"
    assert saved.copy_text.headline == "清爽一夏" and saved.copy_text.price == "259"


def test_forms_read_back_and_apply_to_the_same_recipe() -> None:
    """Each tab's form, filled from a recipe and applied back to it, changes nothing."""
    from studio.ui.forms import FORMS, forms_of
    from studio.ui.session import StudioSession

    recipe = Recipe.model_validate({**special_recipe().model_dump(), "styles": [{"name": "watercolor", "weight": 0.6}]})
    session = StudioSession()
    session.recipe = recipe
    forms = forms_of(session)
    assert set(forms) == {f.TAB for f in FORMS}
    for tab, form in forms.items():
        again = type(form).from_values(*form.widget_values())
        assert again == form, tab
        assert again.apply(recipe) == recipe, f"the {tab} form changed the recipe"


def test_preset_steps_stay_automatic_through_the_scene_form() -> None:
    """steps=None ('the preset's value') is shown as the preset's number and stays None."""
    from studio.ui.forms import SceneForm

    recipe = Recipe()
    assert recipe.scene.steps is None
    form = SceneForm.of(recipe)
    assert form.steps > 0
    assert SceneForm.from_values(*form.widget_values()).apply(recipe).scene.steps is None


def test_export_uses_the_copy_as_it_is_now_not_the_last_preview(app) -> None:
    """Change headline and price after a preview, export without previewing again: the new copy ships."""
    from studio.ui.forms import CopyForm, sync_form

    session = fresh_session(special_recipe())
    out = handler(app, "render_copy")(
        "旧标题", "", "", "299", "", "", "", "auto", "noto_sans_sc", "taobao_main", None, session, "zh"
    )
    session = out[2]
    # The seller edits the copy fields (each change is written into the session, as the UI's change events do).
    sync_form(session, CopyForm(headline="新标题", price="259"))
    out = handler(app, "export_posters")(
        ["taobao_main"],
        1,
        "seed",
        "",
        "cup-1",
        "auto",
        False,
        [],
        [],
        "",
        [],
        "scene",
        "copy",
        False,
        "",
        session,
        "zh",
        None,
        no_progress,
    )
    with zipfile.ZipFile(out[1]) as z:
        saved = json.loads(z.read("recipes/A.json"))
    assert saved["copy_text"]["headline"] == "新标题" and saved["copy_text"]["price"] == "259"
    assert saved["copy_text"]["vertical"] is True and saved["copy_text"]["currency"] == "$"
    assert "现在的文案" in out[3], "the export says the copy changed since the preview"


def test_reopening_a_project_refills_every_tab_and_clears_old_results(app, tmp_path: Path) -> None:
    from studio.export.project import save_project
    from studio.ui.forms import forms_of
    from studio.ui.reopen import reopen
    from studio.ui.session import StudioSession
    from studio.ui.wiring import refill_components, refill_values

    recipe = special_recipe()
    project = tmp_path / "cup.poster"
    save_project(project, cutouts={"cup": make_bottle_cutout().rgba}, recipes=[recipe], extra={"photo_name": "cup"})
    session = StudioSession()
    session.views = {"export_gallery": [("old.png", "old")], "export_zip": "old.zip"}
    session, _message = reopen(project, session, "en")
    assert widget_less(session.recipe) == widget_less(recipe)
    assert session.recipe.model_dump(exclude={"outputs"}) == recipe.model_dump(exclude={"outputs"})
    ctx = app.studio_context
    values = refill_values(ctx, session)
    components = refill_components(ctx)
    assert len(values) == len(components)
    shown = dict(zip([id(c) for c in components], values))
    copy_widgets = ctx.extra["forms"]["copy"][1]
    assert shown[id(copy_widgets[0])] == "清爽一夏" and shown[id(copy_widgets[3])] == "259"
    scene_widgets = ctx.extra["forms"]["scene"][1]
    assert shown[id(scene_widgets[3])] == 11 and shown[id(scene_widgets[12])] == 20
    export_widgets = ctx.extra["forms"]["export"][1]
    assert shown[id(export_widgets[4])] == "cup-1" and shown[id(export_widgets[6])] is False
    views = ctx.extra["views"]
    assert shown[id(views["export_gallery"])] is None and shown[id(views["export_zip"])] is None
    # and the forms applied back give the very recipe (widget-less fields included)
    again = session.recipe
    for form in forms_of(session).values():
        again = form.apply(again)
    assert again == session.recipe


def test_a_new_product_says_what_it_reset_and_keeps_the_rest() -> None:
    from studio.ui.handlers import _new_product_note
    from studio.ui.session import StudioSession

    session = StudioSession()
    session.recipe = special_recipe()
    photo = session.recipe.model_copy(update={"source_sha256": "cd" * 32})
    reset = session.new_product(photo)
    assert set(reset) == {"copy", "sku"}
    r = session.recipe
    assert r.copy_text.headline == "" and r.export.sku == "poster"
    assert r.copy_text.vertical and r.copy_text.currency == "$" and r.scene.control_type == "depth"
    assert "copy" in _new_product_note(reset, "en") and "文案" in _new_product_note(reset, "zh")


def test_reload_finds_the_session_again(app) -> None:
    """A page load with the browser's session key gets the same session and every field back."""
    from studio.ui.session import STORE, ensure

    session = ensure(fresh_session(special_recipe()))
    session.views["export_zip"] = "/tmp/x.zip"
    restore = next(fn.fn for fn in app.fns.values() if getattr(fn.fn, "__name__", "") == "restore")
    again, key, *values = restore(session.key, None)
    assert again is session and key == session.key and STORE.get(key) is session
    assert "清爽一夏" in values and "/tmp/x.zip" in values
    fresh, new_key, *_ = restore("not-a-known-key", None)
    assert fresh is not session and new_key != session.key


def test_get_and_set_recipe_endpoints_round_trip(app) -> None:
    from studio.ui.session import StudioSession

    get_recipe, set_recipe = handler(app, "get_recipe"), handler(app, "set_recipe")
    session = StudioSession()
    loaded, session = set_recipe(special_recipe().to_json(), session)
    assert Recipe.from_json(get_recipe(session)) == special_recipe() == Recipe.from_json(loaded)
    api = {fn.api_name: fn for fn in app.fns.values()}
    assert api["get_recipe"].api_visibility == "public" and api["set_recipe"].api_visibility == "public"
    assert "recipe" in (api["set_recipe"].fn.__doc__ or "")


def test_closing_or_reloading_the_tab_cancels_its_running_job(app) -> None:
    """An abandoned job stops at its next step instead of holding the GPU lane."""
    from types import SimpleNamespace

    ctx = app.studio_context
    token = ctx.cancels.fresh("tab-1")
    other = ctx.cancels.fresh("tab-2")
    abandoned = next(fn.fn for fn in app.fns.values() if getattr(fn.fn, "__name__", "") == "abandoned")
    abandoned(SimpleNamespace(session_hash="tab-1"))
    assert token.cancelled and not other.cancelled


def test_a_new_photo_in_tab_one_clears_the_old_products_copy_on_screen_too(app, product_photo, tmp_path) -> None:
    """The cut-out of a different photo resets copy and SKU in the recipe, and the refill shows it."""
    from studio.ui.wiring import refill_components, refill_values

    photo = tmp_path / "new.jpg"
    product_photo.save(photo, quality=92)
    session = fresh_session(special_recipe())
    out = handler(app, "ui_remove_background")(
        str(photo), "u2netp", 0, 0, True, False, True, False, "checker", session, "en"
    )
    session = out[4]
    assert "New product" in out[2] and "copy" in out[2]
    assert session.recipe.copy_text.headline == "" and session.recipe.export.sku == "poster"
    assert session.recipe.copy_text.vertical and session.recipe.scene.control_type == "depth"
    ctx = app.studio_context
    shown = dict(zip([id(c) for c in refill_components(ctx)], refill_values(ctx, session)))
    assert shown[id(ctx.extra["forms"]["copy"][1][0])] == ""
    assert shown[id(ctx.extra["forms"]["export"][1][4])] == "poster"
    refills = [fn for fn in app.fns.values() if getattr(fn.fn, "__name__", "") == "refill"]
    assert len(refills) >= 3, "reopen, a new product and set_recipe each refill the tabs"


def test_a_first_visit_starts_from_what_the_widgets_show(app) -> None:
    """No stored session: the widgets keep the UI's defaults and the recipe takes them (five platforms)."""
    from studio.ui.export_tab import DEFAULT_PLATFORMS

    restore = next(fn.fn for fn in app.fns.values() if getattr(fn.fn, "__name__", "") == "restore")
    session, _key, *values = restore(None, None)
    assert session.recipe.export.platforms == DEFAULT_PLATFORMS
    assert all(isinstance(v, dict) and v.get("__type__") == "update" and len(v) == 1 for v in values)
