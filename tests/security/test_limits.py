"""Rate limit, canvas limit, public-mode rules, the ZeroGPU shim and the guards the app puts on handlers."""

from __future__ import annotations

import os
import tempfile
import time

import pytest

from studio.errors import StudioError
from studio.limits import RateLimited, RateLimiter, check_canvas, sweep_old_outputs, user_key
from studio.settings import Settings


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_rate_limiter_counts_per_user_and_forgets_after_a_minute():
    clock = FakeClock()
    limiter = RateLimiter(2, clock=clock)
    limiter.check("user:ann")
    limiter.check("user:ann")
    with pytest.raises(RateLimited) as err:
        limiter.check("user:ann")
    assert "2 per minute" in str(err.value) and "wait" in str(err.value)
    limiter.check("user:bob")  # someone else is not slowed down by ann
    clock.now += 61
    limiter.check("user:ann")


def test_a_refused_job_does_not_count():
    clock = FakeClock()
    limiter = RateLimiter(1, clock=clock)
    limiter.check("k")
    for _ in range(5):
        with pytest.raises(RateLimited):
            limiter.check("k")
    clock.now += 60
    limiter.check("k")


def test_zero_means_no_limit():
    limiter = RateLimiter(0)
    for _ in range(100):
        limiter.check("k")


def test_user_key_prefers_the_login():
    assert user_key("ann", "abc") == "user:ann"
    assert user_key(None, "abc") == "session:abc"
    assert user_key(None, None) == "session:anonymous"


