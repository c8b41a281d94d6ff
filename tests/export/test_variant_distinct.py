"""A/B variants that differ: seed variants on procedural scenes, and a refusal for look-alikes."""

from __future__ import annotations

import pytest

from studio.errors import StudioError
from studio.export.variants import DIFF_LEVELS, background_difference, default_vary_factor, make_variants
from studio.pipeline import SceneCache, make_posters, placed_for, render_poster
from studio.presets import get_platform
from studio.recipe import CopyText, Recipe


def test_seed_variants_on_the_none_profile_differ_outside_the_product(none_models, bottle_cutout) -> None:
    """The default vary choice on `none` (the seed): ≥ 5 % of background pixels differ by ≥ 16 levels."""
    assert DIFF_LEVELS == 16
    factor = default_vary_factor("none")
    base = Recipe(copy_text=CopyText(headline="夏日清爽", price="99"))
    variants = make_variants(base, factor, 3)  # type: ignore[arg-type]
    cache = SceneCache()
    posters = [render_poster(none_models, bottle_cutout, r, "taobao_main", cache=cache) for r in variants]
    mask = placed_for(bottle_cutout, variants[0], get_platform("taobao_main"), cache).rgba.getchannel("A")
    for a, b in zip(posters, posters[1:]):
        assert background_difference(a.image, b.image, mask) >= 0.05


def test_look_alike_variants_are_refused_with_a_reason(none_models, bottle_cutout, tmp_path) -> None:
    """Style variants draw nothing different without a model: the export says so instead of writing them."""
    base = Recipe(copy_text=CopyText(headline="夏日清爽", price="99"))
    variants = make_variants(base, "style", ["", "festive_red"])
    with pytest.raises(StudioError) as err:
        make_posters(none_models, bottle_cutout, variants, tmp_path / "out")
    assert "A" in err.value.message and "B" in err.value.message and "几乎一样" in err.value.message
    assert not list((tmp_path / "out").glob("*.jpg"))  # refused before any file was written
