"""Presets are data: JSON files in presets/{scenes,layouts,platforms}/, one per id.

A seller can correct a platform's size or add a scene by editing a file; the
code only reads them. Lookups of an unknown id raise a StudioError that names
the valid choices.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.settings import REPO_ROOT

KINDS = ("scenes", "layouts", "platforms", "set_slots", "detail_sections")
# Short-video covers: buttons and captions cover the top and bottom (platforms.md: "likely").
DEFAULT_SAFE_AREA = {"top": 0.12, "bottom": 0.2}


@dataclass(frozen=True)
class Platform:
    id: str
    name: dict[str, str]
    width: int
    height: int
    format: str  # jpeg | png | webp
    max_bytes: int
    min_bytes: int
    rules: tuple[str, ...]  # white_background, no_text, fill_85, safe_top_bottom
    source: str
    confidence: str
    # Fractions of the height that the app's own UI covers (rule safe_top_bottom), kept free of copy.
    safe_top: float = 0.0
    safe_bottom: float = 0.0
    slice_height: int = 0  # a long page (detail page) is uploaded as slices at most this tall; 0: one image

    @property
    def size(self) -> tuple[int, int]:
        return (self.width, self.height)

    @property
    def allows_text(self) -> bool:
        return "no_text" not in self.rules

    @property
    def white_background(self) -> bool:
        return "white_background" in self.rules


@lru_cache(maxsize=8)
def _load_kind(presets_dir: str, kind: str) -> dict[str, dict[str, Any]]:
    folder = Path(presets_dir) / kind
    items: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        return items
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise StudioError(f"The preset file {path.name} is not valid JSON.", hint=str(exc)) from None
        data.setdefault("id", path.stem)
        items[data["id"]] = data
    return items


def all_presets(kind: str, presets_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    if kind not in KINDS:
        raise ValueError(kind)
    return _load_kind(str(presets_dir or REPO_ROOT / "presets"), kind)


def preset_ids(kind: str, presets_dir: Path | None = None) -> list[str]:
    return list(all_presets(kind, presets_dir))


def get_preset(kind: str, preset_id: str, presets_dir: Path | None = None) -> dict[str, Any]:
    items = all_presets(kind, presets_dir)
    if preset_id not in items:
        label = {
            "scenes": "scene",
            "layouts": "layout",
            "platforms": "platform",
            "set_slots": "set slot",
            "detail_sections": "detail-page section",
        }[kind]
        raise StudioError(f"Unknown {label} '{preset_id}'.", hint=f"Choose one of: {', '.join(items)}.")
    return items[preset_id]


def get_scene(scene_id: str, presets_dir: Path | None = None) -> dict[str, Any]:
    return get_preset("scenes", scene_id, presets_dir)


def get_layout(layout_id: str, presets_dir: Path | None = None) -> dict[str, Any]:
    return get_preset("layouts", layout_id, presets_dir)


def get_platform(platform_id: str, presets_dir: Path | None = None) -> Platform:
    data = get_preset("platforms", platform_id, presets_dir)
    return Platform(
        id=data["id"],
        name=dict(data.get("name", {})),
        width=int(data["width"]),
        height=int(data["height"]),
        format=data.get("format", "jpeg"),
        max_bytes=int(data.get("max_bytes", 0)),
        min_bytes=int(data.get("min_bytes", 0)),
        rules=tuple(data.get("rules", ())),
        source=data.get("source", ""),
        confidence=data.get("confidence", "check"),
        slice_height=int(data.get("slice_height", 0)),
        **_safe_bands(data),
    )


def _safe_bands(data: dict[str, Any]) -> dict[str, float]:
    if "safe_top_bottom" not in data.get("rules", ()):
        return {}
    bands = {**DEFAULT_SAFE_AREA, **data.get("safe_area", {})}
    return {"safe_top": float(bands["top"]), "safe_bottom": float(bands["bottom"])}


def ordered_ids(kind: str, presets_dir: Path | None = None) -> list[str]:
    """Preset ids in their files' `order` (set slots, detail-page sections), then by id."""
    items = all_presets(kind, presets_dir)
    return sorted(items, key=lambda pid: (int(items[pid].get("order", 999)), pid))


def display_name(item: dict[str, Any], lang: str = "en") -> str:
    names = item.get("name", {})
    if isinstance(names, str):
        return names
    return names.get(lang) or names.get("en") or item.get("id", "")
