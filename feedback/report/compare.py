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

from ..stats import FDR_LEVEL, Metric, Z95, benjamini_hochberg, proportion_difference, to_units, welch_difference

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
    inside: np.ndarray,
    *,
    compound: np.ndarray,
    scores: dict[str, np.ndarray],
    metrics: dict[str, Metric],
    themes: list[tuple[str, np.ndarray]],
) -> dict[str, Any]:
    """One segment (bool mask `inside`) against all other comments.

    inside (np.ndarray): Bool per comment.
    compound (np.ndarray): Sentiment compound per comment (NaN: not analysed).
    scores (dict): kind -> raw answer per comment (NaN: no answer).
    metrics (dict): kind -> Metric.
    themes (list): (theme id, bool "mentioned" per comment) for the themes to test.
    RETURNS (dict): {"sentiment": test, "scores": {kind: test}, "themes": {theme: test}}; each test
        has the values inside and outside, "difference" and "p" (q and significant come later).
    """
    analysed = ~np.isnan(compound)
    said_in, said_out = compound[inside & analysed].astype(np.float64), compound[~inside & analysed].astype(np.float64)
    diff, p = welch_difference(said_in, said_out)
    out: dict[str, Any] = {"sentiment": {"value": _mean(said_in), "rest": _mean(said_out), "difference": diff, "p": p},
                           "scores": {}, "themes": {}}
    for kind, values in scores.items():
        answered = ~np.isnan(values)
        if metrics[kind].statistic == "median":
            continue
        a = to_units(metrics[kind], values[inside & answered])
        b = to_units(metrics[kind], values[~inside & answered])
        diff, p = welch_difference(a, b)
        out["scores"][kind] = {"value": _mean(a), "rest": _mean(b), "difference": diff, "p": p}
    n_in, n_out = int((inside & analysed).sum()), int((~inside & analysed).sum())
    for theme_id, mentioned in themes:
        k_in, k_out = int((mentioned & inside).sum()), int((mentioned & ~inside).sum())
        diff, p = proportion_difference(k_in, n_in, k_out, n_out)
        out["themes"][theme_id] = {"value": k_in / n_in if n_in else None, "rest": k_out / n_out if n_out else None,
                                   "difference": diff, "p": p}
    return out


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
