"""Text measured in em units, once per font face: the cheap half of typesetting.

Pillow's `getlength` costs ~80 µs a call whatever the string (it shapes with
raqm), and a fresh font size costs ~0.7 ms to open. Planning a poster tries
hundreds of (text, size, width) combinations, so it measures in em units
instead: each character's advance is read once at a large reference size and
scaled. FreeType's advances here are unhinted, so they scale linearly; the
ascent and descent Pillow reports are the ceilings of the scaled em values.
The sum of advances ignores kerning, which tightens Latin pairs, so it errs a
little wide; the padding round every sticker absorbs the rare positive pair.
"""

from __future__ import annotations

import math
from functools import lru_cache

from studio.text.fonts import load_font

REF_PX = 1000  # advances read at this size are exact to 1/1000 em


class Face:
    """One font file at one weight, measured in em units (1 em = the font size in pixels)."""

    def __init__(self, font_path: str, weight: int) -> None:
        self.font_path = font_path
        self.weight = weight
        ref = load_font(font_path, REF_PX, weight)
        self._ref = ref
        ascent, descent = ref.getmetrics()
        self.ascent_em = ascent / REF_PX
        self.descent_em = descent / REF_PX
        self._advance: dict[str, float] = {}
        self._widths: dict[str, float] = {}

    def char_em(self, ch: str) -> float:
        adv = self._advance.get(ch)
        if adv is None:
            adv = self._ref.getlength(ch) / REF_PX
            self._advance[ch] = adv
        return adv

    def em(self, text: str) -> float:
        """Width of `text` in em (sum of character advances, cached per string)."""
        w = self._widths.get(text)
        if w is None:
            w = sum(self.char_em(ch) for ch in text)
            if len(self._widths) < 50_000:
                self._widths[text] = w
        return w

    def width(self, text: str, size: int) -> float:
        return self.em(text) * size

    def ascent(self, size: int) -> int:
        return math.ceil(self.ascent_em * size - 1e-9)

    def descent(self, size: int) -> int:
        return math.ceil(self.descent_em * size - 1e-9)

    def metrics(self, size: int) -> tuple[int, int]:
        """(ascent, descent) in pixels, as Pillow's `getmetrics()` reports them at `size`."""
        return self.ascent(size), self.descent(size)


@lru_cache(maxsize=64)
def face(font_path: str, weight: int) -> Face:
    return Face(font_path, weight)
