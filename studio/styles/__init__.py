"""LoRA styles: catalog, validation and applying them to a loaded pipeline.

`apply_styles` is the one call the scene generator makes before each run.
This is the foundation's minimal version: the catalog lists `.safetensors`
files by name; loading LoRAs into a pipeline is not wired up yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.errors import StudioError
from studio.recipe import StyleChoice


@dataclass(frozen=True)
class StyleInfo:
    name: str
    path: Path
    display_name: str = ""
    trigger_words: tuple[str, ...] = ()
    default_weight: float = 0.8


def list_styles(lora_dir: Path) -> list[StyleInfo]:
    if not lora_dir.is_dir():
        return []
    return [StyleInfo(name=p.stem, path=p, display_name=p.stem) for p in sorted(lora_dir.glob("*.safetensors"))]


def validate_choices(lora_dir: Path, styles: list[StyleChoice]) -> None:
    known = {s.name for s in list_styles(lora_dir)}
    for style in styles:
        if style.name not in known:
            raise StudioError(f"Unknown style '{style.name}'.", hint=f"Styles found: {', '.join(sorted(known)) or 'none'}.")


def apply_styles(models: Any, pipe: Any, styles: list[StyleChoice]) -> list[str]:
    """Make exactly `styles` active on `pipe`; return their trigger words for the prompt."""
    if styles:
        raise StudioError("LoRA styles are not available in this build yet.", hint="Clear the styles and try again.")
    return []
