"""The scene tab's steps and guidance show what the running profile will use when the recipe leaves them
to the studio: Z-Image Turbo's 8 steps without guidance, SD's scene-preset 25 steps at 7."""

from __future__ import annotations

import pytest

from studio.recipe import Recipe, SceneSettings
from studio.settings import Settings
from studio.ui.forms import SceneForm


def test_auto_steps_and_guidance_are_the_profiles():
    assert SceneForm.auto_sampler("marble_counter") == (25, 7.0)  # no profile: the scene preset's
    assert SceneForm.for_profile("sd15").auto_sampler("marble_counter") == (25, 7.0)
    zimage = SceneForm.for_profile("zimage")
    assert zimage.auto_sampler("marble_counter") == (8, 0.0)
    assert zimage is SceneForm.for_profile("zimage") and zimage.widgets() == SceneForm.widgets()


def test_a_zimage_form_keeps_auto_and_reads_it_back_as_the_turbo_defaults():
    zimage = SceneForm.for_profile("zimage")
    recipe = Recipe(scene=SceneSettings(preset="marble_counter"))  # steps and guidance left to the studio
    shown = zimage.of(recipe)
    assert (shown.steps, shown.guidance) == (8, 0.0)
    assert zimage.of(recipe).apply(recipe).scene.steps is None  # the shown auto value stays "auto"
    moved = zimage.of(recipe)
    moved.steps, moved.guidance = 12, 1.5
    scene = moved.apply(recipe).scene
    assert (scene.steps, scene.guidance) == (12, 1.5)


@pytest.mark.parametrize(("profile", "expected"), [("zimage", (8, 0.0)), ("none", (25, 7.0))])
def test_the_scene_tab_sliders_start_at_the_profiles_values(profile, expected):
    from studio.ui.app import create_app

    app = create_app(Settings(profile=profile).resolved())
    form_cls, widgets = app.studio_context.extra["forms"]["scene"]
    values = dict(zip(form_cls.widgets(), (w.value for w in widgets)))
    assert (values["steps"], values["guidance"]) == expected
    assert form_cls.PROFILE == profile
