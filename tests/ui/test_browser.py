"""Click through the five tabs in headless Chromium, as a seller would, and download the zip.

Screenshots of each tab go to tests/_artifacts/ to be looked at.
"""

from __future__ import annotations

import shutil
import zipfile

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


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
        pg.goto(studio_url, wait_until="networkidle")
        yield pg
        browser.close()


def test_click_through_to_the_zip(page, product_photo, tmp_path, artifacts_dir):
    from playwright.sync_api import expect

    photo = tmp_path / "cup.jpg"
    product_photo.save(photo, quality=92)

    # ① Background removal — the page follows the browser's language (zh-CN here).
    expect(page.get_by_role("button", name="✂️ 去除背景")).to_be_visible()
    page.locator("#tab-cutout input[type=file]").first.set_input_files(str(photo))
    page.get_by_role("button", name="✂️ 去除背景").click()
    expect(page.get_by_text("抠图完成")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "1_cutout.png"), full_page=True)

    # ② Scene
    page.get_by_role("tab", name="② 场景合成 · Scene").click()
    page.get_by_role("button", name="🎨 合成场景").click()
    expect(page.get_by_text("已生成 1 张")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "2_scene.png"), full_page=True)

    # ③ Style
    page.get_by_role("tab", name="③ 风格 LoRA · Style").click()
    expect(page.get_by_role("button", name="应用风格")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "3_style.png"), full_page=True)

    # ④ Copy
    page.get_by_role("tab", name="④ 文案 · Copy text").click()
    page.get_by_label("主标题").fill("双11 狂欢价")
    page.get_by_label("价格", exact=True).fill("¥99")
    page.get_by_role("button", name="✍️ 排版文案").click()
    expect(page.get_by_text("文案已排版")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "4_copy.png"), full_page=True)

    # ⑤ Export, then download the zip
    page.get_by_role("tab", name="⑤ A/B 导出 · Export").click()
    page.get_by_role("button", name="📦 导出全部海报").click()
    expect(page.get_by_text("已导出")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "5_export.png"), full_page=True)
    with page.expect_download() as download_info:
        page.locator("#tab-export a[download]").first.click()
    target = tmp_path / "posters.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as z:
        assert "manifest.csv" in z.namelist()

    # The language switch turns the interface to English.
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("button", name="📦 Export all posters")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "6_english.png"), full_page=True)
