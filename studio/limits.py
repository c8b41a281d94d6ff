"""Limits that keep one studio process healthy when many people (or scripts) use it.

- `RateLimiter`: at most N heavy jobs per user per minute (sliding window).
- `apply_pillow_limits`: Pillow's own decompression-bomb guard, set from Settings.
- `check_canvas`: no canvas larger than `Settings.max_canvas_side` on either side.
- `sweep_old_outputs`: temporary export folders are removed after a day.

Nothing here imports gradio or torch.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable

from studio.errors import StudioError
from studio.settings import Settings

WINDOW_S = 60.0
# Folders the tabs create with tempfile.mkdtemp(prefix=...) for files they hand back.
OUTPUT_PREFIXES = ("posters-", "white-", "cutouts-", "project-")


class RateLimited(StudioError):
    """A user started more heavy jobs in the last minute than the owner allows."""

    def __init__(self, limit: int, wait_s: float) -> None:
        super().__init__(
            f"Too many jobs in a row: this studio allows {limit} per minute for each person.",
            hint=f"Please wait about {max(1, round(wait_s))} s and try again; your work so far is kept.",
        )
        self.wait_s = wait_s


class RateLimiter:
    """Sliding-window counter per key (an auth user name, else a browser session)."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._starts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Count one job for `key`, or raise RateLimited (counting nothing) when over the limit."""
        if self.per_minute <= 0:
            return
        now = self._clock()
        with self._lock:
            starts = self._starts.setdefault(key, deque())
            while starts and now - starts[0] >= WINDOW_S:
                starts.popleft()
            if len(starts) >= self.per_minute:
                raise RateLimited(self.per_minute, WINDOW_S - (now - starts[0]))
            starts.append(now)
            self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded by the users of the last minute, not by everyone ever seen.
        if len(self._starts) > 1000:
            for key in [k for k, q in self._starts.items() if not q or now - q[-1] >= WINDOW_S]:
                del self._starts[key]


def user_key(username: str | None, session_hash: str | None) -> str:
    """Whom a job is counted against: the logged-in user (all their tabs), else the browser session."""
    if username:
        return f"user:{username}"
    return f"session:{session_hash or 'anonymous'}"


def apply_pillow_limits(settings: Settings) -> None:
    """Make Pillow itself refuse images over the studio's pixel limit (DecompressionBombError at 2×)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = int(settings.max_image_pixels)


def check_canvas(size: tuple[int, int], settings: Settings) -> None:
    """Refuse a canvas (a platform preset, a custom size) bigger than the owner allows."""
    width, height = size
    limit = settings.max_canvas_side
    if width <= 0 or height <= 0 or width > limit or height > limit:
        raise StudioError(
            f"A {width}×{height} px poster is larger than this studio makes (up to {limit}×{limit} px).",
            hint="Choose a marketplace size from the list, or ask the owner to raise the limit.",
        )


def sweep_old_outputs(max_age_s: float = 86400.0, *, root: Path | None = None, now: float | None = None) -> int:
    """Delete the tabs' temporary output folders older than `max_age_s`; return how many went."""
    root = Path(root or tempfile.gettempdir())
    now = time.time() if now is None else now
    removed = 0
    for prefix in OUTPUT_PREFIXES:
        for folder in root.glob(prefix + "*"):
            try:
                if folder.is_dir() and not folder.is_symlink() and now - folder.stat().st_mtime > max_age_s:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
            except OSError:
                continue  # vanished meanwhile, or not ours to touch
    return removed


def start_output_sweeper(interval_s: float = 3600.0, max_age_s: float = 86400.0) -> threading.Thread:
    """A daemon thread that sweeps old output folders every `interval_s` while the app runs."""

    def loop() -> None:
        while True:
            sweep_old_outputs(max_age_s)
            time.sleep(interval_s)

    thread = threading.Thread(target=loop, name="studio-output-sweeper", daemon=True)
    thread.start()
    return thread
