"""Core features the tabs now show, driven through the app's own event handlers (no browser):
the cut-out's quality warnings, the scene's colour separation, the layout thumbnails, the export's
Content Credentials and shop name, and the A/B panel's smallest lift and design.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.notes import Note
from studio.settings import Settings
from tests.conftest import make_bottle_cutout


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    from studio.ui.app import create_app

    cache = tmp_path_factory.mktemp("cache")  # the self-signed C2PA credential is made here
    return create_app(Settings(profile="none", cache_dir=cache, open_browser=False).resolved())


def handler(app, name: str):
    return next(fn.fn for fn in app.fns.values() if fn.api_name == name)


def no_progress(*_args, **_kwargs) -> None:
    return None


def _fake_cutout(monkeypatch, cutout) -> None:
    """The tab's cut-out returns `cutout` (with its warnings) instead of running a model."""
    import studio.pipeline

    def cut(_models, _photo, recipe, progress=None):
        return cutout, recipe.model_copy(update={"source_sha256": "cd" * 32})

    monkeypatch.setattr(studio.pipeline, "cutout_from_photo", cut)


@pytest.mark.parametrize("lang, lost, blurry", [("zh", "画笔", "放大"), ("en", "brush", "upscaled")])
def test_cutout_status_shows_lost_parts_and_upscaling(app, monkeypatch, tmp_path: Path, lang, lost, blurry) -> None:
    from studio.ui.session import StudioSession

    small = make_bottle_cutout(60, 130)  # a small photo: every platform must blow it up
    small.warnings.append(
        Note(
            "lost_parts",
            "cutout",
            "The refined outline lost 9% of what the model found "
            "(perhaps a cap or a handle); paint it back with the brush.",
        )
    )
    _fake_cutout(monkeypatch, small)
    session = StudioSession()
    session.recipe = session.recipe.model_copy(
        update={"export": session.recipe.export.model_copy(update={"platforms": ["taobao_main", "amazon_main"]})}
    )
    out = handler(app, "ui_remove_background")(
        str(tmp_path / "cup.png"), "u2netp", 0, 0, True, False, True, False, "checker", session, lang, no_progress
    )
    status = out[2]
    assert lost in status, status
    assert blurry in status and "taobao_main" in status and "amazon_main" in status, status
    if lang == "zh":
        assert "brush" not in status and "upscaled" not in status, "English words in the Chinese status"

    big = make_bottle_cutout(900, 1900)  # a large, clean cut-out: nothing to warn about
    _fake_cutout(monkeypatch, big)
    out = handler(app, "ui_remove_background")(
        str(tmp_path / "cup.png"),
        "u2netp",
        0,
        0,
        True,
        False,
        True,
        False,
        "checker",
        StudioSession(),
        lang,
        no_progress,
    )
    assert "⚠" not in out[2], out[2]


def _named(app, name: str) -> list:
    return [fn for fn in app.fns.values() if getattr(fn.fn, "__name__", "") == name]


def _red_box():
    from PIL import Image, ImageDraw

    from studio.layers import Cutout

    rgba = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    ImageDraw.Draw(rgba).rectangle([20, 20, 180, 180], fill=(196, 18, 40, 255))
    return Cutout(rgba=rgba, box=(20, 20, 181, 181))


def test_scene_pick_warns_when_the_product_melts_into_the_scene(app) -> None:
    from studio.ui.session import StudioSession

    checks = _named(app, "check_separation")
    assert len(checks) >= 2, "checked on a scene pick and after a cut-out"
    check = checks[0].fn
    session = StudioSession()
    assert check("spring_festival", session, "zh") == "", "no product yet: nothing to say"
    session.cutout = _red_box()
    zh = check("spring_festival", session, "zh")
    assert "春节" in zh and "试试" in zh and "spring" not in zh
    assert "try:" in check("spring_festival", session, "en")
    assert check("studio_white", session, "zh") == ""


def test_copy_tab_shows_the_promo_layouts_as_pictures(app) -> None:
    import gradio as gr

    from studio.presets import all_presets, display_name
    from tests.ui.tab_harness import block_by_id

    picker = block_by_id(app, "copy-layout-picker")
    layouts = all_presets("layouts")
    promo = [lid for lid in layouts if lid.startswith("promo_")]
    assert len(promo) == 8
    captions = [item["caption"] for item in picker.value]
    assert captions == [display_name(layouts[lid], "zh") for lid in promo], "one picture per promo layout"
    # A click on the third picture picks that layout in the dropdown; the dropdown marks its picture.
    pick = _named(app, "pick_layout")[0].fn
    assert pick(gr.SelectData(None, {"index": 2, "value": None}))["value"] == promo[2]
    mark = _named(app, "mark_layout")[0].fn
    assert mark(promo[5])["selected_index"] == 5
    assert mark("auto")["selected_index"] is None


def _session_with_cutout():
    from studio.ui.session import StudioSession

    session = StudioSession()
    session.cutout = make_bottle_cutout()
    return session


