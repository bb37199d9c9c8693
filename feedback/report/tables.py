"""The report's tables as display strings, shared by the text, Markdown and HTML renderers.

Every figure a person reads is formatted here (`number`, `interval`), so the three renderers
show the same figures with the same rounding; they differ only in markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from .dates import FIRST_YEAR, LAST_YEAR

N_DRIVERS = 12  # driver rows shown per score (JSON has them all)
UNCERTAIN_NOTE = "~ the 95% interval includes 0: not distinguishable from no effect"
HIGHER, LOWER = "▲", "▼"  # a segment significantly above / below the rest
N_SEGMENT_THEMES = 8  # theme columns of the theme-share-by-segment table
N_PAIRS = 12  # co-occurring pairs shown


def uncertain_note(report: dict[str, Any]) -> str:
    """What "~" means, with the multiple-testing control the report applied."""
    if report.get("multiple_testing", {}).get("fdr"):
        return ("~ not distinguishable from no effect: the 95% interval includes 0, or the effect does not pass the "
                "Benjamini-Hochberg false discovery rate control at 5% across the table's effects.")
    return UNCERTAIN_NOTE


def number(value: float | None, digits: int = 1, *, sign: bool = False, percent: bool = False) -> str:
    """Format a number for people; None is a dash.

    value (float | None): The number (a fraction when `percent`).
    digits (int): Decimals.
    sign (bool): Always show the sign.
    percent (bool): Multiply by 100 and add "%".
    RETURNS (str): The text.
    """
    if value is None:
        return "–"
    if percent:
        value *= 100
    if round(value, digits) == 0:
        value = 0.0  # no "-0.0"
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text + ("%" if percent else "")


def interval(ci: Sequence[float] | None, digits: int = 1) -> str:
    """Format a 95% interval as "[low, high]" ("" when there is none)."""
    return "" if not ci else f"[{number(ci[0], digits)}, {number(ci[1], digits)}]"


def digits_for(metric: dict[str, Any]) -> int:
    """Decimals worth showing: NPS points, CSAT % and hours to 1, means on short scales to 2."""
    return 1 if metric.get("unit") in ("points", "%", "hours") else 2


def impact_digits(metric: dict[str, Any]) -> int:
    """Impacts are a fraction of the score: on a 1-5 or 1-7 mean they need a third decimal."""
    return digits_for(metric) + (1 if not metric.get("unit") else 0)


def score_title(metric: dict[str, Any]) -> str:
    """"NPS (points)", "CSAT (%)", "TTR (median hours)", "CES", ..."""
    unit = metric.get("unit") or ""
    if metric.get("statistic") == "median":
        unit = f"median {unit}".strip()
    return f"{metric['name']} ({unit})" if unit else str(metric["name"])


@dataclass
class DisplayTable:
    """A titled table of display strings, shared by the text, Markdown and HTML renderers."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    align: str  # one letter per column: "l" or "r"
    note: str = ""
    row_classes: list[str] = field(default_factory=list)  # "sub" for subtheme rows


