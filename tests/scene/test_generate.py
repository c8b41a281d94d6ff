"""generate_scenes on the tiny profile: sizes, determinism, control, cancel, progress."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.layers import PlacedProduct, Scene
from studio.models.diffusion import load_scene_pipeline
from studio.models.manager import ModelManager
from studio.presets import get_scene
from studio.progress import Cancelled, CancelToken
from studio.recipe import SceneSettings, StyleChoice
from studio.scene.generate import build_prompts, generate_scenes, prepare_inputs, scene_inputs
from tests.conftest import make_bottle_cutout
from tests.models.fixtures import place_on_canvas

SIZE = (600, 800)
FAST = SceneSettings(preset="kitchen", steps=4)
ONE_STEP = FAST.model_copy(update={"steps": 1})  # where only the plumbing is under test


@pytest.fixture(scope="module")
def placed() -> PlacedProduct:
    return place_on_canvas(make_bottle_cutout().rgba, SIZE, (180, 260))


@pytest.fixture(scope="module")
def preset() -> dict:
    return get_scene("kitchen")


@dataclass
class Run:
    scenes: list[Scene]
    progress: list[tuple[float, str]]


@pytest.fixture(scope="module")
def two_scenes(tiny_manager: ModelManager, placed: PlacedProduct, preset: dict) -> Run:
    """Seeds 11 and 12 in one batch, with every progress report kept."""
    seen: list[tuple[float, str]] = []
    scenes = generate_scenes(
        tiny_manager, placed, SIZE, FAST, preset, [], [11, 12], progress=lambda f, m: seen.append((f, m))
    )
    return Run(scenes, seen)


def _pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def _mean_diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(_pixels(a) - _pixels(b)).mean())


def test_one_scene_per_seed_at_the_poster_size(two_scenes: Run, artifacts_dir: Path) -> None:
    scenes = two_scenes.scenes
    assert [s.seed for s in scenes] == [11, 12]
    for i, scene in enumerate(scenes):
        assert scene.background.mode == "RGB" and scene.background.size == SIZE
        assert scene.kind == "generated" and scene.shadow is None
        assert scene.control_image is not None and scene.control_image.size == SIZE
        assert scene.note == "tiny profile: random weights, so the scene is noise"
        assert scene.prompt.startswith("modern bright kitchen counter") and "watermark" in scene.negative_prompt
        scene.background.save(artifacts_dir / f"scene_{i}.png")
    scenes[0].control_image.save(artifacts_dir / "control.png")


def test_progress_rises_to_one_in_one_batch(two_scenes: Run) -> None:
    fractions = [f for f, _ in two_scenes.progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    steps = [m for _, m in two_scenes.progress if "step" in m]
    assert len(steps) == FAST.steps  # both seeds denoised together
    assert steps[-1] == "Painting 2 scenes: step 4 of 4"


def test_same_seeds_same_images_other_seed_other_image(
    tiny_manager: ModelManager, placed: PlacedProduct, preset: dict, two_scenes: Run
) -> None:
    again = generate_scenes(tiny_manager, placed, SIZE, FAST, preset, [], [11, 12])
    for first, second in zip(two_scenes.scenes, again):
        assert np.array_equal(_pixels(first.background), _pixels(second.background))
    assert _mean_diff(two_scenes.scenes[0].background, two_scenes.scenes[1].background) > 2


def test_a_seed_gives_the_same_scene_alone_or_in_a_batch(
    tiny_manager: ModelManager, placed: PlacedProduct, preset: dict, two_scenes: Run
) -> None:
    alone = generate_scenes(tiny_manager, placed, SIZE, FAST, preset, [], [12])[0]
    diff = np.abs(_pixels(alone.background) - _pixels(two_scenes.scenes[1].background))
    # per-seed CPU generators: only float rounding inside batched kernels may differ
    assert diff.mean() < 0.5 and np.percentile(diff, 99) <= 2


def test_control_strength_changes_the_scene(tiny_manager: ModelManager, placed: PlacedProduct, preset: dict) -> None:
    off = generate_scenes(
        tiny_manager, placed, SIZE, FAST.model_copy(update={"control_strength": 0.0}), preset, [], [3]
    )
    on = generate_scenes(tiny_manager, placed, SIZE, FAST.model_copy(update={"control_strength": 1.0}), preset, [], [3])
    assert _mean_diff(off[0].background, on[0].background) > 0.5


def test_the_seller_prompt_changes_the_scene(
    tiny_manager: ModelManager, placed: PlacedProduct, preset: dict, two_scenes: Run
) -> None:
    worded = generate_scenes(
        tiny_manager, placed, SIZE, FAST.model_copy(update={"prompt": "红色 festive"}), preset, [], [11]
    )
    assert "红色 festive" in worded[0].prompt  # kept even though the tiny tokenizer makes the prompt long
    assert _mean_diff(worded[0].background, two_scenes.scenes[0].background) > 1


def test_cancel_after_the_first_step_stops_at_once_and_the_next_run_works(
    tiny_manager: ModelManager, placed: PlacedProduct, preset: dict
) -> None:
    token = CancelToken()
    unet_calls: list[int] = []
    hook = load_scene_pipeline(tiny_manager).unet.register_forward_hook(lambda *a: unet_calls.append(1))

    def progress(fraction: float, message: str) -> None:
        if "step 1 of" in message:
            token.cancel()

    try:
        with pytest.raises(Cancelled):
            generate_scenes(
                tiny_manager,
                placed,
                SIZE,
                FAST.model_copy(update={"steps": 20}),
                preset,
                [],
                [1, 2],
                progress=progress,
                cancel=token,
            )
        assert len(unet_calls) <= 2  # step 1, and at most the step during which it was cancelled
    finally:
        hook.remove()
    assert not tiny_manager.gpu_lock.locked()
    scenes = generate_scenes(tiny_manager, placed, SIZE, ONE_STEP, preset, [], [1])
    assert scenes[0].background.size == SIZE


def test_cancel_before_start_loads_nothing(placed: PlacedProduct, preset: dict, tiny_settings) -> None:  # noqa: ANN001
    models = ModelManager(tiny_settings)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        generate_scenes(models, placed, SIZE, FAST, preset, [], [1], cancel=token)
    assert models.loaded_keys() == []


def test_styles_go_through_the_styles_hook(
    tiny_manager: ModelManager, placed: PlacedProduct, preset: dict, monkeypatch
) -> None:  # noqa: ANN001
    import studio.styles

    calls: list[list[StyleChoice]] = []

    def fake_apply(models, pipe, styles):  # noqa: ANN001, ANN202
        calls.append(styles)
        assert pipe is load_scene_pipeline(models)
        return ["xyzstyle"]

    monkeypatch.setattr(studio.styles, "apply_styles", fake_apply)
    scenes = generate_scenes(tiny_manager, placed, SIZE, ONE_STEP, preset, [StyleChoice(name="ink")], [1])
    assert calls and calls[0][0].name == "ink"
    assert "xyzstyle" in scenes[0].prompt


def test_control_window_must_be_ordered(tiny_manager: ModelManager, placed: PlacedProduct, preset: dict) -> None:
    bad = FAST.model_copy(update={"control_start": 0.8, "control_end": 0.2})
    with pytest.raises(StudioError, match="control start"):
        generate_scenes(tiny_manager, placed, SIZE, bad, preset, [], [1])


def test_no_seeds_no_scenes(tiny_manager: ModelManager, placed: PlacedProduct, preset: dict) -> None:
    assert generate_scenes(tiny_manager, placed, SIZE, FAST, preset, [], []) == []


def test_prompts_join_preset_seller_and_trigger_words() -> None:
    scene = SceneSettings(prompt=" gold ribbon ", negative_prompt="cats")
    preset = {"prompt": "marble, soft light,", "negative_prompt": "text"}
    positive, negative, note = build_prompts(preset, scene, ["inkstyle"], count_tokens=lambda t: len(t.split()))
    assert positive == "marble, soft light, gold ribbon, inkstyle"
    assert negative == "text, cats" and note == ""
    assert build_prompts({}, SceneSettings(), []) == ("", "", "")


def test_a_long_prompt_keeps_the_sellers_words_and_styles_first() -> None:
    preset = {"prompt": "word " * 80}
    positive, _, note = build_prompts(
        preset, SceneSettings(prompt="red lantern"), ["inkstyle"], count_tokens=lambda t: len(t.split())
    )
    assert positive.startswith("red lantern, inkstyle, word")
    assert "left out" in note


def test_mask_keeps_only_whole_latent_cells_inside_the_product(placed: PlacedProduct) -> None:
    from studio.scene.control import make_control_image

    init, mask, control = prepare_inputs(placed, make_control_image(placed, size=(192, 256)), (192, 256))
    assert init.size == mask.size == control.size == (192, 256)
    kept = np.asarray(mask) == 0
    alpha = np.asarray(placed.rgba.getchannel("A").resize((192, 256), Image.Resampling.LANCZOS))
    assert kept.any() and (alpha[kept] >= 250).all()  # the kept area is inside the solid product
    assert kept.sum() < (alpha > 0).sum()  # the edge itself is painted (the product goes back over it)
    assert set(np.unique(np.asarray(mask)).tolist()) == {0, 255}
    # Block-aligned: what the pipeline reads at the latent grid (nearest, /8) is the mask itself.
    grid = kept[::8, ::8]
    assert (np.repeat(np.repeat(grid, 8, 0), 8, 1)[: kept.shape[0], : kept.shape[1]] == kept).all()


@pytest.mark.parametrize("platform", ["taobao_main", "douyin_9x16", "xiaohongshu_3x4", "instagram_4x5"])
@pytest.mark.parametrize("profile", ["sd15", "sdxl"])
def test_no_neutral_ring_is_kept_around_the_product(platform: str, profile: str) -> None:
    """At every kept pixel the init image holds the product's own colours, never the grey fill."""
    from studio.models.profiles import PROFILES, working_size
    from studio.presets import get_platform
    from studio.scene.generate import NEUTRAL

    size = get_platform(platform).size
    bottle = make_bottle_cutout(width=size[0] // 3, height=size[1] // 2)
    on_canvas = place_on_canvas(bottle.rgba, size, (size[0] // 3, size[1] // 4))
    work = working_size(size, PROFILES[profile])
    init, mask, _ = scene_inputs(on_canvas, work)
    kept = np.asarray(mask) == 0
    alpha = np.asarray(on_canvas.rgba.getchannel("A").resize(work, Image.Resampling.LANCZOS))
    assert kept.any()
    assert (alpha[kept] >= 250).all(), "a kept pixel lies outside the product"
    # the grey fill shows nowhere the model is told to keep
    rgb = np.asarray(init, dtype=np.int16)
    product = np.asarray(on_canvas.rgba.convert("RGB").resize(work, Image.Resampling.LANCZOS), dtype=np.int16)
    assert np.abs(rgb[kept] - product[kept]).max() <= 2
    # and the grey fill is exactly what lies outside the product, all of it painted over
    outside = alpha == 0
    assert (rgb[outside] == np.array(NEUTRAL)).all() and not kept[outside].any()


def test_oom_in_generation_retries_smaller_batches(
    tiny_manager: ModelManager, placed: PlacedProduct, preset: dict, monkeypatch
) -> None:  # noqa: ANN001
    import torch

    pipe = load_scene_pipeline(tiny_manager)
    real_call = type(pipe).__call__
    batches: list[int] = []

    def tight_memory(self, *args, **kwargs):  # noqa: ANN001, ANN202
        batches.append(kwargs["num_images_per_prompt"])
        if kwargs["num_images_per_prompt"] > 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return real_call(self, *args, **kwargs)

    monkeypatch.setattr(type(pipe), "__call__", tight_memory)
    messages: list[str] = []
    scenes = generate_scenes(
        tiny_manager, placed, SIZE, ONE_STEP, preset, [], [5, 6], progress=lambda f, m: messages.append(m)
    )
    assert batches == [2, 1, 1]
    assert [s.seed for s in scenes] == [5, 6]
    assert any("ran out of memory" in m for m in messages)
