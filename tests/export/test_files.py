"""write_poster_file: exact sizes, byte caps, embedded recipe / parameters / AIGC label, fidelity, atomicity."""

from __future__ import annotations

import dataclasses
import io
import math
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pytest
from PIL import Image, JpegImagePlugin

from studio.errors import StudioError
from studio.export import atomic
from studio.export.containers import read_embedded
from studio.export.fidelity import box_psnr
from studio.export.files import read_recipe_from_file, read_xmp, write_poster_file
from studio.export.labels import LABEL_BOX_NAME
from studio.export.xmp import TC260_NS, parse_xmp
from studio.layers import PlacedProduct
from studio.presets import get_platform, preset_ids
from studio.recipe import Recipe


@pytest.mark.parametrize("platform_id", preset_ids("platforms"))
def test_every_platform_is_written_at_its_exact_size(platform_id, make_poster, recipe, tmp_path):
    platform = get_platform(platform_id)
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    path = tmp_path / out.file
    assert out.file == f"SKU42_{platform_id}_A.{'jpg' if platform.format == 'jpeg' else platform.format}"
    with Image.open(path) as written:
        assert written.size == (platform.width, platform.height)
        assert written.mode == "RGB"
        assert written.info.get("icc_profile"), "every file embeds an sRGB profile"
    assert out.bytes == path.stat().st_size
    if platform.max_bytes:
        assert out.bytes <= platform.max_bytes
    assert not list(tmp_path.glob(".*.part")), "no temp files left behind"


def test_wrong_poster_size_is_a_seller_message(make_poster, recipe, tmp_path):
    poster, _ = make_poster("taobao_main")
    with pytest.raises(StudioError, match="exactly 750×1000"):
        write_poster_file(poster, get_platform("taobao_3x4"), tmp_path, recipe=recipe)


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_recipe_round_trips_through_the_file(fmt, make_poster, recipe, tmp_path):
    platform = get_platform("xiaohongshu_3x4")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format=fmt)
    back = read_recipe_from_file(tmp_path / out.file)
    assert back.model_copy(update={"outputs": []}) == recipe.model_copy(update={"outputs": []})
    assert back.outputs[-1] == out, "the file's recipe lists its own output entry, real byte count included"
    assert back.outputs[-1].bytes == (tmp_path / out.file).stat().st_size
    params = read_embedded(tmp_path / out.file).parameters
    lines = params.split("\n")
    assert "warm morning light" in lines[0]
    assert lines[1].startswith("Negative prompt:")
    assert "Seed: 1234" in lines[2] and "Size: 1242x1660" in lines[2] and "Steps:" in lines[2]


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_xmp_parses_with_stdlib_and_carries_the_tc260_label(fmt, make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe, file_format=fmt)
    packet = read_xmp(tmp_path / out.file)
    root = ET.fromstring(packet)  # a plain XML parse (python-xmp-toolkit is not installed)
    aigc_elements = list(root.iter(f"{{{TC260_NS}}}AIGC"))
    assert len(aigc_elements) == 1
    info = parse_xmp(packet)
    assert info.aigc is not None
    assert info.aigc["Label"] == "1"
    assert info.aigc["ContentProducer"] == "PosterStudio"
    assert info.aigc["ReservedCode1"].startswith("sha256-rgb8:") and len(info.aigc["ReservedCode1"]) == 12 + 64
    assert set(info.aigc) >= {"ProduceID", "ContentPropagator", "PropagateID", "ReservedCode2"}
    assert "digitalsourcetype" in info.source_type and "TrainedAlgorithmicMedia" in info.source_type


