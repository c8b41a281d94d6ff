from hypothesis import given, settings
from hypothesis import strategies as st

from studio.text.fonts import bundled_font_path, load_font
from studio.text.linebreak import NO_LINE_END, NO_LINE_START, atoms, breaks_ok, wrap
from studio.text.typeset import measure_fn

FONT = load_font(str(bundled_font_path()), 24, 400)
MEASURE = measure_fn(FONT)

PIECES = st.sampled_from(
    list("夏日清爽水润一整天好物")
    + list("，。、！？；：」』）】…（【「『")
    + ["99.9", "iPhone", "500ml", " ", "Pro", "¥199", "3-in-1"]
)


@settings(max_examples=120, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=40), st.integers(min_value=40, max_value=300))
def test_no_line_starts_with_closing_or_ends_with_opening(pieces: list[str], width: int) -> None:
    text = "".join(pieces)
    lines = wrap(text, MEASURE, width)
    assert breaks_ok(lines), lines
    for line in lines[1:]:
        assert line[0] not in NO_LINE_START
    for line in lines[:-1]:
        assert line[-1] not in NO_LINE_END
    # Nothing is lost or invented: only spaces at breaks differ.
    assert "".join(lines).replace(" ", "") == " ".join(text.split()).replace(" ", "")


@settings(max_examples=60, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=30), st.integers(min_value=30, max_value=200))
def test_numbers_and_latin_words_are_never_split(pieces: list[str], width: int) -> None:
    text = "".join(pieces)
    lines = wrap(text, MEASURE, width)
    for token in ("99.9", "iPhone", "500ml", "3-in-1"):
        if token in text.replace(" ", ""):
            assert any(token in line for line in lines) or token not in " ".join(text.split()), (token, lines)


def test_kinsoku_examples() -> None:
    narrow = MEASURE("夏日清爽") + 1
    lines = wrap("夏日清爽水润，好物（限量）推荐。", MEASURE, narrow, balance=False)
    assert all(not line.startswith(("，", "。", "）")) for line in lines)
    assert all(not line.endswith("（") for line in lines[:-1])
    assert atoms("仅需¥99.9元！") == ["仅", "需", "¥99.9元！"]  # a price keeps its unit (元) on its line
    assert "99.9" in "".join(wrap("价格99.9元", MEASURE, MEASURE("价格9")))


def test_balanced_headline_has_no_lone_last_character() -> None:
    text = "夏日清爽水润一整天"
    lines = wrap(text, MEASURE, MEASURE("夏日清爽水润一整") + 1)
    assert len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 1
