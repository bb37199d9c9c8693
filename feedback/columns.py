"""Columns: which column holds the comment, the id and each score; turning rows into Comments."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

from .config import ReadOptions
from .errors import Errors, InputError, ProblemCode, RowErrorCode
from .json_values import MAX_JSON_DEPTH, all_plain, finite_or_null, has_non_finite, has_value_at, too_deep, value_at
from .language import clean_text, looks_like_html, may_be_mojibake, mojibake_sample, plain_text, repair_mojibake
from .email_text import own_words
from .records import Comment, ErrorRecord, Problem, SourceRow
from .redact import redact_keys
from .id_columns import ID_COLUMN_NAMES, NOT_ROW_IDS, find_id_column, pick_id_column  # noqa: F401 (re-exported)
from .score_columns import detect_score_columns
from .scores import ScoreKind, column_key, kind_of, label_key, parse_score

# Normalised column names that hold the comment, most specific first.
TEXT_COLUMN_NAMES = (
    "comment", "comments", "text", "feedback", "review_text", "review", "reviews", "review_content",
    "review_body", "verbatim", "response", "response_text", "answer", "body", "message", "description_text",
    "description", "content", "remarks", "notes", "free_text", "open_text", "open_ended", "customer_comment",
    "customer_feedback", "feedback_text", "comment_text", "survey_comment", "ticket_description", "why",
    "reason", "details",
)
# Words that make a column name a text candidate ("Ticket Description", "source.body").
_TEXT_NAME_WORDS = re.compile(r"(comment|feedback|verbatim|review|description|(^|_)(body|text|content|message)$)")
# Words of text columns that are not the customer's comment: a reply, a title, a link.
_NOT_CUSTOMER_TEXT = re.compile(r"(^|_)(reply|replies|developer|agent|admin|company|title|subject|url|link|id|"
                                r"date|type|language|lang|rating|score|stars|status|count)(_|$)")
# ... except the comment given with a rating (Help Scout's `Rating Comments`, Zendesk's
# `satisfaction_rating.comment`): the customer's own words.
_RATING_COMMENT = re.compile(r"(^|_)(rating|score|stars|survey)_(comments?|feedback|text|reason)$")
_HEADLINE = re.compile(r"(^|_)(title|subject|headline)$")
# Names of a title or headline written over the comment (Google Play's `Review Title`, App
# Store's `title`, Trustpilot's `Review Title`), analysed with it.
_TITLE_NAMES = re.compile(r"^(.*_)?(title|headline|summary)$")
# Between the texts of several columns in one comment: a paragraph break, so a title without a
# full stop does not run into the body's first sentence.
TEXT_SEPARATOR = "\n\n"
# A comment longer than this is analysed on its first part only (the record says so); spaCy's
# own limit is 1M characters and nobody writes a useful survey answer that long.
MAX_ANALYSED_CHARS = 100_000


@dataclass(frozen=True)
class ColumnSpec:
    """Where the comment, the id and the scores are in a table."""

    text: str
    id: str | None
    scores: dict[str, tuple[str, ScoreKind]] = field(default_factory=dict)  # column -> (name, kind)
    # Role ("text", "id", "score nps") -> why detection picked that column, for messages;
    # "note N" -> something said once about a column or the file (a column passed over).
    why: dict[str, str] = field(default_factory=dict, compare=False)
    # With several text columns (a title over a body), all of them in order; `text` is one of them.
    text_columns: tuple[str, ...] = ()
    score_labels: dict[str, float] = field(default_factory=dict)  # --score-map, by `label_key`

    @property
    def texts(self) -> tuple[str, ...]:
        """The text columns, in the order their texts are joined."""
        return self.text_columns or (self.text,)


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
    content = [] if headerless else _text_by_values(columns, sample, exclude=rejected)
    if len(content) > 1 and content[1][1] >= 0.6 * content[0][1]:
        # Two columns of free text of like length (two open questions, a comment and a
        # complaint narrative): picking one would silently leave the other out.
        shown = ", ".join(f"{column!r} ({mean:.0f} characters on average)" for column, mean in content[:5])
        return None, f"{shown} all hold free text"
    if content:
        column, mean = content[0]
        return column, f"by its values (free text, {mean:.0f} characters on average)" + _passed_over(rejected)
    if rejected and len(_filled(rejected[0], sample)) < 5:
        # Too few rows to judge a whole column by: the name is the best evidence left, and
        # every row still becomes a record (a comment of "0" is an error record).
        return rejected[0], "by name, though its first values look like codes or numbers, not comments"
    if rejected:
        # Never a column of codes or flags as the comments: a run of "0" and "1" analysed
        # as 3,000 comments looks like a result. Stop and name what was found instead.
        values = ", ".join(repr(str(v)) for v in list(dict.fromkeys(_filled(rejected[0], sample)))[:3])
        return None, (f"{_names(rejected)} {'is' if len(rejected) == 1 else 'are'} named like comments but "
                      f"hold{'s' if len(rejected) == 1 else ''} codes or numbers ({values}), and no other column holds free text")
    return None, ""


def _text_candidates_by_name(columns: list[str]) -> list[str]:
    by_name = {column_key(c): c for c in reversed(columns)}
    found = [by_name[name] for name in TEXT_COLUMN_NAMES if name in by_name]
    for column in columns:
        norm = column_key(column)
        if column not in found and _TEXT_NAME_WORDS.search(norm) and not _not_customer_text(norm):
            found.append(column)
    return found


def _not_customer_text(norm: str) -> bool:
    return _NOT_CUSTOMER_TEXT.search(norm) is not None and _RATING_COMMENT.search(norm) is None


def find_title_column(columns: list[str], text: str, sample: Sequence[Mapping[str, Any]] = ()) -> str | None:
    """A title written over the comment in `text` (`Review Title` over `Review Text`), or None.

    Only beside the text (the same parent object in JSON, the same name prefix in a table), and
    only when its values are text, not codes.
    """
    parent = text.rpartition(".")[0]
    prefix = column_key(text.rpartition(".")[2]).split("_")[0]
    for column in columns:
        if column == text or column.rpartition(".")[0] != parent:
            continue
        norm = column_key(column.rpartition(".")[2])
        match = _TITLE_NAMES.match(norm)
        if match is None or norm.startswith(("job", "page", "product", "conversation", "ticket")):
            continue
        if match.group(1) and match.group(1).rstrip("_") != prefix:
            continue  # `Review Title` goes with `Review Text`, not with `Ticket Description`
        if _free_text_verdict(column, sample) is not False:
            return column
    return None


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
    if sum(isinstance(v, (dict, list)) for v in values) * 2 > len(values):
        return False  # a list of messages or an object (Zendesk's `comments`) is not one comment
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
                    exclude: list[str]) -> list[tuple[str, float]]:
    """The columns whose sampled values are clearly free text, with their mean length, longest first.

    Clearly: strings, mostly letters, several words, and mostly different from each other. A
    reply or title column (`Developer Reply Text`) is not the customer's comment.
    """
    found: list[tuple[str, float]] = []
    headlines: list[tuple[str, float]] = []
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
        key = column_key(column)
        if mean >= 15 and words >= 3 and letters >= 0.6 and distinct >= 0.5 and not _not_customer_text(key):
            found.append((column, mean))
        elif mean >= 15 and words >= 3 and letters >= 0.6 and distinct >= 0.5 and _HEADLINE.search(key):
            headlines.append((column, mean))
    # A subject or title is the comment only when nothing else is (Zendesk's CSV export has
    # no description).
    return sorted(found or headlines, key=lambda item: -item[1])


def _filled(column: str, sample: Sequence[Mapping[str, Any]]) -> list[Any]:
    values = (value_at(row, column) for row in sample)
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
    text_columns: Sequence[str] = (),
    score_labels: Mapping[str, float] | None = None,
    notes: Sequence[str] = (),
    empty: bool = False,
) -> ColumnSpec:
    """Decide which columns are the text, the id and the scores.

    columns (list[str]): The table's columns.
    text_column, id_column (str | None): Explicit choices (--text-column, --id-column); they
        always win over detection. Like the columns of `scores`, they may name a survey column
        by its question text (a label), and in JSON a nested field by its dotted path.
    scores (dict[str, str] | None): Explicit KIND -> COLUMN (--score); these replace detection
        for their kind.
    detect_scores (bool): Also recognise score columns by name (or by question text).
    labels (Mapping[str, str] | None): Column -> question text, from a survey export
        (`Table.labels`); used where column names are opaque ids.
    sample (Sequence[Mapping[str, Any]]): The first rows' values (`Table.sample`), to tell free
        text from codes and flags, and scores from what is only named like one.
    text_columns (Sequence[str]): Several text columns (--text-column repeated), joined in this
        order into one comment; `text_column` is ignored when given.
    score_labels (Mapping[str, float] | None): --score-map: answer label -> number.
    notes (Sequence[str]): What reading said about the file (`Table.notes`), kept for messages.
    empty (bool): The table has no rows (`Table.empty`): no text column is then not an error.
    RETURNS (ColumnSpec): The mapping, with why each detected column was picked.
    RAISES (InputError): A named column does not exist, or no text column can be found.
    """
    available = _describe_columns(columns)
    labels = labels or {}
    # A survey column may be named by its question text as well as by its field id.
    named_texts = [_by_label(c, columns, labels) or c for c in (text_columns or ([text_column] if text_column else []))]
    id_column = _by_label(id_column, columns, labels)
    scores = {kind: _by_label(column, columns, labels) or column for kind, column in (scores or {}).items()}
    for option, column in [*(("text_column", c) for c in named_texts), ("id_column", id_column)]:
        if column is not None and column not in columns:
            raise InputError(Errors.E011.format(option=option, column=column, available=available))
    why: dict[str, str] = {}
    if named_texts:
        text, texts = named_texts[-1], tuple(dict.fromkeys(named_texts))
    else:
        picked, why["text"] = pick_text_column(columns, labels=labels, sample=sample)
        if picked is None and empty:
            picked, why["text"] = "", ""  # nothing to read: the run says there are no rows
        elif picked is None:
            if why["text"]:
                raise InputError(Errors.E028.format(candidates=why["text"]))
            raise InputError(Errors.E012.format(available=available))
        text, texts = picked, (picked,)
        title = find_title_column(columns, text, sample)
        if title is not None:
            texts = (title, text)
            why["title"] = f"{title!r} is analysed with it, before it (a title over the comment)"
    if id_column is not None:
        ident: str | None = id_column
    else:
        ident, why["id"] = pick_id_column([c for c in columns if c not in texts], labels=labels, sample=sample)
    explicit = dict(scores or {})
    mapping: dict[str, tuple[str, ScoreKind]] = {}
    for kind, column in explicit.items():
        if column not in columns:
            raise InputError(Errors.E013.format(kind=kind, column=column, available=available))
        mapping[column] = (kind, kind_of(kind))
    score_labels = {label_key(label): value for label, value in (score_labels or {}).items()}
    column_notes = list(notes)
    if detect_scores:
        found, found_why, passed_over = detect_score_columns(
            columns, skip={*texts, *([ident] if ident else []), *mapping}, taken=set(explicit),
            question=lambda column: _question(column, labels), sample=sample, labels_map=score_labels)
        mapping.update((column, (kind, kind_of(kind))) for column, kind in found.items())
        why.update(found_why)
        column_notes.extend(passed_over)
    why.update((f"note {i}", note) for i, note in enumerate(column_notes, 1))
    return ColumnSpec(text, ident, mapping, why, texts if len(texts) > 1 else (), score_labels)


def resolve_read(columns: list[str], read: ReadOptions, *, labels: Mapping[str, str] | None = None,
                 sample: Sequence[Mapping[str, Any]] = (), notes: Sequence[str] = (),
                 preset: Mapping[str, Any] | None = None, empty: bool = False) -> ColumnSpec:
    """`resolve_columns` with what ReadOptions says, a vendor preset's picks under it.

    columns (list[str]): The table's columns.
    read (ReadOptions): Its text, id and score columns and score map win.
    labels, sample, notes, empty: As `Table` has them.
    preset (Mapping[str, Any] | None): A vendor's columns (`io.vendors.Source.columns_for`):
        "text_columns", "id_column", "scores"; used where the options name none.
    RETURNS (ColumnSpec): The mapping.
    """
    preset = preset or {}
    text_columns = read.text_columns or ((read.text_column,) if read.text_column else ()) or preset.get("text_columns", ())
    scores = {**preset.get("scores", {}), **read.score_columns}
    return resolve_columns(columns, text_columns=text_columns, id_column=read.id_column or preset.get("id_column"),
                           scores=scores, labels=labels, sample=sample,
                           score_labels={**preset.get("score_map", {}), **dict(read.score_map)},
                           notes=notes, empty=empty)


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
                      {name(column): score for column, score in spec.scores.items()}, spec.why,
                      tuple(name(column) for column in spec.text_columns), spec.score_labels)


def to_comment(row: SourceRow, spec: ColumnSpec) -> Comment | ErrorRecord:
    """Map a source row onto a Comment, or an ErrorRecord when there is nothing to analyse.

    row (SourceRow): A row as read.
    spec (ColumnSpec): The column mapping.
    RETURNS (Comment | ErrorRecord): Score problems are named in the Comment; an empty or
        non-text comment gives an ErrorRecord that keeps all the row's values.
    """
    values = row.values
    problems = list(row.problems)
    plain = all_plain(values)
    deep = [] if plain else [k for k, v in values.items() if too_deep(v, MAX_JSON_DEPTH - 1)]
    if deep:
        # Writing it (or sending it to a worker) would recurse past Python's limit.
        kept = {k: (None if k in deep else v) for k, v in values.items()}
        return ErrorRecord(row.row, row.line, _row_id(finite_or_null(kept), spec, row.row),
                           RowErrorCode.NESTED_TOO_DEEP.value,
                           f"{_describe_columns(deep)}: nested more than {MAX_JSON_DEPTH} levels deep; "
                           "left out", finite_or_null(kept), row.redacted)
    raw_text = value_at(values, spec.text)
    if isinstance(raw_text, float) and not math.isfinite(raw_text):
        raw_text = None  # pandas' NaN for a missing value; the word "nan" in a CSV cell is text
    source = values  # scores are parsed from it: a NaN score is a score problem of its own
    if not plain and has_non_finite(values):
        # NaN and Infinity are not JSON: written as null, and the record says where.
        bad = [k for k, v in values.items() if k != spec.text and k not in spec.scores and has_non_finite(v)]
        values = finite_or_null(values)
        if bad:
            problems.append(Problem(ProblemCode.NOT_A_FINITE_NUMBER.value,
                                    f"{_describe_columns(bad)}: NaN or Infinity is not JSON; written as null",
                                    bad[0]))
    ident = _row_id(values, spec, row.row)
    if not any(has_value_at(values, column) for column in spec.texts):
        return ErrorRecord(row.row, row.line, ident, RowErrorCode.MISSING_TEXT.value,
                           f"no {spec.text!r} field in this row", values, row.redacted)
    if isinstance(raw_text, (dict, list)):
        return ErrorRecord(row.row, row.line, ident, RowErrorCode.TEXT_NOT_STRING.value,
                           f"{spec.text!r} holds a {type(raw_text).__name__}, not text", values, row.redacted)
    pieces: list[tuple[str, str]] = []
    for column in spec.texts:
        raw = raw_text if column == spec.text else value_at(values, column)
        if raw is None or isinstance(raw, (dict, list)) or (isinstance(raw, float) and not math.isfinite(raw)):
            continue
        piece = str(raw)
        # Repaired before control characters go: double-encoded Devanagari or Chinese holds
        # bytes read as C1 controls ("à¤\x9c"), which cleaning would delete.
        if may_be_mojibake(piece):
            repaired = repair_mojibake(piece)
            if repaired != piece:
                problems.append(Problem(ProblemCode.MOJIBAKE_REPAIRED.value,
                                        f"{column}: double-encoded UTF-8 ({mojibake_sample(piece)!r}...) was repaired",
                                        column))
                piece = repaired
        piece = clean_text(piece)
        if piece and looks_like_html(piece):
            piece = plain_text(piece)
        own = own_words(piece)
        if own.cut_at is not None:
            problems.append(Problem(ProblemCode.QUOTED_TEXT_REMOVED.value,
                                    f"{column}: {own.cut_at} and all after it were left out, not the customer's own words "
                                    f"({len(piece) - len(own.text):,} characters)", column))
            piece = own.text
        if piece:
            pieces.append((column, piece))
    text = TEXT_SEPARATOR.join(piece for _, piece in pieces)
    parts: list[tuple[str, int, int]] = []
    if len(spec.texts) > 1:
        start = 0
        for column, piece in pieces:
            parts.append((column, start, start + len(piece)))
            start += len(piece) + len(TEXT_SEPARATOR)
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
        number, problem = parse_score(value_at(source, column), kind, column, spec.score_labels)
        if problem is not None:
            problems.append(problem)
        elif number is not None:
            scores[name] = number
    used = {*spec.texts, spec.id, *spec.scores}
    fields = {k: v for k, v in values.items() if k not in used}
    return Comment(ident, row.row, row.line, text, scores, fields, tuple(problems), row.redacted, tuple(parts),
                   row.duplicate_of)


# Normalised comments remembered to find duplicates: 16-byte digests, about 100 bytes each with
# the id, so at most ~50 MB; past this many distinct comments, new ones are no longer remembered
# (a later repeat of them is not flagged) and memory stays bounded.
MAX_TRACKED_TEXTS = 500_000
_NOT_WORDS = re.compile(r"[\W_]+")


def mark_duplicates(rows: Iterable[SourceRow | ErrorRecord], spec: ColumnSpec, *,
                    limit: int = MAX_TRACKED_TEXTS) -> Iterator[SourceRow | ErrorRecord]:
    """Rows whose comment repeats an earlier row's, with that row's id in `duplicate_of`.

    Comments are compared normalised: case, spacing and punctuation ignored ("Great app!" and
    "great app" are the same). A duplicate is still analysed; the record says whose it repeats.

    rows (Iterable[SourceRow | ErrorRecord]): As read, in order.
    spec (ColumnSpec): Where the text and the id are.
    limit (int): Distinct comments remembered (MAX_TRACKED_TEXTS).
    YIELDS (SourceRow | ErrorRecord): The same rows, duplicates marked.
    """
    import hashlib

    seen: dict[bytes, str] = {}
    for row in rows:
        if isinstance(row, SourceRow):
            parts = [value_at(row.values, column) for column in spec.texts]
            joined = " ".join(p for p in parts if isinstance(p, str))
            if may_be_mojibake(joined):
                joined = repair_mojibake(joined)
            text = _NOT_WORDS.sub(" ", joined.casefold()).strip()
            if text:
                key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                first = seen.get(key)
                if first is not None:
                    row = dataclasses.replace(row, duplicate_of=first)
                elif len(seen) < limit:
                    seen[key] = _row_id(row.values, spec, row.row)
        yield row


def _row_id(values: dict[str, Any], spec: ColumnSpec, row: int) -> str:
    raw_id = value_at(values, spec.id) if spec.id is not None else None
    return str(row) if raw_id is None or raw_id == "" else _id_string(raw_id)


def _id_string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
