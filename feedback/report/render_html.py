"""Render a report dict as one self-contained HTML page: no network, charts as inline SVG.

Tables come from feedback.report.tables (the figures the text and Markdown reports show),
markup from feedback.report.page, charts from feedback.report.charts. Given the comments
(feedback.report.interactive), the page gets an "Explore" section whose script filters them;
without, it has no script at all.
"""

from __future__ import annotations

from typing import Any

from . import charts, page
from .interactive import CommentSample, explorer
from .tables import (
    DisplayTable,
    digits_for,
    driver_table,
    emerging_table,
    impact_digits,
    impact_rows,
    interval,
    cooccurrence_table,
    has_mismatch,
    mismatch_table,
    number,
    period_table,
    report_notes,
    score_title,
    scores_text,
    segment_table,
    segment_theme_table,
    segmentations,
    theme_table,
    unthemed_note,
    visible_themes,
)

N_TREND_LINES = 6


def _html_table(table: DisplayTable, *, raw_columns: frozenset[int] = frozenset()) -> str:
    parts = [f"<h3>{page.esc(table.title)}</h3>"]
    if table.rows:
        parts.append(page.table(table.headers, table.rows, align=table.align, raw_columns=raw_columns,
                             row_classes=table.row_classes or None))
    else:
        parts.append('<p class="note">None.</p>')
    if table.note:
        parts.append(f'<p class="note">{page.esc(table.note)}</p>')
    return "".join(parts)


def _cards(report: dict[str, Any]) -> str:
    cards = []
    for kind, metric in report["metrics"].items():
        est = report["overall"][kind]
        d = digits_for(metric)
        extra = f" · mean {number(est['mean'], d)}" if "mean" in est else ""
        cards.append(
            f'<div class="card"><div class="name">{page.esc(score_title(metric))}</div>'
            f'<div class="value">{page.esc(number(est["value"], d))}</div>'
            f'<div class="ci">95% CI {page.esc(interval(est["ci95"], d))} · n {est["n"]}{page.esc(extra)}</div>'
            f'<div class="ci">{page.esc(metric["description"])}</div></div>')
    s = report.get("sentiment") or {}
    cards.append(
        f'<div class="card"><div class="name">Comment sentiment (-1..1)</div>'
        f'<div class="value">{page.esc(number(s.get("mean"), 2, sign=True))}</div>'
        f'<div class="ci">95% CI {page.esc(interval(s.get("ci95"), 3))} · n {s.get("n", 0)}</div>'
        f'<div class="ci">{page.esc(number(s.get("share_negative"), 0, percent=True))} negative · '
        f'{page.esc(number(s.get("share_positive"), 0, percent=True))} positive</div></div>')
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
        bars.append(charts.Bar(label, s["impact"], low, high, bool(s["impact_uncertain"]), indent=subtheme,
                               key=t["theme"]))
    if not bars:
        return ""
    title = f"Impact on {score_title(metric)}"
    chart = charts.impact_chart(bars, title=title, better=metric["better"], digits=impact_digits(metric))
    overall = number(report["overall"][kind]["value"], d)
    caption = (f"{page.esc(title)}: {page.esc(metric['name'])} of all comments "
               f"({page.esc(overall)}) minus {page.esc(metric['name'])} without the theme. "
               f"Whiskers: 95% interval; pale bars are not distinguishable from zero"
               + (" (the interval includes 0, or the impact does not pass the Benjamini-Hochberg false discovery "
                  "rate control at 5% across all themes and scores)." if report.get("multiple_testing", {}).get("fdr")
                  else ".")
               + (" Lower is better." if metric["better"] == "lower" else ""))
    return f"<figure>{chart}<figcaption>{caption}</figcaption></figure>"


def _trend_figure(report: dict[str, Any]) -> str:
    per = report["periods"]
    series = per["series"]
    themes = [t for t in visible_themes(report) if t.get("level") == 1]
    emerging = [e["theme"] for e in per["emerging"] if e["emerging"]]
    chosen = [t["theme"] for t in themes if t["theme"] in emerging]
    chosen += [t["theme"] for t in themes if t["theme"] not in chosen][:max(0, N_TREND_LINES - len(chosen))]
    lines = [charts.Series(theme + (" (emerging)" if theme in emerging else ""),
                      [p["themes"].get(theme, {}).get("share", 0.0) if p["n_comments"] else None for p in series],
                      emphasis=theme in emerging, key=theme) for theme in chosen]
    few = [bool(p.get("below_min_count")) for p in series]
    chart = charts.line_chart([p["period"] for p in series], lines, title=f"Share of comments per {per['unit']}",
                              uncertain=few)
    caption = (f"Share of comments mentioning each theme per {page.esc(per['unit'])}; emerging themes are drawn "
               "thicker.")
    if any(few):
        caption += (f" Shaded {page.esc(per['unit'])}s have fewer than {per.get('min_count')} comments: their "
                    "points are hollow and the lines into them dashed, as too few to read a change from.")
    return f"<figure>{chart}<figcaption>{caption}</figcaption></figure>"


