"""Images go back to Gradio as whole files: the same picture for two sessions is one file, written once."""

from __future__ import annotations

import os
import threading
import time

from PIL import Image

from studio.ui import image_files
from studio.ui.image_files import image_file, images_as_files, prune


def test_transparent_images_stay_lossless_png_and_opaque_ones_become_webp():
    rgba = Image.new("RGBA", (64, 48), (10, 200, 30, 0))
    rgba.putpixel((5, 5), (255, 0, 0, 128))
    path = image_file(rgba)
    assert path.endswith(".png")
    with Image.open(path) as back:
        assert back.mode == "RGBA" and back.getpixel((5, 5)) == (255, 0, 0, 128)
    opaque = image_file(Image.new("RGB", (64, 48), (200, 100, 50)))
    assert opaque.endswith(".webp")
    with Image.open(opaque) as back:
        assert back.size == (64, 48)
        assert max(abs(a - b) for a, b in zip(back.convert("RGB").getpixel((10, 10)), (200, 100, 50))) <= 4


def test_same_picture_is_one_file_written_once_and_different_pictures_differ():
    img = Image.new("RGB", (32, 32), (1, 2, 3))
    first = image_file(img)
    inode = os.stat(first).st_ino
    second = image_file(img.copy())
    assert first == second and os.stat(second).st_ino == inode  # not rewritten (same inode)
    assert image_file(Image.new("RGB", (32, 32), (1, 2, 4))) != first


def test_concurrent_writers_of_one_picture_never_expose_a_partial_file():
    img = Image.effect_noise((256, 256), 60).convert("RGB")
    path = image_file(img)
    os.unlink(path)  # start from nothing, so the threads race to create it
    sizes: list[int] = []

    def writer():
        for _ in range(5):
            p = image_file(img)
            sizes.append(os.path.getsize(p))

    threads = [threading.Thread(target=writer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(sizes)) == 1 and sizes[0] > 1000  # every reader saw the whole file


def test_nested_results_are_converted_and_other_values_left_alone():
    img = Image.new("RGBA", (8, 8))
    marker = object()
    out = images_as_files((img, "text", [(img, "caption")], {"background": img, "layers": []}, marker, 3))
    assert isinstance(out[0], str) and out[1] == "text"
    assert isinstance(out[2][0][0], str) and out[2][0][1] == "caption"
    assert isinstance(out[3]["background"], str) and out[3]["layers"] == []
    assert out[4] is marker and out[5] == 3


def test_prune_drops_only_old_views(tmp_path):
    old, new = tmp_path / "old.png", tmp_path / "new.png"
    old.write_bytes(b"x")
    new.write_bytes(b"y")
    past = time.time() - image_files.MAX_AGE_S - 60
    os.utime(old, (past, past))
    assert prune(tmp_path) == 1
    assert not old.exists() and new.exists()
