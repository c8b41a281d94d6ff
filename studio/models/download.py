"""Download progress for a hub model: bytes and percent, read from the hub cache while it fills.

diffusers downloads through huggingface_hub into the cache folder; watching that
folder's size works whatever function does the downloading, and costs one stat
per file per second.
"""

from __future__ import annotations

import threading
from pathlib import Path

from studio.progress import Progress

POLL_S = 1.0


def repo_cache_dir(repo_id: str, cache_dir: Path | None = None) -> Path:
    if cache_dir is None:
        from huggingface_hub import constants

        cache_dir = Path(constants.HF_HUB_CACHE)
    return cache_dir / ("models--" + repo_id.replace("/", "--"))


def cached_bytes(folder: Path) -> int:
    """Bytes under the repo's blobs, finished and .incomplete alike."""
    blobs = folder / "blobs"
    if not blobs.is_dir():
        return 0
    total = 0
    for item in blobs.iterdir():
        try:
            total += item.stat().st_size
        except OSError:  # renamed while we looked
            continue
    return total


def expected_bytes(repo_id: str, dtype_name: str) -> int | None:
    """What diffusers will fetch for a pipeline or model folder, from the hub's file list; None when unknown."""
    try:
        from huggingface_hub import HfApi

        info = HfApi().model_info(repo_id, files_metadata=True, timeout=10)
    except Exception:  # noqa: BLE001 - progress is a courtesy; the download itself reports failures
        return None
    half = dtype_name != "float32"
    total = 0
    for sibling in info.siblings or []:
        name, size = sibling.rfilename, sibling.size or 0
        if name.endswith((".json", ".txt")):
            total += size
        elif name.endswith(".safetensors") and "non_ema" not in name:
            total += size if (".fp16." in name) == half else 0
    return total or None


class DownloadWatch:
    """A background thread that reports 'Downloading X: 1.2 of 4.3 GB (28 %)' every POLL_S."""

    def __init__(
        self,
        repo_id: str,
        label: str,
        progress: Progress,
        *,
        total: int | None = None,
        cache_dir: Path | None = None,
        poll_s: float = POLL_S,
    ) -> None:
        self.folder = repo_cache_dir(repo_id, cache_dir)
        self.label, self.progress, self.total, self.poll_s = label, progress, total, poll_s
        self.start_bytes = cached_bytes(self.folder)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"download:{repo_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2 * self.poll_s)

    def figure(self) -> tuple[float, str]:
        done = max(0, cached_bytes(self.folder) - self.start_bytes)
        if self.total:
            share = min(0.99, done / self.total)  # never 100 % before the loader returns
            return share, f"Downloading {self.label}: {_size(done)} of {_size(self.total)} ({int(share * 100)} %)"
        return 0.0, f"Downloading {self.label}: {_size(done)} so far"

    def report(self) -> None:
        self.progress(*self.figure())

    def _run(self) -> None:
        last = ""
        while not self._stop.wait(self.poll_s):
            share, text = self.figure()
            if text != last:  # a line only when the figure changed (the CLI prints every one)
                self.progress(share, text)
                last = text


def _size(n: int) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"
