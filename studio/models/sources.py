"""Where a model comes from: a hub id, a local diffusers folder, or one .safetensors file.

`--base-model` and `--controlnet` take any of the three; `classify_source`
tells them apart without touching the network, and rejects what cannot work
with a message a seller can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from studio.errors import StudioError

SourceKind = Literal["hub", "folder", "single_file"]
Role = Literal["base", "controlnet"]

# owner/name, as the hub spells repository ids
_HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*/[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_PICKLE_SUFFIXES = (".ckpt", ".pt", ".pth", ".bin")
_ROLE_WORDS = {"base": "base model", "controlnet": "ControlNet"}


@dataclass(frozen=True)
class ModelSource:
    kind: SourceKind
    ref: str  # hub id, URL, or absolute path
    role: Role

    @property
    def label(self) -> str:
        if self.kind == "hub" or self.ref.startswith("http"):
            return self.ref
        path = Path(self.ref)
        return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def classify_source(text: str, role: Role) -> ModelSource:
    """Decide how to load `text`; a StudioError names what is wrong when it cannot be loaded."""
    what = _ROLE_WORDS[role]
    value = (text or "").strip()
    if not value:
        raise StudioError(f"No {what} is set.", hint="Pass a hub id, a local diffusers folder or a .safetensors file.")
    if value.startswith(("http://", "https://")):
        if value.endswith(".safetensors"):
            return ModelSource("single_file", value, role)
        raise StudioError(
            f"The {what} link must point at a .safetensors file.",
            hint="Or give the model's hub id, like owner/name.",
        )
    path = Path(value).expanduser()
    if path.exists():
        return _classify_local(path.resolve(), role)
    if _looks_like_path(value):
        raise StudioError(f"The {what} '{value}' was not found on this computer.", hint="Check the path and spelling.")
    if _HUB_ID.match(value):
        return ModelSource("hub", value, role)
    raise StudioError(
        f"'{value}' is not a {what} the studio can use.",
        hint="Give a hub id like owner/name, a local diffusers folder, or a .safetensors file.",
    )


def _classify_local(path: Path, role: Role) -> ModelSource:
    what = _ROLE_WORDS[role]
    if path.is_dir():
        index = "model_index.json" if role == "base" else "config.json"
        if (path / index).is_file():
            return ModelSource("folder", str(path), role)
        raise StudioError(
            f"The folder '{path.name}' is not a diffusers {what} (it has no {index}).",
            hint="Point at the folder that holds it, or at a single .safetensors file.",
        )
    suffix = path.suffix.lower()
    if suffix == ".safetensors":
        return ModelSource("single_file", str(path), role)
    if suffix in _PICKLE_SUFFIXES:
        # Pickled checkpoints can run code when loaded; the studio only opens safetensors.
        raise StudioError(
            f"'{path.name}' is a {suffix} checkpoint, which the studio does not open for safety.",
            hint="Use the .safetensors version of the model (most model pages offer one).",
        )
    raise StudioError(f"'{path.name}' is not a model file.", hint="Use a .safetensors file or a diffusers folder.")


def _looks_like_path(value: str) -> bool:
    return (
        value.startswith(("/", "./", "../", "~", "\\"))
        or value.count("/") > 1
        or "\\" in value
        or value.lower().endswith((".safetensors", *_PICKLE_SUFFIXES))
        or (len(value) > 1 and value[1] == ":")  # C:\...
    )


def base_family_of_folder(path: Path) -> str | None:
    """'sdxl', 'sd15' or 'zimage' from a diffusers folder's model_index.json; None when unsure."""
    import json

    try:
        index = json.loads((path / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = str(index.get("_class_name", ""))
    if name.startswith("ZImage"):
        return "zimage"
    if "XL" in name:
        return "sdxl"
    if name.startswith("StableDiffusion"):
        return "sd15"
    return None
