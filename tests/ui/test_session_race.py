"""A job works on a snapshot of the session; what the seller did while it ran is never reverted.

The races of issue #16: a project opened, or a new photo cut out, while an export (or a cut-out)
runs. Each job here is held at a gate in its middle while the other change lands, then let go.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from studio.models import ModelManager
from studio.recipe import Recipe
from studio.ui.common import UiContext
from studio.ui.forms import CutoutForm, ExportForm
from studio.ui.i18n import Translator
from studio.ui.session import StudioSession
from tests.conftest import make_bottle_cutout


@pytest.fixture
def ctx(none_settings) -> UiContext:
    return UiContext(settings=none_settings, models=ModelManager(none_settings), tr=Translator(default="en"))


def _held(monkeypatch, module, name: str):
    """Replace module.name by a wrapper that stops at a gate until released; (entered, release)."""
    real = getattr(module, name)
    entered, release = threading.Event(), threading.Event()

    def wrapper(*args, **kwargs):
        entered.set()
        assert release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)
    return entered, release


def _product(session: StudioSession, seed: int, sha: str, headline: str) -> None:
    session.load_recipe(
        Recipe.from_dict(
            {
                "source_sha256": sha,
                "scene": {"backdrop": "procedural"},
                "copy_text": {"headline": headline},
                "export": {"platforms": ["taobao_main"], "sku": headline},
            }
        )
    )
    session.set_cutout(make_bottle_cutout(seed=seed), keep_undo=False)


def test_a_project_opened_during_an_export_is_not_reverted_when_it_ends(ctx, monkeypatch):
    import studio.pipeline
    from studio.ui.handlers import export_posters

    session = StudioSession()
    _product(session, 1, "aa" * 32, "old-cup")
    entered, release = _held(monkeypatch, studio.pipeline, "make_posters")
    form = ExportForm(platforms=["taobao_main"], n_variants=1, sku="old-cup")
    done: dict = {}
    job = threading.Thread(target=lambda: done.update(view=export_posters(ctx, session, form, "en")))
    job.start()
    assert entered.wait(30)
    _product(session, 2, "bb" * 32, "new-cup")  # what reopen() does: a whole recipe and its cut-out
    new_cutout = session.cutout
    release.set()
    job.join(60)
    assert "view" in done
    # The export made the old product's files (its snapshot) and says they are from before the change...
    assert "from before the change" in done["view"].message
    # ...and the session is still the newer product, with no old-product export standing as its last one.
    assert session.cutout is new_cutout and session.recipe.source_sha256 == "bb" * 32
    assert session.recipe.copy_text.headline == "new-cup"
    assert session.last_export is None and "export_gallery" not in session.views
    # The next export uses the new product.
    monkeypatch.undo()
    again = export_posters(ctx, session, ExportForm(platforms=["taobao_main"], n_variants=1, sku="new-cup"), "en")
    made = Recipe.from_json((Path(again.zip_path).parent / "recipes" / "A.json").read_text("utf-8"))
    assert made.source_sha256 == "bb" * 32 and made.copy_text.headline == "new-cup"
    assert session.last_export == Path(again.zip_path)


def test_an_edit_made_during_a_cut_out_survives_it(ctx, monkeypatch):
    """A new photo's cut-out clears the old product's copy, but keeps a scene picked while it ran."""
    import studio.pipeline
    from studio.ui.handlers import remove_background

    session = StudioSession()
    _product(session, 1, "aa" * 32, "old-cup")
    made = make_bottle_cutout(seed=3)

    def fake_cutout(models, photo, recipe, progress=None):
        return made, recipe.model_copy(update={"source_sha256": "cc" * 32})

    monkeypatch.setattr(studio.pipeline, "cutout_from_photo", fake_cutout)
    entered, release = _held(monkeypatch, studio.pipeline, "cutout_from_photo")
    job = threading.Thread(target=remove_background, args=(ctx, session, "new.jpg", CutoutForm(), "en"))
    job.start()
    assert entered.wait(30)
    session.edit(scene=session.recipe.scene.model_copy(update={"preset": "pastel_podium"}))
    release.set()
    job.join(30)
    assert session.cutout is made and session.recipe.source_sha256 == "cc" * 32
    assert session.recipe.scene.preset == "pastel_podium"  # the newer edit, not the one the cut-out started from


def test_a_project_opened_during_a_cut_out_is_kept(ctx, monkeypatch):
    import studio.pipeline
    from studio.ui.handlers import remove_background

    session = StudioSession()
    monkeypatch.setattr(
        studio.pipeline,
        "cutout_from_photo",
        lambda models, photo, recipe, progress=None: (make_bottle_cutout(seed=3), recipe),
    )
    entered, release = _held(monkeypatch, studio.pipeline, "cutout_from_photo")
    result: dict = {}
    job = threading.Thread(
        target=lambda: result.update(r=remove_background(ctx, session, "new.jpg", CutoutForm(), "en"))
    )
    job.start()
    assert entered.wait(30)
    _product(session, 2, "bb" * 32, "opened")
    opened = session.cutout
    release.set()
    job.join(30)
    assert session.cutout is opened and session.recipe.copy_text.headline == "opened"
    assert "newer one is kept" in result["r"].message


def test_every_event_of_one_browser_session_gets_the_same_live_session(none_settings):
    """Gradio hands each event the State's value: a session's first two events (an export and a cut-out at
    once) must not each make their own session, or the one that ends last reverts the other."""
    from gradio.state_holder import SessionState

    from studio.ui.app import create_app

    demo = create_app(none_settings)
    state_id = next(
        b._id for b in demo.blocks.values() if type(b).__name__ == "State" and b.value is not None and callable(b.value)
    )
    state = SessionState(demo)
    first, second = state[state_id], state[state_id]
    assert isinstance(first, StudioSession) and first is second
    assert SessionState(demo)[state_id] is not first  # another browser: another session
