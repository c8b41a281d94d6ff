"""Where a catalogue's photos come from: a folder, or a zip the seller uploaded.

A row names its photo by a path relative to that folder (or inside the zip). Nothing outside the
folder is ever read: absolute paths and `..` are refused per row, and a zip holding a member that
would land outside its folder (zip-slip) is refused whole. Zip members are read into memory only,
never extracted.
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from studio.errors import StudioError
from studio.imageio import MAX_FILE_BYTES

MAX_ZIP_MEMBERS = 100_000


class PhotoMissing(StudioError):
    """This row's photo is not in the folder or zip (a row error, not a batch error)."""


def _clean(name: str) -> str:
    """A relative POSIX path with no `.` parts; StudioError for absolute paths or ones that climb out."""
    text = name.strip().replace("\\", "/")
    if not text:
        raise PhotoMissing("The photo cell is empty. / 图片一栏为空。")
    if text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise PhotoMissing(
            f"The photo '{name}' is an absolute path; give it relative to the photos folder. / 图片路径须相对于图片文件夹。"
        )
    norm = posixpath.normpath(text)
    if norm == ".." or norm.startswith("../"):
        raise PhotoMissing(f"The photo '{name}' points outside the photos folder. / 图片路径指向图片文件夹之外。")
    return norm


@dataclass(frozen=True)
class PhotoSource:
    """A photos folder (`folder`) or an uploaded zip (`zip_path`): exactly one is set."""

    folder: Path | None = None
    zip_path: Path | None = None
    members: tuple[str, ...] = field(default=(), repr=False)  # the zip's files, normalised

    @classmethod
    def open(cls, where: Path | str) -> "PhotoSource":
        path = Path(where)
        if path.is_dir():
            return cls(folder=path.resolve())
        if path.is_file() and zipfile.is_zipfile(path):
            return cls(zip_path=path.resolve(), members=_zip_members(path))
        raise StudioError(
            f"Cannot find the photos at {path}: give a folder or a .zip of photos. / 找不到图片：请给出文件夹或图片压缩包。"
        )

    def find(self, name: str) -> str:
        """The photo's key in this source (relative path), or PhotoMissing with the reason."""
        rel = _clean(name)
        if self.folder is not None:
            target = (self.folder / rel).resolve()
            if not target.is_relative_to(self.folder):  # a symlink that leads out
                raise PhotoMissing(
                    f"The photo '{name}' points outside the photos folder. / 图片路径指向图片文件夹之外。"
                )
            if not target.is_file():
                raise PhotoMissing(f"The photo '{name}' is not in the photos folder. / 图片文件夹里没有“{name}”。")
            return rel
        if rel in self.members:
            return rel
        # A zip made by "compress this folder" puts everything under one top folder: accept that too.
        tails = [m for m in self.members if m.split("/", 1)[-1] == rel]
        if len(tails) == 1:
            return tails[0]
        raise PhotoMissing(f"The photo '{name}' is not in the photos zip. / 压缩包里没有“{name}”。")

    def read(self, key: str) -> bytes:
        """The bytes of a photo found by `find` (at most imageio.MAX_FILE_BYTES)."""
        if self.folder is not None:
            path = self.folder / key
            if path.stat().st_size > MAX_FILE_BYTES:
                raise StudioError(f"The photo '{key}' is larger than 100 MB. / 图片超过 100 MB。")
            return path.read_bytes()
        assert self.zip_path is not None
        with zipfile.ZipFile(self.zip_path) as archive:
            info = archive.getinfo(_member_name(archive, key))
            if info.file_size > MAX_FILE_BYTES:
                raise StudioError(f"The photo '{key}' is larger than 100 MB. / 图片超过 100 MB。")
            return archive.read(info)


def _member_name(archive: zipfile.ZipFile, key: str) -> str:
    for info in archive.infolist():
        if posixpath.normpath(info.filename.replace("\\", "/")) == key:
            return info.filename
    raise PhotoMissing(f"The photo '{key}' is not in the photos zip. / 压缩包里没有“{key}”。")


def _zip_members(path: Path) -> tuple[str, ...]:
    """Every file of the zip, normalised; StudioError for a zip with a member that escapes it."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise StudioError(f"The photos zip cannot be read ({exc}). / 图片压缩包无法读取。") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise StudioError(f"The photos zip holds more than {MAX_ZIP_MEMBERS} files. / 压缩包文件过多。")
    names: list[str] = []
    for info in infos:
        raw = info.filename.replace("\\", "/")
        norm = posixpath.normpath(raw)
        if raw.startswith("/") or PurePosixPath(norm).parts[:1] == ("..",) or (len(raw) > 1 and raw[1] == ":"):
            raise StudioError(
                f"The photos zip holds '{info.filename}', a path that leads outside the zip's folder; "
                "nothing was read. Zip the photos folder again. / 压缩包内有指向包外的路径，已拒绝。"
            )
        if not info.is_dir():
            names.append(norm)
    return tuple(names)