def test_produce_ids_are_unique_per_content_and_stable_per_recipe(make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")

    def produce_id(folder: str, made_from) -> str:
        poster, _ = make_poster(platform)
        out = write_poster_file(poster, platform, tmp_path / folder, recipe=made_from)
        return parse_xmp(read_xmp(tmp_path / folder / out.file)).aigc["ProduceID"]

    other_seed = recipe.model_copy(update={"scene": recipe.scene.model_copy(update={"seed": recipe.scene.seed + 1})})
    ids = [
        produce_id("a", recipe),
        produce_id("b", recipe),
        produce_id("c", recipe.model_copy(update={"variant": "B"})),
    ]
    ids.append(produce_id("d", other_seed))
    assert ids[0] == ids[1]  # a remake of the same recipe: the same content, the same ID (and the same bytes)
    assert len(set(ids)) == 3 and all(len(i) == 32 for i in ids)  # another variant or seed: another ID


def test_jpeg_keeps_product_fidelity_and_full_chroma(make_poster, recipe, tmp_path):
    platform = get_platform("taobao_main")
    poster, placed = make_poster(platform)
    composited = poster.image.copy()
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    with Image.open(tmp_path / out.file) as written:
        assert JpegImagePlugin.get_sampling(written) == 0, "4:4:4, no chroma subsampling"
        written.load()
        try:
            from studio.scene.composite import product_fidelity_psnr

            psnr = product_fidelity_psnr(written, PlacedProduct(rgba=placed, box=poster.product_box))
        except ImportError:
            psnr = box_psnr(composited, written, poster.product_box)
        own = box_psnr(composited, written, poster.product_box)
    assert psnr >= 40.0 and own >= 40.0, (psnr, own)
    assert not any("softened" in w for w in poster.warnings)


def test_noisy_poster_is_squeezed_under_a_small_cap(make_poster, recipe, tmp_path):
    base = get_platform("amazon_secondary")  # 2000×2000, text allowed
    platform = dataclasses.replace(base, max_bytes=2_500_000)
    poster, _ = make_poster(platform, noise=True)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    assert out.bytes <= 2_500_000
    quality = int(parse_xmp(read_xmp(tmp_path / out.file)).studio("Quality"))
    assert 60 <= quality < 95, "quality stepped down from 95 to fit"
    # One step higher would not have fitted: the search keeps the best quality that fits.
    with Image.open(tmp_path / out.file) as written:
        buf = io.BytesIO()
        written.save(buf, "JPEG", quality=quality + 2, subsampling=0, optimize=True)
    assert len(buf.getvalue()) > 2_500_000 * 0.95


def test_impossible_cap_is_a_clear_error_and_writes_nothing(make_poster, recipe, tmp_path):
    platform = dataclasses.replace(get_platform("amazon_secondary"), max_bytes=300_000)
    poster, _ = make_poster(platform, noise=True)
    with pytest.raises(StudioError, match="cannot be made smaller"):
        write_poster_file(poster, platform, tmp_path, recipe=recipe)
    assert list(tmp_path.iterdir()) == []


def test_png_over_cap_is_reported(make_poster, recipe, tmp_path):
    platform = dataclasses.replace(get_platform("taobao_main"), max_bytes=200_000, format="png")
    poster, _ = make_poster(platform, noise=True)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    assert out.bytes > 200_000
    assert any("over taobao_main" in w for w in poster.warnings)


def test_failed_write_leaves_no_partial_file_and_keeps_the_old_one(make_poster, recipe, tmp_path, monkeypatch):
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    old = (tmp_path / out.file).read_bytes()

    def broken_fsync(fd: int) -> None:  # the disk fills up after part of the bytes went out
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    recipe.scene.seed = 99
    with pytest.raises(OSError):
        write_poster_file(make_poster(platform)[0], platform, tmp_path, recipe=recipe)
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.file], "no .part file remains"
    assert (tmp_path / out.file).read_bytes() == old, "the earlier poster is untouched"


@pytest.mark.parametrize("platform_id", ["jd_main", "douyin_9x16"])
def test_visible_label_is_added_and_recorded(platform_id, make_poster, recipe, artifacts_dir):
    platform = get_platform(platform_id)
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, artifacts_dir, recipe=recipe)  # kept for a person to open
    box = out.text_boxes[LABEL_BOX_NAME]
    assert box[3] - box[1] >= 0.05 * min(platform.size)
    x0, y0, x1, y1 = poster.product_box
    assert box[2] <= x0 or box[0] >= x1 or box[3] <= y0 or box[1] >= y1, "label clear of the product"
    with Image.open(artifacts_dir / out.file) as written:
        crop = np.asarray(written.convert("L").crop(box))
    assert crop.max() > 230 and crop.min() < 120, "white text on a dark plate"


def test_no_text_platform_gets_no_visible_label_but_a_warning(make_poster, recipe, tmp_path):
    platform = get_platform("amazon_main")
    poster, _ = make_poster(platform, background=(255, 255, 255))
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    assert LABEL_BOX_NAME not in out.text_boxes
    assert any("AI生成" in w for w in poster.warnings)
    assert parse_xmp(read_xmp(tmp_path / out.file)).aigc["Label"] == "1"


def test_label_off_in_recipe(make_poster, recipe, tmp_path):
    recipe.export.aigc_label = False
    platform = get_platform("taobao_main")
    poster, _ = make_poster(platform)
    out = write_poster_file(poster, platform, tmp_path, recipe=recipe)
    assert out.text_boxes == {}
    with Image.open(tmp_path / out.file) as written:
        assert box_psnr(poster.image, written, (0, 0, 800, 800)) > 40


def test_file_without_recipe_is_a_seller_message(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (40, 40), "red").save(path)
    with pytest.raises(StudioError, match="no Poster Studio recipe"):
        read_recipe_from_file(path)
    assert read_xmp(path) == ""


def test_same_recipe_same_pixels(make_poster, recipe, tmp_path):
    """Re-export is reproducible: the same pixels, and the same file byte for byte (the label's IDs included)."""
    platform = get_platform("taobao_main")
    a = write_poster_file(make_poster(platform)[0], platform, tmp_path / "a", recipe=recipe)
    b = write_poster_file(make_poster(platform)[0], platform, tmp_path / "b", recipe=recipe)
    assert (tmp_path / "a" / a.file).read_bytes() == (tmp_path / "b" / b.file).read_bytes()
    with Image.open(tmp_path / "a" / a.file) as ia, Image.open(tmp_path / "b" / b.file) as ib:
        assert math.isinf(box_psnr(ia, ib, (0, 0, 800, 800)))
    assert isinstance(read_recipe_from_file(Path(tmp_path / "a" / a.file)), Recipe)
