"""A seller's uploaded LoRA: checked exactly like a file in the folder, then copied in atomically.

The UI hides upload on a shared link or a public Space unless the owner allowed it
(`Settings.uploads_allowed` holds that rule; `upload_allowed` reads it).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from studio.errors import StudioError
from studio.settings import Settings
from studio.styles.catalog import StyleInfo, describe_local_file
from studio.styles.names import LORA_SUFFIX, check_style_name, path_in_folder
from studio.styles.safefile import check_suffix, read_lora_header


def upload_allowed(settings: Settings) -> bool:
    """Uploads write files on the owner's disk: off on a share link or a Space unless turned on."""
    return settings.uploads_allowed


def add_style_file(lora_dir: Path, upload: Path, name: str | None = None, *, overwrite: bool = False) -> StyleInfo:
    """Validate `upload` (suffix, header, keys) and copy it to `lora_dir/NAME.safetensors`."""
    upload = Path(upload)
    check_suffix(upload)  # a .ckpt/.pt is refused before it is opened
    read_lora_header(upload)
    stem = check_style_name(name or _stem_of(upload))
    folder = Path(lora_dir)
    folder.mkdir(parents=True, exist_ok=True)
    target = path_in_folder(folder, stem + LORA_SUFFIX)
    if target.exists() and not overwrite:
        raise StudioError(
            f"A style called '{stem}' already exists.", hint="Rename the file, or delete the old one first."
        )
    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=LORA_SUFFIX, dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(upload, tmp)
        read_lora_header(Path(tmp))  # the copy is what will be used: check it too
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    info = describe_local_file(folder, stem)
    if info.problem:
        raise StudioError(info.problem)
    return info


def _stem_of(upload: Path) -> str:
    name = upload.name
    return name[: -len(LORA_SUFFIX)] if name.lower().endswith(LORA_SUFFIX) else upload.stem
