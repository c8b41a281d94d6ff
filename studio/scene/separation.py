"""Does the product stand out from a scene? A warning for the scene picker, and scenes that separate it.

A red box on the red 春节 scene disappears in a grid. The product's main colour (the mean of its
opaque pixels, and of its most common tone) is compared with the scene's wall and floor colours.
"""

from __future__ import annotations

import numpy as np

from studio.layers import Cutout

MIN_DISTANCE = 70.0  # RGB distance below which a buyer sees the product melt into the scene


def _hex(value: object) -> np.ndarray | None:
    if isinstance(value, str) and value.startswith("#") and len(value) == 7:
        try:
            return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)], np.float64)
        except ValueError:
            return None
    return None


def product_colours(cutout: Cutout) -> list[np.ndarray]:
    """The product's mean colour and its most common tone (quantised to 32 levels)."""
    rgba = np.asarray(cutout.rgba.convert("RGBA"))
    opaque = rgba[rgba[..., 3] >= 200][:, :3].astype(np.float64)
    if not len(opaque):
        return []
    bins = (opaque // 32).astype(int)
    keys, counts = np.unique(bins[:, 0] * 64 + bins[:, 1] * 8 + bins[:, 2], return_counts=True)
    top = keys[counts.argmax()]
    common = opaque[(bins[:, 0] * 64 + bins[:, 1] * 8 + bins[:, 2]) == top].mean(axis=0)
    return [opaque.mean(axis=0), common]


def scene_colours(preset: dict) -> list[np.ndarray]:
    proc = preset.get("procedural") or {}
    return [c for c in (_hex(proc.get(k)) for k in ("top", "bottom", "floor")) if c is not None]


def separation(cutout: Cutout, preset: dict) -> float:
    """The smallest RGB distance between the product's main colours and the scene's (higher separates better)."""
    ours, theirs = product_colours(cutout), scene_colours(preset)
    if not ours or not theirs:
        return 441.0
    return float(min(np.linalg.norm(a - b) for a in ours for b in theirs))


def separation_warning(cutout: Cutout, preset_id: str, lang: str = "zh") -> str:
    """'' when the product stands out from this scene; else a warning naming scenes that separate it."""
    from studio.presets import all_presets, display_name

    scenes = all_presets("scenes")
    preset = scenes.get(preset_id)
    if preset is None or separation(cutout, preset) >= MIN_DISTANCE:
        return ""
    ranked = sorted((sid for sid in scenes if sid != preset_id), key=lambda s: -separation(cutout, scenes[s]))
    better = (
        "、".join(display_name(scenes[s], lang) for s in ranked[:3])
        if lang == "zh"
        else ", ".join(display_name(scenes[s], lang) for s in ranked[:3])
    )
    name = display_name(preset, lang)
    if lang == "zh":
        return f"商品的颜色和场景“{name}”太接近，在列表里不够醒目；试试：{better}。"
    return f"The product's colours are close to the scene '{name}', so it will not stand out; try: {better}."
