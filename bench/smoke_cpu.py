"""Real-size smoke on a CPU: SD1.5 (or SDXL) inpaint + ControlNet in the published shapes, random weights.

    python bench/smoke_cpu.py [--family sd15|sdxl] [--size 256] [--steps 2] [--dtype float32|bfloat16] [--fast-path]

Builds the model folders once (bench/model_folders.py, fp16 on disk), then, in a fresh
process so its peak RSS is its own, loads them through the studio's own loader
(`--base-model`/`--controlnet` folders) and makes one scene with `generate_scenes` at a
small working size. Prints seconds (load, generate) and peak RSS. Not a test: minutes
and several GB; it shows the real shapes go through every step of the studio's path.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("STUDIO_FORCE_CPU", "1")


def smoke(family: str, size: int, steps: int, dtype: str, fast_path: bool) -> dict[str, object]:
    import numpy as np

    from bench.model_folders import model_folder
    from studio.models import profiles
    from studio.models.diffusion import load_scene_pipeline
    from studio.models.manager import ModelManager
    from studio.presets import get_scene
    from studio.recipe import SceneSettings
    from studio.scene.generate import generate_scenes
    from studio.settings import Settings
    from tests.conftest import make_bottle_cutout
    from tests.models.fixtures import place_on_canvas

    folder = model_folder(family, "real")
    # A small working size for this process only, so a CPU finishes in minutes.
    profiles.PROFILES[family] = replace(profiles.PROFILES[family], working_long_side=size)
    settings = Settings(
        profile=family,
        base_model=str(folder / "base"),
        controlnet=str(folder / "controlnet"),
        device="cpu",
        dtype=dtype,
        fast_path=fast_path,
        open_browser=False,
    )
    models = ModelManager(settings)
    start = time.perf_counter()
    load_scene_pipeline(models)
    load_s = time.perf_counter() - start
    poster = (750, 1000)
    placed = place_on_canvas(make_bottle_cutout(250, 500).rgba, poster, (250, 300))
    scene = SceneSettings(preset="marble_counter", steps=steps)
    start = time.perf_counter()
    scenes = generate_scenes(models, placed, poster, scene, get_scene("marble_counter"), [], [1])
    gen_s = time.perf_counter() - start
    pixels = np.asarray(scenes[0].background)
    return {
        "family": family,
        "working_size": list(profiles.working_size(poster, profiles.PROFILES[family])),
        "steps": steps,
        "dtype": models.policy.dtype_name,
        "fast_path": fast_path,
        "load_s": round(load_s, 1),
        "generate_s": round(gen_s, 1),
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2),
        "finite_image": bool(np.isfinite(pixels).all()),
        "size": list(scenes[0].background.size),
        "cpus": os.cpu_count(),
        "load_avg_1m": round(os.getloadavg()[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", choices=["sd15", "sdxl"], default="sd15")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    parser.add_argument("--fast-path", action="store_true")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        print("RESULT " + json.dumps(smoke(args.family, args.size, args.steps, args.dtype, args.fast_path)))
        return
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-c",
            f"import sys; sys.path.insert(0, {str(ROOT)!r}); "
            f"from bench.model_folders import model_folder; model_folder({args.family!r}, 'real')",
        ],
        check=True,
    )
    build_s = time.perf_counter() - start
    cmd = [
        sys.executable,
        __file__,
        "--inner",
        "--family",
        args.family,
        "--size",
        str(args.size),
        "--steps",
        str(args.steps),
        "--dtype",
        args.dtype,
    ] + (["--fast-path"] if args.fast_path else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    line = next(x for x in out.stdout.splitlines() if x.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    result["folder_build_s"] = round(build_s, 1)
    print("| family | dtype | fast path | working size | steps | load s | generate s | peak RSS GB | image ok |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {result['family']} | {result['dtype']} | {result['fast_path']} | {result['working_size'][0]}×{result['working_size'][1]} "
        f"| {result['steps']} | {result['load_s']} | {result['generate_s']} | {result['peak_rss_gb']} | {result['finite_image']} |"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
