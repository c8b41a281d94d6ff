"""The scene tab: a picture picker for scenes, a quick placement preview, variants with their seeds,
the control image only beside generated scenes, and a Cancel that stops within a step.

Build-level checks run on the `none` profile in-process; the rest drive the launched tiny app.
"""

from __future__ import annotations

import time

import pytest
from PIL import Image

from studio.presets import all_presets, display_name
from studio.settings import Settings
from tests.ui.launch import session_with_cutout
from tests.ui.tab_harness import block_by_id, build_tab_alone


def _build(settings: Settings):
    from studio.ui.scene_tab import build_scene_tab

    return build_tab_alone(build_scene_tab, settings, "zh")


_by_id = block_by_id


def test_picker_shows_every_scene_by_name_in_dropdown_order(none_settings: Settings, artifacts_dir) -> None:
    from studio.ui.scene_tab import picker_ids, picker_items

    demo = _build(none_settings)
    picker = _by_id(demo, "scene-picker")
    scenes = all_presets("scenes")
    assert picker_ids() == list(scenes), "every shipped scene has a thumbnail, in preset order"
    captions = [item["caption"] for item in picker.value]
    assert captions == [display_name(scenes[pid], "zh") for pid in picker_ids()]
    assert "双11 红金" in captions
    en = [caption for _, caption in picker_items("en")]
    assert "Double 11 red & gold" in en
    # The selection marks the dropdown's default scene.
    assert picker_ids()[picker.selected_index] == _by_id(demo, "scene-preset").value
    thumb, _ = picker_items()[0]
    assert thumb.size[0] >= 128 and thumb.mode == "RGB"
    thumb.save(artifacts_dir / "first_thumb.png")


def test_endpoints_and_hidden_control_image(none_settings: Settings) -> None:
    demo = _build(none_settings)
    api = {fn.api_name for fn in demo.fns.values() if fn.api_visibility == "public"}
    assert {"compose_scene", "cancel", "preview_placement"} <= api
    assert _by_id(demo, "scene-control").visible is False, "no control image before a generated scene exists"


@pytest.mark.parametrize("n, columns", [(1, 1), (2, 2), (3, 3), (4, 2)])
def test_variants_sit_side_by_side(n: int, columns: int) -> None:
    from studio.ui.scene_tab import variant_columns

    assert variant_columns(n) == columns


# ---- through the launched app -------------------------------------------------------------------------

COMPOSE = dict(
    backdrop="procedural",
    prompt="",
    seed=5,
    n=1,
    cx=0.5,
    fy=0,
    sc=0,
    rot=0,
    shadow=True,
    reflection=False,
    negative="",
    steps=3,
    guidance=7,
    strength=0.8,
    start=0,
    end=1,
    platform="taobao_main",
)


def compose_args(preset: str = "marble_counter", **changes) -> list:
    values = {**COMPOSE, **changes}
    return [preset, *values.values()]


@pytest.fixture(scope="module")
def cut_client(studio_url, tmp_path_factory):
    """A client session whose product is already cut out."""
    return session_with_cutout(studio_url, tmp_path_factory.mktemp("scene"))


@pytest.mark.slow
def test_quick_preview_moves_the_product(cut_client, artifacts_dir) -> None:
    left = cut_client.predict("double11", 0.25, 0, 0, 0, True, False, "taobao_main", 0, api_name="/preview_placement")
    right = cut_client.predict("double11", 0.75, 0, 0, 0, True, False, "taobao_main", 0, api_name="/preview_placement")
    again = cut_client.predict("double11", 0.25, 0, 0, 0, True, False, "taobao_main", 0, api_name="/preview_placement")
    with Image.open(left) as a, Image.open(right) as b, Image.open(again) as c:
        assert max(a.size) <= 420 and a.size == b.size
        a.save(artifacts_dir / "preview_left.png")
        b.save(artifacts_dir / "preview_right.png")
        assert a.tobytes() != b.tobytes(), "moving the slider moves the product in the preview"
        assert a.tobytes() == c.tobytes(), "the same settings give the same preview"


@pytest.mark.slow
def test_variants_carry_their_seeds_and_only_generated_scenes_show_the_outline(cut_client) -> None:
    gallery, control, status = cut_client.predict(*compose_args(n=3, seed=40), api_name="/compose_scene")
    assert [item["caption"] for item in gallery] == ["种子 40", "种子 41", "种子 42"]
    assert control is None, "a studio backdrop has no control image"
    assert "✅" in status
    gallery, control, _ = cut_client.predict(*compose_args(backdrop="generated", steps=2), api_name="/compose_scene")
    assert len(gallery) == 1 and control is not None, "the outline the AI followed is shown beside a generated scene"


@pytest.mark.slow
def test_cancel_stops_within_a_step_and_the_next_compose_works(cut_client) -> None:
    """Submit a long generation, cancel it from the same session while it paints, compose again."""
    job = cut_client.submit(*compose_args(backdrop="generated", steps=60, seed=123), api_name="/compose_scene")
    deadline = time.monotonic() + 240
    painting = False
    while not job.done() and time.monotonic() < deadline:
        progress = job.status().progress_data
        if progress and "step" in (progress[0].desc or ""):
            painting = True
            break
        time.sleep(0.1)
    assert painting, "the generation never reported a denoising step"
    step_seen = job.status().progress_data[0].desc
    message = cut_client.predict(api_name="/cancel")
    assert "取消" in message
    with pytest.raises(Exception) as stopped:
        job.result(timeout=120)
    assert "取消" in str(stopped.value), f"expected the cancelled message, got {stopped.value!r}"
    assert "60 of 60" not in step_seen
    # The app is still usable, in the same session.
    gallery, _control, status = cut_client.predict(*compose_args(), api_name="/compose_scene")
    assert len(gallery) == 1 and "✅" in status
