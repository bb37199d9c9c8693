"""Render a report dict (feedback.report.build) as a text table, JSON, Markdown, CSV or HTML.

Renderers only format: every number comes from the report. Text, Markdown and HTML share the
same table builders (feedback.report.tables), so they show the same figures with the same
rounding. HTML is written by feedback.report.render_html.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from pathlib import Path
from typing import Any, Callable, Sequence

from ..config import REPORT_FORMATS
from ..errors import Errors, ReportError
from ..io.tables import spreadsheet_cell as _csv_cell  # formula-safe cells, shared with -o x.csv
from ..terminal import printable
from .render_html import render_html
from .tables import (
    DisplayTable,
    has_mismatch,
    number,
    report_notes,
    report_tables,
    scores_text,
    unthemed_note,
    visible_themes,
)

FORMATS = REPORT_FORMATS
_EXTENSIONS = {".json": "json", ".md": "md", ".markdown": "md", ".csv": "csv", ".html": "html", ".htm": "html",
               ".txt": "text"}
CSV_COLUMNS = ("segment", "theme", "level", "count", "share", "sentiment", "share_negative", "below_min_count",
               "score", "value", "n", "ci95_low", "ci95_high", "mean", "impact", "impact_ci95_low",
               "impact_ci95_high", "impact_uncertain", "share_positive", "impact_q", "share_rest",
               "share_difference_q", "share_differs")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
# What GitHub-flavoured Markdown turns into a link by itself: scheme://..., www.... and emails.
# Backticks and pipes end the match: they cannot sit inside a code span in a table cell.
_MD_AUTOLINK = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.)[^\s<>`|]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
                          re.ASCII)
_WHITESPACE = re.compile(r"\s+")


def format_for(path: str, fmt: str | None = None) -> str:
    """Pick the output format: `fmt` when given, else from the output file's extension.

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
    RAISES (ReportError): `fmt` is not one of FORMATS.
    """
    renderers: dict[str, Callable[[dict[str, Any]], str]] = {
        "text": render_text, "json": render_json, "md": render_markdown, "csv": render_csv, "html": render_html,
    }
    if fmt not in renderers:
        raise ReportError(Errors.E307.format(fmt=fmt, choices=", ".join(FORMATS)))
    return renderers[fmt](report)


# ---------------------------------------------------------------------------------------------
# JSON, text, CSV


def render_json(report: dict[str, Any]) -> str:
    """The report as indented JSON (UTF-8, no NaN)."""
    return json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def render_text(report: dict[str, Any]) -> str:
    """Aligned plain-text tables for a terminal."""
    out = [f"feedback report: {report['n_comments']} comments"
           + (f" ({report['n_skipped']} error records skipped)" if report["n_skipped"] else "")
           + f"; {unthemed_note(report)}"]
    out += report_notes(report)
    for table in report_tables(report):
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
    return printable("\n".join(out) + "\n")


def render_csv(report: dict[str, Any]) -> str:
    """One row per theme x score (then per segment x theme x score), safe to open in Excel.

    A theme of records without scores still has its row (score columns empty). Segment rows carry
    the theme's share among the other comments and the test of the difference (q, and whether it
    is significant); with several `--by` columns, segments are named "column=value".
    """
    buffer = io.StringIO()
    # QUOTE_NONNUMERIC quotes every text cell, as OWASP advises, and leaves numbers bare.
    writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    blocks = report.get("segmentations") or ([report["segments"]] if report.get("segments") else [])
    scopes: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = [("", report["themes"], {})]
    for block in blocks:
        for g in block.get("groups", []):
            name = g["segment"] if len(blocks) == 1 else f"{block['by']}={g['segment']}"
            scopes.append((name, g["themes"], g.get("versus_rest", {}).get("themes", {})))
    for segment, themes, tests in scopes:
        for t in themes:
            test = tests.get(t["theme"], {})
            for kind, s in (list(t["scores"].items()) or [(None, {})]):
                ci, impact_ci = s.get("ci95") or [None, None], s.get("impact_ci95") or [None, None]
                row = [segment, t["theme"], t["level"], t["count"], t["share"], t["sentiment"], t["share_negative"],
                       t["below_min_count"], kind, s.get("value"), s.get("n"), ci[0], ci[1], s.get("mean"),
                       s.get("impact"), impact_ci[0], impact_ci[1], s.get("impact_uncertain"),
                       t.get("share_positive"), s.get("impact_q"), test.get("rest"), test.get("q"),
                       test.get("significant")]
                writer.writerow([_csv_cell(v) for v in row])
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Markdown


def md_escape(text: str) -> str:
    """Escape text for Markdown: no emphasis, links, tables or raw HTML can come from it.

    A bare URL, `www.` address or email address would still render as a link (GitHub's
    autolinks): each goes in a code span, which never links.
    """
    text = _WHITESPACE.sub(" ", str(text))  # a line break would end a table row or a quote
    if not _MD_AUTOLINK.search(text):
        return _md_plain(text)
    out, position = [], 0
    for match in _MD_AUTOLINK.finditer(text):
        link = match.group(0).rstrip(".,;:!?)]'\"")  # sentence punctuation stays outside
        if not link:
            continue
        out.append(_md_plain(text[position : match.start()]))
        out.append(f"`{link}`")
        position = match.start() + len(link)
    out.append(_md_plain(text[position:]))
    return "".join(out)


def _md_note(text: str) -> str:
    """A report note: text escaped, what it puts in backticks kept as code spans (they are inert)."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: all of it as text
        return md_escape(text)
    return "".join(md_escape(part) if i % 2 == 0 else f"`{_WHITESPACE.sub(' ', part)}`"
                   for i, part in enumerate(parts))


def _md_plain(text: str) -> str:
    return html.escape(_MD_SPECIAL.sub(r"\\\1", text), quote=False)


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


def _md_table(table: DisplayTable) -> str:
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
    out += [_md_note(note) + "\n" for note in report_notes(report)]
    for table in report_tables(report):
        out.append(_md_table(table))
    examples = report["mismatch"]["examples"] if has_mismatch(report) else {}
    for kind, title in (("high_score_complaint", "High score, complaint"), ("low_score_praise", "Low score, praise")):
        if examples.get(kind):
            out += [f"#### {title}", ""]
            out += [f"> “{md_escape(e['text'])}” — {md_escape(e['id'])}, {md_escape(scores_text(e['scores']))}\n"
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
                           f"{'' if q.get('confident', True) else ', low confidence'}"
                           f"{', ' + md_escape(scores_text(q['scores'])) if q['scores'] else ''}\n")
    return "\n".join(out).rstrip() + "\n"
