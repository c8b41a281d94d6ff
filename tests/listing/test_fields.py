"""The seller's listing fields: entered once in the recipe, capped, round-tripping exactly."""

from __future__ import annotations

import pytest

from studio.errors import StudioError
from studio.listing.icons import draw_icon, icon_ids
from studio.recipe import Recipe
from tests.listing.conftest import LISTING_RECIPE


def test_the_fields_round_trip_and_default_to_every_section():
    recipe = Recipe.model_validate(LISTING_RECIPE)
    assert Recipe.from_json(recipe.to_json()) == recipe
    assert recipe.listing.sections == ["hero", "points", "scenes", "closeups", "specs", "notes", "guarantee", "brand"]
    assert recipe.listing.specs[0].key == "容量"


@pytest.mark.parametrize(
    ("listing", "where"),
    [
        ({"specs": [{"key": "k", "value": "v"}] * 11}, "listing.specs"),
        ({"specs": [{"key": "一个很长很长很长的参数名字", "value": "v"}]}, "listing.specs.0.key"),
        ({"specs": [{"key": " ", "value": "v"}]}, "listing.specs.0.key"),
        ({"guarantees": ["七天无理由退换货，还送运费险，还包邮到家门口"]}, "listing.guarantees"),
        ({"guarantees": ["a", "b", "c", "d", "e"]}, "listing.guarantees"),
        ({"brand": "B" * 25}, "listing.brand"),
        ({"detail_region": [0.5, 0.5, 0.4, 0.9]}, "listing.detail_region"),
        ({"sections": ["hero", "faq"]}, "listing.sections"),
        ({"sections": ["hero", "hero"]}, "listing.sections"),
        ({"sections": []}, "listing.sections"),
        ({"logo_path": "x.png"}, "listing.logo_path"),  # no new path field: the logo is copy_text.logo
    ],
)
def test_caps_give_one_clear_message(listing, where):
    with pytest.raises(StudioError) as caught:
        Recipe.from_dict({"listing": listing})
    assert caught.value.hint.startswith(where), caught.value.hint


def test_every_bundled_icon_draws_something():
    assert len(icon_ids()) >= 10
    for icon in icon_ids():
        image = draw_icon(icon, 48, (200, 30, 40))
        coverage = sum(1 for a in image.getchannel("A").getdata() if a > 128) / (48 * 48)
        assert 0.05 < coverage < 0.9, (icon, coverage)
    with pytest.raises(StudioError, match="Unknown icon"):
        draw_icon("rocket", 48, (0, 0, 0))


def test_guarantee_lines_get_the_icon_their_words_name():
    from studio.listing.sections import guarantee_icon
    from studio.presets import get_preset

    preset = get_preset("detail_sections", "guarantee")
    lines = ["7天无理由退换", "正品保障", "顺丰包邮", "Free returns", "终身维护"]
    assert [guarantee_icon(line, preset) for line in lines] == ["clock", "shield", "truck", "clock", "check"]
