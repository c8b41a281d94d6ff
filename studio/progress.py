"""Progress reporting and cancellation, shared by long steps (diffusion, batch, export).

Core code takes a `Progress` callable and a `CancelToken`; the UI adapts them to
gr.Progress and a Cancel button, the CLI to a line on stderr.
"""

from __future__ import annotations

import threading
from typing import Callable

from studio.errors import StudioError

# fraction in 0..1, and a short description of what is happening now
Progress = Callable[[float, str], None]


def no_progress(fraction: float, message: str) -> None:  # noqa: ARG001 - the null Progress
    return None


class Cancelled(StudioError):
    def __init__(self) -> None:
        super().__init__("Stopped: the job was cancelled. Nothing was lost; change a setting and run it again.")


class CancelToken:
    """Set from another thread (a Cancel button); checked between units of work."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    def reset(self) -> None:
        self._event.clear()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()
