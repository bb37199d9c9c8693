"""The records passed between stages. Imports nothing from feedback.

Stages build new records and never edit old ones, hence frozen dataclasses.
`to_dict()` gives the JSON shape published in feedback/schemas/record.schema.json.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

SCHEMA_VERSION = "1.4"  # 1.1: "language" and "skipped"; null sentiment for skipped comments
# 1.2: optional "text_fields" (several text columns in one comment) and "duplicate_of"
# 1.3: "corrected" and sentiment "source" on records a person corrected (`--corrections`)
# 1.4: problem code "quoted_text_removed" (an e-mail's quoted thread or sign-off left out)


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong with a row that did not stop it from being analysed (or did, for errors)."""

    code: str
    message: str
    column: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.column is not None:
            d["column"] = self.column
        return d


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One row as read from the input, before any analysis."""

    row: int  # 1-based data row (the header is not a row)
    line: int  # 1-based physical line where the row starts in the file
    values: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    redacted: dict[str, int] | None = None  # PII kinds masked, when --redact is on
    duplicate_of: str | None = None  # the id of an earlier row with the same comment (`columns.mark_duplicates`)


@dataclass(frozen=True, slots=True)
class Comment:
    """A row mapped onto the columns that matter: id, text, scores, and the rest."""

    id: str
    row: int
    line: int
    text: str
    scores: dict[str, float]
    fields: dict[str, Any]
    problems: tuple[Problem, ...] = ()
    redacted: dict[str, int] | None = None
    # With several text columns: (column, start, end) of each one's text in `text`.
    text_fields: tuple[tuple[str, int, int], ...] = ()
    duplicate_of: str | None = None  # the id of an earlier comment with the same normalised text


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a comment with its character span in the comment's text."""

    text: str
    start: int
    end: int
    compound: float

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "compound": self.compound}


@dataclass(frozen=True, slots=True)
class ThemeMention:
    """One place where a comment talks about a theme, with the sentiment of its clause."""

    theme: str  # "<id>" or "<id>/<subtheme>"
    sentiment: float
    label: str
    evidence: str
    start: int
    end: int
    sentence: int
    negated: bool = False
    source: str = "rules"
    confidence: float | None = None

    @property
    def parent(self) -> str:
        return self.theme.split("/", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "theme": self.theme,
            "parent": self.parent,
            "sentiment": self.sentiment,
            "label": self.label,
            "evidence": self.evidence,
            "start": self.start,
            "end": self.end,
            "sentence": self.sentence,
            "negated": self.negated,
            "source": self.source,
        }
        if self.confidence is not None:
            d["confidence"] = self.confidence
        return d


@dataclass(frozen=True, slots=True)
class AnalyzedRecord:
    """The result for one comment: what `feedback analyze` writes as one JSONL line."""

    id: str
    row: int
    text: str
    compound: float | None  # None, with label, for a comment that was not scored (`skipped`)
    label: str | None
    sentences: list[Sentence]
    themes: list[ThemeMention]
    scores: dict[str, float]
    fields: dict[str, Any]
    problems: tuple[Problem, ...] = field(default=())
    redacted: dict[str, int] | None = None
    language: str | None = None  # ISO 639-1, None when the text has too little to tell
    skipped: str | None = None  # why it was not analysed: "no_answer", "not_english"
    text_fields: tuple[tuple[str, int, int], ...] = ()  # see Comment
    duplicate_of: str | None = None
    corrected: tuple[str, ...] = ()  # what a person corrected: "themes", "sentiment" (feedback.corrections)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "schema_version": SCHEMA_VERSION,
            "id": self.id,
            "row": self.row,
            "text": self.text,
            "language": self.language,
            "skipped": self.skipped,
            "sentiment": {"compound": self.compound, "label": self.label},
            "sentences": [s.to_dict() for s in self.sentences],
            "themes": [t.to_dict() for t in self.themes],
            "scores": self.scores,
            "fields": self.fields,
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.redacted is not None:
            d["redacted"] = self.redacted
        if self.text_fields:
            d["text_fields"] = [{"column": c, "start": start, "end": end} for c, start, end in self.text_fields]
        if self.duplicate_of is not None:
            d["duplicate_of"] = self.duplicate_of
        if self.corrected:
            d["corrected"] = list(self.corrected)
            if "sentiment" in self.corrected:
                d["sentiment"] = {"compound": self.compound, "label": self.label, "source": "person"}
        return d


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """A row that could not be analysed, with the reason. Written to --errors, never dropped."""

    row: int
    line: int
    id: str | None
    code: str
    message: str
    values: dict[str, Any] | None = None
    redacted: dict[str, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "schema_version": SCHEMA_VERSION,
            "error": {"code": self.code, "message": self.message},
            "id": self.id,
            "row": self.row,
            "line": self.line,
            "values": self.values,
        }
        if self.redacted is not None:
            d["redacted"] = self.redacted
        return d


class AnalyzedRow(NamedTuple):
    """One input row as the engine hands it to a sink: what the sink and the counts need,
    beside the record already serialised, so nothing re-parses its own output.

    status (str): "ok", "problems" (analysed, with problems noted) or "error" (an error record).
    themed (bool): The record has at least one theme mention.
    payload (Any): The record as a JSON line (str), or as a dict for a sink that asked for
        dicts; an error record is always a JSON line.
    """

    status: str
    themed: bool
    payload: Any
    skipped: str | None = None  # "no_answer", "not_english": kept, not analysed
    duplicate: bool = False  # the record repeats an earlier comment (`duplicate_of`)
    corrected: bool = False  # a person's correction was applied (`--corrections`)
