"""The main-image set: every slot written, passing its platform's checks, the product's pixels exact."""

from __future__ import annotations

import csv
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageFilter

from studio.errors import StudioError
from studio.export.fidelity import box_psnr
from studio.listing import list_set_slots, make_listing_set, render_set_slot, resolve_marketplace
from studio.pipeline import SceneCache
from studio.text.space import intersects

SLOTS = ["hero", "points", "detail", "scene", "specs"]


def opaque_core(product: Image.Image) -> np.ndarray:
    """Where the product's own pixels are fully opaque, 2 px in from its edge (edges mix with the scene)."""
    alpha = product.getchannel("A").point(lambda v: 255 if v >= 250 else 0).filter(ImageFilter.MinFilter(5))
    return np.asarray(alpha) > 0


def assert_product_exact(image: Image.Image, product: Image.Image) -> None:
    core = opaque_core(product)
    assert core.sum() > 1000, "the slot shows the product"
    got = np.asarray(image.convert("RGB"))[core]
    want = np.asarray(product.convert("RGB"))[core]
    assert np.array_equal(got, want), f"{int((got != want).any(axis=1).sum())} product pixels changed"


@pytest.mark.parametrize(("name", "files"), [("taobao", SLOTS + ["white"]), ("jd", SLOTS)])
def test_the_set_writes_every_slot_compliant_with_the_product_exact(
    name, files, listing_recipe, bottle_cutout, none_models, tmp_path
):
    market = resolve_marketplace(name)
    assert [s["id"] for s in list_set_slots(market)] == files
    cache = SceneCache()
    made = make_listing_set(none_models, bottle_cutout, listing_recipe, market, tmp_path, cache=cache)
    assert [f.slot for f in made.files] == files
    for index, entry in enumerate(made.files, 1):
        path = tmp_path / entry.file
        assert f"_{index:02d}-{entry.slot}." in entry.file  # named in slot order
        report = made.reports[entry.file]
        failed = {k: c["reason"] for k, c in report["checks"].items() if c["status"] == "failed"}
        assert entry.compliant and not failed, (entry.file, failed)
        platform = market.platform_for(entry.slot)
        with Image.open(path) as written:
            assert written.size == platform.size and written.format == "JPEG"
            assert path.stat().st_size <= platform.max_bytes
            slot = render_set_slot(none_models, bottle_cutout, listing_recipe, market, entry.slot, cache=cache)
            assert_product_exact(slot.poster.image, slot.product)  # in memory: the very pixels
            box = slot.poster.product_box
            assert box_psnr(slot.poster.image, written.convert("RGB"), box) >= 40.0  # in the file: through JPEG
            for text, tbox in slot.poster.text_boxes.items():
                assert text == "aigc_label" or not intersects(tbox, box), (entry.slot, text)
    with zipfile.ZipFile(made.zip_path) as archive:
        names = set(archive.namelist())
    assert {f.file for f in made.files} <= names
    assert {
        "manifest.csv",
        "compliance.csv",
        "recipes/set.json",
        *(f"recipes/{r.variant}.json" for r in made.recipes),
    } <= names
    with (tmp_path / "manifest.csv").open(encoding="utf-8-sig") as handle:
        assert [row["variant"] for row in csv.DictReader(handle)] == [f"{i:02d}-{s}" for i, s in enumerate(files, 1)]


def test_a_slots_recipe_remakes_it_exactly(listing_recipe, bottle_cutout, none_models, tmp_path):
    from studio.export.reopen import recipe_from_file

    made = make_listing_set(none_models, bottle_cutout, listing_recipe, "taobao", tmp_path, slots=["points"])
    recipe = recipe_from_file(tmp_path / made.files[0].file)
    assert recipe.listing.slot == "points"
    again = render_set_slot(none_models, bottle_cutout, recipe, "taobao", recipe.listing.slot)
    first = render_set_slot(none_models, bottle_cutout, listing_recipe, "taobao", "points")
    assert np.array_equal(np.asarray(again.poster.image), np.asarray(first.poster.image))


def test_slot_2_draws_the_points_and_slot_3_the_photos_own_pixels(listing_recipe, bottle_cutout, none_models):
    points = render_set_slot(none_models, bottle_cutout, listing_recipe, "taobao", "points")
    names = set(points.poster.text_boxes)
    assert {"title", "point_1", "point_2", "point_3", "point_4"} <= names
    detail = render_set_slot(none_models, bottle_cutout, listing_recipe, "taobao", "detail")
    assert not detail.ai_made and detail.poster.upscale > 1.0  # a zoom, never generated
    picked = listing_recipe.model_copy(
        update={"listing": listing_recipe.listing.model_copy(update={"detail_region": (0.0, 0.5, 0.5, 0.75)})}
    )
    chosen = render_set_slot(none_models, bottle_cutout, picked, "taobao", "detail")
    assert not np.array_equal(np.asarray(chosen.poster.image), np.asarray(detail.poster.image))


def test_missing_fields_are_refused_before_any_work(listing_recipe, bottle_cutout, none_models, tmp_path):
    two_points = listing_recipe.model_copy(
        update={"copy_text": listing_recipe.copy_text.model_copy(update={"selling_points": ["a", "b"]})}
    )
    with pytest.raises(StudioError, match="at least 3 selling points"):
        make_listing_set(none_models, bottle_cutout, two_points, "taobao", tmp_path / "a")
    no_specs = listing_recipe.model_copy(update={"listing": listing_recipe.listing.model_copy(update={"specs": []})})
    with pytest.raises(StudioError, match="参数图"):
        make_listing_set(none_models, bottle_cutout, no_specs, "jd", tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    with pytest.raises(StudioError, match="Unknown marketplace"):
        resolve_marketplace("ebay")
    with pytest.raises(StudioError, match="no set slot 'white'"):
        make_listing_set(none_models, bottle_cutout, listing_recipe, "jd", tmp_path, slots=["white"])


def test_ai_labels_only_where_a_model_made_pixels(listing_recipe, bottle_cutout, tiny_models, tmp_path):
    generated = listing_recipe.model_copy(
        update={"scene": listing_recipe.scene.model_copy(update={"backdrop": "generated", "steps": 2})}
    )
    made = make_listing_set(tiny_models, bottle_cutout, generated, "taobao", tmp_path, slots=["points", "detail"])
    points, detail = (made.reports[f.file]["checks"] for f in made.files)
    assert "AIGC Label=1" in points["aigc_metadata"]["reason"] and points["aigc_visible_label"]["status"] == "passed"
    assert detail["aigc_metadata"]["status"] == "passed" and "no AI label needed" in detail["aigc_metadata"]["reason"]
    assert "aigc_visible_label" not in detail  # the close-up is the photo's own pixels
    assert all(f.compliant for f in made.files)
