"""CSV cells a seller can open in Excel, WPS or LibreOffice Calc safely and without surprises.

Two spreadsheet habits bite sellers:
- a cell starting with = + - @ (or a tab / carriage return, which some apps skip before
  looking) is run as a formula: `=HYPERLINK(...)` in a headline becomes a live link
  (CSV injection, OWASP). Such text cells get a leading apostrophe, the spreadsheet
  convention for "this is text", so nothing runs and the words stay readable.
- a code that looks like a number (`000123`, `20240102`, `1E5`) is turned into one and
  loses its zeros. Those cells are written as `="000123"`: a constant text formula that
  Excel, WPS and Calc all show as the exact code. It is the only formula we ever write,
  and it is built here from an escaped string, never from the seller's text verbatim.
`plain_cell` turns both back into the seller's text for our own readers.
"""

from __future__ import annotations

import re
from typing import Any

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What Calc/Excel would read as a number, date or time: digits first, then digits and separators.
_NUMBER_LIKE = re.compile(r"^[0-9][0-9.,:/\-eE%]*$")
_TEXT_FORMULA = re.compile(r'^="((?:[^"]|"")*)"$')


def safe_cell(value: Any) -> Any:
    """A text cell that cannot run as a formula; numbers and None pass through."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_START):
        return value
    return "'" + value


def text_cell(value: Any) -> Any:
    """A code (SKU) kept as text: number-like ones wrapped as ="…", others made formula-safe."""
    text = str(value)
    if _NUMBER_LIKE.match(text):
        return '="' + text.replace('"', '""') + '"'
    return safe_cell(text)


def plain_cell(value: str) -> str:
    """The seller's text back from a cell written by safe_cell / text_cell."""
    match = _TEXT_FORMULA.match(value)
    if match:
        return match.group(1).replace('""', '"')
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value
