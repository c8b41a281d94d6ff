"""Is a SKU's folder complete and current? A content hash of row + photo + recipe + model settings.

After a SKU's files are written, `DIR/<sku>/.batch.json` records that hash and every file's size
and SHA-256 prefix. A rerun skips the SKU when the hash matches and every file is there as
recorded; anything else (a changed cell, a new photo, another model, a deleted poster) makes it again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import studio
from studio.batch.types import SkuJob
from studio.settings import Settings

STAMP = ".batch.json"


def job_hash(job: SkuJob, settings: Settings) -> str:
    """Everything that changes this SKU's files, hashed."""
    facts = {
        "studio": studio.__version__,
        "cells": job.cells,
        "photo": job.photo_sha256,
        "photo_name": job.photo_name,
        "recipe": job.recipe.model_dump(mode="json"),
        "variants": job.variants,
        "listing": [list(job.sets), job.page],
        "profile": settings.profile,
        "base": settings.model_source("base"),
        "controlnet": settings.model_source("controlnet"),
        "styles": [_file_version(settings.lora_dir / f"{s.name}.safetensors") for s in job.recipe.styles],
        "device": [settings.device, settings.dtype, settings.fast_path, settings.compile],
        "labels": [settings.content_producer, settings.content_propagator, settings.c2pa],
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _file_version(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return "-"
    return f"{stat.st_size}-{stat.st_mtime_ns}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def stamp_text(digest: str, files: dict[str, bytes]) -> str:
    listed = {name: [len(data), _digest(data)] for name, data in sorted(files.items())}
    return json.dumps({"hash": digest, "files": listed}, indent=1, sort_keys=True)


def stamped_files(folder: Path, digest: str) -> list[str] | None:
    """The SKU's file names when its folder is complete and current for `digest`, else None."""
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("hash") != digest or not isinstance(stamp.get("files"), dict):
        return None
    for name, (size, _prefix) in stamp["files"].items():
        path = folder / name
        try:
            if path.stat().st_size != size:
                return None
        except OSError:
            return None
    return sorted(stamp["files"])
