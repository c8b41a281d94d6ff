"""A/B results: click-through (and conversion) rates, a test valid for the counts, P(best), and an honest verdict.

Input rows: variant, impressions, clicks[, orders] — from the seller's CSV or the UI.
The methods (z-test or exact test, always-valid mSPRT, credible intervals, sample size) are
in studio/export/abmethods.py; P(best) is a seeded Monte Carlo over Beta posteriors, so the
same table always gives the same answer.
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
from studio.export.abmethods import MIN_EXPECTED, compare, credible_interval, msprt_p, sample_size, z_test_p

ALPHA = 0.05
POWER = 0.80
DRAWS = 200_000
MIN_LIFT = 0.20  # the smallest relative CTR lift worth detecting, unless the seller says otherwise
MIN_IMPRESSIONS = 100
DESIGNS = ("split", "rotation")
SEQUENTIAL_METHOD = "mSPRT (normal mixture), always-valid p-value; Johari et al. 2017"
TEST_NAMES_ZH = {"z_test": "z 检验", "fisher_exact": "Fisher 精确检验", "barnard_exact": "Barnard 精确检验"}
GUIDANCE = {
    "en": "Random split (the marketplace's own experiment tool, e.g. Amazon Manage Your Experiments or the "
    "platform's creative test): each shopper is assigned a poster by chance at the same time, so a "
    "significant difference is the poster's doing; this panel's verdict applies. Rotation (poster A on "
    "Monday, B on Tuesday): weekday, promotions, ads and traffic sources change with the poster, so the "
    "numbers describe the days as much as the posters; the panel shows them but declares no winner. "
    "Checking daily is fine here: a winner also needs the always-valid p-value, which peeking cannot fool.",
    "zh": "随机分流（平台自带的实验工具，如亚马逊 Manage Your Experiments 或平台的创意测试）：同一时间每位买家"
    "随机看到一个方案，显著差异来自主图本身，本面板的结论适用。轮流上线（周一 A、周二 B）：星期、活动、"
    "广告和流量来源随方案一起变化，数字反映的是日子也是主图；面板会显示数字，但不判定胜者。"
    "每天查看没有问题：判定胜者还要求序贯检验的 p 值，多看几次也不会误判。",
}
_NORMAL = NormalDist()
# Column names a seller's export may use, mapped to ours (Taobao/JD backends are Chinese).
_ALIASES = {
    "variant": "variant",
    "版本": "variant",
    "变体": "variant",
    "方案": "variant",
    "name": "variant",
    "impressions": "impressions",
    "曝光": "impressions",
    "曝光量": "impressions",
    "展现": "impressions",
    "展现量": "impressions",
    "views": "impressions",
    "clicks": "clicks",
    "点击": "clicks",
    "点击量": "clicks",
    "点击数": "clicks",
    "orders": "orders",
    "订单": "orders",
    "订单数": "orders",
    "成交": "orders",
    "purchases": "orders",
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
    """Two-sided pooled two-proportion z-test (valid only where abmethods.z_test_holds)."""
    return z_test_p(x1, n1, x2, n2)


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
        item = {
            "variant": name,
            "impressions": _number(row["impressions"], "impressions", name),
            "clicks": _number(row["clicks"], "clicks", name),
        }
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


def ab_stats(
    rows: list[dict[str, Any]],
    *,
    alpha: float = ALPHA,
    min_lift: float = MIN_LIFT,
    design: str = "split",
) -> dict[str, Any]:
    """Per-variant CTR (Wilson CI and Beta credible interval), CVR when orders are given, p-value vs A, P(best);
    and a winner or why not.

    The baseline is the variant named A (else the first row). The winner is the variant with the best
    CTR, declared only when (1) the minimum sample is met, (2) its lead over the runner-up is
    significant at `alpha` by the test valid for these counts (z-test or exact), and (3) the
    always-valid mSPRT p-value is below `alpha` too, so checking every day does not manufacture
    winners. min_lift: the smallest relative CTR lift the seller cares about (power calculator, mSPRT
    mixing). design: "split" (a real random split: the marketplace's experiment tool) or "rotation"
    (posters shown one after another), from which no winner is declared.
    """
    if design not in DESIGNS:
        raise StudioError(f"Unknown test design '{design}'.", hint="Use split (random split) or rotation.")
    if not 0 < min_lift <= 10:
        raise StudioError("The smallest lift worth knowing must be above 0 (e.g. 0.1 for +10 %).")
    data = _clean_rows(rows)
    names = [r["variant"] for r in data]
    base = data[names.index("A")] if "A" in names else data[0]
    best_probs = prob_best([r["clicks"] for r in data], [r["impressions"] for r in data])
    variants: dict[str, dict[str, Any]] = {}
    for row, p_best in zip(data, best_probs):
        ctr, ctr_ci = _rate_block(row["clicks"], row["impressions"])
        entry: dict[str, Any] = {
            "impressions": row["impressions"],
            "clicks": row["clicks"],
            "ctr": ctr,
            "ctr_ci": ctr_ci,
            "ctr_credible": [round(v, 6) for v in credible_interval(row["clicks"], row["impressions"])],
            "prob_best": round(p_best, 4),
        }
        if "orders" in row:
            entry["orders"] = row["orders"]
            entry["cvr"], entry["cvr_ci"] = _rate_block(row["orders"], row["clicks"])
        if row is base:
            entry.update(p_value=None, test=None, lift_vs_baseline=None, needed_impressions=None)
        else:
            base_ctr = base["clicks"] / base["impressions"] if base["impressions"] else 0.0
            entry["p_value"], entry["test"] = compare(
                base["clicks"], base["impressions"], row["clicks"], row["impressions"]
            )
            entry["lift_vs_baseline"] = (ctr / base_ctr - 1) if (ctr is not None and base_ctr) else None
            entry["needed_impressions"] = needed_per_variant(base_ctr, ctr or 0.0, alpha)
        variants[row["variant"]] = entry
    result = {"baseline": base["variant"], "alpha": alpha, "design": design, "variants": variants}
    result.update(_verdict(data, alpha, min_lift, design))
    result["guidance"] = GUIDANCE
    return result


def _verdict(data: list[dict[str, Any]], alpha: float, min_lift: float, design: str) -> dict[str, Any]:
    if len(data) < 2:
        return {
            "winner": None,
            "winner_p_value": None,
            "needed_impressions": None,
            "reason": "one_variant",
            "note": "Only one variant: nothing to compare yet.",
            "note_zh": "只有一个方案，还没有可比的。",
        }
    ranked = sorted(data, key=lambda r: r["clicks"] / r["impressions"] if r["impressions"] else -1.0, reverse=True)
    best, runner = ranked[0], ranked[1]
    x1, n1, x2, n2 = runner["clicks"], runner["impressions"], best["clicks"], best["impressions"]
    p, test = compare(x1, n1, x2, n2)
    pooled = (x1 + x2) / (n1 + n2) if n1 + n2 else 0.0
    # The mixing sd is the lift the seller cares about, in rate units: the mSPRT is most sensitive there.
    seq_p = msprt_p(x1, n1, x2, n2, tau=max(pooled, 1e-6) * min_lift)
    planned = sample_size(pooled, min_lift, alpha)  # the power calculator: per variant, for the seller's lift
    # Minimum sample: enough clicks that the normal approximation (and a click-rate comparison) means something.
    minimum = max(MIN_IMPRESSIONS, math.ceil(MIN_EXPECTED / pooled) if pooled > 0 else MIN_IMPRESSIONS)
    have = min(n1, n2)
    facts = {
        "test": test,
        "winner_p_value": p,
        "sequential_p_value": seq_p,
        "sequential_method": SEQUENTIAL_METHOD,
        "min_sample": {"per_variant": minimum, "met": have >= minimum and pooled > 0},
        "power": {
            "baseline_rate": round(pooled, 6),
            "min_lift": min_lift,
            "alpha": alpha,
            "power": POWER,
            "needed_per_variant": planned,
            "impressions_to_go": {r["variant"]: max(0, (planned or 0) - r["impressions"]) for r in (best, runner)},
        },
    }
    need = max(planned or 0, minimum) if planned else minimum
    facts["needed_impressions"] = need
    lead = f"{best['variant']} leads {runner['variant']} (p = {p:.3g}, {test.replace('_', ' ')})"
    lead_zh = f"{best['variant']} 领先 {runner['variant']}（p = {p:.3g}，{TEST_NAMES_ZH.get(test, test)}）"
    more = f" About {need:,} impressions per variant would show a {min_lift:.0%} lift reliably."
    more_zh = f"每个方案约需 {need:,} 次曝光，才能可靠地看出 {min_lift:.0%} 的提升。"
    if design == "rotation":
        return {
            **facts,
            "winner": None,
            "reason": "rotation",
            "suggested": best["variant"],
            "note": f"{lead}, but the posters ran one after another, so days, promotions and traffic differ "
            "as much as the posters do: no winner can be declared. Run a random split in the "
            "marketplace's experiment tool to know.",
            "note_zh": f"{lead_zh}，但方案是轮流上线的，日期、活动和流量的差别与主图的差别混在一起，"
            "不能判定胜者。请用平台的实验工具做随机分流测试。",
        }
    if not facts["min_sample"]["met"]:
        return {
            **facts,
            "winner": None,
            "reason": "too_few",
            "note": f"Too little data for a verdict: {best['variant']} {x2} clicks vs {runner['variant']} {x1} "
            f"(at least {minimum:,} impressions per variant are needed before any call).{more}",
            "note_zh": f"数据太少，不能下结论：{best['variant']} {x2} 次点击，{runner['variant']} {x1} 次"
            f"（每个方案至少 {minimum:,} 次曝光后才能判断）。{more_zh}",
        }
    if p < alpha and seq_p < alpha:
        return {
            **facts,
            "winner": best["variant"],
            "reason": "significant",
            "needed_impressions": None,
            "note": f"{best['variant']} has the best click rate and its lead over {runner['variant']} is "
            f"significant (p = {p:.3g}; always-valid p = {seq_p:.3g}, safe to check daily).",
            "note_zh": f"{best['variant']} 点击率最高，领先 {runner['variant']} 显著（p = {p:.3g}；"
            f"序贯检验 p = {seq_p:.3g}，每天查看也不会误判）。",
        }
    if x1 == x2 and n1 == n2:
        return {
            **facts,
            "winner": None,
            "reason": "tied",
            "note": "The two best are tied so far.",
            "note_zh": "目前最好的两个方案打平。",
        }
    if p < alpha:
        return {
            **facts,
            "winner": None,
            "reason": "peeking_guard",
            "note": f"{lead}, but the always-valid p-value is {seq_p:.3g}: a lead this size appears by chance "
            f"when results are checked often. Keep the test running.{more}",
            "note_zh": f"{lead_zh}，但序贯检验 p = {seq_p:.3g}：经常查看结果时，这样的领先可能只是偶然。"
            f"请继续测试。{more_zh}",
        }
    return {
        **facts,
        "winner": None,
        "reason": "not_significant",
        "note": f"Not significant yet: {lead}.{more}",
        "note_zh": f"尚不显著：{lead_zh}。{more_zh}",
    }


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
    rows = [
        {columns[k]: v for k, v in row.items() if k in columns}
        for row in reader
        if any((v or "").strip() for v in row.values() if isinstance(v, str))
    ]
    _clean_rows(rows)  # raise now, in the seller's words, rather than later
    return rows
