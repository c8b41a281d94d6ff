"""Every scene with the test bottle placed and shadowed, on one sheet for a person to look at."""

from __future__ import annotations

import math

from PIL import Image

from studio.presets import get_scene, preset_ids
from studio.recipe import Placement
from studio.scene.backdrop import floor_line, render_backdrop
from studio.scene.composite import composite_poster, product_fidelity_psnr
from studio.scene.placement import place_product
from studio.scene.shadow import contact_shadow, reflection
from studio.scene.thumbnails import MAX_BYTES, write_thumbnails

CELL = (300, 400)


def test_contact_sheet_of_every_scene(bottle_cutout, artifacts_dir) -> None:
    scenes = preset_ids("scenes")
    columns = 5
    sheet = Image.new("RGB", (CELL[0] * columns, CELL[1] * math.ceil(len(scenes) / columns)), "white")
    for index, scene_id in enumerate(scenes):
        preset = get_scene(scene_id)
        placed = place_product(bottle_cutout, Placement(floor_y=floor_line(preset, CELL), scale=0.55), CELL)
        glossy = preset["procedural"].get("kind") in ("gradient", "spotlight")
        poster = composite_poster(
            render_backdrop(preset, CELL, seed=1),
            placed,
            shadow=contact_shadow(placed, CELL),
            reflection=reflection(placed, CELL) if glossy else None,
        )
        assert product_fidelity_psnr(poster, placed) == math.inf
        sheet.paste(poster, ((index % columns) * CELL[0], (index // columns) * CELL[1]))
    path = artifacts_dir / "scenes_contact_sheet.png"
    sheet.save(path)
    assert path.stat().st_size > 10_000


def test_thumbnails_are_small_pngs(tmp_path) -> None:
    written = write_thumbnails(out_dir=tmp_path, size=96)
    assert {p.stem for p in written} == set(preset_ids("scenes"))
    for path in written:
        with Image.open(path) as image:
            assert image.size == (96, 96)
        assert path.stat().st_size < MAX_BYTES
