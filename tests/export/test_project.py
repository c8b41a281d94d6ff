"""`.poster` project files: round trip, and refusal of unsafe or oversized archives."""

from __future__ import annotations

import io
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
    path = save_project(
        tmp_path / "shop.poster", cutouts={"bottle": bottle_cutout.rgba}, recipes=recipes, extra={"note": "双11"}
    )
    project = open_project(path)
    assert project.version == 2 and project.extra == {"note": "双11"}
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


@pytest.mark.parametrize("name", ["水杯.jpg", "my photo (1).jpg", "玫瑰香水 50ml.v2.png", "x" * 90, "../bottle"])
def test_any_photo_name_a_seller_uses_saves_and_reopens(tmp_path, bottle_cutout, name):
    path = save_project(tmp_path / "x.poster", cutouts={name: bottle_cutout.rgba}, recipes=[])
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["cutouts/000.png", "project.json"]  # the name never becomes a path
    reopened = open_project(path)
    assert list(reopened.cutouts) == [project_mod.display_name(name)]
    assert project_mod.display_name(name) == name.replace("/", "")


def test_version_1_projects_still_open(tmp_path, bottle_cutout):
    buf = io.BytesIO()
    bottle_cutout.rgba.save(buf, "PNG")
    index = b'{"kind": "poster-studio-project", "version": 1, "cutouts": ["bottle"], "recipes": []}'
    path = _zip_with(tmp_path / "old.poster", {"project.json": index, "cutouts/bottle.png": buf.getvalue()})
    assert list(open_project(path).cutouts) == ["bottle"]


def test_unsafe_member_in_a_version_2_index_is_refused(tmp_path):
    index = b'{"kind": "poster-studio-project", "version": 2, "cutouts": [{"name": "a", "file": "../a.png"}]}'
    with pytest.raises(StudioError, match="unsafe"):
        open_project(_zip_with(tmp_path / "evil.poster", {"project.json": index}))
