"""A model download in one session never delays a cut-out in another (one lock per model key)."""

from __future__ import annotations

import threading
import time

import numpy as np
from PIL import Image

from studio.models.manager import ModelManager
from studio.settings import Settings


def test_a_download_does_not_delay_a_cut_out_in_another_session() -> None:
    from studio.cutout.remove import product_mask
    from studio.recipe import CutoutSettings
    from tests.cutout.conftest import DiskSession

    models = ModelManager(Settings(profile="none", device="cpu", open_browser=False))
    downloading, release = threading.Event(), threading.Event()

    def slow_download() -> str:
        downloading.set()
        release.wait(30)  # a multi-GB download, held until the test lets go
        return "scene pipeline"

    scene = threading.Thread(target=lambda: models.get("scene:sd15:x", slow_download), daemon=True)
    scene.start()
    assert downloading.wait(5)
    try:
        started = time.perf_counter()
        photo = Image.new("RGB", (120, 90), (240, 240, 240))
        with_session = models.get("rembg:u2netp", DiskSession)
        mask = product_mask(photo, CutoutSettings(), models)
        waited = time.perf_counter() - started
        assert with_session is models.peek("rembg:u2netp")
        assert np.asarray(mask).any() and waited < 5.0  # it did not wait for the download
        assert scene.is_alive() and models.peek("scene:sd15:x") is None
    finally:
        release.set()
        scene.join(10)
    assert models.peek("scene:sd15:x") == "scene pipeline"


def test_two_callers_of_one_key_load_it_once_and_a_failure_caches_nothing() -> None:
    models = ModelManager(Settings(profile="none", device="cpu", open_browser=False))
    calls: list[int] = []
    gate = threading.Event()

    def load() -> object:
        calls.append(1)
        gate.wait(5)
        return object()

    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(models.get("k", load))) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    gate.set()
    for t in threads:
        t.join(5)
    assert len(calls) == 1 and len({id(r) for r in results}) == 1

    def broken() -> object:
        raise OSError("partial download")

    try:
        models.get("bad", broken)
    except OSError:
        pass
    assert models.peek("bad") is None and models.get("bad", lambda: 7) == 7
