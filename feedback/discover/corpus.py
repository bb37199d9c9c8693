"""Discovery's input: analysed records (or a raw export, analysed first) reduced to `CorpusDoc`s,
and the count of comments with no theme (`Coverage`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import chain
from typing import TYPE_CHECKING, Any

import msgspec

from ..config import ReadOptions
from ..errors import Errors, InputError
from ..records import AnalyzedRecord, ErrorRecord, SourceRow

if TYPE_CHECKING:
    from ..columns import ColumnSpec

# The fields that tell `feedback analyze` output from a raw JSONL export.
_RECORD_KEYS = frozenset({"schema_version", "text", "themes", "sentiment"})


@dataclass(frozen=True, slots=True)
class CorpusDoc:
    """What discovery needs to know about one analysed comment."""

    id: str
    row: int
    text: str
    themes: frozenset[str]  # parent theme ids; empty when the comment has no theme
    compound: float
    scores: dict[str, float] = field(default_factory=dict)
    rule_themes: frozenset[str] = frozenset()  # the themes the taxonomy's rules found (not a model alone)


def to_corpus_doc(record: AnalyzedRecord | dict[str, Any]) -> CorpusDoc | None:
    """Reduce an analysed record to what discovery reads.

    record (AnalyzedRecord | dict): A record object, or a record as `feedback analyze` writes it.
    RETURNS (CorpusDoc | None): None for an error record or an empty text.
    RAISES (InputError): A dict whose fields do not have the types `feedback analyze` writes.
    """
    if isinstance(record, AnalyzedRecord):
        if record.skipped or record.compound is None:
            return None  # a non-answer or another language: nothing to find topics in
        return CorpusDoc(record.id, record.row, record.text, frozenset(m.parent for m in record.themes),
                         record.compound, dict(record.scores),
                         frozenset(m.parent for m in record.themes if m.source != "model"))
    if "error" in record or not record.get("text") or record.get("skipped"):
        return None
    try:
        mentions = [m for m in record.get("themes") or () if isinstance(m, dict)]
        parents = [m.get("parent") or str(m.get("theme", "")).split("/", 1)[0] for m in mentions]
        sentiment = record.get("sentiment") or {}
        scores = {str(k): float(v) for k, v in (record.get("scores") or {}).items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)}
        return CorpusDoc(str(record.get("id", "")), int(record.get("row") or 0), str(record["text"]),
                         frozenset(parents) - {""}, float(sentiment.get("compound") or 0.0), scores,
                         frozenset(p for p, m in zip(parents, mentions) if m.get("source", "rules") != "model") - {""})
    except (TypeError, ValueError, AttributeError, OverflowError) as e:
        raise InputError(Errors.E403.format(id=record.get("id"), detail=e)) from None


class AnalyzedFile:
    """The records of an analysed JSONL file, read afresh on each iteration, so discovery can
    read it twice without holding it in memory."""

    def __init__(self, path: str, *, encoding: str | None = None) -> None:
        self.path = path
        self.encoding = encoding

    def __iter__(self) -> Iterator[CorpusDoc]:
        from ..io.json_exports import jsonl_line_values
        from ..io.readers import plain_jsonl_lines

        # Only the fields discovery reads are decoded (`_Fields`): a record's sentences and
        # evidence, most of its line, are skipped unread. A line of another shape is read as
        # `open_table` reads it, a dict, and reduced by `to_corpus_doc` as before; lines that
        # are not JSON objects are skipped.
        decode = _FIELDS.decode
        for line in plain_jsonl_lines(self.path, encoding=self.encoding):
            doc: CorpusDoc | None
            if isinstance(line, dict):
                doc = to_corpus_doc(line)
            else:
                try:
                    fields = decode(line)
                except (msgspec.DecodeError, RecursionError):  # ValidationError is a DecodeError
                    fields = None
                if fields is not None and fields.attributes is msgspec.UNSET:
                    doc = _fields_doc(fields)
                else:  # a JSON:API item's row is its attributes (`io.json_exports`): as open_table reads it
                    values = jsonl_line_values(line)
                    doc = to_corpus_doc(values) if values is not None else None
            if doc is not None:
                yield doc


class _Mention(msgspec.Struct, gc=False):
    theme: Any = msgspec.UNSET
    parent: Any = None
    source: Any = "rules"


class _Sentiment(msgspec.Struct, gc=False):
    compound: Any = None


class _Fields(msgspec.Struct, gc=False):
    """The fields of an analysed record that discovery reads, decoded straight from its line.

    Defaults are what `dict.get` gives `to_corpus_doc` for a missing key (UNSET where it tells
    a missing key from null); a line whose fields have another shape does not decode as this
    and is read as a dict instead.
    """

    id: Any = msgspec.UNSET
    row: Any = None
    text: Any = None
    skipped: Any = None
    error: Any = msgspec.UNSET
    themes: list[_Mention] | None = None
    sentiment: _Sentiment | None = None
    scores: Any = None
    attributes: Any = msgspec.UNSET


_FIELDS = msgspec.json.Decoder(_Fields)


def _fields_doc(record: _Fields) -> CorpusDoc | None:
    """`to_corpus_doc` for a record decoded as `_Fields`: the same doc, or the same error."""
    if record.error is not msgspec.UNSET or not record.text or record.skipped:
        return None
    try:
        mentions = record.themes or ()
        parents = [m.parent or str("" if m.theme is msgspec.UNSET else m.theme).split("/", 1)[0] for m in mentions]
        sentiment = record.sentiment
        scores = {str(k): float(v) for k, v in (record.scores or {}).items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool)}
        return CorpusDoc(str("" if record.id is msgspec.UNSET else record.id), int(record.row or 0),
                         str(record.text), frozenset(parents) - {""},
                         float((sentiment.compound if sentiment is not None else None) or 0.0), scores,
                         frozenset(p for p, m in zip(parents, mentions) if m.source != "model") - {""})
    except (TypeError, ValueError, AttributeError, OverflowError) as e:
        identifier = None if record.id is msgspec.UNSET else record.id
        raise InputError(Errors.E403.format(id=identifier, detail=e)) from None


def open_corpus(
    read: ReadOptions | str,
    *,
    taxonomy: str | None = None,
    workers: int = 1,
) -> tuple[Iterable[CorpusDoc], bool]:
    """Open discovery's input: `feedback analyze` output, or a raw export to analyse first.

    read (ReadOptions | str): The input (a file, or "-" for stdin), its format and encoding,
        and for a raw export its columns, as for `feedback analyze`; a path alone reads it with
        the defaults. With `redact`, PII is masked in every comment (and a raw export's
        column names) before discovery reads it, whether the input is analysed or raw.
    taxonomy (str | None): For a raw export: a taxonomy file whose rules alone find the themes
        (as with `feedback analyze --taxonomy`); None uses the default rules and model.
    workers (int): For a raw export: analysis processes.
    RETURNS (tuple[Iterable[CorpusDoc], bool]): The comments, and whether they are analysed as
        they are read. An analysed file is an `AnalyzedFile` (re-readable, nothing held in
        memory); stdin and raw exports are one-shot iterators.
    RAISES (InputError): The input cannot be read or has no comment column.
    """
    from ..columns import redact_spec, resolve_read
    from ..io import open_input
    from ..redact import redact_row

    read = ReadOptions(read) if isinstance(read, str) else read
    # The first row tells analysed records from an export: the keys of every row, which a JSON
    # export's columns need (a second read of the whole file), are gathered only for an export.
    table = open_input(read, scan_json_keys=False)
    rows = iter(table.rows)
    first = next(rows, None)
    values = getattr(first, "values", None)
    if table.format == "jsonl" and isinstance(values, dict) and _RECORD_KEYS <= set(values):
        docs: Iterable[CorpusDoc]
        if not read.is_stream:
            docs = AnalyzedFile(read.path, encoding=read.encoding)
        else:
            docs = _analyzed_docs(chain([first], rows))
        return (RedactedDocs(docs) if read.redact else docs), False
    if table.rescan is not None:  # an export that can be read again: open it as `analyze` does
        table = open_input(read)
        rows = iter(table.rows)
        first = next(rows, None)
    spec = resolve_read(table.columns, read, labels=table.labels, sample=table.sample, notes=table.notes,
                        preset=table.preset, empty=table.empty)
    source: Iterable[SourceRow | ErrorRecord] = chain([first] if first is not None else [], rows)
    if read.redact:
        spec = redact_spec(spec, table.columns)
        source = (redact_row(row, Counter()) for row in source)
    return analyze_export(source, spec, taxonomy=taxonomy, workers=workers), True


def analyze_export(
    rows: Iterable[SourceRow | ErrorRecord], spec: ColumnSpec, *, taxonomy: str | None, workers: int = 1
) -> Iterator[CorpusDoc]:
    """Analyse a raw export as `feedback analyze` would, and yield its comments as `CorpusDoc`s.

    Through the engine that `feedback analyze` runs (worker processes included), with the same
    default: the shipped model unless a taxonomy is given.

    rows (Iterable[SourceRow | ErrorRecord]): From `io.open_table`.
    spec (ColumnSpec): The column mapping (`columns.resolve_columns`).
    taxonomy (str | None): A taxonomy file whose rules alone find the themes; None uses the
        default rules and model.
    workers (int): Analysis processes; 1 analyses in this process.
    YIELDS (CorpusDoc): One per analysed comment, in input order; rows that cannot be analysed
        are skipped.
    """
    from ..config import AnalysisOptions
    from ..engine.local import analyze_stream

    # AnalysisOptions decides the model: the shipped one unless a taxonomy is given.
    analysed = analyze_stream(rows, spec, AnalysisOptions(taxonomy=taxonomy), workers=workers, as_json=False)
    yield from _analyzed_docs(row.payload for row in analysed if row.status != "error")


class RedactedDocs:
    """Analysed comments with PII masked in their text, id and score names, as `--redact`
    masks a raw export; re-readable when what it wraps is."""

    def __init__(self, docs: Iterable[CorpusDoc]) -> None:
        self.docs = docs

    def __iter__(self) -> Iterator[CorpusDoc]:
        from ..redact import redact_keys, redact_text

        for doc in self.docs:
            counts: Counter[str] = Counter()
            yield replace(doc, id=redact_text(doc.id, counts), text=redact_text(doc.text, counts),
                          scores=dict(zip(redact_keys(doc.scores, counts), doc.scores.values())))


def _analyzed_docs(rows: Iterable[Any]) -> Iterator[CorpusDoc]:
    for row in rows:
        values = row if isinstance(row, dict) else getattr(row, "values", None)
        if isinstance(values, dict):
            doc = to_corpus_doc(values)
            if doc is not None:
                yield doc


@dataclass
class Coverage:
    """How many comments have at least one theme. `add` records one at a time (as a summary
    counts while writing), or use `theme_coverage`."""

    n_comments: int = 0
    n_unthemed: int = 0

    def add(self, record: AnalyzedRecord | CorpusDoc | dict[str, Any] | str) -> None:
        """Count one record; error records are skipped.

        record (AnalyzedRecord | CorpusDoc | dict | str): A record, or its JSONL line.
        RAISES (InputError): A line that is not a JSON object.
        """
        if isinstance(record, str):
            try:
                record = json.loads(record)
            except ValueError as e:
                raise InputError(Errors.E404.format(detail=e)) from None
            if not isinstance(record, dict):
                raise InputError(Errors.E404.format(detail=f"a JSON {type(record).__name__}, not an object"))
        if isinstance(record, dict):
            if "error" in record:
                return
            has_theme = bool(record.get("themes"))
        else:
            has_theme = bool(record.themes)
        self.n_comments += 1
        if not has_theme:
            self.n_unthemed += 1

    @property
    def n_themed(self) -> int:
        return self.n_comments - self.n_unthemed

    @property
    def share_unthemed(self) -> float:
        """The share of comments with no theme; 0.0 when there are no comments."""
        return self.n_unthemed / self.n_comments if self.n_comments else 0.0

    def describe(self) -> str:
        """RETURNS (str): A summary line, e.g. "82 of 599 comments (13.7%) have no theme"."""
        return f"{self.n_unthemed:,} of {self.n_comments:,} comments ({self.share_unthemed:.1%}) have no theme"

    def to_dict(self) -> dict[str, Any]:
        return {"n_comments": self.n_comments, "n_unthemed": self.n_unthemed,
                "share_unthemed": round(self.share_unthemed, 4)}


def theme_coverage(records: Iterable[AnalyzedRecord | CorpusDoc | dict[str, Any] | str]) -> Coverage:
    """Count the comments with no theme: what the taxonomy leaves unexplained.

    records (Iterable): Analysed records (objects, dicts or JSONL lines); error records are skipped.
    RETURNS (Coverage): The counts; `share_unthemed` is the share with no theme.
    RAISES (InputError): A line that is not a JSON object.
    """
    coverage = Coverage()
    for record in records:
        coverage.add(record)
    return coverage
