"""Plumbing every tab shares: the context object, error handling, progress, cancel."""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from studio.errors import StudioError
from studio.models import ModelManager
from studio.progress import CancelToken, Progress
from studio.settings import Settings
from studio.ui.i18n import Translator

log = logging.getLogger("studio.ui")


class CancelRegistry:
    """One cancel token per browser session, so Cancel stops only that session's job."""

    def __init__(self) -> None:
        self._tokens: dict[str, CancelToken] = {}
        self._lock = threading.Lock()

    def token(self, session_hash: str | None) -> CancelToken:
        with self._lock:
            return self._tokens.setdefault(session_hash or "-", CancelToken())

    def fresh(self, session_hash: str | None) -> CancelToken:
        token = self.token(session_hash)
        token.reset()
        return token


@dataclass
class UiContext:
    settings: Settings
    models: ModelManager
    tr: Translator
    cancels: CancelRegistry = field(default_factory=CancelRegistry)
    # Filled by app.py once the shared components exist.
    session: Any = None  # gr.State holding a StudioSession
    lang: Any = None  # gr.State holding "zh" or "en"
    extra: dict[str, Any] = field(default_factory=dict)  # cross-tab components by name


def seller_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn StudioError into a toast with the seller's message; log anything unexpected."""
    import gradio as gr

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StudioError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        except gr.Error:
            raise
        except Exception as exc:  # a bug: keep serving, say so plainly, keep the details in the log
            log.exception("unexpected failure in %s", fn.__name__)
            raise gr.Error(
                f"Something went wrong on our side ({type(exc).__name__}). Your work so far is kept; please try again.",
                print_exception=False,
            ) from None

    return wrapper


def progress_adapter(progress: Any) -> Progress:
    """gr.Progress → the core's Progress callable."""

    def report(fraction: float, message: str) -> None:
        try:
            progress(max(0.0, min(1.0, fraction)), desc=message)
        except Exception:  # progress is cosmetic; never fail a job over it
            pass

    return report


def lang_of(lang: str | None) -> str:
    return lang if lang in ("zh", "en") else "zh"
