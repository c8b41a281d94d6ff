"""A `.poster` project file: one zip with the cutouts (PNG), the recipes (JSON) and a version.

Opening is defensive, because a project may come from someone else: member
names must be plain relative paths we wrote (no zip-slip), sizes are capped
before anything is decompressed, and images are size-checked before decoding.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from PIL import Image

from studio.errors import StudioError
from studio.export.atomic import atomic_output
from studio.recipe import Recipe

if TYPE_CHECKING:
    from studio.settings import Budgets

# Version 2 stores cutouts under numbered member names and keeps the seller's own
# names (any language, spaces, dots) only as display text in the index.
PROJECT_VERSION = 2
PROJECT_KIND = "poster-studio-project"
MAX_MEMBER_BYTES = 200 * 1024 * 1024  # one cutout PNG or recipe, uncompressed
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_MEMBERS = 2000
MAX_RATIO = 200  # uncompressed/compressed; zip bombs go far beyond this
MAX_IMAGE_PIXELS = 40_000_000
MAX_NAME_CHARS = 200
_V1_NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")  # what version 1 wrote as member names
_MEMBER = re.compile(r"^cutouts/\d{3,6}\.png$")


@dataclass
class Project:
    cutouts: dict[str, Image.Image]
    recipes: list[Recipe]
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = PROJECT_VERSION


def save_project(
    path: Path, *, cutouts: dict[str, Image.Image], recipes: list[Recipe], extra: dict[str, Any] | None = None
) -> Path:
    """Write the project atomically. Cutout names are display text (`水杯.jpg`, `my photo (1)`):
    the files inside are numbered, so no name can reach the zip's paths."""
    names = [display_name(name) for name in sorted(cutouts)]
    if len(set(names)) != len(names):
        raise StudioError("Two cutouts would be saved under the same name.", hint="Rename one of the photos.")
    members = [f"cutouts/{i:03d}.png" for i in range(len(names))]
    index = {
        "kind": PROJECT_KIND,
        "version": PROJECT_VERSION,
        "cutouts": [{"name": name, "file": member} for name, member in zip(names, members)],
        "recipes": [f"recipes/{i:03d}.json" for i in range(len(recipes))],
        "extra": extra or {},
    }
    try:
        index_json = json.dumps(index, ensure_ascii=False, indent=2)
    except (TypeError, ValueError) as exc:
        raise StudioError("The project's extra data cannot be saved.", hint=str(exc)) from None
    path = Path(path)
    with atomic_output(path) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.json", index_json)
        for original, member in zip(sorted(cutouts), members):
            buf = io.BytesIO()
            cutouts[original].save(buf, "PNG", compress_level=6)  # keeps RGBA: the alpha is the product mask
            archive.writestr(member, buf.getvalue(), compress_type=zipfile.ZIP_STORED)
        for member, recipe in zip(index["recipes"], recipes):
            archive.writestr(member, recipe.to_json())
        for ref, data in _carried_logos(recipes).items():  # the logo's bytes travel with the project
            archive.writestr(f"logos/{ref.removeprefix('sha256:')}", data, compress_type=zipfile.ZIP_STORED)
    return path


def _carried_logos(recipes: list[Recipe]) -> dict[str, bytes]:
    from studio.text.logo_store import logo_bytes

    found = {}
    for recipe in recipes:
        data = logo_bytes(recipe.copy_text.logo) if recipe.copy_text.logo else None
        if data is not None:
            found[recipe.copy_text.logo] = data
    return found


def _open_logos(archive: zipfile.ZipFile) -> None:
    """Hold the logos a project carries (members named by their own hash; one that does not match is ignored)."""
    import hashlib

    from studio.text.logo_store import MAX_LOGO_BYTES, remember_logo

    for info in archive.infolist():
        if not re.fullmatch(r"logos/[0-9a-f]{64}", info.filename) or info.file_size > MAX_LOGO_BYTES:
            continue
        data = _read_member(archive, info.filename)
        if hashlib.sha256(data).hexdigest() == info.filename.removeprefix("logos/"):
            remember_logo(data)


def display_name(name: str) -> str:
    """A seller's photo name as shown and stored in the index: control characters and
    path separators dropped, trimmed to MAX_NAME_CHARS; never empty."""
    kept = "".join(ch for ch in str(name) if ch.isprintable() and ch not in "/\\").strip()
    return kept[:MAX_NAME_CHARS] or "product"


def _cutout_entries(index: dict[str, Any]) -> list[tuple[str, str]]:
    """(display name, member) pairs from either index version; unsafe entries refuse the file."""
    entries = []
    for entry in index.get("cutouts", []):
        if isinstance(entry, str) and _V1_NAME.match(entry):  # version 1: the name was the member
            entries.append((entry, f"cutouts/{entry}.png"))
        elif (
            isinstance(entry, dict)
            and isinstance(entry.get("name"), str)
            and isinstance(entry.get("file"), str)
            and _MEMBER.match(entry["file"])
            and len(entry["name"]) <= MAX_NAME_CHARS
        ):
            entries.append((display_name(entry["name"]), entry["file"]))
        else:
            raise StudioError("This project names a cutout in an unsafe way and was not opened.")
    return entries


def _check_members(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise StudioError("This project file has far too many parts to be a Poster Studio project.")
    total = 0
    for info in infos:
        pure = PurePosixPath(info.filename)
        if info.filename.startswith(("/", "\\")) or "\\" in info.filename or ".." in pure.parts or ":" in info.filename:
            raise StudioError(
                "This project file contains unsafe paths and was not opened.",
                hint="It may have been tampered with; ask for a fresh copy.",
            )
        if info.file_size > MAX_MEMBER_BYTES or (
            info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1_000_000
        ):
            raise StudioError(
                "This project file contains an oversized part and was not opened.",
                hint="It may be damaged or not a Poster Studio project.",
            )
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise StudioError("This project file is too large to open.")


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        with archive.open(name) as member:
            data = member.read(MAX_MEMBER_BYTES + 1)  # never trust the header's size alone
    except KeyError:
        raise StudioError(f"This project file is missing '{name}'.", hint="It may be damaged.") from None
    if len(data) > MAX_MEMBER_BYTES:
        raise StudioError("This project file contains an oversized part and was not opened.")
    return data


def _open_cutout(data: bytes, name: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        if image.format != "PNG" or image.width * image.height > MAX_IMAGE_PIXELS:
            raise StudioError(f"The cutout '{name}' in this project is not a usable PNG.")
        image.load()
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise StudioError(f"The cutout '{name}' in this project cannot be read.", hint=str(exc)) from None
    return image


def open_project(path: Path, budgets: Budgets | None = None) -> Project:
    """Read a `.poster` file back; StudioError for anything that is not a sound project of ours.

    `budgets`: the recipes and cut-outs it may list, counted from its index before any is read."""
    try:
        archive = zipfile.ZipFile(Path(path))
    except (OSError, zipfile.BadZipFile) as exc:
        raise StudioError(f"{Path(path).name} is not a Poster Studio project.", hint=str(exc)) from None
    with archive:
        _check_members(archive)
        try:
            index = json.loads(_read_member(archive, "project.json"))
        except ValueError:
            raise StudioError("This project's index is damaged.") from None
        if not isinstance(index, dict) or index.get("kind") != PROJECT_KIND:
            raise StudioError(f"{Path(path).name} is not a Poster Studio project.")
        if int(index.get("version", 0)) > PROJECT_VERSION:
            raise StudioError("This project was saved by a newer Poster Studio.", hint="Update the studio to open it.")
        if budgets is not None:
            from studio.budgets import check_count

            for kind, listed in (("project_cutouts", index.get("cutouts")), ("project_recipes", index.get("recipes"))):
                check_count(kind, len(listed) if isinstance(listed, (list, dict, str)) else 0, budgets)
        cutouts = {}
        for name, member in _cutout_entries(index):
            cutouts[name] = _open_cutout(_read_member(archive, member), name)
        _open_logos(archive)
        recipes = []
        for member in index.get("recipes", []):
            if not isinstance(member, str) or not re.fullmatch(r"recipes/\d{3,6}\.json", member):
                raise StudioError("This project names a recipe in an unsafe way and was not opened.")
            recipes.append(Recipe.from_json(_read_member(archive, member)))
    extra = index.get("extra") if isinstance(index.get("extra"), dict) else {}
    return Project(cutouts=cutouts, recipes=recipes, extra=extra, version=int(index.get("version", PROJECT_VERSION)))
