"""Drive the launched app with gradio_client through the named endpoints, from photo to zip."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import pytest
from PIL import Image

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(studio_url):
    from gradio_client import Client

    return Client(studio_url, verbose=False)


def test_named_endpoints_are_offered(client):
    api = client.view_api(print_info=False, return_format="dict")
    names = set(api["named_endpoints"])
    for name in ("/remove_background", "/compose_scene", "/apply_styles", "/render_copy", "/export_posters", "/ab_stats"):
        assert name in names, f"{name} missing from {sorted(names)}"


def test_photo_to_zip(client, product_photo, tmp_path, artifacts_dir):
    from gradio_client import handle_file

    photo = tmp_path / "cup.jpg"
    product_photo.save(photo, quality=92)

    cutout, preview, status, _editor = client.predict(
        handle_file(str(photo)), "u2netp", 0, 0, True, False, True, False, "checker", api_name="/remove_background"
    )
    with Image.open(cutout) as im:
        assert im.mode == "RGBA"
        assert im.getchannel("A").getextrema() == (0, 255)
    assert "✅" in status

    gallery, _control, scene_status = client.predict(
        "marble_counter", "auto", "", 5, 2, 0.5, 0, 0, 0, True, False, "", 3, 7, 0.8, 0, 1, "taobao_main",
        api_name="/compose_scene",
    )
    assert len(gallery) == 2
    with Image.open(gallery[0]["image"]) as im:
        assert im.size == (800, 800)

    preview_path, flags = client.predict(
        "双11 狂欢价", "保温一整天", "24 小时保温\n食品级不锈钢", "¥99", "¥129", "限时特惠", "立即抢购",
        "auto", "noto_sans_sc", "taobao_main", api_name="/render_copy",
    )
    with Image.open(preview_path) as im:
        im.save(artifacts_dir / "render_copy.png")
        assert im.size == (800, 800)

    images, zip_path, manifest, export_status = client.predict(
        ["taobao_main", "douyin_9x16"], 2, "seed", "", "cup01", "auto", True, api_name="/export_posters"
    )
    assert len(images) == 4
    with zipfile.ZipFile(zip_path) as z:
        names = z.namelist()
        assert "manifest.csv" in names and "recipes/A.json" in names and "recipes/B.json" in names
        rows = list(csv.DictReader(z.read("manifest.csv").decode("utf-8-sig").splitlines()))
        assert {(r["variant"], r["platform"]) for r in rows} == {(v, p) for v in "AB" for p in ("taobao_main", "douyin_9x16")}
        for r in rows:
            Path(artifacts_dir / r["file"]).write_bytes(z.read(r["file"]))
            with Image.open(artifacts_dir / r["file"]) as im:
                assert im.size == (int(r["width"]), int(r["height"]))


def test_a_step_out_of_order_gets_a_clear_message(studio_url):
    from gradio_client import Client

    fresh = Client(studio_url, verbose=False)  # a new session: no cutout yet
    with pytest.raises(Exception) as err:
        fresh.predict(["taobao_main"], 1, "seed", "", "sku", "auto", True, api_name="/export_posters")
    assert "①" in str(err.value) or "first" in str(err.value)


def test_project_saved_in_one_session_reopens_in_another(client, studio_url, tmp_path):
    """Nothing is lost between sittings: save the project, open it in a new session, export again."""
    from gradio_client import Client, handle_file

    project_path, status = client.predict(api_name="/save_project")
    assert project_path.endswith(".poster") and "✅" in status
    fresh = Client(studio_url, verbose=False)
    message = fresh.predict(handle_file(project_path), api_name="/open_project")
    assert "✅" in message
    images, zip_path, _manifest, _status = fresh.predict(
        ["jd_main"], 1, "seed", "", "again", "auto", True, api_name="/export_posters"
    )
    assert len(images) == 1 and zip_path.endswith(".zip")


def test_the_readme_example_runs_as_written(studio_url, product_photo, tmp_path, monkeypatch):
    """The gradio_client example in the README is a promise to script writers: run it verbatim."""
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```python\n(from gradio_client import Client.*?)```", readme, re.S)
    assert block, "the README lost its gradio_client example"
    product_photo.save(tmp_path / "photo.jpg", quality=92)
    monkeypatch.chdir(tmp_path)
    code = block.group(1).replace("http://127.0.0.1:7860/", studio_url)
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)  # noqa: S102 - our own README
    assert len(scope["gallery"]) == 4 and scope["zip_path"].endswith(".zip")
