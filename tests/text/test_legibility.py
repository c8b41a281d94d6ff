"""Posters over busy photos and noise, read back with OCR: the headline must read exactly."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest
from PIL import Image

from studio.recipe import CopyText
from studio.text import layout_copy
from tests.text.helpers import SIZES, background, with_product


@lru_cache(maxsize=1)
def _ocr():
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    return rapidocr.RapidOCR()


def _read(img: Image.Image, box) -> str:
    pad = 12
    crop = img.crop(
        (max(0, box[0] - pad), max(0, box[1] - pad), min(img.width, box[2] + pad), min(img.height, box[3] + pad))
    )
    result, _ = _ocr()(np.asarray(crop))
    return "".join(text for _box, text, _score in (result or []))


def _norm(text: str) -> str:
    return "".join(text.split()).lower()


CASES = [
    ("astronaut", "1:1", "夏日清爽水润"),
    ("coffee", "3:4", "醇香咖啡"),
    ("chelsea", "9:16", "Summer Sale"),
    ("noise", "1:1", "新品上市"),
    ("noise", "9:16", "Fresh Coffee"),
]


@pytest.mark.parametrize(("bg_kind", "ratio", "headline"), CASES)
def test_headline_reads_back_exactly(bg_kind: str, ratio: str, headline: str, artifacts_dir) -> None:
    img, box = with_product(background(bg_kind, SIZES[ratio], seed=5), 0.5, 0.92, 0.5)
    copy = CopyText(headline=headline, subline="温和配方 清爽不黏腻", price="99.9", cta="立即购买")
    result = layout_copy(copy, img, box)
    final = result.composite(img)
    final.save(artifacts_dir / f"{bg_kind}_{ratio.replace(':', 'x')}.png")
    read = _read(final, result.boxes["headline"])
    assert _norm(read) == _norm(headline), read
