"""Variants for A/B tests: change one factor (or two, as a grid) of a base recipe, name them A, B, C…"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import ValidationError

from studio.errors import StudioError
from studio.recipe import CopyText, Recipe, StyleChoice

Factor = Literal["seed", "scene", "style", "copy", "layout"]
FACTORS: tuple[str, ...] = ("seed", "scene", "style", "copy", "layout")


def _styles(value: Any) -> list[StyleChoice]:
    """A style value: None/'' (no style), a name, a StyleChoice/dict, or a list of those."""
    if value in (None, "", []):
        return []
    items = value if isinstance(value, (list, tuple)) else [value]
    styles = []
    for item in items:
        if isinstance(item, StyleChoice):
            styles.append(item)
        elif isinstance(item, str):
            styles.append(StyleChoice(name=item))
        elif isinstance(item, dict):
            styles.append(StyleChoice(**item))
        else:
            raise StudioError(f"'{item}' is not a style.", hint="Give a style name, or a name with a weight.")
    return styles


def _copy_text(base: CopyText, value: Any) -> CopyText:
    """A copy value: a headline string, a dict of CopyText fields, or a CopyText."""
    if isinstance(value, CopyText):
        return value
    changes = {"headline": value} if isinstance(value, str) else dict(value)
    return CopyText.model_validate({**base.model_dump(), **changes})


def apply_factor(recipe: Recipe, factor: str, value: Any) -> Recipe:
    """A new recipe with one factor set to `value`; the base is left alone."""
    out = recipe.model_copy(deep=True)
    try:
        if factor == "seed":
            out.scene.seed = int(value)
        elif factor == "scene":
            from studio.presets import get_scene

            get_scene(str(value))  # unknown scene: a StudioError that lists the valid ones
            out.scene.preset = str(value)
        elif factor == "style":
            out.styles = _styles(value)
        elif factor == "copy":
            out.copy_text = _copy_text(out.copy_text, value)
        elif factor == "layout":
            out.copy_text.layout = str(value)
        else:
            raise StudioError(f"Cannot vary '{factor}'.", hint=f"Choose one of: {', '.join(FACTORS)}.")
    except (ValidationError, ValueError, TypeError) as exc:
        raise StudioError(f"The {factor} value '{value}' cannot be used for a variant.", hint=str(exc)[:200]) from None
    return out


def _name_all(recipes: list[Recipe], letters: str) -> list[Recipe]:
    if len(recipes) > len(letters):
        raise StudioError(
            f"That makes {len(recipes)} variants; the studio makes at most {len(letters)} at once.",
            hint="Use fewer values.",
        )
    for recipe, letter in zip(recipes, letters):
        recipe.variant = letter
        recipe.outputs = []  # files belong to the recipe that wrote them, not to its variants
    return recipes


def variant_seeds(base_seed: int, count: int) -> list[int]:
    """The seed rule, in one place: variant i of a seed set uses base seed + i (at least one variant)."""
    return [int(base_seed) + i for i in range(max(1, int(count)))]


def seed_variants(base: Recipe, count: int) -> list[Recipe]:
    """`count` copies of `base` that differ only in seed (scene previews use these too), unnamed."""
    out = []
    for seed in variant_seeds(base.scene.seed, count):
        recipe = base.model_copy(deep=True)
        recipe.scene.seed = seed
        out.append(recipe)
    return out


def _values(base: Recipe, factor: str, values: Sequence[Any] | int) -> list[Any]:
    if isinstance(values, int):  # a count: only meaningful for seeds
        if factor != "seed":
            raise StudioError(f"Give the {factor} values to try, not a count.")
        return variant_seeds(base.scene.seed, values)
    values = list(values)
    if not values:
        raise StudioError("Give at least one value to make variants from.")
    return values


def make_variants(
    base: Recipe, factor: Factor, values: Sequence[Any] | int, *, letters: str = "ABCDEFGH"
) -> list[Recipe]:
    """One recipe per value, named A, B, C…; for seeds an int n means base seed + 0..n-1."""
    values = _values(base, factor, values)
    return _name_all([apply_factor(base, factor, v) for v in values], letters)


def make_grid(
    base: Recipe,
    factor_a: Factor,
    values_a: Sequence[Any] | int,
    factor_b: Factor,
    values_b: Sequence[Any] | int,
    *,
    letters: str = "ABCDEFGHIJKLMNOP",
) -> list[Recipe]:
    """Every combination of two factors (a-major: A=a0b0, B=a0b1, …)."""
    if factor_a == factor_b:
        raise StudioError("A grid needs two different things to vary.")
    values_a, values_b = _values(base, factor_a, values_a), _values(base, factor_b, values_b)
    recipes = [apply_factor(apply_factor(base, factor_a, a), factor_b, b) for a in values_a for b in values_b]
    return _name_all(recipes, letters)


def _scene_name(preset_id: str, lang: str) -> str:
    from studio.presets import all_presets, display_name

    item = all_presets("scenes").get(preset_id)
    return display_name(item, lang) if item else preset_id


def variant_differences(recipe: Recipe, base: Recipe, lang: str = "zh") -> list[str]:
    """Short phrases for what differs from the base, in factor order."""
    parts: list[str] = []
    if recipe.scene.seed != base.scene.seed:
        parts.append(f"seed {recipe.scene.seed}")
    if recipe.scene.preset != base.scene.preset:
        parts.append(f"scene {_scene_name(recipe.scene.preset, lang)}")
    if recipe.styles != base.styles:
        names = ", ".join(f"{s.name} {s.weight:g}" for s in recipe.styles) or "none"
        parts.append(f"style {names}")
    copy_a, copy_b = recipe.copy_text.model_dump(exclude={"layout"}), base.copy_text.model_dump(exclude={"layout"})
    if copy_a != copy_b:
        changed = [k for k in copy_a if copy_a[k] != copy_b[k]]
        parts.append(
            f"copy “{recipe.copy_text.headline}”" if changed == ["headline"] else f"copy ({', '.join(changed)})"
        )
    if recipe.copy_text.layout != base.copy_text.layout:
        parts.append(f"layout {recipe.copy_text.layout}")
    return parts


def describe_variant(recipe: Recipe, base: Recipe, lang: str = "zh") -> str:
    """'B: scene 双11 红金' — the variant's name and what sets it apart from the base."""
    parts = variant_differences(recipe, base, lang)
    return f"{recipe.variant}: {', '.join(parts) if parts else 'same as the base'}"


