"""Several photos at once: cut each out, write `<stem>.png` files, zip them for download."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from studio.cutout.remove import remove_background
from studio.errors import StudioError
from studio.imageio import LoadedImage
from studio.layers import Cutout
from studio.models.manager import ModelManager
from studio.progress import Progress, no_progress
from studio.recipe import CutoutSettings


def cutout_batch(
    images: list[LoadedImage],
    settings: CutoutSettings,
    models: ModelManager,
    progress: Progress = no_progress,
) -> list[Cutout]:
    """One Cutout per photo, in order. A photo that fails stops the batch, named in the message."""
    cutouts: list[Cutout] = []
    total = max(1, len(images))
    for i, loaded in enumerate(images):

        def step(fraction: float, message: str, i: int = i, name: str = loaded.name) -> None:
            progress((i + fraction) / total, f"Photo {i + 1} of {total} ({name}): {message}")

        try:
            cutouts.append(
                remove_background(loaded.image, settings, models, source_sha256=loaded.sha256, progress=step)
            )
        except StudioError as exc:
            raise StudioError(f"Photo {i + 1} ('{loaded.name}'): {exc.message}", hint=exc.hint) from exc
    progress(1.0, f"{len(cutouts)} cutouts ready.")
    return cutouts


def safe_stem(name: str) -> str:
    """A file stem any OS and zip tool accepts; keeps CJK letters, drops path parts."""
    stem = Path(name.replace("\\", "/")).name
    stem = re.sub(r"[^\w\-.]+", "_", stem).strip("._")
    return stem[:80] or "photo"


def write_cutouts(cutouts: list[Cutout], names: list[str], out_dir: Path) -> list[Path]:
    """Write each cutout as `<stem>.png` (RGBA) into `out_dir`; repeated names get _2, _3…"""
    if len(cutouts) != len(names):
        raise ValueError("write_cutouts needs one name per cutout")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    paths: list[Path] = []
    for cutout, name in zip(cutouts, names):
        stem = base = safe_stem(name)
        n = 1
        while stem.lower() in used:
            n += 1
            stem = f"{base}_{n}"
        used.add(stem.lower())
        path = out_dir / f"{stem}.png"
        cutout.rgba.save(path, "PNG")
        paths.append(path)
    return paths


def zip_cutouts(paths: list[Path], zip_path: Path) -> Path:
    """One zip with the files side by side (no folders), for a single download."""
    zip_path = Path(zip_path)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in paths:
            zf.write(path, arcname=Path(path).name)
    return zip_path