def _driver_html(report: dict[str, Any], kind: str) -> str:
    table = driver_table(report, kind)
    fit = report["drivers"]["scores"].get(kind, {})
    drivers = fit.get("drivers", [])
    for column, key in ((4, "share"), (5, "relative_share")):
        largest = max((d.get(key) or 0.0 for d in drivers), default=0.0) or 1.0
        for row, driver in zip(table.rows, drivers):
            row[column] = page.share_bar((driver.get(key) or 0.0) / largest) + " " + page.esc(row[column])
    return _html_table(table, raw_columns=frozenset({4, 5}))


def _quote_html(q: dict[str, Any], side: str) -> str:
    scores = page.esc(scores_text(q["scores"]))
    return (f'<blockquote class="{"neg" if side == "negative" else "pos"}">{page.highlighted(q["text"], q["evidence"])}'
            f'<span class="meta">{page.esc(q["id"])} · sentiment {page.esc(number(q["sentiment"], 2, sign=True))}'
            f'{" · " + scores if scores else ""}{"" if q.get("confident", True) else " · low confidence"}'
            '</span></blockquote>')


def render_html(report: dict[str, Any], comments: CommentSample | None = None) -> str:
    """One self-contained HTML page: no network, charts as inline SVG.

    report (dict): The report.
    comments (CommentSample | None): The comments sampled while the report was built: adds the
        interactive "Explore" section (filters, drill-down). None: a page without script.
    RETURNS (str): The page.
    """
    options = report["options"]
    metrics = report["metrics"]
    parts = ["<h1>Customer feedback report</h1>",
             f'<p class="sub">{report["n_comments"]} comments'
             + (f", {report['n_skipped']} error records skipped" if report["n_skipped"] else "")
             + f" · {page.esc(unthemed_note(report))}"
             + f" · depth {options['depth']} · min count {options['min_count']}"
             + f" · {page.esc(report['generated_by'])}</p>",
             _cards(report)]
    parts += [f'<p class="note">{page.esc(note)}</p>' for note in report_notes(report)]
    if metrics:
        parts.append("<h2>What moves the scores</h2>")
        parts.append('<div class="grid2">' + "".join(_impact_figure(report, kind) for kind in metrics) + "</div>")
    top = [t for t in visible_themes(report) if t.get("level") == 1]
    if top:
        points = [charts.Point(t["theme"], t["share"], t["sentiment"], key=t["theme"]) for t in top]
        parts.append("<h2>Volume and sentiment</h2>")
        parts.append(f"<figure>{charts.scatter_chart(points, title='Share of comments and mean sentiment per theme')}"
                     "<figcaption>Right: talked about more. Up: said more warmly.</figcaption></figure>")
        parts.append(_html_table(cooccurrence_table(report)))
    if report["periods"]:
        parts.append(f"<h2>Trends per {page.esc(report['periods']['unit'])}</h2>")
        parts.append(_trend_figure(report))
        parts.append(_html_table(emerging_table(report)))
        parts.append(_html_table(period_table(report)))
    if metrics:
        parts.append("<h2>Key drivers</h2>")
        parts.append(f'<p class="note">{page.esc(report["drivers"]["method"])}.</p>')
        parts.append("".join(_driver_html(report, kind) for kind in metrics))
    if segmentations(report):
        parts.append("<h2>Segments</h2>")
    for seg in segmentations(report):
        parts.append(_html_table(segment_table(report, seg)))
        parts.append(_html_table(segment_theme_table(report, seg)))
    parts.append("<h2>Themes</h2>")
    title = "Volume, sentiment and scores per theme" if metrics else "Volume and sentiment per theme"
    parts.append(_html_table(theme_table(report, title=title)))
    if has_mismatch(report):
        parts.append("<h2>Text and score disagree</h2>")
        parts.append(_html_table(mismatch_table(report)))
        examples = report["mismatch"]["examples"]
        for kind, heading, side in (("high_score_complaint", "High score, complaint", "negative"),
                                    ("low_score_praise", "Low score, praise", "positive")):
            if examples.get(kind):
                quotes = "".join(_quote_html({**e, "evidence": []}, side) for e in examples[kind])
                parts.append(f"<h3>{heading}</h3>{quotes}")
    parts.append("<h2>Quotes</h2>")
    for t in visible_themes(report):
        quotes = report["quotes"].get(t["theme"], {})
        if quotes.get("negative") or quotes.get("positive"):
            parts.append(f"<h3>{page.esc(t['theme'])}</h3>")
            parts.append("".join(_quote_html(q, side) for side in ("negative", "positive")
                                 for q in quotes.get(side, [])))
    if comments is None:
        return page.page("Customer feedback report", "\n".join(parts))
    section, script, style = explorer(report, comments)
    parts.insert(3, section)  # after the title, the summary line and the score cards
    return page.page("Customer feedback report", "\n".join(parts), scripts=[script], styles=[style])
