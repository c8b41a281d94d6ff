"""A public API job stops when its caller has gone.

Gradio marks a running job dead (`alive = False`) when its caller's event stream closes — a
script killed mid-call, a REST `/call/` stream dropped — but the worker thread keeps running
its function. Without this, a 58-hour project job would keep the GPU lane after the caller left.
The watch reads Gradio's queue through `getattr` only: if a later Gradio renames those
attributes the watch sees nobody leave, and jobs simply run to the end as before.
"""

from __future__ import annotations

from typing import Any

from studio.progress import Cancelled, CancelToken


def caller_has_left(blocks: Any, session_hash: str | None) -> bool:
    """True once Gradio has marked a running job of this caller dead."""
    if blocks is None or not session_hash:
        return False
    queue = getattr(blocks, "_queue", None)
    for job_set in list(getattr(queue, "active_jobs", None) or []):
        for job in list(job_set or []):
            if getattr(job, "session_hash", None) == session_hash and getattr(job, "alive", True) is False:
                return True
    return False


class DepartedCallerToken(CancelToken):
    """A cancel token that also fires when the request's caller has left (checked between steps)."""

    def __init__(self, blocks: Any, session_hash: str | None) -> None:
        super().__init__()
        self._blocks = blocks
        self._session_hash = session_hash

    @property
    def cancelled(self) -> bool:
        if not super().cancelled and caller_has_left(self._blocks, self._session_hash):
            self.cancel()
        return super().cancelled

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


def watch_caller(blocks: Any, request: Any) -> DepartedCallerToken:
    """The token for one API call: `request` is the handler's gr.Request (None outside Gradio)."""
    return DepartedCallerToken(blocks, getattr(request, "session_hash", None))


__all__ = ["DepartedCallerToken", "caller_has_left", "watch_caller"]
