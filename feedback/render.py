"""Render a report dict (feedback.report) as a text table, JSON, Markdown, CSV or HTML.

Renderers only format: every number comes from the report. Text, Markdown and HTML share the
same table builders, so they show the same figures with the same rounding.
"""

from __future__ import annotations

import csv
import html as _html
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from . import html as h

FORMATS = ("text", "json", "md", "csv", "html")
_EXTENSIONS = {".json": "json", ".md": "md", ".markdown": "md", ".csv": "csv", ".html": "html", ".htm": "html",
               ".txt": "text"}
N_DRIVERS = 12  # driver rows shown per score (JSON has them all)
N_TREND_LINES = 6
CSV_COLUMNS = ("segment", "theme", "level", "count", "share", "sentiment", "share_negative", "below_min_count",
               "score", "value", "n", "ci95_low", "ci95_high", "mean", "impact", "impact_ci95_low",
               "impact_ci95_high", "impact_uncertain")
# OWASP "CSV Injection": cells starting with these are formulas to Excel/LibreOffice/Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_WHITESPACE = re.compile(r"\s+")
UNCERTAIN_NOTE = "~ the 95% interval includes 0: not distinguishable from no effect"


def format_for(path: str, fmt: str | None = None) -> str:
    """Pick the output format from --format or the output file's extension.

    path (str): The output path, "-" for stdout.
    fmt (str | None): An explicit format, which wins.
    RETURNS (str): One of FORMATS; "text" for stdout or an unknown extension.
    """
    if fmt:
        return fmt
    return _EXTENSIONS.get(Path(path).suffix.lower(), "text") if path != "-" else "text"


