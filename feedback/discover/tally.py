"""The two passes of discovery over the corpus. Pass 1 (`take_census`) counts the comments and
draws the seeded sample the topics are fitted on; pass 2 (`tally_corpus`) assigns every comment
to the fitted topics, a chunk at a time, and adds up what each topic holds."""

from __future__ import annotations

import hashlib
import heapq
import marshal
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import numpy as np
from scipy import sparse

from .corpus import CorpusDoc, Coverage
from .features import Featurizer
from .topics import MIN_WEIGHT, N_TOP, TopicModel

_CHUNK = 4096  # comments per chunk in pass 2
_SPILL_BATCH = 1024  # comments per record of the spill file


class Spill:
    """The corpus as pass 1 read it, kept in a temporary file for pass 2, which reads it back
    instead of the input: parsing, checking and reducing each analysed record again cost half
    of a run on 100k comments, reading this back a tenth of that. Memory stays bounded: the
    comments are on disk, written in batches (marshal: the fields are str, int, float, dict and
    frozenset), each batch after its length in bytes: `marshal.load` on a file reads it a few
    bytes at a time, through a Python call each, which cost more than the rest of pass 2's
    reading; a batch read whole and decoded with `marshal.loads` costs a tenth of that. Use as
    a context manager; the file is deleted on exit."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()
        self._batch: list[tuple[Any, ...]] = []

    def __enter__(self) -> Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()

    def add(self, doc: CorpusDoc) -> None:
        self._batch.append((doc.id, doc.row, doc.text, doc.themes, doc.compound, doc.scores, doc.rule_themes))
        if len(self._batch) == _SPILL_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch:
            data = marshal.dumps(self._batch)
            self._file.write(len(data).to_bytes(8, "little"))
            self._file.write(data)
            self._batch = []

    def __iter__(self) -> Iterator[CorpusDoc]:
        self._flush()
        self._file.seek(0)
        read = self._file.read
        while size := int.from_bytes(read(8), "little"):
            for fields in marshal.loads(read(size)):
                yield CorpusDoc(*fields)


@dataclass
class Census:
    """Pass 1: what was read, and the fitting sample."""

    coverage: Coverage
    n_considered: int
    rule_counts: Counter[str]  # comments considered, by the themes the rules found
    sample: list[CorpusDoc]  # in input order
    background: list[CorpusDoc]  # with only_unthemed, a sample of the comments with a theme
    sample_rows: list[int] = field(default_factory=list)  # each sampled comment's input position


@dataclass
class Tally:
    """Pass 2: running totals per topic while every comment is assigned."""

    k: int
    n: np.ndarray = field(init=False)
    n_unthemed: np.ndarray = field(init=False)
    n_matched: np.ndarray = field(init=False)
    compound: np.ndarray = field(init=False)
    scores: dict[str, list[np.ndarray]] = field(default_factory=dict)  # kind -> [sums, counts]
    themes: dict[str, np.ndarray] = field(default_factory=dict)  # by theme, rules or model
    rule_themes: dict[str, np.ndarray] = field(default_factory=dict)  # by theme the rules found
    examples: list[list[tuple[float, int, str, str]]] = field(init=False)  # a min-heap per topic
    unthemed_topics: Counter[tuple[int, ...]] = field(default_factory=Counter)  # for share explained

    def __post_init__(self) -> None:
        self.n, self.n_unthemed, self.n_matched = (np.zeros(self.k, dtype=np.int64) for _ in range(3))
        self.compound = np.zeros(self.k)
        self.examples = [[] for _ in range(self.k)]


def take_census(
    corpus: Iterable[CorpusDoc], *, only_unthemed: bool, sample: int, seed: int, spill: Spill | None = None
) -> Census:
    """Count the corpus and draw the fitting sample: the `sample` considered comments with the
    smallest keyed hash of (row, text). The same seed draws the same comments whatever else the
    file holds, and repeated texts are drawn independently of each other. With only_unthemed,
    the comments with a theme are sampled the same way, to see how common a term is among them.
    With `spill`, every comment read is also added to it, for pass 2."""
    key = str(seed).encode()[:64]
    coverage = Coverage()
    themes: Counter[str] = Counter()
    heaps: tuple[list[tuple[int, int, CorpusDoc]], ...] = ([], [])  # (-hash, index, doc): largest on top
    n_considered = 0
    for index, doc in enumerate(corpus):
        if spill is not None:
            spill.add(doc)
        coverage.add(doc)
        outside = only_unthemed and bool(doc.themes)
        if not outside:
            themes.update(doc.rule_themes)
            n_considered += 1
        digest = hashlib.blake2b(f"{doc.row}\x00{doc.text}".encode("utf-8", "replace"), digest_size=8, key=key)
        value = int.from_bytes(digest.digest(), "big")
        heap = heaps[outside]
        if len(heap) < sample:
            heapq.heappush(heap, (-value, index, doc))
        elif value < -heap[0][0]:
            heapq.heapreplace(heap, (-value, index, doc))
    drawn = sorted(heaps[0], key=lambda item: item[1])
    background = [doc for _, _, doc in sorted(heaps[1], key=lambda item: item[1])]
    return Census(coverage, n_considered, themes, [doc for _, _, doc in drawn], background,
                  [index for _, index, _ in drawn])


def tally_corpus(
    docs: Iterable[CorpusDoc],
    featurizer: Featurizer,
    model: TopicModel,
    top: list[np.ndarray],
    term_cols: list[list[int]],
    *,
    only_unthemed: bool,
    n_examples: int,
    known: dict[int, tuple[list[str], dict[int, str]]] | None = None,
    memo: dict[str, tuple[list[str], dict[int, str]]] | None = None,
) -> tuple[Tally, dict[str, str]]:
    """Pass 2: assign every comment considered, a chunk at a time, count the comments the terms
    match, and note how the top terms are spelled (featurizing again costs less than holding
    every comment's features). With only_unthemed, comments with a theme are only matched.

    docs (Iterable[CorpusDoc]): The corpus (or the sample, when it holds every comment).
    featurizer (Featurizer): The one the model was fitted with.
    model (TopicModel): The fitted model.
    top (list[np.ndarray]): Each topic's strongest terms (columns of the vocabulary).
    term_cols (list[list[int]]): Each topic's terms to write (`terms.choose_terms`).
    only_unthemed (bool): Add up only the comments with no theme.
    n_examples (int): Examples kept per candidate.
    known (dict | None): Comments featurized already, by input position: their features and
        spellings (`Featurizer.pipe_spelled`), used instead of featurizing them again. Taken
        out of the dict as they are used.
    memo (dict | None): Sentences featurized already (`Featurizer.pipe`); a new one when None.
    RETURNS (tuple[Tally, dict[str, str]]): The totals, and each top or written term as
        people write it.
    """
    k, vocab = model.n_topics_, model.vocabulary_
    needed: dict[str, Counter[str]] = {vocab[j]: Counter() for t in range(k) for j in (*top[t][:N_TOP], *term_cols[t])}
    tally = Tally(k)
    terms = term_matrix(term_cols, len(vocab))
    keep = max(4 * n_examples, 8)
    memo = memo if memo is not None else {}
    known = known if known is not None else {}
    start = 0
    for chunk in chunks(docs, _CHUNK):
        done = [known.pop(p, None) for p in range(start, start + len(chunk))]
        start += len(chunk)
        fresh = featurizer.pipe((d.text for d, f in zip(chunk, done) if f is None), surfaces=needed, memo=memo)
        features = [next(fresh) if f is None else _count_spellings(f, needed) for f in done]
        X = model.vectorizer_.transform(features)
        tally.n_matched += (np.asarray(((X > 0).astype(np.float64) @ terms).todense()) > 0).sum(axis=0)
        rows = [i for i, d in enumerate(chunk) if not (only_unthemed and d.themes)]
        if rows:
            tally_chunk(tally, model, [chunk[i] for i in rows], X[rows], keep)
    # The most common spelling; on a tie the alphabetically first, so output is reproducible.
    surface = {f: min(seen, key=lambda s: (-seen[s], s)) if seen else f for f, seen in needed.items()}
    return tally, surface


def _count_spellings(featurized: tuple[list[str], dict[int, str]], needed: dict[str, Counter[str]]) -> list[str]:
    """A featurized comment's features, its spellings of the `needed` ones counted there."""
    features, spelled = featurized
    for j, feature in enumerate(features):
        if feature in needed:
            needed[feature][spelled.get(j, feature)] += 1
    return features


def tally_chunk(tally: Tally, model: TopicModel, docs: list[CorpusDoc], X: Any, keep: int) -> None:
    """Assign a chunk of comments (X: their TF-IDF rows) to topics and add them to the totals."""
    W = model.transform(X)
    members = W >= MIN_WEIGHT
    as_float = members.astype(np.float64)
    unthemed = np.array([not d.themes for d in docs])
    tally.n += members.sum(axis=0)
    tally.n_unthemed += members[unthemed].sum(axis=0)
    tally.compound += np.array([d.compound for d in docs]) @ as_float
    for kind in sorted({kind for d in docs for kind in d.scores}):
        rows = [i for i, d in enumerate(docs) if kind in d.scores]
        values = np.array([docs[i].scores[kind] for i in rows])
        sums, counts = tally.scores.setdefault(kind, [np.zeros(tally.k), np.zeros(tally.k, dtype=np.int64)])
        sums += values @ as_float[rows]
        counts += members[rows].sum(axis=0)
    for by_theme, attr in ((tally.themes, "themes"), (tally.rule_themes, "rule_themes")):
        rows_of: dict[str, list[int]] = {}
        for row, d in enumerate(docs):
            for theme in getattr(d, attr):
                rows_of.setdefault(theme, []).append(row)
        for theme, rows in sorted(rows_of.items()):
            by_theme.setdefault(theme, np.zeros(tally.k, dtype=np.int64))
            by_theme[theme] += members[rows].sum(axis=0)
    for i in np.flatnonzero(unthemed & members.any(axis=1)):
        tally.unthemed_topics[tuple(int(t) for t in np.flatnonzero(members[i]))] += 1
    # Examples: the comments a topic rebuilds best, discounted below 100 characters so an
    # example says more than "Love it!".
    lengths = np.array([min(1.0, len(d.text) / 100) for d in docs])
    for t in range(tally.k):
        in_topic = np.flatnonzero(members[:, t])
        if not len(in_topic):
            continue
        scores = W[in_topic, t] * lengths[in_topic]
        for i in in_topic[np.argsort(-scores, kind="stable")[:keep]]:
            doc = docs[i]
            item = (round(float(W[i, t] * lengths[i]), 6), -doc.row, doc.text, doc.id)
            heap = tally.examples[t]
            if len(heap) < keep:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)


def term_matrix(term_cols: list[list[int]], n_terms: int) -> Any:
    """terms x topics, 1 where a term is one of a topic's written terms."""
    rows = [j for cols in term_cols for j in cols]
    topics = [t for t, cols in enumerate(term_cols) for _ in cols]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, topics)), shape=(n_terms, len(term_cols)))


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk
