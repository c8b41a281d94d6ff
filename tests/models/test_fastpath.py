"""The fast path: switches keep tiny outputs within float tolerance, LoRA still works, unsupported steps skip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from PIL import Image

from studio.models.diffusion import load_scene_pipeline
from studio.models.fastpath import (
    VAE_TILING_ABOVE_PX,
    FastPathPlan,
    apply_fast_path,
    fast_path_of,
    fuse_qkv,
    lora_active,
    plan_fast_path,
    prepare_run,
)
from studio.models.manager import DevicePolicy, ModelManager
from studio.settings import Settings

SIZE = 64
CUDA = DevicePolicy("cuda", "float16")
CPU = DevicePolicy("cpu", "float32")
# What CUDA would get, forced onto the CPU so the tiny model can check it.
CPU_FAST = FastPathPlan(device="cpu", channels_last=True, fuse_qkv=True)


@pytest.fixture(scope="module")
def own_models(tiny_settings: Settings) -> ModelManager:
    """A manager of this module's own: the fast path mutates the pipeline it is given."""
    return ModelManager(tiny_settings)


@pytest.fixture(scope="module")
def pipe(own_models: ModelManager) -> Any:
    return load_scene_pipeline(own_models)


def render(pipe: Any, seed: int = 5) -> np.ndarray:
    import torch

    init = Image.new("RGB", (SIZE, SIZE), (127, 127, 127))
    mask = Image.new("L", (SIZE, SIZE), 255)
    control = Image.new("RGB", (SIZE, SIZE), 0)
    control.paste((255, 255, 255), (16, 16, 48, 48))
    out = pipe(
        prompt="a marble counter",
        image=init,
        mask_image=mask,
        control_image=control,
        height=SIZE,
        width=SIZE,
        num_inference_steps=2,
        guidance_scale=5.0,
        generator=torch.Generator("cpu").manual_seed(seed),
        output_type="np",
    )
    return np.asarray(out.images[0], dtype=np.float64)


def processor_names(model: Any) -> set[str]:
    return {type(p).__name__ for p in model.attn_processors.values()}


def test_compile_is_off_by_default() -> None:
    assert Settings().compile is False
    plan = plan_fast_path(Settings(profile="sd15"), CUDA)
    assert plan.compile is False and plan.lora_hotswap_rank == 0
    assert plan.channels_last and plan.fuse_qkv  # the rest of the fast path is on for CUDA


def test_compile_asks_for_hotswap_and_low_vram_drops_fusion() -> None:
    compiled = plan_fast_path(Settings(profile="sd15", compile=True), CUDA)
    assert compiled.compile and compiled.lora_hotswap_rank > 0
    low = plan_fast_path(Settings(profile="sd15", low_vram=True, compile=True), CUDA)
    assert not low.fuse_qkv and not low.compile and low.vae_slicing  # offload hooks and compile do not mix


def test_cpu_plan_changes_nothing_and_the_tiny_pipeline_records_it(pipe: Any) -> None:
    plan = plan_fast_path(Settings(profile="tiny", compile=True), CPU)
    assert plan == FastPathPlan(device="cpu")
    recorded = fast_path_of(pipe)
    assert recorded is not None, "load_scene_pipeline applies the fast path"
    assert recorded[1].applied() == ["sdpa"]
    assert recorded[1].steps["compile"].startswith("skipped")
    assert processor_names(pipe.unet) == {"AttnProcessor2_0"}


def test_channels_last_and_fused_qkv_keep_the_output(pipe: Any) -> None:
    import torch

    before = render(pipe)
    report = apply_fast_path(pipe, CPU_FAST)
    assert {"channels_last", "fuse_qkv:unet", "fuse_qkv:controlnet", "fuse_qkv:vae"} <= set(report.applied())
    for model in (pipe.unet, pipe.controlnet, pipe.vae):
        assert processor_names(model) == {"FusedAttnProcessor2_0"}
    assert pipe.unet.conv_in.weight.is_contiguous(memory_format=torch.channels_last)
    assert not pipe.unet.conv_in.weight.is_contiguous()
    after = render(pipe)
    assert np.abs(after - before).max() < 1e-4
    assert np.abs(render(pipe, seed=6) - after).mean() > 0.01  # the comparison can fail


def test_a_lora_is_not_lost_to_fused_attention(pipe: Any) -> None:
    """Fused attention reads to_qkv, bypassing a LoRA on to_q/k/v: prepare_run must unfuse."""
    import torch
    from peft import LoraConfig

    unet = pipe.unet
    if "FusedAttnProcessor2_0" not in processor_names(unet):
        apply_fast_path(pipe, CPU_FAST)
    sample = torch.randn(1, 9, 8, 8, generator=torch.Generator().manual_seed(0))
    text = torch.randn(1, 7, unet.config.cross_attention_dim, generator=torch.Generator().manual_seed(1))

    def forward() -> torch.Tensor:
        with torch.no_grad():
            return unet(sample, 10, encoder_hidden_states=text).sample

    plain = forward()
    torch.manual_seed(0)
    # K/V: fused in self- and cross-attention alike, so a fused UNet ignores this LoRA entirely.
    unet.add_adapter(
        LoraConfig(r=4, lora_alpha=4, target_modules=["to_k", "to_v"], init_lora_weights=False), adapter_name="probe"
    )
    try:
        assert lora_active(unet)
        assert torch.allclose(forward(), plain), "fused attention ignores the LoRA (the hazard)"
        active = prepare_run(pipe, (SIZE, SIZE), 1)
        assert "unet_fused_qkv" not in active and processor_names(unet) == {"AttnProcessor2_0"}
        assert (forward() - plain).abs().max() > 1e-3, "unfused, the LoRA acts"
        unet.disable_adapters()
        assert not lora_active(unet)
        assert "unet_fused_qkv" in prepare_run(pipe, (SIZE, SIZE), 1)
        assert processor_names(unet) == {"FusedAttnProcessor2_0"}
        assert torch.allclose(forward(), plain, atol=1e-5)
    finally:
        unet.delete_adapters("probe")
    assert not lora_active(unet)