def render(report: dict[str, Any], fmt: str) -> str:
    """Render a report.

    report (dict): What feedback.report.make_report returned.
    fmt (str): One of FORMATS.
    RETURNS (str): The document, ending with a newline.
    """
    renderers: dict[str, Callable[[dict[str, Any]], str]] = {
        "text": render_text, "json": render_json, "md": render_markdown, "csv": render_csv, "html": render_html,
    }
    if fmt not in renderers:
        raise ValueError(f"Unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return renderers[fmt](report)


# ---------------------------------------------------------------------------------------------
# Numbers and shared tables


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
class Table:
    """A titled table of display strings, shared by the text, Markdown and HTML renderers."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    align: str  # one letter per column: "l" or "r"
    note: str = ""
    row_classes: list[str] = field(default_factory=list)  # "sub" for subtheme rows


def visible_themes(report: dict[str, Any], themes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Themes at or above --min-count (the rest stay in JSON and CSV, flagged)."""
    return [t for t in (report["themes"] if themes is None else themes) if not t.get("below_min_count")]


def _hidden_note(report: dict[str, Any], themes: list[dict[str, Any]]) -> str:
    hidden = len(themes) - len(visible_themes(report, themes))
    if not hidden:
        return ""
    return (f"{hidden} theme(s) with fewer than {report['options']['min_count']} comments not shown "
            "(in JSON and CSV, flagged below_min_count).")


def headline_table(report: dict[str, Any]) -> Table:
    """Each score over all comments."""
    rows = []
    for kind, metric in report["metrics"].items():
        est = report["overall"][kind]
        d = digits_for(metric)
        note = metric["description"] + ("; lower is better" if metric["better"] == "lower" else "")
        if "mean" in est:
            note += f"; mean {number(est['mean'], d)} {interval(est.get('mean_ci95'), d)}"
        rows.append([score_title(metric), number(est["value"], d), interval(est["ci95"], d), str(est["n"]), note])
    return Table(f"Scores over {report['n_comments']} comments", ["score", "value", "95% CI", "n", "what"], rows,
                 "lrrrl")


def theme_table(report: dict[str, Any], themes: list[dict[str, Any]] | None = None, title: str = "Themes") -> Table:
    """Volume, sentiment, each score among the theme's comments, and mismatches."""
    themes = report["themes"] if themes is None else themes
    metrics = report["metrics"]
    headers = ["theme", "comments", "share", "sentiment", "negative"] + [score_title(m) for m in metrics.values()]
    headers += ["high score, complaint", "low score, praise"]
    rows, classes = [], []
    for t in visible_themes(report, themes):
        row = [t["theme"], str(t["count"]), number(t["share"], 1, percent=True), number(t["sentiment"], 2, sign=True),
               number(t["share_negative"], 0, percent=True)]
        row += [number(t["scores"].get(k, {}).get("value"), digits_for(m)) for k, m in metrics.items()]
        mismatch = t.get("mismatch", {})
        row += [str(mismatch.get("high_score_complaint", 0)), str(mismatch.get("low_score_praise", 0))]
        rows.append(row)
        classes.append("sub" if t.get("level") == 2 else "")
    note = ("Score columns: the score among comments that mention the theme. Sentiment: mean of each comment's "
            "mean mention sentiment (-1..1). " + _hidden_note(report, themes))
    return Table(title, headers, rows, "lrrrr" + "r" * (len(metrics) + 2), note.strip(), classes)


def impact_rows(report: dict[str, Any], kind: str, themes: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """Visible themes that have the score, ordered as the theme table is."""
    return [t for t in visible_themes(report, themes) if t["scores"].get(kind, {}).get("impact") is not None]


def impact_table(report: dict[str, Any], kind: str) -> Table:
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
            f"{'; lower is better' if metric['better'] == 'lower' else ''}. {UNCERTAIN_NOTE}")
    return Table(title, ["theme", "n", "score with theme", "impact", "95% CI", ""], rows, "lrrrrl", note, classes)


def driver_table(report: dict[str, Any], kind: str) -> Table:
    """The strongest drivers of one score."""
    metric = report["metrics"][kind]
    fit = report["drivers"]["scores"].get(kind, {})
    d = digits_for(metric)
    rows = [[f"{x['theme']} ({x['sentiment']})", str(x["count"]), number(x["effect"], d, sign=True),
             interval(x["ci95"], d), number(x["share"], 0, percent=True), "~" if x["uncertain"] else ""]
            for x in fit.get("drivers", [])[:N_DRIVERS]]
    if "r2" in fit:
        note = (f"n = {fit['n']}, R² = {number(fit['r2'], 2)}, ridge alpha = {fit['alpha']:.3g}; effect per comment on "
                f"{fit['target']}, in {metric['unit'] or 'score units'}. {UNCERTAIN_NOTE}")
    else:
        note = fit.get("note", "")
    return Table(f"Drivers of {score_title(metric)}", ["driver", "comments", "effect", "95% CI", "share", ""], rows,
                 "lrrrrl", note)


def segment_table(report: dict[str, Any]) -> Table:
    """Each segment's headline scores next to the overall, with its most harmful theme."""
    seg = report["segments"]
    metrics = report["metrics"]
    first = next(iter(metrics), None)
    headers = [seg["by"], "comments", "share"] + [score_title(m) for m in metrics.values()]
    if first:
        headers.append(f"most negative impact on {metrics[first]['name']}")
    rows = [["(all)", str(report["n_comments"]), "100.0%"]
            + [number(report["overall"][k]["value"], digits_for(m)) for k, m in metrics.items()]
            + ([""] if first else [])]
    for g in seg["groups"]:
        row = [g["segment"], str(g["n_comments"]), number(g["share"], 1, percent=True)]
        row += [number(g["overall"][k]["value"], digits_for(m)) for k, m in metrics.items()]
        if first:
            worst = _worst_theme(report, g["themes"], first)
            row.append(worst)
        rows.append(row)
    note = f"{seg['n_segments']} distinct values" + (", the smallest pooled as (other)" if any(
        g["segment"] == "(other)" for g in seg["groups"]) else "")
    return Table(f"Segments by {seg['by']}", headers, rows, "lrr" + "r" * len(metrics) + "l", note)


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


def period_table(report: dict[str, Any]) -> Table:
    """Comments and headline scores per period."""
    per = report["periods"]
    metrics = report["metrics"]
    headers = [per["unit"], "comments"] + [score_title(m) for m in metrics.values()]
    rows = [[p["period"], str(p["n_comments"])] + [number(p["overall"][k]["value"], digits_for(m))
                                                  for k, m in metrics.items()] for p in per["series"]]
    note = f"{per['n_undated']} comment(s) without a readable {per['date_column']}." if per["n_undated"] else ""
    return Table(f"Scores per {per['unit']}", headers, rows, "lr" + "r" * len(metrics), note)


def emerging_table(report: dict[str, Any]) -> Table:
    """Theme share in the last period against the earlier ones."""
    per = report["periods"]
    last = per["series"][-1]["period"] if per["series"] else ""
    rows = [[e["theme"], number(e["share_before"], 1, percent=True), number(e["share_last"], 1, percent=True),
             str(e["count_last"]), number(e["z"], 1), "emerging" if e["emerging"] else ""]
            for e in per["emerging"] if e["theme"] in {t["theme"] for t in visible_themes(report)}]
    note = ("emerging: share of comments higher in the last period, two-proportion z >= 1.96, at least 5 "
            "comments in the last period.")
    return Table(f"Emerging themes: {last} against earlier {per['unit']}s",
                 ["theme", "share before", f"share {last}", f"comments {last}", "z", ""], rows, "lrrrrl", note)


def mismatch_table(report: dict[str, Any]) -> Table:
    """Per theme: comments whose text and score disagree."""
    mismatch = report["mismatch"]
    rows = [[t["theme"], str(t["mismatch"]["high_score_complaint"]), str(t["mismatch"]["low_score_praise"]),
             str(t["count"])] for t in visible_themes(report)
            if t["mismatch"]["high_score_complaint"] or t["mismatch"]["low_score_praise"]]
    share = number(mismatch["share"], 1, percent=True)
    title = (f"Text and score disagree: {mismatch['high_score_complaint']} high scores with a complaint, "
             f"{mismatch['low_score_praise']} low scores with praise ({share} of {mismatch['n_judged']})")
    return Table(title, ["theme", "high score, complaint", "low score, praise", "comments"], rows, "lrrr",
                 mismatch["rule"])


def _scores_text(scores: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in scores.items())


# ---------------------------------------------------------------------------------------------
# JSON, text, CSV


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON (UTF-8, no NaN)."""
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _tables(report: dict[str, Any]) -> list[Table]:
    tables = [headline_table(report), theme_table(report)]
    tables += [impact_table(report, kind) for kind in report["metrics"]]
    tables += [driver_table(report, kind) for kind in report["metrics"]]
    if report["segments"]:
        tables.append(segment_table(report))
    if report["periods"]:
        tables += [period_table(report), emerging_table(report)]
    tables.append(mismatch_table(report))
    return tables


def unthemed_note(report: dict[str, Any]) -> str:
    """"41 (6.8%) with no theme": the share the taxonomy does not cover."""
    n, total = report.get("n_unthemed", 0), report["n_comments"]
    return f"{n} ({100 * n / total:.1f}%) with no theme" if total else "no comments"


def render_text(report: dict[str, Any]) -> str:
    """Aligned plain-text tables for a terminal."""
    out = [f"feedback report: {report['n_comments']} comments"
           + (f" ({report['n_skipped']} error records skipped)" if report["n_skipped"] else "")
           + f"; {unthemed_note(report)}"]
    for table in _tables(report):
        out.append("")
        out.append(table.title)
        out.append("=" * min(len(table.title), 100))
        cells = [table.headers] + [[("  " if cls == "sub" and i == 0 else "") + c for i, c in enumerate(row)]
                                   for row, cls in zip(table.rows, table.row_classes or [""] * len(table.rows))]
        widths = [max(len(r[i]) for r in cells) for i in range(len(table.headers))]
        for row in cells:
            line = "  ".join(c.rjust(w) if table.align[i] == "r" else c.ljust(w)
                             for i, (c, w) in enumerate(zip(row, widths)))
            out.append(line.rstrip())
        if table.note:
            out.append(table.note)
    return "\n".join(out) + "\n"


def _csv_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula; numbers pass untouched.

    Only strings are prefixed with "'" (OWASP), so -12.5 in a numeric column stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def render_csv(report: dict[str, Any]) -> str:
    """One row per theme x score (then per segment x theme x score), safe to open in Excel."""
    buffer = io.StringIO()
    # QUOTE_NONNUMERIC quotes every text cell, as OWASP advises, and leaves numbers bare.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    groups = (report["segments"] or {}).get("groups", [])
    scopes = [("", report["themes"])] + [(g["segment"], g["themes"]) for g in groups]
    for segment, themes in scopes:
        for t in themes:
            for kind, s in t["scores"].items():
                ci, impact_ci = s.get("ci95") or [None, None], s.get("impact_ci95") or [None, None]
                row = [segment, t["theme"], t["level"], t["count"], t["share"], t["sentiment"], t["share_negative"],
                       t["below_min_count"], kind, s["value"], s["n"], ci[0], ci[1], s.get("mean"), s["impact"],
                       impact_ci[0], impact_ci[1], s["impact_uncertain"]]
                writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Markdown


def md_escape(text: str) -> str:
    """Escape text for Markdown: no emphasis, links, tables or raw HTML can come from it."""
    text = _WHITESPACE.sub(" ", str(text))  # a line break would end a table row or a quote
    return _html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


def md_highlighted(text: str, spans: Sequence[Sequence[int]]) -> str:
    """Escaped Markdown with the evidence spans in bold."""
    out, position = [], 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < position or end > len(text):
            continue
        out.append(md_escape(text[position:start]))
        out.append(f"**{md_escape(text[start:end])}**")
        position = end
    out.append(md_escape(text[position:]))
    return "".join(out)


def _md_table(table: Table) -> str:
    lines = [f"### {md_escape(table.title)}", ""]
    if not table.rows:
        return "\n".join(lines + ["(none)", ""])
    lines.append("| " + " | ".join(md_escape(h) for h in table.headers) + " |")
    lines.append("|" + "|".join("---:" if a == "r" else "---" for a in table.align) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(c) or " " for c in row) + " |")
    if table.note:
        lines += ["", f"_{md_escape(table.note)}_"]
    return "\n".join(lines + [""])


def render_markdown(report: dict[str, Any]) -> str:
    """Markdown for a ticket or a wiki page; quotes have their evidence in bold."""
    out = ["# Customer feedback report", "",
           f"{report['n_comments']} comments; {unthemed_note(report)}. "
           f"Generated by {md_escape(report['generated_by'])}.", ""]
    for table in _tables(report):
        out.append(_md_table(table))
    examples = report["mismatch"]["examples"]
    for kind, title in (("high_score_complaint", "High score, complaint"), ("low_score_praise", "Low score, praise")):
        if examples.get(kind):
            out += [f"#### {title}", ""]
            out += [f"> “{md_escape(e['text'])}” — {md_escape(e['id'])}, {md_escape(_scores_text(e['scores']))}\n"
                    for e in examples[kind]]
    out += ["## Quotes", ""]
    for t in visible_themes(report):
        quotes = report["quotes"].get(t["theme"], {})
        if not quotes.get("negative") and not quotes.get("positive"):
            continue
        out += [f"### {md_escape(t['theme'])}", ""]
        for side in ("negative", "positive"):
            for q in quotes.get(side, []):
                out.append(f"> {'−' if side == 'negative' else '+'} “{md_highlighted(q['text'], q['evidence'])}” — "
                           f"{md_escape(q['id'])}, sentiment {number(q['sentiment'], 2, sign=True)}"
                           f"{', ' + md_escape(_scores_text(q['scores'])) if q['scores'] else ''}\n")
    return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------------------------
# HTML


def _html_table(table: Table, *, raw_columns: frozenset[int] = frozenset()) -> str:
    parts = [f"<h3>{h.esc(table.title)}</h3>"]
    if table.rows:
        parts.append(h.table(table.headers, table.rows, align=table.align, raw_columns=raw_columns,
                             row_classes=table.row_classes or None))
    else:
        parts.append('<p class="note">None.</p>')
    if table.note:
        parts.append(f'<p class="note">{h.esc(table.note)}</p>')
    return "".join(parts)


def _cards(report: dict[str, Any]) -> str:
    cards = []
    for kind, metric in report["metrics"].items():
        est = report["overall"][kind]
        d = digits_for(metric)
        extra = f" · mean {number(est['mean'], d)}" if "mean" in est else ""
        cards.append(
            f'<div class="card"><div class="name">{h.esc(score_title(metric))}</div>'
            f'<div class="value">{h.esc(number(est["value"], d))}</div>'
            f'<div class="ci">95% CI {h.esc(interval(est["ci95"], d))} · n {est["n"]}{h.esc(extra)}</div>'
            f'<div class="ci">{h.esc(metric["description"])}</div></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def _impact_figure(report: dict[str, Any], kind: str) -> str:
    metric = report["metrics"][kind]
    d = digits_for(metric)
    bars = []
    for t in impact_rows(report, kind):
        s = t["scores"][kind]
        low, high = s["impact_ci95"] or (None, None)
        subtheme = t.get("level") == 2
        label = t["theme"].split("/", 1)[1] if subtheme else t["theme"]
        bars.append(h.Bar(label, s["impact"], low, high, bool(s["impact_uncertain"]), indent=subtheme))
    if not bars:
        return ""
    title = f"Impact on {score_title(metric)}"
    chart = h.impact_chart(bars, title=title, better=metric["better"], digits=impact_digits(metric))
    overall = number(report["overall"][kind]["value"], d)
    caption = (f"{h.esc(title)}: {h.esc(metric['name'])} of all comments "
               f"({h.esc(overall)}) minus {h.esc(metric['name'])} without the theme. "
               f"Whiskers: 95% interval; pale bars are not distinguishable from zero."
               f"{' Lower is better.' if metric['better'] == 'lower' else ''}")
    return f"<figure>{chart}<figcaption>{caption}</figcaption></figure>"


def _trend_figure(report: dict[str, Any]) -> str:
    per = report["periods"]
    series = per["series"]
    themes = [t for t in visible_themes(report) if t.get("level") == 1]
    emerging = [e["theme"] for e in per["emerging"] if e["emerging"]]
    chosen = [t["theme"] for t in themes if t["theme"] in emerging]
    chosen += [t["theme"] for t in themes if t["theme"] not in chosen][:max(0, N_TREND_LINES - len(chosen))]
    lines = [h.Series(theme + (" (emerging)" if theme in emerging else ""),
                      [p["themes"].get(theme, {}).get("share", 0.0) if p["n_comments"] else None for p in series],
                      emphasis=theme in emerging) for theme in chosen]
    chart = h.line_chart([p["period"] for p in series], lines, title=f"Share of comments per {per['unit']}")
    return (f"<figure>{chart}<figcaption>Share of comments mentioning each theme per {h.esc(per['unit'])}; "
            "emerging themes are drawn thicker.</figcaption></figure>")


def _driver_html(report: dict[str, Any], kind: str) -> str:
    table = driver_table(report, kind)
    fit = report["drivers"]["scores"].get(kind, {})
    for row, driver in zip(table.rows, fit.get("drivers", [])):
        row[4] = h.share_bar(driver["share"] / max(d["share"] for d in fit["drivers"]) if driver["share"] else 0.0) \
            + " " + h.esc(row[4])
    return _html_table(table, raw_columns=frozenset({4}))


def _quote_html(q: dict[str, Any], side: str) -> str:
    scores = h.esc(_scores_text(q["scores"]))
    return (f'<blockquote class="{"neg" if side == "negative" else "pos"}">{h.highlighted(q["text"], q["evidence"])}'
            f'<span class="meta">{h.esc(q["id"])} · sentiment {h.esc(number(q["sentiment"], 2, sign=True))}'
            f'{" · " + scores if scores else ""}</span></blockquote>')


def render_html(report: dict[str, Any]) -> str:
    """One self-contained HTML page: no script, no network, charts as inline SVG."""
    options = report["options"]
    parts = ["<h1>Customer feedback report</h1>",
             f'<p class="sub">{report["n_comments"]} comments'
             + (f", {report['n_skipped']} error records skipped" if report["n_skipped"] else "")
             + f" · {h.esc(unthemed_note(report))}"
             + f" · depth {options['depth']} · min count {options['min_count']} · {h.esc(report['generated_by'])}</p>",
             _cards(report)]
    parts.append("<h2>What moves the scores</h2>")
    parts.append('<div class="grid2">' + "".join(_impact_figure(report, kind) for kind in report["metrics"]) + "</div>")
    top = [t for t in visible_themes(report) if t.get("level") == 1]
    if top:
        points = [h.Point(t["theme"], t["share"], t["sentiment"]) for t in top]
        parts.append("<h2>Volume and sentiment</h2>")
        parts.append(f"<figure>{h.scatter_chart(points, title='Share of comments and mean sentiment per theme')}"
                     "<figcaption>Right: talked about more. Up: said more warmly.</figcaption></figure>")
    if report["periods"]:
        parts.append(f"<h2>Trends per {h.esc(report['periods']['unit'])}</h2>")
        parts.append(_trend_figure(report))
        parts.append(_html_table(emerging_table(report)))
        parts.append(_html_table(period_table(report)))
    parts.append("<h2>Key drivers</h2>")
    parts.append(f'<p class="note">{h.esc(report["drivers"]["method"])}.</p>')
    parts.append("".join(_driver_html(report, kind) for kind in report["metrics"]))
    if report["segments"]:
        parts.append("<h2>Segments</h2>")
        parts.append(_html_table(segment_table(report)))
    parts.append("<h2>Themes</h2>")
    parts.append(_html_table(theme_table(report, title="Volume, sentiment and scores per theme")))
    parts.append("<h2>Text and score disagree</h2>")
    parts.append(_html_table(mismatch_table(report)))
    examples = report["mismatch"]["examples"]
    for kind, title, side in (("high_score_complaint", "High score, complaint", "negative"),
                              ("low_score_praise", "Low score, praise", "positive")):
        if examples.get(kind):
            quotes = "".join(_quote_html({**e, "evidence": []}, side) for e in examples[kind])
            parts.append(f"<h3>{title}</h3>{quotes}")
    parts.append("<h2>Quotes</h2>")
    for t in visible_themes(report):
        quotes = report["quotes"].get(t["theme"], {})
        if quotes.get("negative") or quotes.get("positive"):
            parts.append(f"<h3>{h.esc(t['theme'])}</h3>")
            parts.append("".join(_quote_html(q, side) for side in ("negative", "positive")
                                 for q in quotes.get(side, [])))
    return h.page("Customer feedback report", "\n".join(parts))
