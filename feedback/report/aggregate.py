"""Streaming accumulation of analysed records into what the report needs.

`ReportAccumulator.add` takes one record (a dict as `feedback analyze` writes it) and keeps only
numbers: the comment's scores, whether its text and score disagree, a segment code, a date, and
per theme it mentions the theme's column and mean mention sentiment. Text is kept only for the few comments
that win a bounded quote or mismatch-example slot. `finish()` turns the columns into numpy arrays
(`Aggregate`); every breakdown of the report (overall, per segment, per period, the driver fit,
the bootstrap) is a mask over those same arrays, so the numbers agree with each other.
"""

from __future__ import annotations

import heapq
import math
from array import array
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import numpy.typing as npt

from ..errors import Errors, InputError
from ..sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from ..stats import HIGH_SCORE_COMPLAINT, LOW_SCORE_PRAISE, mismatch_kind
from .dates import parse_date, plausible

MISSING_SEGMENT = "(missing)"
MISMATCH_CODES = {None: 0, HIGH_SCORE_COMPLAINT: 1, LOW_SCORE_PRAISE: 2}
QUOTE_CHARS = 300  # longer comments are cut to the sentences around the mentions
_UNDATED = -1


class TopK:
    """The k items with the smallest keys pushed so far, in O(k) memory.

    Items are built lazily by a callable, so comments that would not make the cut cost nothing.
    Keys must be tuples of numbers; ties are broken by the later key elements.
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self._heap: list[tuple[tuple[float, ...], Any]] = []  # max-heap through negated keys

    def wants(self, key: tuple[float, ...]) -> bool:
        """Whether an item with this key would be kept."""
        return self.k > 0 and (len(self._heap) < self.k or key < tuple(-x for x in self._heap[0][0]))

    def push(self, key: tuple[float, ...], make_item: Callable[[], Any]) -> None:
        """Offer an item; `make_item` is called only when it is kept."""
        if not self.wants(key):
            return
        entry = (tuple(-x for x in key), make_item())
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, entry)
        else:
            heapq.heapreplace(self._heap, entry)

    def items(self) -> list[Any]:
        """The kept items, smallest key first."""
        return [item for _, item in sorted(self._heap, key=lambda e: tuple(-x for x in e[0]))]


class _ThemeColumns:
    """Per-comment theme entries in compressed sparse rows: column index and mean sentiment."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.indptr = array("q", [0])
        self.columns = array("I")
        self.sentiments = array("f")

    def append(self, entries: dict[str, float]) -> None:
        for theme_id, sentiment in entries.items():
            self.columns.append(self.ids.setdefault(theme_id, len(self.ids)))
            self.sentiments.append(sentiment)
        self.indptr.append(len(self.columns))

    def matrix(self) -> tuple[list[str], np.ndarray]:
        """Theme ids (sorted) and a (comments x themes) float32 matrix, NaN where not mentioned."""
        ids = sorted(self.ids)
        order = np.empty(len(self.ids), dtype=np.int64)
        for new, theme_id in enumerate(ids):
            order[self.ids[theme_id]] = new
        n = len(self.indptr) - 1
        matrix = np.full((n, len(ids)), np.nan, dtype=np.float32)
        offsets: npt.NDArray[np.int64] = np.frombuffer(self.indptr, dtype=np.int64)
        rows = np.repeat(np.arange(n), np.diff(offsets))
        cols = order[np.frombuffer(self.columns, dtype=np.uint32).astype(np.int64)]
        matrix[rows, cols] = np.frombuffer(self.sentiments, dtype=np.float32)
        return ids, matrix


@dataclass(frozen=True)
class ThemeLevel:
    """Theme ids at one level and each comment's mean mention sentiment for each (NaN: not mentioned)."""

    ids: list[str]
    sentiment: np.ndarray  # (n_comments, n_themes), float32

    @property
    def mentioned(self) -> np.ndarray:
        """Bool (n_comments, n_themes): does the comment mention the theme."""
        return ~np.isnan(self.sentiment)


