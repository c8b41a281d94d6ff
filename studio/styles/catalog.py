"""The style catalog: LoRA files in the LoRA folder (with optional sidecars) plus built-in hub styles.

For `NAME.safetensors` the studio reads, in this order of trust:
1. `NAME.json` beside it (written by the seller): display name, trigger words,
   base model, default weight, preview image, licence, source URL;
2. the file's own header (kohya `ss_*` / `modelspec.*` metadata, key shapes);
3. the name itself.
A preview image is the sidecar's `preview`, or `NAME.png/.jpg/.jpeg/.webp`.
Files that cannot be used are still listed, with `problem` saying why, so the
seller sees them and the reason instead of a silently missing style.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.settings import REPO_ROOT
from studio.styles.metadata import (
    BaseModel,
    base_from_header,
    display_name_from_header,
    normalize_base,
    trigger_words_from_header,
)
from studio.styles.names import LORA_SUFFIX, check_style_name, path_in_folder
from studio.styles.safefile import LoraHeader, read_lora_header

BUILTIN_CATALOG = REPO_ROOT / "presets" / "lora_catalog.json"
PREVIEW_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
MAX_SIDECAR_BYTES = 256 * 1024
DEFAULT_WEIGHT = 0.8


@dataclass(frozen=True)
class StyleInfo:
    name: str  # the file stem (local) or the catalog id (built-in); what a recipe stores
    path: Path | None  # the .safetensors file; None for a built-in style not downloaded yet
    display_name: str = ""
    trigger_words: tuple[str, ...] = ()
    default_weight: float = DEFAULT_WEIGHT
    base_model: BaseModel = "unknown"
    preview: Path | None = None
    license: str = ""
    source_url: str = ""
    description: str = ""
    key_format: str = ""  # "diffusers" | "kohya" | "" (not read yet)
    size_bytes: int = 0
    hub_repo: str = ""  # built-in styles: downloaded from here on first use
    hub_file: str = ""
    fast_draft: bool = False  # an LCM-style sampler LoRA, not a look (see studio/styles/draft.py)
    problem: str = ""  # why this style cannot be used; "" when it can

    @property
    def builtin(self) -> bool:
        return bool(self.hub_repo)

    @property
    def usable(self) -> bool:
        return not self.problem

    def matches(self, query: str) -> bool:
        """Case-insensitive search over name, display name, trigger words and description."""
        q = query.strip().lower()
        if not q:
            return True
        haystack = " ".join([self.name, self.display_name, *self.trigger_words, self.description]).lower()
        return all(part in haystack for part in q.split())


def list_styles(lora_dir: Path, *, builtin: bool = True, catalog_file: Path = BUILTIN_CATALOG) -> list[StyleInfo]:
    """Local styles (sorted by name), then built-in ones whose names no local file uses."""
    local = list_local_styles(lora_dir)
    if not builtin:
        return local
    taken = {s.name for s in local}
    return local + [s for s in read_builtin_catalog(catalog_file) if s.name not in taken]


def list_local_styles(lora_dir: Path) -> list[StyleInfo]:
    folder = Path(lora_dir)
    if not folder.is_dir():
        return []
    styles = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name.lower()):
        if path.name.startswith(".") or not path.name.lower().endswith(LORA_SUFFIX):
            continue
        styles.append(describe_local_file(folder, path.name[: -len(LORA_SUFFIX)]))
    return styles


def describe_local_file(folder: Path, stem: str) -> StyleInfo:
    """One local style, with `problem` filled in (never raised) when it cannot be used."""
    info = StyleInfo(name=stem, path=None, display_name=stem)
    try:
        check_style_name(stem)
        path = path_in_folder(folder, stem + LORA_SUFFIX)
        info = replace(info, path=path)
        header = _cached_header(path)
    except StudioError as exc:
        return replace(info, problem=str(exc))
    info = from_header(info, header)
    try:
        return apply_sidecar(info, folder)
    except StudioError as exc:
        return replace(info, problem=str(exc))


def from_header(info: StyleInfo, header: LoraHeader) -> StyleInfo:
    return replace(
        info,
        path=header.path,
        display_name=display_name_from_header(header) or info.display_name,
        trigger_words=trigger_words_from_header(header) or info.trigger_words,
        base_model=base_from_header(header) if info.base_model == "unknown" else info.base_model,
        key_format=header.key_format,
        size_bytes=header.size_bytes,
    )


def apply_sidecar(info: StyleInfo, folder: Path) -> StyleInfo:
    """Overlay `NAME.json` (if any) and find the preview image."""
    data = _read_sidecar(folder, info.name)
    updates: dict[str, Any] = {}
    if "display_name" in data:
        updates["display_name"] = str(data["display_name"])[:80]
    if "trigger_words" in data:
        updates["trigger_words"] = _words(data["trigger_words"])
    if "base_model" in data:
        updates["base_model"] = normalize_base(str(data["base_model"]))
    if "default_weight" in data:
        updates["default_weight"] = _weight(data["default_weight"], info.name)
    if "fast_draft" in data:  # an LCM-LoRA the seller put in the folder: use the draft scheduler
        updates["fast_draft"] = data["fast_draft"] is True
    for key in ("license", "source_url", "description"):
        if key in data:
            updates[key] = str(data[key])[:500]
    preview = _preview(folder, info.name, data.get("preview"))
    if preview is not None:
        updates["preview"] = preview
    return replace(info, **updates)


def read_builtin_catalog(catalog_file: Path = BUILTIN_CATALOG) -> list[StyleInfo]:
    """Built-in styles from the shipped data file; a broken file is a bug, so it raises."""
    if not catalog_file.is_file():
        return []
    data = json.loads(catalog_file.read_text(encoding="utf-8"))
    styles = []
    for entry in data.get("styles", []):
        styles.append(
            StyleInfo(
                name=check_style_name(entry["name"]),
                path=None,
                display_name=entry.get("display_name", entry["name"]),
                trigger_words=_words(entry.get("trigger_words", [])),
                default_weight=float(entry.get("default_weight", DEFAULT_WEIGHT)),
                base_model=normalize_base(entry["base_model"]),
                license=entry.get("license", ""),
                source_url=entry.get("source_url", f"https://huggingface.co/{entry['hub_repo']}"),
                description=entry.get("description", ""),
                hub_repo=entry["hub_repo"],
                hub_file=entry["hub_file"],
                fast_draft=bool(entry.get("fast_draft", False)),
            )
        )
    return styles


def find_style(lora_dir: Path, name: str, *, catalog_file: Path = BUILTIN_CATALOG) -> StyleInfo:
    """The style called `name`: a local file first, then the built-in catalog."""
    stem = check_style_name(name)
    folder = Path(lora_dir)
    if folder.is_dir() and path_in_folder(folder, stem + LORA_SUFFIX).is_file():
        return describe_local_file(folder, stem)
    for style in read_builtin_catalog(catalog_file):
        if style.name == stem:
            return style
    known = [s.name for s in list_styles(folder, catalog_file=catalog_file) if s.usable]
    shown = ", ".join(known[:12]) + (" …" if len(known) > 12 else "")
    raise StudioError(f"There is no style called '{stem}'.", hint=f"Styles you can use: {shown or 'none yet'}.")


_HEADER_CACHE: dict[tuple[str, int, int], LoraHeader] = {}


def _cached_header(path: Path) -> LoraHeader:
    """Headers are re-read only when a file changes (size or modification time)."""
    st = path.stat() if path.exists() else None
    if st is None:
        return read_lora_header(path)  # raises the seller's message
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _HEADER_CACHE:
        if len(_HEADER_CACHE) > 256:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[key] = read_lora_header(path)
    return _HEADER_CACHE[key]


def _read_sidecar(folder: Path, stem: str) -> dict[str, Any]:
    path = path_in_folder(folder, stem + ".json")
    if not path.is_file():
        return {}
    if path.stat().st_size > MAX_SIDECAR_BYTES:
        raise StudioError(f"The description file '{path.name}' is too big.", hint="Keep it under 256 KB.")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, OSError) as exc:
        raise StudioError(f"The description file '{path.name}' is not valid JSON.", hint=str(exc)[:120]) from None
    if not isinstance(data, dict):
        raise StudioError(f"The description file '{path.name}' must hold a JSON object.")
    return data


def _preview(folder: Path, stem: str, named: Any) -> Path | None:
    candidates = [str(named)] if isinstance(named, str) and named else []
    candidates += [stem + s for s in PREVIEW_SUFFIXES] + [stem + ".preview" + s for s in PREVIEW_SUFFIXES]
    for name in candidates:
        if "/" in name or "\\" in name or name.startswith("."):
            continue
        try:
            path = path_in_folder(folder, name)
        except StudioError:
            continue
        if path.is_file() and path.suffix.lower() in PREVIEW_SUFFIXES:
            return path
    return None


def _words(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
    return tuple(str(w).strip()[:60] for w in items if str(w).strip())[:8]


def _weight(value: Any, name: str) -> float:
    try:
        weight = float(value)
    except (TypeError, ValueError):
        raise StudioError(f"The default weight in '{name}.json' is not a number.") from None
    if not -2.0 <= weight <= 2.0:
        raise StudioError(f"The default weight in '{name}.json' must be between -2 and 2.")
    return weight
