"""Tab ⑦'s handlers on the `none` profile (procedural backdrops: seconds): the seller's facts go into the
recipe once and come back on a reload, the set is made for each marketplace, the detail page is reordered
and exported in that order, bad input is one message in the UI's language, and the jobs share the GPU lane."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import StudioError
from studio.models import ModelManager
from studio.progress import Cancelled, CancelToken
from studio.recipe import Recipe
from studio.settings import Settings
from studio.ui.common import UiContext
from studio.ui.forms import ListingForm, forms_of
from studio.ui.i18n import Translator
from studio.ui.session import StudioSession
from tests.conftest import make_bottle_cutout

FACTS = dict(
    point_1="24小时长效保湿",
    point_2="无酒精 无香精",
    point_3="植物精华配方",
    point_4="",
    point_5="清爽不黏腻",
    icon_1="drop",
    icon_2="shield",
    icon_3="",
    icon_4="star",  # its row is empty: the icon goes with it
    icon_5="leaf",
    specs="容量：500ml\nMaterial: PET\n保质期|3年",
    guarantees="7天无理由退换\n\n正品保障\n顺丰包邮",
    notes="取适量涂抹于面部\n避免阳光直射",
    brand="清泉之源",
    brand_line="自然好肌肤",
    detail_region="0.2, 0.4, 0.7, 0.8",
    marketplaces=["taobao_main", "jd_main"],
)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory) -> UiContext:
    cache = tmp_path_factory.mktemp("cache")
    settings = Settings(profile="none", cache_dir=cache, open_browser=False)
    return UiContext(settings=settings, models=ModelManager(settings), tr=Translator(default="en"))


@pytest.fixture
def session() -> StudioSession:
    made = StudioSession()
    made.set_cutout(make_bottle_cutout())
    return made


def test_the_facts_go_into_the_recipe_once_and_read_back():
    recipe = Recipe.model_validate({"copy_text": {"headline": "清爽一夏", "selling_points": ["old"]}})
    applied = ListingForm(**FACTS).apply(recipe)
    assert applied.copy_text.selling_points == ["24小时长效保湿", "无酒精 无香精", "植物精华配方", "清爽不黏腻"]
    assert applied.listing.point_icons == ["drop", "shield", "", "leaf"]  # by position, the empty row dropped
    assert [(s.key, s.value) for s in applied.listing.specs] == [
        ("容量", "500ml"),
        ("Material", "PET"),
        ("保质期", "3年"),
    ]
    assert applied.listing.guarantees == ["7天无理由退换", "正品保障", "顺丰包邮"]
    assert applied.listing.detail_region == (0.2, 0.4, 0.7, 0.8)
    assert applied.copy_text.headline == "清爽一夏"  # the copy tab's fields are left as they were
    back = ListingForm.of(applied, {"marketplaces": ["jd_main"], "page_marketplace": "jd_main"})
    assert back.point_4 == "清爽不黏腻" and back.icon_4 == "leaf" and back.point_5 == ""
    assert back.marketplaces == ["jd_main"] and back.page_marketplace == "jd_main"
    assert back.apply(applied) == applied  # read back and applied again: nothing changes


def test_a_reload_refills_the_tab_from_the_session(ctx, session):
    from studio.ui.forms import sync_form
    from studio.ui.listing_handlers import move_section
    from studio.ui.session import STORE

    form = ListingForm(**FACTS)
    form.sections = ",".join(move_section(["hero", "points", "specs", "guarantee"], "specs", -1))
    assert sync_form(session, form)
    STORE.put(session)
    found = STORE.get(session.key)  # what the page's reload finds by its browser key
    assert found is session
    again = forms_of(found)["listing"]
    assert again.sections == "hero,specs,points,guarantee"
    assert again.marketplaces == ["taobao_main", "jd_main"]
    assert again.specs.splitlines()[0] == "容量: 500ml" and again.brand == "清泉之源"
    # A recipe saved and opened elsewhere carries the facts too (they are recipe fields).
    opened = Recipe.from_json(session.recipe.to_json())
    assert opened.listing.sections == ["hero", "specs", "points", "guarantee"]
    assert opened.listing.brand_line == "自然好肌肤"


def test_the_set_is_made_for_each_marketplace_with_progress(ctx, session, tmp_path):
    from studio.ui.listing_handlers import make_set

    seen: list[float] = []
    made = make_set(ctx, session, ListingForm(**FACTS), "en", progress=lambda f, m: seen.append(f), out_dir=tmp_path)
    captions = [caption for _file, caption in made.images]
    assert len(captions) == 11  # Taobao: 5 slots + white background; JD: 5 slots
    assert captions[0].startswith("Taobao / Tmall · 01") and captions[6].startswith("JD · 01")
    assert [Path(f).name.split("_")[-1] for f, _c in made.images[:6]] == [
        "01-hero.jpg", "02-points.jpg", "03-detail.jpg", "04-scene.jpg", "05-specs.jpg", "06-white.jpg"
    ]  # fmt: skip
    assert [Path(p).name for p in made.downloads] == ["poster_taobao_main_set.zip", "poster_jd_main_set.zip"]
    with zipfile.ZipFile(made.downloads[1]) as archive:
        names = archive.namelist()
    assert sum(n.endswith(".jpg") for n in names) == 5 and "recipes/set.json" in names
    assert "11 set images" in made.message and "11 pass" in made.message
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0) and 0.4 < seen[5] < 0.6
    assert session.views["listing_set_files"] == made.downloads  # a reload shows them again


def test_the_page_is_exported_in_the_edited_order(ctx, session, tmp_path):
    from studio.listing import render_detail_page
    from studio.ui.listing_handlers import build_page, export_page, move_section

    form = ListingForm(**FACTS)
    first = build_page(ctx, session, form, "en")
    assert 'id="listing-page-scroll"' in first.preview_html and "overflow-y:auto" in first.preview_html
    assert first.downloads == [] and "8 sections, 750 px wide" in first.message
    order = move_section(move_section(["hero", "points", "specs", "guarantee"], "specs", -1), "specs", -1)
    assert order == ["specs", "hero", "points", "guarantee"]
    form.sections = ",".join(order)
    made = export_page(ctx, session, form, "en", out_dir=tmp_path)
    zip_path, page_path = (Path(p) for p in made.downloads)
    assert zip_path.name == "poster_detail_750_slices.zip" and page_path.name == "poster_detail_750_page.jpg"
    with zipfile.ZipFile(zip_path) as archive:
        slices = sorted(n for n in archive.namelist() if "_detail-" in n)
        recipe = Recipe.model_validate(json.loads(archive.read("recipes/page.json")))
        top = Image.open(io.BytesIO(archive.read(slices[0]))).convert("RGB")
    assert recipe.listing.sections == order
    # The first slice starts with the specs table, not the hero: compare it with both pages' tops.
    new = render_detail_page(ctx.models, session.cutout, session.recipe, sections=order).image
    old = render_detail_page(ctx.models, session.cutout, session.recipe, sections=["hero", "specs"]).image
    rows = min(top.height, 400)

    def gap(page: Image.Image) -> float:
        a = np.asarray(top.crop((0, 0, top.width, rows)), np.float32)
        return float(np.abs(a - np.asarray(page.crop((0, 0, top.width, rows)), np.float32)).mean())

    assert gap(new) < 3.0 < gap(old), (gap(new), gap(old))
    assert f"{len(slices)} slices" in made.message and "at most 1500 px" in made.message
    assert session.recipe.listing.sections == order  # the order is the session's, for the next export too


def test_bad_input_is_one_message_in_the_sellers_language(ctx, session):
    from studio.ui.listing_handlers import build_page, make_set

    before = session.recipe
    with pytest.raises(StudioError, match="参数请写成“名称：数值”") as zh:
        make_set(ctx, session, ListingForm(**{**FACTS, "specs": "容量500ml"}), "zh")
    assert "name: value" not in str(zh.value)  # one language, not both
    with pytest.raises(StudioError, match="This field is not valid: a spec is 'name: value'"):
        build_page(ctx, session, ListingForm(**{**FACTS, "specs": "500ml"}), "en")
    assert session.recipe == before  # nothing the seller made is lost
    two_points = {**FACTS, "point_3": "", "point_5": ""}
    with pytest.raises(StudioError, match="卖点图至少需要 3 条卖点") as zh:
        make_set(ctx, session, ListingForm(**two_points), "zh")
    assert "selling-points image" not in str(zh.value)
    with pytest.raises(StudioError, match="^The selling-points image needs at least 3"):
        make_set(ctx, session, ListingForm(**two_points), "en")
    with pytest.raises(StudioError, match="请至少选择一个平台"):
        make_set(ctx, session, ListingForm(**{**FACTS, "marketplaces": []}), "zh")
    with pytest.raises(StudioError, match="needs at least one section"):
        build_page(ctx, session, ListingForm(**{**FACTS, "sections": ""}), "en")
    with pytest.raises(StudioError, match="请先在 ① 抠图 里去除背景"):
        build_page(ctx, StudioSession(), ListingForm(**FACTS), "zh")


def test_a_job_the_seller_overtook_keeps_the_newer_work(ctx, session, tmp_path):
    """The seller edits the facts while the page renders: the files come back, the session keeps the edit."""
    from studio.ui.forms import sync_form
    from studio.ui.listing_handlers import export_page

    def seller_types(fraction: float, message: str) -> None:
        if fraction > 0.5 and session.recipe.listing.brand != "新品牌":
            sync_form(session, ListingForm(**{**FACTS, "brand": "新品牌"}))

    made = export_page(ctx, session, ListingForm(**FACTS), "en", progress=seller_types, out_dir=tmp_path)
    assert "from before" in made.message and made.downloads
    assert session.recipe.listing.brand == "新品牌" and "listing_page_files" not in session.views


def test_stop_ends_the_set_before_the_next_slot(ctx, session, tmp_path):
    from studio.ui.listing_handlers import make_set

    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        make_set(ctx, session, ListingForm(**FACTS), "en", cancel=token, out_dir=tmp_path)


def test_the_order_editor_moves_adds_and_removes():
    from studio.ui.listing_handlers import add_section, missing_sections, move_section, order_choices, remove_section

    order = ["hero", "points", "specs"]
    assert move_section(order, "hero", -1) == order  # clamped at the top
    assert move_section(order, "specs", +1) == order  # and at the bottom
    assert move_section(order, "hero", +1) == ["points", "hero", "specs"]
    assert remove_section(order, "points") == ["hero", "specs"]
    assert add_section(order, "guarantee") == [*order, "guarantee"] and add_section(order, "hero") == order
    assert set(missing_sections(order)) == {"scenes", "closeups", "notes", "guarantee", "brand"}
    assert order_choices(["specs", "hero"], "zh") == [("1 · 产品参数", "specs"), ("2 · 首屏", "hero")]


def test_the_tab_builds_alone_and_its_jobs_share_the_gpu_lane_and_the_door():
    from studio.ui.app import create_app
    from studio.ui.common import HEAVY_ENDPOINTS
    from studio.ui.listing_tab import build_listing_tab
    from tests.ui.tab_harness import block_by_id, build_tab_alone

    alone = build_tab_alone(build_listing_tab, Settings(profile="none", open_browser=False))
    assert block_by_id(alone, "listing-sections").value == "hero,points,scenes,closeups,specs,notes,guarantee,brand"
    demo = create_app(Settings(profile="none", open_browser=False))
    ctx = demo.studio_context
    jobs = {"ui_make_set", "ui_detail_preview", "ui_detail_export"}
    assert jobs <= set(ctx.extra["guards"]["gpu_lane"]) and jobs <= set(ctx.extra["guards"]["rate_limited"])
    assert jobs <= set(HEAVY_ENDPOINTS)  # admitted per user at the queue's door (admission.py)
    fns = {fn.api_name: fn for fn in demo.fns.values()}
    assert all(fns[name].concurrency_id == "gpu" and fns[name].api_visibility != "public" for name in jobs)
    assert "listing" in ctx.extra["forms"]  # refilled on reopen and reload with every other tab
