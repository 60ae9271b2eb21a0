"""Means and Student-t confidence intervals for the policy benchmark, without
scipy.

The 95 % interval of a mean of ``n`` runs is ``mean ± t(0.975, n-1) · s/√n``
(``s`` the sample standard deviation). The Student t quantile is computed, not
tabled: its distribution function is the regularized incomplete beta function
(Abramowitz and Stegun 26.7.1: ``P(T <= t) = 1 - I_x(df/2, 1/2) / 2`` with
``x = df / (df + t²)``, for ``t >= 0``), evaluated with its continued fraction
(A&S 26.5.8, Lentz's method), and inverted by bisection to 1e-12. The tests
compare it with the published table (12.706 for 1 degree of freedom, 2.045 for
29, 1.960 in the limit).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Estimate", "estimate", "t_cdf", "t_quantile"]

_EPS = 1e-15
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (A&S 26.5.8)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 1000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _betai(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x)
    ln += b * math.log1p(-x)
    front = math.exp(ln)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` > 0 degrees of freedom.
    Raises ValueError for df <= 0. O(1) (a continued fraction of at most a few
    hundred terms)."""
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, not {df}")
    tail = 0.5 * _betai(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@lru_cache(maxsize=256)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom
    (``t_quantile(0.975, 29)`` = 2.045...). Raises ValueError unless
    0 < p < 1 and df > 0. O(1): about 100 bisection steps, cached."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"a quantile's probability is between 0 and 1, not {p}")
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, not {df}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


@dataclass(frozen=True, slots=True)
class Estimate:
    """A sample's mean and its 95 % Student-t confidence interval. With fewer
    than two values the interval is unknown (``None``); with no value the mean
    is too."""

    mean: float | None
    ci95_low: float | None
    ci95_high: float | None
    n: int

    def to_dict(self) -> dict[str, float | int | None]:
        """``{"mean", "ci95_low", "ci95_high", "n"}``. O(1)."""
        return {
            "mean": self.mean,
            "ci95_low": self.ci95_low,
            "ci95_high": self.ci95_high,
            "n": self.n,
        }


def estimate(values: Iterable[float | int | None]) -> Estimate:
    """The mean of the values that are not None and its 95 % interval
    (``n`` counts them). Raises TypeError for a non-number. O(n)."""
    xs: Sequence[float] = [float(v) for v in values if v is not None]
    n = len(xs)
    if n == 0:
        return Estimate(None, None, None, 0)
    mean = math.fsum(xs) / n
    if n == 1:
        return Estimate(mean, None, None, 1)
    var = math.fsum((x - mean) ** 2 for x in xs) / (n - 1)
    half = t_quantile(0.975, n - 1) * math.sqrt(var / n)
    return Estimate(mean, mean - half, mean + half, n)
