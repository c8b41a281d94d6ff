"""Read a recipe back from what the studio wrote: a recipe .json or an exported poster."""

from __future__ import annotations

from pathlib import Path

from studio.errors import StudioError
from studio.recipe import Recipe

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}


def recipe_from_file(path: Path) -> Recipe:
    """A recipe from a .json file or from a poster image the studio exported."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            return Recipe.from_json(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise StudioError(f"Cannot read {path.name}: {exc.strerror or exc}.") from None
    if suffix in IMAGE_SUFFIXES:
        from studio.export.files import read_recipe_from_file

        return read_recipe_from_file(path)
    raise StudioError(
        f"{path.name} is not a recipe or a poster.", hint="Open a .poster, .json, .jpg, .png or .webp file."
    )
