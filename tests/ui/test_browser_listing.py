"""Tab ⑦ in headless Chromium: the seller's facts typed once, the detail page previewed, a section moved up,
the page exported (the slices zip downloads, its slices in the new order), the main-image set made, and a
reload that keeps it all. Studio backdrops (procedural) keep it to seconds. Screenshots: tests/_artifacts/."""

from __future__ import annotations

import base64
import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.ui.test_browser import CHROMIUM, LAUNCH_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

TAB = "⑦ 套图详情 · Listing"
POINTS = [("24小时长效保湿", "drop"), ("无酒精 无香精", "shield"), ("植物精华配方", "leaf")]


def top_gap(a: Image.Image, b: Image.Image, rows: int = 300) -> float:
    """Mean difference of the two images' top rows (0 = the same pixels; JPEG noise stays under ~3)."""
    w = min(a.width, b.width)
    x = np.asarray(a.convert("RGB").crop((0, 0, w, rows)), np.float32)
    y = np.asarray(b.convert("RGB").crop((0, 0, w, rows)), np.float32)
    return float(np.abs(x - y).mean())


def test_build_reorder_export_and_make_the_set(studio_url, product_photo, tmp_path, artifacts_dir):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it as root)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=180_000)  # first use loads the tiny models on 2 CPU cores
    photo = tmp_path / "cup.jpg"
    product_photo.save(photo, quality=92)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100}, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(180_000)
        page.goto(studio_url, wait_until="load")
        try:
            page.locator("#tab-cutout input[type=file]").first.set_input_files(str(photo))
            page.get_by_role("button", name="✂️ 去除背景").click()
            expect(page.get_by_text("抠图完成").first).to_be_visible()
            page.get_by_role("tab", name="② 场景 · Scene").click()
            page.locator("#tab-scene").get_by_label("procedural").check()  # the quick studio backdrop

            page.get_by_role("tab", name="④ 文案 · Copy").click()
            page.get_by_label("主标题").fill("清爽水润 一整天")
            open_listing_tab(page)
            tab = page.locator("#tab-listing")
            for n, (text, icon) in enumerate(POINTS, 1):
                page.locator(f"#listing-point-{n}").get_by_role("textbox").fill(text)
                page.locator(f"#listing-icon-{n} input").click()
                page.get_by_role("option", name=icon, exact=True).click()
            page.locator("#listing-specs textarea").fill("容量：500ml\n材质：PET瓶身\n保质期：3年")
            page.locator("#listing-facts-guarantee").get_by_text("售后保障 · Guarantee strip").click()
            page.locator("#listing-guarantees textarea").fill("7天无理由退换\n正品保障\n顺丰包邮")
            page.locator("#listing-facts-notes").get_by_text("尺寸与使用 · Size and usage").click()
            page.locator("#listing-notes textarea").fill("取适量涂抹于面部\n避免阳光直射")
            page.locator("#listing-facts-brand").get_by_text("品牌页脚 · Brand footer").click()
            page.locator("#listing-brand").get_by_role("textbox").fill("清泉之源")
            page.locator("#listing-brand-line").get_by_role("textbox").fill("自然好肌肤")

            tab.get_by_role("button", name="👀 预览详情页").click()
            expect(page.get_by_text("详情页预览：8 个模块").first).to_be_visible()
            image = page.locator("#listing-page-image")
            expect(image).to_be_visible()
            before = _preview(image.get_attribute("src"))
            # The preview scrolls inside its fixed-height box: the page is taller than the box.
            box = page.locator("#listing-page-scroll")
            assert box.evaluate("el => el.scrollHeight > el.clientHeight + 1000"), "the preview does not scroll"

            # Move the specs table (5th) to the top: four clicks on ⬆️.
            order_box = page.locator("#listing-sections").get_by_role("textbox")
            page.locator("#listing-order").get_by_label("5 · 产品参数").check()
            for expected in ("specs,closeups", "specs,scenes", "specs,points", "specs,hero"):
                tab.get_by_role("button", name="⬆️ 上移").click()
                expect(order_box).to_have_value(_re(expected))  # the order box follows each click
            expect(page.locator("#listing-order").get_by_label("1 · 产品参数")).to_be_checked()
            expect(page.locator("#listing-facts-specs textarea")).to_be_visible()  # picking it opened its fields

            tab.get_by_role("button", name="📦 导出整页和切片").click()
            expect(page.get_by_text("已导出整页和").first).to_be_visible()
            after = _preview(image.get_attribute("src"))
            box.evaluate("el => { el.scrollTop = 1200 }")
            page.screenshot(path=str(artifacts_dir / "listing_page.png"), full_page=True)
            links = page.locator("#listing-page-files a[download]")
            expect(links).to_have_count(2)  # the slices zip, the whole page
            with page.expect_download() as download_info:
                links.first.click()
            slices_zip = tmp_path / "slices.zip"
            download_info.value.save_as(slices_zip)

            page.get_by_role("checkbox", name="京东").check()
            tab.get_by_role("button", name="🖼️ 生成主图套图").click()
            expect(page.get_by_text("已生成 11 张套图").first).to_be_visible()
            expect(page.locator("#listing-set-gallery img")).to_have_count(11)
            set_links = page.locator("#listing-set-files a[download]")
            expect(set_links).to_have_count(2)  # one zip per marketplace, Taobao's first
            with page.expect_download() as download_info:
                set_links.first.click()
            set_zip = tmp_path / "set.zip"
            download_info.value.save_as(set_zip)
            page.locator("#listing-set-gallery").scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts_dir / "listing_set.png"), full_page=True)

            # The copy tab shows the same selling points (one list, typed here).
            page.get_by_role("tab", name="④ 文案 · Copy").click()
            expect(page.get_by_label("卖点（每行一个，最多 5 个）")).to_have_value("\n".join(p for p, _i in POINTS))

            # A reload keeps the facts, the new order and the results.
            page.reload(wait_until="load")
            open_listing_tab(page)
            expect(page.locator("#listing-sections").get_by_role("textbox")).to_have_value(_re("^specs,hero,points"))
            expect(page.locator("#listing-point-2").get_by_role("textbox")).to_have_value("无酒精 无香精")
            expect(page.locator("#listing-page-image")).to_be_visible()
            expect(page.locator("#listing-set-gallery img").first).to_be_visible()
        finally:
            page.screenshot(path=str(artifacts_dir / "listing_tab_last.png"), full_page=True)
            browser.close()

    with zipfile.ZipFile(slices_zip) as archive:
        names = archive.namelist()
        slices = sorted(n for n in names if "_detail-" in n and n.endswith(".jpg"))
        order = json.loads(archive.read("recipes/page.json"))["listing"]["sections"]
        first = Image.open(io.BytesIO(archive.read(slices[0])))
        first.load()
    assert order[:2] == ["specs", "hero"] and len(order) == 8
    assert len(slices) >= 3 and slices[0].endswith("_detail-01.jpg")
    # The first slice is the top of the reordered page (the specs table), not of the page before the move.
    assert top_gap(first, after) < 3.0 < top_gap(first, before), (top_gap(first, after), top_gap(first, before))
    first.save(artifacts_dir / "first_slice.png")
    after.save(artifacts_dir / "page_preview.png")  # the whole page, to look at
    with zipfile.ZipFile(set_zip) as archive:
        files = sorted(n for n in archive.namelist() if n.endswith(".jpg"))
        images = [Image.open(io.BytesIO(archive.read(n))).convert("RGB") for n in files]
    assert [n.rsplit("_", 1)[-1] for n in files] == [
        "01-hero.jpg", "02-points.jpg", "03-detail.jpg", "04-scene.jpg", "05-specs.jpg", "06-white.jpg"
    ]  # fmt: skip
    sheet = Image.new("RGB", (400 * len(images), 400), "white")  # the set side by side, to look at
    for i, image in enumerate(images):
        sheet.paste(image.resize((400, 400)), (400 * i, 0))
    sheet.save(artifacts_dir / "set_sheet.png")


def open_listing_tab(page) -> None:
    """Tab ⑦, from the tab row (every tab fits it: tests/ui/test_browser_tabs.py)."""
    page.get_by_role("tab", name=TAB).click()
    from playwright.sync_api import expect

    expect(page.locator("#tab-listing")).to_be_visible()


def _preview(src: str | None) -> Image.Image:
    assert src and src.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    image.load()
    return image


def _re(text: str):
    import re

    return re.compile(text if text.startswith("^") else re.escape(text))
