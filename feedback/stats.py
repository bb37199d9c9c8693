"""Score statistics: NPS, CSAT, means and medians, their 95% intervals, and a theme's impact.

Pure functions over numpy arrays, no I/O. Every score kind maps onto one `Metric`:

- NPS: percent promoters (9-10) minus percent detractors (0-6), in points (-100..100).
- CSAT: percent of answers 4-5 on the 1-5 scale.
- TTR: median hours (mean reported alongside).
- CES, rating and any other number: the mean; a number only ever 0 or 1: percent of 1s.

NPS, CSAT, the yes/no shares and the means are all means of a per-comment value (an NPS answer
counts +100, 0 or -100; a CSAT answer 100 or 0), so one analytic formula gives their impact
intervals. Only the
median has no simple formula; it gets a seeded percentile bootstrap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .scores import kind_of
from .sentiment import polarity_of

Z95 = 1.959963984540054  # two-sided 95% standard normal quantile
N_RESAMPLES = 1000
# Resamples x values drawn per bootstrap call; above it fewer resamples are drawn (never fewer
# than MIN_RESAMPLES) so a 100k-comment TTR column costs a fraction of a second, not minutes.
_BOOTSTRAP_BUDGET = 2_000_000
MIN_RESAMPLES = 200

# (kind, high score at least, low score at most) for the mismatch check, in order of preference:
# a comment is judged on the first of these scores it carries. Ratings are taken as 1-5 stars.
MISMATCH_RULES: tuple[tuple[str, float, float], ...] = (("nps", 9, 6), ("csat", 4, 2), ("rating", 4, 2))
HIGH_SCORE_COMPLAINT = "high_score_complaint"
LOW_SCORE_PRAISE = "low_score_praise"


@dataclass(frozen=True, slots=True)
class Metric:
    """How a score kind is summarised: the statistic, its unit, its range and which way is good."""

    kind: str
    name: str  # display name: "NPS", "CSAT", "CES", "TTR", or the kind itself
    statistic: str  # "nps", "top2" (share of 4-5), "yes" (share of 1 on 0/1), "mean" or "median"
    unit: str  # "points", "%", "hours" or ""
    low: float | None  # bounds of the statistic, for clipping intervals
    high: float | None
    better: str = "higher"  # "higher" or "lower"
    description: str = ""


_METRICS = {
    "nps": Metric("nps", "NPS", "nps", "points", -100, 100, "higher",
                  "% promoters (9-10) minus % detractors (0-6)"),
    "csat": Metric("csat", "CSAT", "top2", "%", 0, 100, "higher", "% of answers 4-5 on 1-5"),
    "ces": Metric("ces", "CES", "mean", "", 1, 7, "lower", "mean effort, 1 very easy to 7 very hard"),
    "ttr": Metric("ttr", "TTR", "median", "hours", 0, None, "lower", "median time to resolution"),
}


def metric_for(kind: str, values: np.ndarray | None = None) -> Metric:
    """The Metric for a score kind; unknown kinds (rating, user-named scores) are means.

    kind (str): The score kind as in the records' `scores`.
    values (np.ndarray | None): Its answers (NaN for none). An unknown kind answered only with 0
        and 1 is a yes/no question ("recommended"), better read as the percentage of 1s.
    RETURNS (Metric): How to summarise it.
    """
    if kind in _METRICS:
        return _METRICS[kind]
    if values is not None:
        answered = values[~np.isnan(values)]
        if len(answered) and np.isin(answered, (0, 1)).all():
            return Metric(kind, kind, "yes", "%", 0, 100, "higher", "% of answers 1 (yes) on 0/1")
    score_kind = kind_of(kind)
    return Metric(kind, kind, "mean", "", score_kind.low, score_kind.high, "higher", "mean")


def to_units(metric: Metric, values: np.ndarray) -> np.ndarray:
    """Map raw answers to the per-comment value whose mean is the metric.

    metric (Metric): The metric.
    values (np.ndarray): Raw answers (no NaN).
    RETURNS (np.ndarray): +100/0/-100 for NPS, 100/0 for CSAT, the answers themselves otherwise.
    """
    values = np.asarray(values, dtype=float)
    if metric.statistic == "nps":
        return 100.0 * (values >= 9) - 100.0 * (values <= 6)
    if metric.statistic == "top2":
        return 100.0 * (values >= 4)
    if metric.statistic == "yes":
        return 100.0 * (values >= 1)
    return values


def value_of(metric: Metric, values: np.ndarray) -> float | None:
    """The metric's value over some answers, without an interval (cheap: no bootstrap).

    metric (Metric): The metric.
    values (np.ndarray): Raw answers (no NaN).
    RETURNS (float | None): The value, None when there are no answers.
    """
    return _value(metric, np.asarray(values, dtype=float)) if len(values) else None


def _value(metric: Metric, values: np.ndarray) -> float:
    if metric.statistic == "median":
        return float(np.median(values))
    return float(to_units(metric, values).mean())


@dataclass(frozen=True, slots=True)
class Estimate:
    """A statistic with its sample size and 95% interval (None when it cannot be computed)."""

    value: float | None
    n: int
    ci95: tuple[float, float] | None


def estimate(metric: Metric, values: np.ndarray, *, seed: int = 0) -> Estimate:
    """The metric's value over some answers, with a 95% interval.

    NPS: Wald interval, SE = sqrt((p_promoters + p_detractors - (p_promoters - p_detractors)^2) / n).
    CSAT and yes/no scores: Wilson score interval for the share. Means: Student's t. Median: percentile
    bootstrap. Intervals are clipped to the metric's range.

    metric (Metric): The metric.
    values (np.ndarray): Raw answers (no NaN).
    seed (int): Bootstrap seed (medians only).
    RETURNS (Estimate): Value, n and interval.
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    if n == 0:
        return Estimate(None, 0, None)
    value = _value(metric, values)
    if metric.statistic == "median":
        ci = _percentiles(_bootstrap_medians(values, None, seed)[0]) if n > 1 else None
        return Estimate(value, n, _clip(metric, ci))
    units = to_units(metric, values)
    if metric.statistic in ("top2", "yes"):
        return Estimate(value, n, _clip(metric, wilson_interval(int(np.count_nonzero(units)), n)))
    if n < 2:
        return Estimate(value, n, None)
    if metric.statistic == "nps":
        half = Z95 * float(units.std(ddof=0)) / math.sqrt(n)  # the Wald SE above, in points
    else:
        # Here, not at the top: it adds 0.25 s to every CLI start.
        from scipy.special import stdtrit

        half = float(stdtrit(n - 1, 0.975)) * float(units.std(ddof=1)) / math.sqrt(n)
    return Estimate(value, n, _clip(metric, (value - half, value + half)))


