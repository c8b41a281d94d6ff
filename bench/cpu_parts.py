"""The parts of a poster that never touch the GPU: cutout, text + export, cold start; plus LoRA and a UNet step.

Each function returns a dict for the results JSON. Run through bench/run.py.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PLATFORMS = ["taobao_main", "jd_main", "pdd_main", "douyin_9x16", "xiaohongshu_3x4", "amazon_main"]


def cutout(repeat: int = 3) -> dict[str, Any]:
    """Seconds per 1024 px photo, defaults, u2netp (bench_cutout.py has every refinement level).

    Best of `repeat` rounds over the photos (each round's mean), and the median round: a shared
    machine inflates single rounds.
    """
    from bench.bench_cutout import photos
    from studio.cutout import ensure_model_file, remove_background
    from studio.models.manager import ModelManager
    from studio.recipe import CutoutSettings
    from studio.settings import Settings

    ensure_model_file("u2netp")
    images = list(photos().values())
    models = ModelManager(Settings(profile="none", device="cpu"))
    remove_background(images[0], CutoutSettings(), models)  # session load, as the app does once
    rounds, model_only = [], []
    session = models.peek("rembg:u2netp")
    for _ in range(repeat):
        start = time.perf_counter()
        for img in images:
            remove_background(img, CutoutSettings(), models)
        rounds.append((time.perf_counter() - start) / len(images))
        start = time.perf_counter()
        for img in images:
            session.predict(img)  # rembg's own call: the share that is the model, not the studio
        model_only.append((time.perf_counter() - start) / len(images))
    return {
        "seconds_per_photo": round(min(rounds), 3),
        "median_round": round(sorted(rounds)[len(rounds) // 2], 3),
        "model_only_seconds_per_photo": round(min(model_only), 3),
        "photos": len(images),
        "rounds": repeat,
        "model": "u2netp",
        "target_s": 0.5,
    }


def text_export(variants: int = 4, repeat: int = 3) -> dict[str, Any]:
    """make_posters on the none profile: 4 variants × 6 platforms, copy text, files, compliance, zip.

    Two figures. `seconds_text_and_export` (the target): the scenes are ready, as after the scene
    tab, and the copy changes — layout, composite, label, encode, check and zip for all 24 files.
    `seconds_with_scenes`: the same from nothing, with every procedural backdrop drawn too.
    Best of `repeat`, each with a new headline so no file is reused.
    """
    from studio import pipeline
    from studio.models.manager import ModelManager
    from studio.pipeline import SceneCache, make_posters
    from studio.recipe import CopyText, ExportSettings, Recipe, SceneSettings
    from studio.settings import Settings
    from tests.conftest import make_bottle_cutout

    copy = CopyText(
        headline="双11 狂欢价", subline="Keeps hot for 24 hours", price="¥99", badge="限时特惠", cta="立即抢购"
    )
    base = Recipe(
        scene=SceneSettings(preset="double11"), copy_text=copy, export=ExportSettings(platforms=PLATFORMS, sku="bench")
    )
    recipes = [
        base.model_copy(update={"variant": chr(65 + i), "scene": base.scene.model_copy(update={"seed": i})})
        for i in range(variants)
    ]
    models = ModelManager(Settings(profile="none", device="cpu", open_browser=False))
    cut = make_bottle_cutout()
    out = Path(tempfile.mkdtemp(prefix="bench-export-"))
    make_posters(models, cut, recipes[:1], out / "warm", cache=SceneCache())  # fonts, presets, encoders warm

    def headline(recipes: list, text: str) -> list:
        return [r.model_copy(update={"copy_text": r.copy_text.model_copy(update={"headline": text})}) for r in recipes]

    cold, warm, warm_cpu = [], [], []
    posters = 0
    for i in range(repeat):
        cache = SceneCache()
        start = time.perf_counter()
        result = make_posters(models, cut, headline(recipes, f"双11 狂欢价 {i}"), out / f"cold{i}", cache=cache)
        cold.append(time.perf_counter() - start)
        posters = len(result.posters)
        start, cpu = time.perf_counter(), time.process_time()
        make_posters(models, cut, headline(recipes, f"新品上市 {i}"), out / f"edit{i}", cache=cache)
        warm.append(time.perf_counter() - start)
        warm_cpu.append(time.process_time() - cpu)  # all threads' CPU time: steadier than wall time on a shared host
    return {
        "seconds_text_and_export": round(min(warm), 3),
        "seconds_with_scenes": round(min(cold), 3),
        "cpu_seconds_text_and_export": round(min(warm_cpu), 3),
        "all_runs": {
            "text_and_export": [round(v, 3) for v in warm],
            "with_scenes": [round(v, 3) for v in cold],
            "cpu_text_and_export": [round(v, 3) for v in warm_cpu],
        },
        "posters": posters,
        "variants": variants,
        "platforms": PLATFORMS,
        "threads": min(pipeline.EXPORT_THREADS, os.cpu_count() or 1),
        "target_s": 2.0,
    }


def cold_start(profile: str = "tiny", timeout: float = 120.0) -> dict[str, Any]:
    """Seconds from `python app.py` to the first HTTP 200, and what the imports cost."""
    port = _free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--profile", profile, "--no-browser", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    up = None
    try:
        while time.perf_counter() - start < timeout and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as reply:
                    if reply.status == 200:
                        up = time.perf_counter() - start
                        break
            except OSError:
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    imports = {
        name: _import_seconds(stmt)
        for name, stmt in (
            ("python", "pass"),
            ("gradio", "import gradio"),
            ("torch", "import torch"),
            ("studio.ui (app module)", "import app"),
        )
    }
    return {
        "seconds_to_http_200": None if up is None else round(up, 2),
        "profile": profile,
        "target_s": 10.0,
        "import_seconds": imports,
    }


def lora_switch(device: str, repeats: int = 1) -> dict[str, Any]:
    """bench_lora.py at real SD1.5 size; its table, parsed."""
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "bench_lora.py"), "--device", device, "--repeats", str(repeats)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    rows = {}
    for line in done.stdout.splitlines():
        match = re.match(r"^(.+?)\s+([\d.]+)\s+([\d.]+)\s+(\d+)$", line)
        if match:
            rows[match.group(1).strip()] = float(match.group(2))
    header = next((line for line in done.stdout.splitlines() if line.startswith("SD1.5")), "")
    return {
        "median_seconds": rows,
        "about": header,
        "ok": done.returncode == 0,
        "error": done.stderr.strip()[-300:] if done.returncode else "",
    }


def unet_step(device: str = "cpu") -> dict[str, Any]:
    """One real-size SD1.5 UNet forward at 512² with guidance (batch 2), random weights, fp32 on CPU."""
    import torch

    from bench.configs import build

    torch.manual_seed(0)
    start = time.perf_counter()
    unet = build("unet", "sd15", device=device).eval()
    built = time.perf_counter() - start
    sample = torch.randn(2, 4, 64, 64, device=device)
    text = torch.randn(2, 77, 768, device=device)
    times = []
    with torch.no_grad():
        for _ in range(2):
            start = time.perf_counter()
            unet(sample, 500, encoder_hidden_states=text)
            times.append(time.perf_counter() - start)
    return {
        "seconds_per_step_cfg": round(min(times), 2),
        "build_s": round(built, 1),
        "threads": torch.get_num_threads(),
        "poster_25_steps_estimate_s": round(25 * min(times), 0),
    }


def _import_seconds(stmt: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", stmt], cwd=REPO, capture_output=True)
    return round(time.perf_counter() - start, 2)


def _free_port() -> int:
    for port in range(7880, 7900):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 7880-7899")
