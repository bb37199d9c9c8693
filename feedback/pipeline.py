"""The analysis pipeline: rows -> comments -> sentences and sentiment -> themes -> records.

`analyze()` is the Python API; the CLI calls `run()`, which adds worker processes and yields
ready-to-write JSON lines. Both produce the same records in input order.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import queue
import threading
import traceback
from bisect import bisect_right
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import islice
from typing import Any, Iterable, Iterator

from spacy.attrs import LOWER, NORM
from spacy.tokens import Doc

from .columns import MAX_ANALYSED_CHARS, ColumnSpec, resolve_columns, to_comment
from .errors import WorkerError
from .io import dumps
from .language import ClauseSplitter, make_nlp
from .model import ModelInput, Prediction
from .redact import redact_value
from .records import AnalyzedRecord, Comment, ErrorRecord, Sentence, SourceRow, ThemeMention
from .sentiment import SentimentScorer, combine, label, load_lexicon
from .themes import ThemeMatcher, load_taxonomy


DEFAULT_MODEL = "default"


@dataclass(frozen=True)
class AnalyzerConfig:
    """What an Analyzer is built from: paths only, so worker processes can rebuild it.

    model: a model directory, DEFAULT_MODEL for the shipped cx-default model, or None for the
    taxonomy rules alone. model_mode: "combine" (the model decides, reading rule hits as
    evidence) or "model" (the model's themes only).
    """

    taxonomy: str | None = None
    lexicon: str | None = None
    model: str | None = DEFAULT_MODEL
    model_mode: str = "combine"


def default_model_path() -> str:
    """The shipped cx-default model's directory (installed as feedback.models)."""
    from importlib import resources

    return str(resources.files("feedback.models").joinpath("cx-default"))


class Analyzer:
    """Holds the expensive state (spaCy pipeline, VADER, matchers) and analyses comments."""

    def __init__(self, config: AnalyzerConfig | None = None) -> None:
        self.config = config or AnalyzerConfig()
        self.nlp = make_nlp()
        self.taxonomy = load_taxonomy(self.config.taxonomy)
        lexicon = load_lexicon(self.config.lexicon) if self.config.lexicon else None
        self.scorer = SentimentScorer(lexicon)
        self.matcher = ThemeMatcher(self.nlp, self.taxonomy)
        self.clauses = ClauseSplitter(self.nlp.vocab)
        self.theme_model = None
        if self.config.model:
            from .model import load_model

            path = default_model_path() if self.config.model == DEFAULT_MODEL else self.config.model
            self.theme_model = load_model(path)

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
            records = [self._analyze_doc(c, doc) for c, doc in zip(comments, docs)]
            if self.theme_model is not None:
                predictions = self.theme_model.predict([model_input(r) for r in records])
                records = [merge_prediction(r, p, self.theme_model.themes_, self.config.model_mode)
                           for r, p in zip(records, predictions)]
            analysed = iter(records)
            for item in batch:
                yield next(analysed) if isinstance(item, Comment) else item

    def _analyze_doc(self, comment: Comment, doc: Doc) -> AnalyzedRecord:
        score = self.scorer.score
        sentences: list[Sentence] = []
        bounds: list[tuple[int, int]] = []  # token range of each sentence kept
        analysed_text = comment.text[:MAX_ANALYSED_CHARS]
        for sent in doc.sents:
            text = analysed_text[sent.start_char : sent.end_char]
            stripped = text.strip()
            if not stripped:
                continue
            start = sent.start_char + (len(text) - len(text.lstrip()))
            sentences.append(Sentence(stripped, start, start + len(stripped), score(stripped)))
            bounds.append((sent.start, sent.end))
        compound = combine(s.compound for s in sentences)
        mentions = self._mentions(doc, comment.text, bounds, sentences) if sentences else []
        return AnalyzedRecord(comment.id, comment.row, comment.text, compound, label(compound), sentences,
                              mentions, comment.scores, comment.fields, comment.problems, comment.redacted)

    def _mentions(self, doc: Doc, text: str, bounds: list[tuple[int, int]],
                  sentences: list[Sentence]) -> list[ThemeMention]:
        matches = self.matcher.find(doc)
        if not matches:
            return []
        starts = [start for start, _ in bounds]
        lowers = doc.to_array(LOWER).tolist()
        clause_cache: dict[int, list[tuple[int, int, float]]] = {}
        lemma_cache: dict[tuple[int, int], set[str]] = {}
        mentions = []
        for m in matches:
            index = bisect_right(starts, m.start) - 1
            clauses = clause_cache.get(index)
            if clauses is None:
                clauses = clause_cache[index] = self._clauses(doc, lowers, bounds[index], sentences[index])
            for c_start, c_end, c_compound in clauses:
                if c_start <= m.start < c_end:
                    break
            negated = m.negation_start is not None and m.negation_start >= c_start
            first = m.negation_start if negated else m.start
            start_char = doc[first].idx
            last = doc[m.end - 1]
            end_char = last.idx + len(last)
            theme = m.theme
            if "/" not in theme and self.matcher.has_cues(theme):
                lemmas = lemma_cache.get((c_start, c_end))
                if lemmas is None:
                    lemmas = lemma_cache[(c_start, c_end)] = self._lemmas(doc, c_start, c_end)
                theme = self.matcher.refine(theme, lemmas)
            mentions.append(
                ThemeMention(theme, c_compound, label(c_compound),
                             text[start_char:end_char],  # not doc.text: that rebuilds the text
                             start_char, end_char, index, negated)
            )
        return mentions

    def _clauses(self, doc: Doc, lowers: list[int], bounds: tuple[int, int],
                 sentence: Sentence) -> list[tuple[int, int, float]]:
        clauses = self.clauses(lowers, *bounds)
        if len(clauses) == 1:
            return [(bounds[0], bounds[1], sentence.compound)]
        out = []
        for start, end in clauses:
            compound = self.scorer.score(doc[start:end].text)
            # A clause with no sentiment words of its own ("I called them") takes its sentence's.
            if compound == 0.0:
                compound = sentence.compound
            out.append((start, end, compound))
        return out

    @staticmethod
    def _lemmas(doc: Doc, start: int, end: int) -> set[str]:
        strings = doc.vocab.strings
        return {strings[h] for h in doc.to_array(NORM)[start:end].tolist()}


def model_input(record: AnalyzedRecord) -> ModelInput:
    """What a theme model reads about a record analysed by the rules."""
    by_theme: dict[str, list[float]] = {}
    for mention in record.themes:
        by_theme.setdefault(mention.theme.split("/", 1)[0], []).append(mention.sentiment)
    return ModelInput(
        record.text,
        record.compound,
        tuple([(s.start, s.end, s.compound) for s in record.sentences]),
        frozenset(by_theme),
        {t: sum(v) / len(v) for t, v in by_theme.items()},
    )


def merge_prediction(record: AnalyzedRecord, prediction: Prediction, model_themes: list[str],
                     mode: str = "combine") -> AnalyzedRecord:
    """Combine a rules record with a model's prediction.

    In "combine" mode the model decides which of the themes it knows a comment is about (it
    reads the rule hits as features): rule mentions of a theme it rejects are dropped, those it
    accepts keep their evidence and subtheme and take the model's polarity; a theme it finds
    without a rule mention gets one mention, on the sentence that speaks most for it. Themes
    the model was not trained on keep their rule mentions as they are. In "model" mode only
    the model's themes are reported. The model's sentiment head, when it has one, gives the
    comment's sentiment; sentence compounds stay VADER's.
    """
    found = {p.theme: p for p in prediction.themes}
    known = set(model_themes)
    mentions: list[ThemeMention] = []
    covered: set[str] = set()
    if mode != "model" and record.themes:
        # A negation the rules saw ("not fast at all") is read better by VADER on the clause than
        # by the model's words, so for such themes the clause sentiment stays.
        parents = [m.theme.split("/", 1)[0] for m in record.themes]
        negated = {parent for m, parent in zip(record.themes, parents) if m.negated}
        for m, parent in zip(record.themes, parents):
            if parent not in known:
                mentions.append(m)
                continue
            p = found.get(parent)
            if p is None:
                continue
            covered.add(parent)
            # ThemeMention's fields in order; dataclasses.replace costs several times more.
            if parent in negated:
                mentions.append(ThemeMention(m.theme, m.sentiment, m.label, m.evidence, m.start, m.end,
                                             m.sentence, m.negated, "rules+model", p.probability))
            else:
                mentions.append(ThemeMention(m.theme, p.sentiment, p.polarity, m.evidence, m.start, m.end,
                                             m.sentence, m.negated, "rules+model", p.probability))
    for p in prediction.themes:
        if p.theme in covered:
            continue
        if p.sentence >= 0:
            sent = record.sentences[p.sentence]
            start, end, evidence = sent.start, sent.end, sent.text
        else:
            start, end, evidence = 0, 0, ""
        mentions.append(ThemeMention(p.theme, p.sentiment, p.polarity, evidence, start, end,
                                     max(p.sentence, 0), False, "model", p.probability))
    mentions.sort(key=_span_key)
    compound, label_ = record.compound, record.label
    if prediction.sentiment is not None:
        label_, compound = prediction.sentiment
    r = record
    return AnalyzedRecord(r.id, r.row, r.text, compound, label_, r.sentences, mentions, r.scores, r.fields,
                          r.problems, r.redacted)


def _span_key(mention: ThemeMention) -> tuple[int, int]:
    return mention.start, mention.end


def analyze(
    comments: Iterable[dict[str, Any] | str],
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    taxonomy: str | None = None,
    lexicon: str | None = None,
    model: str | None = DEFAULT_MODEL,
    redact: bool = False,
    analyzer: Analyzer | None = None,
) -> Iterator[dict[str, Any]]:
    """Analyse comments: the Python API behind `feedback analyze`.

    comments (Iterable[dict | str]): Strings, or dicts with a text field and any other fields
        (scores are recognised by name, as in the CLI).
    text_column, id_column (str | None): Field names, when the defaults do not find them.
    scores (dict[str, str] | None): KIND -> field name, e.g. {"nps": "likelihood"}.
    taxonomy, lexicon (str | None): Paths replacing the defaults.
    model (str | None): A model directory; "default" (the shipped model) unless a taxonomy is
        given; None for the taxonomy rules alone.
    redact (bool): Mask emails, URLs, IBANs, card and phone numbers first (see feedback.redact).
    analyzer (Analyzer | None): A prebuilt Analyzer to reuse across calls.
    YIELDS (dict): One record per comment, as in the JSONL output; rows that cannot be analysed
        yield an error record (it has an "error" key) in their place.

    Example:
        >>> from feedback import analyze
        >>> next(analyze(["Delivery was slow but the staff were lovely."]))["themes"][0]["theme"]
        'speed/delivery'
    """
    if taxonomy is not None and model == DEFAULT_MODEL:
        model = None  # the shipped model knows the default themes, not yours
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

    source: Iterator[SourceRow | ErrorRecord] = all_rows()
    if redact:
        totals: Counter = Counter()
        source = (redact_row(row, totals) for row in source)
    items = (to_comment(row, spec) if isinstance(row, SourceRow) else row for row in source)
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


def _analyze_chunk(chunk: list[SourceRow | ErrorRecord], spec: ColumnSpec) -> list[tuple[str, str]]:
    assert _worker_analyzer is not None, "worker not initialised"
    return _serialise(_worker_analyzer.analyze_comments(_to_comments(chunk, spec)))


def _to_comments(rows: list[SourceRow | ErrorRecord], spec: ColumnSpec) -> list[Comment | ErrorRecord]:
    return [to_comment(row, spec) if isinstance(row, SourceRow) else row for row in rows]


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
    redaction: Counter | None = None,
) -> Iterator[tuple[str, str]]:
    """Analyse rows and yield (status, json_line) in input order.

    rows (Iterable[SourceRow | ErrorRecord]): From `io.open_table`.
    spec (ColumnSpec): The column mapping.
    config (AnalyzerConfig): How to build each process's Analyzer.
    workers (int): Processes; 1 analyses in this process. Output is identical for any number.
    chunk_size (int): Rows per task sent to a worker.
    redaction (Counter | None): When given, PII in every row is masked first and the kinds
        masked are counted into it.
    YIELDS (tuple[str, str]): "ok", "problems" (analysed, with problems noted) or "error"
        (an error record), and the JSON line.
    """
    if redaction is not None:
        rows = (redact_row(row, redaction) for row in rows)
    # Rows become comments in whichever process analyses them: with workers, that is work the
    # reading process (the one that cannot be parallelised) does not do.
    chunks = _chunks(rows, chunk_size)
    with _long_lived_state():
        yield from _run_chunks(chunks, spec, config, workers)