# Two variants a buyer could not tell apart test nothing: at least this share of the pixels outside
# the product must differ by at least DIFF_LEVELS in some channel.
MIN_DIFFERENT_SHARE = 0.02
DIFF_LEVELS = 16


def background_difference(a: Any, b: Any, product_mask: Any = None) -> float:
    """The share of pixels outside the product (mask > 0 is product) that differ by ≥ DIFF_LEVELS."""
    import numpy as np

    x = np.asarray(a.convert("RGB"), dtype=np.int16)
    y = np.asarray(b.convert("RGB") if b.size == a.size else b.convert("RGB").resize(a.size), dtype=np.int16)
    changed = np.abs(x - y).max(axis=2) >= DIFF_LEVELS
    if product_mask is None:
        return float(changed.mean())
    outside = np.asarray(product_mask.convert("L")) == 0
    return float(changed[outside].mean()) if outside.any() else 0.0


def near_identical_variants(
    posters: dict[str, Any], product_masks: dict[str, Any] | None = None, *, min_share: float = MIN_DIFFERENT_SHARE
) -> list[tuple[str, str, float]]:
    """Pairs of variants (by name) whose posters of one platform differ in too few background pixels.

    posters: variant name → PIL image (same platform); product_masks: variant name → L mask of the product.
    Returns (a, b, share) for each pair below `min_share`, in name order.
    """
    names = sorted(posters)
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            mask = (product_masks or {}).get(a)
            share = background_difference(posters[a], posters[b], mask)
            if share < min_share:
                pairs.append((a, b, share))
    return pairs


def distinct_variants_error(pairs: list[tuple[str, str, float]], lang: str = "zh") -> str:
    """Why an export of these variants is refused (empty when there is nothing to refuse)."""
    if not pairs:
        return ""
    a, b, share = pairs[0]
    if lang == "zh":
        return (
            f"变体 {a} 和 {b} 几乎一样（商品以外只有 {share:.1%} 的像素不同），A/B 测试测不出差别。"
            "请改变场景、风格或文案，再导出。"
        )
    return (
        f"Variants {a} and {b} are nearly identical (only {share:.1%} of the pixels outside the product differ), "
        "so an A/B test cannot tell them apart. Vary the scene, style or copy instead."
    )


def default_vary_factor(profile: str) -> str:
    """The "vary" choice that gives visibly different variants on this profile.

    Procedural scenes change palette, light and props per seed, and generated ones repaint the whole
    scene, so the seed differs on every profile; a profile that draws no scene at all gets the copy.
    """
    return "seed" if profile in ("none", "tiny", "tiny-zimage", "sd15", "sdxl", "zimage", "auto") else "copy"
