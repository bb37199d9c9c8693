"""Streaming accumulation of analysed records into what the report needs.

`ReportAccumulator.add` takes one record (a dict as `feedback analyze` writes it) and keeps only
numbers: the comment's scores, whether its text and score disagree, a segment code, a date, and
per theme it mentions the theme's column and mean mention sentiment. Text is kept only for the few comments
that win a bounded quote or mismatch-example slot. `finish()` turns the columns into numpy arrays
(`Aggregate`); every breakdown of the report (overall, per segment, per period, the driver fit,
the bootstrap) is a mask over those same arrays, so the numbers agree with each other.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from msgspec import UNSET

import numpy as np
import numpy.typing as npt

from ..errors import Errors, InputError
from ..sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from ..stats import HIGH_SCORE_COMPLAINT, LOW_SCORE_PRAISE, mismatch_kind, score_level
from .dates import parse_date, plausible
from .quotes import QUOTE_CHARS, Mention, TopK, excerpt, highlight_spans, normalised, quote_key
from .records_in import JsonlRecords, ReportRecord, decode_record, unescape_entities

__all__ = ["Aggregate", "ReportAccumulator", "ThemeLevel", "TopK", "excerpt", "QUOTE_CHARS", "MISSING_SEGMENT"]

MISSING_SEGMENT = "(missing)"
MISMATCH_CODES = {None: 0, HIGH_SCORE_COMPLAINT: 1, LOW_SCORE_PRAISE: 2}
_UNDATED = -1


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
    compound: np.ndarray  # float32 sentiment compound per comment, NaN when not analysed
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
    # Every `by` column: (segment names, codes per comment); segments/segment_codes are the first.
    segmentations: dict[str, tuple[list[str], np.ndarray]] = field(default_factory=dict)
    n_filtered_out: int = 0  # records that `where` left out
    n_entities_decoded: int = 0  # comments whose HTML character references were decoded


class ReportAccumulator:
    """Streams analysed records into compact columns.

    Held per comment: one float64 per score kind, an int8 mismatch code, an int32 segment code
    and date (when asked for), and per theme mentioned a uint32 column index and a float32 mean
    sentiment (per level). Held in total: the top quotes per theme and side and the top mismatch
    examples, each a short excerpt. Nothing else of a record outlives `add`.

    depth (int): 1 for top-level themes; 2 adds themes as the records name them (subthemes).
    by (str | Sequence[str] | None): Carried fields to segment by, each on its own.
    date_column (str | None): A carried field holding the comment's date.
    where (Sequence[tuple[str, str, str]]): (column, "=" or "!=", value) filters, all of which a
        record must pass to be counted at all; a missing value reads as "(missing)".
    n_quotes (int): Quotes kept per theme and side (the clearest confident ones, see quotes).
    n_examples (int): Mismatch examples kept per kind.
    """

    def __init__(
        self,
        *,
        depth: int = 1,
        by: str | Sequence[str] | None = None,
        date_column: str | None = None,
        where: Sequence[tuple[str, str, str]] = (),
        n_quotes: int = 3,
        n_examples: int = 3,
    ) -> None:
        self.depth = depth
        self.by: tuple[str, ...] = (by,) if isinstance(by, str) else tuple(by or ())
        self.where = tuple(where)
        self.n_filtered_out = 0
        self.n_entities_decoded = 0
        self._compound = array("f")
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
        self._segment_ids: list[dict[str, int]] = [{} for _ in self.by]
        self._segment_codes = [array("i") for _ in self.by]
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
        if isinstance(records, JsonlRecords):
            # A JSONL file: most lines decode straight into the few fields counted here.
            for record, line in records.lines():
                if isinstance(record, ReportRecord):
                    self._add_line(record, line)
                else:
                    self.add(record)
            return self
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
        n = self.n_comments + self.n_skipped + self.n_filtered_out + 1
        if self.where and not self._passes(record, n):
            self.n_filtered_out += 1
            return
        decoded = unescape_entities(record)
        if decoded is not None:
            record = decoded
            self.n_entities_decoded += 1
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
                  if isinstance(v, (int, float)) and not isinstance(v, bool) and finite_number(v)}
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
        self._compound.append(math.nan if skipped or raw is None else compound)

        fields = record.get("fields") or {}
        self._fields.update(fields)
        for by_column, ids, column_codes in zip(self.by, self._segment_ids, self._segment_codes):
            segment = segment_name(fields.get(by_column))
            column_codes.append(ids.setdefault(segment, len(ids)))
        if self.date_column is not None:
            self._dates.append(self._read_date(fields.get(self.date_column)))

        for level, columns in self._levels.items():
            mentions = _group_mentions(themes, level, n)
            columns.append({theme_id: sum(s) / len(s) for theme_id, (s, _) in mentions.items()})
            for theme_id, (sentiments, raw) in mentions.items():
                if level == "subtheme" and "/" not in theme_id:
                    continue  # a bare parent mention is already quoted at the top level
                self._offer_quote(theme_id, sentiments, raw, record, scores)
        if mismatch is not None:
            key = (compound if mismatch == HIGH_SCORE_COMPLAINT else -compound, float(i))
            self._examples[mismatch].push(key, lambda: _example(record, scores, compound),
                                          lambda: normalised(record.get("text") or ""))

    def _add_line(self, record: ReportRecord, line: bytes) -> None:
        """`add` for a record decoded as a ReportRecord: the same figures, in the same order (so a
        bad record fails with the same message), without a dict per record beyond its scores and
        fields; the rare comment that may be quoted or given as an example is decoded whole."""
        text = record.text
        if record.error is not UNSET or (isinstance(text, str) and "&" in text):
            self.add(decode_record(line))  # counted, or its entities decoded, as the dict path does
            return
        n = self.n_comments + self.n_skipped + self.n_filtered_out + 1
        fields = record.fields or {}
        if self.where:
            self._fields.update(fields)
            if any((segment_name(fields.get(column)) == value) != (op == "=") for column, op, value in self.where):
                self.n_filtered_out += 1
                return
        try:
            i = self.n_comments
            self.n_comments = i + 1
            scores = _finite_scores(record.scores)
            columns = self._scores
            for kind in scores:
                if kind not in columns:
                    for new in scores.keys() - columns.keys():
                        columns[new] = array("d", [math.nan]) * i  # backfill comments read before it
                    break
            for kind, column in columns.items():
                column.append(scores.get(kind, math.nan))
            skipped = record.skipped
            if skipped:
                self.n_not_analysed[str(skipped)] = self.n_not_analysed.get(str(skipped), 0) + 1
            raw = 0.0 if record.sentiment is None else record.sentiment.compound
            # A decoded float is finite (msgspec refuses NaN and Infinity): no check to make.
            compound = raw if type(raw) is float else 0.0 if raw is None else _number(raw, "sentiment.compound", n)
            mismatch = None if skipped or raw is None else mismatch_kind(compound, scores)
            self._mismatch.append(MISMATCH_CODES[mismatch])
            self._compound.append(math.nan if skipped or raw is None else compound)
            if fields:
                self._fields.update(fields)
            if self.by:
                for by_column, ids, column_codes in zip(self.by, self._segment_ids, self._segment_codes):
                    segment = segment_name(fields.get(by_column))
                    column_codes.append(ids.setdefault(segment, len(ids)))
            if self.date_column is not None:
                self._dates.append(self._read_date(fields.get(self.date_column)))
            themes = record.themes
            for level, theme_columns in self._levels.items():
                if themes:
                    self._add_theme_entries(theme_columns, _group_sentiments(themes, level, n), level, text,
                                            scores, line, n)
                else:
                    theme_columns.indptr.append(len(theme_columns.columns))
            if mismatch is not None:
                key = (compound if mismatch == HIGH_SCORE_COMPLAINT else -compound, float(i))
                examples = self._examples[mismatch]
                if examples.wants(key):
                    examples.push(key, lambda: _example(decode_record(line), scores, compound),
                                  lambda: normalised(text or ""))
        except InputError:
            raise
        except (AttributeError, TypeError, ValueError, OverflowError) as e:
            raise InputError(Errors.E310.format(n=n, reason=e)) from None

    def _add_theme_entries(
        self, theme_columns: _ThemeColumns, grouped: dict[str, list[float]], level: str, text: Any,
        scores: dict[str, float], line: bytes, n: int
    ) -> None:
        """A comment's themes at one level into their columns, and offered as quotes (_add's loop)."""
        ids, column_of, sentiment_of = theme_columns.ids, theme_columns.columns, theme_columns.sentiments
        quotes = self._quotes
        order = float(self.n_comments)
        for theme_id, sentiments in grouped.items():
            sentiment = sum(sentiments) / len(sentiments)
            column = ids.get(theme_id)
            if column is None:
                column = ids[theme_id] = len(ids)
            column_of.append(column)
            sentiment_of.append(sentiment)
            if NEGATIVE_THRESHOLD < sentiment < POSITIVE_THRESHOLD or (level == "subtheme" and "/" not in theme_id):
                continue
            pair = quotes.get(theme_id)
            if pair is None:
                pair = quotes[theme_id] = (TopK(self.n_quotes), TopK(self.n_quotes))
            if sentiment < 0:
                top, strength = pair[0], -min(sentiments)
            else:
                top, strength = pair[1], max(sentiments)
            length = len(text or "")
            # The best rank this comment could have is (0.0, rank, length, order), as in
            # _offer_quote, and a later comment loses every tie: once the kept quotes are all
            # confident, most comments are turned down on the first two numbers.
            worst, rank = top.worst, -round(strength, 1)
            if worst and worst[0] == 0.0 and (rank > worst[1] or (rank == worst[1] and length >= worst[2])):
                continue
            if top.wants((0.0, rank, float(length), order)):
                whole = decode_record(line)
                _, mentions = _group_mentions(whole["themes"], level, n)[theme_id]
                self._offer_quote(theme_id, sentiments, mentions, whole, scores)
        theme_columns.indptr.append(len(column_of))

    def _offer_quote(
        self, theme_id: str, sentiments: list[float], raw: list[dict[str, Any]], record: dict[str, Any],
        scores: dict[str, float],
    ) -> None:
        sentiment = sum(sentiments) / len(sentiments)
        if NEGATIVE_THRESHOLD < sentiment < POSITIVE_THRESHOLD:
            return
        pair = self._quotes.get(theme_id)
        if pair is None:
            pair = self._quotes[theme_id] = (TopK(self.n_quotes), TopK(self.n_quotes))
        negative, positive = pair
        top = negative if sentiment < 0 else positive
        length = len(record.get("text") or "")
        # The best rank this comment could have: most comments stop here, before any other work.
        sign = -1.0 if sentiment < 0 else 1.0
        if not top.wants((0.0, -round(max(sign * s for s in sentiments), 1), float(length), float(self.n_comments))):
            return
        mentions = [_mention(m, s) for m, s in zip(raw, sentiments)]
        # A comment whose score says the opposite is no exemplar: a 5-star review with one
        # complaining sentence is not what a theme's complaints look like, nor a 1-star one with a
        # sarcastic "great" its praise.
        contradicted = score_level(scores) == ("high" if sentiment < 0 else "low")
        ranked = quote_key(mentions, sentiment, record.get("sentences") or [], contradicted, length, self.n_comments)
        if ranked is None:
            return
        key = ranked[1]
        top.push(
            key, lambda: _quote(record, mentions, sentiment, scores, key[0] == 0.0),
            lambda: normalised(record.get("text") or ""))

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

    def _passes(self, record: dict[str, Any], n: int) -> bool:
        """Whether a record passes every `where` filter."""
        fields = record.get("fields") or {}
        if not isinstance(fields, dict):
            raise InputError(Errors.E310.format(n=n, reason=f"fields is a {type(fields).__name__}, not an object"))
        self._fields.update(fields)
        for column, op, value in self.where:
            if (segment_name(fields.get(column)) == value) != (op == "="):
                return False
        return True

    def finish(self) -> Aggregate:
        """The accumulated columns as numpy arrays.

        RETURNS (Aggregate): What the report is built from.
        """
        levels = {name: ThemeLevel(*columns.matrix()) for name, columns in self._levels.items()}
        segmentations = {column: (list(ids), np.frombuffer(column_codes, dtype=np.int32))
                         for column, ids, column_codes in zip(self.by, self._segment_ids, self._segment_codes)}
        return Aggregate(
            n_comments=self.n_comments,
            n_skipped=self.n_skipped,
            n_not_analysed=dict(sorted(self.n_not_analysed.items())),
            scores={kind: np.frombuffer(column, dtype=np.float64) for kind, column in self._scores.items()},
            mismatch=np.frombuffer(self._mismatch, dtype=np.int8),
            compound=np.frombuffer(self._compound, dtype=np.float32),
            themes=levels["theme"],
            subthemes=levels.get("subtheme"),
            segments=segmentations[self.by[0]][0] if self.by else [],
            segment_codes=segmentations[self.by[0]][1] if self.by else None,
            dates=np.frombuffer(self._dates, dtype=np.int32) if self.date_column is not None else None,
            quotes={theme_id: {"negative": neg.items(), "positive": pos.items()}
                    for theme_id, (neg, pos) in sorted(self._quotes.items())},
            examples={kind: top.items() for kind, top in self._examples.items()},
            fields=set(self._fields),
            bad_date=self._bad_date,
            n_implausible_dates=self._implausible,
            segmentations=segmentations,
            n_filtered_out=self.n_filtered_out,
            n_entities_decoded=self.n_entities_decoded,
        )


def segment_name(value: Any) -> str:
    """A segment value as the report names it (missing values, booleans and numbers as text)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return MISSING_SEGMENT
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def finite_number(value: float) -> bool:
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
) -> dict[str, tuple[list[float], list[dict[str, Any]]]]:
    """Mentions grouped by theme id at a level: their sentiments and the mentions themselves."""
    grouped: dict[str, tuple[list[float], list[dict[str, Any]]]] = {}
    for mention in themes:
        theme_id = mention.get("theme") or ""
        if level == "theme":
            theme_id = mention.get("parent") or theme_id.split("/", 1)[0]
        if not theme_id:
            continue
        if not isinstance(theme_id, str):
            raise InputError(Errors.E310.format(n=n, reason=f"a theme id is a {type(theme_id).__name__}, not text"))
        sentiments, raw = grouped.setdefault(theme_id, ([], []))
        sentiments.append(_number(mention.get("sentiment", 0.0), "themes[].sentiment", n))
        raw.append(mention)
    return grouped


