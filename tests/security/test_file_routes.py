"""Gradio's file routes on the launched studio: only its own uploads and outputs are ever served."""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _get(url: str, raw_path: str) -> int:
    """GET a path exactly as written (no client-side ../ folding, unlike curl or requests)."""
    parts = urlparse(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", raw_path)
        return conn.getresponse().status
    finally:
        conn.close()


@pytest.mark.parametrize(
    "raw_path",
    [
        "/gradio_api/file=../../etc/passwd",
        "/gradio_api/file=..%2F..%2F..%2Fetc%2Fpasswd",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=%2Fetc%2Fpasswd",
        "/gradio_api/file=/tmp/gradio/../../etc/passwd",
        "/gradio_api/file=~/.bashrc",
        f"/gradio_api/file={ROOT}/app.py",
        f"/gradio_api/file={ROOT}/studio/settings.py",
        f"/gradio_api/file={ROOT}/examples/coffee_cup.jpg",  # served only through Gradio's cache copy
        f"/gradio_api/file={ROOT}/../../etc/passwd",
        "/gradio_api/file=http://127.0.0.1:22/",  # no server-side fetch of internal addresses
        "/gradio_api/file=file:///etc/passwd",
        "/file=../../../etc/passwd",  # the pre-4.x route
        "/file=/etc/passwd",
    ],
)
def test_files_outside_the_cache_are_refused(studio_url, raw_path):
    status = _get(studio_url, raw_path)
    assert status in (400, 403, 404), f"{raw_path} answered {status}"


def test_an_upload_over_the_limit_gets_413(studio_url, tmp_path):
    import requests

    big = tmp_path / "huge.jpg"
    with big.open("wb") as fh:  # 41 MB: just over the default 40 MB limit
        fh.truncate(41 * 1024 * 1024)
    with big.open("rb") as fh:
        resp = requests.post(studio_url + "gradio_api/upload", files={"files": ("huge.jpg", fh)}, timeout=120)
    assert resp.status_code == 413


def test_output_urls_carry_an_unguessable_keyed_hash(studio_url, tmp_path):
    """Another session can only fetch a poster if it was handed the URL: the folder is a 64-hex keyed hash."""
    from gradio_client import Client, handle_file

    client = Client(studio_url, verbose=False)
    photo = ROOT / "examples" / "water_bottle.jpg"
    cutout, *_ = client.predict(
        handle_file(str(photo)), "u2netp", 0, 0, True, False, True, False, "checker", api_name="/ui_remove_background"
    )
    assert re.search(r"/[0-9a-f]{64}/[^/]+$", cutout), cutout
    # nothing lists the cache: its folder is not browsable
    assert _get(studio_url, "/gradio_api/file=" + str(Path(cutout).parent)) in (403, 404)
