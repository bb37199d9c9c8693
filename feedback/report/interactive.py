"""The interactive part of the HTML report: the comments behind the numbers, embedded in the page.

`CommentSample` watches the records on their way into the report (`tap`) and keeps a compact
copy of each comment (id, text, sentiment, scores, segment values, period, theme mentions with
their evidence spans). Beyond `max_comments` it keeps a seeded uniform sample (reservoir
sampling), so memory and the page stay bounded while the report's own figures stay exact.
`explorer` turns the sample into the page's "Explore" section: the markup, the data as a JSON
block that cannot end its <script> element, and the script and style that filter it (read from
feedback/report/assets, allowed by the page's CSP through their hashes).

    >>> sample = CommentSample(options)
    >>> report = make_report(sample.tap(read_records(path)), options)
    >>> html = render_html(report, comments=sample)
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterable, Iterator

from ..config import DEFAULT_MAX_COMMENTS, ReportOptions
from .aggregate import finite_number, segment_name
from .build import MAX_SEGMENTS, OTHER_SEGMENT
from .dates import parse_date, period_label, period_start, plausible
from .page import esc
from .records_in import unescape_entities
from .tables import impact_digits, score_title

TEXT_CHARS = 1_000  # longer comments are cut (at a space) in the page; their evidence beyond is dropped
LABEL_CODES = {"negative": 0, "neutral": 1, "positive": 2}
# JSON inside <script>: "<" and ">" escaped so "</script>" or "<!--" in a comment cannot end or
# comment out the element; "&" and the two JavaScript line terminators for good measure.
_SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


@dataclass(frozen=True)
class _Comment:
    """One kept comment, as compact as the page needs it."""

    order: int
    id: str
    text: str
    label: int | None
    compound: float | None
    scores: dict[str, float]
    segments: tuple[str, ...]
    period: str | None
    themes: tuple[tuple[str, float, tuple[int, ...]], ...]  # (theme id, mean sentiment, flat spans)


class CommentSample:
    """A bounded, seeded sample of analysed comments for the interactive page.

    options (ReportOptions): The report's options: segment column(s), period and date column,
        depth, and the seed of the sample.
    max_comments (int): Keep at most this many comments; beyond, a uniform random sample.
    text_chars (int): Cut longer comment texts to about this many characters.
    """

    def __init__(self, options: ReportOptions, *, max_comments: int = DEFAULT_MAX_COMMENTS,
                 text_chars: int = TEXT_CHARS) -> None:
        self.options = options
        self.max_comments = max_comments
        self.text_chars = text_chars
        by: Any = options.by
        self.columns: tuple[str, ...] = (by,) if isinstance(by, str) else tuple(by or ())
        # Options that carry `where` filters (COLUMN=VALUE, COLUMN!=VALUE) give them as filters():
        # the page must embed only the comments the report reads.
        filters = getattr(options, "filters", None)
        self.where: list[tuple[str, str, str]] = list(filters()) if callable(filters) else []
        self.n_comments = 0
        self._segment_counts: list[dict[str, int]] = [{} for _ in self.columns]
        self._kept: list[_Comment] = []
        self._random = random.Random(options.seed)

    def tap(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """Pass records through unchanged, sampling each after the report has accepted it.

        records (Iterable[dict]): Records as `feedback analyze` writes them.
        YIELDS (dict): The same records.
        """
        for record in records:
            yield record  # the report checks the record first: a bad one stops there, with its message
            self.add(record)

    def add(self, record: dict[str, Any]) -> None:
        """Count one record and keep it when the sample wants it; error records are ignored.

        record (dict): A record the report has accepted (filtered out by `where`: not kept).
        """
        if "error" in record:
            return
        fields = record.get("fields") or {}
        if any((segment_name(fields.get(column)) == value) != (op == "=") for column, op, value in self.where):
            return
        segments = tuple(segment_name(fields.get(column)) for column in self.columns)
        for counts, name in zip(self._segment_counts, segments):
            counts[name] = counts.get(name, 0) + 1
        order = self.n_comments
        self.n_comments += 1
        # Reservoir sampling (Vitter's algorithm R): every comment ends in the sample with the
        # same probability, in one pass, whatever the length of the stream.
        if len(self._kept) < self.max_comments:
            self._kept.append(self._compact(record, order, segments))
        elif self.max_comments > 0:
            slot = self._random.randrange(order + 1)
            if slot < self.max_comments:
                self._kept[slot] = self._compact(record, order, segments)

    def _compact(self, record: dict[str, Any], order: int, segments: tuple[str, ...]) -> _Comment:
        record = unescape_entities(record) or record  # as the report's quotes show it: "&amp;" typed as "&"
        text = str(record.get("text") or "")
        cut = _cut(text, self.text_chars)
        skipped = bool(record.get("skipped"))
        sentiment = record.get("sentiment") or {}
        raw: Any = sentiment.get("compound")
        compound = None if skipped or raw is None else round(float(raw), 4)  # the report checked it is a number
        scores = {str(k): float(v) for k, v in (record.get("scores") or {}).items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and finite_number(v)}
        return _Comment(
            order=order, id=str(record.get("id", "")), text=text[:cut] + ("…" if cut < len(text) else ""),
            label=LABEL_CODES.get(str(sentiment.get("label"))) if compound is not None else None,
            compound=compound,
            scores=scores, segments=segments, period=self._period(record.get("fields") or {}),
            themes=_theme_entries(record.get("themes") or [], self.options.depth, cut),
        )

    def _period(self, fields: dict[str, Any]) -> str | None:
        unit, column = self.options.period, self.options.date_column
        if not unit or not column:
            return None
        day = parse_date(fields.get(column))
        if day is None or not plausible(day):
            return None
        return period_label(period_start(day, unit), unit)

    def payload(self, report: dict[str, Any]) -> dict[str, Any]:
        """The page's data: comments in input order, with themes, segments and periods as indices.

        report (dict): The report built from the same records (its metrics and min count).
        RETURNS (dict): JSON-ready data for the page's script.
        """
        kept = sorted(self._kept, key=lambda c: c.order)
        theme_ids = sorted({theme_id for c in kept for theme_id, _, _ in c.themes})
        theme_index = {theme_id: i for i, theme_id in enumerate(theme_ids)}
        kinds = list(report["metrics"])
        columns = []
        for n, column in enumerate(self.columns):
            counts = self._segment_counts[n]
            order = sorted(counts, key=lambda name: (-counts[name], name))
            # Pooled as the report pools them, so a segment row here is the same group as there.
            values = order[:MAX_SEGMENTS] + ([OTHER_SEGMENT] if len(order) > MAX_SEGMENTS else [])
            columns.append({"name": column, "values": values})
        value_index = [{name: i for i, name in enumerate(c["values"])} for c in columns]
        pooled = [len(c["values"]) - 1 for c in columns]
        periods = sorted({c.period for c in kept if c.period is not None})
        period_index = {label: i for i, label in enumerate(periods)}
        rows = []
        for c in kept:
            segment_codes = [index.get(name, pooled[n]) for n, (index, name) in enumerate(zip(value_index, c.segments))]
            rows.append([c.id, c.text, c.label, c.compound, [c.scores.get(kind) for kind in kinds], segment_codes,
                         period_index.get(c.period, -1) if c.period is not None else -1,
                         [[theme_index[t], round(s, 4), *spans] for t, s, spans in c.themes]])
        metrics = report["metrics"]
        return {
            "n_total": self.n_comments, "n": len(kept), "sampled": len(kept) < self.n_comments,
            "max_comments": self.max_comments, "seed": self.options.seed, "text_chars": self.text_chars,
            "min_count": report["options"]["min_count"], "depth": self.options.depth,
            "themes": theme_ids,
            "kinds": [{"kind": kind, "name": metrics[kind]["name"], "statistic": metrics[kind]["statistic"],
                       "unit": metrics[kind]["unit"], "better": metrics[kind]["better"],
                       "title": score_title(metrics[kind]), "impact_digits": impact_digits(metrics[kind])}
                      for kind in kinds],
            "columns": columns,
            "periods": {"unit": self.options.period, "labels": periods} if self.options.period else None,
            "comments": rows,
        }


def _theme_entries(themes: list[Any], depth: int, cut: int) -> tuple[tuple[str, float, tuple[int, ...]], ...]:
    """Per theme the comment mentions (its parent; at depth 2 its subtheme too): mean sentiment, spans.

    Grouped as the report groups them (feedback.report.aggregate), so the page's figures match.
    """
    grouped: dict[str, tuple[list[float], list[int]]] = {}
    for mention in themes:
        if not isinstance(mention, dict):
            continue
        theme_id = str(mention.get("theme") or "")
        ids = [str(mention.get("parent") or theme_id.split("/", 1)[0])]
        if depth >= 2 and "/" in theme_id:
            ids.append(theme_id)
        start, end = mention.get("start"), mention.get("end")
        span = [start, end] if (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= cut
                                and mention.get("evidence")) else []
        for key in ids:
            if not key:
                continue
            sentiments, spans = grouped.setdefault(key, ([], []))
            sentiments.append(float(mention.get("sentiment", 0.0)))
            spans.extend(span)
    return tuple((key, sum(s) / len(s), tuple(spans)) for key, (s, spans) in sorted(grouped.items()))


def _cut(text: str, limit: int) -> int:
    """Where to cut a text to about `limit` characters: at the last space in the second half, if any."""
    if len(text) <= limit:
        return len(text)
    space = text.rfind(" ", limit // 2, limit)
    return space if space > 0 else limit


def script_json(value: Any) -> str:
    """JSON that is safe as the text of a <script type="application/json"> element.

    value (Any): JSON-ready data.
    RETURNS (str): JSON with "<", ">", "&", U+2028 and U+2029 as \\u escapes (JSON.parse reads
        them back unchanged), so no comment text can close the element or start markup.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for character, escape in _SCRIPT_SAFE:  # str.replace: several times faster than str.translate on MBs
        text = text.replace(character, escape)
    return text


