"""Columns: which column holds the comment, the id and each score; turning rows into Comments."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from .errors import Errors, InputError, ProblemCode, RowErrorCode
from .json_values import MAX_JSON_DEPTH, finite_or_null, has_non_finite, too_deep
from .language import clean_text
from .records import Comment, ErrorRecord, Problem, SourceRow
from .redact import redact_keys
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
    # Role ("text", "id", "score nps") -> why detection picked that column, for messages.
    why: dict[str, str] = field(default_factory=dict, compare=False)


def _describe_columns(columns: list[str], limit: int = 12) -> str:
    """Column names for a one-line message: printable, shortened, at most `limit` of them."""
    if not columns:
        return "(none)"

    def show(name: str) -> str:
        clean = "".join(c if c.isprintable() else "?" for c in name)
        return repr(clean if len(clean) <= 30 else clean[:27] + "...")

    shown = ", ".join(show(c) for c in columns[:limit])
    return shown + (f" and {len(columns) - limit} more" if len(columns) > limit else "")


def find_text_column(columns: list[str], *, labels: Mapping[str, str] | None = None,
                     sample: Sequence[Mapping[str, Any]] = ()) -> str | None:
    """The column holding the comment text; None if there is none.

    columns (list[str]): The table's columns.
    labels (Mapping[str, str] | None): Column -> question text (survey exports).
    sample (Sequence[Mapping[str, Any]]): The first rows' values, to tell text from codes.
    RETURNS (str | None): The column (`pick_text_column` says why).
    """
    return pick_text_column(columns, labels=labels, sample=sample)[0]


def pick_text_column(columns: list[str], *, labels: Mapping[str, str] | None = None,
                     sample: Sequence[Mapping[str, Any]] = ()) -> tuple[str | None, str]:
    """The column holding the comment text, and why it was picked.

    By name first (TEXT_COLUMN_NAMES, then names containing "comment", "feedback"...), then by
    question text for survey columns with opaque ids ("Q4": "Anything else you'd like to tell
    us?"). With a sample, a candidate whose values are codes, numbers or flags (a 0/1 column
    named `feedback`) is passed over; when no candidate holds text, the column whose values
    read most like free text is taken, if one clearly does.

    RETURNS (tuple[str | None, str]): The column (None: none found) and the reason, for messages.
    """
    labels = labels or {}
    candidates = _text_candidates_by_name(columns)
    # A survey column's question is its label, or its name when the export names columns by
    # their questions (Typeform, SurveyMonkey, Google Forms).
    by_label = [c for c in columns if c not in candidates and _question_asks_for_text(_question(c, labels))]
    rejected: list[str] = []
    for column in candidates + by_label:
        verdict = _free_text_verdict(column, sample)
        if verdict is False:
            rejected.append(column)
            continue
        how = "by name" if column in candidates else _by_question(column, _question(column, labels))
        return column, how + _passed_over(rejected)
    # A header with a number in it is probably the first row of a file without one (a comment
    # as a column name): picking by values would analyse the file one comment short, unasked.
    headerless = any(_is_number(column) for column in columns)
    content = None if headerless else _text_by_values(columns, sample, exclude=rejected)
    if content is not None:
        column, mean = content
        return column, f"by its values (free text, {mean:.0f} characters on average)" + _passed_over(rejected)
    if rejected:
        # Nothing else holds text either: the name is the best evidence left, and every row
        # still becomes a record (a comment of "0" is an error record, not a lost row).
        return rejected[0], "by name, though its first values look like codes or numbers, not comments"
    return None, ""


def _text_candidates_by_name(columns: list[str]) -> list[str]:
    by_name = {normalise_name(c): c for c in reversed(columns)}
    found = [by_name[name] for name in TEXT_COLUMN_NAMES if name in by_name]
    for column in columns:
        norm = normalise_name(column)
        if column not in found and any(word in norm for word in ("comment", "feedback", "verbatim", "review_text")):
            found.append(column)
    return found


# Words of a survey question that asks for a free-text answer.
_TEXT_QUESTION = re.compile(
    r"\b(comments?|why|feedback|anything else|tell us|explain|reasons?|suggestions?|improve|describe|"
    r"in your own words|please share|what could we)\b", re.IGNORECASE)


def _question(column: str, labels: Mapping[str, str]) -> str:
    """A column's survey question: its label, or its name when that reads as a question (ends in
    "?", or four words or more), as Typeform, SurveyMonkey and Google Forms name columns.
    `Recommended IND` (a 0/1 flag) is not a question."""
    if column in labels:
        return labels[column]
    name = column.strip()
    return name if name.endswith("?") or len(name.split()) >= 4 else ""


def _by_question(column: str, label: str) -> str:
    if label == column:
        return "by its question's wording"
    return f"by its question {_short(label)!r}"


def _passed_over(rejected: list[str]) -> str:
    if not rejected:
        return ""
    return f"; {_names(rejected)} {'holds' if len(rejected) == 1 else 'hold'} codes or numbers, not comments"


def _question_asks_for_text(label: str) -> bool:
    return bool(label) and _TEXT_QUESTION.search(label) is not None


def _free_text_verdict(column: str, sample: Sequence[Mapping[str, Any]]) -> bool | None:
    """Whether a column's sampled values could be comments: None when there is nothing to judge by.

    Not comments: mostly values without a letter (0/1, scores, dates, amounts), or a handful of
    short values repeated over many rows (yes/no, positive/negative).
    """
    values = _filled(column, sample)
    if not values:
        return None
    if any(isinstance(v, (dict, list)) for v in values):
        return None  # nested values are told apart later, row by row (TEXT_NOT_STRING)
    texts = [str(v) for v in values]
    with_letters = sum(1 for t in texts if _letters(t) > 0)
    if with_letters * 2 < len(texts):
        return False
    distinct = len(set(texts))
    if len(texts) >= 10 and distinct <= 3 and sum(map(len, texts)) / len(texts) < 12:
        return False
    return True


def _text_by_values(columns: list[str], sample: Sequence[Mapping[str, Any]],
                    exclude: list[str]) -> tuple[str, float] | None:
    """The column whose sampled values are most clearly free text, with their mean length.

    Clearly: strings, mostly letters, several words, and mostly different from each other.
    """
    best: tuple[str, float] | None = None
    for column in columns:
        if column in exclude:
            continue
        values = _filled(column, sample)
        if not values or not all(isinstance(v, str) for v in values):
            continue
        mean = sum(map(len, values)) / len(values)
        words = sum(len(v.split()) for v in values) / len(values)
        letters = sum(_letters(v) for v in values) / max(1, sum(len(v.replace(" ", "")) for v in values))
        distinct = len(set(values)) / len(values)
        if mean >= 15 and words >= 3 and letters >= 0.6 and distinct >= 0.5 and (best is None or mean > best[1]):
            best = (column, mean)
    return best


def _filled(column: str, sample: Sequence[Mapping[str, Any]]) -> list[Any]:
    values = (row.get(column) for row in sample)
    return [v for v in values if v is not None and not (isinstance(v, str) and not v.strip())]


def _is_number(text: str) -> bool:
    try:
        float(text.strip())
    except ValueError:
        return False
    return True


def _letters(text: str) -> int:
    return sum(1 for c in text if c.isalpha())


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)


# Normalised names of a respondent's, ticket's or review's own id, in order of preference.
ID_COLUMN_NAMES = ("id", "response_id", "responseid", "respondent_id", "respondentid")
# *_id columns that name something else than the row: a device network (Typeform), the survey
# link (SurveyMonkey), a list or a distribution.
NOT_ROW_IDS = frozenset({"network_id", "collector_id", "distribution_id", "list_id", "survey_id", "panel_id",
                         "contact_list_id", "form_id", "channel_id", "language_id", "country_id"})


def find_id_column(columns: list[str], *, sample: Sequence[Mapping[str, Any]] = ()) -> str | None:
    """A column named id or *_id; None means records are numbered by row."""
    return pick_id_column(columns, sample=sample)[0]


def pick_id_column(columns: list[str], *, labels: Mapping[str, str] | None = None,
                   sample: Sequence[Mapping[str, Any]] = ()) -> tuple[str | None, str]:
    """The column holding each row's id, and why it was picked.

    `id`, then the names of ID_COLUMN_NAMES (`ResponseId`, `Respondent ID`), or the labels
    (Qualtrics' legacy `V1` is labelled `ResponseID`), then Typeform's `#`,
    then the first other *_id column that is not an id of something else (NOT_ROW_IDS: a
    `Network ID` is the respondent's device network). Among several *_id columns, one whose
    sampled values repeat less is preferred: `App id` names the app, `Review id` the row.

    RETURNS (tuple[str | None, str]): The column (None: rows are numbered) and the reason.
    """
    by_name = {normalise_name(c): c for c in reversed(columns)}
    for name in ID_COLUMN_NAMES:
        if name in by_name:
            return by_name[name], "by name"
    labels = labels or {}
    by_label = {normalise_name(labels[c]): c for c in reversed(columns) if c in labels}
    for name in ID_COLUMN_NAMES:
        if name in by_label:
            return by_label[name], f"by its label {labels[by_label[name]]!r}"
    if "#" in (c.strip() for c in columns):
        return next(c for c in columns if c.strip() == "#"), "by name (Typeform's response number)"
    others = [c for c in columns if normalise_name(c).endswith("_id") and normalise_name(c) not in NOT_ROW_IDS]
    if not others:
        return None, ""
    if len(others) > 1 and sample:
        distinct = {c: len({str(v) for v in _filled(c, sample)}) for c in others}
        best = max(others, key=lambda c: distinct[c])  # the first of the most distinct
        if distinct[best] > distinct[others[0]]:
            return best, f"by name, and its values repeat less than those of {_names([others[0]])}"
    return others[0], "by name"


# Words of a survey question that asks for a score, by kind.
_SCORE_QUESTIONS = (
    ("nps", re.compile(r"\blikel(y|ihood)\b.*\brecommend", re.IGNORECASE)),
    ("csat", re.compile(r"\bsatisf(ied|action)\b", re.IGNORECASE)),
    ("ces", re.compile(r"\b(easy|effort)\b", re.IGNORECASE)),
)


def _score_kind_by_question(label: str) -> str | None:
    for kind, pattern in _SCORE_QUESTIONS:
        if pattern.search(label):
            return kind
    return None


def _by_label(name: str | None, columns: list[str], labels: Mapping[str, str]) -> str | None:
    """The column `name` means: itself, or the column whose question text it is."""
    if name is None or name in columns:
        return name
    wanted = " ".join(name.split()).casefold()
    return next((c for c, label in labels.items() if " ".join(label.split()).casefold() == wanted), name)


def resolve_columns(
    columns: list[str],
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    detect_scores: bool = True,
    labels: Mapping[str, str] | None = None,
    sample: Sequence[Mapping[str, Any]] = (),
) -> ColumnSpec:
    """Decide which columns are the text, the id and the scores.

    columns (list[str]): The table's columns.
    text_column, id_column (str | None): Explicit choices (--text-column, --id-column); they
        always win over detection. Like the columns of `scores`, they may name a survey column
        by its question text (a label).
    scores (dict[str, str] | None): Explicit KIND -> COLUMN (--score); these replace detection
        for their kind.
    detect_scores (bool): Also recognise score columns by name (or by question text).
    labels (Mapping[str, str] | None): Column -> question text, from a survey export
        (`Table.labels`); used where column names are opaque ids.
    sample (Sequence[Mapping[str, Any]]): The first rows' values (`Table.sample`), to tell free
        text from codes and flags.
    RETURNS (ColumnSpec): The mapping, with why each detected column was picked.
    RAISES (InputError): A named column does not exist, or no text column can be found.
    """
    available = _describe_columns(columns)
    labels = labels or {}
    # A survey column may be named by its question text as well as by its field id.
    text_column, id_column = _by_label(text_column, columns, labels), _by_label(id_column, columns, labels)
    scores = {kind: _by_label(column, columns, labels) or column for kind, column in (scores or {}).items()}
    for option, column in (("text_column", text_column), ("id_column", id_column)):
        if column is not None and column not in columns:
            raise InputError(Errors.E011.format(option=option, column=column, available=available))
    why: dict[str, str] = {}
    if text_column:
        text = text_column
    else:
        picked, why["text"] = pick_text_column(columns, labels=labels, sample=sample)
        if picked is None:
            raise InputError(Errors.E012.format(available=available))
        text = picked
    if id_column is not None:
        ident: str | None = id_column
    else:
        ident, why["id"] = pick_id_column([c for c in columns if c != text], labels=labels, sample=sample)
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
        for column in columns:
            question = _question(column, labels)
            if column in (text, ident) or column in mapping or not question:
                continue
            asked = _score_kind_by_question(question)
            if asked is not None and asked not in explicit and asked not in {k for k, _ in mapping.values()}:
                mapping[column] = (asked, kind_of(asked))
                why[f"score {asked}"] = _by_question(column, question)
    return ColumnSpec(text, ident, mapping, why)


def redact_spec(spec: ColumnSpec, columns: list[str]) -> ColumnSpec:
    """The spec with its column names masked as `redact.redact_row` masks a row's keys, so that
    a redacted row is read by the same columns (a column named after an email is "[EMAIL]").

    spec (ColumnSpec): Resolved on the columns as written (the names a user gives match those).
    columns (list[str]): The columns, in order (masked names are told apart by their order).
    RETURNS (ColumnSpec): The same columns under their masked names.
    """
    masked = dict(zip(columns, redact_keys(columns, Counter())))

    def name(column: str) -> str:
        return masked.get(column) or redact_keys([column], Counter())[0]

    return ColumnSpec(name(spec.text), None if spec.id is None else name(spec.id),
                      {name(column): score for column, score in spec.scores.items()}, spec.why)


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
