"""Tests behind the report's comparisons: a segment against the rest, themes that go together.

Pure functions over the accumulated arrays (feedback.report.aggregate). Every comparison gives
its difference, a two-sided p-value and, when the report controls the false discovery rate, the
Benjamini-Hochberg q-value across its family of tests; `significant` is what the tables flag.

- Segment against the rest: a theme's share of comments by a two-proportion z test; mean
  sentiment and every mean-type score (NPS as +100/0/-100, CSAT as 100/0, means) by Welch's t
  test. Medians (TTR) are not tested. One family per `--by` column: every segment x measure.
- Co-occurring themes: for each pair of top-level themes, lift = P(both) / (P(a) P(b)) over the
  analysed comments, tested by the two-proportion z test of "b among comments with a" against
  "b among the others" (the 2x2 chi-square test in its z form). One family: every pair.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..stats import (
    FDR_LEVEL,
    Z95,
    Metric,
    benjamini_hochberg,
    proportion_difference,
    to_units,
    welch_from_moments,
)

MAX_PAIRS = 200  # pairs kept in the JSON (the most lifted first); the tables show fewer


def mark_significant(tests: list[dict[str, Any]], *, fdr: bool) -> None:
    """Add q (BH-adjusted p, or None without FDR control) and `significant` to each test in place.

    tests (list[dict]): Dicts with a "p" key (None: not tested).
    fdr (bool): Benjamini-Hochberg across the tests; otherwise each at p < 0.05 alone.
    """
    q_values = benjamini_hochberg([t["p"] for t in tests]) if fdr else [None] * len(tests)
    for test, q in zip(tests, q_values):
        test["q"] = q
        level = q if fdr else test["p"]
        test["significant"] = bool(level is not None and level <= FDR_LEVEL)


def versus_rest(
    group_of: np.ndarray,
    n_groups: int,
    *,
    compound: np.ndarray,
    scores: dict[str, np.ndarray],
    metrics: dict[str, Metric],
    themes: list[tuple[str, np.ndarray]],
) -> list[dict[str, Any]]:
    """Each group of comments against all the other comments, for every group at once.

    Counts, sums and sums of squares per group come from one `np.bincount` per measure, so the
    cost grows with the number of comments and measures, not with the number of groups too.

    group_of (np.ndarray): Group index per comment (-1: in no group, still part of "the rest").
    n_groups (int): Number of groups.
    compound (np.ndarray): Sentiment compound per comment (NaN: not analysed).
    scores (dict): kind -> raw answer per comment (NaN: no answer).
    metrics (dict): kind -> Metric.
    themes (list): (theme id, bool "mentioned" per comment) for the themes to test.
    RETURNS (list[dict]): Per group {"sentiment": test, "scores": {kind: test}, "themes": {theme: test}};
        each test has the values inside and outside, "difference" and "p" (q and significant
        come later).
    """
    analysed = ~np.isnan(compound)
    said = _moments(group_of, n_groups, analysed, compound)
    per_kind = {}
    for kind, values in scores.items():
        if metrics[kind].statistic == "median":
            continue
        answered = ~np.isnan(values)
        units = np.zeros(len(values))
        units[answered] = to_units(metrics[kind], values[answered])
        per_kind[kind] = _moments(group_of, n_groups, answered, units)
    n_in = np.bincount(group_of[analysed & (group_of >= 0)], minlength=n_groups)
    n_all = int(analysed.sum())
    mentions = []
    for theme_id, mentioned in themes:
        hits = mentioned & analysed
        k = np.bincount(group_of[hits & (group_of >= 0)], minlength=n_groups)
        mentions.append((theme_id, k, int(hits.sum())))
    blocks = []
    for g in range(n_groups):
        block: dict[str, Any] = {"sentiment": _welch_test(said, g), "scores": {}, "themes": {}}
        for kind, moments in per_kind.items():
            block["scores"][kind] = _welch_test(moments, g)
        n1, n2 = int(n_in[g]), n_all - int(n_in[g])
        for theme_id, k, total in mentions:
            k1, k2 = int(k[g]), total - int(k[g])
            diff, p = proportion_difference(k1, n1, k2, n2)
            block["themes"][theme_id] = {"value": k1 / n1 if n1 else None, "rest": k2 / n2 if n2 else None,
                                         "difference": diff, "p": p}
        blocks.append(block)
    return blocks


def _moments(group_of: np.ndarray, n_groups: int, valid: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per group and in total: count, sum and sum of squares of the valid values."""
    inside = valid & (group_of >= 0)
    x = values[inside].astype(np.float64)
    codes = group_of[inside]
    every = values[valid].astype(np.float64)
    return (np.bincount(codes, minlength=n_groups).astype(np.float64), np.bincount(codes, x, minlength=n_groups),
            np.bincount(codes, x * x, minlength=n_groups),
            np.array([len(every), float(every.sum()), float((every * every).sum())]))


