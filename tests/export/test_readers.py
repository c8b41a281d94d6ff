"""Files read back with tools nobody here wrote: sd-parsers (A1111 reader) and piexif (what the webui uses).

Also: procedural / white-background files make no generation claim, and the recipe lives
where no reader mistakes it for another tool's (no JSON COM segment in JPEGs).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from PIL import Image

from studio.export.containers import read_embedded
from studio.export.files import read_recipe_from_file, read_xmp, write_poster_file
from studio.export.xmp import COMPOSITE_SYNTHETIC, DIGITAL_SOURCE_TYPE, parse_xmp
from studio.presets import get_platform
from studio.recipe import Recipe

sd_parsers = pytest.importorskip("sd_parsers")
piexif = pytest.importorskip("piexif")
piexif_helper = pytest.importorskip("piexif.helper")


@pytest.fixture
def ai_recipe(recipe):
    recipe.models.profile = "sd15"
    recipe.models.base = "stable-diffusion-v1-5/stable-diffusion-inpainting"
    recipe.models.controlnet = "lllyasviel/control_v11p_sd15_canny"
    return recipe


def _write(make_poster, recipe, tmp_path: Path, fmt: str, *, ai: bool = True, platform_id: str = "xiaohongshu_3x4"):
    platform = get_platform(platform_id)
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format=fmt, ai_generated=ai)
    return tmp_path / out.file


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_sd_parsers_reads_prompt_seed_steps_sampler(fmt, make_poster, ai_recipe, tmp_path):
    path = _write(make_poster, ai_recipe, tmp_path, fmt)
    info = sd_parsers.ParserManager().parse(str(path))
    assert info is not None, "sd-parsers recognises the file"
    assert info.generator == sd_parsers.data.Generators.AUTOMATIC1111
    sampler = info.samplers[0]
    assert sampler.name == "UniPC"
    assert sampler.parameters["seed"] == "1234"
    assert sampler.parameters["steps"] == "25"
    assert sampler.parameters["cfg_scale"] == "7"
    assert sampler.parameters["scheduler"] == "Automatic"
    assert sampler.model.name == "stable-diffusion-v1-5/stable-diffusion-inpainting"
    assert "warm morning light" in sampler.prompts[0].value
    assert sampler.negative_prompts and "watermark" in sampler.negative_prompts[0].value
    assert info.metadata["Size"] == "1242x1660"


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_piexif_reads_the_user_comment_as_undefined(fmt, make_poster, ai_recipe, tmp_path):
    path = _write(make_poster, ai_recipe, tmp_path, fmt)
    exif = piexif.load(str(path))
    raw = exif["Exif"][piexif.ExifIFD.UserComment]
    assert isinstance(raw, bytes) and raw.startswith(b"UNICODE\x00"), "type UNDEFINED, webui's UNICODE prefix"
    text = piexif_helper.UserComment.load(raw)
    assert text == read_embedded(path).parameters
    assert "Seed: 1234" in text and "Sampler: UniPC" in text and "Steps: 25" in text
    assert exif["Exif"][piexif.ExifIFD.ColorSpace] == 1
    assert exif["0th"][piexif.ImageIFD.Software] == b"PosterStudio"


def _webui_fields(line: str) -> dict[str, str]:
    """The settings line as the webui's own infotext parser splits it: key: value or key: "quoted"."""
    pattern = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
    out = {}
    for key, value in pattern.findall(line):
        out[key.strip()] = json.loads(value) if value.startswith('"') else value.strip()
    return out


