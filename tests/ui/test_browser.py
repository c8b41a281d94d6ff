"""Click through the five tabs in headless Chromium, as a seller would, and download the zip.

Screenshots of each tab go to tests/_artifacts/ to be looked at.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page(studio_url):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(120_000)
        pg.goto(studio_url, wait_until="load")
        yield pg
        browser.close()


def list_index(scene_id: str) -> int:
    from studio.ui.scene_tab import picker_ids

    return picker_ids().index(scene_id)


def test_click_through_to_the_zip(page, product_photo, tmp_path, artifacts_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=180_000)  # first use loads models on 2 CPU cores
    photo = tmp_path / "cup.jpg"
    product_photo.save(photo, quality=92)

    def shot(name: str) -> None:
        page.screenshot(path=str(artifacts_dir / f"{name}.png"), full_page=True)

    def step(name: str, tab: str | None, act, done_text: str) -> None:
        """Open a tab, do something, wait for its status line; screenshot whatever happened."""
        if tab:
            page.get_by_role("tab", name=tab).click()
        try:
            act()
            expect(page.get_by_text(done_text).first).to_be_visible()
        finally:
            shot(name)

    # ① Background removal — the page follows the browser's language (zh-CN here).
    def cut():
        page.locator("#tab-cutout input[type=file]").first.set_input_files(str(photo))
        page.get_by_role("button", name="✂️ 去除背景").click()

    step("1_cutout", None, cut, "抠图完成")

    def pick_scene_and_compose():
        # The scene picker: one click on a picture chooses that scene in the dropdown too.
        page.locator("#scene-picker .thumbnail-item").nth(list_index("double11")).click()
        expect(page.locator("#scene-preset input")).to_have_value("双11 红金")
        page.get_by_role("button", name="🎨 合成场景").click()

    step("2_scene", "② 场景 · Scene", pick_scene_and_compose, "已生成 1 张")
    step("3_style", "③ 风格 · Style", lambda: None, "应用风格")

    def write_copy():
        page.get_by_label("主标题").fill("双11 狂欢价")
        page.get_by_label("价格", exact=True).fill("¥99")
        page.get_by_role("button", name="✍️ 排版文案").click()

    step("4_copy", "④ 文案 · Copy", write_copy, "文案已排版")
    step("5_export", "⑤ 导出 · Export", lambda: page.get_by_role("button", name="📦 导出全部海报").click(), "已导出")
    # Every file the default export makes passes its platform's rules (the AI label on 9:16 once did not).
    expect(page.locator("#tab-export").get_by_text("未通过")).to_have_count(0)

    with page.expect_download() as download_info:
        page.locator("#tab-export a[download]").first.click()
    target = tmp_path / "posters.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as z:
        assert "manifest.csv" in z.namelist()
    expect(page.locator("#export-compliance").get_by_text("poster_taobao_main_A.jpg")).to_be_visible()

    # A/B results: the seller's CSV in, a clear decision out.
    results = tmp_path / "results.csv"
    results.write_text("variant,impressions,clicks\nA,10000,200\nB,10000,320\n", encoding="utf-8")

    def ab_panel():
        page.get_by_text("📈 A/B 测试结果分析").click()
        page.locator("#ab-panel input[type=file]").first.set_input_files(str(results))
        expect(page.get_by_role("gridcell", name="10000").first).to_be_visible()
        page.get_by_role("button", name="分析", exact=True).click()

    step("7_ab", None, ab_panel, "胜出")

    # The language switch turns the interface to English.
    step("6_english", None, lambda: page.get_by_text("English", exact=True).click(), "📦 Export all posters")
