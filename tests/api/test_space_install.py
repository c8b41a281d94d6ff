"""The Space builds: its install command resolves for the Python the front matter names.

A Space installs `requirements.txt` together with `gradio[oauth,mcp]==<sdk_version>` on the
front matter's `python_version`. pip's own resolver (`--dry-run`) answers whether that can
be installed, for Linux x86_64 wheels only, as on the Space. It needs the package registry;
where the registry cannot be reached the test is skipped and says so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Hugging Face's ZeroGPU documentation lists these Python versions only.
ZERO_GPU_PYTHONS = {"3.10", "3.12"}
# Every manylinux tag a Linux x86_64 Space accepts, newest first (pip takes exact tags only).
LINUX_TAGS = [f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)] + [
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
    "linux_x86_64",
]


def front_matter() -> dict:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n"), "README.md must open with the Space's front matter"
    return yaml.safe_load(text.split("---\n", 2)[1])


# Pure-Python pins published only as a source archive, with no install requirements of their own:
# pip resolves for another Python only among wheels, so these are checked on their own.
SDIST_ONLY = {"jieba"}


def split_requirements(folder: Path) -> tuple[Path, list[str]]:
    """requirements.txt without the source-only pins (written to `folder`), and those pins."""
    wheels, sdists = [], []
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        name = line.split("==")[0].split("[")[0].strip().lower()
        (sdists if name in SDIST_ONLY else wheels).append(line)
    path = folder / "requirements-wheels.txt"
    path.write_text("\n".join(wheels) + "\n", encoding="utf-8")
    return path, sdists


def space_install_command(python_version: str, sdk_version: str, requirements: Path) -> list[str]:
    platforms = [arg for tag in LINUX_TAGS for arg in ("--platform", tag)]
    return [
        sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed",
        "--python-version", python_version, *platforms, "--only-binary=:all:",
        "-r", str(requirements), f"gradio[oauth,mcp]=={sdk_version}",
    ]  # fmt: skip


def registry_reachable() -> bool:
    probe = [sys.executable, "-m", "pip", "index", "versions", "gradio"]
    try:
        return subprocess.run(probe, capture_output=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def test_front_matter_python_is_one_zero_gpu_supports():
    meta = front_matter()
    assert str(meta["python_version"]) in ZERO_GPU_PYTHONS
    assert meta["sdk"] == "gradio"


def test_requirements_pin_the_gradio_the_space_runs():
    pins = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    sdk = front_matter()["sdk_version"]
    assert f"gradio[mcp]=={sdk}" in pins, "requirements.txt and sdk_version must name the same gradio"


@pytest.mark.slow
def test_space_install_command_resolves(tmp_path):
    meta = front_matter()
    if not registry_reachable():
        pytest.skip("the package registry cannot be reached, so pip cannot resolve the Space's install")
    requirements, sdists = split_requirements(tmp_path)
    cmd = space_install_command(str(meta["python_version"]), str(meta["sdk_version"]), requirements)
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    assert done.returncode == 0, "\n".join(errors[-6:]) or done.stderr[-2000:]
    if sdists:  # each builds its metadata here and must need nothing else
        check = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--quiet",
            "--ignore-installed",
            "--no-deps",
            "--report",
            str(tmp_path / "sdists.json"),
            *sdists,
        ]
        done = subprocess.run(check, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        report = json.loads((tmp_path / "sdists.json").read_text(encoding="utf-8"))
        for item in report["install"]:
            assert not item["metadata"].get("requires_dist"), f"{item['metadata']['name']} needs more packages"
