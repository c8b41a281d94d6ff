"""load_image decodes only what a poster can use: no IFD walk, huge photos at working size."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from studio.imageio import WORKING_MAX_SIDE, load_image


def _encode(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def test_a_long_tiff_page_chain_is_not_walked():
    pages = [Image.new("RGB", (8, 8), (i % 250, 40, 90)) for i in range(400)]
    data = _encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    loaded = load_image(data)
    assert loaded.frames == 2  # "more than one", found by looking one page ahead, not by counting 400
    assert loaded.image.getpixel((0, 0)) == (0, 40, 90)  # the first page is the photo


def test_a_camera_jpeg_over_twice_the_working_side_is_decoded_scaled():
    gradient = np.tile(np.linspace(0, 255, 9000, dtype=np.uint8), (600, 1))
    photo = Image.fromarray(np.dstack([gradient, gradient[:, ::-1], gradient // 2]))
    loaded = load_image(_encode(photo, "JPEG", quality=90))
    assert max(loaded.image.size) == WORKING_MAX_SIDE
    assert loaded.original_size == (9000, 600)
    assert abs(loaded.image.width / loaded.image.height - 15.0) < 0.05  # aspect kept


def test_photos_within_the_working_side_keep_every_pixel():
    photo = Image.fromarray(np.random.default_rng(1).integers(0, 255, (300, 500, 3), dtype=np.uint8))
    loaded = load_image(_encode(photo, "PNG"))
    assert loaded.original_size is None
    assert np.array_equal(np.asarray(loaded.image), np.asarray(photo))


def test_an_in_memory_image_is_held_to_the_working_side_too():
    loaded = load_image(Image.new("RGB", (5000, 1000), "white"), max_side=1000)
    assert loaded.image.size == (1000, 200) and loaded.original_size == (5000, 1000)
