"""The A1111-style `parameters` text: what image tools (and people) read to see how a poster was made."""

from __future__ import annotations

from typing import Any

from studio.errors import StudioError
from studio.recipe import Recipe


def _scene_preset(preset_id: str) -> dict[str, Any]:
    from studio.presets import get_scene

    try:
        return get_scene(preset_id)
    except StudioError:
        return {}  # a custom or renamed scene: the recipe still holds the seller's own words


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def full_prompt(recipe: Recipe) -> tuple[str, str]:
    """The preset's prompt plus the seller's own words, styles as <lora:name:weight>."""
    preset = _scene_preset(recipe.scene.preset)
    prompt = ", ".join(p for p in (preset.get("prompt", ""), recipe.scene.prompt) if p)
    loras = " ".join(f"<lora:{s.name}:{s.weight:g}>" for s in recipe.styles)
    negative = ", ".join(p for p in (preset.get("negative_prompt", ""), recipe.scene.negative_prompt) if p)
    return _one_line(" ".join(p for p in (prompt, loras) if p)), _one_line(negative)


def parameters_text(recipe: Recipe, size: tuple[int, int], *, producer: str = "PosterStudio") -> str:
    """Three lines: prompt, `Negative prompt: …`, then `Key: value, …` settings."""
    preset = _scene_preset(recipe.scene.preset)
    prompt, negative = full_prompt(recipe)
    steps = recipe.scene.steps if recipe.scene.steps is not None else preset.get("steps", "")
    guidance = recipe.scene.guidance if recipe.scene.guidance is not None else preset.get("guidance", "")
    control = recipe.scene.control_strength
    if control is None:
        control = preset.get("control_strength", "")
    settings: list[tuple[str, object]] = [
        ("Steps", steps),
        ("CFG scale", guidance),
        ("Seed", recipe.scene.seed),
        ("Size", f"{size[0]}x{size[1]}"),
        ("Model", recipe.models.base or recipe.models.profile),
        ("ControlNet", f"{recipe.models.controlnet or recipe.scene.control_type} {control}".strip()),
        ("Scene", recipe.scene.preset),
        ("Backdrop", recipe.scene.backdrop),
        ("Variant", recipe.variant),
        ("Version", producer),
    ]
    # Commas would split a value in A1111's parser, so values are kept comma-free.
    values = ", ".join(f"{k}: {_one_line(str(v)).replace(',', ';')}" for k, v in settings if v != "")
    return f"{prompt}\nNegative prompt: {negative}\n{values}"
