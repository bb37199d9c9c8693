"""Build the theme report (a JSON-ready dict) from analysed records.

`make_report(records, ...)` streams the records through a ReportAccumulator and calls
`build_report`, which computes every table from the accumulated columns: headline scores,
themes with their impact, key drivers, segments, periods with emerging themes, mismatches and
quotes. The layout is documented in docs/report.md; the renderers (feedback.report.formats) only
format it.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Iterable

import numpy as np

from .. import __version__
from ..config import DEFAULT_MIN_COUNT, ReportOptions
from ..errors import Errors, InputError, ReportError
from ..sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from ..stats import (
    FDR_LEVEL,
    FDR_METHOD,
    HIGH_SCORE_COMPLAINT,
    LOW_SCORE_PRAISE,
    MISMATCH_RULES,
    Metric,
    estimate,
    impact,
    interval_p,
    mean_estimate,
    metric_for,
    normal_p,
    rising_share_z,
    to_units,
    value_of,
)
from .aggregate import Aggregate, ReportAccumulator, ThemeLevel
from .compare import cooccurrence, family, mark_significant, mean_interval, versus_rest
from .dates import MAX_PERIODS, count_periods, next_period, period_label, period_start
from .drivers import METHOD, driver_features, fit_drivers

REPORT_VERSION = "1.1"
SCORE_ORDER = ("nps", "csat", "ces", "ttr", "rating")
MAX_SEGMENTS = 20  # larger segmentations keep the biggest and pool the rest as OTHER_SEGMENT
OTHER_SEGMENT = "(other)"
EMERGING_MIN_MENTIONS = 5  # a rise from 1 to 3 mentions is not a trend, however small the period
_PER_COMMENT = {"nps": "+100 promoter (9-10), 0 passive, -100 detractor (0-6)", "top2": "100 if 4-5, else 0",
                "yes": "100 if 1, else 0"}


def make_report(
    records: Iterable[dict[str, Any]],
    options: ReportOptions | None = None,
    *,
    by: str | tuple[str, ...] | None = None,
    period: str | None = None,
    date_column: str | None = None,
    min_count: int = DEFAULT_MIN_COUNT,
    depth: int = 1,
    seed: int = 0,
    where: tuple[str, ...] = (),
    fdr: bool = True,
) -> dict[str, Any]:
    """Build the report from analysed records in one pass.

    records (Iterable[dict]): Records as `feedback analyze` writes them; error records are skipped.
    options (ReportOptions | None): All of the settings below at once; when given, the keyword
        arguments are not used.
    by (str | tuple[str, ...] | None): Carried fields to segment by (`fields` of the records), each
        on its own.
    period (str | None): "day", "week", "month" or "quarter" for trends; needs `date_column`.
    date_column (str | None): The carried field holding each comment's date.
    min_count (int): Themes and drivers with fewer comments are flagged and left out of the fit.
    depth (int): 1 for top-level themes, 2 to add subthemes.
    seed (int): Seed of the bootstrap, so reports are reproducible.
    where (tuple[str, ...]): "COLUMN=VALUE" / "COLUMN!=VALUE" filters, all applied.
    fdr (bool): Benjamini-Hochberg control of each family of tests (see ReportOptions).
    RETURNS (dict): The report; see docs/report.md for the layout.
    RAISES (InputError): No records, a record of the wrong shape, or an unknown field.
    RAISES (OptionsError): An unknown `period`, a `period` without `date_column`, or the reverse.
    """
    if options is None:
        options = ReportOptions(by, period, date_column, min_count, depth, seed, tuple(where), fdr)
    accumulator = ReportAccumulator(depth=options.depth, by=options.columns, where=options.filters(),
                                    date_column=options.date_column if options.period else None)
    return build_report(accumulator.update(records).finish(), options)


def build_report(agg: Aggregate, options: ReportOptions | None = None) -> dict[str, Any]:
    """Compute the report from accumulated columns.

    agg (Aggregate): What ReportAccumulator.finish() returned.
    options (ReportOptions | None): What to report (the defaults when None).
    RETURNS (dict): The report (plain JSON types, floats rounded to 4 decimals).
    RAISES (InputError): No records, `by`/`date_column` names a field no record carries, or no
        `date_column` value is a date.
    """
    options = options or ReportOptions()
    columns, period, date_column = options.columns, options.period, options.date_column
    min_count, depth, seed = options.min_count, options.depth, options.seed
    checks = [("by", column) for column in columns] + [("where", column) for column, _, _ in options.filters()]
    for param, column in checks + [("date_column", date_column if period else None)]:
        if column is not None and column not in agg.fields and (agg.n_comments or param == "where"):
            known = ", ".join(sorted(agg.fields)) or "none"
            raise InputError(Errors.E303.format(param=param, column=column, known=known))
    if agg.n_comments == 0:
        if agg.n_filtered_out:
            raise InputError(Errors.E313.format(where=" and ".join(options.where), n=agg.n_filtered_out))
        raise InputError(Errors.E301)
    builder = _Builder(agg, min_count=min_count, depth=depth, seed=seed, fdr=options.fdr)
    everyone = np.arange(agg.n_comments)
    summary = builder.summary(everyone)
    segmentations = [builder.segments(column) for column in columns]
    report: dict[str, Any] = {
        "report_version": REPORT_VERSION,
        "generated_by": f"feedback {__version__}",
        "options": {"by": columns[0] if columns else None, "by_columns": list(columns), "where": list(options.where),
                    "period": period, "date_column": date_column if period else None,
                    "min_count": min_count, "depth": depth, "seed": seed, "fdr": options.fdr},
        "multiple_testing": {"fdr": options.fdr, "level": FDR_LEVEL,
                             "method": FDR_METHOD if options.fdr else "none: each test at the 5% level on its own"},
        "n_comments": agg.n_comments,
        "n_skipped": agg.n_skipped,
        "n_filtered_out": agg.n_filtered_out,
        # HTML character references (&amp;, &#34;) in comment text, decoded once when read.
        "n_entities_decoded": agg.n_entities_decoded,
        # Non-answers and comments in other languages: their scores count, they have no sentiment
        # or themes, and they are not "unthemed" (the taxonomy did not miss them).
        "n_no_answer": agg.n_not_analysed.get("no_answer", 0),
        "n_not_english": agg.n_not_analysed.get("not_english", 0),
        # Comments no theme covers: what the taxonomy misses (see `feedback discover`).
        "n_unthemed": (int((~agg.themes.mentioned.any(axis=1)).sum()) if agg.themes.sentiment.size
                       else agg.n_comments) - sum(agg.n_not_analysed.values()),
        "metrics": {kind: _describe(builder.metrics[kind]) for kind in builder.kinds},
        "overall": summary["overall"],
        "sentiment": builder.sentiment(everyone),
        "themes": summary["themes"],
        "drivers": builder.drivers(),
        "cooccurrence": builder.cooccurrence(),
        "segments": segmentations[0] if segmentations else {},
        "segmentations": segmentations,
        "periods": builder.periods(period, date_column) if period and date_column else {},
        "mismatch": builder.mismatch(),
        "quotes": {entry["theme"]: agg.quotes.get(entry["theme"], {"negative": [], "positive": []})
                   for entry in summary["themes"]},
    }
    return _plain(report)


def _describe(metric: Metric) -> dict[str, Any]:
    return {"name": metric.name, "statistic": metric.statistic, "unit": metric.unit, "better": metric.better,
            "description": metric.description, "per_comment": _PER_COMMENT.get(metric.statistic, "the score")}


class _Builder:
    """Computes the report's tables over subsets (index arrays) of the accumulated comments."""

    def __init__(self, agg: Aggregate, *, min_count: int, depth: int, seed: int, fdr: bool = True) -> None:
        self.agg = agg
        self.min_count = min_count
        self.depth = depth
        self.seed = seed
        self.fdr = fdr
        present = [kind for kind, values in agg.scores.items() if not np.isnan(values).all()]
        self.kinds = sorted(present, key=lambda k: (SCORE_ORDER.index(k) if k in SCORE_ORDER else len(SCORE_ORDER), k))
        self.metrics = {kind: metric_for(kind, agg.scores[kind]) for kind in self.kinds}
        # (id, level, sentiment column) for each table row: parents, each followed by its subthemes.
        self.rows = self._theme_rows()

    def _theme_rows(self) -> list[tuple[str, int, np.ndarray]]:
        themes = self.agg.themes
        counts = themes.mentioned.sum(axis=0)
        order = sorted(range(len(themes.ids)), key=lambda j: (-counts[j], themes.ids[j]))
        children: dict[str, list[tuple[str, np.ndarray]]] = {}
        if self.depth >= 2 and self.agg.subthemes is not None:
            sub = self.agg.subthemes
            sub_counts = sub.mentioned.sum(axis=0)
            for j in sorted(range(len(sub.ids)), key=lambda j: (-sub_counts[j], sub.ids[j])):
                if "/" in sub.ids[j]:
                    children.setdefault(sub.ids[j].split("/", 1)[0], []).append((sub.ids[j], sub.sentiment[:, j]))
        rows = []
        for j in order:
            rows.append((themes.ids[j], 1, themes.sentiment[:, j]))
            rows.extend((theme_id, 2, column) for theme_id, column in children.get(themes.ids[j], []))
        return rows

    def score_block(self, idx: np.ndarray) -> dict[str, Any]:
        """Every metric over the comments `idx`."""
        block = {}
        for kind in self.kinds:
            values = self.agg.scores[kind][idx]
            block[kind] = self._estimate(kind, values[~np.isnan(values)])
        return block

    def _estimate(self, kind: str, values: np.ndarray) -> dict[str, Any]:
        metric = self.metrics[kind]
        est = estimate(metric, values, seed=self.seed)
        out: dict[str, Any] = {"value": est.value, "n": est.n, "ci95": est.ci95}
        if metric.statistic == "median":  # TTR: the mean too, which long tails pull away from the median
            mean = mean_estimate(values)
            out.update(mean=mean.value, mean_ci95=mean.ci95)
        return out

    def summary(self, idx: np.ndarray) -> dict[str, Any]:
        """Headline scores and the theme table over the comments `idx`."""
        n = len(idx)
        themes = []
        mismatch = self.agg.mismatch[idx]
        valid = {kind: ~np.isnan(self.agg.scores[kind][idx]) for kind in self.kinds}
        scored = {kind: self.agg.scores[kind][idx][valid[kind]] for kind in self.kinds}  # once, not per theme
        for theme_id, level, column in self.rows:
            sentiment = column[idx]
            mentioned = ~np.isnan(sentiment)
            count = int(mentioned.sum())
            if count == 0:
                continue
            said = sentiment[mentioned].astype(np.float64)
            entry: dict[str, Any] = {
                "theme": theme_id, "level": level, "parent": theme_id.split("/", 1)[0],
                "count": count, "share": count / n, "sentiment": float(said.mean()),
                "share_negative": float((said <= NEGATIVE_THRESHOLD).mean()),
                "share_positive": float((said >= POSITIVE_THRESHOLD).mean()),
                "below_min_count": count < self.min_count,
                "scores": {},
                "mismatch": {HIGH_SCORE_COMPLAINT: int((mismatch[mentioned] == 1).sum()),
                             LOW_SCORE_PRAISE: int((mismatch[mentioned] == 2).sum())},
            }
            for kind in self.kinds:
                values = scored[kind]
                in_theme = mentioned[valid[kind]]
                result = self._estimate(kind, values[in_theme])
                effect = impact(self.metrics[kind], values, in_theme, seed=self.seed)
                result.update(impact=effect.value, impact_ci95=effect.ci95, impact_uncertain=effect.uncertain,
                              impact_p=interval_p(effect.value, effect.ci95))
                entry["scores"][kind] = result
            themes.append(entry)
        self._control_impacts(themes)
        return {"n_comments": n, "overall": self.score_block(idx), "themes": themes}

    def _control_impacts(self, themes: list[dict[str, Any]]) -> None:
        """One family: every theme x score impact of a table. With FDR control an impact is
        certain only when its Benjamini-Hochberg q is at most 5% (and its interval excludes 0)."""
        tests = [{"p": s["impact_p"], "score": s} for t in themes if not t["below_min_count"]
                 for s in t["scores"].values()]
        mark_significant(tests, fdr=self.fdr)
        for test in tests:
            score = test["score"]
            score["impact_q"] = test["q"]
            if self.fdr and score["impact_uncertain"] is False and not test["significant"]:
                score["impact_uncertain"] = True

    def sentiment(self, idx: np.ndarray) -> dict[str, Any]:
        """Mean comment sentiment with its interval, and the shares of negative and positive comments."""
        values = self.agg.compound[idx]
        values = values[~np.isnan(values)].astype(np.float64)
        out = mean_interval(values)
        out["share_negative"] = float((values <= NEGATIVE_THRESHOLD).mean()) if len(values) else None
        out["share_positive"] = float((values >= POSITIVE_THRESHOLD).mean()) if len(values) else None
        return out

    def cooccurrence(self) -> dict[str, Any]:
        """Top-level themes that are mentioned together more often than chance."""
        themes = self.agg.themes
        return cooccurrence(themes.ids, themes.mentioned, ~np.isnan(self.agg.compound),
                            min_count=self.min_count, fdr=self.fdr)

    def drivers(self) -> dict[str, Any]:
        """The key driver fit per score, on top-level themes (depth 1) or record theme ids (depth 2)."""
        level: ThemeLevel = self.agg.themes
        if self.depth >= 2 and self.agg.subthemes is not None:
            level = self.agg.subthemes
        names, features = driver_features(level.ids, level.sentiment)
        fits = {}
        for kind in self.kinds:
            values = self.agg.scores[kind]
            valid = ~np.isnan(values)
            fit = fit_drivers(features[valid], to_units(self.metrics[kind], values[valid]), names,
                              min_count=self.min_count)
            tests = [{"p": interval_p(d["effect"], d["ci95"]), "driver": d} for d in fit["drivers"]]
            mark_significant(tests, fdr=self.fdr)
            for test in tests:
                test["driver"]["q"] = test["q"]
                if self.fdr and not test["significant"]:
                    test["driver"]["uncertain"] = True
            fits[kind] = {"unit": self.metrics[kind].unit,
                          "target": _PER_COMMENT.get(self.metrics[kind].statistic, "the score"), **fit}
        return {"method": METHOD, "level": "subtheme" if level is self.agg.subthemes else "theme",
                "min_count": self.min_count, "scores": fits}

    def segments(self, by: str) -> dict[str, Any]:
        """The summary per value of `by`, biggest first; beyond MAX_SEGMENTS the rest is pooled.

        Each segment also carries its sentiment and `versus_rest`: its sentiment, scores and theme
        shares tested against all other comments, one family of tests per `by` column.
        """
        if by not in self.agg.segmentations:
            return {}
        names, codes = self.agg.segmentations[by]
        names = list(names)
        counts = np.bincount(codes, minlength=len(names))
        order = sorted(range(len(names)), key=lambda c: (-counts[c], names[c]))
        groups = [(names[c], np.flatnonzero(codes == c)) for c in order[:MAX_SEGMENTS]]
        if len(order) > MAX_SEGMENTS:
            groups.append((OTHER_SEGMENT, np.flatnonzero(np.isin(codes, order[MAX_SEGMENTS:]))))
        out = []
        tested = [(theme_id, ~np.isnan(column)) for theme_id, _, column in self.rows
                  if int((~np.isnan(column)).sum()) >= self.min_count]
        tests: list[dict[str, Any]] = []
        group_of = np.full(self.agg.n_comments, -1, dtype=np.int64)
        for g, (_, idx) in enumerate(groups):
            group_of[idx] = g
        blocks = versus_rest(group_of, len(groups), compound=self.agg.compound,
                             scores={k: self.agg.scores[k] for k in self.kinds}, metrics=self.metrics, themes=tested)
        for (name, idx), block in zip(groups, blocks):
            summary = self.summary(idx)
            if len(idx) < self.min_count or len(groups) < 2:
                for test in family(block):  # too small to test, or nothing to compare with
                    test["p"] = None
            tests += family(block)
            out.append({"segment": name, "share": len(idx) / self.agg.n_comments, **summary,
                        "sentiment": self.sentiment(idx), "versus_rest": block})
        mark_significant(tests, fdr=self.fdr)
        method = (f"segments of at least {self.min_count} comments against all other comments: theme shares by two-proportion z test, mean sentiment and "
                  "mean-type scores by Welch's t test (medians not tested); "
                  + (FDR_METHOD + " (one family per segmentation)" if self.fdr else "each test at the 5% level"))
        return {"by": by, "n_segments": len(names), "groups": out, "tests": method}

    def periods(self, unit: str, date_column: str) -> dict[str, Any]:
        """Volume, sentiment and scores per period, every period from the first to the last date."""
        dates = self.agg.dates
        if dates is None:
            return {}
        dated = np.flatnonzero(dates >= 0)
        if len(dated) == 0:
            example = f" (e.g. {self.agg.bad_date!r})" if self.agg.bad_date else ""
            raise InputError(Errors.E304.format(column=date_column, example=example))
        starts = {o: period_start(date.fromordinal(int(o)), unit) for o in np.unique(dates[dated])}
        first, last = min(starts.values()), max(starts.values())
        n_periods = count_periods(first, last, unit)
        if n_periods > MAX_PERIODS:
            raise ReportError(Errors.E311.format(n=n_periods, unit=unit, first=first, last=last, limit=MAX_PERIODS))
        labels, start = [], first
        while start <= last:
            labels.append((period_label(start, unit), start))
            start = next_period(start, unit)
        position = {s: i for i, (_, s) in enumerate(labels)}
        period_of = np.full(len(dates), -1)
        for ordinal, s in starts.items():
            period_of[dates == ordinal] = position[s]
        series = []
        for i, (label, start) in enumerate(labels):
            idx = np.flatnonzero(period_of == i)
            series.append({"period": label, "start": start.isoformat(), "n_comments": len(idx),
                           "below_min_count": len(idx) < self.min_count, "sentiment": self.sentiment(idx),
                           "overall": self.score_block(idx), "themes": self._period_themes(idx)})
        out = {"unit": unit, "date_column": date_column, "n_undated": int(len(dates) - len(dated)),
               "min_count": self.min_count, "series": series, "emerging": self._emerging(period_of, len(labels)),
               "emerging_method": (
                   "share of comments in the last period against all earlier periods, one-sided two-proportion z "
                   f"test; emerging when {'the Benjamini-Hochberg q across the themes tested' if self.fdr else 'p'} "
                   f"is at most 5% and the theme has at least {EMERGING_MIN_MENTIONS} comments in the last period")}
        if self.agg.n_implausible_dates:
            out["n_placeholder_dates"] = self.agg.n_implausible_dates
        return out

    def _period_themes(self, idx: np.ndarray) -> dict[str, Any]:
        out = {}
        for theme_id, _, column in self.rows:
            sentiment = column[idx]
            mentioned = ~np.isnan(sentiment)
            count = int(mentioned.sum())
            if count == 0:
                continue
            scores = {}
            for kind in self.kinds:
                values = self.agg.scores[kind][idx][mentioned]
                values = values[~np.isnan(values)]
                scores[kind] = {"value": value_of(self.metrics[kind], values), "n": len(values)}
            out[theme_id] = {"count": count, "share": count / len(idx),
                             "sentiment": float(sentiment[mentioned].astype(np.float64).mean()), "scores": scores}
        return out

    def _emerging(self, period_of: np.ndarray, n_periods: int) -> list[dict[str, Any]]:
        """Themes whose share of comments rose in the last period against all earlier ones."""
        if n_periods < 2:
            return []
        last = period_of == n_periods - 1
        before = (period_of >= 0) & ~last
        n_last, n_before = int(last.sum()), int(before.sum())
        out: list[dict[str, Any]] = []
        for theme_id, _, column in self.rows:
            mentioned = ~np.isnan(column)
            k_last, k_before = int((mentioned & last).sum()), int((mentioned & before).sum())
            if k_last + k_before == 0:
                continue
            z = rising_share_z(k_last, n_last, k_before, n_before)
            out.append({
                "theme": theme_id, "share_last": k_last / n_last if n_last else None,
                "share_before": k_before / n_before if n_before else None,
                "count_last": k_last, "count_before": k_before, "z": z,
                "p": normal_p(z, two_sided=False),
            })
        mark_significant(out, fdr=self.fdr)
        for entry in out:
            entry["emerging"] = bool(entry.pop("significant") and entry["z"] is not None and entry["z"] > 0
                                     and entry["count_last"] >= EMERGING_MIN_MENTIONS)
        out.sort(key=lambda e: (-e["z"] if e["z"] is not None else math.inf, e["theme"]))
        return out

    def mismatch(self) -> dict[str, Any]:
        """How many comments' text and score disagree, with the most striking examples."""
        judged = np.zeros(self.agg.n_comments, dtype=bool)
        for kind, _, _ in MISMATCH_RULES:
            if kind in self.agg.scores:
                judged |= ~np.isnan(self.agg.scores[kind])
        n_judged = int(judged.sum())
        high = int((self.agg.mismatch == 1).sum())
        low = int((self.agg.mismatch == 2).sum())
        rules = "; ".join(f"{kind}: high >= {h:g}, low <= {lo:g}" for kind, h, lo in MISMATCH_RULES)
        return {
            "rule": f"text sentiment label (VADER thresholds) against the first score present ({rules}); "
                    f"{HIGH_SCORE_COMPLAINT}: high score, negative text; {LOW_SCORE_PRAISE}: low score, positive text",
            "n_judged": n_judged, HIGH_SCORE_COMPLAINT: high, LOW_SCORE_PRAISE: low,
            "share": (high + low) / n_judged if n_judged else None,
            "examples": self.agg.examples,
        }


def _plain(value: Any) -> Any:
    """JSON-ready copy: floats rounded to 4 decimals, NaN as None, tuples and numpy types as lists/numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return round(float(value), 4) if math.isfinite(value) else None
    return value
