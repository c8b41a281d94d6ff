"""The A1111-style `parameters` text: what image tools (and people) read to see how a poster was made.

Written only for posters a model painted: a procedural or white-background file makes no
generation claim at all (parameters_text returns ""). The layout follows what the
AUTOMATIC1111 webui writes, because third-party readers (sd-parsers, sd-prompt-reader,
Civitai) parse exactly that: prompt line(s), `Negative prompt: …`, then one line of
`Key: value` pairs separated by ", ", among them Steps, Sampler, CFG scale and Seed.
"""

from __future__ import annotations

import json
from typing import Any

from studio.errors import StudioError
from studio.recipe import Recipe

# studio/models/diffusion.py puts every profile's pipeline on UniPCMultistepScheduler;
# "UniPC" is the webui's name for that sampler, and "Automatic" its schedule type for the
# scheduler's own sigma spacing.
SAMPLER = "UniPC"
SCHEDULE_TYPE = "Automatic"


def _scene_preset(preset_id: str) -> dict[str, Any]:
    from studio.presets import get_scene

    try:
        return get_scene(preset_id)
    except StudioError:
        return {}  # a custom or renamed scene: the recipe still holds the seller's own words


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def quote(value: object) -> str:
    """A value as the webui writes it: bare, or JSON-quoted when it holds a comma, colon or newline."""
    text = _one_line(str(value))
    if not any(c in text for c in ',:"'):
        return text
    return json.dumps(text, ensure_ascii=False)


def full_prompt(recipe: Recipe) -> tuple[str, str]:
    """The preset's prompt plus the seller's own words, styles as <lora:name:weight>."""
    preset = _scene_preset(recipe.scene.preset)
    prompt = ", ".join(p for p in (preset.get("prompt", ""), recipe.scene.prompt) if p)
    loras = " ".join(f"<lora:{s.name}:{s.weight:g}>" for s in recipe.styles)
    negative = ", ".join(p for p in (preset.get("negative_prompt", ""), recipe.scene.negative_prompt) if p)
    return _one_line(" ".join(p for p in (prompt, loras) if p)), _one_line(negative)


def _controlnet_unit(recipe: Recipe, preset: dict[str, Any]) -> str:
    """The webui's `ControlNet 0` value: "Module: …, Model: …, Weight: …, Guidance Start: …, Guidance End: …"."""
    scene = recipe.scene
    weight = scene.control_strength if scene.control_strength is not None else preset.get("control_strength", 1.0)
    parts = [
        ("Module", scene.control_type),
        ("Model", recipe.models.controlnet or f"controlnet-{scene.control_type}"),
        ("Weight", f"{float(weight):g}"),
        ("Guidance Start", f"{scene.control_start:g}"),
        ("Guidance End", f"{scene.control_end:g}"),
    ]
    return ", ".join(f"{k}: {_one_line(v)}" for k, v in parts)


def parameters_text(
    recipe: Recipe,
    size: tuple[int, int],
    *,
    producer: str = "PosterStudio",
    ai_generated: bool = True,
    model_hash: str = "",
    lora_hashes: dict[str, str] | None = None,
) -> str:
    """Three lines: prompt, `Negative prompt: …`, then `Key: value, …` settings; "" when no model made pixels.

    model_hash / lora_hashes: the webui's short file hashes when the caller knows them (they
    cost a read of the whole file, so they are not computed here).
    """
    if not ai_generated:
        return ""
    preset = _scene_preset(recipe.scene.preset)
    prompt, negative = full_prompt(recipe)
    from studio.models.profiles import sampler_name, scene_guidance, scene_steps

    profile = recipe.models.profile
    steps = scene_steps(recipe.scene.steps, preset, profile)
    guidance = scene_guidance(recipe.scene.guidance, preset, profile)
    hashes = ", ".join(f"{name}: {h}" for name, h in (lora_hashes or {}).items())
    settings: list[tuple[str, object]] = [
        ("Steps", steps),
        ("Sampler", sampler_name(profile)),
        ("Schedule type", SCHEDULE_TYPE),
        ("CFG scale", f"{float(guidance):g}"),
        ("Seed", recipe.scene.seed),
        ("Size", f"{size[0]}x{size[1]}"),
        # Before Model: naive readers split the quoted unit on commas too, and the last "Model" wins.
        ("ControlNet 0", _controlnet_unit(recipe, preset)),
        ("Model hash", model_hash),
        ("Model", recipe.models.base or recipe.models.profile),
        ("Lora hashes", hashes),
        ("Scene", recipe.scene.preset),
        ("Variant", recipe.variant),
        ("Version", producer),
    ]
    values = ", ".join(f"{k}: {quote(v)}" for k, v in settings if str(v) != "")
    lines = [prompt, f"Negative prompt: {negative}"] if negative else [prompt]
    return "\n".join([*lines, values])
