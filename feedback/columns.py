"""Columns: which column holds the comment, the id and each score; turning rows into Comments."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .errors import Errors, InputError, ProblemCode, RowErrorCode
from .json_values import MAX_JSON_DEPTH, finite_or_null, has_non_finite, too_deep
from .language import clean_text
from .records import Comment, ErrorRecord, Problem, SourceRow
from .scores import COLUMN_NAMES, ScoreKind, kind_of, normalise_name, parse_score

# Normalised column names that hold the comment, most specific first.
TEXT_COLUMN_NAMES = (
    "comment", "comments", "text", "feedback", "review_text", "review", "verbatim", "response",
    "response_text", "answer", "body", "message", "description", "content", "remarks", "notes",
    "free_text", "open_text", "open_ended", "customer_comment", "customer_feedback", "feedback_text",
    "comment_text", "survey_comment", "why", "reason", "details",
)
# A comment longer than this is analysed on its first part only (the record says so); spaCy's
# own limit is 1M characters and nobody writes a useful survey answer that long.
MAX_ANALYSED_CHARS = 100_000


@dataclass(frozen=True)
class ColumnSpec:
    """Where the comment, the id and the scores are in a table."""

    text: str
    id: str | None
    scores: dict[str, tuple[str, ScoreKind]] = field(default_factory=dict)  # column -> (name, kind)


def _describe_columns(columns: list[str], limit: int = 12) -> str:
    """Column names for a one-line message: printable, shortened, at most `limit` of them."""
    if not columns:
        return "(none)"

    def show(name: str) -> str:
        clean = "".join(c if c.isprintable() else "?" for c in name)
        return repr(clean if len(clean) <= 30 else clean[:27] + "...")

    shown = ", ".join(show(c) for c in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


def find_text_column(columns: list[str]) -> str | None:
    """The column holding the comment text, by common names; None if there is none."""
    by_name = {normalise_name(c): c for c in reversed(columns)}
    for name in TEXT_COLUMN_NAMES:
        if name in by_name:
            return by_name[name]
    for column in columns:
        norm = normalise_name(column)
        if any(word in norm for word in ("comment", "feedback", "verbatim", "review_text")):
            return column
    return None


def find_id_column(columns: list[str]) -> str | None:
    """A column named id or *_id; None means records are numbered by row."""
    for column in columns:
        if normalise_name(column) == "id":
            return column
    for column in columns:
        if normalise_name(column).endswith("_id"):
            return column
    return None


def resolve_columns(
    columns: list[str],
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    detect_scores: bool = True,
) -> ColumnSpec:
    """Decide which columns are the text, the id and the scores.

    columns (list[str]): The table's columns.
    text_column, id_column (str | None): Explicit choices (--text-column, --id-column).
    scores (dict[str, str] | None): Explicit KIND -> COLUMN (--score); these replace detection
        for their kind.
    detect_scores (bool): Also recognise score columns by name.
    RETURNS (ColumnSpec): The mapping.
    RAISES (InputError): A named column does not exist, or no text column can be found.
    """
    available = _describe_columns(columns)
    for option, column in (("text_column", text_column), ("id_column", id_column)):
        if column is not None and column not in columns:
            raise InputError(Errors.E011.format(option=option, column=column, available=available))
    text = text_column or find_text_column(columns)
    if text is None:
        raise InputError(Errors.E012.format(available=available))
    ident = id_column if id_column is not None else find_id_column(columns)
    explicit = dict(scores or {})
    mapping: dict[str, tuple[str, ScoreKind]] = {}
    for kind, column in explicit.items():
        if column not in columns:
            raise InputError(Errors.E013.format(kind=kind, column=column, available=available))
        mapping[column] = (kind, kind_of(kind))
    if detect_scores:
        for column in columns:
            if column in (text, ident) or column in mapping:
                continue
            norm = normalise_name(column)
            for kind, names in COLUMN_NAMES.items():
                if norm in names and kind not in explicit and kind not in {k for k, _ in mapping.values()}:
                    mapping[column] = (kind, kind_of(kind))
                    break
    return ColumnSpec(text, ident, mapping)


def to_comment(row: SourceRow, spec: ColumnSpec) -> Comment | ErrorRecord:
    """Map a source row onto a Comment, or an ErrorRecord when there is nothing to analyse.

    row (SourceRow): A row as read.
    spec (ColumnSpec): The column mapping.
    RETURNS (Comment | ErrorRecord): Score problems are named in the Comment; an empty or
        non-text comment gives an ErrorRecord that keeps all the row's values.
    """
    values = row.values
    problems = list(row.problems)
    deep = [k for k, v in values.items() if too_deep(v, MAX_JSON_DEPTH - 1)]
    if deep:
        # Writing it (or sending it to a worker) would recurse past Python's limit.
        kept = {k: (None if k in deep else v) for k, v in values.items()}
        return ErrorRecord(row.row, row.line, _row_id(finite_or_null(kept), spec, row.row),
                           RowErrorCode.NESTED_TOO_DEEP.value,
                           f"{_describe_columns(deep)}: nested more than {MAX_JSON_DEPTH} levels deep; "
                           "left out", finite_or_null(kept), row.redacted)
    raw_text = values.get(spec.text)
    if isinstance(raw_text, float) and not math.isfinite(raw_text):
        raw_text = None  # pandas' NaN for a missing value; the word "nan" in a CSV cell is text
    source = values  # scores are parsed from it: a NaN score is a score problem of its own
    if has_non_finite(values):
        # NaN and Infinity are not JSON: written as null, and the record says where.
        bad = [k for k, v in values.items() if k != spec.text and k not in spec.scores and has_non_finite(v)]
        values = finite_or_null(values)
        if bad:
            problems.append(Problem(ProblemCode.NOT_A_FINITE_NUMBER.value,
                                    f"{_describe_columns(bad)}: NaN or Infinity is not JSON; written as null",
                                    bad[0]))
    ident = _row_id(values, spec, row.row)
    if spec.text not in values:
        return ErrorRecord(row.row, row.line, ident, RowErrorCode.MISSING_TEXT.value,
                           f"no {spec.text!r} field in this row", values, row.redacted)
    if isinstance(raw_text, (dict, list)):
        return ErrorRecord(row.row, row.line, ident, RowErrorCode.TEXT_NOT_STRING.value,
                           f"{spec.text!r} holds a {type(raw_text).__name__}, not text", values, row.redacted)
    text = clean_text("" if raw_text is None else str(raw_text))
    if not text:
        return ErrorRecord(row.row, row.line, ident, RowErrorCode.EMPTY_TEXT.value, "the comment is empty", values, row.redacted)
    if len(text) > MAX_ANALYSED_CHARS:
        problems.append(Problem(
            ProblemCode.TEXT_TRUNCATED.value,
            f"the comment has {len(text):,} characters; the first {MAX_ANALYSED_CHARS:,} were analysed",
            spec.text,
        ))
    scores: dict[str, float] = {}
    for column, (name, kind) in spec.scores.items():
        number, problem = parse_score(source.get(column), kind, column)
        if problem is not None:
            problems.append(problem)
        elif number is not None:
            scores[name] = number
    used = {spec.text, spec.id, *spec.scores}
    fields = {k: v for k, v in values.items() if k not in used}
    return Comment(ident, row.row, row.line, text, scores, fields, tuple(problems), row.redacted)


def _row_id(values: dict[str, Any], spec: ColumnSpec, row: int) -> str:
    raw_id = values.get(spec.id) if spec.id is not None else None
    return str(row) if raw_id is None or raw_id == "" else _id_string(raw_id)


def _id_string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
