"""The detail page: sections at the marketplace's width, slices within its caps, titles that read back."""

from __future__ import annotations

import zipfile
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.listing import export_detail_page, list_detail_sections, render_detail_page
from studio.listing.page import slice_bounds
from studio.pipeline import SceneCache
from tests.listing.test_set import assert_product_exact

SECTIONS = ["hero", "points", "scenes", "closeups", "specs", "notes", "guarantee", "brand"]


@lru_cache(maxsize=1)
def _ocr():
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    return rapidocr.RapidOCR()


def _read(image: Image.Image, box) -> str:
    """OCR of one line of text: recognition only, on the line's own box (a title is one line)."""
    pad = 12
    crop = image.crop((max(0, box[0] - pad), max(0, box[1] - pad), min(image.width, box[2] + pad),
                       min(image.height, box[3] + pad)))  # fmt: skip
    result, _ = _ocr()(np.asarray(crop), use_det=False, use_cls=False)
    return "".join("".join(str(line[0]).split()) for line in (result or []))


@pytest.fixture(scope="module")
def page(none_models):
    from studio.recipe import Recipe
    from tests.conftest import make_bottle_cutout
    from tests.listing.conftest import LISTING_RECIPE

    return render_detail_page(none_models, make_bottle_cutout(), Recipe.model_validate(LISTING_RECIPE),
                              marketplace="taobao", cache=SceneCache())  # fmt: skip


def test_the_section_list_is_the_presets_in_order():
    assert [s["id"] for s in list_detail_sections()] == SECTIONS
    assert all(s["name"]["zh"] and s["name"]["en"] for s in list_detail_sections())


def test_a_750_page_of_every_section_with_the_product_exact(page):
    assert page.image.width == page.width == 750
    assert [s.id for s in page.sections] == SECTIONS
    assert page.sections[0].top == 0 and page.sections[-1].bottom == page.image.height
    assert all(a.bottom == b.top for a, b in zip(page.sections, page.sections[1:]))
    assert_product_exact(page.image, page.product)  # hero, scenes, close-ups and specs: the photo's own pixels
    assert sum(len(s.product_boxes) for s in page.sections) >= 6


def test_section_titles_read_back(page):
    titles = {s.id: s for s in page.sections if s.title}
    assert len(titles) >= 7  # every section but none has a visible title (hero: the headline)
    for section in titles.values():
        assert section.title_box is not None
        read = _read(page.image, section.title_box)
        want = "".join(section.title.split())
        if section.id == "hero":  # the poster layout's headline; OCR reads a lone 一 as a dot, so near is enough
            assert SequenceMatcher(None, want, read).ratio() >= 0.85, (section.id, want, read)
        else:
            assert want in read, (section.id, want, read)


def test_slices_are_within_the_caps_in_order_and_end_between_sections(page, tmp_path):
    cap = page.platform.slice_height
    assert cap == 1500
    bounds = slice_bounds(page)
    assert bounds[0][0] == 0 and bounds[-1][1] == page.image.height
    assert all(b - t <= cap for t, b in bounds)
    edges = {s.top for s in page.sections} | {page.image.height}
    assert all(b in edges for _t, b in bounds[:-1]), "a slice ends where a section ends, when sections fit"
    made = export_detail_page(page, tmp_path)
    assert made.slices == sorted(made.slices) and len(made.slices) == len(bounds)
    rows = []
    for i, (name, (top, bottom)) in enumerate(zip(made.slices, bounds), 1):
        assert name.endswith(f"_detail-{i:02d}.jpg")
        path = tmp_path / name
        assert path.stat().st_size <= page.platform.max_bytes
        with Image.open(path) as piece:
            assert piece.format == "JPEG" and piece.size == (750, bottom - top)
        report = made.reports[name]
        rows.append(report["checks"]["slice_height"]["status"])
        failed = {k: c["reason"] for k, c in report["checks"].items() if c["status"] == "failed"}
        assert report["compliant"] and not failed, (name, failed)
    assert set(rows) == {"passed"}
    with zipfile.ZipFile(made.zip_path) as archive:
        names = set(archive.namelist())
    assert {*made.slices, made.page_file, "manifest.csv", "recipes/page.json"} <= names
    with Image.open(tmp_path / made.page_file) as whole:
        assert whole.size == page.image.size


def test_a_section_taller_than_a_slice_is_cut(page):
    from dataclasses import replace

    short = replace(page, platform=replace(page.platform, slice_height=600))
    bounds = slice_bounds(short)
    assert all(b - t <= 600 for t, b in bounds) and bounds[-1][1] == page.image.height


def test_jd_is_790_wide_and_sections_follow_the_order_given(listing_recipe, bottle_cutout, none_models):
    order = ["specs", "hero", "guarantee", "points", "closeups", "brand"]
    page = render_detail_page(none_models, bottle_cutout, listing_recipe, marketplace="jd", sections=order)
    assert page.image.width == 790 and [s.id for s in page.sections] == order
    assert page.recipe.listing.sections == order  # the recipe remakes this page
    assert page.platform.max_bytes == 1_000_000


def test_bad_sections_and_widths_are_refused(listing_recipe, bottle_cutout, none_models):
    with pytest.raises(StudioError, match="Unknown detail-page section"):
        render_detail_page(none_models, bottle_cutout, listing_recipe, sections=["hero", "faq"])
    no_brand = listing_recipe.model_copy(update={"listing": listing_recipe.listing.model_copy(update={"brand": ""})})
    with pytest.raises(StudioError, match="listing.brand"):
        render_detail_page(none_models, bottle_cutout, no_brand, sections=["hero", "brand"])
    with pytest.raises(StudioError, match="480"):
        render_detail_page(none_models, bottle_cutout, listing_recipe, sections=["hero"], width=300)


def test_ai_labels_only_on_slices_a_model_painted(listing_recipe, bottle_cutout, tiny_models, tmp_path):
    from studio.listing import make_detail_page

    generated = listing_recipe.model_copy(
        update={"scene": listing_recipe.scene.model_copy(update={"backdrop": "generated", "steps": 2})}
    )
    made = make_detail_page(tiny_models, bottle_cutout, generated, tmp_path, sections=["points", "hero", "specs"])
    checks = [made.reports[name]["checks"] for name in made.slices]
    assert len(checks) == 3  # points | hero | specs: 1500 px cannot hold two of them with the hero
    painted = [c for c in checks if "AIGC Label=1" in c["aigc_metadata"]["reason"]]
    assert len(painted) == 1 and painted[0]["aigc_visible_label"]["status"] == "passed"
    assert all("aigc_visible_label" not in c for c in checks if c not in painted)


def test_the_pages_recipe_remakes_it_exactly(page, none_models, tmp_path):
    from studio.recipe import Recipe
    from tests.conftest import make_bottle_cutout

    made = export_detail_page(page, tmp_path)
    saved = Recipe.from_json((tmp_path / "recipes" / "page.json").read_text(encoding="utf-8"))
    again = render_detail_page(none_models, make_bottle_cutout(), saved, marketplace=page.marketplace)
    assert [s.id for s in again.sections] == [s.id for s in page.sections]
    assert np.array_equal(np.asarray(again.image), np.asarray(page.image))
    assert made.recipes[0].listing.slot == "detail-01"