def asset(name: str) -> str:
    """The text of a file in feedback/report/assets (the page's script and style)."""
    return resources.files("feedback.report").joinpath("assets", name).read_text(encoding="utf-8")


def explorer(report: dict[str, Any], sample: CommentSample) -> tuple[str, str, str]:
    """The "Explore" section of the page: filters, redrawn tables, and the comments behind them.

    report (dict): The report.
    sample (CommentSample): The comments, sampled while the report was built.
    RETURNS (tuple): The section's HTML (data block included), its script and its style.
    """
    data = sample.payload(report)
    if data["sampled"]:
        scope = (f"Filtered figures come from a random sample of {data['n']:,} of the {data['n_total']:,} comments "
                 f"(seed {data['seed']}; at most {data['max_comments']:,} are embedded, see --max-comments); "
                 "every figure outside this section is exact, computed on all comments.")
    else:
        scope = f"All {data['n']:,} comments are embedded; the figures here are computed in the page from them."
    section = (
        '<section id="explore" class="explore" hidden aria-label="Explore the comments">'
        "<h2>Explore</h2>"
        f'<p class="note" id="explore-scope">{esc(scope)} The sections after this one are the report on all '
        "comments and do not follow the filters (key drivers, a model fit, are not redone here). Click any bar, "
        "point or row, here or below (or focus it and press Enter), to read the comments behind it; the address "
        f"keeps the view, so a link reproduces it. Comments longer than {data['text_chars']:,} characters are "
        "cut.</p>"
        '<div class="controls" id="explore-controls"></div>'
        '<p id="explore-summary" class="summary"></p>'
        '<div id="explore-chart"></div>'
        '<div id="explore-impact" class="grid2"></div>'
        '<div id="explore-scatter"></div>'
        '<div id="explore-trend"></div>'
        '<div id="explore-themes"></div>'
        '<div id="explore-segments"></div>'
        '<div id="explore-comments" class="comments"></div>'
        "</section>"
        f'<script type="application/json" id="feedback-data">{script_json(data)}</script>'
    )
    return section, asset("interactive.js"), asset("interactive.css")
