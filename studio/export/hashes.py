"""The short file hashes the A1111 webui writes as `Model hash` and `Lora hashes`, so sites match models.

- Model hash ("AutoV2"): the first 10 hex digits of the SHA-256 of the whole checkpoint file;
  only for a single-file model (a diffusers folder or hub id has no one file to hash).
- Lora hashes ("AutoV3", the webui's LoRA shorthash): the first 12 hex digits of the SHA-256 of a
  .safetensors file's bytes after its header (8-byte length + JSON), so editing metadata keeps it.
Hashes are remembered per (path, size, mtime): a multi-GB checkpoint is read once per process.
"""

from __future__ import annotations

import hashlib
import struct
from functools import lru_cache
from pathlib import Path

from studio.errors import StudioError

_CHUNK = 1 << 20


@lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int, skip_header: bool) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        if skip_header:
            (length,) = struct.unpack("<Q", fh.read(8))
            fh.seek(8 + length)
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _file_digest(path: Path, *, skip_header: bool) -> str:
    st = path.stat()
    return _digest(str(path), st.st_size, st.st_mtime_ns, skip_header)


def model_hash(source: str) -> str:
    """AutoV2 of a local single-file checkpoint; '' for folders, hub ids or unreadable files."""
    path = Path(source)
    if not source or path.suffix.lower() not in (".safetensors", ".ckpt") or not path.is_file():
        return ""
    try:
        return _file_digest(path, skip_header=False)[:10]
    except OSError:
        return ""


def lora_hashes(lora_dir: Path, names: list[str]) -> dict[str, str]:
    """{style name: AutoV3} for the styles whose files are on this computer (others are left out)."""
    from studio.styles.catalog import find_style

    out: dict[str, str] = {}
    for name in names:
        try:
            info = find_style(lora_dir, name)
            if info.path is None or not Path(info.path).is_file():
                continue
            out[name] = _file_digest(Path(info.path), skip_header=True)[:12]
        except (StudioError, OSError, struct.error):
            continue
    return out


def file_hashes(settings: object, recipe: object) -> dict[str, object]:
    """write_poster_file's model_hash / lora_hashes for this recipe under these settings."""
    models = getattr(recipe, "models", None)
    styles = [s.name for s in getattr(recipe, "styles", [])]
    lora_dir = getattr(settings, "lora_dir", None)
    return {
        "model_hash": model_hash(getattr(models, "base", "") or ""),
        "lora_hashes": lora_hashes(Path(lora_dir), styles) if lora_dir is not None and styles else {},
    }
