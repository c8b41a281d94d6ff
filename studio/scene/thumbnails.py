"""Scene thumbnails for the scene picker: `python -m studio.scene.thumbnails`.

Each preset is drawn with a plain stand-in product (a white jar) so a seller
sees where their product will stand, then shrunk to THUMB_SIZE and saved as a
small PNG in presets/scenes/thumbs/<id>.png.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from studio.layers import Cutout
from studio.presets import all_presets
from studio.recipe import Placement
from studio.scene.backdrop import floor_line, render_backdrop
from studio.scene.composite import composite_poster
from studio.scene.placement import place_product
from studio.scene.shadow import contact_shadow
from studio.settings import REPO_ROOT

THUMB_SIZE = 256
MAX_BYTES = 40_000
WORK_SCALE = 2  # drawn at 2× then shrunk: clean edges


def stand_in_product(width: int = 200, height: int = 280) -> Cutout:
    """A neutral jar with a lid, shaded like a cylinder: obviously a placeholder."""
    alpha = Image.new("L", (width, height), 0)
    draw = ImageDraw.Draw(alpha)
    lid_h = int(height * 0.16)
    draw.rounded_rectangle([int(width * 0.12), 0, int(width * 0.88), lid_h], radius=int(width * 0.05), fill=255)
    draw.rounded_rectangle([0, lid_h - 2, width - 1, height - 1], radius=int(width * 0.12), fill=255)
    u = np.linspace(-1.0, 1.0, width, dtype=np.float32)
    light = 0.80 + 0.22 * np.sqrt(np.clip(1 - u * u, 0, 1)) - 0.08 * u
    body = np.clip(np.array([0.95, 0.95, 0.96], np.float32)[None, :] * light[:, None], 0, 1)
    rgb = np.broadcast_to(body[None, :, :], (height, width, 3)).copy()
    rgb[:lid_h] *= np.array([0.78, 0.80, 0.84], np.float32)  # a grey lid
    rgba = Image.fromarray(np.rint(rgb * 255).astype(np.uint8)).convert("RGBA")
    rgba.putalpha(alpha)
    return Cutout(rgba=rgba, box=alpha.getbbox() or (0, 0, width, height))  # type: ignore[arg-type]


def render_thumbnail(preset: dict, size: int = THUMB_SIZE, seed: int = 0) -> Image.Image:
    work = (size * WORK_SCALE, size * WORK_SCALE)
    background = render_backdrop(preset, work, seed=seed)
    placement = Placement(floor_y=floor_line(preset, work), scale=0.42)
    placed = place_product(stand_in_product(), placement, work)
    poster = composite_poster(background, placed, shadow=contact_shadow(placed, work))
    return poster.resize((size, size), Image.Resampling.LANCZOS)


def _png_bytes(image: Image.Image) -> bytes:
    """Smallest of a plain and a 256-colour PNG that stays under MAX_BYTES when it can."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    if buffer.tell() <= MAX_BYTES:
        return buffer.getvalue()
    buffer = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG).save(
        buffer, "PNG", optimize=True
    )
    return buffer.getvalue()


def write_thumbnails(
    out_dir: Path | None = None, presets_dir: Path | None = None, size: int = THUMB_SIZE
) -> list[Path]:
    scenes = all_presets("scenes", presets_dir)
    folder = out_dir or (presets_dir or REPO_ROOT / "presets") / "scenes" / "thumbs"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for scene_id, preset in scenes.items():
        path = folder / f"{scene_id}.png"
        path.write_bytes(_png_bytes(render_thumbnail(preset, size)))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render scene preset thumbnails.")
    parser.add_argument("--out", type=Path, default=None, help="folder (default: presets/scenes/thumbs)")
    parser.add_argument("--size", type=int, default=THUMB_SIZE)
    args = parser.parse_args(argv)
    for path in write_thumbnails(args.out, size=args.size):
        print(f"{path}  {path.stat().st_size // 1024} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