def _finite_scores(scores: dict[str, Any]) -> dict[str, float]:
    """The numbers among a decoded record's scores, as floats (`_add`'s filter, for exact types)."""
    finite = {}
    for kind, value in scores.items():
        if type(value) is float:
            finite[kind] = value  # decoded: finite
        elif type(value) is int:
            try:
                finite[kind] = float(value)
            except OverflowError:  # an integer of hundreds of digits is not a finite number
                pass
    return finite


def _group_sentiments(themes: list[Any], level: str, n: int) -> dict[str, list[float]]:
    """`_group_mentions` for decoded ReportRecord theme entries: the sentiments only."""
    grouped: dict[str, list[float]] = {}
    for mention in themes:
        theme_id = mention.theme or ""
        if level == "theme":
            theme_id = mention.parent or theme_id.split("/", 1)[0]
        if not theme_id:
            continue
        if not isinstance(theme_id, str):
            raise InputError(Errors.E310.format(n=n, reason=f"a theme id is a {type(theme_id).__name__}, not text"))
        sentiment = mention.sentiment
        if type(sentiment) is not float:
            sentiment = _number(sentiment, "themes[].sentiment", n)
        if theme_id in grouped:
            grouped[theme_id].append(sentiment)
        else:
            grouped[theme_id] = [sentiment]
    return grouped


