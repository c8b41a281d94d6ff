"""Em metrics stand in for Pillow's measuring while planning: they must agree with it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studio.text.fonts import bundled_font_path, load_font
from studio.text.metrics import face

FONT = str(bundled_font_path())
TEXT = st.lists(
    st.sampled_from(list("夏日清爽水润好物，。！（）") + ["99.9", " ", "iPhone", "Fresh", "AV", "Ty", "¥", "500ml"]),
    min_size=1,
    max_size=12,
).map("".join)


@settings(max_examples=60, deadline=None)
@given(TEXT, st.integers(10, 160), st.sampled_from([400, 700, 900]))
def test_em_width_errs_wide_by_at_most_a_little(text: str, size: int, weight: int) -> None:
    real = load_font(FONT, size, weight).getlength(text)
    est = face(FONT, weight).width(text, size)
    assert est >= real - 1.0  # never narrower than what is drawn (kerning only tightens)
    assert est <= real * 1.06 + 0.12 * size + 1  # and not wastefully wide (Latin kerning pairs only)


def test_ascent_and_descent_match_pillow_at_every_size() -> None:
    for weight in (400, 900):
        f = face(FONT, weight)
        for size in range(8, 200, 7):
            assert f.metrics(size) == load_font(FONT, size, weight).getmetrics(), size
