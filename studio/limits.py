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
# Folders the tabs and the API create (new_output_folder) for files they hand back: the age sweep,
# the disk quotas and the per-user output quota find them by these prefixes.
OUTPUT_PREFIXES = ("posters-", "white-", "cutouts-", "project-", "listing-", "catalogue-")


def new_output_folder(prefix: str) -> Path:
    """A fresh temporary folder for files handed back, under a prefix the sweeps and quotas know."""
    if not prefix.startswith(OUTPUT_PREFIXES):
        raise ValueError(f"{prefix!r} is not one of the output prefixes {OUTPUT_PREFIXES}")
    return Path(tempfile.mkdtemp(prefix=prefix))


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
        self.checked_at_door = False  # True once the queue admits jobs (studio/ui/admission.py): counted there only
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


def _tree_bytes(folder: Path) -> int:
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file() and not path.is_symlink():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def sweep_to_quota(limit_bytes: int, *, root: Path | None = None, prefixes: tuple[str, ...] = OUTPUT_PREFIXES,
                   keep_s: float = 600.0, now: float | None = None) -> int:  # fmt: skip
    """Quota pressure: remove the oldest folders under `root` named by `prefixes` until they hold at most
    `limit_bytes` together; a folder younger than `keep_s` (an export being written or just handed back) stays.
    Returns how many went. 0 = no quota."""
    if limit_bytes <= 0:
        return 0
    root = Path(root or tempfile.gettempdir())
    now = time.time() if now is None else now
    folders = []
    for prefix in prefixes:
        for folder in root.glob(prefix + "*"):
            try:
                if folder.is_dir() and not folder.is_symlink():
                    folders.append((folder.stat().st_mtime, folder, _tree_bytes(folder)))
            except OSError:
                continue
    total, removed = sum(size for _m, _f, size in folders), 0
    for mtime, folder, size in sorted(folders, key=lambda item: item[0]):
        if total <= limit_bytes:
            break
        if now - mtime < keep_s:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        total, removed = total - size, removed + 1
    return removed


def gradio_upload_root() -> Path:
    """Where Gradio keeps uploads and served files (GRADIO_TEMP_DIR, else <tmp>/gradio)."""
    import os

    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


def make_room(settings: Settings) -> None:
    """Keep the export folders and Gradio's upload cache within their total quotas (Settings.budgets)."""
    budgets = settings.budgets
    sweep_to_quota(budgets.output_bytes_total)
    sweep_to_quota(budgets.upload_bytes_total, root=gradio_upload_root(), prefixes=("",))


def start_output_sweeper(
    interval_s: float = 3600.0, max_age_s: float = 86400.0, settings: Settings | None = None
) -> threading.Thread:
    """A daemon thread that sweeps old output folders every `interval_s` while the app runs, and keeps the
    disk quotas every few minutes."""

    def loop() -> None:
        last_age_sweep = 0.0
        while True:
            if time.monotonic() - last_age_sweep >= interval_s or not last_age_sweep:
                sweep_old_outputs(max_age_s)
                last_age_sweep = time.monotonic()
            if settings is not None:
                make_room(settings)
            time.sleep(min(interval_s, 300.0))

    thread = threading.Thread(target=loop, name="studio-output-sweeper", daemon=True)
    thread.start()
    return thread


class TooManyQueued(StudioError):
    """A user already has as many heavy jobs waiting or running as the owner allows."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"您已有 {limit} 个任务在排队或运行，请等它们完成后再试。 "
            f"You already have {limit} jobs waiting or running; please wait for one to finish.",
        )


class QueueAdmission:
    """At most `per_user` heavy jobs per user waiting or running, and the per-minute limit, checked when a job
    joins the queue (before its inputs are decoded). A job's place is given back when it ends or is dropped;
    one never given back (a crash) lapses after `lapse_s`."""

    def __init__(self, limiter: RateLimiter, per_user: int, *, lapse_s: float = 1800.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.limiter, self.per_user, self.lapse_s = limiter, per_user, lapse_s
        self._clock = clock
        self._jobs: dict[str, tuple[str, float]] = {}  # job id → (user key, admitted at)
        self._lock = threading.Lock()

    def admit(self, key: str, job_id: str) -> None:
        """Count `job_id` against `key`, or raise TooManyQueued / RateLimited (counting nothing)."""
        now = self._clock()
        with self._lock:
            self._jobs = {j: (k, t) for j, (k, t) in self._jobs.items() if now - t < self.lapse_s}
            if self.per_user and sum(1 for k, _t in self._jobs.values() if k == key) >= self.per_user:
                raise TooManyQueued(self.per_user)
            self.limiter.check(key)
            self._jobs[job_id] = (key, now)

    def rebind(self, old_id: str, new_id: str) -> None:
        """The job got its queue id: count it under that from now on."""
        with self._lock:
            if old_id in self._jobs:
                self._jobs[new_id] = self._jobs.pop(old_id)

    def release(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def open_jobs(self, key: str) -> int:
        with self._lock:
            return sum(1 for k, _t in self._jobs.values() if k == key)


def client_key(username: str | None, address: str | None, session_hash: str | None, *, public: bool) -> str:
    """Whom a job counts against: the log-in, else (in public) the client's address, which a new session or a
    REST `/call/` cannot change; on this computer, the browser session."""
    if username:
        return f"user:{username}"
    if public and address:
        return f"addr:{address}"
    return f"session:{session_hash or 'anonymous'}"
