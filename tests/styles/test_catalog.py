"""The catalog: sidecars, kohya metadata, previews, built-ins, names and uploads (no model needed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from safetensors.numpy import save_file

from studio.errors import StudioError
from studio.recipe import StyleChoice
from studio.settings import Settings
from studio.styles import add_style_file, find_style, list_styles, validate_choices
from studio.styles.catalog import read_builtin_catalog
from studio.styles.metadata import normalize_base
from studio.styles.names import check_style_name, style_file
from studio.styles.upload import upload_allowed
from tests.styles.lora_files import write_pickle_bomb


def _kohya(path: Path, width: int = 768, **meta: str) -> Path:
    key = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k"
    save_file(
        {
            f"{key}.lora_down.weight": np.zeros((4, width), np.float16),
            f"{key}.lora_up.weight": np.zeros((320, 4), np.float16),
            f"{key}.alpha": np.array(4.0, np.float16),
        },
        str(path),
        metadata=meta or None,
    )
    return path


def test_kohya_metadata_gives_base_model_and_trigger_words(tmp_path: Path) -> None:
    freq = {"5_shuimo": {"shuimo": 40, "ink": 40, "mountain": 12}, "reg": {"shuimo": 2}}
    _kohya(
        tmp_path / "ink.safetensors",
        ss_base_model_version="sd_v1",
        ss_tag_frequency=json.dumps(freq),
        ss_output_name="Shuimo ink",
    )
    (info,) = list_styles(tmp_path, builtin=False)
    assert (info.name, info.base_model, info.key_format) == ("ink", "sd15", "kohya")
    assert info.trigger_words == ("shuimo",)  # 42 beats ink's 40
    assert info.display_name == "Shuimo ink" and info.usable


def test_base_model_is_inferred_from_shapes_without_metadata(tmp_path: Path) -> None:
    _kohya(tmp_path / "a.safetensors", width=2048)
    _kohya(tmp_path / "b.safetensors", width=768)
    a, b = list_styles(tmp_path, builtin=False)
    assert (a.base_model, b.base_model) == ("sdxl", "sd15")


def test_sidecar_overrides_header_and_finds_preview(tmp_path: Path) -> None:
    _kohya(tmp_path / "tea.safetensors", ss_base_model_version="sd_v1")
    sidecar = {
        "display_name": "茶 Tea",
        "trigger_words": "tea ceremony, jade",
        "default_weight": 0.6,
        "license": "CC-BY",
        "source_url": "https://example.com/tea",
        "base_model": "SD 1.5",
    }
    (tmp_path / "tea.json").write_text(json.dumps(sidecar, ensure_ascii=False), encoding="utf-8")
    Image.new("RGB", (8, 8), "green").save(tmp_path / "tea.webp")
    (info,) = list_styles(tmp_path, builtin=False)
    assert info.display_name == "茶 Tea" and info.trigger_words == ("tea ceremony", "jade")
    assert info.default_weight == 0.6 and info.license == "CC-BY" and info.base_model == "sd15"
    assert info.preview == (tmp_path / "tea.webp").resolve()
    assert info.matches("JADE") and info.matches("茶") and not info.matches("pixel")


def test_unusable_files_are_listed_with_the_reason(tmp_path: Path) -> None:
    write_pickle_bomb(tmp_path / "trap.safetensors", tmp_path / "ran")
    _kohya(tmp_path / "ok.safetensors")
    (tmp_path / "ok.json").write_text("{not json", encoding="utf-8")
    trap, ok = sorted(list_styles(tmp_path, builtin=False), key=lambda s: s.name, reverse=True)
    assert "not a valid LoRA" in trap.problem and not trap.usable
    assert "not valid JSON" in ok.problem
    assert not (tmp_path / "ran").exists()
    with pytest.raises(StudioError, match="not a valid LoRA"):
        validate_choices(tmp_path, [StyleChoice(name="trap")])


def test_builtin_catalog_has_fast_draft_and_local_files_win(tmp_path: Path) -> None:
    builtins = read_builtin_catalog()
    by_name = {s.name: s for s in builtins}
    draft = by_name["fast-draft-sd15"]
    assert draft.fast_draft and draft.hub_repo == "latent-consistency/lcm-lora-sdv1-5" and draft.base_model == "sd15"
    assert by_name["fast-draft-sdxl"].hub_repo == "latent-consistency/lcm-lora-sdxl"
    assert all(s.hub_file.endswith(".safetensors") and s.base_model in ("sd15", "sdxl") for s in builtins)
    _kohya(tmp_path / "pixel-art-xl.safetensors", width=2048)
    styles = list_styles(tmp_path)
    assert [s.name for s in styles].count("pixel-art-xl") == 1
    assert find_style(tmp_path, "pixel-art-xl").path is not None  # the local file, not the hub one
    validate_choices(tmp_path, [StyleChoice(name="fast-draft-sd15")])  # no download needed to validate


def test_builtin_download_failure_is_a_seller_message(tmp_path: Path, monkeypatch) -> None:
    from studio.styles.hub import fetch_builtin

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    info = find_style(tmp_path, "fast-draft-sd15")
    with pytest.raises(StudioError, match="Could not download"):
        fetch_builtin(info)


def test_unknown_and_too_many_choices(tmp_path: Path) -> None:
    _kohya(tmp_path / "one.safetensors")
    with pytest.raises(StudioError, match="no style called 'two'") as err:
        validate_choices(tmp_path, [StyleChoice(name="two")])
    assert "one" in err.value.hint
    with pytest.raises(StudioError, match="At most 3"):
        validate_choices(tmp_path, [StyleChoice(name=f"s{i}") for i in range(4)])


@pytest.mark.parametrize("bad", ["../x", "/abs/x", "a/b", "a\\b", "..", ".hidden", "C:x", "x\x00y", ""])
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(StudioError, match="not a style name"):
        check_style_name(bad)


def test_good_names_and_symlinks_inside(tmp_path: Path) -> None:
    assert check_style_name("水墨 风格 (v2)") == "水墨 风格 (v2)"
    assert check_style_name("ink.safetensors") == "ink"
    real = _kohya(tmp_path / "real.safetensors")
    (tmp_path / "alias.safetensors").symlink_to(real)
    assert style_file(tmp_path, "alias") == real.resolve()
    outside = _kohya(tmp_path.parent / f"{tmp_path.name}-out.safetensors")
    (tmp_path / "escape.safetensors").symlink_to(outside)
    with pytest.raises(StudioError, match="outside"):
        style_file(tmp_path, "escape")
    escape = {s.name: s for s in list_styles(tmp_path, builtin=False)}["escape"]
    assert "outside" in escape.problem


@pytest.mark.parametrize(
    "text, base",
    [
        ("sd_v1", "sd15"),
        ("sdxl_base_v1-0", "sdxl"),
        ("sd_v2", "sd2"),
        ("stable-diffusion-xl-v1-base/lora", "sdxl"),
        ("stable-diffusion-v1/lora", "sd15"),
        ("", "unknown"),
    ],
)
def test_base_model_spellings(text: str, base: str) -> None:
    assert normalize_base(text) == base


def test_upload_is_checked_and_copied(tmp_path: Path) -> None:
    folder = tmp_path / "loras"
    upload = _kohya(tmp_path / "Neon Glow.safetensors", ss_base_model_version="sd_v1")
    info = add_style_file(folder, upload)
    assert info.name == "Neon Glow" and (folder / "Neon Glow.safetensors").is_file() and info.base_model == "sd15"
    with pytest.raises(StudioError, match="already exists"):
        add_style_file(folder, upload)
    marker = tmp_path / "ran"
    for name in ("bad.ckpt", "bad.safetensors"):
        with pytest.raises(StudioError):
            add_style_file(folder, write_pickle_bomb(tmp_path / name, marker))
    assert not marker.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["Neon Glow.safetensors"]  # no temp files left
    with pytest.raises(StudioError, match="not a style name"):
        add_style_file(folder, upload, name="../escape")


def test_upload_is_off_on_a_share_link_unless_allowed() -> None:
    assert upload_allowed(Settings(share=False))
    assert not upload_allowed(Settings(share=True))
    assert upload_allowed(Settings(share=True, allow_uploads_on_share=True))
