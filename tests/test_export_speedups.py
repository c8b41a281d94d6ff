"""What makes a re-export fast must not change a single byte: caches, threads, spliced metadata."""

from __future__ import annotations

import dataclasses
import io

import pytest
from PIL import Image

import studio.pipeline as pipeline
from studio.export.containers import EmbeddedMeta, add_meta, encode, encode_pixels, read_embedded
from studio.pipeline import BoundedCache, SceneCache, make_posters, placed_for
from studio.presets import get_platform
from studio.recipe import CopyText, ExportSettings, Recipe, SceneSettings
from tests.conftest import make_bottle_cutout

PLATFORMS = ["taobao_main", "douyin_9x16", "amazon_main"]


def _recipes(n: int = 2) -> list[Recipe]:
    base = Recipe(
        scene=SceneSettings(preset="double11"),
        copy_text=CopyText(headline="双11 狂欢价", price="¥99"),
        export=ExportSettings(platforms=PLATFORMS, sku="speed"),
    )
    return [
        base.model_copy(update={"variant": chr(65 + i), "scene": base.scene.model_copy(update={"seed": i})})
        for i in range(n)
    ]


def _files(result) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(result.out_dir.iterdir()) if p.suffix in (".jpg", ".png")}


def test_threads_and_a_warm_cache_give_the_same_bytes_as_one_thread_cold(none_models, tmp_path, monkeypatch):
    cut = make_bottle_cutout()
    monkeypatch.setattr(pipeline, "EXPORT_THREADS", 1)
    serial = _files(make_posters(none_models, cut, _recipes(), tmp_path / "serial"))
    monkeypatch.setattr(pipeline, "EXPORT_THREADS", 4)
    cache = SceneCache()
    threaded = _files(make_posters(none_models, cut, _recipes(), tmp_path / "threaded", cache=cache))
    again = _files(make_posters(none_models, cut, _recipes(), tmp_path / "again", cache=cache))
    assert len(serial) == 2 * len(PLATFORMS)
    assert serial == threaded == again
    # Two seeds × two scene platforms, plus amazon's white page, which every variant shares.
    assert len(cache.backdrops) == 2 * 2 + 1
    assert len(cache.plains) == 2 * 2 + 1  # the poster before its copy: amazon's is one for both variants


def test_a_copy_edit_on_a_warm_cache_gives_the_bytes_of_a_cold_export(none_models, tmp_path, monkeypatch):
    """The warm path skips composites, PSNR decodes and qualities known to fall short; none may show."""
    monkeypatch.setattr(pipeline, "EXPORT_THREADS", 2)
    cut = make_bottle_cutout()
    cache = SceneCache()
    make_posters(none_models, cut, _recipes(), tmp_path / "first", cache=cache)
    edited = [
        r.model_copy(update={"copy_text": r.copy_text.model_copy(update={"headline": "新品上市"})}) for r in _recipes()
    ]
    warm = _files(make_posters(none_models, cut, edited, tmp_path / "warm", cache=cache))
    cold = _files(make_posters(none_models, cut, edited, tmp_path / "cold", cache=SceneCache()))
    assert warm == cold
    assert len(cache.psnr) > 0  # the memo was used, not bypassed


def test_results_keep_variant_and_platform_order_with_threads(none_models, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "EXPORT_THREADS", 4)
    result = make_posters(none_models, make_bottle_cutout(), _recipes(3), tmp_path)
    assert [r.variant for r in result.recipes] == ["A", "B", "C"]
    for recipe in result.recipes:
        assert [o.platform for o in recipe.outputs] == PLATFORMS
        assert all(o.file.endswith(f"_{recipe.variant}.jpg") for o in recipe.outputs)
    assert [p.platform for p in result.posters] == PLATFORMS * 3


def test_a_cancelled_export_stops_with_threads(none_models, tmp_path, monkeypatch):
    from studio.errors import StudioError
    from studio.progress import CancelToken

    monkeypatch.setattr(pipeline, "EXPORT_THREADS", 2)
    token = CancelToken()
    token.cancel()
    with pytest.raises(StudioError):
        make_posters(none_models, make_bottle_cutout(), _recipes(), tmp_path, cancel=token)


def test_placements_are_reused_only_for_the_same_cutout_placement_and_size():
    cache = SceneCache()
    recipe = _recipes(1)[0]
    one, other = make_bottle_cutout(), make_bottle_cutout(seed=8)
    first = placed_for(one, recipe, get_platform("taobao_main"), cache)
    assert placed_for(one, recipe, get_platform("taobao_main"), cache) is first
    assert placed_for(other, recipe, get_platform("taobao_main"), cache) is not first
    assert placed_for(one, recipe, get_platform("douyin_9x16"), cache).rgba.size == (1080, 1920)


