"""Chinese word segmentation for line breaking: jieba, with the studio's product terms.

Lines may break only between words (`316不锈钢 / 保温杯`, never `316不锈 / 钢保温杯`).
jieba's own dictionary is extended by presets/segment/*.txt (product terms, numbers with
units such as 316不锈钢 or 500ml; one `word [freq] [tag]` a line). The tokenizer is built on
first use (about a second), never at import. Without jieba installed, runs of Chinese fall
back to one character per piece: the old behaviour, still honouring 禁则.
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache
from pathlib import Path

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
# One CJK character that counts things: a number before it belongs to it (3件, 500毫升, 2瓶装).
UNIT_START = frozenset("元件个只瓶包盒支片袋罐套双条张克斤升毫米厘码寸天年月日时分秒倍度号层色款")
_LOCK = threading.Lock()
_DICT_DIR = Path(__file__).resolve().parents[2] / "presets" / "segment"


@lru_cache(maxsize=1)
def _user_words() -> frozenset[str]:
    words: set[str] = set()
    for path in sorted(_DICT_DIR.glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                words.add(line.split()[0])
    return frozenset(words)


@lru_cache(maxsize=1)
def _tokenizer():
    """jieba's tokenizer with the product terms added, or None without jieba."""
    try:
        import jieba
    except ImportError:
        return None
    with _LOCK:
        jieba.setLogLevel(logging.WARNING)
        tokenizer = jieba.Tokenizer()
        for path in sorted(_DICT_DIR.glob("*.txt")):
            tokenizer.load_userdict(str(path))
        return tokenizer


def user_words() -> frozenset[str]:
    """The studio's own dictionary (what the line breaker must never split)."""
    return _user_words()


@lru_cache(maxsize=4096)
def segment_han(run: str) -> tuple[str, ...]:
    """A run of Chinese characters cut into words (characters without jieba)."""
    tokenizer = _tokenizer()
    if tokenizer is None:
        return tuple(run)
    return tuple(w for w in tokenizer.cut(run, HMM=True) if w)


def words(tokens: list[str]) -> list[str]:
    """Character-level tokens (one CJK character, one Latin word, one mark each) merged into words.

    Runs of Chinese characters are segmented; a Latin word or number then joins the Chinese word
    after it when together they are a dictionary term (316不锈钢) or it is a count with its unit (3件).
    """
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if len(tok) == 1 and _HAN.fullmatch(tok):
            j = i
            while j < len(tokens) and len(tokens[j]) == 1 and _HAN.fullmatch(tokens[j]):
                j += 1
            out.extend(segment_han("".join(tokens[i:j])))
            i = j
        else:
            out.append(tok)
            i += 1
    return _glue_terms(out)


def _glue_terms(pieces: list[str]) -> list[str]:
    dictionary = _user_words()
    glued: list[str] = []
    for piece in pieces:
        if glued and _HAN.match(piece) and glued[-1][-1:].isalnum() and not _HAN.match(glued[-1][-1:]):
            latin = glued[-1]
            joined = latin + piece
            if joined in dictionary or (latin[-1].isdigit() and piece[0] in UNIT_START):
                glued[-1] = joined
                continue
            # A term across the seam (1.5L + 304不锈钢, 316 + 不锈钢保温杯): the longest one wins.
            spans = [(len(w), k, w) for w in dictionary if (k := joined.find(w)) >= 0 and k < len(latin) < k + len(w)]
            if spans:
                _, k, w = max(spans)
                glued[-1:] = [part for part in (joined[:k], w, joined[k + len(w) :]) if part]
                continue
        glued.append(piece)
    return glued
