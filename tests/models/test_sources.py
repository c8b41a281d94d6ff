"""Model sources: hub id, local folder, single file; bad ones become seller-facing errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.errors import StudioError
from studio.models.diffusion import load_scene_pipeline, model_sources
from studio.models.manager import ModelManager
from studio.models.sources import classify_source
from studio.models.tiny import ensure_tiny_models, tiny_sources
from studio.settings import Settings


def test_hub_ids_are_hub_sources() -> None:
    src = classify_source("stable-diffusion-v1-5/stable-diffusion-inpainting", "base")
    assert (src.kind, src.ref) == ("hub", "stable-diffusion-v1-5/stable-diffusion-inpainting")
    assert classify_source("lllyasviel/control_v11p_sd15_canny", "controlnet").kind == "hub"


def test_local_folders_and_files(tiny_cache_dir: Path, tmp_path: Path) -> None:
    base, control = tiny_sources(ensure_tiny_models(tiny_cache_dir))
    assert classify_source(str(base), "base").kind == "folder"
    assert classify_source(str(control), "controlnet").kind == "folder"
    weights = tmp_path / "realisticVision_v51-inpainting.safetensors"
    weights.write_bytes(b"\0" * 16)
    src = classify_source(str(weights), "base")
    assert src.kind == "single_file" and src.ref == str(weights.resolve())
    url = "https://huggingface.co/x/y/blob/main/model.safetensors"
    assert classify_source(url, "base").kind == "single_file"


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: d / "missing" / "model.safetensors", "not found"),
        (lambda d: d, "not a diffusers base model"),
        (lambda d: _touch(d / "old.ckpt"), "does not open for safety"),
        (lambda d: _touch(d / "notes.txt"), "not a model file"),
    ],
)
def test_bad_local_sources_name_the_problem(tmp_path: Path, make, words: str) -> None:  # noqa: ANN001
    with pytest.raises(StudioError, match=words):
        classify_source(str(make(tmp_path)), "base")


@pytest.mark.parametrize("text", ["", "   ", "just-a-name", "https://example.com/page"])
def test_unusable_text_is_refused(text: str) -> None:
    with pytest.raises(StudioError):
        classify_source(text, "controlnet")


def test_folder_of_other_role_is_refused(tiny_cache_dir: Path) -> None:
    _, control = tiny_sources(ensure_tiny_models(tiny_cache_dir))
    with pytest.raises(StudioError, match="model_index.json"):
        classify_source(str(control), "base")


def test_hub_id_offline_fails_fast_with_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty download cache
    models = ModelManager(Settings(profile="sd15", cache_dir=tmp_path, device="cpu"))
    messages: list[str] = []
    with pytest.raises(StudioError) as caught:
        load_scene_pipeline(models, progress=lambda f, m: messages.append(m))
    assert "offline" in caught.value.message and "stable-diffusion-inpainting" in caught.value.message
    assert "--base-model" in caught.value.hint
    assert any(m.startswith("Downloading") for m in messages)
    assert models.loaded_keys() == []  # a failed load is not cached


def test_damaged_single_file_is_a_studio_error(tmp_path: Path) -> None:
    weights = tmp_path / "broken.safetensors"
    weights.write_bytes(b"this is not safetensors")
    models = ModelManager(Settings(profile="sd15", base_model=str(weights), cache_dir=tmp_path, device="cpu"))
    with pytest.raises(StudioError, match="broken.safetensors"):
        load_scene_pipeline(models)


def test_sd15_folder_under_sdxl_profile_names_the_right_profile(tiny_cache_dir: Path) -> None:
    base, control = tiny_sources(ensure_tiny_models(tiny_cache_dir))
    settings = Settings(
        profile="sdxl", base_model=str(base), controlnet=str(control), cache_dir=tiny_cache_dir, device="cpu"
    )
    with pytest.raises(StudioError) as caught:
        load_scene_pipeline(ModelManager(settings))
    assert "--profile sd15" in caught.value.hint


def test_depth_uses_a_depth_controlnet_and_canny_the_settings_one(tmp_path: Path) -> None:
    models = ModelManager(Settings(profile="sd15", cache_dir=tmp_path, device="cpu"))
    _, canny = model_sources(models, "canny")
    _, depth = model_sources(models, "depth")
    assert "canny" in canny.ref and "depth" in depth.ref


def test_none_profile_never_loads_a_diffusion_model(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="AI scenes are off"):
        load_scene_pipeline(ModelManager(Settings(profile="none", cache_dir=tmp_path)))


def _touch(path: Path) -> Path:
    path.write_bytes(b"x")
    return path
