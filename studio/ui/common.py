"""Plumbing every tab shares: the context object, error handling, progress, cancel,
and the guards the app puts around heavy handlers (GPU lane, ZeroGPU, rate limit).
"""

from __future__ import annotations

import functools
import inspect
import logging
import sys
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
    """Turn StudioError into a toast with the seller's message; log anything unexpected.

    Images in the result go back to Gradio as files (see image_files: concurrent sessions).
    A generator handler (one that streams updates) stays a generator, each update converted.
    """
    from studio.ui.image_files import images_as_files

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def streaming(*args: Any, **kwargs: Any) -> Any:
            try:
                for update in fn(*args, **kwargs):
                    yield images_as_files(update)
            except Exception as exc:
                raise _seller_error(exc, fn.__name__) from None

        return streaming

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return images_as_files(fn(*args, **kwargs))
        except Exception as exc:
            raise _seller_error(exc, fn.__name__) from None

    return wrapper


def _seller_error(exc: Exception, name: str) -> Exception:
    """The toast a handler's failure becomes (a gr.Error is already one)."""
    import gradio as gr

    if isinstance(exc, StudioError):
        return gr.Error(str(exc), print_exception=False)
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, MemoryError):
        log.exception("out of main memory in %s", name)
        return gr.Error(
            "The computer ran out of memory for this job. Your work so far is kept; "
            "try a smaller photo or fewer variants.",
            print_exception=False,
        )
    if _is_gpu_out_of_memory(exc):  # a bug otherwise: keep serving, say so plainly, keep the details in the log
        log.warning("GPU out of memory in %s", name)
        return gr.Error(
            "The graphics card ran out of memory. Your work so far is kept; try fewer variants "
            "or a smaller size, or close other programs that use the GPU.",
            print_exception=False,
        )
    log.exception("unexpected failure in %s", name)
    return gr.Error(
        f"Something went wrong on our side ({type(exc).__name__}). Your work so far is kept; please try again.",
        print_exception=False,
    )


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


def _is_gpu_out_of_memory(exc: BaseException) -> bool:
    torch = sys.modules.get("torch")  # only ever true when torch is already in use
    oom_type = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    return bool(oom_type and isinstance(exc, oom_type))


# Handlers (by api_name) that run the scene models: they share one queue lane with one
# worker, so two jobs never fight over the GPU, and on ZeroGPU each gets a GPU slot.
GPU_ENDPOINTS = (
    "compose_scene",
    "render_copy",
    "export_posters",
    "make_posters",
    "make_set",
    "make_detail_page",
    "catalogue_batch",
    "ui_make_set",  # tab ⑦: the set, the detail page's preview and its export
    "ui_detail_preview",
    "ui_detail_export",
)
# Handlers that cost real CPU/GPU time: counted by the per-user rate limit (UI events and public API alike).
HEAVY_ENDPOINTS = ("remove_background", "ui_remove_background", "cutout_batch", *GPU_ENDPOINTS)
GPU_LANE = "gpu"


def guard_heavy_events(demo: Any, ctx: UiContext) -> dict[str, list[str]]:
    """Put every model-running handler in the GPU lane, rate-limit heavy ones, wrap the GPU tasks for ZeroGPU.

    The handlers themselves stay in the main process (they hold the session, its caches and
    locks); only the plain-data GPU tasks inside them go to ZeroGPU's worker (models/zerogpu.py).
    Runs once on the finished Blocks; returns what was done, for the start-up log and the tests.
    """
    import studio.pipeline  # noqa: F401 - registers its GPU tasks
    from studio.limits import RateLimiter
    from studio.models.zerogpu import register_models, wrap_gpu_tasks

    limiter = RateLimiter(ctx.settings.job_limit)
    ctx.extra["rate_limiter"] = limiter
    from studio.output_ledger import OutputLedger

    ledger = OutputLedger(ctx.settings.budgets.output_bytes_per_user)
    ctx.extra["output_ledger"] = ledger
    register_models(ctx.models)  # before any fork: the GPU worker finds the models by this id
    done: dict[str, list[str]] = {"gpu_lane": [], "rate_limited": [], "zero_gpu": wrap_gpu_tasks()}
    for block_fn in demo.fns.values():
        name = block_fn.api_name
        if name in GPU_ENDPOINTS:
            block_fn.concurrency_id = GPU_LANE
            block_fn.concurrency_limit = 1
            done["gpu_lane"].append(name)
        if name in HEAVY_ENDPOINTS:
            block_fn.fn = rate_limited(block_fn.fn, limiter)
            done["rate_limited"].append(name)
            if ledger.limit:
                block_fn.fn = outputs_counted(block_fn.fn, ledger, ctx.settings)
                done.setdefault("output_quota", []).append(name)
    return done


def outputs_counted(fn: Callable[..., Any], ledger: Any, settings: Settings) -> Callable[..., Any]:
    """After a heavy job: its export folders count against its user's output quota (studio/output_ledger.py)."""
    from studio.limits import client_key
    from studio.output_ledger import output_folders
    from studio.ui.admission import client_address

    def count(result: Any, request: Any) -> None:
        folders = output_folders(result)
        if folders:
            owner = client_key(getattr(request, "username", None), client_address(request, settings),
                               getattr(request, "session_hash", None), public=settings.public)  # fmt: skip
            ledger.record(owner, sorted(folders, key=lambda f: f.stat().st_mtime))

    if inspect.isgeneratorfunction(fn):  # Gradio streams a handler only if it still looks like a generator

        @functools.wraps(fn)
        def streaming(*args: Any, **kwargs: Any) -> Any:
            request = current_request(args, kwargs)
            for update in fn(*args, **kwargs):  # each streamed update may hand back files
                count(update, request)
                yield update

        return streaming

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = fn(*args, **kwargs)
        count(result, current_request(args, kwargs))
        return result

    return wrapper