def _mention(mention: dict[str, Any], sentiment: float) -> Mention:
    """What a quote needs of a mention (built only for comments that may be quoted)."""
    start, end = mention.get("start"), mention.get("end")
    if not (isinstance(start, int) and isinstance(end, int) and end > start and mention.get("evidence")):
        start = end = -1
    probability = mention.get("confidence")
    sentence = mention.get("sentence", -1)
    return Mention(start, end, sentence if isinstance(sentence, int) else -1, sentiment,
                   "rules" in str(mention.get("source") or "rules"),
                   float(probability) if isinstance(probability, (int, float)) else None)


def _quote(
    record: dict[str, Any], mentions: list[Mention], sentiment: float, scores: dict[str, float], confident: bool
) -> dict[str, Any]:
    full = record.get("text") or ""
    text, evidence = excerpt(full, record.get("sentences") or [], highlight_spans(full, mentions))
    return {"id": str(record.get("id", "")), "text": text, "evidence": evidence,
            "sentiment": round(sentiment, 4), "scores": _plain(scores), "confident": confident}


def _example(record: dict[str, Any], scores: dict[str, float], compound: float) -> dict[str, Any]:
    text, _ = excerpt(record.get("text") or "", record.get("sentences") or [], [])
    parents = sorted({str(m.get("parent") or str(m.get("theme", "")).split("/", 1)[0])
                      for m in record.get("themes") or []})
    return {"id": str(record.get("id", "")), "text": text, "sentiment": round(compound, 4),
            "scores": _plain(scores), "themes": parents}


def _plain(scores: dict[str, float]) -> dict[str, float]:
    return {k: int(v) if v.is_integer() else v for k, v in scores.items()}
