"""A small catalogue on disk: photos (a real JPEG and an RGBA cut-out), and a CSV naming them."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from PIL import Image

from studio.settings import Settings
from tests.conftest import make_bottle_cutout

# Six rows, one with a photo that is not an image: the "done when" catalogue.
SIX_ROWS = [
    {"sku": "CUP-01", "photo": "cup.jpg", "headline": "Fresh brew", "price": "99", "scene": "kitchen"},
    {"sku": "CUP-02", "photo": "cup.jpg", "headline": "双11 狂欢价", "price": "88", "platforms": "taobao_main;jd_main"},
    {"sku": "BOT-01", "photo": "bottle.png", "headline": "Organic", "badge": "新品", "seed": "3"},
    {"sku": "BOT-02", "photo": "bottle.png", "subline": "保温一整天", "variants": "2"},
    {"sku": "BAD-01", "photo": "broken.jpg", "headline": "Never made"},
    {"sku": "玫瑰香水50ml", "photo": "bottle.png", "headline": "Rose", "scene": "valentines"},
]


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    columns = list(dict.fromkeys(k for row in rows for k in row))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def photos_dir(tmp_path: Path, product_photo: Image.Image) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    product_photo.save(folder / "cup.jpg", quality=92)
    make_bottle_cutout(120, 260).rgba.save(folder / "bottle.png")
    (folder / "broken.jpg").write_bytes(b"this is not a photo")
    return folder


@pytest.fixture
def six_rows(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "catalog.csv", SIX_ROWS)


@pytest.fixture
def batch_settings(tmp_path: Path) -> Settings:
    return Settings(profile="none", cache_dir=tmp_path / "cache", open_browser=False)


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (relative path → SHA-256), hidden stamps included."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def zip_contents(path: Path) -> dict[str, str]:
    """A zip's members by content (zips written at other moments differ only in timestamps)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return {n: hashlib.sha256(archive.read(n)).hexdigest() for n in sorted(archive.namelist())}


def comparable(folder: Path) -> dict[str, str]:
    """tree() with each posters.zip replaced by its members' contents, without the batch's own stamp."""
    out = {}
    for name, digest in tree(folder).items():
        if name.endswith(".batch.json"):
            continue  # it records posters.zip's bytes, timestamps included
        if name.endswith("posters.zip"):
            for member, member_digest in zip_contents(folder / name).items():
                out[f"{name}!{member}"] = member_digest
        else:
            out[name] = digest
    return out