def test_vae_tiling_turns_on_above_the_threshold(pipe: Any) -> None:
    side = int(VAE_TILING_ABOVE_PX**0.5)
    assert "vae_tiling" not in prepare_run(pipe, (side, side), 1)
    assert pipe.vae.use_tiling is False
    assert "vae_tiling" in prepare_run(pipe, (side + 64, side), 1)
    assert pipe.vae.use_tiling is True
    prepare_run(pipe, (512, 512), 4)
    assert pipe.vae.use_tiling is False and pipe.vae.use_slicing is False


def test_low_vram_slices_batches(pipe: Any) -> None:
    found = fast_path_of(pipe)
    assert found is not None
    object.__setattr__(pipe, "_studio_fast_path", (replace(found[0], vae_slicing=True), found[1]))
    try:
        assert "vae_slicing" in prepare_run(pipe, (512, 512), 4)
        assert pipe.vae.use_slicing is True
        assert "vae_slicing" not in prepare_run(pipe, (512, 512), 1)
    finally:
        object.__setattr__(pipe, "_studio_fast_path", found)
        prepare_run(pipe, (SIZE, SIZE), 1)


def test_every_step_skips_cleanly_when_unsupported() -> None:
    """A pipeline with none of the parts (or old ones) gets reasons, not exceptions."""
    everything = FastPathPlan(device="cuda", channels_last=True, fuse_qkv=True, compile=True, lora_hotswap_rank=8)
    bare = SimpleNamespace(unet=None, controlnet=None, vae=None)
    report = apply_fast_path(bare, everything)
    assert report.applied() == []
    for step in ("channels_last", "lora_hotswap"):
        assert report.steps[step].startswith("skipped"), step
    assert prepare_run(bare, (4096, 4096), 4) == []
    assert prepare_run(SimpleNamespace(), (4096, 4096), 4) == []  # no plan recorded: defaults, nothing to do


def test_fusion_refuses_models_it_cannot_fuse(tiny_settings: Settings) -> None:
    import torch
    from peft import LoraConfig

    assert fuse_qkv(torch.nn.Linear(2, 2)) == "no attention processors"
    unet = load_scene_pipeline(ModelManager(tiny_settings)).unet
    unet.add_adapter(LoraConfig(r=2, target_modules=["to_q"]), adapter_name="early")
    try:
        assert "LoRA" in fuse_qkv(unet)
        assert processor_names(unet) == {"AttnProcessor2_0"}
    finally:
        unet.delete_adapters("early")


def test_generate_scenes_runs_with_the_fast_path(own_models: ModelManager, pipe: Any, artifacts_dir: Path) -> None:
    from studio.presets import get_scene
    from studio.recipe import SceneSettings
    from studio.scene.generate import generate_scenes
    from tests.conftest import make_bottle_cutout
    from tests.models.fixtures import place_on_canvas

    if "FusedAttnProcessor2_0" not in processor_names(pipe.unet):
        apply_fast_path(pipe, CPU_FAST)
    placed = place_on_canvas(make_bottle_cutout().rgba, (300, 400), (60, 100))
    scenes = generate_scenes(
        own_models, placed, (300, 400), SceneSettings(preset="kitchen", steps=2), get_scene("kitchen"), [], [1, 2]
    )
    assert [s.background.size for s in scenes] == [(300, 400)] * 2
    assert scenes[0].background.tobytes() != scenes[1].background.tobytes()
    scenes[0].background.save(artifacts_dir / "fast_path_scene.png")


def _param_count(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())


def test_fusion_keeps_one_copy_where_no_lora_needs_the_unfused_projections(tiny_settings: Settings) -> None:
    """VAE and ControlNet hold one copy of their weights once fused; only the UNet keeps both (for LoRAs)."""
    fresh = load_scene_pipeline(ModelManager(tiny_settings))
    before = {name: _param_count(getattr(fresh, name)) for name in ("unet", "controlnet", "vae")}
    report = apply_fast_path(fresh, CPU_FAST)
    assert {"fuse_qkv:unet", "fuse_qkv:controlnet", "fuse_qkv:vae"} <= set(report.applied())
    assert _param_count(fresh.vae) == before["vae"]
    assert _param_count(fresh.controlnet) == before["controlnet"]
    assert _param_count(fresh.unet) > before["unet"]  # the UNet's unfused copy stays, by design
    assert not hasattr(fresh.vae.decoder.mid_block.attentions[0], "to_q")


def test_sdxl_keeps_its_unet_unfused_and_fast_path_forces_the_recipe_on_a_cpu() -> None:
    sdxl = plan_fast_path(Settings(profile="sdxl"), CUDA)
    assert sdxl.fuse_qkv and not sdxl.fuse_unet
    assert plan_fast_path(Settings(profile="sd15"), CUDA).fuse_unet
    forced = plan_fast_path(Settings(profile="tiny", fast_path=True, compile=True), DevicePolicy("cpu", "bfloat16"))
    assert forced.device == "cpu" and forced.channels_last and forced.fuse_qkv and forced.compile
    assert forced.lora_hotswap_rank > 0
