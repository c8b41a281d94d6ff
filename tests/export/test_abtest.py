"""ab_stats against scipy on fixed numbers, Wilson by hand, and seller-worded errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from studio.errors import StudioError
from studio.export.abtest import ab_stats, needed_per_variant, read_results_csv, wilson_interval

ROWS = [
    {"variant": "A", "impressions": 10000, "clicks": 300, "orders": 20},
    {"variant": "B", "impressions": 10000, "clicks": 380, "orders": 30},
]


def test_p_value_matches_scipy_pooled_z_test():
    result = ab_stats(ROWS)
    p1, p2 = 300 / 10000, 380 / 10000
    pooled = 680 / 20000
    z = (p2 - p1) / math.sqrt(pooled * (1 - pooled) * (2 / 10000))
    assert result["variants"]["B"]["p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
    assert result["variants"]["A"]["p_value"] is None
    assert result["winner"] == "B" and result["baseline"] == "A"


def test_wilson_interval_by_hand():
    # x=300, n=10000, z=1.959964: centre=(0.03+z²/20000)/(1+z²/10000), half=z/(1+z²/n)·sqrt(p(1-p)/n+z²/(4n²))
    z = 1.959963984540054
    n, p = 10000, 0.03
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    lo, hi = wilson_interval(300, 10000)
    assert lo == pytest.approx(centre - half, abs=1e-12) and hi == pytest.approx(centre + half, abs=1e-12)
    assert ab_stats(ROWS)["variants"]["A"]["ctr_ci"] == pytest.approx([centre - half, centre + half], abs=1e-6)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert wilson_interval(0, 50)[0] == 0.0


def test_conversion_rate_and_its_interval():
    b = ab_stats(ROWS)["variants"]["B"]
    assert b["cvr"] == pytest.approx(30 / 380)
    assert b["cvr_ci"][0] < b["cvr"] < b["cvr_ci"][1]


def test_prob_best_is_deterministic_and_sums_to_one():
    one, two = ab_stats(ROWS), ab_stats(ROWS)
    probs = [v["prob_best"] for v in one["variants"].values()]
    assert probs == [v["prob_best"] for v in two["variants"].values()]
    assert sum(probs) == pytest.approx(1.0, abs=1e-3)
    assert one["variants"]["B"]["prob_best"] > 0.99


def test_not_significant_yet_says_how_many_impressions():
    rows = [{"variant": "A", "impressions": 1000, "clicks": 30}, {"variant": "B", "impressions": 1000, "clicks": 36}]
    result = ab_stats(rows)
    assert result["winner"] is None and "Not significant yet" in result["note"]
    need = result["variants"]["B"]["needed_impressions"]
    assert need == needed_per_variant(0.03, 0.036) and need > 1000
    # Textbook value for 3.0% vs 3.6% at alpha 0.05, power 0.8 is about 13,900 per group.
    assert 13_000 < need < 15_000


def test_best_must_beat_the_runner_up_not_just_a():
    rows = [
        {"variant": "A", "impressions": 10000, "clicks": 300},
        {"variant": "B", "impressions": 10000, "clicks": 360},
        {"variant": "C", "impressions": 9000, "clicks": 320},
    ]
    result = ab_stats(rows)
    assert result["variants"]["B"]["p_value"] < 0.05, "B beats A"
    assert result["winner"] is None, "but not clearly C, so no winner yet"


def test_csv_text_file_and_chinese_headers(tmp_path):
    rows = read_results_csv('variant,impressions,clicks\nA,"1,000",30\nB,1000,45\n')
    assert ab_stats(rows)["variants"]["A"]["impressions"] == 1000
    path = tmp_path / "results.csv"
    path.write_bytes("版本,曝光量,点击量,订单数\nA,2000,60,3\nB,2000,90,9\n".encode("gb18030"))
    result = ab_stats(read_results_csv(path))
    assert result["variants"]["B"]["orders"] == 9


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("variant,impressions\nA,100\n", "no 'clicks' column"),
        ("variant,impressions,clicks\nA,100,120\n", "more clicks"),
        ("variant,impressions,clicks\nA,100,-3\n", "negative"),
        ("variant,impressions,clicks\nA,lots,3\n", "not a number"),
        ("variant,impressions,clicks\nA,100.5,3\n", "whole number"),
        ("variant,impressions,clicks\nA,100,3\nA,100,4\n", "appears twice"),
        ("variant,impressions,clicks,orders\nA,100,3,5\n", "more orders"),
        ("", "empty"),
    ],
)
def test_bad_tables_are_seller_messages(text, words):
    with pytest.raises(StudioError, match=words):
        ab_stats(read_results_csv(text)) if text else read_results_csv(text)


# ---- honest verdicts (issue 18) --------------------------------------------------------------------------------

SMALL = [{"variant": "A", "impressions": 1000, "clicks": 0}, {"variant": "B", "impressions": 1000, "clicks": 4}]


def test_zero_vs_four_clicks_is_no_winner_and_says_how_many_impressions():
    result = ab_stats(SMALL)
    assert result["winner"] is None and result["reason"] == "too_few"
    assert result["test"] in ("fisher_exact", "barnard_exact"), "the z-test does not hold for 4 clicks"
    assert result["min_sample"]["met"] is False and result["min_sample"]["per_variant"] == 5000  # 10 / 0.2 %
    need = result["needed_impressions"]
    assert need == result["power"]["needed_per_variant"] and need > 100_000  # +20 % on a 0.2 % rate
    assert f"{need:,}" in result["note"] and f"{need:,}" in result["note_zh"]
    assert result["power"]["impressions_to_go"]["B"] == need - 1000
    # The z-test alone would have called it (p ≈ 0.045), Fisher does not (p ≈ 0.124).
    from studio.export.abtest import two_proportion_p_value

    assert two_proportion_p_value(0, 1000, 4, 1000) < 0.05
    assert result["variants"]["B"]["test"] == "fisher_exact"
    assert result["variants"]["B"]["p_value"] == pytest.approx(0.1246, abs=1e-3)


def test_big_numbers_agree_with_the_z_test():
    from scipy.stats import norm

    for n, a, b in ((10000, 300, 380), (50000, 1500, 1750)):
        result = ab_stats(
            [{"variant": "A", "impressions": n, "clicks": a}, {"variant": "B", "impressions": n, "clicks": b}]
        )
        pooled = (a + b) / (2 * n)
        z = (b / n - a / n) / math.sqrt(pooled * (1 - pooled) * 2 / n)
        assert result["test"] == "z_test" and result["variants"]["B"]["test"] == "z_test"
        assert result["winner_p_value"] == pytest.approx(2 * norm.sf(abs(z)), rel=1e-9)
        assert result["winner"] == "B", "significant by the z-test and by the always-valid p-value"
        assert result["sequential_p_value"] < 0.05 and result["min_sample"]["met"]
    flat = ab_stats(
        [{"variant": "A", "impressions": 50000, "clicks": 1500}, {"variant": "B", "impressions": 50000, "clicks": 1520}]
    )
    assert flat["test"] == "z_test" and flat["winner"] is None and flat["reason"] == "not_significant"


def test_small_tables_use_barnard_and_p_values_match_scipy():
    from scipy.stats import barnard_exact

    rows = [{"variant": "A", "impressions": 120, "clicks": 2}, {"variant": "B", "impressions": 120, "clicks": 9}]
    result = ab_stats(rows)
    assert result["variants"]["B"]["test"] == "barnard_exact"
    assert result["variants"]["B"]["p_value"] == pytest.approx(barnard_exact([[2, 9], [118, 111]]).pvalue, rel=1e-9)


def test_peeking_guard_holds_back_a_fixed_sample_fluke():
    # Significant at one look (z p ≈ 0.03), but not by the always-valid mSPRT p-value.
    rows = [{"variant": "A", "impressions": 5000, "clicks": 150}, {"variant": "B", "impressions": 5000, "clicks": 190}]
    result = ab_stats(rows)
    assert result["winner_p_value"] < 0.05
    assert result["sequential_p_value"] >= 0.05
    assert result["winner"] is None and result["reason"] == "peeking_guard"
    assert "mSPRT" in result["sequential_method"]


def test_sequential_p_value_keeps_false_winners_rare_under_daily_peeking():
    """A/A tests checked every day for 30 days: the mSPRT rule calls far fewer false winners than the z-test."""
    from studio.export.abmethods import msprt_p, z_test_p

    rng = np.random.default_rng(7)
    runs, days, daily, rate = 400, 30, 400, 0.03
    clicks = rng.binomial(daily, rate, size=(runs, days, 2)).cumsum(axis=1)
    z_false = seq_false = 0
    for run in clicks:
        z_hit = seq_hit = False
        for day, (a, b) in enumerate(run, start=1):
            n = day * daily
            z_hit = z_hit or z_test_p(int(a), n, int(b), n) < 0.05
            seq_hit = seq_hit or msprt_p(int(a), n, int(b), n, tau=rate * 0.2) < 0.05
        z_false += z_hit
        seq_false += seq_hit
    assert z_false / runs > 0.15, "peeking at a fixed-sample test: about 20-30 % false winners"
    assert seq_false / runs <= 0.05


def test_credible_intervals_and_prob_best_per_variant():
    from scipy.stats import beta

    result = ab_stats(SMALL)
    lo, hi = result["variants"]["A"]["ctr_credible"]
    assert lo == pytest.approx(beta.ppf(0.025, 1, 1001), abs=1e-6) and hi == pytest.approx(
        beta.ppf(0.975, 1, 1001), abs=1e-6
    )
    assert all(0 <= v["prob_best"] <= 1 for v in result["variants"].values())
    assert set(result) >= {"variants", "winner", "guidance", "power", "min_sample", "sequential_p_value", "test"}
    assert {"p_value", "prob_best"} <= set(result["variants"]["B"])


def test_rotation_never_declares_a_winner_and_says_why():
    result = ab_stats(ROWS, design="rotation")
    assert result["winner"] is None and result["reason"] == "rotation" and result["suggested"] == "B"
    assert "random split" in result["note"] and "随机分流" in result["note_zh"]
    assert "Rotation" in result["guidance"]["en"] and "轮流" in result["guidance"]["zh"]
    with pytest.raises(StudioError, match="design"):
        ab_stats(ROWS, design="daily")


def test_sample_size_calculator_matches_the_textbook():
    from studio.export.abmethods import sample_size

    assert sample_size(0.03, 0.2) == needed_per_variant(0.03, 0.036)
    assert 13_000 < sample_size(0.03, 0.2) < 15_000
    assert sample_size(0.0, 0.2) is None


def test_cli_ab_stats_keeps_its_keys_and_adds_the_new_ones(tmp_path, capsys):
    import json

    from studio.cli import main

    path = tmp_path / "r.csv"
    path.write_text("variant,impressions,clicks\nA,1000,0\nB,1000,4\n", encoding="utf-8")
    assert main(["ab-stats", str(path), "--min-lift", "0.5"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["winner"] is None and out["power"]["min_lift"] == 0.5
    assert {"variants", "winner", "needed_impressions", "note"} <= set(out)
    assert {"p_value", "prob_best"} <= set(out["variants"]["B"])
