"""Styles on the tiny pipeline: they change the output, mix, clear exactly, and refusals change nothing."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.recipe import StyleChoice
from studio.styles import apply_styles, clear_styles
from studio.styles.adapters import KEEP_INACTIVE, adapter_state, loaded_adapters
from tests.styles.conftest import render
from tests.styles.lora_files import write_diffusers_lora, write_pickle_bomb


@pytest.fixture(scope="module")
def base_image(style_pipe: Any, style_files: dict[str, Path]) -> np.ndarray:
    clear_styles(style_pipe)
    return render(style_pipe)


def _apply(models: Any, pipe: Any, *pairs: tuple[str, float]) -> list[str]:
    return apply_styles(models, pipe, [StyleChoice(name=n, weight=w) for n, w in pairs])


def _save(image: np.ndarray, path: Path) -> None:
    Image.fromarray((np.clip(image, 0, 1) * 255).round().astype(np.uint8)).resize((192, 192), Image.NEAREST).save(path)


def test_each_format_changes_the_output_and_clearing_restores_it_exactly(
    style_models, style_pipe, base_image, artifacts_dir
) -> None:
    _save(base_image, artifacts_dir / "base.png")
    for name in ("ink", "sun"):
        words = _apply(style_models, style_pipe, (name, 1.0))
        styled = render(style_pipe)
        _save(styled, artifacts_dir / f"{name}.png")
        assert np.abs(styled - base_image).mean() > 1e-3, f"{name} did not change the output"
        assert apply_styles(style_models, style_pipe, []) == []
        assert np.array_equal(render(style_pipe), base_image), f"clearing {name} did not restore the base output"
        assert words == (["ink wash"] if name == "ink" else ["tinystyle"])


def test_weight_zero_is_the_base_model_exactly(style_models, style_pipe, base_image) -> None:
    _apply(style_models, style_pipe, ("ink", 0.9))
    assert _apply(style_models, style_pipe, ("ink", 0.0)) == []  # no trigger words either
    assert np.array_equal(render(style_pipe), base_image)


def test_two_styles_mixed_differ_from_either_alone(style_models, style_pipe, base_image, artifacts_dir) -> None:
    _apply(style_models, style_pipe, ("ink", 0.8))
    ink = render(style_pipe)
    _apply(style_models, style_pipe, ("sun", 0.8))
    sun = render(style_pipe)
    words = _apply(style_models, style_pipe, ("ink", 0.8), ("sun", 0.8))
    mixed = render(style_pipe)
    _save(mixed, artifacts_dir / "mixed.png")
    assert words == ["ink wash", "tinystyle"]
    assert not np.array_equal(mixed, ink) and not np.array_equal(mixed, sun)
    assert np.abs(mixed - ink).mean() > 1e-4 and np.abs(mixed - sun).mean() > 1e-4
    # switching back is a set_adapters only: the same picture as before
    _apply(style_models, style_pipe, ("ink", 0.8))
    assert np.array_equal(render(style_pipe), ink)
    clear_styles(style_pipe)


def test_switching_never_reloads_the_base_model(style_models, style_pipe) -> None:
    keys, unet, te = style_models.loaded_keys(), style_pipe.unet, style_pipe.text_encoder
    conv_in = unet.conv_in.weight.detach().clone()
    for pairs in ((("ink", 1.0),), (("sun", 0.5),), (("ink", 0.3), ("sun", 0.3)), ()):
        _apply(style_models, style_pipe, *pairs)
    assert style_models.loaded_keys() == keys
    assert style_pipe.unet is unet and style_pipe.text_encoder is te
    assert np.array_equal(unet.conv_in.weight.detach().numpy(), conv_in.numpy())


def test_mismatched_shapes_are_refused_and_change_nothing(style_models, style_pipe, base_image) -> None:
    _apply(style_models, style_pipe, ("ink", 0.7))
    before = render(style_pipe)
    adapters = loaded_adapters(style_pipe)
    with pytest.raises(StudioError, match="does not fit") as err:
        _apply(style_models, style_pipe, ("ink", 0.7), ("sd15", 0.5))
    assert "Nothing was changed" in str(err.value)
    assert loaded_adapters(style_pipe) == adapters
    assert np.array_equal(render(style_pipe), before)
    clear_styles(style_pipe)
    with pytest.raises(StudioError, match="does not fit"):
        _apply(style_models, style_pipe, ("sd15", 1.0))
    assert np.array_equal(render(style_pipe), base_image)


def test_other_base_model_is_refused_and_changes_nothing(style_models, style_pipe, base_image, lora_dir) -> None:
    write_diffusers_lora(
        lora_dir / "xl_look.safetensors", style_pipe.unet, seed=5, metadata={"ss_base_model_version": "sdxl_base_v1-0"}
    )
    with pytest.raises(StudioError, match="SDXL"):
        _apply(style_models, style_pipe, ("xl_look", 1.0))
    assert not any("xl_look" in a for a in loaded_adapters(style_pipe))
    assert np.array_equal(render(style_pipe), base_image)


def test_pickle_named_safetensors_is_refused_and_never_runs(
    style_models, style_pipe, base_image, lora_dir, tmp_path
) -> None:
    marker = tmp_path / "payload-ran"
    write_pickle_bomb(lora_dir / "trap.safetensors", marker)
    with pytest.raises(StudioError, match="not a valid LoRA"):
        _apply(style_models, style_pipe, ("trap", 1.0))
    assert not marker.exists()
    assert np.array_equal(render(style_pipe), base_image)
    (lora_dir / "trap.safetensors").unlink()


@pytest.mark.parametrize("name", ["../ink", "../../etc/passwd", "/etc/passwd", "sub/ink", "..\\ink", "C:ink"])
def test_names_cannot_leave_the_lora_folder(style_models, style_pipe, name) -> None:
    with pytest.raises(StudioError, match="not a style name"):
        _apply(style_models, style_pipe, (name, 1.0))


def test_symlink_out_of_the_folder_is_refused(style_models, style_pipe, lora_dir, tmp_path) -> None:
    outside = write_diffusers_lora(tmp_path / "outside.safetensors", style_pipe.unet, seed=9)
    link = lora_dir / "linked.safetensors"
    link.symlink_to(outside)
    try:
        with pytest.raises(StudioError, match="outside the LoRA folder"):
            _apply(style_models, style_pipe, ("linked", 1.0))
    finally:
        link.unlink()


def test_idle_adapters_are_deleted_beyond_the_keep_budget(style_models, style_pipe, lora_dir) -> None:
    for i in range(4):
        write_diffusers_lora(lora_dir / f"extra{i}.safetensors", style_pipe.unet, seed=20 + i)
    for i in range(4):
        _apply(style_models, style_pipe, (f"extra{i}", 0.5))
    assert len(loaded_adapters(style_pipe)) <= 1 + KEEP_INACTIVE
    clear_styles(style_pipe, unload=True)
    assert loaded_adapters(style_pipe) == set()
    assert adapter_state(style_pipe).active == []


def test_a_replaced_file_is_loaded_afresh(style_models, style_pipe, lora_dir) -> None:
    path = write_diffusers_lora(lora_dir / "fresh.safetensors", style_pipe.unet, seed=30)
    _apply(style_models, style_pipe, ("fresh", 1.0))
    first = render(style_pipe)
    time.sleep(0.01)
    write_diffusers_lora(path, style_pipe.unet, seed=31)
    os.utime(path, ns=(time.time_ns(), time.time_ns()))
    _apply(style_models, style_pipe, ("fresh", 1.0))
    assert not np.array_equal(render(style_pipe), first)
    clear_styles(style_pipe)


def test_too_many_or_repeated_styles_are_refused(style_models, style_pipe) -> None:
    with pytest.raises(StudioError, match="twice"):
        _apply(style_models, style_pipe, ("ink", 0.5), ("ink", 0.2))
    four = [StyleChoice(name=n) for n in ("ink", "sun", "extra0", "extra1")]
    with pytest.raises(StudioError, match="At most 3"):
        apply_styles(style_models, style_pipe, four)


def test_fast_draft_style_swaps_in_the_lcm_scheduler_and_back(style_models, style_pipe, lora_dir) -> None:
    from diffusers import LCMScheduler

    write_diffusers_lora(lora_dir / "draft.safetensors", style_pipe.unet, seed=40, scale=0.05)
    (lora_dir / "draft.json").write_text('{"fast_draft": true}', encoding="utf-8")
    own = style_pipe.scheduler
    _apply(style_models, style_pipe, ("draft", 1.0), ("ink", 0.5))
    assert isinstance(style_pipe.scheduler, LCMScheduler)
    _apply(style_models, style_pipe, ("ink", 0.5))
    assert style_pipe.scheduler is own
    _apply(style_models, style_pipe, ("draft", 1.0))
    clear_styles(style_pipe)
    assert style_pipe.scheduler is own
