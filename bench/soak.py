"""Loopback soak: N simulated users × M minutes of mixed jobs against `python app.py --profile none`.

    python bench/soak.py                      # 10 users × 5 minutes (issue #16's bound)
    python bench/soak.py --users 2 --minutes 1

Each user is its own gradio_client Client and loops over the public API: make_posters (its own headline
and SKU), remove_background, check_copy and ab_stats. Every poster result must be the user's own: the
recipe used, every manifest row and every file name in the zip carry that user's headline/SKU.
The app's RSS is read after a warm-up round (models loaded, caches filled) and again at the end after
the users stop and the app idles; the table says whether it ended within 10 % of that start.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _rss_mb(pid: int) -> float:
    import psutil

    proc = psutil.Process(pid)
    return (proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))) / 1e6


def _photo(folder: Path) -> Path:
    from PIL import Image
    from skimage import data  # a real photo of a cup, as the tests use

    path = folder / "cup.jpg"
    Image.fromarray(data.coffee()).convert("RGB").resize((600, 400)).save(path, quality=90)
    return path


def _start(port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    # No per-user job limit: the soak measures memory under load, not the rate limiter.
    args = [
        sys.executable,
        "app.py",
        "--profile",
        "none",
        "--no-browser",
        "--port",
        str(port),
        "--jobs-per-minute",
        "0",
    ]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited ({proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start within 180 s")


def _own(user: int, zip_path: str, recipe_used: dict) -> bool:
    headline, sku = f"Shop {user} sale", f"user{user}"
    if recipe_used["copy_text"]["headline"] != headline or recipe_used["export"]["sku"] != sku:
        return False
    with zipfile.ZipFile(zip_path) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("manifest.csv").decode("utf-8-sig"))))
        names = z.namelist()
    return (
        bool(rows)
        and all(r["headline"] == headline and r["sku"] == sku for r in rows)
        and all(n.startswith((f"{sku}_", "manifest", "recipes/", "compliance")) for n in names)
    )


def _user(
    url: str, user: int, photo: Path, until: float, counts: Counter, problems: list[str], lock: threading.Lock
) -> None:
    from gradio_client import Client, handle_file

    client = Client(url, verbose=False)
    recipe = {
        "scene": {"preset": "studio_white", "backdrop": "procedural", "seed": user},
        "copy_text": {"headline": f"Shop {user} sale", "price": str(10 + user)},
        "export": {"platforms": ["jd_main"], "sku": f"user{user}"},
    }
    step = 0
    while time.time() < until:
        kind = ("make_posters", "check_copy", "remove_background", "ab_stats")[step % 4]
        step += 1
        try:
            if kind == "make_posters":
                zip_path, _manifest, _compliance, used, _notes = client.predict(
                    product=handle_file(str(photo)), recipe=recipe, variants=1, api_name="/make_posters"
                )
                if not _own(user, zip_path, used):
                    with lock:
                        problems.append(f"user {user}: a poster result that is not theirs")
            elif kind == "remove_background":
                client.predict(photo=handle_file(str(photo)), api_name="/remove_background")
            elif kind == "check_copy":
                client.predict(text=f"Shop {user} 最好的杯子", language="en", api_name="/check_copy")
            else:
                client.predict(
                    results_csv=f"variant,impressions,clicks\nA,1000,{40 + user}\nB,1000,{60 + user}",
                    language="en",
                    api_name="/ab_stats",
                )
            with lock:
                counts[kind] += 1
        except Exception as exc:  # a refusal or a crash: counted, the soak goes on
            with lock:
                counts[f"{kind} error"] += 1
                problems.append(f"user {user} {kind}: {str(exc)[:120]}")


def _run_all(
    url: str, users: int, photo: Path, until: float, counts: Counter, problems: list[str], lock: threading.Lock
) -> None:
    threads = [
        threading.Thread(target=_user, args=(url, u, photo, until, counts, problems, lock)) for u in range(1, users + 1)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=10)
    p.add_argument("--minutes", type=float, default=5.0)
    p.add_argument("--port", type=int, default=7871)
    p.add_argument("--warmup-s", type=float, default=60.0, help="all users run this long before the start RSS is read")
    p.add_argument("--idle-s", type=float, default=15.0, help="idle time before the end RSS is read")
    args = p.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    photo = _photo(work)
    proc = _start(args.port, work / "app.log")
    url = f"http://127.0.0.1:{args.port}/"
    try:
        counts: Counter = Counter()
        problems: list[str] = []
        lock = threading.Lock()
        # Warm-up: every user at once, so models load and the bounded caches fill to their caps first.
        warm = Counter()
        _run_all(url, args.users, photo, time.time() + args.warmup_s, warm, problems, lock)
        time.sleep(args.idle_s)
        rss_start = _rss_mb(proc.pid)
        until = time.time() + args.minutes * 60
        threads = [
            threading.Thread(target=_user, args=(url, u, photo, until, counts, problems, lock))
            for u in range(1, args.users + 1)
        ]
        peak, samples = rss_start, [round(rss_start)]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            peak = max(peak, _rss_mb(proc.pid))
            time.sleep(2)
            samples.append(round(_rss_mb(proc.pid)))
        time.sleep(args.idle_s)
        rss_end = _rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    change = (rss_end - rss_start) / rss_start * 100
    print("| users | minutes | jobs | errors | not own | RSS start MB | peak MB | end MB | change |")
    print("|---|---|---|---|---|---|---|---|---|")
    jobs = sum(v for k, v in counts.items() if not k.endswith("error"))
    errors = sum(v for k, v in counts.items() if k.endswith("error"))
    not_own = sum("not theirs" in p for p in problems)
    print(
        f"| {args.users} | {args.minutes:g} | {jobs} | {errors} | {not_own} | {rss_start:.0f} | {peak:.0f} "
        f"| {rss_end:.0f} | {change:+.1f} % |"
    )
    print("RSS MB every ~2 s:", samples[:: max(1, len(samples) // 30)])
    print("jobs by kind:", dict(sorted(counts.items())))
    for line in problems[:10]:
        print("problem:", line)
    ok = not_own == 0 and errors == 0 and abs(change) <= 10
    print("PASS" if ok else "FAIL", "(memory within 10 % of start, every result the user's own, no errors)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
