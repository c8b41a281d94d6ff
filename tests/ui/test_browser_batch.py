"""Tab ⑥ in headless Chromium: a catalogue and a photos zip in, the rows previewed (the bad one with its
reason), the batch run, the catalogue zip downloaded. The screenshot goes to tests/_artifacts/ to look at."""

from __future__ import annotations

import re
import zipfile

import pytest

from tests.batch.conftest import write_csv
from tests.ui.test_browser import CHROMIUM, LAUNCH_ARGS

pytestmark = [pytest.mark.slow, pytest.mark.browser]

# One platform a row: the tiny models on 2 CPU cores make every default platform too slowly for a test.
ROWS = [
    {"sku": "CUP-01", "photo": "cup.jpg", "headline": "Fresh brew", "price": "99", "platforms": "taobao_main"},
    {"sku": "BAD-01", "photo": "missing.jpg", "headline": "Never made", "platforms": "taobao_main"},
    {"sku": "CUP-02", "photo": "cup.jpg", "headline": "双11 狂欢价", "price": "88", "platforms": "taobao_main"},
]


def test_catalogue_to_downloads(studio_url, product_photo, tmp_path, artifacts_dir):
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (scripts/setup.sh --test installs it as root)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=240_000)  # first use loads the tiny models on 2 CPU cores
    catalogue = write_csv(tmp_path / "catalog.csv", ROWS)
    product_photo.resize((320, 320)).save(tmp_path / "cup.jpg", quality=90)
    photos = tmp_path / "photos.zip"
    with zipfile.ZipFile(photos, "w") as archive:
        archive.write(tmp_path / "cup.jpg", "cup.jpg")

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(240_000)
        page.goto(studio_url, wait_until="load")
        try:
            page.get_by_role("tab", name="⑥ 批量 · Batch").click()
            page.locator("#batch-catalogue input[type=file]").set_input_files(str(catalogue))
            page.locator("#batch-photos input[type=file]").set_input_files(str(photos))
            expect(page.locator("#batch-photos").get_by_text("photos.zip")).to_be_visible()

            page.get_by_role("button", name="🔍 预览商品表").click()
            expect(page.get_by_text("共 3 行：2 行可生成，1 行有问题")).to_be_visible()
            rows = page.locator("#batch-rows")
            expect(rows.get_by_text("BAD-01")).to_be_visible()
            reason = rows.get_by_role("gridcell", name=re.compile("missing.jpg"))
            expect(reason).to_be_visible()  # its reason, wrapped in the wide status column, not cut off
            cell, table = reason.bounding_box(), rows.bounding_box()
            assert cell and table and cell["x"] + cell["width"] <= table["x"] + table["width"] + 1, (cell, table)
            expect(
                page.locator("#batch-status").get_by_text(re.compile("第 3 行 · BAD-01: .*missing.jpg"))
            ).to_be_visible()

            page.get_by_role("button", name="🚀 批量生成").click()
            # While it runs, the status counts done · failed · left after every SKU (the refused row first).
            expect(
                page.locator("#batch-status").get_by_text(re.compile("正在生成：完成 \\d · 失败 1 · 剩余"))
            ).to_be_visible()
            expect(page.get_by_text("批量完成：新生成 2").first).to_be_visible()
            links = page.locator("#batch-downloads a[download]")
            expect(links).to_have_count(5)  # catalog.zip, manifest, errors.csv, CUP-01.zip, CUP-02.zip
            with page.expect_download() as download_info:
                links.first.click()
            target = tmp_path / "catalog.zip"
            download_info.value.save_as(target)
        finally:
            page.screenshot(path=str(artifacts_dir / "batch_tab.png"), full_page=True)
            browser.close()
    with zipfile.ZipFile(target) as z:
        names = z.namelist()
    assert "catalog_manifest.csv" in names and "errors.csv" in names
    assert any(n.startswith("CUP-01/") for n in names) and any(n.startswith("CUP-02/") for n in names)
