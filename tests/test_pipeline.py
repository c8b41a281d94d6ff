"""The whole flow in-process: every platform size exact, the product's pixels exact, repeatable."""

from __future__ import annotations

import pytest
from PIL import Image

from studio.pipeline import SceneCache, make_posters, placed_for, render_poster
from studio.presets import get_platform, preset_ids
from studio.recipe import CopyText, ExportSettings, Recipe, SceneSettings
from studio.scene.composite import product_fidelity_psnr

COPY = CopyText(headline="双11 狂欢价", subline="Keeps hot for 24 hours", price="¥99", badge="限时特惠", cta="立即抢购")


def _placed(cutout, recipe, pid):
    return placed_for(cutout, recipe, get_platform(pid))


@pytest.mark.parametrize("pid", preset_ids("platforms"))
def test_every_platform_exact_size_and_product_untouched(pid, none_models, bottle_cutout):
    recipe = Recipe(scene=SceneSettings(preset="double11"), copy_text=COPY)
    poster = render_poster(none_models, bottle_cutout, recipe, pid)
    assert poster.image.size == get_platform(pid).size
    assert product_fidelity_psnr(poster.image, _placed(bottle_cutout, recipe, pid)) >= 40.0
    for box in poster.text_boxes.values():
        px0, py0, px1, py1 = poster.product_box
        x0, y0, x1, y1 = box
        assert x1 <= px0 or x0 >= px1 or y1 <= py0 or y0 >= py1, f"{pid}: text box {box} covers the product"


@pytest.mark.slow
def test_tiny_profile_generates_around_the_product(tiny_models, bottle_cutout, artifacts_dir):
    recipe = Recipe(scene=SceneSettings(preset="marble_counter", seed=3, steps=4), copy_text=COPY)
    cache = SceneCache()
    poster = render_poster(tiny_models, bottle_cutout, recipe, "taobao_main", cache=cache)
    poster.image.save(artifacts_dir / "tiny_taobao_main.png")
    placed = _placed(bottle_cutout, recipe, "taobao_main")
    # The scene came from the model, the product from the cutout.
    assert any(s.kind == "generated" for s in cache.scenes.values())
    assert product_fidelity_psnr(poster.image, placed) >= 40.0
    again = render_poster(tiny_models, bottle_cutout, recipe, "taobao_main", cache=SceneCache())
    assert again.image.tobytes() == poster.image.tobytes()
    other = render_poster(
        tiny_models,
        bottle_cutout,
        recipe.model_copy(update={"scene": recipe.scene.model_copy(update={"seed": 4})}),
        "taobao_main",
        cache=SceneCache(),
    )
    assert other.image.tobytes() != poster.image.tobytes()


@pytest.mark.slow
def test_make_posters_tiny_variants_share_one_batch(tiny_models, bottle_cutout, tmp_path, monkeypatch):
    import studio.scene.generate as generate

    calls = []
    real = generate.generate_scenes

    def counting(*args, **kwargs):
        calls.append(args[6] if len(args) > 6 else kwargs.get("seeds"))
        return real(*args, **kwargs)

    monkeypatch.setattr(generate, "generate_scenes", counting)
    base = Recipe(
        scene=SceneSettings(preset="double11", seed=10, steps=3),
        copy_text=COPY,
        export=ExportSettings(platforms=["taobao_main", "jd_main", "douyin_9x16"], sku="bottle"),
    )
    recipes = [
        base.model_copy(update={"variant": v, "scene": base.scene.model_copy(update={"seed": 10 + i})})
        for i, v in enumerate("AB")
    ]
    result = make_posters(tiny_models, bottle_cutout, recipes, tmp_path)
    assert result.zip_path.is_file()
    # taobao_main and jd_main share a 1:1 aspect: one batch for 1:1, one for 9:16, each with both seeds.
    assert sorted(map(sorted, calls)) == [[10, 11], [10, 11]]
    for r in result.recipes:
        for o in r.outputs:
            with Image.open(tmp_path / o.file) as im:
                assert im.size == (o.width, o.height)


def test_scene_caches_key_by_content_not_by_object_id() -> None:
    """An equal cut-out (a reopened project, a reload) finds the cached placement; a different one does not."""
    from studio.layers import Cutout
    from studio.pipeline import SceneCache, fingerprint
    from studio.recipe import Placement
    from tests.conftest import make_bottle_cutout

    cache = SceneCache()
    first = make_bottle_cutout()
    same = Cutout(rgba=first.rgba.copy(), box=first.box, source_sha256=first.source_sha256)
    other = make_bottle_cutout(seed=8)
    placed = cache.placed(first, Placement(scale=0.5, floor_y=0.9), (400, 400))
    assert cache.placed(same, Placement(scale=0.5, floor_y=0.9), (400, 400)) is placed
    assert fingerprint(first.rgba) == fingerprint(same.rgba) != fingerprint(other.rgba)
    assert cache.placed(other, Placement(scale=0.5, floor_y=0.9), (400, 400)) is not placed
