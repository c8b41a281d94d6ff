"""Styles through the hotswap slot on a compiled UNet: switching never recompiles, and the slot is exact.

The tiny SD1.5 UNet is compiled in place with the "eager" backend: cheap on a CPU,
and dynamo still traces, guards and detects recompiles (`fail_on_recompile`),
which is what the speed issue is about. Hotswap is switched on through the
fast path's own step (`apply_fast_path` with `lora_hotswap_rank`), as `--compile` does.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from studio.errors import StudioError
from studio.models.manager import ModelManager
from studio.recipe import StyleChoice
from studio.settings import Settings
from studio.styles import apply_styles, clear_styles
from studio.styles.hotswap import SLOT, slot_rank, slot_state
from tests.styles.conftest import render
from tests.styles.lora_files import unet_targets, write_diffusers_lora

SLOT_RANK = 8  # ink and sun are rank 4: both fit together, a third rank-4 style does not


@pytest.fixture(scope="module")
def more_files(style_files: dict[str, Path], style_pipe: Any, lora_dir: Path) -> dict[str, Path]:
    """moss (rank 4), big (rank 16, above the slot), half (cross-attention layers only)."""
    from safetensors.numpy import load_file, save_file

    unet = style_pipe.unet
    files = {
        "moss": write_diffusers_lora(lora_dir / "moss.safetensors", unet, seed=3),
        "big": write_diffusers_lora(lora_dir / "big.safetensors", unet, seed=4, rank=16, scale=0.2),
    }
    half = write_diffusers_lora(lora_dir / "half.safetensors", unet, seed=6)
    kept = {k: v for k, v in load_file(str(half)).items() if ".attn2." in k}
    assert 0 < len(kept) < 2 * len(unet_targets(unet))
    save_file(kept, str(half), metadata={"format": "pt"})
    files["half"] = half
    return {**style_files, **files}


@pytest.fixture(scope="module")
def hot_models(lora_dir: Path) -> ModelManager:
    """A second manager: its own UNet, so compiling it and giving it a slot leaves style_pipe alone."""
    return ModelManager(Settings(profile="tiny", device="cpu", open_browser=False, lora_dir=lora_dir))


@pytest.fixture(scope="module")
def hot_pipe(hot_models: ModelManager, more_files: dict[str, Path]) -> Any:
    import torch

    from studio.models.diffusion import load_scene_pipeline
    from studio.models.fastpath import FastPathPlan, apply_fast_path

    pipe = load_scene_pipeline(hot_models)
    report = apply_fast_path(pipe, FastPathPlan(lora_hotswap_rank=SLOT_RANK))
    assert report.steps["lora_hotswap"] == "on"
    assert slot_rank(pipe) == SLOT_RANK
    pipe.unet.compile(backend="eager")  # in place, as the fast path does on CUDA
    yield pipe
    torch._dynamo.reset()


@pytest.fixture(scope="module")
def hot_base(hot_pipe: Any) -> np.ndarray:
    """The compiled UNet's picture before any style was ever loaded."""
    return render(hot_pipe)


def _apply(models: Any, pipe: Any, *pairs: tuple[str, float]) -> list[str]:
    return apply_styles(models, pipe, [StyleChoice(name=n, weight=w) for n, w in pairs])


def _no_recompile():
    import torch

    return torch.compiler.set_stance("fail_on_recompile")  # restores the previous stance on exit


def _lora_deltas(unet: Any) -> dict[str, Any]:
    """Per LoRA layer: the weight change the active adapters add (sum of B @ A · scaling)."""
    from peft.tuners.lora import LoraLayer

    out = {}
    for name, module in unet.named_modules():
        if isinstance(module, LoraLayer) and not module.disable_adapters:
            total = 0.0
            for adapter in module.active_adapters:
                if adapter in module.lora_A:
                    total = (
                        total
                        + (module.lora_B[adapter].weight @ module.lora_A[adapter].weight) * module.scaling[adapter]
                    )
            out[name] = total.detach()
    return out


def _prompt_embeds(pipe: Any) -> Any:
    import torch

    with torch.no_grad():
        return pipe.encode_prompt("a marble counter", "cpu", 1, False)[0]


