"""Score statistics against numbers worked out by hand."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedback.stats import (
    HIGH_SCORE_COMPLAINT,
    LOW_SCORE_PRAISE,
    Z95,
    _weighted_medians,
    estimate,
    impact,
    metric_for,
    mismatch_kind,
    rising_share_z,
    to_units,
    value_of,
    wilson_interval,
)

NPS, CSAT, CES, TTR = (metric_for(k) for k in ("nps", "csat", "ces", "ttr"))


def test_stats_nps_value_and_wald_interval_by_hand():
    # 6 promoters (10,10,10,9,9,10), 2 passives (8,7), 2 detractors (6,2): NPS = 60% - 20% = 40.
    values = np.array([10, 10, 10, 9, 8, 7, 6, 2, 9, 10])
    est = estimate(NPS, values)
    assert est.value == pytest.approx(40.0)
    assert est.n == 10
    # SE = sqrt((pP + pD - (pP - pD)^2) / n) = sqrt((0.6 + 0.2 - 0.16) / 10) = 0.252982 -> 25.2982 points.
    half = 1.959964 * 25.29822
    assert est.ci95 == pytest.approx((40 - half, 40 + half), abs=1e-3)
    assert est.ci95 == pytest.approx((-9.5842, 89.5842), abs=1e-3)


def test_stats_nps_boundaries_promoter_9_detractor_6():
    assert value_of(NPS, np.array([9])) == 100
    assert value_of(NPS, np.array([8])) == 0
    assert value_of(NPS, np.array([7])) == 0
    assert value_of(NPS, np.array([6])) == -100
    assert list(to_units(NPS, np.array([0, 6, 7, 8, 9, 10]))) == [-100, -100, 0, 0, 100, 100]


def test_stats_csat_share_of_4_and_5_with_wilson_interval_by_hand():
    est = estimate(CSAT, np.array([5, 4, 3, 5, 1]))
    assert est.value == pytest.approx(60.0)  # 3 of 5 answered 4 or 5
    z2 = 1.959964**2
    centre = (0.6 + z2 / 10) / (1 + z2 / 5)
    half = 1.959964 * math.sqrt(0.6 * 0.4 / 5 + z2 / 100) / (1 + z2 / 5)
    assert est.ci95 == pytest.approx((100 * (centre - half), 100 * (centre + half)), abs=1e-3)
    assert est.ci95 == pytest.approx((23.07, 88.24), abs=0.01)


def test_stats_csat_wilson_stays_inside_0_100_when_everyone_is_satisfied():
    est = estimate(CSAT, np.array([5, 5, 4]))
    assert est.value == 100
    low, high = est.ci95
    assert 0 < low < 100 and high == pytest.approx(100)
    assert wilson_interval(0, 0) is None


def test_stats_ces_mean_with_t_interval_by_hand():
    est = estimate(CES, np.array([1, 2, 3, 4, 5]))
    assert est.value == 3
    # s = sqrt(2.5), t(4 df, 0.975) = 2.776445
    half = 2.776445 * math.sqrt(2.5) / math.sqrt(5)
    assert est.ci95 == pytest.approx((3 - half, 3 + half), abs=1e-4)


def test_stats_ttr_median_with_seeded_bootstrap():
    values = np.array([1.0, 2.0, 3.0, 4.0, 100.0])
    est = estimate(TTR, values, seed=7)
    assert est.value == 3.0  # the median, not the mean (22)
    assert est.ci95[0] <= 3.0 <= est.ci95[1]
    assert estimate(TTR, values, seed=7) == est  # reproducible
    assert est.ci95[0] >= 1.0 and est.ci95[1] <= 100.0


def test_stats_empty_and_single_answers():
    assert estimate(NPS, np.array([])).value is None
    single = estimate(CES, np.array([4]))
    assert (single.value, single.n, single.ci95) == (4, 1, None)


def test_stats_nps_impact_and_interval_by_hand():
    # Theme comments: NPS 0, 2, 10 (2 detractors, 1 promoter); the rest: 10, 9, 8, 7.
    theme, rest = [0, 2, 10], [10, 9, 8, 7]
    values = np.array(theme + rest, dtype=float)
    in_theme = np.array([True] * 3 + [False] * 4)
    nps_all = 100 * (3 - 2) / 7  # promoters 10, 10, 9; detractors 0, 2
    nps_rest = 100 * (2 - 0) / 4
    result = impact(NPS, values, in_theme)
    assert result.value == pytest.approx(nps_all - nps_rest)  # -35.714
    assert result.value == pytest.approx(-35.7143, abs=1e-4)
    # SE = w * sqrt(var_theme / n_theme + var_rest / n_rest), population variances of +-100 values.
    w = 3 / 7
    var_theme = (3 * 100**2) / 3 - (-100 / 3) ** 2  # mean of squares minus square of mean
    var_rest = (2 * 100**2) / 4 - 50**2
    se = w * math.sqrt(var_theme / 3 + var_rest / 4)
    assert result.ci95 == pytest.approx((result.value - Z95 * se, result.value + Z95 * se), abs=1e-6)
    assert result.uncertain  # the interval, about [-86.0, 14.6], includes 0


def test_stats_csat_and_mean_impact_by_hand():
    values = np.array([1, 2, 5, 5, 4, 3], dtype=float)
    in_theme = np.array([True, True, False, False, False, False])
    # CSAT: all 3/6 = 50%, rest 3/4 = 75%.
    assert impact(CSAT, values, in_theme).value == pytest.approx(50 - 75)
    # CES mean: all 20/6, rest 17/4; SE uses sample variances.
    result = impact(CES, values, in_theme)
    assert result.value == pytest.approx(20 / 6 - 17 / 4)
    se = (2 / 6) * math.sqrt(np.var([1, 2], ddof=1) / 2 + np.var([5, 5, 4, 3], ddof=1) / 4)
    assert result.ci95 == pytest.approx((result.value - Z95 * se, result.value + Z95 * se))


def test_stats_clear_impact_is_not_uncertain():
    rng = np.random.default_rng(0)
    rest = rng.integers(7, 11, size=400)
    theme = rng.integers(0, 4, size=100)
    values = np.concatenate([theme, rest]).astype(float)
    in_theme = np.arange(500) < 100
    result = impact(NPS, values, in_theme)
    assert result.value < 0 and result.ci95[1] < 0
    assert result.uncertain is False


def test_stats_impact_edge_cases():
    values = np.array([9.0, 10.0])
    assert impact(NPS, values, np.array([True, True])).value is None  # nothing left without the theme
    nothing = impact(NPS, values, np.array([False, False]))
    assert nothing.value == 0.0 and nothing.ci95 is None


def test_stats_median_impact_by_hand_with_bootstrap_interval():
    values = np.array([1.0, 2.0, 3.0, 40.0, 50.0])
    in_theme = np.array([False, False, False, True, True])
    result = impact(TTR, values, in_theme, seed=3)
    assert result.value == 3.0 - 2.0  # median(all) - median(1, 2, 3)
    low, high = result.ci95
    assert low <= result.value <= high
    assert impact(TTR, values, in_theme, seed=3) == result


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=12), st.integers(0, 10_000))
def test_stats_weighted_medians_match_numpy_median(counts, seed):
    ordered = np.sort(np.random.default_rng(seed).normal(size=len(counts)))
    counts_row = np.array([counts])
    expected = np.median(np.repeat(ordered, counts)) if sum(counts) else np.nan
    got = _weighted_medians(ordered, counts_row)[0]
    assert (math.isnan(expected) and math.isnan(got)) or got == pytest.approx(expected)


def test_stats_rising_share_z_by_hand():
    # 20/50 now against 10/100 before: pooled 30/150 = 0.2, SE = sqrt(0.2 * 0.8 * (1/50 + 1/100)).
    z = rising_share_z(20, 50, 10, 100)
    assert z == pytest.approx(0.3 / math.sqrt(0.16 * 0.03))
    assert z == pytest.approx(4.3301, abs=1e-4)
    assert rising_share_z(0, 0, 1, 10) is None
    assert rising_share_z(0, 10, 0, 10) is None


@pytest.mark.parametrize("compound,scores,expected", [
    (-0.6, {"nps": 10}, HIGH_SCORE_COMPLAINT),
    (-0.6, {"nps": 9, "csat": 1}, HIGH_SCORE_COMPLAINT),
    (0.7, {"nps": 3}, LOW_SCORE_PRAISE),
    (0.7, {"nps": 6}, LOW_SCORE_PRAISE),
    (0.7, {"nps": 7, "csat": 1}, None),  # judged on NPS (a passive), not on CSAT
    (0.7, {"nps": 10}, None),
    (0.01, {"nps": 0}, None),  # neutral text contradicts nothing
    (-0.3, {"csat": 5}, HIGH_SCORE_COMPLAINT),
    (0.3, {"rating": 1}, LOW_SCORE_PRAISE),
    (-0.9, {"ces": 1, "ttr": 2}, None),  # no score the rule reads
])
def test_stats_mismatch_kind(compound, scores, expected):
    assert mismatch_kind(compound, scores) == expected


def test_stats_metric_for_unknown_kind_is_a_mean():
    metric = metric_for("rating", np.array([1.0, 5.0, np.nan, 4.0]))
    assert (metric.statistic, metric.name, metric.better) == ("mean", "rating", "higher")
    assert estimate(metric, np.array([1, 5, 4])).value == pytest.approx(10 / 3)
    assert metric_for("ces").better == "lower"


def test_stats_yes_no_score_is_a_percentage_with_wilson_interval():
    metric = metric_for("recommended", np.array([0.0, 1.0, 1.0, np.nan, 1.0]))
    assert (metric.statistic, metric.unit) == ("yes", "%")
    est = estimate(metric, np.array([0, 1, 1, 1]))
    assert est.value == 75.0
    assert est.ci95 == pytest.approx(wilson_interval(3, 4))
    assert impact(metric, np.array([0.0, 1.0, 1.0, 1.0]), np.array([True, False, False, False])).value == -25.0
