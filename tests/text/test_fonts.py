from pathlib import Path

import pytest

from studio.errors import StudioError
from studio.text.fonts import available_fonts, load_font, missing_glyphs, resolve_font, validate_font_file


def test_bundled_font_is_found_and_opens() -> None:
    fonts = available_fonts()
    assert "noto_sans_sc" in fonts
    path = resolve_font("noto_sans_sc")
    assert path.name == "NotoSansSC[wght].ttf" and path.is_file()
    assert validate_font_file(path) == "Noto Sans SC"
    assert missing_glyphs(path, "夏日清爽 ¥99.9 iPhone，。") == ""


def test_variable_font_weight_makes_bold_wider_strokes() -> None:
    path = str(resolve_font("noto_sans_sc"))
    thin = load_font(path, 60, 100).getmask("国")
    bold = load_font(path, 60, 900).getmask("国")
    assert sum(bold) > 1.5 * sum(thin)  # more ink: the wght axis really is set


def test_latin_font_lacks_chinese_glyphs() -> None:
    latin = [p for p in available_fonts().values() if "DejaVuSans.ttf" == p.name]
    if not latin:
        pytest.skip("no DejaVu Sans installed here")
    assert missing_glyphs(latin[0], "Sale 夏日") == "夏日"
    assert resolve_font("dejavusans") == latin[0]  # by its id; a path is refused (test_bad_inputs)


def test_uploaded_font_validation(tmp_path: Path) -> None:
    fake = tmp_path / "evil.ttf"
    fake.write_bytes(b"<html>not a font</html>")
    with pytest.raises(StudioError, match="not a usable font"):
        validate_font_file(fake)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(StudioError, match="not a font file"):
        validate_font_file(text)
    truncated = tmp_path / "broken.ttf"
    truncated.write_bytes(b"\x00\x01\x00\x00" + b"\x00" * 64)
    with pytest.raises(StudioError, match="damaged"):
        validate_font_file(truncated)
    with pytest.raises(StudioError, match="too big"):
        validate_font_file(resolve_font("noto_sans_sc"), max_bytes=1_000_000)
    with pytest.raises(StudioError, match="Unknown font"):
        resolve_font("no_such_font_here")


def _tiny_face(family: str, lang_id: int):
    """A two-glyph font named `family` (name records in English and in `lang_id`)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "A"])
    fb.setupCharacterMap({ord("A"): "A"})
    pen = TTGlyphPen(None)
    pen.moveTo((100, 0))
    pen.lineTo((500, 700))
    pen.lineTo((900, 0))
    pen.closePath()  # noqa: E702
    glyph = pen.glyph()
    fb.setupGlyf({".notdef": glyph, "A": glyph})
    fb.setupHorizontalMetrics({".notdef": (1000, 100), "A": (1000, 100)})
    fb.setupHorizontalHeader(ascent=880, descent=-120)
    fb.setupNameTable({"familyName": family, "styleName": "Regular"})
    from fontTools.ttLib.tables._n_a_m_e import makeName

    fb.font["name"].names.append(makeName(family, 1, 3, 1, lang_id))
    fb.setupOS2()
    fb.setupPost()
    return fb.font


def test_ttc_face_is_chosen_by_script_not_first(tmp_path: Path) -> None:
    """A collection whose first face is Japanese: the Simplified Chinese face is the one loaded."""
    from fontTools.ttLib import TTCollection

    from studio.text.fonts import face_index, load_font

    collection = TTCollection()
    collection.fonts = [
        _tiny_face("Demo CJK JP", 0x0411),
        _tiny_face("Demo Mono CJK SC", 0x0804),
        _tiny_face("Demo CJK SC", 0x0804),
        _tiny_face("Demo CJK TC", 0x0404),
    ]
    path = tmp_path / "demo.ttc"
    collection.save(str(path))
    assert face_index(str(path)) == 2
    assert load_font(str(path), 40).getname()[0] == "Demo CJK SC"


def test_system_noto_cjk_collection_draws_simplified_chinese() -> None:
    from studio.text.fonts import face_index, load_font

    found = (
        sorted(Path("/usr/share/fonts").rglob("NotoSansCJK-Regular.ttc")) if Path("/usr/share/fonts").is_dir() else []
    )
    if not found:
        pytest.skip("Noto Sans CJK is not installed here")
    assert face_index(str(found[0])) == 2
    assert load_font(str(found[0]), 40).getname()[0] == "Noto Sans CJK SC"