def test_bounded_cache_drops_the_least_recently_used():
    cache = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get_or_make("a", lambda: -1) == 1  # a is now the most recent
    cache.put("c", 3)
    assert len(cache) == 2
    assert cache.get_or_make("b", lambda: "made again") == "made again"


def test_bounded_cache_keeps_under_its_byte_budget_but_always_keeps_the_newest():
    cache = BoundedCache(10, budget_bytes=250, weigh=len)
    for key in "abc":
        cache.put(key, "x" * 100)
    assert len(cache) == 2 and cache.total_bytes == 200  # "a" went: three would be 300 bytes
    assert cache.get("a") is None and cache.get("c") is not None
    cache.put("huge", "x" * 1000)
    assert len(cache) == 1 and cache.get("huge") is not None


def test_a_sessions_scene_cache_is_bounded_in_bytes(none_models, tmp_path, monkeypatch):
    """Many canvases (large slots, many seeds) must not pile up in one browser session."""
    monkeypatch.setattr(pipeline, "EXPORT_THREADS", 2)
    base = Recipe(
        scene=SceneSettings(preset="double11"),
        copy_text=CopyText(headline="双11"),
        export=ExportSettings(platforms=["taobao_main"], sku="mem"),
    )
    recipes = [
        base.model_copy(update={"variant": f"V{i}", "scene": base.scene.model_copy(update={"seed": i})})
        for i in range(8)
    ]
    # An 800 px canvas is 1.9 MB: a 6 MB budget holds 3 of the 8 backdrops and plain posters.
    small = lambda: BoundedCache(24, budget_bytes=6 * 2**20, weigh=pipeline._image_bytes)  # noqa: E731
    cache = SceneCache(backdrops=small(), plains=small())
    make_posters(none_models, make_bottle_cutout(), recipes, tmp_path, cache=cache)
    for part in (cache.backdrops, cache.plains):
        assert len(part) == 3 and part.total_bytes == 3 * 800 * 800 * 3
    default = SceneCache()
    assert default.plains.budget_bytes and default.backdrops.budget_bytes and default.placements.budget_bytes


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_spliced_metadata_reads_back_and_the_pixels_are_untouched(fmt):
    image = Image.effect_noise((96, 64), 40).convert("RGB")
    meta = EmbeddedMeta(
        xmp='<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>',
        parameters="steps: 25",
        recipe_json='{"headline": "双11"}',
    )
    pixels = encode_pixels(image, fmt, parameters=meta.parameters, quality=90)
    whole = add_meta(pixels, fmt, meta)
    assert whole == encode(image, fmt, meta, quality=90)
    with Image.open(io.BytesIO(whole)) as back, Image.open(io.BytesIO(pixels)) as plain:
        assert back.tobytes() == plain.tobytes()
        assert back.info.get("icc_profile")
    path_meta = _read(whole, fmt)
    # A JPEG's recipe rides in its XMP (files.py writes it there), never in a COM segment a reader mistakes for Fooocus.
    assert path_meta == (meta if fmt == "png" else dataclasses.replace(meta, recipe_json=""))


def _read(data: bytes, fmt: str) -> EmbeddedMeta:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x.{'jpg' if fmt == 'jpeg' else fmt}"
        path.write_bytes(data)
        return read_embedded(path)


def test_drawn_text_from_the_cache_matches_a_fresh_drawing():
    from studio.text import elements, layout_copy

    background = Image.new("RGB", (800, 800), (30, 60, 90))
    copy = CopyText(headline="双11 狂欢价", price="¥99", badge="限时特惠", cta="立即抢购")
    layout_copy(copy, background, (300, 360, 500, 720))
    cached = layout_copy(copy, background, (300, 360, 500, 720))
    elements._DRAWN.clear()
    fresh = layout_copy(copy, background, (300, 360, 500, 720))
    assert len(fresh.layers) >= 3
    assert [(layer.box, layer.rgba.tobytes()) for layer in cached.layers] == [
        (layer.box, layer.rgba.tobytes()) for layer in fresh.layers
    ]


@pytest.mark.parametrize("pid", ["taobao_main", "amazon_main"])  # header-only checks, and a pixel check
def test_a_cut_off_file_still_fails_the_compliance_check(none_models, tmp_path, pid):
    from studio.export.compliance import check_file

    recipe = _recipes(1)[0].model_copy(update={"export": ExportSettings(platforms=[pid], sku="cut")})
    result = make_posters(none_models, make_bottle_cutout(), [recipe], tmp_path)
    path = result.out_dir / result.recipes[0].outputs[0].file
    assert check_file(path, get_platform(pid), product_box=result.recipes[0].outputs[0].product_box)["file"]
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(OSError):
        check_file(path, get_platform(pid))
