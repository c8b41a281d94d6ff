"""Type-check studio/ with mypy against a baseline that may only go down.

`python scripts/typecheck.py` fails when any file has more mypy errors than
`scripts/mypy-baseline.json` allows; `--update` rewrites the baseline (only do
that after fixing errors, or when a file is renamed).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scripts" / "mypy-baseline.json"
ERROR_LINE = re.compile(r"^(?P<path>[^:\s]+\.py):\d+: error:")


def error_counts() -> Counter[str]:
    """Run mypy once and count its errors per file."""
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "studio", "--config-file", str(ROOT / "mypy.ini"), "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode not in (0, 1):  # 2 = mypy itself failed (crash, bad config)
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"mypy failed to run (exit {proc.returncode})")
    counts: Counter[str] = Counter()
    for line in proc.stdout.splitlines():
        match = ERROR_LINE.match(line)
        if match:
            counts[match["path"]] += 1
    return counts


def main(argv: list[str]) -> int:
    counts = error_counts()
    if "--update" in argv:
        BASELINE.write_text(json.dumps(dict(sorted(counts.items())), indent=1, ensure_ascii=False) + "\n")
        print(f"mypy baseline written: {sum(counts.values())} errors in {len(counts)} files")
        return 0
    allowed: dict[str, int] = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    worse = {path: (n, allowed.get(path, 0)) for path, n in counts.items() if n > allowed.get(path, 0)}
    total, budget = sum(counts.values()), sum(allowed.values())
    print(f"mypy: {total} errors (baseline {budget})")
    for path, (n, limit) in sorted(worse.items()):
        print(f"  {path}: {n} errors, baseline allows {limit}")
    if worse:
        print("New type errors: fix them (run `python -m mypy studio`).")
        return 1
    if total < budget:
        print("Fewer errors than the baseline: run `python scripts/typecheck.py --update` to lock the gain in.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
