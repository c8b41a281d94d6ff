"""Poster Studio benchmark: real-size architectures (random weights), plain diffusers vs the studio's path.

    python bench/run.py --device cuda                 # the GPU matrix (H100: ~15-25 min)
    python bench/run.py --device cuda --families sd15 --sizes 512
    python bench/run.py --device cuda --families zimage   # Z-Image Turbo 1024: plain / studio / low_vram
    python bench/run.py --device cpu --smoke          # CPU parts + the same GPU code at tiny scale

Every generation case runs in its own process (bench/cases.py), so its peak memory
is its own. Results go to bench/results/<device>-<date>.json; a markdown table is printed.
Each time is divided by its FLOP floor (bench/floors.py; 790 TFLOP/s bf16, H100).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

RESULTS = REPO / "bench" / "results"
GPU_SIZES = {"sd15": (512, 768, 1024), "sdxl": (768, 1024), "zimage": (1024,)}
GPU_MODES = ("plain_fp32", "plain", "studio", "low_vram", "draft")
NATIVE = {"sd15": 512, "sdxl": 1024, "zimage": 1024}
# Z-Image Turbo: 8 steps, bf16 only (no fp32 or fp16 "plain"), and no LCM draft (its LoRAs are SD's).
FAMILY_MODES = {"zimage": ("plain", "studio", "low_vram")}
FAMILY_STEPS = {"zimage": 8}


def gpu_cases(families: list[str], sizes: list[int] | None, repeats: int, with_compile: bool) -> list[dict[str, Any]]:
    cases = []
    for family in families:
        for size in sizes or GPU_SIZES[family]:
            native = size == NATIVE[family]
            modes = FAMILY_MODES.get(family, GPU_MODES + (("compile",) if with_compile else ()))
            for mode in modes:
                if mode in ("plain_fp32", "draft", "compile") and not native:
                    continue  # the full comparison at each family's own size; the rest at every size
                for batch in (1, 4):
                    if mode == "plain_fp32" and batch == 4:
                        continue
                    cases.append(
                        dict(
                            family=family,
                            scale="real",
                            size=size,
                            batch=batch,
                            mode=mode,
                            steps=FAMILY_STEPS.get(family, 25),
                            repeats=repeats,
                            device="cuda",
                        )
                    )
    return cases


def one_call_cases(repeats: int) -> list[dict[str, Any]]:
    """The plan for one ≤ 9-minute device command: SD1.5 512, each gain on its own row.

    plain b1 → studio b1 is the fast path; studio b1 → b4 is batching; studio b4 → draft b4
    is fewer draft steps; low_vram b4 is the memory mode's cost.
    """
    base = dict(family="sd15", scale="real", size=512, steps=25, repeats=repeats, device="cuda")
    plan = [("plain", 1), ("studio", 1), ("studio", 4), ("low_vram", 4), ("draft", 4), ("plain", 4)]
    return [dict(base, mode=mode, batch=batch) for mode, batch in plan]


def smoke_cases() -> list[dict[str, Any]]:
    """The GPU harness's own code at tiny scale on the CPU: proves `--device cuda` runs."""
    base = dict(scale="tiny", size=128, steps=2, repeats=1, device="cpu")
    cases = [dict(base, family="sd15", batch=b, mode=m) for m in ("plain", "studio") for b in (1, 2)]
    cases.append(dict(base, family="sd15", batch=2, mode="draft"))
    cases.append(dict(base, family="sdxl", batch=1, mode="studio"))
    cases += [dict(base, family="zimage", batch=b, mode=m) for m, b in (("plain", 1), ("studio", 2))]
    return cases


def run_case_process(case: dict[str, Any], timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, str(REPO / "bench" / "cases.py"), json.dumps(case)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=timeout)
    except subprocess.TimeoutExpired:
        return dict(case, error=f"timed out after {timeout:.0f} s")
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    return dict(case, error=(done.stderr.strip() or done.stdout.strip())[-600:])


def add_floor_ratios(rows: list[dict[str, Any]]) -> None:
    from bench.floors import floor_seconds

    for row in rows:
        if row.get("scale") != "real" or "seconds_per_poster" not in row:
            continue
        steps = 6 if row["mode"] == "draft" else row["steps"]
        floor = floor_seconds(row["family"], row["size"], controlnet=True, steps=steps)
        row["floor_s"] = round(floor, 4)
        row["x_floor"] = round(row["seconds_per_poster"] / floor, 2)


def add_speedups(rows: list[dict[str, Any]]) -> None:
    """Each gain on its own: the fast path (vs plain at the same batch), batching, draft steps.

    - vs_plain: plain's per-poster time at the same family, size and batch ÷ this row's;
    - batching_gain (studio b>1): studio b1 ÷ this row, per poster;
    - draft_gain (draft): studio at the same batch ÷ this row.
    """

    def per_poster(mode: str) -> dict[tuple[Any, Any, Any], float]:
        return {
            (r["family"], r["size"], r["batch"]): r["seconds_per_poster"]
            for r in rows
            if r.get("mode") == mode and "seconds_per_poster" in r
        }

    plain, studio = per_poster("plain"), per_poster("studio")
    for row in rows:
        if "seconds_per_poster" not in row:
            continue
        key = (row.get("family"), row.get("size"), row.get("batch"))
        here = row["seconds_per_poster"]
        if not row["mode"].startswith("plain") and plain.get(key):
            row["vs_plain"] = round(plain[key] / here, 2)
        if row["mode"] == "studio" and row["batch"] > 1 and studio.get(key[:2] + (1,)):
            row["batching_gain"] = round(studio[key[:2] + (1,)] / here, 2)
        if row["mode"] == "draft" and studio.get(key):
            row["draft_gain"] = round(studio[key] / here, 2)


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| model | px | mode | batch | s / poster | × floor | fast path (vs plain, same batch) | "
        "batching gain | draft gain | peak alloc GB (runs / load) | load s |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(
                f"| {r['family']} {r['scale']} | {r['size']} | {r['mode']} | {r['batch']} | error: "
                f"{r['error'][-80:]!r} | | | | | | |"
            )
            continue
        lines.append(
            f"| {r['family']} {r['scale']} | {r['size']} | {r['mode']} | {r['batch']} | "
            f"{r['seconds_per_poster']:.3f} | {r.get('x_floor', '')} | {r.get('vs_plain', '')} | "
            f"{r.get('batching_gain', '')} | {r.get('draft_gain', '')} | "
            f"{r.get('peak_alloc_gb', '')} / {r.get('peak_alloc_load_gb', '')} | {r['load_s']:.1f} |"
        )
    return "\n".join(lines)


