"""The recipe is the contract between UI, CLI, files and tests: it must round-trip exactly."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.errors import StudioError
from studio.recipe import CopyText, OutputFile, Placement, Recipe, SceneSettings, StyleChoice


def test_default_recipe_round_trips():
    r = Recipe()
    assert Recipe.from_json(r.to_json()) == r


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    headline=st.text(max_size=60),
    points=st.lists(st.text(min_size=1, max_size=20).filter(str.strip), max_size=5),
    cx=st.floats(0, 1),
    scale=st.floats(0.03, 1),
    weight=st.floats(-2, 2),
    box=st.tuples(*[st.integers(0, 4000)] * 4),
)
def test_any_valid_recipe_round_trips(seed, headline, points, cx, scale, weight, box):
    r = Recipe(
        scene=SceneSettings(seed=seed, preset="double11"),
        placement=Placement(center_x=cx, scale=scale),
        copy_text=CopyText(headline=headline, selling_points=points),
        styles=[StyleChoice(name="festive", weight=weight)],
        outputs=[
            OutputFile(
                file="a.jpg",
                platform="taobao_main",
                width=800,
                height=800,
                product_box=box,
                text_boxes={"headline": box},
            )
        ],
    )
    again = Recipe.from_json(r.to_json())
    assert again == r
    assert again.to_json() == r.to_json()


def test_unknown_key_is_refused_with_a_clear_message():
    data = json.loads(Recipe().to_json())
    data["scene"]["sead"] = 3
    with pytest.raises(StudioError) as err:
        Recipe.from_dict(data)
    assert "scene.sead" in str(err.value)


def test_out_of_range_value_is_refused():
    data = json.loads(Recipe().to_json())
    data["placement"]["scale"] = 5
    with pytest.raises(StudioError):
        Recipe.from_dict(data)


def test_newer_recipe_version_is_refused():
    data = json.loads(Recipe().to_json())
    data["version"] = 99
    with pytest.raises(StudioError, match="newer"):
        Recipe.from_dict(data)


def test_not_json_is_a_studio_error():
    with pytest.raises(StudioError, match="not valid JSON"):
        Recipe.from_json("{nope")


def test_more_than_three_styles_or_five_points_refused():
    with pytest.raises(Exception):
        Recipe(styles=[StyleChoice(name=f"s{i}") for i in range(4)])
    with pytest.raises(Exception):
        CopyText(selling_points=[str(i) for i in range(6)])
