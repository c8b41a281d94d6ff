"""Time `layout_copy` at the platform sizes the studio exports (prints a table).

Run: .venv/bin/python bench/bench_text.py [repeats]
Each row: first call (cold caches for that size) and the median of later calls
with a new headline each time (so no whole-layout cache can help). The CPU
column (process time) is steadier than wall time on a shared machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.recipe import CopyText  # noqa: E402
from studio.text import layout_copy  # noqa: E402
from tests.text.helpers import background, with_product  # noqa: E402

SIZES = {"800x800": (800, 800), "750x1000": (750, 1000), "1242x1660": (1242, 1660), "1080x1920": (1080, 1920)}
HEADLINES = [
    "夏日清爽 水润一整天",
    "醇香咖啡 每日一杯",
    "温和养肤 清爽不黏",
    "好物上新 值得拥有",
    "精选好物 品质生活",
    "一抹水润 肌肤焕新",
]


def main(repeats: int = 5) -> None:
    print(f"{'size':>10} {'bg':>10} {'first ms':>9} {'median ms':>10} {'median cpu ms':>14}")
    for label, size in SIZES.items():
        for kind in ("light", "astronaut"):
            img, box = with_product(background(kind, size), 0.5, 0.9, 0.5)
            times, cpu = [], []
            for i in range(repeats + 1):
                copy = CopyText(
                    headline=HEADLINES[i % len(HEADLINES)],
                    subline="温和配方 敏感肌适用，清爽不黏腻",
                    selling_points=["深层补水", "轻薄易吸收", "500ml 大容量"],
                    price="99.9",
                    original_price="159",
                    badge="新品",
                    cta="立即抢购",
                )
                t0, c0 = time.perf_counter(), time.process_time()
                layout_copy(copy, img, box)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            print(
                f"{label:>10} {kind:>10} {times[0]:9.1f} {statistics.median(times[1:]):10.1f} {statistics.median(cpu[1:]):14.1f}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
