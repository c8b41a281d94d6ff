"""The copy tab's own helpers: bilingual menus, per-session font uploads, the ad-law table."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import StudioError
from studio.recipe import CopyText
from studio.text.fonts import bundled_font_path

gr = pytest.importorskip("gradio")
from studio.ui import copy_tab  # noqa: E402
from studio.ui.i18n import Translator  # noqa: E402
from studio.ui.texts import TEXTS  # noqa: E402


def test_menus_name_categories_in_both_languages() -> None:
    cats = dict((value, label) for label, value in copy_tab._named_choices("categories"))
    assert cats["beauty"] == "美妆护肤 · Beauty & skincare"
    occ = dict((value, label) for label, value in copy_tab._named_choices("occasions"))
    assert "double11" in occ and "·" in occ["double11"] and occ["double11"] != "double11"


def test_uploaded_font_is_checked_copied_and_offered_for_this_session_only(tmp_path: Path) -> None:
    family, stored = copy_tab.store_uploaded_font(bundled_font_path())
    # kept by content under a reference, never offered (or written into a recipe) as a server path
    assert family == "Noto Sans SC" and stored.startswith("upload:") and "/" not in stored
    from studio.text.fonts import resolve_font

    assert resolve_font(stored).is_file() and resolve_font(stored) != bundled_font_path()
    mine = copy_tab._font_choices({family: stored})
    assert (f"⬆ {family}", stored) in mine
    assert all(value != stored for _, value in copy_tab._font_choices())  # another session does not see it
    fake = tmp_path / "evil.ttf"
    fake.write_bytes(b"MZ not a font")
    with pytest.raises(StudioError):
        copy_tab.store_uploaded_font(fake)
    with pytest.raises(StudioError, match="too big"):
        copy_tab.store_uploaded_font(bundled_font_path(), max_bytes=1000)


def test_ad_law_flags_come_as_a_table_in_the_sellers_language() -> None:
    for key, pair in copy_tab._TEXTS.items():
        TEXTS.setdefault(key, pair)
    tr = Translator()
    flagged = CopyText(headline="全网最低价", selling_points=["正品", "100%纯棉"])
    zh = copy_tab.flags_markdown(flagged, "zh", tr)
    assert "| 主标题 | ⚠ **全网最低** |" in zh and "卖点 2" in zh and "建议改为" in zh
    en = copy_tab.flags_markdown(flagged, "en", tr)
    assert "point 2" in en and "Try instead" in en
    assert copy_tab.flags_markdown(CopyText(headline="新品上市"), "zh", tr).startswith("✅")
