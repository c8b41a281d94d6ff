"""remove_background's flow (with a stand-in session), batches, files and zips."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cutout import MODELS, cutout_batch, remove_background, write_cutouts, zip_cutouts
from studio.errors import StudioError
from studio.imageio import load_image
from studio.layers import Cutout
from studio.models.manager import ModelManager
from studio.recipe import CutoutSettings
from tests.cutout.conftest import DiskSession


def photo(size: tuple[int, int] = (300, 200), colour: tuple[int, int, int] = (90, 140, 200)) -> Image.Image:
    return Image.new("RGB", size, colour)


def test_cutout_is_cropped_to_the_product_with_margin(disk_models: ModelManager) -> None:
    s = CutoutSettings(crop_margin=0.1, decontaminate=False)
    cut = remove_background(photo(), s, disk_models, source_sha256="abc")
    x0, y0, x1, y1 = cut.box
    side = max(x1 - x0, y1 - y0)
    assert 115 <= side <= 125  # the disc is 0.3 × 200 px in radius
    assert x0 == round(0.1 * side) and cut.rgba.width == x1 + x0  # equal margins, in cutout pixels
    assert cut.source_sha256 == "abc" and cut.rgba.mode == "RGBA"
    assert cut.mask.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == 255


def test_session_is_borrowed_once_from_the_manager(disk_models: ModelManager) -> None:
    for _ in range(2):
        remove_background(photo(), CutoutSettings(decontaminate=False), disk_models)
    session = disk_models.peek("rembg:u2netp")
    assert isinstance(session, DiskSession) and session.calls == 2


def test_transparent_input_skips_the_model(disk_models: ModelManager, bottle_cutout: Cutout) -> None:
    cut = remove_background(bottle_cutout.rgba, CutoutSettings(decontaminate=False), disk_models)
    assert disk_models.peek("rembg:u2netp").calls == 0
    b = bottle_cutout.box
    truth = np.asarray(bottle_cutout.mask)[b[1] : b[3], b[0] : b[2]]
    got = np.asarray(cut.mask)[cut.box[1] : cut.box[3], cut.box[0] : cut.box[2]]
    assert got.shape == truth.shape and np.array_equal(got > 127, truth > 127)


def test_unknown_model_names_the_choices(disk_models: ModelManager) -> None:
    with pytest.raises(StudioError) as info:
        remove_background(photo(), CutoutSettings(model="magic"), disk_models)
    assert "u2netp" in str(info.value) and "birefnet-general" in str(info.value)


def test_empty_mask_is_a_seller_message(models: ModelManager) -> None:
    models.get("rembg:u2netp", lambda: DiskSession(radius_fraction=0.0))
    with pytest.raises(StudioError, match="No product"):
        remove_background(photo(), CutoutSettings(), models)


def test_catalog_flags_non_commercial_models() -> None:
    for name in ("u2netp", "u2net", "isnet-general-use", "birefnet-general", "birefnet-general-lite", "bria-rmbg"):
        assert name in MODELS
    assert not MODELS["bria-rmbg"].commercial_use and "NOT for commercial" in MODELS["bria-rmbg"].choice_label()
    assert all(MODELS[n].commercial_use for n in MODELS if n != "bria-rmbg")


def test_batch_writes_pngs_and_a_zip(disk_models: ModelManager, tmp_path: Path) -> None:
    loaded = [load_image(photo(), name=n) for n in ("tea", "tea", "../杯子 1")]
    seen: list[float] = []
    cutouts = cutout_batch(
        loaded, CutoutSettings(decontaminate=False), disk_models, progress=lambda f, m: seen.append(f)
    )
    assert len(cutouts) == 3 and seen[-1] == 1.0 and seen == sorted(seen)
    paths = write_cutouts(cutouts, [x.name for x in loaded], tmp_path / "out")
    assert [p.name for p in paths] == ["tea.png", "tea_2.png", "杯子_1.png"]
    assert Image.open(paths[0]).mode == "RGBA"
    archive = zip_cutouts(paths, tmp_path / "cutouts.zip")
    with zipfile.ZipFile(archive) as zf:
        assert sorted(zf.namelist()) == sorted(p.name for p in paths)


def test_batch_failure_names_the_photo(models: ModelManager) -> None:
    models.get("rembg:u2netp", lambda: DiskSession(radius_fraction=0.0))
    with pytest.raises(StudioError, match="Photo 1 \\('blank'\\)"):
        cutout_batch([load_image(photo(), name="blank")], CutoutSettings(), models)