def test_export_signs_and_names_the_shop_per_export(app, monkeypatch) -> None:
    """The tab's checkbox and shop name reach the files: one export signed, the next not, each with its producer."""
    pytest.importorskip("c2pa")
    import studio.export.files as files
    from studio.export.credentials import read_credentials

    producers: list[str] = []
    real = files.label_names
    monkeypatch.setattr(files, "label_names", lambda s: (producers.append(s.content_producer), real(s))[1])
    export = handler(app, "export_posters")
    session = _session_with_cutout()
    out = export(
        ["taobao_main"],
        1,
        "seed",
        "",
        "cup",
        "auto",
        False,
        [],
        [],
        "",
        [],
        "scene",
        "copy",
        True,
        "  茶茶小铺  ",
        session,
        "zh",
        None,
        no_progress,
    )
    path = Path(out[0][0][0])
    assert read_credentials(path)["state"] == "Valid", "signed because this export asked for it"
    assert producers and set(producers) == {"茶茶小铺"}
    assert session.ui["export"]["producer"] == "  茶茶小铺  " and session.ui["export"]["c2pa"] is True

    producers.clear()
    out = export(
        ["taobao_main"],
        1,
        "seed",
        "",
        "cup",
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
    with pytest.raises(Exception):  # c2pa's Reader finds no manifest in an unsigned file
        read_credentials(Path(out[0][0][0]))
    assert set(producers) == {""}, "empty: label_names writes the app's name"


def test_export_settings_is_decided_once_from_the_form() -> None:
    from studio.errors import StudioError
    from studio.ui.forms import ExportForm
    from studio.ui.handlers import export_settings

    base = Settings(profile="none", c2pa=False, content_producer="app default")
    chosen = export_settings(base, ExportForm(c2pa=True, producer=" 玫瑰 小铺 "))
    assert chosen.c2pa is True and chosen.content_producer == "玫瑰 小铺"
    assert base.c2pa is False, "the studio's own settings are not changed"
    with pytest.raises(StudioError):
        export_settings(base, ExportForm(producer="x" * 101))


def test_ab_panel_uses_the_sellers_smallest_lift_and_design(app) -> None:
    ab = handler(app, "ui_ab_stats")
    close = [["A", 2000, 100, 0], ["B", 2000, 90, 0]]
    _table, at_20 = ab(close, 20, "split", "en")
    _table, at_5 = ab(close, 5, "split", "en")

    def need(text: str) -> int:
        import re

        return int(re.search(r"About ([\d,]+) impressions", text).group(1).replace(",", ""))

    assert need(at_5) > 10 * need(at_20), (at_5, at_20)  # a 4× smaller lift needs ~16× the impressions
    clear = [["A", 20000, 1200, 0], ["B", 20000, 800, 0]]
    assert "wins" in ab(clear, 20, "split", "en")[1]
    rotated = ab(clear, 20, "rotation", "zh")[1]
    assert "胜出" not in rotated and "轮" in rotated, rotated
    assert ab(clear)[1] == ab(clear, 20, "split", None)[1], "API callers without the new inputs get +20 %, split"


def test_touch_up_undo_and_white_background_are_plain_handlers(app) -> None:
    """Callable over a session without any UI; bad input is the seller's StudioError."""
    import numpy as np
    from PIL import Image

    from studio.errors import StudioError
    from studio.ui.handlers import touch_up, undo_touch_up, white_background
    from studio.ui.session import StudioSession

    ctx = app.studio_context
    with pytest.raises(StudioError):
        touch_up(ctx, StudioSession(), None, "erase", "en")  # no cut-out yet
    session = _session_with_cutout()
    with pytest.raises(StudioError):
        touch_up(ctx, session, None, "erase", "zh")  # no strokes
    size = session.cutout.rgba.size
    strokes = Image.new("L", size, 0)
    strokes.paste(255, (0, 0, size[0], size[1] // 2))
    before = np.asarray(session.cutout.mask).sum()
    said = touch_up(ctx, session, strokes, "erase", "en")
    assert np.asarray(session.cutout.mask).sum() < before and len(session.undo_stack) == 1, said
    undo_touch_up(ctx, session, "en")
    assert np.asarray(session.cutout.mask).sum() == before and not session.undo_stack
    assert undo_touch_up(ctx, session, "en") == ctx.tr.text("nothing_to_undo", "en")
    made = white_background(ctx, session, "en")
    assert made.path.is_file() and made.report["white_background"]


def test_font_upload_is_a_plain_handler_per_session(app) -> None:
    from dataclasses import replace
    from types import SimpleNamespace

    from studio.errors import StudioError
    from studio.text.fonts import bundled_font_path
    from studio.ui.handlers import add_session_font

    ctx = app.studio_context
    family, stored, fonts = add_session_font(ctx, {"Other": "/x.ttf"}, bundled_font_path(), "en")
    assert family == "Noto Sans SC" and fonts == {"Other": "/x.ttf", family: stored}
    shared = SimpleNamespace(settings=replace(ctx.settings, share=True), tr=ctx.tr)
    if not shared.settings.uploads_allowed:
        with pytest.raises(StudioError):
            add_session_font(shared, {}, bundled_font_path(), "zh")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_export_upscale_note_is_worded_like_the_cutout_tab_with_the_same_factor(lang) -> None:
    """One computation and one wording: the cut-out tab and the export say the same factor for the same
    photo and platform, and the export's note is Chinese in the Chinese UI."""
    from studio.models import ModelManager
    from studio.pipeline import SceneCache, render_poster
    from studio.ui.handlers import cutout_warnings, note_text
    from studio.ui.session import StudioSession

    models = ModelManager(Settings(profile="none", open_browser=False))
    session = StudioSession()
    session.cutout = make_bottle_cutout(60, 130)  # a small photo: 5.04× on a Taobao main image
    platforms = ["taobao_main", "amazon_main"]
    session.recipe = session.recipe.model_copy(
        update={"export": session.recipe.export.model_copy(update={"platforms": platforms})}
    )
    in_tab = cutout_warnings(session, lang)
    for pid in platforms:
        poster = render_poster(models, session.cutout, session.recipe, pid, cache=SceneCache())
        said = [note_text(n, lang) for n in poster.notes if n.code == "upscale"]
        assert len(said) == 1 and said[0] in in_tab, (said, in_tab)  # the same line, so the same factor
        assert f"{poster.upscale:.1f}" in said[0]
        if lang == "zh":
            assert "upscaled" not in said[0] and "放大" in said[0], said