def visible_themes(report: dict[str, Any], themes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Themes at or above the report's `min_count` (the rest stay in JSON and CSV, flagged)."""
    return [t for t in (report["themes"] if themes is None else themes) if not t.get("below_min_count")]


def _hidden_note(report: dict[str, Any], themes: list[dict[str, Any]]) -> str:
    hidden = len(themes) - len(visible_themes(report, themes))
    if not hidden:
        return ""
    return (f"{hidden} theme(s) with fewer than {report['options']['min_count']} comments not shown "
            "(in JSON and CSV, flagged below_min_count).")


def headline_table(report: dict[str, Any]) -> DisplayTable:
    """Each score over all comments."""
    rows = []
    for kind, metric in report["metrics"].items():
        est = report["overall"][kind]
        d = digits_for(metric)
        note = metric["description"] + ("; lower is better" if metric["better"] == "lower" else "")
        if "mean" in est:
            note += f"; mean {number(est['mean'], d)} {interval(est.get('mean_ci95'), d)}"
        rows.append([score_title(metric), number(est["value"], d), interval(est["ci95"], d), str(est["n"]), note])
    return DisplayTable(f"Scores over {report['n_comments']} comments", ["score", "value", "95% CI", "n", "what"], rows,
                 "lrrrl")


def theme_table(report: dict[str, Any], themes: list[dict[str, Any]] | None = None, title: str = "Themes") -> DisplayTable:
    """Volume, sentiment, each score among the theme's comments, and mismatches."""
    themes = report["themes"] if themes is None else themes
    metrics = report["metrics"]
    judged = has_mismatch(report)
    headers = ["theme", "comments", "share", "sentiment", "negative", "positive"]
    headers += [score_title(m) for m in metrics.values()]
    headers += ["high score, complaint", "low score, praise"] if judged else []
    rows, classes = [], []
    for t in visible_themes(report, themes):
        row = [t["theme"], str(t["count"]), number(t["share"], 1, percent=True), number(t["sentiment"], 2, sign=True),
               number(t["share_negative"], 0, percent=True), number(t.get("share_positive"), 0, percent=True)]
        row += [number(t["scores"].get(k, {}).get("value"), digits_for(m)) for k, m in metrics.items()]
        if judged:
            mismatch = t.get("mismatch", {})
            row += [str(mismatch.get("high_score_complaint", 0)), str(mismatch.get("low_score_praise", 0))]
        rows.append(row)
        classes.append("sub" if t.get("level") == 2 else "")
    note = ("Score columns: the score among comments that mention the theme. " if metrics else "")
    note += ("Sentiment: mean of each comment's mean mention sentiment (-1..1); negative/positive: share of those "
             "comments at or below -0.05 / at or above 0.05. " + _hidden_note(report, themes))
    return DisplayTable(title, headers, rows, "l" + "r" * (len(headers) - 1), note.strip(), classes)


def has_mismatch(report: dict[str, Any]) -> bool:
    """Whether any comment carried a score the text can disagree with (NPS, CSAT or a rating)."""
    return bool(report.get("mismatch", {}).get("n_judged"))


def missing_scores_note(report: dict[str, Any]) -> str:
    """What the score sections would need, when the records carry no score ("" when they do)."""
    if report["metrics"]:
        return ""
    return ("No scores in these records, so there is no impact on scores, no key drivers and no check of text "
            "against score. They need a numeric column per comment: NPS (0-10), CSAT (1-5), CES (1-7), time to "
            "resolution (hours) or a star rating. Map it when analysing, e.g. `feedback analyze export.csv "
            "--score nps=likelihood_to_recommend --score rating=Stars`, then run the report again.")


def sentiment_table(report: dict[str, Any]) -> DisplayTable:
    """Overall comment sentiment: mean with its interval and the negative / positive shares."""
    s = report.get("sentiment") or {}
    rows = [["comment sentiment (-1..1)", number(s.get("mean"), 2, sign=True), interval(s.get("ci95"), 3),
             str(s.get("n", 0)), number(s.get("share_negative"), 1, percent=True),
             number(s.get("share_positive"), 1, percent=True)]]
    return DisplayTable(f"Sentiment over {s.get('n', 0)} analysed comments",
                        ["", "mean", "95% CI", "n", "negative", "positive"], rows, "lrrrrr",
                        "Each comment's compound: the sentiment model's expected polarity where it read the comment "
                        "with confidence, else VADER's (sentences scored one by one); negative at or below -0.05, "
                        "positive at or above 0.05.")


def impact_rows(report: dict[str, Any], kind: str, themes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Visible themes that have the score, ordered as the theme table is."""
    return [t for t in visible_themes(report, themes) if t["scores"].get(kind, {}).get("impact") is not None]


def impact_table(report: dict[str, Any], kind: str) -> DisplayTable:
    """Theme impact on one score, with its interval."""
    metric = report["metrics"][kind]
    d, impact_d = digits_for(metric), impact_digits(metric)
    overall = report["overall"][kind]["value"]
    rows, classes = [], []
    for t in impact_rows(report, kind):
        s = t["scores"][kind]
        rows.append([t["theme"], str(s["n"]), number(s["value"], d), number(s["impact"], impact_d, sign=True),
                     interval(s["impact_ci95"], impact_d), "~" if s["impact_uncertain"] else ""])
        classes.append("sub" if t.get("level") == 2 else "")
    title = f"Impact on {score_title(metric)} (all comments: {number(overall, d)})"
    note = (f"impact = {metric['name']} of all comments minus {metric['name']} without the theme's comments"
            f"{'; lower is better' if metric['better'] == 'lower' else ''}. {uncertain_note(report)}")
    return DisplayTable(title, ["theme", "n", "score with theme", "impact", "95% CI", ""], rows, "lrrrrl", note, classes)


def driver_table(report: dict[str, Any], kind: str) -> DisplayTable:
    """The strongest drivers of one score."""
    metric = report["metrics"][kind]
    fit = report["drivers"]["scores"].get(kind, {})
    d = digits_for(metric)
    rows = [[f"{x['theme']} ({x['sentiment']})", str(x["count"]), number(x["effect"], d, sign=True),
             interval(x["ci95"], d), number(x["share"], 0, percent=True),
             number(x.get("relative_share"), 0, percent=True), "~" if x["uncertain"] else ""]
            for x in fit.get("drivers", [])[:N_DRIVERS]]
    if "r2" in fit:
        note = (f"n = {fit['n']}, R² = {number(fit['r2'], 2)}, ridge alpha = {fit['alpha']:.3g}; effect per comment on "
                f"{fit['target']}, in {metric['unit'] or 'score units'}. share: of the mean |SHAP value| of the ridge "
                f"fit; relative weight: Johnson's relative weight, share of the R² ({number(fit.get('ols_r2'), 3)}) "
                f"of a least-squares fit on the same indicators. {uncertain_note(report)}")
    else:
        note = fit.get("note", "")
    return DisplayTable(f"Drivers of {score_title(metric)}",
                        ["driver", "comments", "effect", "95% CI", "share", "relative weight", ""], rows,
                        "lrrrrrl", note)


def segment_table(report: dict[str, Any], seg: dict[str, Any] | None = None) -> DisplayTable:
    """Each segment's volume, sentiment and headline scores next to the overall, flagged against the rest."""
    seg = report["segments"] if seg is None else seg
    metrics = report["metrics"]
    first = next(iter(metrics), None)
    headers = [seg["by"], "comments", "share", "sentiment", "95% CI"] + [score_title(m) for m in metrics.values()]
    if first:
        headers.append(f"most negative impact on {metrics[first]['name']}")
    headers.append("themes above the rest")
    overall = report.get("sentiment") or {}
    rows = [["(all)", str(report["n_comments"]), "100.0%", number(overall.get("mean"), 2, sign=True),
             interval(overall.get("ci95"), 2)]
            + [number(report["overall"][k]["value"], digits_for(m)) for k, m in metrics.items()]
            + ([""] if first else []) + [""]]
    for g in seg["groups"]:
        versus = g.get("versus_rest", {})
        sentiment = g.get("sentiment", {})
        row = [g["segment"], str(g["n_comments"]), number(g["share"], 1, percent=True),
               number(sentiment.get("mean"), 2, sign=True) + _flag(versus.get("sentiment")),
               interval(sentiment.get("ci95"), 2)]
        row += [number(g["overall"][k]["value"], digits_for(m)) + _flag(versus.get("scores", {}).get(k))
                for k, m in metrics.items()]
        if first:
            row.append(_worst_theme(report, g["themes"], first))
        above = sorted(((t, theme_id) for theme_id, t in versus.get("themes", {}).items()
                        if t["significant"] and (t["difference"] or 0) > 0), key=lambda x: -x[0]["difference"])
        row.append(", ".join(f"{theme_id} {number(t['value'], 0, percent=True)} vs {number(t['rest'], 0, percent=True)}"
                             for t, theme_id in above[:3]))
        rows.append(row)
    note = f"{seg['n_segments']} distinct values" + (", the smallest pooled as (other)" if any(
        g["segment"] == "(other)" for g in seg["groups"]) else "") + ". " + _tests_note(seg)
    return DisplayTable(f"Segments by {seg['by']}", headers, rows, "lrrrr" + "r" * len(metrics) + "l" * (2 if first else 1),
                        note)


def segment_theme_table(report: dict[str, Any], seg: dict[str, Any]) -> DisplayTable:
    """Share of each segment's comments that mention each of the biggest themes, flagged against the rest."""
    top = [t["theme"] for t in visible_themes(report) if t.get("level") == 1][:N_SEGMENT_THEMES]
    headers = [seg["by"], "comments"] + top
    rows = [["(all)", str(report["n_comments"])] + [number(next(t["share"] for t in report["themes"]
                                                              if t["theme"] == theme), 1, percent=True) for theme in top]]
    for g in seg["groups"]:
        tests = g.get("versus_rest", {}).get("themes", {})
        shares = {t["theme"]: t["share"] for t in g["themes"]}
        rows.append([g["segment"], str(g["n_comments"])]
                    + [number(shares.get(theme, 0.0), 1, percent=True) + _flag(tests.get(theme)) for theme in top])
    return DisplayTable(f"Theme share by {seg['by']}", headers, rows, "lr" + "r" * len(top),
                        f"Share of the segment's comments that mention the theme. {HIGHER}/{LOWER}: significantly "
                        "above / below the other comments (tests as in the table above).")


def _flag(test: dict[str, Any] | None) -> str:
    if not test or not test.get("significant") or not test.get("difference"):
        return ""
    return " " + (HIGHER if test["difference"] > 0 else LOWER)


def _tests_note(seg: dict[str, Any]) -> str:
    if "tests" not in seg:
        return ""
    return f"{HIGHER}/{LOWER}: significantly above / below the other comments ({seg['tests']})."


def cooccurrence_table(report: dict[str, Any]) -> DisplayTable:
    """Pairs of themes mentioned in the same comment more often than chance."""
    co = report.get("cooccurrence") or {"pairs": [], "min_count": 0, "method": ""}
    pairs = [p for p in co["pairs"] if p["significant"] and p["lift"] > 1][:N_PAIRS]
    rows = [[f"{p['themes'][0]} + {p['themes'][1]}", str(p["count"]), number(p["lift"], 2),
             number(p["share_of_a"], 0, percent=True), number(p["share_of_b"], 0, percent=True)] for p in pairs]
    note = (f"Lift: how many times more often the two are mentioned together than if they were unrelated; pairs seen "
            f"together at least {co['min_count']} times that pass the test ({co['method']}"
            + ("; Benjamini-Hochberg FDR 5% across the pairs" if report.get("multiple_testing", {}).get("fdr") else "")
            + ").")
    return DisplayTable("Themes mentioned together", ["themes", "together", "lift", "of the first's comments",
                                                      "of the second's comments"], rows, "lrrrr", note)


def _worst_theme(report: dict[str, Any], themes: list[dict[str, Any]], kind: str) -> str:
    metric = report["metrics"][kind]
    sign = 1 if metric["better"] == "higher" else -1
    candidates = [t for t in impact_rows(report, kind, themes) if t.get("level") == 1]
    if not candidates:
        return ""
    worst = min(candidates, key=lambda t: sign * t["scores"][kind]["impact"])
    s = worst["scores"][kind]
    if sign * s["impact"] >= 0:
        return ""
    mark = " ~" if s["impact_uncertain"] else ""
    return f"{worst['theme']} {number(s['impact'], impact_digits(metric), sign=True)}{mark}"


def period_table(report: dict[str, Any]) -> DisplayTable:
    """Comments and headline scores per period."""
    per = report["periods"]
    metrics = report["metrics"]
    headers = [per["unit"], "comments", "sentiment"] + [score_title(m) for m in metrics.values()]
    rows = [[p["period"] + (" (few)" if p.get("below_min_count") else ""), str(p["n_comments"]),
             number(p.get("sentiment", {}).get("mean"), 2, sign=True)]
            + [number(p["overall"][k]["value"], digits_for(m)) for k, m in metrics.items()] for p in per["series"]]
    few = sum(1 for p in per["series"] if p.get("below_min_count"))
    note = (f"(few): fewer than {per.get('min_count')} comments, too few to read a change from ({few} "
            f"{per['unit']}s); the trend chart draws them dashed. " if few else "")
    note += f"{per['n_undated']} comment(s) without a readable {per['date_column']}." if per["n_undated"] else ""
    if per.get("n_placeholder_dates"):
        note += (f" {per['n_placeholder_dates']} of them have a placeholder date outside "
                 f"{FIRST_YEAR}-{LAST_YEAR} (such as 9999-12-31).")
    title = f"Scores per {per['unit']}" if metrics else f"Comments per {per['unit']}"
    return DisplayTable(title, headers, rows, "lrr" + "r" * len(metrics), note.strip())


def emerging_table(report: dict[str, Any]) -> DisplayTable:
    """Theme share in the last period against the earlier ones."""
    per = report["periods"]
    last = per["series"][-1]["period"] if per["series"] else ""
    rows = [[e["theme"], number(e["share_before"], 1, percent=True), number(e["share_last"], 1, percent=True),
             str(e["count_last"]), number(e["z"], 1), _p_text(e.get("q") if e.get("q") is not None else e.get("p")),
             "emerging" if e["emerging"] else ""]
            for e in per["emerging"] if e["theme"] in {t["theme"] for t in visible_themes(report)}]
    fdr = report.get("multiple_testing", {}).get("fdr")
    note = "emerging: " + per.get("emerging_method", "") + "."
    return DisplayTable(f"Emerging themes: {last} against earlier {per['unit']}s",
                        ["theme", "share before", f"share {last}", f"comments {last}", "z", "q (BH)" if fdr else "p", ""],
                        rows, "lrrrrrl", note)


def _p_text(p: float | None) -> str:
    if p is None:
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def mismatch_table(report: dict[str, Any]) -> DisplayTable:
    """Per theme: comments whose text and score disagree."""
    mismatch = report["mismatch"]
    rows = [[t["theme"], str(t["mismatch"]["high_score_complaint"]), str(t["mismatch"]["low_score_praise"]),
             str(t["count"])] for t in visible_themes(report)
            if t["mismatch"]["high_score_complaint"] or t["mismatch"]["low_score_praise"]]
    share = number(mismatch["share"], 1, percent=True)
    title = (f"Text and score disagree: {mismatch['high_score_complaint']} high scores with a complaint, "
             f"{mismatch['low_score_praise']} low scores with praise ({share} of {mismatch['n_judged']})")
    return DisplayTable(title, ["theme", "high score, complaint", "low score, praise", "comments"], rows, "lrrr",
                 mismatch["rule"])


def scores_text(scores: dict[str, Any]) -> str:
    """A quote's scores as "nps 9, csat 5"."""
    return ", ".join(f"{k} {v:g}" for k, v in scores.items())



def report_tables(report: dict[str, Any]) -> list[DisplayTable]:
    """Every table of the text and Markdown reports, in reading order."""
    tables = [headline_table(report)] if report["metrics"] else []
    tables += [sentiment_table(report), theme_table(report)]
    tables += [impact_table(report, kind) for kind in report["metrics"]]
    tables += [driver_table(report, kind) for kind in report["metrics"]]
    tables.append(cooccurrence_table(report))
    for seg in segmentations(report):
        tables += [segment_table(report, seg), segment_theme_table(report, seg)]
    if report["periods"]:
        tables += [period_table(report), emerging_table(report)]
    if has_mismatch(report):
        tables.append(mismatch_table(report))
    return tables


def segmentations(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every segmentation of the report (one per `--by` column)."""
    if report.get("segmentations"):
        return list(report["segmentations"])
    return [report["segments"]] if report.get("segments") else []


def unthemed_note(report: dict[str, Any]) -> str:
    """"41 (6.8%) with no theme": the share the taxonomy does not cover."""
    n, total = report.get("n_unthemed", 0), report["n_comments"]
    note = f"{n} ({100 * n / total:.1f}%) with no theme" if total else "no comments"
    apart = [f"{k} {what}" for k, what in ((report.get("n_no_answer", 0), "non-answers"),
                                           (report.get("n_not_english", 0), "not in English")) if k]
    if apart:
        note += f" ({' and '.join(apart)}: scores only)"
    return note


def report_notes(report: dict[str, Any]) -> list[str]:
    """Sentences about the whole report: filters, decoded text, missing scores, multiple testing."""
    notes = []
    where = report["options"].get("where") or []
    if where:
        notes.append(f"Only comments where {' and '.join(where)} ({report.get('n_filtered_out', 0)} others left out).")
    if report.get("n_entities_decoded"):
        notes.append(f"{report['n_entities_decoded']} comment(s) carried HTML character references such as &amp; or "
                     "&#34;; they were decoded once when read, so quotes show the characters the customer typed.")
    if missing_scores_note(report):
        notes.append(missing_scores_note(report))
    testing = report.get("multiple_testing") or {}
    if testing.get("fdr"):
        notes.append("Multiple testing: each family of tests (impacts, drivers, segment differences, emerging themes, "
                     "co-occurring pairs) is controlled with the Benjamini-Hochberg false discovery rate at 5% "
                     "(--no-fdr: each test at 5% on its own).")
    return notes
