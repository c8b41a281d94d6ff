"""What one browser session has made so far, and the store that keeps it across a reload.

The session is one mutable object per browser session (in a gr.State) and every tab
edits *fields* of its recipe (`edit`), under the session's lock, at the moment it
finishes: a long scene job never writes back a copy edit it did not see.
Every change a seller makes bumps `revision`; a job works on a `snapshot()` taken when it starts
and writes its result back only while `is_current(snapshot)` (`finish_if_current`): a project opened
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
from typing import Any

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


class SessionStore:
    """Sessions by key, in this process: a reload finds its session again (the key is in the browser).

    Bounded by count and age (each session may hold a few hundred MB of scene caches): the least
    recently used session goes first.
    """

    def __init__(self, capacity: int = 16, max_age_s: float = 2 * 3600) -> None:
        self.capacity, self.max_age_s = capacity, max_age_s
        self._items: OrderedDict[str, tuple[float, StudioSession]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str | None) -> StudioSession | None:
        if not key:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.max_age_s:
                self._items.pop(key, None)
                return None
            self._items[key] = (time.monotonic(), item[1])
            self._items.move_to_end(key)
            return item[1]

    def put(self, session: StudioSession) -> None:
        with self._lock:
            self._items[session.key] = (time.monotonic(), session)
            self._items.move_to_end(session.key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


STORE = SessionStore()


def ensure(session: StudioSession | None) -> StudioSession:
    """The session of this browser (or API client); a new one, kept in the store, on the first event."""
    if session is None:
        session = StudioSession()
    STORE.put(session)
    return session
