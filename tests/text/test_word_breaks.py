"""Chinese lines break between words (jieba + the studio's product terms), never inside one."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.text.linebreak import breaks_ok, wrap
from studio.text.segment import user_words

pytest.importorskip("jieba")

TERMS = sorted(w for w in user_words() if len(w) >= 2)
CHAR = 10.0


def measure(s: str) -> float:
    """Full-width characters 10 px, ASCII 5 px: close enough to a CJK font for breaking."""
    return sum(CHAR / 2 if c.isascii() else CHAR for c in s)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TERMS), min_size=2, max_size=5), st.integers(3, 12), st.booleans(), st.booleans())
def test_lines_never_split_a_dictionary_word(terms: list[str], width_chars: int, balance: bool, spaced: bool) -> None:
    joiner = " " if spaced else ""
    text = joiner.join(terms)
    max_width = width_chars * CHAR
    lines = wrap(text, measure, max_width, balance=balance)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost or reordered
    assert breaks_ok(lines)
    ends = list(itertools.accumulate(len(t) for t in terms))
    starts = [0, *ends[:-1]]
    cuts = list(itertools.accumulate(len(line.replace(" ", "")) for line in lines))[:-1]
    for cut in cuts:
        inside = [t for t, s, e in zip(terms, starts, ends) if s < cut < e]
        # Only a word wider than the whole line may be broken (by characters).
        assert not inside or measure(inside[0]) > max_width, (text, lines, inside)


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("316不锈钢保温杯", 7, ["316不锈钢", "保温杯"]),
        ("加厚杯壁保温", 4, ["加厚杯壁", "保温"]),
        ("500ml大容量", 5, ["500ml", "大容量"]),
    ],
)
def test_the_issue_examples_break_between_words(text: str, width: int, expected: list[str]) -> None:
    assert wrap(text, measure, width * CHAR, balance=False) == expected


def test_a_word_longer_than_the_line_falls_back_to_characters() -> None:
    lines = wrap("清爽不黏腻", measure, 3 * CHAR, balance=False)
    assert lines == ["清爽不", "黏腻"] and breaks_ok(lines)