def test_settings_line_parses_the_webui_way_with_the_controlnet_unit(make_poster, ai_recipe, tmp_path):
    params = read_embedded(_write(make_poster, ai_recipe, tmp_path, "png")).parameters
    fields = _webui_fields(params.split("\n")[-1])
    assert fields["Steps"] == "25" and fields["Sampler"] == "UniPC" and fields["Schedule type"] == "Automatic"
    assert fields["CFG scale"] == "7" and fields["Seed"] == "1234" and fields["Size"] == "1242x1660"
    assert fields["ControlNet 0"].startswith("Module: canny, Model: lllyasviel/control_v11p_sd15_canny, Weight:")
    assert fields["Model"] == "stable-diffusion-v1-5/stable-diffusion-inpainting"


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
@pytest.mark.parametrize("platform_id", ["xiaohongshu_3x4", "amazon_main"])
def test_files_no_model_made_claim_nothing(fmt, platform_id, make_poster, recipe, tmp_path):
    path = _write(make_poster, recipe, tmp_path, fmt, ai=False, platform_id=platform_id)
    assert read_embedded(path).parameters == "", "no Steps / CFG / ControlNet claim"
    with Image.open(path) as image:
        assert "parameters" not in image.info
        assert 0x9286 not in image.getexif().get_ifd(0x8769), "no UserComment"
    assert sd_parsers.ParserManager().parse(str(path)) is None
    info = parse_xmp(read_xmp(path))
    assert info.aigc is None and info.source_type == COMPOSITE_SYNTHETIC
    assert read_recipe_from_file(path).scene.seed == 1234, "the recipe still rides along"


def test_jpeg_recipe_is_in_our_xmp_not_a_comment(make_poster, ai_recipe, tmp_path):
    path = _write(make_poster, ai_recipe, tmp_path, "jpeg")
    data = path.read_bytes()
    assert b"\xff\xfe" not in data[: data.index(b"\xff\xda")], "no COM segment before the scan"
    with Image.open(path) as image:
        assert "comment" not in image.info
    info = parse_xmp(read_xmp(path))
    assert json.loads(info.studio("Recipe"))["scene"]["seed"] == 1234
    assert info.source_type == DIGITAL_SOURCE_TYPE
    assert read_recipe_from_file(path).scene.prompt == "warm morning light"


def test_model_and_lora_hashes_are_the_webuis_short_hashes(make_poster, ai_recipe, tmp_path):
    import hashlib
    import types

    import numpy as np
    from safetensors.numpy import save_file

    from studio.export.hashes import file_hashes
    from studio.recipe import StyleChoice

    lora_dir = tmp_path / "loras"
    lora_dir.mkdir()
    key = "lora_unet_down_blocks_1_attentions_0_proj_in"
    save_file(
        {
            f"{key}.lora_down.weight": np.ones((4, 32), np.float32),
            f"{key}.lora_up.weight": np.ones((32, 4), np.float32),
        },
        str(lora_dir / "inkwash.safetensors"),
        metadata={"ss_output_name": "inkwash"},
    )
    checkpoint = tmp_path / "base.safetensors"
    checkpoint.write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}" + bytes(range(256)) * 4)
    ai_recipe.styles = [StyleChoice(name="inkwash", weight=0.7)]
    ai_recipe.models.base = str(checkpoint)
    hashes = file_hashes(types.SimpleNamespace(lora_dir=lora_dir), ai_recipe)
    raw = (lora_dir / "inkwash.safetensors").read_bytes()
    after_header = raw[8 + int.from_bytes(raw[:8], "little") :]
    assert hashes["lora_hashes"] == {"inkwash": hashlib.sha256(after_header).hexdigest()[:12]}
    assert hashes["model_hash"] == hashlib.sha256(checkpoint.read_bytes()).hexdigest()[:10]
    platform = get_platform("xiaohongshu_3x4")
    out = write_poster_file(make_poster(platform)[0], platform, tmp_path, recipe=ai_recipe, file_format="png", **hashes)
    fields = _webui_fields(read_embedded(tmp_path / out.file).parameters.split("\n")[-1])
    assert fields["Model hash"] == hashes["model_hash"]
    assert fields["Lora hashes"] == f"inkwash: {hashes['lora_hashes']['inkwash']}"
    assert "<lora:inkwash:0.7>" in read_embedded(tmp_path / out.file).parameters.split("\n")[0]
    assert file_hashes(types.SimpleNamespace(lora_dir=lora_dir), Recipe())["model_hash"] == ""
