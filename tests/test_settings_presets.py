"""Settings resolve the same way for the app and the CLI; presets are data with exact sizes."""

import pytest

from studio.errors import StudioError
from studio.presets import get_platform, get_scene, preset_ids
from studio.settings import Settings, parse_auth

REQUIRED_PLATFORMS = {
    "taobao_main": (800, 800),
    "taobao_3x4": (750, 1000),
    "jd_main": (800, 800),
    "douyin_9x16": (1080, 1920),
    "xiaohongshu_3x4": (1242, 1660),
    "amazon_main": (2000, 2000),
}


def test_required_platforms_have_exact_sizes_and_sources():
    for pid, size in REQUIRED_PLATFORMS.items():
        p = get_platform(pid)
        assert p.size == size
        assert p.source, f"{pid} must say where its numbers come from"
        assert p.max_bytes > 0


def test_amazon_main_forbids_text_and_wants_white():
    p = get_platform("amazon_main")
    assert not p.allows_text and p.white_background and "fill_85" in p.rules


def test_at_least_twelve_scenes_with_prompts():
    ids = preset_ids("scenes")
    assert len(ids) >= 12
    for sid in ids:
        scene = get_scene(sid)
        assert scene["prompt"] and scene["negative_prompt"] and "procedural" in scene
        assert scene["name"]["zh"] and scene["name"]["en"]


def test_unknown_preset_names_valid_choices():
    with pytest.raises(StudioError) as err:
        get_platform("taobao")
    assert "taobao_main" in str(err.value)


def test_env_then_flags(monkeypatch):
    monkeypatch.setenv("STUDIO_PROFILE", "tiny")
    monkeypatch.setenv("STUDIO_BASE_MODEL", "/models/base")
    assert Settings.from_env().profile == "tiny"
    s = Settings.from_env(profile="none")
    assert s.profile == "none" and s.base_model == "/models/base"


def test_bad_profile_is_a_studio_error(monkeypatch):
    monkeypatch.setenv("STUDIO_PROFILE", "sd3")
    with pytest.raises(StudioError, match="Unknown profile"):
        Settings.from_env()


def test_auto_resolves_to_none_without_gpu_and_says_why(monkeypatch):
    monkeypatch.setenv("STUDIO_FORCE_CPU", "1")
    s = Settings(profile="auto").resolved()
    assert s.profile == "none" and "no CUDA GPU" in s.profile_reason


def test_model_sources_default_to_hub_ids_and_can_be_overridden():
    assert "/" in Settings(profile="sd15").model_source("base")
    assert Settings(profile="sd15", base_model="/x/model.safetensors").model_source("base") == "/x/model.safetensors"
    assert Settings(profile="sdxl").model_source("controlnet").startswith("diffusers/")


def test_parse_auth(tmp_path):
    assert parse_auth("ann:secret") == (("ann", "secret"),)
    f = tmp_path / "auth.txt"
    f.write_text("bob:pw\n")
    assert parse_auth(str(f)) == (("bob", "pw"),)
    f.write_text("bob:pw\nann:a:b\n")  # a team file: each line its own account, not one password with a newline
    assert parse_auth(str(f)) == (("bob", "pw"), ("ann", "a:b"))
    with pytest.raises(StudioError):
        parse_auth("nopassword")
    assert parse_auth(None) is None
