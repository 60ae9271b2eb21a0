"""The Student t quantile and the 95 % intervals of the benchmark, checked
against the published table and the closed forms for 1 and 2 degrees of
freedom."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subnetfrag.sim.stats import estimate, t_cdf, t_quantile

# Two-sided 95 % (p = 0.975) and 99 % (p = 0.995) critical values, as printed in
# every table of Student's t (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
TABLE_975 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 25: 2.060, 29: 2.045, 30: 2.042,
    40: 2.021, 60: 2.000, 100: 1.984,
}  # fmt: skip
TABLE_995 = {1: 63.657, 5: 4.032, 10: 3.169, 30: 2.750, 100: 2.626}


@pytest.mark.parametrize(("df", "value"), sorted(TABLE_975.items()))
def test_95_percent_critical_values_match_the_table(df: int, value: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(value, abs=6e-4)


@pytest.mark.parametrize(("df", "value"), sorted(TABLE_995.items()))
def test_99_percent_critical_values_match_the_table(df: int, value: float) -> None:
    assert t_quantile(0.995, df) == pytest.approx(value, abs=6e-4)


def test_large_df_tends_to_the_normal_quantile() -> None:
    assert t_quantile(0.975, 1e9) == pytest.approx(statistics.NormalDist().inv_cdf(0.975), abs=1e-6)


@given(st.floats(0.001, 0.999))
def test_closed_forms_for_one_and_two_degrees_of_freedom(p: float) -> None:
    # df = 1 is the Cauchy distribution; df = 2 has t = (2p - 1) / sqrt(2p(1 - p)).
    assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-8, abs=1e-9)
    expected = (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    assert t_quantile(p, 2) == pytest.approx(expected, rel=1e-8, abs=1e-9)


@given(st.floats(-50, 50), st.integers(1, 500))
def test_the_cdf_is_symmetric_and_the_quantile_inverts_it(t: float, df: int) -> None:
    assert t_cdf(t, df) + t_cdf(-t, df) == pytest.approx(1.0, abs=1e-12)
    p = t_cdf(t, df)
    if 1e-9 < p < 1 - 1e-9:
        assert t_quantile(p, df) == pytest.approx(t, rel=1e-6, abs=1e-6)


def test_bad_arguments() -> None:
    for p in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match="between 0 and 1"):
            t_quantile(p, 3)
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_quantile(0.9, 0)
    with pytest.raises(ValueError, match="degrees of freedom"):
        t_cdf(1.0, -1)


def test_estimate() -> None:
    e = estimate([1, 2, 3, 4, 5])
    half = 2.776 * math.sqrt(statistics.variance([1, 2, 3, 4, 5]) / 5)
    assert e.mean == 3 and e.n == 5
    assert e.ci95_low == pytest.approx(3 - half, abs=1e-3)
    assert e.ci95_high == pytest.approx(3 + half, abs=1e-3)
    assert estimate([7, None, 7]).to_dict() == {
        "mean": 7.0,
        "ci95_low": 7.0,
        "ci95_high": 7.0,
        "n": 2,
    }
    assert estimate([4]).to_dict() == {"mean": 4.0, "ci95_low": None, "ci95_high": None, "n": 1}
    assert estimate([None, None]).to_dict() == {
        "mean": None,
        "ci95_low": None,
        "ci95_high": None,
        "n": 0,
    }


@given(st.lists(st.floats(-1e6, 1e6), min_size=2, max_size=40))
def test_the_interval_is_the_mean_plus_minus_t_times_the_standard_error(xs: list[float]) -> None:
    e = estimate(xs)
    assert e.mean == pytest.approx(statistics.fmean(xs), abs=1e-6)
    half = t_quantile(0.975, len(xs) - 1) * statistics.stdev(xs) / math.sqrt(len(xs))
    assert e.ci95_low is not None and e.ci95_high is not None and e.mean is not None
    assert e.ci95_high - e.mean == pytest.approx(half, rel=1e-6, abs=1e-6)
    assert e.mean - e.ci95_low == pytest.approx(half, rel=1e-6, abs=1e-6)