@pytest.mark.slow  # compiles the tiny UNet (or loads a third pipeline)
def test_switching_styles_never_recompiles_the_compiled_unet(hot_models, hot_pipe, hot_base) -> None:
    words = _apply(hot_models, hot_pipe, ("ink", 0.8))
    assert words == ["ink wash"]
    ink = render(hot_pipe)  # the slot is new: this one call may recompile
    assert np.abs(ink - hot_base).mean() > 1e-3
    with _no_recompile():
        assert np.array_equal(render(hot_pipe), ink)
        _apply(hot_models, hot_pipe, ("sun", 0.8))
        sun = render(hot_pipe)
        assert _apply(hot_models, hot_pipe) == []
        cleared = render(hot_pipe)
        _apply(hot_models, hot_pipe, ("ink", 0.8))
        ink_again = render(hot_pipe)
        _apply(hot_models, hot_pipe, ("ink", 0.4))
        ink_light = render(hot_pipe)
        _apply(hot_models, hot_pipe, ("ink", 0.8), ("sun", 0.5))
        mixed = render(hot_pipe)
        clear_styles(hot_pipe)
        cleared_again = render(hot_pipe)
    assert np.abs(sun - ink).mean() > 1e-3, "switching A -> B did not change the picture"
    assert np.array_equal(cleared, hot_base), "clearing did not give the base model's picture"
    assert np.array_equal(ink_again, ink), "A after the round trip is not A"
    assert np.abs(ink_light - ink).mean() > 1e-4 and np.abs(ink_light - hot_base).mean() > 1e-4
    assert np.abs(mixed - ink).mean() > 1e-4 and np.abs(mixed - sun).mean() > 1e-4
    assert np.array_equal(cleared_again, hot_base)
    assert hot_pipe.get_list_adapters()["unet"] == [SLOT]  # one adapter, never a second


def test_the_recompile_check_would_catch_a_structural_change(hot_models, hot_pipe) -> None:
    """Control: what the slot avoids (toggling LoRA layers) does make the compiled UNet recompile."""
    _apply(hot_models, hot_pipe, ("ink", 0.8))
    render(hot_pipe)
    with _no_recompile():
        hot_pipe.unet.disable_lora()
        try:
            with pytest.raises(RuntimeError, match="recompile"):
                render(hot_pipe)
        finally:
            hot_pipe.unet.enable_lora()
        render(hot_pipe)  # back to the compiled state: no recompile
    clear_styles(hot_pipe)


@pytest.mark.parametrize(
    "pairs",
    [(("ink", 0.8),), (("sun", 0.8),), (("ink", 0.8), ("sun", 0.5))],
    ids=["diffusers-format", "kohya-with-text-encoder", "mix"],
)
def test_the_slot_gives_what_ordinary_adapters_give(
    style_models, style_pipe, hot_models, hot_pipe, hot_base, pairs
) -> None:
    _apply(style_models, style_pipe, *pairs)
    _apply(hot_models, hot_pipe, *pairs)
    try:
        want, got = _lora_deltas(style_pipe.unet), _lora_deltas(hot_pipe.unet)
        assert set(got) == set(want)
        worst = max(float((want[k] - got[k]).abs().max()) for k in want)
        assert worst < 1e-5, f"the slot's weight change differs by {worst}"
        assert float((_prompt_embeds(style_pipe) - _prompt_embeds(hot_pipe)).abs().max()) < 1e-6
        ordinary, slotted = render(style_pipe), render(hot_pipe)
        assert np.abs(slotted - hot_base).mean() > 1e-3
        assert np.abs(slotted - ordinary).max() < 2e-3  # float rounding only
    finally:
        clear_styles(style_pipe)
        clear_styles(hot_pipe)
    # text-encoder adapters (sun's) are deleted when cleared, the UNet keeps its slot
    assert hot_pipe.get_list_adapters().get("text_encoder", []) == []
    assert hot_pipe.get_list_adapters()["unet"] == [SLOT]


def test_a_rank_above_the_slot_is_refused_and_changes_nothing(hot_models, hot_pipe) -> None:
    _apply(hot_models, hot_pipe, ("ink", 0.8))
    before, content = render(hot_pipe), slot_state(hot_pipe).content
    with _no_recompile():
        with pytest.raises(StudioError, match=f"rank is 16.*up to rank {SLOT_RANK}") as err:
            _apply(hot_models, hot_pipe, ("big", 1.0))
        assert "Nothing was changed" in str(err.value) and "--compile" in err.value.hint
        assert slot_state(hot_pipe).content == content
        assert np.array_equal(render(hot_pipe), before)
    clear_styles(hot_pipe)


