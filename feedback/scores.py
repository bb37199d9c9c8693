"""Scores: recognising score columns, and parsing and validating their values.

Kinds with a fixed scale are checked against it (NPS 0-10, CSAT 1-5, CES 1-7); a value outside
it, or not a number, is dropped from the record's scores and named in its problems.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import ProblemCode
from .records import Problem


@dataclass(frozen=True, slots=True)
class ScoreKind:
    """A kind of score and its valid range (inclusive); None means unbounded."""

    name: str
    low: float | None = None
    high: float | None = None
    integer: bool = False
    description: str = ""


KINDS: dict[str, ScoreKind] = {
    "nps": ScoreKind("nps", 0, 10, True, "likelihood to recommend, 0-10"),
    "csat": ScoreKind("csat", 1, 5, True, "customer satisfaction, 1-5"),
    "ces": ScoreKind("ces", 1, 7, True, "customer effort, 1-7"),
    "ttr": ScoreKind("ttr", 0, None, False, "time to resolution, hours"),
    "rating": ScoreKind("rating", 0, None, False, "star rating"),
}

# Column names (normalised: lowercase, non-alphanumerics to "_") recognised as each kind.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "nps": ("nps", "nps_score", "likelihood_to_recommend", "ltr", "recommend_score", "nps_rating"),
    "csat": ("csat", "csat_score", "satisfaction", "satisfaction_score", "customer_satisfaction"),
    "ces": ("ces", "ces_score", "effort", "effort_score", "customer_effort", "customer_effort_score"),
    "ttr": ("ttr", "ttr_hours", "time_to_resolution", "time_to_resolution_hours", "resolution_time",
            "resolution_hours", "hours_to_resolution"),
    "rating": ("rating", "stars", "star_rating", "review_rating", "overall_rating"),
    "score": ("score",),
}

# Choice-text answers (what Qualtrics' "choice text" and SurveyMonkey exports hold) read as the
# number of the kind's own scale. Only labels whose place on that scale is fixed are here: the
# 5-point satisfaction scale for CSAT (1-5), the 7-point agreement and ease scales for CES (1-7,
# as CES 2.0 asks "The company made it easy to handle my issue"), and the end points of the 0-10
# NPS question. "Very likely" on a 0-10 scale has no single number: it stays a problem, as does
# any label not listed. An answer that starts with its number ("10 - Extremely likely",
# "5 = Very satisfied") is read as that number, whatever the kind.
SCORE_LABELS: dict[str, dict[str, int]] = {
    "csat": {
        "very dissatisfied": 1, "extremely dissatisfied": 1, "completely dissatisfied": 1,
        "dissatisfied": 2, "somewhat dissatisfied": 2, "unsatisfied": 2,
        "neither satisfied nor dissatisfied": 3, "neutral": 3,
        "satisfied": 4, "somewhat satisfied": 4,
        "very satisfied": 5, "extremely satisfied": 5, "completely satisfied": 5,
    },
    "ces": {
        "strongly disagree": 1, "disagree": 2, "somewhat disagree": 3, "neither agree nor disagree": 4,
        "somewhat agree": 5, "agree": 6, "strongly agree": 7,
        "very difficult": 1, "difficult": 2, "somewhat difficult": 3, "neither easy nor difficult": 4,
        "somewhat easy": 5, "easy": 6, "very easy": 7,
    },
    "nps": {"not at all likely": 0, "extremely likely": 10},
}
# 5-point quality and mood scales, read on the CSAT scale (1-5). A two-choice rating (Zendesk's
# "good"/"bad") lands on the satisfied (4) and dissatisfied (2) sides, as the 5-point scale
# places those words: CSAT's share of 4s and 5s is then the share of "good".
SCORE_LABELS["csat"].update({
    "very poor": 1, "very bad": 1, "terrible": 1, "awful": 1, "very unhappy": 1,
    "poor": 2, "bad": 2, "unhappy": 2, "not good": 2,
    "fair": 3, "average": 3, "okay": 3, "ok": 3,
    "good": 4, "happy": 4,
    "very good": 5, "excellent": 5, "very happy": 5, "great": 5,
})
# 5-point likelihood, agreement and ease scales, for scores of no fixed range ("rating", or any
# name): their place on a 1-5 scale is fixed.
_FIVE_POINT = {
    "very unlikely": 1, "unlikely": 2, "neither likely nor unlikely": 3, "likely": 4, "very likely": 5,
    "strongly disagree": 1, "disagree": 2, "neither agree nor disagree": 3, "agree": 4, "strongly agree": 5,
    "very difficult": 1, "difficult": 2, "neither easy nor difficult": 3, "easy": 4, "very easy": 5,
    **SCORE_LABELS["csat"],
}
# Answers that say no rating was given: Zendesk's satisfaction_rating.score before the survey
# was answered ("offered") or sent ("unoffered").
_NOT_RATED = frozenset({"offered", "unoffered", "not rated", "no rating"})
_LEADING_NUMBER_RE = re.compile(r"^(\d{1,2})\s*(?:-|–|—|=|:|\.|\))\s*[^\W\d_]")
_MISSING = frozenset({"", "n/a", "na", "nan", "null", "none", "-", "--", "?", "#n/a", "not applicable"})
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA_RE = re.compile(r"^[+-]?\d+,\d+$")


def normalise_name(name: str) -> str:
    """'Review Text' -> 'review_text': the form column names are compared in."""
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def column_key(name: str) -> str:
    """A column name as columns are compared: 'Review Text', 'reviewText' -> 'review_text'.

    JSON APIs name fields in camelCase (App Store Connect's `createdDate`, `reviewId`); a
    lowercase letter before a capital is a word break.
    """
    return normalise_name(_CAMEL.sub("_", name))


def kind_of(name: str) -> ScoreKind:
    """The ScoreKind for a kind name; unknown names are plain numbers with no range."""
    return KINDS.get(name, ScoreKind(name))


def parse_score(value: Any, kind: ScoreKind, column: str,
                labels: Mapping[str, float] | None = None) -> tuple[float | None, Problem | None]:
    """Parse one score cell.

    value (Any): The raw cell: a string from CSV, or any JSON value.
    kind (ScoreKind): What the number must be.
    column (str): The column name, for the problem message.
    labels (Mapping[str, float] | None): Your own label -> number map (`--score-map`), keyed by
        `label_key`; it wins over the built-in labels.
    RETURNS (tuple): (number or None, problem or None). Missing values ("", "N/A") give
        (None, None): a respondent who skipped a question is not a data error.
    """
    if value is None:
        return None, None
    if isinstance(value, bool):
        number = float(value)
    elif isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            return None, Problem(
                ProblemCode.SCORE_OUT_OF_RANGE.value,
                f"{column}: {_show(value)} is too large for a {kind.name} score; left out",
                column,
            )
    elif isinstance(value, str):
        text = value.strip()
        if text.lower() in _MISSING or text.lower() in _NOT_RATED:
            return None, None
        if labels and label_key(text) in labels:
            return _checked(labels[label_key(text)], kind, column, value)
        if text.endswith("%"):
            text = text[:-1].rstrip()  # "85%" scores 85: the kind's range decides if that fits
        if _THOUSANDS_RE.match(text):
            text = text.replace(",", "")
        elif _DECIMAL_COMMA_RE.match(text):
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            label = score_of_label(text, kind)
            if label is not None:
                return label, None
            return None, Problem(
                ProblemCode.SCORE_NOT_A_NUMBER.value,
                f"{column}: {_show(value)} is not a number; the {kind.name} score was left out",
                column,
            )
    else:
        return None, Problem(
            ProblemCode.SCORE_NOT_A_NUMBER.value,
            f"{column}: a {type(value).__name__} is not a number; the {kind.name} score was left out",
            column,
        )
    return _checked(number, kind, column, value)


def _checked(number: float, kind: ScoreKind, column: str, value: Any) -> tuple[float | None, Problem | None]:
    """The number if it fits `kind`'s scale, else the problem that says why not."""
    if not math.isfinite(number):
        return None, Problem(
            ProblemCode.SCORE_NOT_A_NUMBER.value, f"{column}: {_show(value)} is not a finite number", column
        )
    if (kind.low is not None and number < kind.low) or (kind.high is not None and number > kind.high):
        high = "" if kind.high is None else f"{kind.high:g}"
        return None, Problem(
            ProblemCode.SCORE_OUT_OF_RANGE.value,
            f"{column}: {number:g} is outside the {kind.name} range {kind.low:g}-{high}; left out",
            column,
        )
    if kind.integer and not number.is_integer():
        return None, Problem(
            ProblemCode.SCORE_NOT_INTEGER.value,
            f"{column}: {number:g} is not a whole number on the {kind.name} scale; left out",
            column,
        )
    return (int(number) if number.is_integer() else number), None


def score_of_label(text: str, kind: ScoreKind) -> int | None:
    """The number a choice-text answer stands for on `kind`'s scale (SCORE_LABELS); None if unknown.

    text (str): The answer, e.g. "Extremely satisfied" or "10 - Extremely likely".
    kind (ScoreKind): The score's kind.
    RETURNS (int | None): The number, checked against the kind's range; None when the label is
        not known for the kind, or its number falls outside the range.
    """
    match = _LEADING_NUMBER_RE.match(text)
    if match:
        number = int(match.group(1))
    else:
        scale = SCORE_LABELS.get(kind.name, _FIVE_POINT if kind.name not in KINDS or kind.name == "rating" else {})
        found = scale.get(label_key(text))
        if found is None:
            return None
        number = found
    if (kind.low is not None and number < kind.low) or (kind.high is not None and number > kind.high):
        return None
    return number


def label_key(text: str) -> str:
    """A choice label as labels are compared: lowercase, single spaces, no final full stop."""
    return " ".join(text.lower().split()).rstrip(".")


# Name words of each kind, for column names that are not exactly one of COLUMN_NAMES
# ("Customer Satisfaction Rating", "Likelihood to Recommend", "Review Stars").
_KIND_WORDS = (
    ("nps", re.compile(r"(^|_)(nps|ltr)(_|$)|likel\w*_(to_)?recommend")),
    ("csat", re.compile(r"(^|_)(csat|satisf\w*)(_|$)")),
    ("ces", re.compile(r"(^|_)(ces|effort)(_|$)")),
    ("ttr", re.compile(r"(^|_)(ttr|time_to_resol\w*|resolution_(time|hours))(_|$)")),
    ("rating", re.compile(r"(^|_)(ratings?|stars?|rated|score)(_|$)")),
)
# Name words of columns that are about a score without being one: its id, date, comment, count.
_NOT_A_SCORE = re.compile(r"(^|_)(id|ids|date|at|on|time|timestamp|created|updated|comments?|remarks?|text|"
                          r"reason|count|total|average|avg|question|url|link|title|reply|type)(_|$)")


def kind_by_name(column: str) -> str | None:
    """The score kind a column name says it holds, exact names first, then name words.

    column (str): A column name or dotted path ("satisfaction_rating.score").
    RETURNS (str | None): "nps", "csat", "ces", "ttr", "rating", "score", or None.
    """
    norm = column_key(column)
    for kind, names in COLUMN_NAMES.items():
        if norm in names:
            return kind
    if _NOT_A_SCORE.search(norm) and not _KIND_WORDS[3][1].search(norm):
        return None
    for kind, pattern in _KIND_WORDS:
        if pattern.search(norm):
            # TTR is in hours: "First reply time in minutes" is another unit, not a guess.
            return None if kind == "ttr" and _OTHER_TIME_UNIT.search(norm) else kind
    return None


_OTHER_TIME_UNIT = re.compile(r"(^|_)(minutes?|mins?|seconds?|secs?|days?|ms)(_|$)")


def _show(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**40:
        return f"a {len(str(abs(value)))}-digit integer"  # repr of a huge int is slow, and long
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "...'"
