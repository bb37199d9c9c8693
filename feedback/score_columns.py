"""Which columns hold scores: by name (exact, then name words), by survey question, then checked
against the column's values, so a column is accepted or passed over once, with one reason,
instead of giving every row the same problem.

A column named like a score whose first values are mostly not scores of its kind (a `TTR`
column of timestamps, a `satisfaction_rating.comment`) is passed over with a note. A 0/1 column
is a flag, not an NPS, CSAT or CES answer. A plain `score` column whose values are whole numbers
from 1 to 5 is a star rating.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping, Sequence

from .json_values import value_at
from .scores import COLUMN_NAMES, column_key, kind_by_name, kind_of, parse_score

# Words of a survey question that asks for a score, by kind.
_SCORE_QUESTIONS = (
    ("nps", re.compile(r"\blikel(y|ihood)\b.*\brecommend", re.IGNORECASE)),
    ("csat", re.compile(r"\bsatisf(ied|action)\b", re.IGNORECASE)),
    ("ces", re.compile(r"\b(easy|effort)\b", re.IGNORECASE)),
)
_FLAG_KINDS = ("nps", "csat", "ces")


def score_kind_by_question(label: str) -> str | None:
    """The score kind a survey question asks for ("How likely ... recommend": "nps"), or None."""
    for kind, pattern in _SCORE_QUESTIONS:
        if pattern.search(label):
            return kind
    return None


def detect_score_columns(columns: Sequence[str], *, skip: set[str], taken: set[str],
                         question: Callable[[str], str], sample: Sequence[Mapping[str, Any]],
                         labels_map: Mapping[str, float] | None = None,
                         ) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Score columns found by name or question and checked against their values.

    columns (Sequence[str]): The table's columns, in order.
    skip (set[str]): Columns that are something else (the text, the id, explicit scores).
    taken (set[str]): Kinds already given (`--score`): not detected again.
    question (Callable[[str], str]): A column's survey question, "" when it has none.
    sample (Sequence[Mapping[str, Any]]): The first rows' values.
    labels_map (Mapping[str, float] | None): `--score-map` labels, which count as scores.
    RETURNS (tuple): column -> kind, kind -> why (for messages), and notes on columns passed over.
    """
    found: dict[str, str] = {}
    why: dict[str, str] = {}
    notes: list[str] = []
    taken = set(taken)
    exact = [(c, k) for c in columns for k, names in COLUMN_NAMES.items() if column_key(c) in names]
    by_words = [(c, k) for c in columns if (k := kind_by_name(c)) is not None]
    asked = [(c, k) for c in columns if (q := question(c)) and (k := score_kind_by_question(q)) is not None]
    for stage, candidates in (("by name", exact), ("by name", by_words), ("by its question", asked)):
        for column, kind in candidates:
            if column in skip or column in found or kind in taken:
                continue
            verdict, kind, reason = _check_values(column, kind, sample, labels_map)
            if verdict is False:
                if reason and not any(note.startswith(repr(column)) for note in notes):
                    notes.append(f"{column!r} is named like a {kind} score but {reason}; not read as a score "
                                 f"(--score {kind}=COLUMN to insist)")
                continue
            if kind in taken:
                continue
            found[column] = kind
            taken.add(kind)
            why[f"score {kind}"] = stage + (f"; {reason}" if reason else "")
    return found, why, notes


def _check_values(column: str, kind: str, sample: Sequence[Mapping[str, Any]],
                  labels_map: Mapping[str, float] | None) -> tuple[bool | None, str, str]:
    """(verdict, kind, reason): False when the sampled values are not scores of `kind`."""
    values = [v for v in (value_at(row, column) for row in sample)
              if v is not None and not (isinstance(v, str) and not v.strip())]
    if not values:
        return None, kind, ""
    if sum(isinstance(v, (dict, list)) for v in values) * 2 > len(values):
        return False, kind, ""  # the object around the score (`satisfaction_rating`), not the score
    numbers: list[float] = []
    failed: list[Any] = []
    for value in values:
        number, problem = parse_score(value, kind_of(kind), column, labels_map)
        if problem is not None:
            failed.append(value)
        elif number is not None:
            numbers.append(number)
    if len(failed) > len(numbers):
        example = repr(failed[0]) if len(repr(failed[0])) <= 30 else repr(failed[0])[:27] + "...'"
        return False, kind, f"{len(failed)} of its first {len(values)} values are not ({example})"
    if kind in _FLAG_KINDS and len(numbers) >= 5 and set(numbers) <= {0, 1}:
        return False, kind, "its values are only 0 and 1 (a flag)"
    if kind == "score" and numbers and all(float(n).is_integer() and 1 <= n <= 5 for n in numbers):
        return True, "rating", "whole numbers from 1 to 5, read as a star rating"
    return True, kind, ""
