"""The tiny profile: built offline, seeded, saved and loaded back through the real loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.models.diffusion import load_scene_pipeline
from studio.models.manager import ModelManager
from studio.models.tiny import (
    TINY_VERSION,
    build_tiny_components,
    ensure_tiny_models,
    tiny_sources,
    write_tiny_tokenizer,
)
from studio.settings import Settings


def test_tiny_folder_is_a_diffusers_layout(tiny_cache_dir: Path) -> None:
    folder = ensure_tiny_models(tiny_cache_dir)
    base, control = tiny_sources(folder)
    index = json.loads((base / "model_index.json").read_text())
    assert index["_class_name"] == "StableDiffusionInpaintPipeline"
    for part in ("unet", "vae", "text_encoder", "tokenizer", "scheduler"):
        assert (base / part).is_dir(), part
    assert (control / "config.json").is_file()
    assert (folder / "tiny-version.txt").read_text() == TINY_VERSION


def test_second_call_reuses_the_built_folder(tiny_cache_dir: Path) -> None:
    folder = ensure_tiny_models(tiny_cache_dir)
    weights = tiny_sources(folder)[0] / "unet" / "diffusion_pytorch_model.safetensors"
    before = weights.stat().st_mtime_ns
    assert ensure_tiny_models(tiny_cache_dir) == folder
    assert weights.stat().st_mtime_ns == before


def test_loaded_pipeline_keeps_sd_geometry(tiny_manager: ModelManager) -> None:
    pipe = load_scene_pipeline(tiny_manager)
    assert type(pipe).__name__ == "StableDiffusionControlNetInpaintPipeline"
    assert pipe.vae_scale_factor == 8
    assert pipe.unet.config.in_channels == 9
    assert len(pipe.controlnet.config.conditioning_embedding_out_channels) == 4  # 3 stride-2 convs: /8
    assert pipe.tokenizer.model_max_length == 77
    # SDPA attention everywhere (torch's fused scaled_dot_product_attention)
    kinds = {type(p).__name__ for p in pipe.unet.attn_processors.values()}
    assert kinds == {"AttnProcessor2_0"}


def test_controlnet_embedding_matches_latent_size(tiny_manager: ModelManager) -> None:
    import torch

    pipe = load_scene_pipeline(tiny_manager)
    cond = torch.zeros(1, 3, 256, 192)
    with torch.no_grad():
        embedded = pipe.controlnet.controlnet_cond_embedding(cond)
    assert embedded.shape[-2:] == (256 // 8, 192 // 8)


def test_tokenizer_end_token_has_highest_id_and_chinese_has_no_unk(tiny_manager: ModelManager) -> None:
    tok = load_scene_pipeline(tiny_manager).tokenizer
    assert tok.eos_token_id == max(tok.get_vocab().values())
    ids = tok("大理石台面 marble counter").input_ids
    assert tok.unk_token_id not in ids
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    assert len(set(ids)) > 8  # real byte-level tokens, not one id per word
    # like the real CLIP tokenizer, every scene preset's prompt fits in 77 tokens
    from studio.presets import all_presets

    for preset in all_presets("scenes").values():
        assert len(tok(preset["prompt"]).input_ids) <= 77, preset["id"]


def test_build_is_seeded(tmp_path: Path) -> None:
    write_tiny_tokenizer(tmp_path / "tok")
    first = build_tiny_components(tmp_path / "tok")
    second = build_tiny_components(tmp_path / "tok")
    for name in ("unet", "controlnet", "vae", "text_encoder"):
        a, b = first[name].state_dict(), second[name].state_dict()
        assert a.keys() == b.keys()
        assert all((a[k] == b[k]).all() for k in a), name
    weights = first["unet"].conv_in.weight
    assert weights.abs().sum() > 0  # random, not zeros


def test_tiny_profile_builds_its_models_on_first_use(tmp_path: Path) -> None:
    models = ModelManager(Settings(profile="tiny", cache_dir=tmp_path, device="cpu"))
    messages: list[str] = []
    pipe = load_scene_pipeline(models, progress=lambda f, m: messages.append(m))
    assert (tmp_path / "tiny-sd15" / "base" / "model_index.json").is_file()
    assert any("tiny-sd15/base" in m for m in messages)
    assert pipe is load_scene_pipeline(models)  # cached in the manager
    assert any(key.startswith("scene:") for key in models.loaded_keys())


@pytest.mark.parametrize("device", ["cpu"])
def test_policy_decides_dtype_once(tiny_settings: Settings, device: str) -> None:
    models = ModelManager(tiny_settings)
    assert models.policy.device == device
    assert models.policy.dtype_name == "float32"
    pipe = load_scene_pipeline(models)
    assert pipe.unet.dtype == models.policy.torch_dtype()
