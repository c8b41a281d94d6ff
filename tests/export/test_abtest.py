"""ab_stats against scipy on fixed numbers, Wilson by hand, and seller-worded errors."""

from __future__ import annotations

import math

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
    rows = read_results_csv("variant,impressions,clicks\nA,\"1,000\",30\nB,1000,45\n")
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
