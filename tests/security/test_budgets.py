"""Budgets, checked before work: each attack of issue #16's memory and work breaks, and that it now holds.

Every refusal is one BudgetExceeded (zh + en) in the core, `over_budget` in the API, and comes before
anything is decoded or looped over; the RSS ceiling is asserted where an attack used to cost gigabytes.
"""

from __future__ import annotations

import base64
import io
import json
import resource
import zipfile

import pytest
from PIL import Image

from studio.api import ApiError, ab_stats, make_posters
from studio.budgets import (
    BudgetExceeded,
    budget_recipe,
    check_csv_file,
    check_csv_rows,
    check_images,
    data_url_bytes,
)
from studio.recipe import Recipe
from studio.settings import LOCAL_BUDGETS, PUBLIC_BUDGETS, Settings
from tests.security.corpus import png_bomb

PUBLIC = Settings(share=True)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # peak, in MB (Linux reports KB)


def _png(size: tuple[int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("L", size).save(buf, "PNG")
    return buf.getvalue()


def test_public_budgets_are_stricter_and_settings_hold_them(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    assert Settings().budgets == LOCAL_BUDGETS
    for public in (
        Settings(share=True),
        Settings(on_space=True),
        Settings(auth=(("a", "b"),)),
        Settings(host="0.0.0.0"),
    ):
        assert public.budgets == PUBLIC_BUDGETS
    for name in ("image_pixels", "request_pixels", "ab_rows", "batch_photos", "posters_per_job", "session_bytes"):
        assert getattr(PUBLIC_BUDGETS, name) < getattr(LOCAL_BUDGETS, name), name
    assert Settings(max_image_pixels=1_000_000).budgets.image_pixels == 1_000_000  # an owner can tighten


def test_4000_ab_rows_are_refused_before_parsing_and_memory_stays_flat():
    before = rss_mb()
    rows = "variant,impressions,clicks\n" + "".join(f"V{i},1000,{i % 50}\n" for i in range(4000))
    with pytest.raises(ApiError) as err:
        ab_stats(rows, language="zh", budgets=PUBLIC_BUDGETS)
    assert err.value.code == "over_budget" and "100" in str(err.value) and "行数" in str(err.value)
    assert rss_mb() - before < 100  # it cost +2.4 GB before the row budget
    check_csv_rows("variant,impressions,clicks\nA,10,1\nB,10,2\n", PUBLIC_BUDGETS)  # a real table passes


def test_an_ab_results_file_is_measured_before_it_is_read(tmp_path):
    path = tmp_path / "results.csv"
    path.write_text("variant,impressions,clicks\n" + "A,1,1\n" * 500, encoding="utf-8")
    with pytest.raises(BudgetExceeded, match="rows"):
        check_csv_file(path, PUBLIC_BUDGETS)
    check_csv_file(path, LOCAL_BUDGETS)


def test_one_platform_listed_1000_times_is_one_platform():
    recipe = Recipe.model_validate({"export": {"platforms": ["taobao_main"] * 1000 + ["jd_main"] * 3}})
    assert budget_recipe(recipe, PUBLIC_BUDGETS).export.platforms == ["taobao_main", "jd_main"]


def test_variants_times_platforms_is_capped():
    recipe = Recipe.model_validate({"export": {"platforms": ["taobao_main", "jd_main", "amazon_main"]}})
    budget_recipe(recipe, PUBLIC_BUDGETS, variants=8)  # 24 posters: the public budget exactly
    with pytest.raises(BudgetExceeded, match="variants × platforms"):
        budget_recipe(recipe.model_copy(update={"export": recipe.export.model_copy(
            update={"platforms": ["taobao_main", "jd_main", "amazon_main", "pdd_main"]})}), PUBLIC_BUDGETS, variants=8)  # fmt: skip


def test_five_selling_points_of_20k_characters_are_refused_with_a_message(tmp_path):
    recipe = {"copy_text": {"selling_points": ["很好用" * 7000] * 5}}
    with pytest.raises(BudgetExceeded) as err:
        budget_recipe(Recipe.model_validate(recipe), LOCAL_BUDGETS)
    assert "selling_points" in str(err.value) and "120" in str(err.value) and "字数" in str(err.value)


def test_make_posters_refuses_over_budget_jobs_before_reading_the_photo(tmp_path):
    class Models:  # no model is ever asked for: the budgets come first
        settings = PUBLIC

    photo = tmp_path / "missing.png"  # never opened: the refusal comes before any image work
    recipe = {"copy_text": {"selling_points": ["x" * 20_000] * 5}}
    with pytest.raises(ApiError) as err:
        make_posters(photo, json.dumps(recipe), models=Models(), language="en")  # type: ignore[arg-type]
    assert err.value.code == "over_budget" and "120 characters" in str(err.value)


def test_pixels_are_read_from_the_header_per_image_and_per_request():
    big = _png((6000, 5000))  # 30 MP, a few KB on disk
    with pytest.raises(BudgetExceeded, match="pixels in one image"):
        check_images([big], PUBLIC_BUDGETS)
    check_images([big], LOCAL_BUDGETS)
    four = _png((4000, 3000))  # 12 MP each: fine alone, 48 MP together
    with pytest.raises(BudgetExceeded, match="all images of one request"):
        check_images([four] * 4, PUBLIC_BUDGETS)
    with pytest.raises(BudgetExceeded):
        check_images([png_bomb()], LOCAL_BUDGETS)  # 2.5 gigapixels claimed: refused from 40 bytes of header


def test_a_data_url_is_held_to_the_upload_limit_before_base64_decoding():
    huge = "data:image/png;base64," + "A" * (PUBLIC_BUDGETS.upload_bytes * 4 // 3 + 400)
    before = rss_mb()
    with pytest.raises(BudgetExceeded, match="uploaded file"):
        data_url_bytes(huge, PUBLIC_BUDGETS)
    assert rss_mb() - before < 30  # nothing decoded
    small = "data:image/png;base64," + base64.b64encode(_png((10, 10))).decode()
    assert Image.open(io.BytesIO(data_url_bytes(small, PUBLIC_BUDGETS))).size == (10, 10)


def test_the_image_box_refuses_a_79_megapixel_data_url_before_decoding(tmp_path):
    """ImageEditor layers and data: URLs used to be decoded before any check (79 MP → gigabytes)."""
    import gradio as gr

    from studio.ui.common import _seller_preprocess

    decoded = []
    guarded = _seller_preprocess(lambda payload: decoded.append(payload), PUBLIC)
    url = "data:image/png;base64," + base64.b64encode(png_bomb(8900, 8900)).decode()  # a 79 MP header
    with pytest.raises(gr.Error, match="pixels in one image"):
        guarded({"background": {"url": url, "path": None}, "layers": [], "composite": None})
    layer = tmp_path / "layer.png"
    layer.write_bytes(_png((4000, 3000)))
    with pytest.raises(gr.Error, match="all images of one request"):
        guarded({"background": {"path": str(layer)}, "layers": [{"path": str(layer)}] * 3, "composite": None})
    assert decoded == []
    guarded({"path": str(layer)})
    assert decoded  # within budget: Gradio's own preprocess runs


def _project(tmp_path, recipes: int, cutouts: int):
    path = tmp_path / "many.poster"
    png = _png((8, 8))
    with zipfile.ZipFile(path, "w") as archive:
        index = {"kind": "poster-studio-project", "version": 2, "cutouts": [], "recipes": []}
        for i in range(cutouts):
            index["cutouts"].append({"name": f"c{i}", "file": f"cutouts/{i:03d}.png"})
            archive.writestr(f"cutouts/{i:03d}.png", png)
        for i in range(recipes):
            index["recipes"].append(f"recipes/{i:03d}.json")
            archive.writestr(f"recipes/{i:03d}.json", Recipe().to_json())
        archive.writestr("project.json", json.dumps(index))
    return path


def test_a_project_listing_too_many_recipes_or_cutouts_is_refused_from_its_index(tmp_path):
    from studio.export.project import PROJECT_KIND, open_project

    assert PROJECT_KIND == "poster-studio-project"
    with pytest.raises(BudgetExceeded, match="recipes in one project"):
        open_project(_project(tmp_path, recipes=9, cutouts=1), PUBLIC_BUDGETS)
    with pytest.raises(BudgetExceeded, match="cut-outs in one project"):
        open_project(_project(tmp_path, recipes=1, cutouts=9), PUBLIC_BUDGETS)
    assert len(open_project(_project(tmp_path, recipes=8, cutouts=8), PUBLIC_BUDGETS).recipes) == 8


def test_cli_cutout_refuses_a_batch_over_budget(tmp_path, monkeypatch, capsys):
    from studio.cli import main

    monkeypatch.setenv("SPACE_ID", "shop/studio")  # a Space's budgets: 8 photos per batch
    photo = tmp_path / "p.png"
    photo.write_bytes(_png((16, 16)))
    monkeypatch.setenv("STUDIO_PROFILE", "none")
    code = main(["cutout", *[str(photo)] * 9, "--out", str(tmp_path / "out")])
    assert code != 0 and "photos in one batch" in capsys.readouterr().err
