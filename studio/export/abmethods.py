"""The statistics behind the A/B verdict, each chosen for when it is valid.

- Comparing two click rates at one moment: the pooled two-proportion z-test is a normal
  approximation; it holds when every cell of the 2×2 table is expected to hold at least
  10 (clicks and non-clicks, under the pooled rate). Below that an exact test is used:
  Barnard's unconditional test for small tables (more power), Fisher's exact test for
  bigger ones (Barnard's cost grows with n1·n2).
- Looking again every day (peeking): a fixed-sample p-value checked repeatedly finds
  false winners far more often than alpha. The verdict also needs the always-valid
  p-value of the mixture sequential probability ratio test (mSPRT; Johari, Koomen,
  Pekelis & Walsh, "Peeking at A/B tests", KDD 2017) with a normal mixture over the
  difference in rates: by Ville's inequality it stays below alpha with probability at
  most alpha however often, and whenever, the seller looks.
- Each variant's rate: a Beta(1 + clicks, 1 + misses) posterior (uniform prior), its 95 %
  equal-tailed credible interval, and P(best) from seeded draws of those posteriors.
- Sample size: impressions per variant for a two-sided test at alpha with the given power
  to detect a relative lift of the seller's choosing over a baseline rate.
"""

from __future__ import annotations

import math
from statistics import NormalDist

_NORMAL = NormalDist()
MIN_EXPECTED = 10  # per cell, for the z-test's normal approximation
BARNARD_MAX_CELLS = 200 * 200  # n1·n2 up to which Barnard's test takes well under a second


def z_test_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """Two-sided pooled two-proportion z-test."""
    if n1 <= 0 or n2 <= 0:
        return 1.0
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (x2 / n2 - x1 / n1) / se
    return 2 * _NORMAL.cdf(-abs(z))


def z_test_holds(x1: int, n1: int, x2: int, n2: int) -> bool:
    """Whether every cell's expected count under the pooled rate is at least MIN_EXPECTED."""
    if n1 <= 0 or n2 <= 0:
        return False
    pooled = (x1 + x2) / (n1 + n2)
    return min(n1, n2) * min(pooled, 1 - pooled) >= MIN_EXPECTED


def compare(x1: int, n1: int, x2: int, n2: int) -> tuple[float, str]:
    """(two-sided p-value, test name): z-test where it holds, else an exact test."""
    if n1 <= 0 or n2 <= 0:
        return 1.0, "none"
    if z_test_holds(x1, n1, x2, n2):
        return z_test_p(x1, n1, x2, n2), "z_test"
    table = [[x1, x2], [n1 - x1, n2 - x2]]
    if x1 + x2 == 0 or x1 + x2 == n1 + n2:
        return 1.0, "fisher_exact"  # nothing to tell the variants apart
    from scipy.stats import barnard_exact, fisher_exact

    if n1 * n2 <= BARNARD_MAX_CELLS:
        return float(barnard_exact(table).pvalue), "barnard_exact"
    return float(fisher_exact(table).pvalue), "fisher_exact"


def msprt_p(x1: int, n1: int, x2: int, n2: int, tau: float) -> float:
    """Always-valid p-value of the normal-mixture mSPRT for rate2 - rate1 = 0 (mixing sd tau)."""
    if n1 <= 0 or n2 <= 0 or tau <= 0:
        return 1.0
    p1, p2 = x1 / n1, x2 / n2
    # Variance of the observed difference; a half-click floor keeps 0-click cells from claiming certainty.
    v = max(p1 * (1 - p1), 0.5 / n1) / n1 + max(p2 * (1 - p2), 0.5 / n2) / n2
    t2 = tau * tau
    log_lr = 0.5 * math.log(v / (v + t2)) + t2 * (p2 - p1) ** 2 / (2 * v * (v + t2))
    return 1.0 if log_lr <= 0 else min(1.0, math.exp(-log_lr))


def credible_interval(successes: int, trials: int, level: float = 0.95) -> tuple[float, float]:
    """Equal-tailed interval of the Beta(1 + successes, 1 + failures) posterior."""
    from scipy.stats import beta

    a, b = 1 + successes, 1 + max(0, trials - successes)
    tail = (1 - level) / 2
    return float(beta.ppf(tail, a, b)), float(beta.ppf(1 - tail, a, b))


def sample_size(baseline: float, relative_lift: float, alpha: float = 0.05, power: float = 0.80) -> int | None:
    """Impressions per variant to detect baseline → baseline·(1 + lift); None when it cannot be said."""
    target = baseline * (1 + relative_lift)
    if baseline <= 0 or relative_lift == 0 or not 0 < target < 1:
        return None
    za, zb = _NORMAL.inv_cdf(1 - alpha / 2), _NORMAL.inv_cdf(power)
    mean = (baseline + target) / 2
    top = za * math.sqrt(2 * mean * (1 - mean)) + zb * math.sqrt(baseline * (1 - baseline) + target * (1 - target))
    return math.ceil(top * top / (target - baseline) ** 2)
