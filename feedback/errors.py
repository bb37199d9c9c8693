"""Every exception the library raises, and the coded catalogue of their messages.

A message states what went wrong, shows the value, and suggests a fix. Library messages name
*parameters* in backticks (`text_column`); the CLI shows them as its flags (--text-column), so
the same message serves the Python API and the command line. Codes never change meaning once
shipped: tests and users may match on them.

    raise InputError(Errors.E001.format(path=path))   # "[E001] No such input file: 'x.csv'"

Row-level problems (a bad score, an empty comment) are not exceptions: they are data, written
into the record or the error record, with the codes of `RowErrorCode` and `ProblemCode`, which
the published schemas (feedback/schemas/*.json) list.
"""

from __future__ import annotations

from enum import Enum


class ErrorsWithCodes(type):
    """Class attributes named E### read as "[E###] message" (spaCy's catalogue does the same)."""

    def __getattribute__(cls, code: str) -> str:
        message = super().__getattribute__(code)
        if code.startswith("_") or not isinstance(message, str):
            return message
        return f"[{code}] {message}"


class Errors(metaclass=ErrorsWithCodes):
    """User-facing error messages. Sections by area; add new codes at the end of their section."""

    # --- E0xx: reading input (files, formats, encodings, columns) ---------------------------
    E001 = "No such input file: {path!r}"

    # --- E1xx: taxonomy and lexicon ---------------------------------------------------------
    E101 = "Invalid taxonomy {path}: {n} problem(s): {problems}"

    # --- E2xx: theme models, training and evaluation ----------------------------------------
    E201 = "{path} is not a feedback model directory ({reason})"

    # --- E3xx: reports ----------------------------------------------------------------------
    E301 = "{path} holds no analysed records"

    # --- E4xx: discovery --------------------------------------------------------------------
    E401 = "Only {n} {which} to look for topics in; discovery needs at least {minimum}."
    E402 = "No word occurs in {min_df} or more of the {n} comments: too little text to find topics in."
    E403 = "Record {id!r} is not an analysed record as `feedback analyze` writes it: {detail}"
    E404 = "Not a line of analysed records (JSONL): {detail}"
    E405 = "No candidates: a taxonomy file needs at least one theme."
    E406 = "`{name}` must be {minimum} or more, not {value!r}"
    E407 = "This TopicModel is not fitted yet: call `fit` first."

    # --- E5xx: running an analysis (options, outputs, resume, workers) -----------------------
    E501 = "A worker process failed: {detail}"

    # --- E6xx: the Dask engine --------------------------------------------------------------
    E601 = "Dask is not installed: {hint}"


class FeedbackError(Exception):
    """Base class for errors a user can act on; the CLI shows them as one line."""


class InputError(FeedbackError, ValueError):
    """The input file cannot be read as a table of comments (not a single bad row)."""


class TaxonomyError(FeedbackError, ValueError):
    """A taxonomy file is invalid. `problems` lists every issue found, not only the first."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(Errors.E101.format(path=path, n=len(problems), problems="; ".join(problems)))


class LexiconError(FeedbackError, ValueError):
    """A sentiment lexicon file is invalid."""


class ModelError(FeedbackError, ValueError):
    """A model directory is missing, tampered with, or of an unknown format."""


class NotFittedError(FeedbackError, ValueError):
    """An estimator was used before `fit` (scikit-learn's NotFittedError has the same bases)."""


class ReportError(FeedbackError, ValueError):
    """Analysed records cannot be reported on as asked."""


class DiscoveryError(FeedbackError, ValueError):
    """Topics cannot be discovered from the input as asked."""


class OptionsError(FeedbackError, ValueError):
    """Options that cannot be used together, or a value no option accepts."""


class ResumeError(FeedbackError):
    """A run cannot be resumed from the state it left."""


class MissingExtraError(FeedbackError, ImportError):
    """An optional dependency (pyarrow, dask) is needed and not installed."""


class WorkerError(FeedbackError, RuntimeError):
    """A worker process died; the rows it held were not analysed."""


class RowErrorCode(str, Enum):
    """Why a row could not be analysed (the `error.code` of an error record)."""

    EMPTY_TEXT = "empty_text"
    MISSING_TEXT = "missing_text"
    TEXT_NOT_STRING = "text_not_string"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    UNPARSEABLE_ROW = "unparseable_row"
    UNBALANCED_QUOTE = "unbalanced_quote"


class ProblemCode(str, Enum):
    """Something noted about a row that was still analysed (a record's `problems[].code`)."""

    SCORE_NOT_A_NUMBER = "score_not_a_number"
    SCORE_OUT_OF_RANGE = "score_out_of_range"
    SCORE_NOT_INTEGER = "score_not_integer"
    INVALID_ENCODING = "invalid_encoding"
    EXTRA_FIELDS = "extra_fields"
    MISSING_FIELDS = "missing_fields"
    TEXT_TRUNCATED = "text_truncated"
