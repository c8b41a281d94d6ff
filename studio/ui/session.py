"""What one browser session has made so far. Lives in a gr.State, never in a global.

Handlers take the session and return a new one, so a failed step leaves the
previous result intact ("nothing the user made is lost").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from PIL import Image

from studio.layers import Cutout
from studio.pipeline import SceneCache
from studio.recipe import Recipe

UNDO_DEPTH = 20


@dataclass
class StudioSession:
    recipe: Recipe = field(default_factory=Recipe)
    photo: Image.Image | None = None
    photo_name: str = "product"
    cutout: Cutout | None = None
    undo_stack: list[Cutout] = field(default_factory=list)
    scene_cache: SceneCache = field(default_factory=SceneCache)
    last_export: Path | None = None

    def with_cutout(self, cutout: Cutout, *, keep_undo: bool = True) -> "StudioSession":
        stack = (self.undo_stack + [self.cutout])[-UNDO_DEPTH:] if keep_undo and self.cutout else []
        return replace(self, cutout=cutout, undo_stack=stack, scene_cache=SceneCache())

    def undo(self) -> "StudioSession":
        if not self.undo_stack:
            return self
        return replace(self, cutout=self.undo_stack[-1], undo_stack=self.undo_stack[:-1], scene_cache=SceneCache())

    def with_recipe(self, recipe: Recipe) -> "StudioSession":
        return replace(self, recipe=recipe)


def ensure(session: StudioSession | None) -> StudioSession:
    return session if session is not None else StudioSession()
