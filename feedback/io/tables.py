"""Records as flat tables: one row per comment, or one row per theme mention.

The comment table is what a spreadsheet, a pivot table or `df.groupby` wants: one row per
input row, the comment's sentiment, its scores as `score_<kind>` columns, one `theme_<id>`
column per top-level theme, and the input's other columns. A theme column holds the mean
sentiment (-1 to 1) of the comment's mentions of that theme, and is empty where the comment
does not mention it: `df["theme_price"].notna()` selects the comments about price, its mean is
their sentiment about price. The mention table has one row per theme mention (evidence, span,
polarity, source), for BI tools and SQL. Plain Python lists here; pandas, Arrow, CSV and xlsx
are built from them (feedback.frames, feedback.io.table_files).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

from .files import dumps

# The comment table's own columns, before scores, themes and the input's other columns.
COMMENT_COLUMNS = ("id", "row", "text", "language", "skipped", "sentiment", "sentiment_label", "themes",
                   "problems", "error", "error_message")
MENTION_COLUMNS = ("id", "row", "theme", "subtheme", "polarity", "sentiment", "evidence", "start", "end",
                   "sentence", "negated", "source", "probability")
SCORE_PREFIX = "score_"
THEME_PREFIX = "theme_"
# Lists in a cell (themes, problem codes) are joined with this.
LIST_SEPARATOR = "; "


@dataclass(frozen=True)
class CommentLayout:
    """The columns of a comment table.

    themes (tuple[str, ...]): Top-level theme ids, one `theme_<id>` column each.
    scores (tuple[str, ...]): Score kinds, one `score_<kind>` column each.
    fields (tuple[str, ...]): The input's other columns, carried after those.
    """

    themes: tuple[str, ...] = ()
    scores: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()

    @property
    def columns(self) -> list[str]:
        """Every column, in order; a carried column whose name is taken gets a `field_` prefix."""
        own = [*COMMENT_COLUMNS, *(SCORE_PREFIX + k for k in self.scores), *(THEME_PREFIX + t for t in self.themes)]
        taken = set(own)
        carried = []
        for name in self.fields:
            while name in taken:
                name = "field_" + name
            taken.add(name)
            carried.append(name)
        return own + carried

    def row(self, record: dict[str, Any]) -> list[Any]:
        """One record (or error record) as a row of `columns`.

        record (dict): A record as `feedback analyze` writes it; an error record (with an
            "error" key) fills `id`, `row`, `error` and `error_message` only.
        RETURNS (list): Plain values: str, int, float, bool or None.
        """
        if "error" in record:
            out: list[Any] = [None] * (len(COMMENT_COLUMNS) + len(self.scores) + len(self.themes) + len(self.fields))
            out[0], out[1] = record.get("id"), record.get("row")
            out[9], out[10] = record["error"].get("code"), record["error"].get("message")
            return out
        sentiment = record.get("sentiment") or {}
        mentions = record.get("themes") or []
        by_parent: dict[str, list[float]] = {}
        for mention in mentions:
            by_parent.setdefault(mention["theme"].split("/", 1)[0], []).append(mention["sentiment"])
        scores = record.get("scores") or {}
        fields = record.get("fields") or {}
        return [
            record.get("id"), record.get("row"), record.get("text"), record.get("language"), record.get("skipped"),
            sentiment.get("compound"), sentiment.get("label"),
            LIST_SEPARATOR.join(dict.fromkeys(m["theme"] for m in mentions)) or None,
            LIST_SEPARATOR.join(p["code"] for p in record.get("problems") or ()) or None,
            None, None,
            *(scores.get(kind) for kind in self.scores),
            *(_mean(by_parent[theme]) if theme in by_parent else None for theme in self.themes),
            *(flat_value(fields.get(name)) for name in self.fields),
        ]


def layout_for(records: Sequence[dict[str, Any]], *, themes: Sequence[str] | None = None) -> CommentLayout:
    """The layout that holds every score kind, theme and carried field of some records.

    records (Sequence[dict]): Records (error records are allowed and add nothing).
    themes (Sequence[str] | None): The theme columns, e.g. a taxonomy's top-level ids (themes
        mentioned but not listed are added after them); None: the themes mentioned, sorted.
    RETURNS (CommentLayout): Score kinds and fields in the order first met.
    """
    scores: dict[str, None] = {}
    fields: dict[str, None] = {}
    mentioned: dict[str, None] = {}
    for record in records:
        if "error" in record:
            continue
        scores.update(dict.fromkeys(record.get("scores") or {}))
        fields.update(dict.fromkeys(record.get("fields") or {}))
        mentioned.update(dict.fromkeys(m["theme"].split("/", 1)[0] for m in record.get("themes") or ()))
    listed = list(themes) if themes is not None else []
    extra = sorted(t for t in mentioned if t not in set(listed))
    return CommentLayout(tuple(listed + extra), tuple(scores), tuple(fields))


def mention_rows(record: dict[str, Any]) -> Iterator[list[Any]]:
    """A record's theme mentions as rows of MENTION_COLUMNS (none for an error record).

    `theme` is the top-level theme, `subtheme` the part after "/" (None when the mention is of
    the theme itself), `polarity` the mention's label, `probability` the model's confidence
    (None for a rules-only mention).
    """
    if "error" in record:
        return
    for mention in record.get("themes") or ():
        parent, _, sub = mention["theme"].partition("/")
        yield [record.get("id"), record.get("row"), parent, sub or None, mention.get("label"),
               mention.get("sentiment"), mention.get("evidence"), mention.get("start"), mention.get("end"),
               mention.get("sentence"), mention.get("negated"), mention.get("source"), mention.get("confidence")]


def flat_value(value: Any) -> Any:
    """A carried value for one cell: lists and objects as JSON text, the rest as they are."""
    if isinstance(value, (dict, list)):
        return dumps(value)  # type: ignore[arg-type]
    return value


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


# OWASP "CSV Injection": cells starting with these are formulas to Excel/LibreOffice/Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> Any:
    """Neutralise text that a spreadsheet would run as a formula; numbers pass untouched.

    Only strings are prefixed with "'" (OWASP), so -12.5 in a numeric column stays a number.
    None is an empty cell, booleans are "true"/"false".
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # Spreadsheets skip leading spaces before a formula (" =1+1" runs), so the test does too.
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)):
        return "'" + value
    return value
