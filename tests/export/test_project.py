"""`.poster` project files: round trip, and refusal of unsafe or oversized archives."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.export import project as project_mod
from studio.export.project import open_project, save_project
from studio.export.variants import make_variants


def test_round_trip_keeps_cutout_pixels_and_recipes(bottle_cutout, recipe, tmp_path):
    recipes = make_variants(recipe, "seed", 3)
    path = save_project(tmp_path / "shop.poster", cutouts={"bottle": bottle_cutout.rgba}, recipes=recipes,
                        extra={"note": "双11"})
    project = open_project(path)
    assert project.version == 1 and project.extra == {"note": "双11"}
    assert project.recipes == recipes
    assert project.cutouts["bottle"].mode == "RGBA"
    assert np.array_equal(np.asarray(project.cutouts["bottle"]), np.asarray(bottle_cutout.rgba))


def _zip_with(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_zip_slip_is_refused(tmp_path):
    index = b'{"kind": "poster-studio-project", "version": 1, "cutouts": [], "recipes": []}'
    path = _zip_with(tmp_path / "evil.poster", {"project.json": index, "../../etc/evil.txt": b"x"})
    with pytest.raises(StudioError, match="unsafe paths"):
        open_project(path)
    path = _zip_with(tmp_path / "evil2.poster", {"project.json": index.replace(b"[]", b'["../x"]', 1)})
    with pytest.raises(StudioError, match="unsafe"):
        open_project(path)


def test_oversized_member_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(project_mod, "MAX_MEMBER_BYTES", 10_000)
    index = b'{"kind": "poster-studio-project", "version": 1, "cutouts": [], "recipes": []}'
    path = tmp_path / "bomb.poster"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", index)
        archive.writestr("cutouts/big.png", b"\0" * 50_000)
    with pytest.raises(StudioError, match="oversized"):
        open_project(path)


def test_not_a_project_and_newer_version(tmp_path):
    other = tmp_path / "photo.poster"
    Image.new("RGB", (10, 10)).save(other, "PNG")
    with pytest.raises(StudioError, match="not a Poster Studio project"):
        open_project(other)
    newer = _zip_with(tmp_path / "new.poster", {"project.json": b'{"kind": "poster-studio-project", "version": 9}'})
    with pytest.raises(StudioError, match="newer"):
        open_project(newer)


def test_bad_cutout_name_is_refused_on_save(tmp_path, bottle_cutout):
    with pytest.raises(StudioError, match="cannot be saved"):
        save_project(tmp_path / "x.poster", cutouts={"../bottle": bottle_cutout.rgba}, recipes=[])
    assert not (tmp_path / "x.poster").exists()
