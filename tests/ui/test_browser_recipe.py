"""In headless Chromium: the copy a seller sees is the copy that ships, and a reload loses nothing.

Edit the headline and price after a preview, export without previewing again: the files carry
the new copy (read back with OCR). Then reload the page: every tab comes back.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from tests.ui.test_browser import CHROMIUM, LAUNCH_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.browser]


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


def ocr_text(image: Image.Image) -> str:
    rapidocr = pytest.importorskip("rapidocr_onnxruntime")
    result, _ = rapidocr.RapidOCR()(np.asarray(image.convert("RGB")))
    return "".join("".join(text.split()) for _box, text, _score in (result or []))


def test_edited_copy_ships_and_a_reload_restores_every_tab(page, product_photo, tmp_path, artifacts_dir):
    from playwright.sync_api import expect

    expect.set_options(timeout=180_000)
    photo = tmp_path / "cup.jpg"
    product_photo.save(photo, quality=92)

    page.locator("#tab-cutout input[type=file]").first.set_input_files(str(photo))
    page.get_by_role("button", name="✂️ 去除背景").click()
    expect(page.get_by_text("抠图完成").first).to_be_visible()

    page.get_by_role("tab", name="④ 文案 · Copy").click()
    page.get_by_label("主标题").fill("旧的标题")
    page.get_by_label("价格", exact=True).fill("299")
    page.get_by_role("button", name="✍️ 排版文案").click()
    expect(page.get_by_text("文案已排版").first).to_be_visible()
    # The seller changes the copy after the preview and goes straight to export.
    page.get_by_label("主标题").fill("夏日新品")
    page.get_by_label("价格", exact=True).fill("259")
    page.get_by_label("价格", exact=True).blur()

    page.get_by_role("tab", name="⑤ 导出 · Export").click()
    page.locator("#tab-export").get_by_label("商品编码（用于文件名）").fill("cup-7")
    page.get_by_role("button", name="📦 导出全部海报").click()
    expect(page.get_by_text("已导出").first).to_be_visible()
    expect(page.get_by_text("现在的文案").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "export_after_edit.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("#tab-export a[download]").first.click()
    target = tmp_path / "posters.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as z:
        name = next(n for n in z.namelist() if n.endswith("taobao_main_A.jpg"))
        poster = Image.open(io.BytesIO(z.read(name)))
        poster.load()
    poster.save(artifacts_dir / "edited_copy_poster.png")
    text = ocr_text(poster)
    assert "夏日新品" in text and "259" in text, text
    assert "旧的标题" not in text and "299" not in text, text

    # Reload mid-session: the same session comes back, every tab filled in.
    page.reload(wait_until="load")
    page.get_by_role("tab", name="④ 文案 · Copy").click()
    expect(page.get_by_label("主标题")).to_have_value("夏日新品")
    expect(page.get_by_label("价格", exact=True)).to_have_value("259")
    page.get_by_role("tab", name="⑤ 导出 · Export").click()
    expect(page.locator("#tab-export").get_by_label("商品编码（用于文件名）")).to_have_value("cup-7")
    expect(page.locator("#export-gallery img").first).to_be_visible()
    page.get_by_role("tab", name="② 场景 · Scene").click()
    expect(page.locator("#scene-preset input")).to_have_value("大理石台面")
    page.get_by_role("tab", name="① 抠图 · Cutout").click()
    expect(page.locator("#tab-cutout img").first).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "after_reload.png"), full_page=True)
    # The restored session still works: export again without touching anything.
    page.get_by_role("tab", name="⑤ 导出 · Export").click()
    page.get_by_role("button", name="📦 导出全部海报").click()
    expect(page.get_by_text("已导出").first).to_be_visible()
