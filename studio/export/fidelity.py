"""How much a written file changed the product's pixels (PSNR over the product box), and a memo of it."""

from __future__ import annotations

import hashlib
import io
import math

import numpy as np
from PIL import Image

from studio.bounded_cache import BoundedCache
from studio.recipe import Box


def box_psnr(reference: Image.Image, candidate: Image.Image, box: Box) -> float:
    """PSNR in dB of `candidate` vs `reference` inside `box` (RGB, 8-bit). inf when identical."""
    x0, y0, x1, y1 = (int(v) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(x1, reference.width, candidate.width), min(y1, reference.height, candidate.height)
    if x1 <= x0 or y1 <= y0:
        return math.inf
    # crop first: only the product's pixels are converted
    a = np.asarray(reference.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float32)
    b = np.asarray(candidate.crop((x0, y0, x1, y1)).convert("RGB"), dtype=np.float32)
    mse = float(np.mean(np.square(a - b), dtype=np.float64))
    return math.inf if mse == 0 else 10.0 * math.log10(255.0**2 / mse)


JPEG_BLOCK = 8


def block_aligned(box: Box, size: tuple[int, int]) -> Box:
    """`box` grown outwards to whole 8×8 JPEG blocks, clipped to the image."""
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = size
    b = JPEG_BLOCK
    return (max(0, x0) // b * b, max(0, y0) // b * b, min(w, -(-x1 // b) * b), min(h, -(-y1 // b) * b))


class PsnrMemo:
    """Product PSNRs of JPEG files already decoded, so a copy edit does not decode every file again.

    Why a memo is exact: a baseline JPEG without chroma subsampling (how studio files are
    written) codes each 8×8 block on its own — neighbours share only the DC difference, which is
    lossless — so the decoded pixels of the blocks under the product depend only on those blocks'
    source pixels and the quality. The key is a digest of exactly those pixels.
    (tests/export/test_psnr_memo.py checks the block claim against real encodes.)
    """

    def __init__(self, capacity: int = 512) -> None:
        self._known = BoundedCache(capacity)

    @staticmethod
    def digest(image: Image.Image, box: Box) -> bytes:
        """What decides the box's decoded pixels, apart from the quality."""
        aligned = block_aligned(box, image.size)
        crop = image.crop(aligned)
        inner = tuple(int(v) - aligned[i % 2] for i, v in enumerate(box))
        h = hashlib.blake2b(digest_size=16)
        h.update(repr((crop.mode, crop.size, inner)).encode())
        h.update(crop.tobytes())
        return h.digest()

    def __len__(self) -> int:
        return len(self._known)

    def known(self, digest: bytes, quality: int) -> float | None:
        return self._known.get((digest, quality))

    def measure(self, digest: bytes, quality: int, jpeg: bytes, image: Image.Image, box: Box) -> float:
        """The PSNR of this JPEG (at `quality`) over `box` against `image`; decoded once per key."""
        value = self.known(digest, quality)
        if value is None:
            with Image.open(io.BytesIO(jpeg)) as written:
                value = box_psnr(image, written, box)
            self._known.put((digest, quality), value)
        return value
