"""ZeroGPU runs each @spaces.GPU call in a forked worker and pickles its arguments and its result
through `spaces`' own queue. Whatever crosses must be plain data: no lock, cache or model.

The `spaces` package (a test dependency) supplies the real queue and result types; only the
scheduling part (a Hugging Face server) is left out. The scene model is replaced by a stub that
paints flat scenes, so the GPU task runs in milliseconds but through the real pickling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.layers import Scene
from studio.settings import Settings
from tests.conftest import make_bottle_cutout

spaces_utils = pytest.importorskip("spaces.utils", reason="the `spaces` package (requirements-test.txt)")
spaces_types = pytest.importorskip("spaces.zero.types")


class ZeroGpuPickling:
    """Stands in for the `spaces` module: GPU(duration)(fn) pickles through spaces' SimpleQueue both ways."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def GPU(self, duration: Any = 60):  # noqa: N802 - the spaces API's name
        def decorate(fn):
            def gpu_call(*args, **kwargs):
                seconds = duration(*args, **kwargs) if callable(duration) else duration
                self.calls.append((fn.__name__, int(seconds)))
                # raises PicklingError for a lock, as on a Space
                (args2, kwargs2), _context = through_queue(((args, kwargs), None))
                return through_queue(spaces_types.OkResult(fn(*args2, **kwargs2))).value

            return gpu_call

        return decorate


def through_queue(value: Any) -> Any:
    """Put `value` into a spaces SimpleQueue (a pipe) while another thread reads it, as the worker does."""
    queue = spaces_utils.SimpleQueue()
    with ThreadPoolExecutor(1) as reader:
        received = reader.submit(queue.get)
        try:
            queue.put(value)
        except BaseException:
            queue.put(None)  # unblock the reader
            raise
        return received.result(timeout=60)


def flat_scenes(models, placed, size, scene, preset, styles, seeds, *, progress=None, cancel=None) -> list[Scene]:
    # one flat colour per seed, far enough apart that the A/B look-alike check accepts the variants
    return [
        Scene(
            background=Image.new("RGB", tuple(size), (40 + 67 * s % 200, 90 + 29 * s % 100, 120)),
            shadow=None,
            seed=s,
            kind="generated",
        )
        for s in seeds
    ]


@pytest.fixture
def zero_gpu(monkeypatch):
    from studio.models import zerogpu

    shim = ZeroGpuPickling()
    monkeypatch.setattr(zerogpu, "_spaces_module", lambda: shim)
    monkeypatch.setattr("studio.scene.generate.generate_scenes", flat_scenes)
    yield shim
    monkeypatch.undo()
    if hasattr(zerogpu, "wrap_gpu_tasks"):
        zerogpu.wrap_gpu_tasks()  # back to the plain functions for the other tests


def _handler(app, name):
    return next(fn.fn for fn in app.fns.values() if fn.api_name == name)


def _no_progress(*_a, **_k) -> None:
    return None


def test_every_gpu_call_of_the_ui_pickles_both_ways(zero_gpu, tmp_path: Path) -> None:
    from studio.ui.app import create_app
    from studio.ui.session import StudioSession

    app = create_app(Settings(profile="tiny", cache_dir=tmp_path / "cache", lora_dir=tmp_path / "loras"))
    session = StudioSession()
    session.cutout = make_bottle_cutout()

    out = _handler(app, "compose_scene")(
        "marble_counter",
        "generated",
        "",
        5,
        2,
        0.5,
        0,
        0,
        0,
        True,
        False,
        "",
        4,
        6.0,
        0.8,
        0.0,
        1.0,
        "taobao_main",
        session,
        "en",
        None,
        _no_progress,
    )
    session = out[3]
    out = _handler(app, "render_copy")(
        "新品上市", "", "", "99", "", "", "", "auto", "noto_sans_sc", "taobao_3x4", None, session, "en"
    )
    session = out[2]
    out = _handler(app, "export_posters")(
        ["taobao_main", "douyin_9x16"],
        2,
        "seed",
        "",
        "cup",
        "auto",
        True,
        [],
        [],
        "",
        [],
        "scene",
        "copy",
        False,
        "",
        session,
        "en",
        None,
        _no_progress,
    )
    assert out[1].endswith(".zip")
    names = {name for name, _ in zero_gpu.calls}
    assert names == {"generate_scene_batch"}, "only the plain-data GPU task goes to the GPU worker"
    assert len(zero_gpu.calls) >= 3  # compose, the 3:4 preview, the 9:16 export aspect
    from studio.models.zerogpu import MAX_S, MIN_S

    assert all(MIN_S <= seconds <= MAX_S for _, seconds in zero_gpu.calls)


def test_an_sdxl_export_of_4_variants_on_6_platforms_fits_the_gpu_calls(zero_gpu, tmp_path: Path) -> None:
    """Each GPU call asks for what it needs, and no call needs more than ZeroGPU's cap (the work is split)."""
    from studio.export.variants import make_variants
    from studio.models import ModelManager, zerogpu
    from studio.pipeline import SceneCache, generate_backdrops
    from studio.presets import get_platform
    from studio.recipe import Recipe

    zerogpu.wrap_gpu_tasks()
    models = ModelManager(Settings(profile="sdxl", cache_dir=tmp_path / "cache", lora_dir=tmp_path / "loras"))
    base = Recipe.from_dict({"scene": {"backdrop": "generated", "steps": 50}})
    variants = make_variants(base, "seed", 4)
    platforms = ["taobao_main", "taobao_3x4", "jd_main", "douyin_9x16", "xiaohongshu_3x4", "amazon_main"]
    cache = SceneCache()
    for pid in platforms:
        generate_backdrops(models, make_bottle_cutout(), variants, get_platform(pid), cache)
    assert zero_gpu.calls, "the scenes went through GPU calls"
    seeds_made = len(cache.scenes)
    assert seeds_made >= 4 * 3  # 1:1, 3:4 and 9:16 aspects at least (white slots need none)
    for _name, seconds in zero_gpu.calls:
        assert seconds <= zerogpu.MAX_S
    # What each call really needs (uncapped) also fits: nothing is cut short at the cap.
    per_call = zerogpu.images_per_call(50, "sdxl")
    assert zerogpu.raw_seconds(50, per_call, "sdxl") <= zerogpu.MAX_S
    assert per_call < 4, "a 50-step SDXL set of 4 is split into calls that each fit"
