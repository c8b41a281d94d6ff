"""Variants: one factor or a grid, named A, B, C…, described in the seller's words."""

from __future__ import annotations

import pytest

from studio.errors import StudioError
from studio.export.variants import describe_variant, make_grid, make_variants
from studio.recipe import Recipe, StyleChoice


def test_seed_count_means_base_seed_plus_i(recipe):
    variants = make_variants(recipe, "seed", 3)
    assert [v.variant for v in variants] == ["A", "B", "C"]
    assert [v.scene.seed for v in variants] == [1234, 1235, 1236]
    assert recipe.scene.seed == 1234, "the base is not changed"


def test_scene_variants_and_description(recipe):
    variants = make_variants(recipe, "scene", ["marble_counter", "double11"])
    assert describe_variant(variants[1], recipe) == "B: scene 双11 红金"
    assert describe_variant(variants[0], recipe) == "A: same as the base"


def test_style_copy_layout_values(recipe):
    styles = make_variants(recipe, "style", [None, "festive_red", {"name": "film", "weight": 0.5}])
    assert styles[0].styles == [] and styles[1].styles == [StyleChoice(name="festive_red")]
    assert styles[2].styles[0].weight == 0.5
    copies = make_variants(recipe, "copy", ["新品上市", {"headline": "限时", "price": "99"}])
    assert copies[0].copy_text.headline == "新品上市" and copies[1].copy_text.price == "99"
    assert copies[1].copy_text.headline == "限时"
    assert describe_variant(copies[0], recipe) == "A: copy “新品上市”"
    layouts = make_variants(recipe, "layout", ["left", "top"])
    assert layouts[1].copy_text.layout == "top" and describe_variant(layouts[1], recipe) == "B: layout top"


def test_grid_is_every_combination(recipe):
    grid = make_grid(recipe, "scene", ["marble_counter", "double11"], "seed", [1, 2])
    assert [(g.variant, g.scene.preset, g.scene.seed) for g in grid] == [
        ("A", "marble_counter", 1),
        ("B", "marble_counter", 2),
        ("C", "double11", 1),
        ("D", "double11", 2),
    ]
    assert describe_variant(grid[3], recipe) == "D: seed 2, scene 双11 红金"


def test_outputs_are_not_inherited(recipe):
    from studio.recipe import OutputFile

    recipe.outputs.append(
        OutputFile(file="x.jpg", platform="taobao_main", width=800, height=800, product_box=(0, 0, 1, 1))
    )
    assert all(v.outputs == [] for v in make_variants(recipe, "seed", 2))


def test_bad_values_are_seller_messages(recipe):
    with pytest.raises(StudioError, match="Unknown scene"):
        make_variants(recipe, "scene", ["nope"])
    with pytest.raises(StudioError, match="at most 8"):
        make_variants(recipe, "seed", 9)
    with pytest.raises(StudioError):
        make_variants(recipe, "copy", [{"headline": "x" * 200}])
    with pytest.raises(StudioError):
        make_variants(recipe, "scene", 3)
    with pytest.raises(StudioError):
        make_grid(recipe, "seed", 2, "seed", 2)
    assert isinstance(make_variants(Recipe(), "seed", 1)[0], Recipe)
