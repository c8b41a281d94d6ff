"""Catalogue throughput on the `none` profile: SKUs per minute, 1 and 2 local workers, and 2-worker local Ray.

    python bench/catalog.py [--skus 50] [--skip-ray]

A synthetic catalogue (RGBA product cut-outs, so the time is the poster flow itself, not rembg) is
made three times into fresh folders; the table is printed as Markdown for bench/README.md, with
Ray's per-SKU overhead over the local pool of the same width.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def synthetic_catalogue(folder: Path, skus: int) -> tuple[Path, Path]:
    from tests.conftest import make_bottle_cutout  # the suite's synthetic product, no model needed

    photos = folder / "photos"
    photos.mkdir()
    for i in range(4):
        make_bottle_cutout(120 + 20 * i, 260, seed=i).rgba.save(photos / f"p{i}.png")
    scenes = ["marble_counter", "kitchen", "double11", "pastel_podium", "wooden_table"]
    catalog = folder / "catalog.csv"
    with catalog.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "photo", "headline", "price", "scene", "seed"])
        for i in range(skus):
            writer.writerow([f"SKU-{i:04d}", f"p{i % 4}.png", f"新品 {i}", str(50 + i), scenes[i % 5], str(i)])
    return catalog, photos


def timed(label: str, catalog: Path, photos: Path, out: Path, **how: object) -> tuple[str, int, float]:
    from studio.batch import parse_catalogue, run_catalogue
    from studio.settings import Settings

    settings = Settings(profile="none", open_browser=False)
    plan = parse_catalogue(catalog, photos, settings=settings)
    started = time.perf_counter()
    result = run_catalogue(plan, out, settings=settings, **how)  # type: ignore[arg-type]
    seconds = time.perf_counter() - started
    assert not result.errors, result.errors[:3]
    return label, len(result.made), seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=50)
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        root = Path(tmp)
        catalog, photos = synthetic_catalogue(root, args.skus)
        rows = [
            timed("local, 1 worker (in process)", catalog, photos, root / "w1", workers=1),
            timed("local pool, 2 workers", catalog, photos, root / "w2", workers=2),
        ]
        if not args.skip_ray:
            import ray

            started = time.perf_counter()
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
            print(f"ray.init(num_cpus=2): {time.perf_counter() - started:.1f} s (not in the table)")
            rows.append(timed("local Ray, 2 CPUs", catalog, photos, root / "ray", ray="auto"))
            ray.shutdown()
    print(f"\n| run ({args.skus} SKUs, `none` profile, 1 platform each) | SKUs | seconds | SKUs/min | s/SKU |")
    print("|---|---|---|---|---|")
    for label, made, seconds in rows:
        print(f"| {label} | {made} | {seconds:.1f} | {60 * made / seconds:.1f} | {seconds / made:.2f} |")
    if len(rows) == 3:
        overhead = (rows[2][2] - rows[1][2]) / rows[2][1]
        print(f"\nRay over the 2-worker local pool: {overhead:+.2f} s per SKU")


if __name__ == "__main__":
    main()
