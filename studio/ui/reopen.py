"""Open what the studio saved before: a project, a recipe, or a poster carrying its recipe."""

from __future__ import annotations

from pathlib import Path

from studio.errors import StudioError
from studio.export.reopen import recipe_from_file
from studio.layers import Cutout
from studio.recipe import Recipe
from studio.settings import Budgets
from studio.ui.session import StudioSession


def reopen(path: Path, session: StudioSession, lang: str, budgets: Budgets | None = None) -> tuple[StudioSession, str]:
    zh = lang == "zh"
    if path.suffix.lower() in (".poster", ".zip"):
        from studio.export.project import open_project

        project = open_project(path, budgets)
        if not project.recipes or not project.cutouts:
            raise StudioError("This project file has no cutout or recipe in it.")
        name, rgba = next(iter(project.cutouts.items()))
        box = rgba.getchannel("A").getbbox()
        if box is None:
            raise StudioError("The cutout in this project is empty.")
        recipe = project.recipes[0]
        cutout = Cutout(rgba=rgba, box=tuple(box), source_sha256=recipe.source_sha256)  # type: ignore[arg-type]
        session.load_recipe(recipe)  # every field, the widget-less ones too; stale results cleared
        session.set_cutout(cutout, keep_undo=False)
        session.photo_name = name
        return session, _with_notes(
            recipe,
            "✅ 项目已打开：抠图和配方已恢复，可直接导出。"
            if zh
            else "✅ Project opened: cutout and recipe restored; export makes the same posters again.",
        )
    recipe = recipe_from_file(path)
    session.load_recipe(recipe)
    if session.cutout is None:
        return session, _with_notes(
            recipe,
            "✅ 配方已载入。请先在 ① 上传同一张商品照片。"
            if zh
            else "✅ Recipe loaded. Upload the same product photo in ① to make it again.",
        )
    return session, _with_notes(
        recipe,
        "✅ 配方已载入，导出即可重做同样的海报。" if zh else "✅ Recipe loaded: export makes the same posters again.",
    )


def _with_notes(recipe: Recipe, message: str) -> str:
    """The opening message and what opening left out (an old logo path), each note on its own line."""
    notes = recipe.load_notes()
    return "\n\n".join([message, *(f"⚠ {n.message}" for n in notes)])