def test_a_mix_above_the_slot_rank_is_refused_and_changes_nothing(hot_models, hot_pipe) -> None:
    _apply(hot_models, hot_pipe, ("ink", 0.8), ("sun", 0.5))
    before = render(hot_pipe)
    with _no_recompile():
        with pytest.raises(StudioError, match=f"together need LoRA rank 12, .* up to rank {SLOT_RANK}"):
            _apply(hot_models, hot_pipe, ("ink", 0.5), ("sun", 0.5), ("moss", 0.5))
        assert np.array_equal(render(hot_pipe), before)
    clear_styles(hot_pipe)


def test_unload_keeps_the_slot_and_gives_the_base_picture(hot_models, hot_pipe, hot_base) -> None:
    _apply(hot_models, hot_pipe, ("sun", 1.0))
    with _no_recompile():
        clear_styles(hot_pipe, unload=True)
        assert np.array_equal(render(hot_pipe), hot_base)
    assert hot_pipe.get_list_adapters() == {"unet": [SLOT]}


def test_the_same_styles_again_read_no_file(hot_models, hot_pipe, monkeypatch) -> None:
    import studio.styles.hotswap as hotswap

    _apply(hot_models, hot_pipe, ("ink", 0.8), ("sun", 0.5))
    picture = render(hot_pipe)

    def no_read(path):
        raise AssertionError(f"read {path} again")

    monkeypatch.setattr(hotswap, "load_lora_tensors", no_read)
    _apply(hot_models, hot_pipe, ("ink", 0.8), ("sun", 0.5))  # what every generation does
    assert np.array_equal(render(hot_pipe), picture)
    with pytest.raises(AssertionError, match="read"):
        _apply(hot_models, hot_pipe, ("ink", 0.7), ("sun", 0.5))  # a new weight does need the files
    monkeypatch.undo()
    clear_styles(hot_pipe)


def test_a_failed_swap_switches_styles_off_and_the_slot_still_works(
    hot_models, hot_pipe, hot_base, monkeypatch
) -> None:
    _apply(hot_models, hot_pipe, ("ink", 0.8))
    ink = render(hot_pipe)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure inside diffusers")

    monkeypatch.setattr(type(hot_pipe), "load_lora_weights", broken)
    with pytest.raises(StudioError, match="could not be loaded: simulated failure.*All styles are off"):
        _apply(hot_models, hot_pipe, ("sun", 0.8))
    monkeypatch.undo()
    with _no_recompile():
        assert np.array_equal(render(hot_pipe), hot_base)
        _apply(hot_models, hot_pipe, ("ink", 0.8))
        assert np.array_equal(render(hot_pipe), ink)
    clear_styles(hot_pipe)


@pytest.mark.slow  # compiles the tiny UNet (or loads a third pipeline)
def test_a_style_with_more_layers_grows_the_slot_once(lora_dir, more_files, style_models, style_pipe) -> None:
    """Slot armed by calling enable_lora_hotswap directly (no fast path); shaped by a smaller first style."""
    from studio.models.diffusion import load_scene_pipeline

    models = ModelManager(Settings(profile="tiny", device="cpu", open_browser=False, lora_dir=lora_dir))
    pipe = load_scene_pipeline(models)
    pipe.enable_lora_hotswap(target_rank=SLOT_RANK)
    assert slot_rank(pipe) == SLOT_RANK
    _apply(models, pipe, ("half", 1.0))
    half = render(pipe)
    state = slot_state(pipe)
    small = set(state.layers)
    _apply(models, pipe, ("ink", 1.0))
    assert state.rebuilds == 1 and small < set(state.layers)
    ink = render(pipe)
    _apply(models, pipe, ("half", 1.0))
    assert state.rebuilds == 1  # it fits the grown slot: a plain hotswap
    np.testing.assert_allclose(render(pipe), half, atol=1e-6)
    for name, picture in (("ink", ink), ("half", half)):
        _apply(style_models, style_pipe, (name, 1.0))
        assert np.abs(render(style_pipe) - picture).max() < 2e-3
    clear_styles(style_pipe)


def test_hotswap_is_off_for_ordinary_pipelines(style_pipe) -> None:
    assert slot_rank(style_pipe) == 0
    assert slot_rank(SimpleNamespace()) == 0
    armed = SimpleNamespace(unet=SimpleNamespace(_prepare_lora_hotswap_kwargs={"target_rank": 32}))
    assert slot_rank(armed) == 32