def _welch_test(moments: tuple[np.ndarray, ...], g: int) -> dict[str, Any]:
    count, total, squares, overall = moments
    n1, s1, q1 = float(count[g]), float(total[g]), float(squares[g])
    n2, s2, q2 = overall[0] - n1, overall[1] - s1, overall[2] - q1
    m1 = s1 / n1 if n1 else None
    m2 = s2 / n2 if n2 else None
    v1 = max(0.0, (q1 - n1 * m1 * m1) / (n1 - 1)) if n1 > 1 and m1 is not None else None
    v2 = max(0.0, (q2 - n2 * m2 * m2) / (n2 - 1)) if n2 > 1 and m2 is not None else None
    diff, p = welch_from_moments(int(n1), m1, v1, int(n2), m2, v2)
    return {"value": m1, "rest": m2, "difference": diff, "p": p}


def family(block: dict[str, Any]) -> list[dict[str, Any]]:
    """Every test of a `versus_rest` block, for one family of multiple-testing control."""
    return [block["sentiment"], *block["scores"].values(), *block["themes"].values()]


def cooccurrence(theme_ids: list[str], mentioned: np.ndarray, analysed: np.ndarray, *, min_count: int,
                 fdr: bool) -> dict[str, Any]:
    """Pairs of themes mentioned in the same comment more (or less) often than chance.

    theme_ids (list[str]): One per column of `mentioned`.
    mentioned (np.ndarray): Bool (comments x themes).
    analysed (np.ndarray): Bool per comment: has text that was analysed (the base of the shares).
    min_count (int): Pairs seen together fewer times are not tested.
    fdr (bool): Benjamini-Hochberg across the pairs tested.
    RETURNS (dict): n_comments, method, pairs [{themes, count, lift, p, q, significant, share_of_a,
        share_of_b}] with the highest lift first.
    """
    m = mentioned[analysed]
    n = len(m)
    counts = m.sum(axis=0).astype(np.int64)
    together = (m.T.astype(np.float32) @ m.astype(np.float32)).round().astype(np.int64) if n else None
    pairs: list[dict[str, Any]] = []
    for a in range(len(theme_ids)):
        for b in range(a + 1, len(theme_ids)):
            k = int(together[a, b]) if together is not None else 0
            if k < min_count:
                continue
            lift = k * n / (counts[a] * counts[b])
            _, p = proportion_difference(k, int(counts[a]), int(counts[b]) - k, n - int(counts[a]))
            pairs.append({"themes": [theme_ids[a], theme_ids[b]], "count": k, "lift": float(lift), "p": p,
                          "share_of_a": k / counts[a], "share_of_b": k / counts[b]})
    mark_significant(pairs, fdr=fdr)
    pairs.sort(key=lambda x: (-x["lift"], x["themes"]))
    return {"n_comments": n, "min_count": min_count,
            "method": "lift = P(both) / (P(a) x P(b)) over analysed comments; two-proportion z test of b among "
                      "comments with a against the rest (2x2 chi-square)", "pairs": pairs[:MAX_PAIRS]}


def mean_interval(values: np.ndarray) -> dict[str, Any]:
    """Mean with a normal 95% interval (the sentiment of a set of comments), share negative/positive.

    values (np.ndarray): Compounds (no NaN).
    RETURNS (dict): mean, ci95, n.
    """
    n = len(values)
    if n == 0:
        return {"mean": None, "ci95": None, "n": 0}
    mean = float(values.mean())
    if n < 2:
        return {"mean": mean, "ci95": None, "n": n}
    half = Z95 * float(values.std(ddof=1)) / np.sqrt(n)
    return {"mean": mean, "ci95": [max(-1.0, mean - half), min(1.0, mean + half)], "n": n}


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None
