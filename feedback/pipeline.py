"""The analysis pipeline: rows -> comments -> sentences and sentiment -> themes -> records.

`analyze()` is the Python API; the CLI calls `run()`, which adds worker processes and yields
ready-to-write JSON lines. Both produce the same records in input order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterable, Iterator

from spacy.tokens import Doc

from .columns import MAX_ANALYSED_CHARS, ColumnSpec, resolve_columns, to_comment
from .io import dumps
from .language import clause_bounds, make_nlp
from .records import AnalyzedRecord, Comment, ErrorRecord, Sentence, SourceRow, ThemeMention
from .sentiment import SentimentScorer, combine, label, load_lexicon
from .themes import ThemeMatcher, load_taxonomy


@dataclass(frozen=True)
class AnalyzerConfig:
    """What an Analyzer is built from: paths only, so worker processes can rebuild it."""

    taxonomy: str | None = None
    lexicon: str | None = None
    model: str | None = None
    model_mode: str = "combine"


class Analyzer:
    """Holds the expensive state (spaCy pipeline, VADER, matchers) and analyses comments."""

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config or AnalyzerConfig()
        self.nlp = make_nlp()
        self.taxonomy = load_taxonomy(self.config.taxonomy)
        lexicon = load_lexicon(self.config.lexicon) if self.config.lexicon else None
        self.scorer = SentimentScorer(lexicon)
        self.matcher = ThemeMatcher(self.nlp, self.taxonomy)
        self.theme_model = None
        if self.config.model:
            from .model import load_model

            self.theme_model = load_model(self.config.model)

    def analyze_comments(
        self, items: Iterable[Comment | ErrorRecord], *, batch_size: int = 256
    ) -> Iterator[AnalyzedRecord | ErrorRecord]:
        """Analyse comments, passing error records through in place.

        items (Iterable[Comment | ErrorRecord]): Comments in input order.
        batch_size (int): Comments per spaCy batch.
        YIELDS (AnalyzedRecord | ErrorRecord): One per item, in order.
        """
        items = iter(items)
        while True:
            batch = list(islice(items, batch_size))
            if not batch:
                return
            comments = [c for c in batch if isinstance(c, Comment)]
            docs = self.nlp.pipe(c.text[:MAX_ANALYSED_CHARS] for c in comments)
            analysed = {id(c): self._analyze_doc(c, doc) for c, doc in zip(comments, docs)}
            for item in batch:
                yield analysed[id(item)] if isinstance(item, Comment) else item

    def _analyze_doc(self, comment: Comment, doc: Doc) -> AnalyzedRecord:
        score = self.scorer.score
        sentences: list[Sentence] = []
        sent_of_token = [0] * len(doc)
        spans = []
        for sent in doc.sents:
            text = sent.text
            stripped = text.strip()
            if not stripped:
                continue
            index = len(sentences)
            for i in range(sent.start, sent.end):
                sent_of_token[i] = index
            start = sent.start_char + (len(text) - len(text.lstrip()))
            sentences.append(Sentence(stripped, start, start + len(stripped), score(stripped)))
            spans.append(sent)
        compound = combine(s.compound for s in sentences)
        mentions = self._mentions(doc, spans, sentences, sent_of_token) if sentences else []
        if self.theme_model is not None:
            mentions = self.theme_model.merge(comment.text, mentions, self.config.model_mode, sentences)
        return AnalyzedRecord(
            id=comment.id,
            row=comment.row,
            text=comment.text,
            compound=compound,
            label=label(compound),
            sentences=sentences,
            themes=mentions,
            scores=comment.scores,
            fields=comment.fields,
            problems=comment.problems,
        )

    def _mentions(self, doc: Doc, spans: list, sentences: list[Sentence], sent_of_token: list[int]) -> list[ThemeMention]:
        matches = self.matcher.find(doc)
        if not matches:
            return []
        clause_cache: dict[int, list[tuple[int, int, float, set[str]]]] = {}
        mentions = []
        for m in matches:
            index = sent_of_token[m.start]
            clauses = clause_cache.get(index)
            if clauses is None:
                clauses = clause_cache[index] = self._clauses(doc, spans[index], sentences[index])
            for c_start, c_end, c_compound, c_lemmas in clauses:
                if c_start <= m.start < c_end:
                    break
            negated = m.negation_start is not None and m.negation_start >= c_start
            first = m.negation_start if negated else m.start
            start_char = doc[first].idx
            end_char = doc[m.end - 1].idx + len(doc[m.end - 1])
            theme = self.matcher.refine(m.theme, c_lemmas) if "/" not in m.theme else m.theme
            mentions.append(
                ThemeMention(
                    theme=theme,
                    sentiment=c_compound,
                    label=label(c_compound),
                    evidence=doc.text[start_char:end_char],
                    start=start_char,
                    end=end_char,
                    sentence=index,
                    negated=negated,
                )
            )
        return mentions

    def _clauses(self, doc: Doc, sent: Any, sentence: Sentence) -> list[tuple[int, int, float, set[str]]]:
        bounds = clause_bounds(sent)
        if len(bounds) == 1:
            lemmas = {t.norm_ for t in sent}
            return [(sent.start, sent.end, sentence.compound, lemmas)]
        out = []
        for start, end in bounds:
            span = doc[start:end]
            compound = self.scorer.score(span.text)
            # A clause with no sentiment words of its own ("I called them") takes its sentence's.
            if compound == 0.0:
                compound = sentence.compound
            out.append((start, end, compound, {t.norm_ for t in span}))
        return out


def analyze(
    comments: Iterable[dict[str, Any] | str],
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    taxonomy: str | None = None,
    lexicon: str | None = None,
    model: str | None = None,
    analyzer: Analyzer | None = None,
) -> Iterator[dict[str, Any]]:
    """Analyse comments: the Python API behind `feedback analyze`.

    comments (Iterable[dict | str]): Strings, or dicts with a text field and any other fields
        (scores are recognised by name, as in the CLI).
    text_column, id_column (str | None): Field names, when the defaults do not find them.
    scores (dict[str, str] | None): KIND -> field name, e.g. {"nps": "likelihood"}.
    taxonomy, lexicon, model (str | None): Paths replacing the defaults.
    analyzer (Analyzer | None): A prebuilt Analyzer to reuse across calls.
    YIELDS (dict): One record per comment, as in the JSONL output; rows that cannot be analysed
        yield an error record (it has an "error" key) in their place.

    Example:
        >>> from feedback import analyze
        >>> next(analyze(["Delivery was slow but the staff were lovely."]))["themes"][0]["theme"]
        'speed/delivery'
    """
    analyzer = analyzer or Analyzer(AnalyzerConfig(taxonomy, lexicon, model))
    rows = _as_rows(comments)
    first = next(rows, None)
    if first is None:
        return
    columns = list(first.values)
    spec = resolve_columns(columns, text_column=text_column, id_column=id_column, scores=scores)

    def all_rows() -> Iterator[SourceRow]:
        yield first
        yield from rows

    items = (to_comment(row, spec) for row in all_rows())
    for record in analyzer.analyze_comments(items):
        yield record.to_dict()


def _as_rows(comments: Iterable[dict[str, Any] | str]) -> Iterator[SourceRow]:
    for n, item in enumerate(comments, 1):
        values = {"text": item} if isinstance(item, str) else dict(item)
        yield SourceRow(n, n, values)


# --- the CLI's runner: worker processes and serialised output -------------------------------

_worker_analyzer: Analyzer | None = None


def _init_worker(config: AnalyzerConfig) -> None:
    global _worker_analyzer
    _worker_analyzer = Analyzer(config)


def _analyze_chunk(chunk: list[Comment | ErrorRecord]) -> list[tuple[str, str]]:
    assert _worker_analyzer is not None, "worker not initialised"
    return _serialise(_worker_analyzer.analyze_comments(chunk))


def _serialise(records: Iterable[AnalyzedRecord | ErrorRecord]) -> list[tuple[str, str]]:
    return [(_status(r), dumps(r.to_dict())) for r in records]


def _status(record: AnalyzedRecord | ErrorRecord) -> str:
    if isinstance(record, ErrorRecord):
        return "error"
    return "problems" if record.problems else "ok"


def run(
    rows: Iterable[SourceRow | ErrorRecord],
    spec: ColumnSpec,
    *,
    config: AnalyzerConfig,
    workers: int = 1,
    chunk_size: int = 512,
) -> Iterator[tuple[str, str]]:
    """Analyse rows and yield (status, json_line) in input order.

    rows (Iterable[SourceRow | ErrorRecord]): From `io.open_table`.
    spec (ColumnSpec): The column mapping.
    config (AnalyzerConfig): How to build each process's Analyzer.
    workers (int): Processes; 1 analyses in this process. Output is identical for any number.
    chunk_size (int): Rows per task sent to a worker.
    YIELDS (tuple[str, str]): "ok", "problems" (analysed, with problems noted) or "error"
        (an error record), and the JSON line.
    """
    items = (to_comment(row, spec) if isinstance(row, SourceRow) else row for row in rows)
    chunks = _chunks(items, chunk_size)
    if workers <= 1:
        analyzer = Analyzer(config)
        for chunk in chunks:
            yield from _serialise(analyzer.analyze_comments(chunk))
        return
    # fork shares the loaded modules; spawn would re-import spaCy in every worker.
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(config,)) as pool:
        # Pool.imap would read the whole input ahead of the workers; a bounded queue of pending
        # chunks keeps memory flat and still yields in input order.
        pending: deque = deque()
        for chunk in chunks:
            pending.append(pool.apply_async(_analyze_chunk, (chunk,)))
            if len(pending) >= 2 * workers:
                yield from pending.popleft().get()
        while pending:
            yield from pending.popleft().get()


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk
