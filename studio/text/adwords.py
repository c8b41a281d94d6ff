"""The advertising-law check: flag 极限词 (最佳, 第一, 国家级, 100% …) with a suggested replacement.

It only warns; it never edits copy. Words come from presets/ad_words.json (data
a seller can extend). Ordinary words that contain a flagged one (最近, 第一次)
are on an allow-list and left alone, unless a longer flagged phrase (最后一波)
covers them. Latin words match whole words only ("best" but not "bestow").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from studio.recipe import CopyText
from studio.settings import REPO_ROOT

AD_WORDS_FILE = REPO_ROOT / "presets" / "ad_words.json"


@dataclass(frozen=True)
class AdWordFlag:
    word: str  # as written in the copy
    start: int
    end: int  # exclusive
    kind: str
    suggestion: str
    message: str
    layer: str = ""  # which copy layer (check_copy), empty for check_ad_words


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[list[tuple[str, str, str]], list[str], dict[str, str]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    words = [(w["word"], w["kind"], w.get("suggestion", "")) for w in data["words"]]
    return words, list(data.get("allow", [])), dict(data.get("kinds", {}))


def _pattern(word: str) -> re.Pattern[str]:
    body = re.escape(word)
    if word[:1].isascii() and word[:1].isalnum():
        body = r"(?<![A-Za-z0-9])" + body
    if word[-1:].isascii() and word[-1:].isalnum():
        body += r"(?![A-Za-z0-9])"
    return re.compile(body, re.IGNORECASE)


def check_ad_words(text: str, *, words_file: Path | None = None) -> list[AdWordFlag]:
    """Every 极限词 in `text`, longest match first, in reading order."""
    words, allow, kinds = _load(str(words_file or AD_WORDS_FILE))
    allowed = [(m.start(), m.end()) for a in allow for m in re.finditer(re.escape(a), text)]
    taken: list[tuple[int, int]] = []
    flags: list[AdWordFlag] = []
    for word, kind, suggestion in sorted(words, key=lambda w: len(w[0]), reverse=True):
        for m in _pattern(word).finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue  # inside a longer flagged phrase already reported
            if any(a0 <= s and e <= a1 and (a1 - a0) > (e - s) for a0, a1 in allowed):
                continue  # part of an ordinary word such as 最近
            taken.append((s, e))
            what = kinds.get(kind, "a word marketplaces reject")
            message = f"“{m.group()}” is {what}; try “{suggestion}”." if suggestion else f"“{m.group()}” is {what}."
            flags.append(AdWordFlag(m.group(), s, e, kind, suggestion, message))
    return sorted(flags, key=lambda f: f.start)


def check_copy(copy: CopyText, *, words_file: Path | None = None) -> list[AdWordFlag]:
    """The check over every layer of the copy; each flag names its layer."""
    layers = {
        "headline": copy.headline,
        "subline": copy.subline,
        "badge": copy.badge,
        "cta": copy.cta,
        "price": copy.price,
    }
    for i, point in enumerate(copy.selling_points, start=1):
        layers[f"point_{i}"] = point
    flags: list[AdWordFlag] = []
    for layer, text in layers.items():
        for f in check_ad_words(text, words_file=words_file):
            flags.append(AdWordFlag(f.word, f.start, f.end, f.kind, f.suggestion, f"{layer}: {f.message}", layer))
    return flags