def cpu_steal() -> tuple[int, int] | None:
    """(steal, total) jiffies from /proc/stat, or None off Linux."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return None
    return (fields[7] if len(fields) > 7 else 0), sum(fields)


def device_name(device: str) -> str:
    if device == "cuda":
        import torch

        return torch.cuda.get_device_name().replace(" ", "-").lower()
    return f"cpu-{os.cpu_count()}cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cuda")
    parser.add_argument("--smoke", action="store_true", help="CPU parts, and the GPU harness at tiny scale")
    parser.add_argument("--families", default="sd15,sdxl,zimage")
    parser.add_argument("--sizes", default="", help="comma-separated pixel sizes (default: per family)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--compile", action="store_true", help="also time Settings.compile (minutes of warm-up)")
    parser.add_argument(
        "--skip", default="", help="comma-separated parts to skip: params,cases,cutout,text,cold,lora,unet"
    )
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per case")
    parser.add_argument(
        "--plan",
        choices=("matrix", "one-call"),
        default="matrix",
        help="one-call: SD1.5 512 plain/studio b1+b4, low-VRAM b4, draft b4, within --budget",
    )
    parser.add_argument("--budget", type=float, default=0.0, help="seconds: start no case after this (0: no limit)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    import diffusers
    import torch

    from bench import cpu_parts
    from bench.configs import check_param_counts, param_counts

    result: dict[str, Any] = {
        "device": device_name(args.device),
        "date": dt.date.today().isoformat(),
        "smoke": args.smoke,
        "torch": torch.__version__,
        "diffusers": diffusers.__version__,
        "python": platform.python_version(),
        "cpu_threads": torch.get_num_threads(),
        "load_average_at_start": list(os.getloadavg()),
    }
    steal_start = cpu_steal()
    if "params" not in skip:
        counts = param_counts()
        print("\n".join(check_param_counts(counts)))
        result["params_m"] = {k: round(v, 2) for k, v in counts.items()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{result['device']}-{result['date']}{'-one-call' if args.plan == 'one-call' else ''}.json"

    def save() -> None:  # after every row, so a command cut short still leaves its rows
        path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    if "cases" not in skip:
        families = args.families.split(",")
        sizes = [int(s) for s in args.sizes.split(",") if s] or None
        if args.smoke:
            cases = smoke_cases()
        elif args.plan == "one-call":
            cases = one_call_cases(args.repeats)
        else:
            cases = gpu_cases(families, sizes, args.repeats, args.compile)
        from bench.model_folders import model_folder

        for family, scale in sorted({(c["family"], c["scale"]) for c in cases}):
            print(f"building {family} {scale} folders…", flush=True)
            model_folder(family, scale, device=args.device)  # first, so no case's load time includes it
        rows: list[dict[str, Any]] = []
        result["generation"] = rows
        started = time.perf_counter()
        for case in cases:
            if args.budget and time.perf_counter() - started > args.budget:
                rows.append(dict(case, error="not run: over the --budget"))
                continue
            left = args.budget - (time.perf_counter() - started) if args.budget else args.timeout
            row = run_case_process(case, max(30.0, min(args.timeout, left)))
            print(json.dumps(row), flush=True)
            rows.append(row)
            add_floor_ratios(rows)
            add_speedups(rows)
            save()
        print(table(rows))
    parts = {
        "cutout": lambda: cpu_parts.cutout(),
        "text": lambda: cpu_parts.text_export(),
        "cold": lambda: cpu_parts.cold_start(),
        "lora": lambda: cpu_parts.lora_switch(args.device),
        "unet": lambda: cpu_parts.unet_step(args.device),
    }
    if not args.smoke and args.device == "cuda":
        parts.pop("unet")  # the GPU cases time the UNet in place
    for name, part in parts.items():
        if name in skip:
            continue
        print(f"{name}…", flush=True)
        result[name] = part()
        print(json.dumps(result[name]), flush=True)
    result["load_average_at_end"] = list(os.getloadavg())  # other jobs on the machine inflate CPU times
    if steal_start is not None and (steal_end := cpu_steal()) is not None:
        # CPU time the hypervisor gave to other machines while this ran (a shared host slows everything)
        result["cpu_steal_fraction"] = round((steal_end[0] - steal_start[0]) / max(1, steal_end[1] - steal_start[1]), 3)
    if (
        path.exists() and skip and "generation" not in result
    ):  # a partial run (--skip) adds to the day's results instead of replacing them
        result = {**json.loads(path.read_text(encoding="utf-8")), **result}
    save()
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