def mean_estimate(values: np.ndarray) -> Estimate:
    """The plain mean with a Student's t interval (TTR reports it beside the median).

    values (np.ndarray): Numbers (no NaN).
    RETURNS (Estimate): Mean, n and interval.
    """
    return estimate(Metric("mean", "mean", "mean", "", None, None), values)


def wilson_interval(k: int, n: int) -> tuple[float, float] | None:
    """Wilson score 95% interval for a proportion, in percent.

    k (int): Successes.
    n (int): Trials.
    RETURNS (tuple | None): (low, high) in percent, None when n is 0.
    """
    if n == 0:
        return None
    p = k / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (100 * (centre - half), 100 * (centre + half))


@dataclass(frozen=True, slots=True)
class Impact:
    """How much a theme moves a metric: metric(all) - metric(all without the theme)."""

    value: float | None
    ci95: tuple[float, float] | None

    @property
    def uncertain(self) -> bool | None:
        """True when the interval includes zero (not distinguishable from no effect)."""
        if self.ci95 is None:
            return None if self.value is None else True
        return self.ci95[0] <= 0 <= self.ci95[1]


def impact(metric: Metric, values: np.ndarray, in_theme: np.ndarray, *, seed: int = 0) -> Impact:
    """The change a theme makes to the headline metric, with a 95% interval.

    For metrics that are means of a per-comment value (NPS, CSAT, CES, ratings), with w the
    share of answers that mention the theme: impact = mean(all) - mean(rest)
    = w * (mean(theme) - mean(rest)), and, taking w as fixed,
    SE = w * sqrt(var(theme) / n_theme + var(rest) / n_rest) (variances as in `estimate`: the
    population variance for NPS and CSAT, the sample variance for means). Medians: a percentile
    bootstrap over the answers, resampling the same indices for the whole and for the rest.

    metric (Metric): The metric.
    values (np.ndarray): Raw answers (no NaN).
    in_theme (np.ndarray): Bool per answer: does its comment mention the theme.
    seed (int): Bootstrap seed (medians only).
    RETURNS (Impact): The impact and interval; value None when no answer is outside the theme.
    """
    values = np.asarray(values, dtype=float)
    in_theme = np.asarray(in_theme, dtype=bool)
    n = len(values)
    n_theme = int(in_theme.sum())
    n_rest = n - n_theme
    if n_rest == 0 or n_theme == 0:
        return Impact(None if n_rest == 0 else 0.0, None)
    if metric.statistic == "median":
        value = float(np.median(values) - np.median(values[~in_theme]))
        whole, rest = _bootstrap_medians(values, in_theme, seed)
        return Impact(value, _percentiles(whole - rest))
    units = to_units(metric, values)
    theme, rest = units[in_theme], units[~in_theme]
    w = n_theme / n
    value = w * float(theme.mean() - rest.mean())
    ddof = 1 if metric.statistic == "mean" else 0
    if min(n_theme, n_rest) <= ddof:
        return Impact(value, None)
    se = w * math.sqrt(theme.var(ddof=ddof) / n_theme + rest.var(ddof=ddof) / n_rest)
    return Impact(value, (value - Z95 * se, value + Z95 * se))


