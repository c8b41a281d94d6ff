"""What one browser session has made so far, and the store that keeps it across a reload.

The session is one mutable object per browser session (in a gr.State) and every tab
edits *fields* of its recipe (`edit`), under the session's lock, at the moment it
finishes: a long scene job never writes back a copy edit it did not see.
Every change a seller makes bumps `revision`; a job works on a `snapshot()` taken when it starts
and writes its result back only while `is_current(snapshot)` (`keep_views_if_current`): a project opened
or a photo cut out while an export runs is never reverted by the export ending.
The session lives in the main process only; what crosses into a GPU call is plain
data (pipeline.SceneBatch, run through studio/models/zerogpu.py). A failed step leaves the previous result intact.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from PIL import Image

from studio.layers import Cutout
from studio.pipeline import SceneCache
from studio.recipe import CopyText, Recipe

UNDO_DEPTH = 20


def new_key() -> str:
    return secrets.token_urlsafe(18)


@dataclass(eq=False)
class StudioSession:
    recipe: Recipe = field(default_factory=Recipe)
    photo: Image.Image | None = None
    photo_name: str = "product"
    cutout: Cutout | None = None
    undo_stack: list[Cutout] = field(default_factory=list)
    scene_cache: SceneCache = field(default_factory=SceneCache)
    last_export: Path | None = None
    # The copy the last preview showed, and why the last copy render failed (export says so).
    rendered_copy: CopyText | None = None
    copy_failure: str = ""
    # Widget values that are not recipe fields (variant count, pickers…), per tab, for a reload.
    ui: dict[str, dict[str, Any]] = field(default_factory=dict)
    # What the result views last showed (file paths), restored on reload.
    views: dict[str, Any] = field(default_factory=dict)
    key: str = field(default_factory=new_key)
    revision: int = 0  # one more for every seller's change (recipe, cut-out, product); jobs compare it
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __deepcopy__(self, memo: dict[int, Any]) -> "StudioSession":
        # Gradio deep-copies a State's value on a session's first event; the session must stay one live
        # object (two copies are two truths, and the job that ends last writes its copy over the other).
        return self

    # ---- jobs: a snapshot to work on, results kept only while nothing newer happened ----------------
    def snapshot(self) -> "Snapshot":
        """What a job works on: the recipe, cut-out, scene cache and name as they are now."""
        with self._lock:
            return Snapshot(
                recipe=self.recipe.model_copy(deep=True),
                cutout=self.cutout,
                scene_cache=self.scene_cache,
                photo_name=self.photo_name,
                revision=self.revision,
            )

    def is_current(self, snap: "Snapshot") -> bool:
        """Whether nothing changed since `snap` was taken (its job's result still describes this session)."""
        return self.revision == snap.revision

    def keep_views_if_current(self, snap: "Snapshot", **views: Any) -> bool:
        """A job's result views recorded for a reload, only while nothing changed since `snap`.
        False: the seller overtook the job (its files are from before; nothing is recorded)."""
        with self._lock:
            if not self.is_current(snap):
                return False
            self.views.update(views)
            return True

    def changed(self) -> None:
        """Record one seller's change (call under the lock)."""
        self.revision += 1

    # ---- the recipe: tabs edit fields, never replace it wholesale --------------------------------------
    def edit(self, **parts: Any) -> Recipe:
        """Set top-level recipe fields (scene=…, copy_text=…) on the recipe as it is *now*."""
        with self._lock:
            recipe = Recipe.model_validate({**self.recipe.model_dump(), **_dumped(parts)})
            if recipe != self.recipe:
                self.recipe = recipe
                self.changed()
            return self.recipe

    def load_recipe(self, recipe: Recipe) -> None:
        """A whole recipe from outside (a project, a recipe file, set_recipe): every field replaced."""
        with self._lock:
            self.recipe = recipe.model_copy(update={"outputs": []}, deep=True)
            self.scene_cache = SceneCache()
            self.rendered_copy, self.copy_failure = None, ""
            self.last_export = None
            self.views = {}
            self.changed()

    def release(self) -> None:
        """Let go of every image (the store evicted this session): the recipe stays, the pixels go."""
        with self._lock:
            self.photo, self.cutout, self.undo_stack = None, None, []
            self.scene_cache = SceneCache()
            self.rendered_copy, self.last_export, self.views = None, None, {}

    # ---- the cut-out ---------------------------------------------------------------------------------
    def set_cutout(self, cutout: Cutout, *, keep_undo: bool = True) -> None:
        with self._lock:
            self.undo_stack = (self.undo_stack + [self.cutout])[-UNDO_DEPTH:] if keep_undo and self.cutout else []
            self.cutout = cutout
            self.scene_cache = SceneCache()
            self.changed()

    def undo(self) -> bool:
        with self._lock:
            if not self.undo_stack:
                return False
            self.cutout, self.undo_stack = self.undo_stack[-1], self.undo_stack[:-1]
            self.scene_cache = SceneCache()
            self.changed()
            return True

    def new_product(self, recipe: Recipe) -> list[str]:
        """A different product: clear what belonged to the old one, keep what still applies.

        Returns the names of what was reset, for the seller's message.
        """
        with self._lock:
            reset = []
            old = self.recipe
            copy_words = old.copy_text.without_words()
            if old.copy_text.has_words():
                reset.append("copy")
            if old.export.sku != "poster":
                reset.append("sku")
            if old.placement != type(old.placement)():
                reset.append("placement")
            self.recipe = recipe.model_copy(
                update={
                    "copy_text": copy_words,
                    "placement": type(old.placement)(),
                    "export": old.export.model_copy(update={"sku": "poster"}),
                    "outputs": [],
                }
            )
            self.rendered_copy, self.copy_failure, self.last_export = None, "", None
            self.views = {}
            self.changed()
            return reset


@dataclass(frozen=True)
class Snapshot:
    """A session as one job saw it when it started (the job reads this, never the live session)."""

    recipe: Recipe
    cutout: Cutout | None
    scene_cache: SceneCache
    photo_name: str
    revision: int


def new_session() -> StudioSession:
    """A gr.State's initial value: one session per browser session, made on its first event."""
    return StudioSession()


def _dumped(parts: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in parts.items():
        if hasattr(value, "model_dump"):
            out[name] = value.model_dump()
        elif isinstance(value, list):
            out[name] = [v.model_dump() if hasattr(v, "model_dump") else v for v in value]
        else:
            out[name] = value
    return out


# What a session costs besides its pixels (recipe, widget values, Gradio's own copies): no session is free,
# so the byte cap also bounds how many empty ones a flood can park here.
SESSION_OVERHEAD_BYTES = 256 * 1024
ACTIVE_S = 15 * 60  # a session used this recently is a seller at work: never evicted for room


def _pixels(image: Image.Image | None) -> int:
    return image.width * image.height * len(image.getbands()) if image is not None else 0


def session_bytes(session: StudioSession) -> int:
    """Roughly what one session keeps alive: its photo, cut-outs (undo included), scene caches, and an overhead."""
    cutouts = [session.cutout, *session.undo_stack]
    held = sum(_pixels(c.rgba) + _pixels(c.photo) for c in cutouts if c is not None)
    return SESSION_OVERHEAD_BYTES + _pixels(session.photo) + held + session.scene_cache.total_bytes


def holds_work(session: StudioSession) -> bool:
    """Whether the seller made anything here (a photo, a cut-out): empty sessions go first."""
    return session.photo is not None or session.cutout is not None


class SessionStore:
    """Sessions by key, in this process: a reload finds its session again (the key is in the browser).

    Bounded by bytes across all sessions (`budget_bytes`, Settings.budgets.session_bytes) and by idle time
    (`idle_s`). When over the budget, idle sessions go first, empty ones before those holding work, the least
    recently used first; a session holding work that was used within `active_s` is never evicted, so a flood
    of new, idle or empty sessions cannot push out a seller at work. An evicted session's pixels are released at once (Gradio's
    state may still hold the object; its photo, cut-outs and caches no longer weigh anything).
    """

    def __init__(
        self,
        budget_bytes: int = 6 * 1024**3,
        idle_s: float = 2 * 3600,
        *,
        active_s: float = ACTIVE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget_bytes, self.idle_s, self.active_s = budget_bytes, idle_s, active_s
        self._clock = clock
        # key → (last used, session, its weight when last seen)
        self._items: OrderedDict[str, tuple[float, StudioSession, int]] = OrderedDict()
        self._by_client: dict[str, str] = {}  # Gradio session hash → session key (see `ensure`)
        self._total = 0
        self._lock = threading.Lock()

    def configure(self, budget_bytes: int, idle_s: float) -> None:
        """The budgets of this deployment (create_app sets them from Settings.budgets)."""
        with self._lock:
            self.budget_bytes, self.idle_s = int(budget_bytes), float(idle_s)
            self._evict(self._clock())

    def get(self, key: str | None) -> StudioSession | None:
        if not key:
            return None
        with self._lock:
            item = self._items.get(key)
            now = self._clock()
            if item is None or now - item[0] > self.idle_s:
                self._drop(key)
                return None
            self._store(key, item[1], now)
            return item[1]

    def put(self, session: StudioSession, client: str | None = None) -> None:
        with self._lock:
            now = self._clock()
            self._store(session.key, session, now)
            if client:
                self._by_client[client] = session.key
            self._evict(now, keep=session.key)

    def for_client(self, client: str | None) -> StudioSession | None:
        """The session last used by this Gradio session hash (when Gradio's own state dropped it)."""
        key = self._by_client.get(client or "")
        return self.get(key) if key else None

    @property
    def total_bytes(self) -> int:
        return self._total

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    # ---- under the lock --------------------------------------------------------------------------------
    def _store(self, key: str, session: StudioSession, now: float) -> None:
        old = self._items.get(key)
        weight = session_bytes(session)
        self._total += weight - (old[2] if old else 0)
        self._items[key] = (now, session, weight)
        self._items.move_to_end(key)

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is None:
            return
        self._total -= item[2]
        item[1].release()
        if len(self._by_client) > 2 * len(self._items) + 64:  # forget hashes of sessions long gone
            self._by_client = {c: k for c, k in self._by_client.items() if k in self._items}

    def _evict(self, now: float, keep: str | None = None) -> None:
        # The items are in order of last use, oldest first: every pass stops as soon as it can.
        while self._items:
            key, (used, _s, _w) = next(iter(self._items.items()))
            if now - used <= self.idle_s or key == keep:
                break
            self._drop(key)
        if self._total <= self.budget_bytes:
            return
        # Empty sessions first (nothing to lose), then idle ones holding work; a seller at work never.
        for evictable in (
            lambda used, s: not holds_work(s),
            lambda used, s: now - used > self.active_s,
        ):
            over, victims = self._total - self.budget_bytes, []
            for key, (used, session, weight) in self._items.items():  # oldest first; stop once enough is found
                if over <= 0:
                    break
                if key != keep and evictable(used, session):
                    victims.append(key)
                    over -= weight
            for key in victims:
                self._drop(key)
            if self._total <= self.budget_bytes:
                return


STORE = SessionStore()


def ensure(session: StudioSession | None) -> StudioSession:
    """The session of this browser (or API client); a new one, kept in the store, on the first event.

    When Gradio's own per-tab state has dropped the session (its state holder is bounded too), the
    session this tab last used is found again by the tab's Gradio session hash.
    """
    client = _client_hash()
    if session is None:
        session = STORE.for_client(client) or StudioSession()
    STORE.put(session, client)
    return session


def _client_hash() -> str | None:
    try:
        from gradio.context import LocalContext

        request = LocalContext.request.get(None)
    except (ImportError, LookupError):  # pragma: no cover - outside Gradio, or other internals
        return None
    return getattr(request, "session_hash", None) if request is not None else None