def rate_limited(fn: Callable[..., Any], limiter: Any) -> Callable[..., Any]:
    """Count each call against its user (auth name, else browser session) before any work starts."""
    import gradio as gr

    from studio.limits import RateLimited, user_key

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        request = current_request(args, kwargs)
        key = user_key(getattr(request, "username", None), getattr(request, "session_hash", None))
        try:
            if not getattr(limiter, "checked_at_door", False):
                limiter.check(key)
        except RateLimited as exc:
            raise gr.Error(str(exc), title="Please wait", print_exception=False) from None

    if inspect.isgeneratorfunction(fn):  # Gradio streams a handler only if it still looks like a generator

        @functools.wraps(fn)
        def streaming(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            yield from fn(*args, **kwargs)

        return streaming

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        check(args, kwargs)
        return fn(*args, **kwargs)

    return wrapper


def current_request(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The gr.Request of the running event: from the handler's arguments, else Gradio's context."""
    import gradio as gr

    for value in (*args, *kwargs.values()):
        if isinstance(value, gr.Request):
            return value
    try:
        from gradio.context import LocalContext

        return LocalContext.request.get(None)
    except (ImportError, LookupError):  # pragma: no cover - older or newer Gradio internals
        return None


def guard_image_inputs(demo: Any, settings: Settings) -> list[str]:
    """Every uploadable image box: Gradio hands the file over untouched, and a bad file gets the seller's message.

    Gradio decodes an upload before any handler runs (and by default flattens it to RGB,
    dropping a PNG's transparency and clipping 16-bit photos). For `type="filepath"` inputs
    the studio's own loader does that job properly, so Gradio only reads the header here.
    """
    import gradio as gr

    guarded = []
    for block in demo.blocks.values():
        if not isinstance(block, (gr.Image, gr.ImageEditor)) or block.interactive is False:
            continue
        if isinstance(block, gr.Image) and block.type == "filepath":
            block.image_mode = None
        if not getattr(block.preprocess, "_studio_guard", False):
            block.preprocess = _seller_preprocess(block.preprocess, settings)
            guarded.append(f"{type(block).__name__}:{block.label or block.elem_id or block._id}")
    return guarded


def _seller_preprocess(original: Callable[[Any], Any], settings: Settings) -> Callable[[Any], Any]:
    import gradio as gr
    from PIL import Image

    from studio.budgets import BudgetExceeded, check_images

    def preprocess(payload: Any) -> Any:
        try:
            # Sizes from lengths and headers first: a data: URL or an editor layer is never decoded over budget.
            check_images(image_sources(payload, settings.budgets), settings.budgets)
        except BudgetExceeded as exc:
            raise gr.Error(str(exc), title="Too large · 太大", print_exception=False) from None
        except StudioError as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        try:
            return original(payload)
        except gr.Error:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise gr.Error(
                f"This photo is far too large to open safely (over {settings.max_image_pixels / 1e6:.0f} megapixels). "
                "Resize it to about 3000 px on the long side and upload it again.",
                print_exception=False,
            ) from None
        except Exception:  # not an image, truncated, an unsupported kind of file
            log.info("refused an upload Gradio could not open", exc_info=True)
            raise gr.Error(
                "This file is not a photo the studio can read. Try a JPEG or PNG.", print_exception=False
            ) from None

    preprocess._studio_guard = True  # type: ignore[attr-defined]
    return preprocess


def image_sources(payload: Any, budgets: Any) -> list[Any]:
    """The images in a Gradio image payload (an upload, or an editor's background, layers and composite):
    a file path, or a `data:` URL's bytes once its length is within the upload limit."""
    from studio.budgets import data_url_bytes

    found: list[Any] = []

    def walk(value: Any, depth: int = 0) -> None:
        if value is None or depth > 4:
            return
        if isinstance(value, (list, tuple)):
            for item in value:
                walk(item, depth + 1)
            return
        if hasattr(value, "model_dump") and not isinstance(value, dict):
            value = value.model_dump()
        if not isinstance(value, dict):
            return
        url, path = value.get("url"), value.get("path")
        if isinstance(url, str) and url.startswith("data:"):
            found.append(data_url_bytes(url, budgets))
        elif isinstance(path, str) and path:
            found.append(path)
        for key in ("background", "layers", "composite"):
            walk(value.get(key), depth + 1)

    walk(payload)
    return found


def register_form(ctx: UiContext, form_cls: Any, widgets: list[Any], *, views: dict[str, Any] | None = None) -> None:
    """A tab's form widgets (in `form_cls.widgets()` order): every change is written into the session recipe,
    and reopen / reload fill them back from it (app.py). `views`: result components a reopen clears."""
    from studio.ui.forms import sync_form
    from studio.ui.session import ensure

    assert len(widgets) == len(form_cls.widgets()), form_cls.__name__
    ctx.extra.setdefault("forms", {})[form_cls.TAB] = (form_cls, list(widgets))
    ctx.extra.setdefault("views", {}).update(views or {})
    if ctx.session is None:  # a tab built alone without a session (never in the app)
        return

    def sync(*values: Any) -> Any:
        *form_values, session = values
        session = ensure(session)
        sync_form(session, form_cls.from_values(*form_values))
        return session

    for widget in widgets:
        if hasattr(widget, "change"):
            widget.change(
                sync,
                inputs=[*widgets, ctx.session],
                outputs=[ctx.session],
                api_visibility="private",
                queue=False,
                show_progress="hidden",
            )