@dataclass(frozen=True)
class Aggregate:
    """The accumulated columns, as numpy arrays, plus the bounded text samples."""

    n_comments: int
    n_skipped: int
    n_not_analysed: dict[str, int]
    scores: dict[str, np.ndarray]  # kind -> float per comment, NaN when missing
    mismatch: np.ndarray  # int8 per comment, see MISMATCH_CODES
    themes: ThemeLevel  # top-level themes
    subthemes: ThemeLevel | None  # theme ids as in the records (depth 2 only)
    segments: list[str]  # segment names, indexed by segment_codes
    segment_codes: np.ndarray | None
    dates: np.ndarray | None  # date ordinal per comment, -1 when undated
    quotes: dict[str, dict[str, list[dict[str, Any]]]]
    examples: dict[str, list[dict[str, Any]]]
    fields: set[str] = field(default_factory=set)
    bad_date: str | None = None  # a date value that could not be read, for messages
    n_implausible_dates: int = 0  # dates outside FIRST_YEAR..LAST_YEAR, counted as undated


class ReportAccumulator:
    """Streams analysed records into compact columns.

    Held per comment: one float64 per score kind, an int8 mismatch code, an int32 segment code
    and date (when asked for), and per theme mentioned a uint32 column index and a float32 mean
    sentiment (per level). Held in total: the top quotes per theme and side and the top mismatch
    examples, each a short excerpt. Nothing else of a record outlives `add`.

    depth (int): 1 for top-level themes; 2 adds themes as the records name them (subthemes).
    by (str | None): A carried field to segment by.
    date_column (str | None): A carried field holding the comment's date.
    n_quotes (int): Quotes kept per theme and side (most negative, most positive).
    n_examples (int): Mismatch examples kept per kind.
    """

    def __init__(
        self,
        *,
        depth: int = 1,
        by: str | None = None,
        date_column: str | None = None,
        n_quotes: int = 3,
        n_examples: int = 3,
    ) -> None:
        self.depth = depth
        self.by = by
        self.date_column = date_column
        self.n_quotes = n_quotes
        self.n_comments = 0
        self.n_skipped = 0
        self.n_not_analysed: dict[str, int] = {}  # "no_answer", "not_english" -> records
        self._scores: dict[str, array] = {}
        self._mismatch = array("b")
        self._levels = {"theme": _ThemeColumns()}
        if depth >= 2:
            self._levels["subtheme"] = _ThemeColumns()
        self._segment_ids: dict[str, int] = {}
        self._segment_codes = array("i")
        self._dates = array("i")
        self._bad_date: str | None = None
        self._implausible = 0
        self._fields: set[str] = set()
        self._quotes: dict[str, tuple[TopK, TopK]] = {}
        self._examples = {kind: TopK(n_examples) for kind in (HIGH_SCORE_COMPLAINT, LOW_SCORE_PRAISE)}

    def update(self, records: Iterable[dict[str, Any]]) -> ReportAccumulator:
        """Add every record of a stream.

        records (Iterable[dict]): Records as `feedback analyze` writes them.
        RETURNS (ReportAccumulator): self.
        """
        for record in records:
            self.add(record)
        return self

    def add(self, record: dict[str, Any]) -> None:
        """Add one record; error records (with an "error" key) are counted and skipped.

        record (dict): A record as `feedback analyze` writes it.
        RAISES (InputError): The object is not an analysed record, or a part of it has the wrong type.
        """
        if "error" in record:
            self.n_skipped += 1
            return
        n = self.n_comments + self.n_skipped + 1
        themes, scores = record.get("themes"), record.get("scores")
        if not isinstance(themes, list) or not isinstance(scores, dict):
            raise InputError(Errors.E302.format(n=n, keys=sorted(record)[:10]))
        # Checked as they are used, not up front, which would cost every record of a large file:
        # a record edited by hand ("sentiment": "good") fails here with its number, not a traceback.
        try:
            self._add(record, themes, scores, n)
        except InputError:
            raise
        except (AttributeError, TypeError, ValueError, OverflowError) as e:
            raise InputError(Errors.E310.format(n=n, reason=e)) from None

    def _add(self, record: dict[str, Any], themes: list[Any], scores: dict[str, Any], n: int) -> None:
        i = self.n_comments
        self.n_comments += 1
        scores = {k: float(v) for k, v in scores.items()
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and _finite(v)}
        for kind in scores.keys() - self._scores.keys():
            self._scores[kind] = array("d", [math.nan]) * i  # backfill comments read before it
        for kind, column in self._scores.items():
            column.append(scores.get(kind, math.nan))
        skipped = record.get("skipped")
        if skipped:
            # A non-answer or another language: its scores count (the respondent answered them);
            # it has no sentiment or themes, so it is in no sentiment figure and no mismatch.
            self.n_not_analysed[str(skipped)] = self.n_not_analysed.get(str(skipped), 0) + 1
        sentiment = record.get("sentiment") or {}
        raw = sentiment.get("compound", 0.0)
        compound = 0.0 if raw is None else _number(raw, "sentiment.compound", n)
        mismatch = None if skipped or raw is None else mismatch_kind(compound, scores)
        self._mismatch.append(MISMATCH_CODES[mismatch])

        fields = record.get("fields") or {}
        self._fields.update(fields)
        if self.by is not None:
            segment = _segment_name(fields.get(self.by))
            self._segment_codes.append(self._segment_ids.setdefault(segment, len(self._segment_ids)))
        if self.date_column is not None:
            self._dates.append(self._read_date(fields.get(self.date_column)))

        for level, columns in self._levels.items():
            mentions = _group_mentions(themes, level, n)
            columns.append({theme_id: sum(s) / len(s) for theme_id, (s, _) in mentions.items()})
            for theme_id, (sentiments, spans) in mentions.items():
                if level == "subtheme" and "/" not in theme_id:
                    continue  # a bare parent mention is already quoted at the top level
                self._offer_quote(theme_id, sum(sentiments) / len(sentiments), spans, record, scores)
        if mismatch is not None:
            key = (compound if mismatch == HIGH_SCORE_COMPLAINT else -compound, float(i))
            self._examples[mismatch].push(key, lambda: _example(record, scores, compound))

    def _offer_quote(
        self, theme_id: str, sentiment: float, spans: list[tuple[int, int, int]],
        record: dict[str, Any], scores: dict[str, float],
    ) -> None:
        negative, positive = self._quotes.setdefault(theme_id, (TopK(self.n_quotes), TopK(self.n_quotes)))
        length = float(len(record.get("text") or ""))
        # Most extreme first; among equals the shorter comment quotes better, then input order.
        order = float(self.n_comments)
        if sentiment <= NEGATIVE_THRESHOLD:
            negative.push((sentiment, length, order), lambda: _quote(record, spans, sentiment, scores))
        elif sentiment >= POSITIVE_THRESHOLD:
            positive.push((-sentiment, length, order), lambda: _quote(record, spans, sentiment, scores))

    def _read_date(self, value: Any) -> int:
        day = parse_date(value)
        if day is None:
            if value not in (None, "") and self._bad_date is None:
                self._bad_date = str(value)[:40]
            return _UNDATED
        if not plausible(day):
            self._implausible += 1
            if self._bad_date is None:
                self._bad_date = str(value)[:40]
            return _UNDATED
        return day.toordinal()

    def finish(self) -> Aggregate:
        """The accumulated columns as numpy arrays.

        RETURNS (Aggregate): What the report is built from.
        """
        levels = {name: ThemeLevel(*columns.matrix()) for name, columns in self._levels.items()}
        return Aggregate(
            n_comments=self.n_comments,
            n_skipped=self.n_skipped,
            n_not_analysed=dict(sorted(self.n_not_analysed.items())),
            scores={kind: np.frombuffer(column, dtype=np.float64) for kind, column in self._scores.items()},
            mismatch=np.frombuffer(self._mismatch, dtype=np.int8),
            themes=levels["theme"],
            subthemes=levels.get("subtheme"),
            segments=list(self._segment_ids),
            segment_codes=np.frombuffer(self._segment_codes, dtype=np.int32) if self.by is not None else None,
            dates=np.frombuffer(self._dates, dtype=np.int32) if self.date_column is not None else None,
            quotes={theme_id: {"negative": neg.items(), "positive": pos.items()}
                    for theme_id, (neg, pos) in sorted(self._quotes.items())},
            examples={kind: top.items() for kind, top in self._examples.items()},
            fields=set(self._fields),
            bad_date=self._bad_date,
            n_implausible_dates=self._implausible,
        )


