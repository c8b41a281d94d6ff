"""The PSNR memo is exact: a box's decoded JPEG pixels depend only on the 8×8 blocks under it."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from studio.export.fidelity import PsnrMemo, block_aligned, box_psnr


def _decoded(image: Image.Image, quality: int) -> np.ndarray:
    """As studio files are written: baseline, no chroma subsampling."""
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling=0)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def _photo_like(rng: np.random.Generator, w: int, h: int) -> Image.Image:
    coarse = rng.integers(0, 256, (max(1, h // 9), max(1, w // 9), 3), dtype=np.uint8)
    smooth = Image.fromarray(coarse).resize((w, h), Image.Resampling.BICUBIC)
    grain = rng.normal(0, 6, (h, w, 3))
    return Image.fromarray(np.clip(np.asarray(smooth) + grain, 0, 255).astype(np.uint8))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    w=st.integers(9, 300),
    h=st.integers(9, 300),
    quality=st.integers(60, 100),
    corners=st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)),
)
def test_the_blocks_under_a_box_decode_alike_alone_or_in_the_whole_file(seed, w, h, quality, corners):
    rng = np.random.default_rng(seed)
    image = _photo_like(rng, w, h)
    xa, xb = sorted((int(corners[0] * w), int(corners[2] * w)))
    ya, yb = sorted((int(corners[1] * h), int(corners[3] * h)))
    box = (xa, ya, max(xa + 1, xb), max(ya + 1, yb))
    x0, y0, x1, y1 = block_aligned(box, image.size)
    assert (
        x0 % 8 == 0 and y0 % 8 == 0 and x0 <= box[0] and y0 <= box[1] and x1 >= min(box[2], w) and y1 >= min(box[3], h)
    )
    whole = _decoded(image, quality)[y0:y1, x0:x1]
    alone = _decoded(image.crop((x0, y0, x1, y1)), quality)
    assert np.array_equal(whole, alone)


def test_the_digest_sees_the_blocks_under_the_box_and_nothing_else():
    rng = np.random.default_rng(3)
    image = _photo_like(rng, 200, 160)
    box = (50, 40, 130, 120)  # blocks 48..136 × 40..120
    digest = PsnrMemo.digest(image, box)
    outside = image.copy()
    outside.putpixel((10, 10), (1, 2, 3))
    outside.putpixel((140, 60), (1, 2, 3))
    assert PsnrMemo.digest(outside, box) == digest
    in_block = image.copy()
    in_block.putpixel((49, 41), (255 - image.getpixel((49, 41))[0], 0, 0))  # outside the box, inside its block
    assert PsnrMemo.digest(in_block, box) != digest
    assert PsnrMemo.digest(image, (51, 40, 130, 120)) != digest  # another box compares other pixels


@pytest.mark.parametrize("quality", [80, 95])
def test_a_remembered_psnr_is_the_decoded_one(quality):
    rng = np.random.default_rng(quality)
    image = _photo_like(rng, 240, 180)
    box = (30, 20, 200, 170)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=quality, subsampling=0)
    expected = box_psnr(image, Image.open(io.BytesIO(buf.getvalue())), box)
    memo = PsnrMemo()
    digest = memo.digest(image, box)
    assert memo.known(digest, quality) is None
    assert memo.measure(digest, quality, buf.getvalue(), image, box) == pytest.approx(expected)
    assert memo.known(digest, quality) == pytest.approx(expected)
    assert memo.measure(digest, quality, b"not even a jpeg", image, box) == pytest.approx(expected)  # not decoded again
