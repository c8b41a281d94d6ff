"""Launching a real studio process on loopback (the `studio_url` fixture lives in tests/conftest.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"the app did not answer at {url} within {timeout} s")


@contextmanager
def running_studio(log_dir: Path, *extra_args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """`python app.py --profile tiny` on a free loopback port, as a user would start it; yields its URL."""
    port = _free_port()
    log_path = log_dir / "app.log"
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py", "--profile", "tiny", "--no-browser", "--port", str(port), *extra_args],
            cwd=ROOT,
            env=full_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_up(url, proc, timeout=240)
    except Exception:
        proc.kill()
        raise RuntimeError("app failed to start:\n" + log_path.read_text()[-4000:])
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def session_with_cutout(studio_url: str, folder: Path):
    """A gradio_client session (one browser session) whose coffee-cup photo is already cut out."""
    from gradio_client import Client, handle_file
    from PIL import Image
    from skimage import data

    photo = folder / "cup.jpg"
    Image.fromarray(data.coffee()).convert("RGB").save(photo, quality=92)
    client = Client(studio_url, verbose=False)
    client.predict(
        handle_file(str(photo)), "u2netp", 0, 0, True, False, True, False, "checker", api_name="/ui_remove_background"
    )
    return client