def _bootstrap_medians(
    values: np.ndarray, in_theme: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Medians of the whole and of the rest (answers outside the theme) over resamples.

    A resample is held as counts (how often each sorted answer was drawn with replacement), so
    the median of every resample, and of its rest, comes from running counts instead of a sort
    per resample. Resamples
    with no rest answer give NaN; `_percentiles` ignores them.
    """
    n = len(values)
    n_resamples = max(MIN_RESAMPLES, min(N_RESAMPLES, _BOOTSTRAP_BUDGET // max(n, 1)))
    rng = np.random.default_rng(seed)
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    draws = rng.integers(0, n, size=(n_resamples, n)) + n * np.arange(n_resamples)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_resamples * n).reshape(n_resamples, n)
    whole = _weighted_medians(ordered, counts)
    if in_theme is None:
        return whole, whole
    return whole, _weighted_medians(ordered, counts * ~in_theme[order])


def _weighted_medians(ordered: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of each row of `counts` copies of the sorted values `ordered` (NaN for empty rows)."""
    running = np.cumsum(counts, axis=1)
    total = running[:, -1]
    # 0-based ranks of the two middle answers (the same one when the count is odd).
    low = (running <= ((total - 1) // 2)[:, None]).sum(axis=1)
    high = (running <= (total // 2)[:, None]).sum(axis=1)
    last = len(ordered) - 1
    medians = (ordered[np.minimum(low, last)] + ordered[np.minimum(high, last)]) / 2
    return np.where(total > 0, medians, np.nan)


def _percentiles(samples: np.ndarray) -> tuple[float, float] | None:
    samples = samples[np.isfinite(samples)]
    if len(samples) == 0:
        return None
    low, high = np.percentile(samples, [2.5, 97.5])
    return (float(low), float(high))


def _clip(metric: Metric, ci: tuple[float, float] | None) -> tuple[float, float] | None:
    if ci is None:
        return None
    low, high = ci
    if metric.low is not None:
        low, high = max(low, metric.low), max(high, metric.low)
    if metric.high is not None:
        low, high = min(low, metric.high), min(high, metric.high)
    return (low, high)


def rising_share_z(k_last: int, n_last: int, k_before: int, n_before: int) -> float | None:
    """Two-proportion z statistic for a share rising in the last period against the earlier ones.

    k_last (int): Comments mentioning the theme in the last period.
    n_last (int): Comments in the last period.
    k_before (int): Comments mentioning it in all earlier periods.
    n_before (int): Comments in all earlier periods.
    RETURNS (float | None): z with the pooled standard error (positive when rising); None when a
        side is empty or the pooled share is 0 or 1.
    """
    if n_last == 0 or n_before == 0:
        return None
    pooled = (k_last + k_before) / (n_last + n_before)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_last + 1 / n_before))
    if se == 0:
        return None
    return (k_last / n_last - k_before / n_before) / se


def score_level(scores: dict[str, float]) -> str | None:
    """Whether a comment's score is high or low, judged as `mismatch_kind` judges it.

    scores (dict): The record's scores.
    RETURNS (str | None): "high", "low", or None (a middle score, or none of MISMATCH_RULES' kinds).
    """
    for kind, high, low in MISMATCH_RULES:
        value = scores.get(kind)
        if value is None:
            continue
        return "high" if value >= high else "low" if value <= low else None
    return None


def mismatch_kind(compound: float, scores: dict[str, float]) -> str | None:
    """Whether a comment's text and score disagree.

    The comment is judged on the first score of MISMATCH_RULES it carries: a high score with
    negative text is HIGH_SCORE_COMPLAINT (a promoter writing a complaint), a low score with
    positive text LOW_SCORE_PRAISE (a detractor writing praise). Text polarity uses VADER's
    thresholds, as the records' labels do.

    compound (float): The comment's sentiment compound.
    scores (dict): The record's scores.
    RETURNS (str | None): The kind of mismatch, or None.
    """
    for kind, high, low in MISMATCH_RULES:
        value = scores.get(kind)
        if value is None:
            continue
        polarity = polarity_of(compound)
        if value >= high and polarity == "negative":
            return HIGH_SCORE_COMPLAINT
        if value <= low and polarity == "positive":
            return LOW_SCORE_PRAISE
        return None
    return None


FDR_LEVEL = 0.05  # false discovery rate targeted by the Benjamini-Hochberg step-up procedure
FDR_METHOD = "Benjamini-Hochberg false discovery rate at 5% across the tests listed"


def normal_p(z: float | None, *, two_sided: bool = True) -> float | None:
    """P-value of a standard normal statistic.

    z (float | None): The statistic.
    two_sided (bool): Two-sided (|z|) or one-sided for a rise (upper tail).
    RETURNS (float | None): The p-value, None when `z` is None.
    """
    if z is None or not math.isfinite(z):
        return None
    upper = 0.5 * math.erfc(z / math.sqrt(2))
    return min(1.0, 2 * min(upper, 1 - upper)) if two_sided else upper


def benjamini_hochberg(p_values: list[float | None]) -> list[float | None]:
    """Benjamini-Hochberg adjusted p-values (q-values); None stays None and is not counted as a test.

    Reject (call a difference real) where q <= FDR_LEVEL: across the tests listed, the expected
    share of false discoveries among the rejections is then at most FDR_LEVEL (Benjamini and
    Hochberg 1995; independent or positively dependent tests).

    p_values (list[float | None]): One p-value per test.
    RETURNS (list[float | None]): q = min over k >= rank of p_(k) * m / k, capped at 1.
    """
    tested = [(p, i) for i, p in enumerate(p_values) if p is not None]
    out: list[float | None] = [None] * len(p_values)
    m = len(tested)
    running = 1.0
    for rank, (p, i) in reversed(list(enumerate(sorted(tested), start=1))):
        running = min(running, p * m / rank)
        out[i] = min(1.0, running)
    return out


def proportion_difference(k_in: int, n_in: int, k_out: int, n_out: int) -> tuple[float | None, float | None]:
    """Two-proportion z test of a share inside a group against the rest (pooled standard error).

    k_in (int): Successes in the group.
    n_in (int): Size of the group.
    k_out (int): Successes in the rest.
    n_out (int): Size of the rest.
    RETURNS (tuple): (difference in shares, in points of 1; two-sided p), None when undefined.
    """
    if n_in == 0 or n_out == 0:
        return None, None
    diff = k_in / n_in - k_out / n_out
    z = rising_share_z(k_in, n_in, k_out, n_out)
    return diff, (normal_p(z) if z is not None else None)


def welch_difference(inside: np.ndarray, outside: np.ndarray) -> tuple[float | None, float | None]:
    """Welch's t test of a mean inside a group against the rest (unequal variances).

    inside (np.ndarray): Values in the group (no NaN).
    outside (np.ndarray): Values in the rest (no NaN).
    RETURNS (tuple): (difference of means; two-sided p from Student's t on Welch-Satterthwaite
        degrees of freedom), None where undefined (fewer than 2 values on a side).
    """
    n1, n2 = len(inside), len(outside)
    m1 = float(inside.mean()) if n1 else None
    m2 = float(outside.mean()) if n2 else None
    v1 = float(inside.var(ddof=1)) if n1 > 1 else None
    v2 = float(outside.var(ddof=1)) if n2 > 1 else None
    return welch_from_moments(n1, m1, v1, n2, m2, v2)


def welch_from_moments(
    n1: int, m1: float | None, v1: float | None, n2: int, m2: float | None, v2: float | None
) -> tuple[float | None, float | None]:
    """Welch's t test from each side's count, mean and sample variance (see `welch_difference`).

    RETURNS (tuple): (m1 - m2, two-sided p); the p is None when a side has fewer than 2 values.
    """
    if m1 is None or m2 is None:
        return None, None
    if v1 is None or v2 is None:
        return m1 - m2, None
    a, b = v1 / n1, v2 / n2
    if a + b == 0:
        return m1 - m2, (1.0 if m1 == m2 else 0.0)
    t = (m1 - m2) / math.sqrt(a + b)
    dof = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    from scipy.special import stdtr  # here, not at the top: see `estimate`

    return m1 - m2, float(2 * stdtr(dof, -abs(t)))


def interval_p(value: float | None, ci95: tuple[float, float] | None) -> float | None:
    """Two-sided p-value of "no effect" read back from a symmetric (or bootstrap) 95% interval.

    The standard error is taken as the interval's width / (2 x 1.96): exact for the Wald
    intervals of impacts, an approximation for bootstrap ones.

    value (float | None): The estimate.
    ci95 (tuple | None): Its interval.
    RETURNS (float | None): The p-value, None without an interval.
    """
    if value is None or ci95 is None:
        return None
    se = (ci95[1] - ci95[0]) / (2 * Z95)
    if se <= 0:
        return None if value == 0 else 0.0
    return normal_p(value / se)