@contextmanager
def _long_lived_state() -> Iterator[None]:
    """Build-once state (spaCy's pipeline, the model's vocabularies) is never garbage: freeze it
    so the collector stops rescanning it, and collect the young generation less often. On 20k
    comments the collector otherwise costs ~10% of the run; memory stays flat (measured)."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, thresholds[1], thresholds[2])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _run_chunks(chunks: Iterator[list[SourceRow | ErrorRecord]], spec: ColumnSpec, config: AnalyzerConfig,
                workers: int) -> Iterator[tuple[str, str]]:
    if workers <= 1:
        analyzer = Analyzer(config)
        gc.freeze()
        for chunk in chunks:
            yield from _serialise(analyzer.analyze_comments(_to_comments(chunk, spec)))
        return
    # With fork, the Analyzer is built once here and the workers inherit it (copy-on-write)
    # instead of each loading spaCy, VADER and the model again; spawn must rebuild it.
    global _worker_analyzer
    if "fork" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("fork")
        _worker_analyzer = Analyzer(config)
        gc.freeze()  # also keeps the forked workers' copy-on-write pages shared
        rebuild = None
    else:  # pragma: no cover - platforms without fork
        ctx = multiprocessing.get_context("spawn")
        rebuild = config
    pool = _WorkerPool(ctx, workers, spec, rebuild)
    try:
        # Chunks go to the workers in turn and come back in the same turn, so the output keeps
        # the input's order; at most four chunks wait per worker, so memory stays flat.
        pending: deque[int] = deque()
        for i, chunk in enumerate(chunks):
            pool.submit(i % workers, chunk)
            pending.append(i % workers)
            if len(pending) >= 4 * workers:
                yield from pool.result(pending.popleft())
        while pending:
            yield from pool.result(pending.popleft())
    except BaseException:
        pool.kill()
        raise
    pool.close()


class _WorkerPool:
    """Worker processes, each with its own pair of pipes and, in this process, a thread that
    sends it chunks and one that receives its results.

    Not multiprocessing.Pool or ProcessPoolExecutor: they share one task queue, and a worker
    killed while taking a task from it (the kernel's out-of-memory killer, say) leaves the
    others and the parent waiting forever. Here each worker's death is seen at once (its
    process sentinel), and the run stops with a reason.
    """

    def __init__(self, ctx: Any, workers: int, spec: ColumnSpec, rebuild: AnalyzerConfig | None) -> None:
        self.processes = []
        readers = []
        writers = []
        for _ in range(workers):
            task_reader, task_writer = ctx.Pipe(duplex=False)
            result_reader, result_writer = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_worker_main, args=(task_reader, result_writer, spec, rebuild),
                                  daemon=True)
            process.start()
            task_reader.close()
            result_writer.close()
            self.processes.append(process)
            readers.append(result_reader)
            writers.append(task_writer)
        # One thread per worker sends its chunks, so the parent never blocks on a full pipe while
        # that worker is blocked sending results back. Started after the last fork: a process
        # forked while other threads run can inherit their locks held.
        self.queues: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in writers]
        for tasks, writer in zip(self.queues, writers):
            threading.Thread(target=_feed, args=(tasks, writer), daemon=True).start()
        # And one receives, as soon as they come: a worker blocked sending a result is idle.
        self.received: list[queue.SimpleQueue] = [queue.SimpleQueue() for _ in writers]
        for received, reader, process in zip(self.received, readers, self.processes):
            threading.Thread(target=_receive, args=(reader, process, received), daemon=True).start()

    def submit(self, worker: int, chunk: list[SourceRow | ErrorRecord]) -> None:
        self.queues[worker].put(chunk)

    def result(self, worker: int) -> list[tuple[str, str]]:
        message = self.received[worker].get()
        if message is not None:
            ok, value = message
            if ok:
                return value
            raise RuntimeError(f"a worker process failed:\n{value}")
        raise WorkerError(
            f"a worker process died before finishing its rows (exit code {self.processes[worker].exitcode}; "
            "killed by the system, perhaps for lack of memory); run the same command with --resume to "
            "go on from the last checkpoint, or with fewer --workers"
        )

    def close(self) -> None:
        for tasks in self.queues:
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=10)
        self.kill()

    def kill(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=5)


def _feed(tasks: queue.SimpleQueue, writer: Any) -> None:
    while True:
        chunk = tasks.get()
        try:
            writer.send(chunk)
        except OSError:  # the worker is gone; the parent learns it from the worker's sentinel
            return
        if chunk is None:
            writer.close()
            return


def _receive(reader: Any, process: Any, received: queue.SimpleQueue) -> None:
    """Pass a worker's results on as they arrive; None once it is gone."""
    while True:
        ready = multiprocessing.connection.wait([reader, process.sentinel])
        if reader in ready or reader.poll():
            try:
                received.put(reader.recv())
                continue
            except (EOFError, OSError):
                pass
        received.put(None)
        return


def _worker_main(tasks: Any, results: Any, spec: ColumnSpec, rebuild: AnalyzerConfig | None) -> None:
    if rebuild is not None:
        _init_worker(rebuild)
    while True:
        try:
            chunk = tasks.recv()
        except EOFError:
            return
        if chunk is None:
            return
        try:
            results.send((True, _analyze_chunk(chunk, spec)))
        except Exception:  # a bug, not bad input: bad rows become error records upstream
            results.send((False, traceback.format_exc()))
            return


def redact_row(row: SourceRow | ErrorRecord, totals: Counter) -> SourceRow | ErrorRecord:
    """Mask PII in every string a row holds, noting in the row which kinds were masked."""
    counts: Counter = Counter()
    values = redact_value(row.values, counts) if row.values is not None else None
    totals.update(counts)
    return replace(row, values=values, redacted=dict(sorted(counts.items())))


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk
