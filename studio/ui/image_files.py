"""Hand images to Gradio as files we wrote whole, never as PIL objects.

Gradio stores a returned PIL image in its cache under a folder named by the image's bytes and
rewrites that file on every return. When two sellers get the same picture at once (the same
cutout, a style thumbnail, the same preview), one rewrite truncates the file while the other
browser is still downloading it, and that download arrives empty. A file path is copied into
the cache under a temporary name and renamed into place, and an existing copy is reused, so
handing Gradio paths avoids the race.

Files are named by their content: the same picture is written once. Old files are pruned.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from PIL import Image

MAX_AGE_S = 24 * 3600  # as long as Gradio keeps its own cache copies (app.py delete_cache)
PRUNE_EVERY = 200  # writes between prunes of the scratch folder
_lock = threading.Lock()
_writes = 0


def scratch_folder() -> Path:
    folder = Path(tempfile.gettempdir()) / f"poster-studio-views-{os.getuid() if hasattr(os, 'getuid') else 'u'}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def image_file(img: Image.Image) -> str:
    """Write img once, atomically, and return its path.

    Transparent images keep lossless PNG (edges matter in a cutout); opaque ones are WebP at
    high quality, a tenth of the bytes for a share-link user on a slow line.
    """
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        suffix, options = "png", {"compress_level": 3}
        img = img if img.mode == "RGBA" else img.convert("RGBA")
    else:
        suffix, options = "webp", {"quality": 92, "method": 2}
        img = img if img.mode == "RGB" else img.convert("RGB")
    digest = hashlib.sha1(img.mode.encode() + repr(img.size).encode() + img.tobytes()).hexdigest()[:24]
    folder = scratch_folder()
    path = folder / f"{digest}.{suffix}"
    try:
        os.utime(path)  # handed out again: keep it past the next prune
        exists = True
    except OSError:  # not written yet (or pruned a moment ago)
        exists = False
    if not exists:
        fd, staging = tempfile.mkstemp(dir=folder, prefix=f".{digest}.", suffix=f".{suffix}")
        try:
            with os.fdopen(fd, "wb") as handle:
                img.save(handle, format=suffix.upper(), **options)
            os.replace(staging, path)
        except BaseException:
            Path(staging).unlink(missing_ok=True)
            raise
    _count_write(folder)
    return str(path)


def images_as_files(value: Any) -> Any:
    """value with every PIL image in it (in tuples, lists and dicts) replaced by image_file(...)."""
    if isinstance(value, Image.Image):
        return image_file(value)
    if isinstance(value, tuple):
        return tuple(images_as_files(item) for item in value)
    if isinstance(value, list):
        return [images_as_files(item) for item in value]
    if isinstance(value, dict):
        return {key: images_as_files(item) for key, item in value.items()}
    return value


def prune(folder: Path, max_age_s: float = MAX_AGE_S) -> int:
    """Delete views older than max_age_s; returns how many went."""
    cutoff = time.time() - max_age_s
    removed = 0
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError:
            continue  # another process pruned it first
    return removed


def _count_write(folder: Path) -> None:
    global _writes
    with _lock:
        _writes += 1
        due = _writes % PRUNE_EVERY == 1
    if due:
        prune(folder)
