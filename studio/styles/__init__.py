"""LoRA styles: catalog, safe loading, mixing and switching on a loaded pipeline.

- `list_styles(lora_dir)`: what the seller can choose (local files + built-in hub styles);
- `validate_choices(lora_dir, styles)`: refuse unknown, unusable or too many styles early (UI, CLI);
- `apply_styles(models, pipe, styles)`: the one call the scene generator makes before each
  run; returns the trigger words to append to the prompt;
- `add_style_file(lora_dir, upload)`: a seller's upload, checked, copied into the folder.

Importing this package is free: torch and diffusers are imported only where used.
"""

from __future__ import annotations

from pathlib import Path

from studio.recipe import StyleChoice
from studio.styles.catalog import StyleInfo, find_style, list_styles
from studio.styles.names import check_style_name

__all__ = [
    "StyleInfo",
    "add_style_file",
    "apply_styles",
    "clear_styles",
    "find_style",
    "list_styles",
    "validate_choices",
]


def validate_choices(lora_dir: Path, styles: list[StyleChoice], *, profile: str | None = None) -> None:
    """Raise StudioError unless every style exists, is usable, and there are at most three, once each.

    With `profile` (sd15, sdxl, zimage, tiny…), a style made for another base model is refused too.
    Cheap: reads headers only (no torch), so the UI and CLI can call it on every change.
    Built-in styles pass without a download; their file is checked when first used.
    Whether the tensor shapes fit is only known with the model loaded (`apply_styles`).
    """
    from studio.errors import StudioError
    from studio.styles.adapters import check_choices
    from studio.styles.fit import check_base_model

    check_choices(styles)
    family = _family_of(profile)
    for style in styles:
        check_style_name(style.name)
        info = find_style(lora_dir, style.name)
        if info.problem:
            raise StudioError(info.problem)
        if family:
            check_base_model(info, family)


def _family_of(profile: str | None) -> str:
    from studio.models.profiles import PROFILES

    entry = PROFILES.get(profile or "")
    return entry.family if entry else ""


def apply_styles(models: object, pipe: object, styles: list[StyleChoice]) -> list[str]:
    """Make exactly `styles` active on `pipe`; return their trigger words for the prompt."""
    from studio.styles.adapters import apply_styles as apply

    if _family_of(getattr(models, "profile", None)) == "zimage":  # a DiT: no UNet, its own LoRA loader
        from studio.styles.zimage_styles import apply_zimage_styles

        return apply_zimage_styles(models, pipe, styles)
    return apply(models, pipe, styles)


def clear_styles(pipe: object, *, unload: bool = False) -> None:
    """Back to the base model's output (unload=True also frees the adapters' memory)."""
    from studio.styles.adapters import clear_styles as clear

    clear(pipe, unload=unload)


def add_style_file(lora_dir: Path, upload: Path, name: str | None = None, *, overwrite: bool = False) -> StyleInfo:
    """Check an uploaded LoRA and copy it into `lora_dir`; return its catalog entry."""
    from studio.styles.upload import add_style_file as add

    return add(lora_dir, upload, name, overwrite=overwrite)
