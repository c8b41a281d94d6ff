"""Style names → files inside the LoRA folder, and never anywhere else.

A style name comes from a recipe, a CLI flag or a browser, so it is untrusted:
`../x`, absolute paths, drive letters, hidden files and symlinks that lead out
of the folder are all refused before anything is opened.
"""

from __future__ import annotations

import re
from pathlib import Path

from studio.errors import StudioError

# Letters (any script, so Chinese names work), digits, space, and . _ - ( ) + only.
_NAME = re.compile(r"^[\w][\w .()+\-]{0,199}$", re.UNICODE)
LORA_SUFFIX = ".safetensors"


def check_style_name(name: str) -> str:
    """The name, stripped, if it is a plain file stem; StudioError otherwise."""
    value = (name or "").strip()
    if value.lower().endswith(LORA_SUFFIX):
        value = value[: -len(LORA_SUFFIX)]
    bad = (
        not value
        or "/" in value
        or "\\" in value
        or ".." in value
        or ":" in value
        or "\x00" in value
        or value.startswith(".")
        or not _NAME.match(value)
    )
    if bad:
        raise StudioError(
            f"'{name[:80]}' is not a style name.",
            hint="A style is named by its file in the LoRA folder, without folders or '..' (for example: watercolor).",
        )
    return value


def path_in_folder(folder: Path, file_name: str) -> Path:
    """`folder / file_name`, resolved, refused if it (or a symlink on the way) leads outside `folder`."""
    root = folder.resolve()
    candidate = root / file_name
    resolved = candidate.resolve()
    if resolved.parent != root and root not in resolved.parents:
        raise StudioError(
            f"The style file '{file_name}' points outside the LoRA folder, so it is not used.",
            hint=f"Copy the file itself into {folder} instead of linking to it.",
        )
    return resolved


def style_file(folder: Path, name: str) -> Path:
    """The .safetensors file for style `name` inside `folder` (it need not exist)."""
    return path_in_folder(folder, check_style_name(name) + LORA_SUFFIX)
