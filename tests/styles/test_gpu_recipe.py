"""The GPU recipe, run on a CPU exactly as `--device cpu --dtype bfloat16 --fast-path [--compile]` runs it.

bf16 weights, channels_last, fused QKV (unfused while a LoRA is on), torch.compile
with the inductor backend (CPU inductor builds C++ kernels with gcc), and LoRA
hot-swap into the compiled UNet with no recompile. Everything here comes from
Settings through load_scene_pipeline, the path a CUDA run takes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from studio.models.diffusion import load_scene_pipeline
from studio.models.fastpath import fast_path_of, prepare_run
from studio.models.manager import ModelManager
from studio.recipe import StyleChoice
from studio.settings import Settings
from studio.styles import apply_styles, clear_styles
from tests.styles.conftest import SIZE, render

RECIPE = dict(profile="tiny", device="cpu", dtype="bfloat16", fast_path=True, open_browser=False)


def _styles(models: ModelManager, pipe: Any, *pairs: tuple[str, float]) -> list[str]:
    words = apply_styles(models, pipe, [StyleChoice(name=n, weight=w) for n, w in pairs])
    prepare_run(pipe, (SIZE, SIZE), 1)  # what generate_scenes does before every batch
    return words


def _names(model: Any) -> set[str]:
    return {type(p).__name__ for p in model.attn_processors.values()}


@pytest.fixture(scope="module")
def fused_models(lora_dir: Path, style_files: dict[str, Path]) -> ModelManager:
    return ModelManager(Settings(**RECIPE, lora_dir=lora_dir))


def test_bf16_channels_last_and_fused_qkv_unfused_for_a_lora(fused_models: ModelManager) -> None:
    pipe = load_scene_pipeline(fused_models)
    plan, report = fast_path_of(pipe)
    assert (plan.device, plan.channels_last, plan.fuse_qkv, plan.compile) == ("cpu", True, True, False)
    assert {"channels_last", "fuse_qkv:unet", "fuse_qkv:controlnet", "fuse_qkv:vae"} <= set(report.applied())
    assert pipe.unet.dtype == torch.bfloat16 and pipe.controlnet.dtype == torch.bfloat16
    assert pipe.unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    base = render(pipe)
    assert np.isfinite(base).all() and base.std() > 0
    _styles(fused_models, pipe, ("ink", 0.8))
    assert _names(pipe.unet) == {"AttnProcessor2_0"}, "a LoRA on to_q/k/v needs the unfused UNet"
    assert np.abs(render(pipe) - base).mean() > 1e-3, "the style acts"
    clear_styles(pipe)
    prepare_run(pipe, (SIZE, SIZE), 1)
    assert _names(pipe.unet) == {"FusedAttnProcessor2_0"}
    assert np.abs(render(pipe) - base).max() < 2e-2  # bf16: same picture to rounding


@pytest.fixture(scope="module")
def compiled(lora_dir: Path, style_files: dict[str, Path]) -> tuple[ModelManager, Any]:
    models = ModelManager(Settings(**RECIPE, compile=True, lora_dir=lora_dir))
    pipe = load_scene_pipeline(models)
    yield models, pipe
    torch._dynamo.reset()


@pytest.mark.slow  # inductor compiles the tiny UNet and ControlNet (C++ kernels, about a minute on 2 cores)
def test_inductor_compile_and_lora_hotswap_without_recompile(compiled: tuple[ModelManager, Any]) -> None:
    models, pipe = compiled
    plan, report = fast_path_of(pipe)
    assert plan.compile and plan.lora_hotswap_rank > 0
    assert {"channels_last", "lora_hotswap", "compile:unet", "compile:controlnet"} <= set(report.applied())
    assert report.steps["fuse_qkv:unet"].startswith("skipped")  # hotswap needs the unfused projections
    from torch._dynamo.utils import counters

    counters.clear()
    base = render(pipe)  # first call: dynamo traces, inductor builds kernels
    assert counters["stats"]["unique_graphs"] > 0, "the UNet ran compiled"
    assert pipe.unet._compiled_call_impl is not None
    _styles(models, pipe, ("ink", 0.8))
    ink = render(pipe)  # the slot is new: this one call may recompile
    assert np.abs(ink - base).mean() > 1e-3
    with torch.compiler.set_stance("fail_on_recompile"):
        _styles(models, pipe, ("sun", 0.8))
        sun = render(pipe)
        _styles(models, pipe, ("ink", 0.8))
        ink_again = render(pipe)
    assert np.abs(sun - ink).mean() > 1e-3, "swapping styles changed the picture"
    assert np.array_equal(ink_again, ink), "A after B is A again, with no recompile"
