"""A/B results: click-through (and conversion) rates with Wilson intervals, z-tests vs A, P(best).

Input rows: variant, impressions, clicks[, orders] — from the seller's CSV or the UI.
No scipy needed: normal quantiles come from statistics.NormalDist, P(best) from
a seeded Monte Carlo over Beta posteriors, so the same table always gives the same answer.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from statistics import NormalDist
from typing import Any

import numpy as np

from studio.errors import StudioError

ALPHA = 0.05
POWER = 0.80
DRAWS = 200_000
_NORMAL = NormalDist()
# Column names a seller's export may use, mapped to ours (Taobao/JD backends are Chinese).
_ALIASES = {
    "variant": "variant", "版本": "variant", "变体": "variant", "方案": "variant", "name": "variant",
    "impressions": "impressions", "曝光": "impressions", "曝光量": "impressions", "展现": "impressions",
    "展现量": "impressions", "views": "impressions",
    "clicks": "clicks", "点击": "clicks", "点击量": "clicks", "点击数": "clicks",
    "orders": "orders", "订单": "orders", "订单数": "orders", "成交": "orders", "purchases": "orders",
}


def wilson_interval(successes: int, trials: int, alpha: float = ALPHA) -> tuple[float, float]:
    """Wilson score interval for a proportion; (0, 1) when there are no trials."""
    if trials <= 0:
        return (0.0, 1.0)
    z = _NORMAL.inv_cdf(1 - alpha / 2)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p_value(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided pooled two-proportion z-test."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x2 / n2 - x1 / n1) / se
    return 2 * _NORMAL.cdf(-abs(z))


def needed_per_variant(p1: float, p2: float, alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Impressions per variant to detect p1 vs p2 with this power (None when they are equal)."""
    if p1 == p2:
        return None
    za, zb = _NORMAL.inv_cdf(1 - alpha / 2), _NORMAL.inv_cdf(power)
    mean = (p1 + p2) / 2
    top = za * math.sqrt(2 * mean * (1 - mean)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    return math.ceil(top * top / (p1 - p2) ** 2)


def prob_best(clicks: list[int], impressions: list[int], *, draws: int = DRAWS, seed: int = 0) -> list[float]:
    """P(each variant has the highest true rate) under Beta(1+clicks, 1+misses) posteriors."""
    rng = np.random.default_rng(seed)
    samples = np.stack([rng.beta(1 + c, 1 + n - c, draws) for c, n in zip(clicks, impressions)])
    wins = np.bincount(np.argmax(samples, axis=0), minlength=len(clicks))
    return [float(w) / draws for w in wins]


def _number(value: Any, column: str, variant: str) -> int:
    if isinstance(value, bool):
        raise StudioError(f"'{column}' for variant {variant} must be a whole number.")
    if isinstance(value, (int, np.integer)):
        number = int(value)
    else:
        text = str(value).strip().replace(",", "").replace("，", "")
        try:
            as_float = float(text)
        except ValueError:
            raise StudioError(
                f"'{column}' for variant {variant} is '{value}', not a number.",
                hint="Use plain whole numbers, like 1200.",
            ) from None
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise StudioError(f"'{column}' for variant {variant} must be a whole number, not '{value}'.")
        number = int(as_float)
    if number < 0:
        raise StudioError(f"'{column}' for variant {variant} is negative ({number}).", hint="Counts start at 0.")
    return number


def _clean_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        raise StudioError("The results table is empty.", hint="Add one row per variant: variant, impressions, clicks.")
    has_orders = all(str(r.get("orders", "")).strip() != "" for r in rows)
    clean, seen = [], set()
    for i, row in enumerate(rows, start=1):
        missing = [c for c in ("variant", "impressions", "clicks") if c not in row]
        if missing:
            raise StudioError(
                f"The results table has no '{missing[0]}' column.",
                hint="It needs the columns variant, impressions, clicks (orders is optional).",
            )
        name = str(row["variant"]).strip()
        if not name:
            raise StudioError(f"Row {i} of the results has no variant name.")
        if name in seen:
            raise StudioError(f"Variant {name} appears twice in the results.", hint="Add its numbers up into one row.")
        seen.add(name)
        item = {"variant": name, "impressions": _number(row["impressions"], "impressions", name),
                "clicks": _number(row["clicks"], "clicks", name)}
        if item["clicks"] > item["impressions"]:
            raise StudioError(
                f"Variant {name} has more clicks ({item['clicks']}) than impressions ({item['impressions']}).",
                hint="Check that the two columns are not swapped.",
            )
        if has_orders:
            item["orders"] = _number(row["orders"], "orders", name)
            if item["orders"] > item["clicks"]:
                raise StudioError(
                    f"Variant {name} has more orders ({item['orders']}) than clicks ({item['clicks']}).",
                    hint="Orders here are orders that came from a click on this poster.",
                )
        clean.append(item)
    return clean


def _rate_block(successes: int, trials: int) -> tuple[float | None, list[float]]:
    rate = successes / trials if trials else None
    return rate, [round(v, 6) for v in wilson_interval(successes, trials)]


def ab_stats(rows: list[dict[str, Any]], *, alpha: float = ALPHA) -> dict[str, Any]:
    """Per-variant CTR (Wilson CI), CVR when orders are given, p-value vs A, P(best); and a winner or why not.

    The baseline is the variant named A (else the first row). The winner is the variant
    with the best CTR, declared only when its lead over the runner-up is significant at `alpha`.
    """
    data = _clean_rows(rows)
    names = [r["variant"] for r in data]
    base = data[names.index("A")] if "A" in names else data[0]
    best_probs = prob_best([r["clicks"] for r in data], [r["impressions"] for r in data])
    base_ctr = base["clicks"] / base["impressions"] if base["impressions"] else 0.0
    variants: dict[str, dict[str, Any]] = {}
    for row, p_best in zip(data, best_probs):
        ctr, ctr_ci = _rate_block(row["clicks"], row["impressions"])
        entry: dict[str, Any] = {
            "impressions": row["impressions"], "clicks": row["clicks"], "ctr": ctr, "ctr_ci": ctr_ci,
            "prob_best": round(p_best, 4),
        }
        if "orders" in row:
            entry["orders"] = row["orders"]
            entry["cvr"], entry["cvr_ci"] = _rate_block(row["orders"], row["clicks"])
        if row is base:
            entry.update(p_value=None, lift_vs_baseline=None, needed_impressions=None)
        else:
            entry["p_value"] = two_proportion_p_value(base["clicks"], base["impressions"], row["clicks"], row["impressions"])
            entry["lift_vs_baseline"] = (ctr / base_ctr - 1) if (ctr is not None and base_ctr) else None
            entry["needed_impressions"] = needed_per_variant(base_ctr, ctr or 0.0, alpha)
        variants[row["variant"]] = entry
    return {"baseline": base["variant"], "alpha": alpha, "variants": variants, **_verdict(data, alpha)}


def _verdict(data: list[dict[str, Any]], alpha: float) -> dict[str, Any]:
    if len(data) < 2:
        return {"winner": None, "winner_p_value": None, "needed_impressions": None,
                "note": "Only one variant: nothing to compare yet."}
    ranked = sorted(data, key=lambda r: r["clicks"] / r["impressions"] if r["impressions"] else -1.0, reverse=True)
    best, runner = ranked[0], ranked[1]
    p = two_proportion_p_value(runner["clicks"], runner["impressions"], best["clicks"], best["impressions"])
    if p < alpha and best["impressions"] and runner["impressions"]:
        note = f"{best['variant']} has the best click rate and its lead over {runner['variant']} is significant (p = {p:.3g})."
        return {"winner": best["variant"], "winner_p_value": p, "needed_impressions": None, "note": note}
    p_best = best["clicks"] / best["impressions"] if best["impressions"] else 0.0
    p_runner = runner["clicks"] / runner["impressions"] if runner["impressions"] else 0.0
    need = needed_per_variant(p_runner, p_best, alpha)
    more = (f" About {need:,} impressions per variant would show a lead this size reliably."
            if need else " The two best are tied so far.")
    return {"winner": None, "winner_p_value": p, "needed_impressions": need,
            "note": f"Not significant yet: {best['variant']} leads {runner['variant']} (p = {p:.3g}).{more}"}


def _is_file(text: str) -> bool:
    if "\n" in text or len(text) > 4096:
        return False
    try:
        return Path(text).is_file()
    except OSError:  # e.g. a one-line CSV longer than a file name may be
        return False


def read_results_csv(path_or_text: str | Path) -> list[dict[str, Any]]:
    """Rows from a CSV file or CSV text (UTF-8, UTF-8 with BOM or GBK), checked like ab_stats checks them."""
    if isinstance(path_or_text, Path) or _is_file(path_or_text):
        raw = Path(path_or_text).read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise StudioError("The results file is not a text CSV.", hint="Save it from Excel as CSV (UTF-8).")
    else:
        text = str(path_or_text).lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise StudioError("The results file is empty.", hint="Its first line should be: variant,impressions,clicks")
    columns = {name: _ALIASES.get(name.strip().lower(), name.strip().lower()) for name in reader.fieldnames if name}
    rows = [{columns[k]: v for k, v in row.items() if k in columns} for row in reader if any((v or "").strip() for v in row.values() if isinstance(v, str))]
    _clean_rows(rows)  # raise now, in the seller's words, rather than later
    return rows
