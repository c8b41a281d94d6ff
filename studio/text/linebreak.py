"""Line breaking for mixed Chinese / Latin / digit copy, with 禁则 (kinsoku) rules.

Copy is cut into unbreakable atoms: one Chinese word (jieba, with the studio's
product terms: `316不锈钢`, `保温杯`), one Latin word or number (`99.9`, `500ml`,
`iPhone`), with closing punctuation glued to the atom before it and opening
brackets / currency signs glued to the atom after it. Lines then break only
between atoms, so no line starts with ，。、！？… and none ends with （【「『.
A word wider than the line is broken between its characters (still by 禁则).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from studio.text.segment import words

# May not start a line (closing marks, pause marks, iteration / prolonged marks).
NO_LINE_START = frozenset("，。、！？；：」』）】〕》〉…‥·・—～%‰,.!?;:)]}”’ー々〻ゝゞ〜°℃")
# May not end a line (opening brackets, currency signs bound to the number after them).
NO_LINE_END = frozenset("（【「『〔《〈([{“‘¥￥$€£#")

# A Latin word or number, with inner punctuation that keeps it one token: 99.9, 1,299, 3-in-1, 24h.
_WORD = re.compile(r"[0-9A-Za-z\u00C0-\u024F](?:[0-9A-Za-z\u00C0-\u024F'’&+\-/._,:]*[0-9A-Za-z\u00C0-\u024F%])?")

Measure = Callable[[str], float]


def _raw_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(text):
        match = _WORD.match(text, i)
        if match and match.end() > i:
            tokens.append(match.group())
            i = match.end()
        else:
            tokens.append(text[i])
            i += 1
    return tokens


def atoms(text: str) -> list[str]:
    """Unbreakable pieces of `text`; spaces stay as their own atoms (break opportunities)."""
    merged: list[str] = []
    carry = ""  # opening marks waiting for the next atom
    for tok in words(_raw_tokens(text.replace("\n", " "))):
        if tok.isspace():
            if carry:
                carry += tok
                continue
            merged.append(" ")
            continue
        if tok[0] in NO_LINE_START and carry:
            carry += tok  # an opening mark then a closing one: keep them together, in order
            continue
        if tok[0] in NO_LINE_START and len(merged) >= 2 and merged[-1].isspace():
            merged.pop()
            merged[-1] += " " + tok  # "好 ，" keeps its space but not a break before the comma
            continue
        if tok[0] in NO_LINE_START and merged and not merged[-1].isspace():
            merged[-1] += tok
            continue
        if len(tok) == 1 and tok in NO_LINE_END:
            carry += tok
            continue
        merged.append(carry + tok)
        carry = ""
    if carry:
        if merged and not merged[-1].isspace():
            merged[-1] += carry
        else:
            merged.append(carry)
    return merged


def _greedy(pieces: list[str], widths: list[float], max_width: float) -> list[str]:
    """Fill lines atom by atom; a line's width is the sum of its atoms' widths (spaces included)."""
    lines: list[str] = []
    current: list[str] = []
    used = 0.0
    space = 0.0  # width of a space waiting between the line so far and the next atom
    for piece, w in zip(pieces, widths):
        if piece == " ":
            if current:
                space = w
            continue
        if current and used + space + w > max_width:
            lines.append("".join(current))
            current, used = [piece], w
        else:
            if current and space:
                current.append(" ")
                used += space
            current.append(piece)
            used += w
        space = 0.0
    if current:
        lines.append("".join(current))
    return lines


@lru_cache(maxsize=8192)
def _atoms_of(text: str) -> tuple[str, ...]:
    return tuple(atoms(text))


def wrap(text: str, measure: Measure, max_width: float, *, balance: bool = True, split_words: bool = True) -> list[str]:
    """Break `text` into lines no wider than `max_width` where possible.

    Each atom is measured once and lines are filled by summing atom widths (no
    kerning across atoms, so a line errs wide); callers check `fits` with a
    real measure where it matters. An atom wider than the line (a very long
    word) gets a line of its own and overflows; callers shrink the font until
    it fits. With `balance`, lines are evened out (no lone character on the
    last line of a headline).
    """
    text = " ".join(text.split())
    if not text:
        return []
    pieces = list(_atoms_of(text))
    if split_words:
        pieces = _split_long(pieces, measure, max_width)
    widths = [measure(p) for p in pieces]
    lines = _greedy(pieces, widths, max_width)
    if not balance or len(lines) < 2:
        return lines
    # Narrow the measure while the line count stays the same: even lines.
    lo, hi = max(w for p, w in zip(pieces, widths) if p != " "), max_width
    best = lines
    for _ in range(12):
        if hi - lo < 1:
            break
        mid = (lo + hi) / 2
        trial = _greedy(pieces, widths, mid)
        if len(trial) <= len(lines):
            best, hi = trial, mid
        else:
            lo = mid
    return best


def _split_long(pieces: list[str], measure: Measure, max_width: float) -> list[str]:
    """Words wider than the line are broken into their characters, closing marks kept on the one before."""
    out: list[str] = []
    for piece in pieces:
        if piece == " " or len(piece) < 2 or measure(piece) <= max_width or piece.isascii():
            out.append(piece)  # a Latin word overflows instead: the caller shrinks the font
            continue
        chars: list[str] = []
        for ch in _raw_tokens(piece):  # characters, but a number or Latin word inside stays whole
            if chars and (ch in NO_LINE_START or chars[-1][-1] in NO_LINE_END):
                chars[-1] += ch
            else:
                chars.append(ch)
        out.extend(chars)
    return out


def fits(lines: list[str], measure: Measure, max_width: float) -> bool:
    return all(measure(line) <= max_width + 0.5 for line in lines)


def breaks_ok(lines: list[str]) -> bool:
    """True when no break put a closing mark at a line start or an opening mark at a line end.

    The copy's own first and last characters are the seller's choice, not a break.
    """
    for i, line in enumerate(lines):
        if not line:
            continue
        if i > 0 and line[0] in NO_LINE_START:
            return False
        if i < len(lines) - 1 and line[-1] in NO_LINE_END:
            return False
    return True