def _segment_name(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return MISSING_SEGMENT
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer of hundreds of digits
        return False


def _number(value: Any, where: str, n: int) -> float:
    """A finite number from record `n`, or the one-line error naming where (a hand-edited record)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InputError(Errors.E310.format(n=n, reason=f"{where} is a {type(value).__name__}, not a number"))
    number = float(value)  # a string that is not a number raises ValueError: E310 too
    if not math.isfinite(number):
        raise InputError(Errors.E310.format(n=n, reason=f"{where} is {str(value)[:20]}, not a finite number"))
    return number


def _group_mentions(
    themes: list[dict[str, Any]], level: str, n: int
) -> dict[str, tuple[list[float], list[tuple[int, int, int]]]]:
    """Mentions grouped by theme id at a level: their sentiments and (start, end, sentence) spans."""
    grouped: dict[str, tuple[list[float], list[tuple[int, int, int]]]] = {}
    for mention in themes:
        theme_id = mention.get("theme") or ""
        if level == "theme":
            theme_id = mention.get("parent") or theme_id.split("/", 1)[0]
        if not theme_id:
            continue
        if not isinstance(theme_id, str):
            raise InputError(Errors.E310.format(n=n, reason=f"a theme id is a {type(theme_id).__name__}, not text"))
        sentiments, spans = grouped.setdefault(theme_id, ([], []))
        sentiments.append(_number(mention.get("sentiment", 0.0), "themes[].sentiment", n))
        start, end = mention.get("start"), mention.get("end")
        if isinstance(start, int) and isinstance(end, int) and end > start and mention.get("evidence"):
            spans.append((start, end, int(mention.get("sentence", -1))))
    return grouped


def _quote(
    record: dict[str, Any], spans: list[tuple[int, int, int]], sentiment: float, scores: dict[str, float]
) -> dict[str, Any]:
    text, evidence = excerpt(record.get("text") or "", record.get("sentences") or [], spans)
    return {"id": str(record.get("id", "")), "text": text, "evidence": evidence,
            "sentiment": round(sentiment, 4), "scores": _plain(scores)}


def _example(record: dict[str, Any], scores: dict[str, float], compound: float) -> dict[str, Any]:
    text, _ = excerpt(record.get("text") or "", record.get("sentences") or [], [])
    parents = sorted({str(m.get("parent") or str(m.get("theme", "")).split("/", 1)[0])
                      for m in record.get("themes") or []})
    return {"id": str(record.get("id", "")), "text": text, "sentiment": round(compound, 4),
            "scores": _plain(scores), "themes": parents}


def _plain(scores: dict[str, float]) -> dict[str, float]:
    return {k: int(v) if v.is_integer() else v for k, v in scores.items()}


def excerpt(
    text: str, sentences: list[dict[str, Any]], spans: list[tuple[int, int, int]], limit: int = QUOTE_CHARS
) -> tuple[str, list[list[int]]]:
    """Cut a comment to about `limit` characters, starting at the sentence of its first evidence.

    text (str): The comment.
    sentences (list[dict]): The record's sentences (start/end offsets).
    spans (list[tuple]): Evidence (start, end, sentence index) to keep visible where it fits.
    limit (int): Longest excerpt, ellipses aside.
    RETURNS (tuple): The excerpt and the evidence spans [[start, end], ...] as offsets into it.
    """
    begin, stop = 0, len(text)
    if len(text) > limit:
        if spans:
            first = min(spans)
            begin = first[0]
            if 0 <= first[2] < len(sentences):  # a whole sentence reads better than a fragment
                begin = min(begin, int(sentences[first[2]].get("start", begin)))
            if first[0] - begin > limit // 2:
                begin = min(first[0], text.find(" ", first[0] - limit // 4) + 1 or first[0])
        stop = min(len(text), begin + limit)
        if stop < len(text):
            cut = text.rfind(" ", begin + limit // 2, stop)
            stop = cut if cut > 0 else stop
    prefix = "…" if begin > 0 else ""
    suffix = "…" if stop < len(text) else ""
    shift = len(prefix) - begin
    kept = sorted({(s[0] + shift, s[1] + shift) for s in spans if s[0] >= begin and s[1] <= stop})
    return prefix + text[begin:stop] + suffix, [list(s) for s in kept]