def test_public_modes_turn_uploads_off_and_limits_on(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    local = Settings()
    assert local.uploads_allowed and local.job_limit == 0 and not local.public
    shared = Settings(share=True)
    assert not shared.uploads_allowed and shared.job_limit == 10
    assert Settings(share=True, allow_uploads_on_share=True).uploads_allowed
    space = Settings(on_space=True)
    assert not space.uploads_allowed and space.public
    assert Settings(share=True, jobs_per_minute=0).job_limit == 0
    with pytest.raises(StudioError):
        Settings.from_env(jobs_per_minute=-1)


def test_space_binds_all_interfaces(monkeypatch):
    monkeypatch.setenv("SPACE_ID", "shop/poster-studio")
    settings = Settings.from_env(profile="none")
    assert settings.on_space and settings.host == "0.0.0.0" and not settings.open_browser
    assert Settings.from_env(profile="none", host="127.0.0.1").host == "127.0.0.1"  # a flag still wins


def test_canvas_limit():
    settings = Settings(max_canvas_side=2000)
    check_canvas((1080, 1920), settings)
    for size in ((2001, 10), (10, 5000), (0, 100)):
        with pytest.raises(StudioError):
            check_canvas(size, settings)


def test_every_platform_preset_fits_the_default_canvas():
    from studio.presets import all_presets

    for p in all_presets("platforms").values():
        check_canvas((int(p["width"]), int(p["height"])), Settings())


def test_sweep_removes_only_old_output_folders(tmp_path):
    old, new, other = tmp_path / "posters-old", tmp_path / "posters-new", tmp_path / "mine-old"
    for folder in (old, new, other):
        folder.mkdir()
        (folder / "a.jpg").write_bytes(b"x")
    day_ago = time.time() - 2 * 86400
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    assert sweep_old_outputs(86400, root=tmp_path) == 1
    assert not old.exists() and new.exists() and other.exists()


def test_listing_and_catalogue_downloads_are_swept_like_posters(tmp_path):
    """The Listing tab's sets and pages and the Batch tab's catalogues used to live in folders no sweep or quota knew."""
    folders = [tmp_path / name for name in ("listing-set-a", "listing-page-b", "catalogue-c")]
    day_ago = time.time() - 2 * 86400
    for folder in folders:
        folder.mkdir()
        (folder / "a.zip").write_bytes(b"x")
        os.utime(folder, (day_ago, day_ago))
    assert sweep_old_outputs(86400, root=tmp_path) == 3


def test_output_folders_are_made_only_under_prefixes_the_sweeps_know(monkeypatch, tmp_path):
    from studio.limits import new_output_folder

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert new_output_folder("listing-set-").name.startswith("listing-set-")
    with pytest.raises(ValueError, match="output prefixes"):
        new_output_folder("mine-")


# --- ZeroGPU shim -------------------------------------------------------------------------


def test_gpu_function_is_the_handler_itself_off_a_space(monkeypatch):
    from studio.models import zerogpu

    monkeypatch.delenv("SPACE_ID", raising=False)
    monkeypatch.delenv("SYSTEM", raising=False)

    def handler(x):
        return x + 1

    assert zerogpu.gpu_function(handler, 60) is handler
    assert not zerogpu.import_spaces_first()


def test_gpu_function_without_the_spaces_package_on_a_space(monkeypatch):
    from studio.models import zerogpu

    monkeypatch.setenv("SPACE_ID", "shop/poster-studio")
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    monkeypatch.setitem(__import__("sys").modules, "spaces", None)  # "not installed"

    def handler(x):
        return x * 2

    assert zerogpu.gpu_function(handler, 60) is handler
    assert not zerogpu.import_spaces_first()


def test_gpu_function_uses_spaces_gpu_when_present(monkeypatch):
    import sys
    import types

    from studio.models import zerogpu

    calls = []
    fake = types.ModuleType("spaces")

    def GPU(duration=60):  # noqa: N802 - the real API's name
        def wrap(fn):
            calls.append(duration)
            return lambda *a, **k: ("on-gpu", fn(*a, **k))

        return wrap

    fake.GPU = GPU
    monkeypatch.setitem(sys.modules, "spaces", fake)
    monkeypatch.setenv("SPACE_ID", "shop/poster-studio")
    wrapped = zerogpu.gpu_function(lambda x: x, 90)
    assert wrapped(3) == ("on-gpu", 3) and calls == [90]


def test_duration_estimate_grows_with_the_work_and_is_capped():
    from studio.models.zerogpu import MAX_S, MIN_S, duration_from_arguments, estimate_seconds

    assert MIN_S <= estimate_seconds(1, 1, 1) < estimate_seconds(25, 4, 1) <= MAX_S
    assert estimate_seconds(60, 8, 5) == MAX_S

    def compose_scene(preset_id, n, steps_value, request=None, progress=None):
        return None

    duration = duration_from_arguments(compose_scene)
    assert duration("x", 4, 30) > duration("x", 1, 5)

    def export_posters(platform_ids, n):
        return None

    assert duration_from_arguments(export_posters)(["a", "b", "c"], 2) >= duration_from_arguments(export_posters)(
        ["a"], 1
    )


# --- the guards on the built app -------------------------------------------------------


@pytest.fixture(scope="module")
def built_app():
    from studio.ui.app import create_app

    return create_app(Settings(profile="none", jobs_per_minute=2).resolved())


def test_every_model_handler_runs_in_the_single_gpu_lane(built_app):
    from studio.ui.common import GPU_ENDPOINTS

    lanes = {fn.api_name: (fn.concurrency_id, fn.concurrency_limit) for fn in built_app.fns.values() if fn.api_name}
    for name in GPU_ENDPOINTS:
        assert lanes[name] == ("gpu", 1), name
    # nothing else shares the lane with more workers
    assert all(limit == 1 for cid, limit in lanes.values() if cid == "gpu")
    guards = built_app.studio_context.extra["guards"]
    assert set(guards["rate_limited"]) >= {"remove_background", "compose_scene", "export_posters", "render_copy"}


def test_the_photo_box_hands_files_over_untouched(built_app):
    import gradio as gr

    photos = [
        b
        for b in built_app.blocks.values()
        if isinstance(b, gr.Image) and b.type == "filepath" and b.interactive is not False
    ]
    assert photos and all(p.image_mode is None for p in photos)
    assert built_app.studio_context.extra["guarded_inputs"]


def test_examples_are_on_the_cutout_tab(built_app):
    import gradio as gr

    from studio.ui.app import example_photos

    assert len(example_photos()) >= 3
    datasets = [b for b in built_app.blocks.values() if isinstance(b, gr.Dataset)]
    assert any(len(d.samples) >= 3 for d in datasets)


def test_rate_limited_handler_says_wait(built_app):
    import gradio as gr

    from studio.limits import RateLimiter
    from studio.ui.common import rate_limited

    handler = rate_limited(lambda photo, request: "done", RateLimiter(2))
    ann = gr.Request(username="ann", session_hash="s1")
    assert handler("p", ann) == "done" and handler("p", ann) == "done"
    with pytest.raises(gr.Error) as err:
        handler("p", ann)
    assert "per minute" in str(err.value)
    assert handler("p", gr.Request(username="bob", session_hash="s2")) == "done"


def test_bad_upload_in_the_photo_box_gets_the_sellers_message(built_app, tmp_path):
    import gradio as gr
    from gradio.data_classes import ImageData

    photo = next(
        b
        for b in built_app.blocks.values()
        if isinstance(b, gr.Image) and b.type == "filepath" and b.interactive is not False
    )
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"not an image")
    with pytest.raises(gr.Error) as err:
        photo.preprocess(ImageData(path=str(junk), orig_name="junk.jpg"))
    assert "not a photo" in str(err.value)


def test_quota_pressure_removes_the_oldest_output_folders_first(tmp_path):
    from studio.limits import sweep_to_quota

    now = time.time()
    for i, name in enumerate(("posters-a", "posters-b", "cutouts-c", "posters-new")):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "poster.jpg").write_bytes(b"x" * 1000)
        age = 3600 - i * 600 if name != "posters-new" else 5  # a..c old, oldest first; "new" was just written
        os.utime(folder, (now - age, now - age))
    (tmp_path / "mine.txt").write_bytes(b"y" * 5000)  # not an output folder: never touched
    assert sweep_to_quota(1500, root=tmp_path, now=now) == 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt", "posters-new"]  # the fresh one stays
    assert sweep_to_quota(0, root=tmp_path, now=now) == 0  # 0 = no quota
