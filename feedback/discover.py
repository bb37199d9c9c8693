"""Discovery: find the recurring topics the taxonomy misses and turn them into taxonomy entries.

Comments become bags of lowercase lemmas and short lemma phrases (from `language.make_nlp()`),
weighted by TF-IDF and factorised by NMF into topics. A topic that is big enough, coherent,
about something (not only how people feel), not already a theme, findable by a few precise
terms and distinct from the others becomes a candidate: named by its top terms, with its size,
the share of the comments with no theme it covers, its mean sentiment and scores, example
comments, and a [themes.<id>] table for a taxonomy file.

NMF is fitted on a seeded sample of at most `sample` comments; every comment is then assigned
by `transform`, a chunk at a time, so memory is bounded by the sample, not the corpus.
docs/discover.md explains the choices.
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
import math
import re
import sys
import unicodedata
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib import resources
from itertools import chain, islice
from typing import Any, Iterable, Iterator, Sequence

import numpy as np
from scipy import sparse
from spacy.attrs import NORM, ORTH
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

from .errors import InputError, TaxonomyError
from .language import make_nlp
from .records import AnalyzedRecord
from .themes import DEFAULT_TAXONOMY, Taxonomy, check_taxonomy_data, load_taxonomy

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_SAMPLE = 20_000
DEFAULT_SEED = 0
# Numbers of topics tried when k is not given, up to one topic per 20 comments (see `k_grid`).
K_GRID = (5, 8, 10, 12, 15, 20, 25, 30)
MIN_DOCS = 30  # fewer comments than this hold nothing recurring
N_TOP = 10  # top terms per topic: what coherence, naming and the filters read
# The filters, in the order they are applied (docs/discover.md explains each):
MIN_SIZE = 5  # fewest comments in a candidate, or MIN_SHARE of the comments, whichever is more
MIN_SHARE = 0.002
MIN_COHERENCE = 0.05  # NPMI of the top words (`TopicModel.coherence`); below, they rarely meet
MAX_EVALUATIVE = 0.5  # share of top-term weight on opinion words ("cute, great, perfectly")
MAX_KNOWN = 0.5  # share of top-term weight on words the taxonomy already matches
MIN_KNOWN_LIFT = 3.0  # ... or one theme's rules tag MAX_KNOWN of its comments, this many times as often as all
# To be written, a term must belong to the topic (it carries at least this share of the term's
# weight in the model) ...
MIN_TERM_EXCLUSIVITY = 0.5
MIN_TERM_PRECISION = 0.5  # ... most comments holding it must be in the topic
MIN_TERM_LIFT = 2.0  # ... and that share be this many times the topic's share of all comments
MIN_TERM_GAIN = 0.02  # after three terms, a term must find this share of the topic's comments anew
MAX_SIMILARITY = 0.5  # cosine of two topics' term vectors from which the weaker is a duplicate
MAX_TERMS = 10
# A comment belongs to a topic when the topic alone rebuilds at least this much of the comment's
# unit-length TF-IDF vector; a comment can belong to several topics, or to none.
MIN_WEIGHT = 0.15
_CHUNK = 4096

# spaCy's stop list is written for running text; in comments these name things people talk
# about ("a cute top", "the front desk", "a call back"), so they stay.
_TOPICAL = frozenset({"top", "bottom", "front", "back", "side", "call", "full", "empty", "name"})
# Fillers missing from spaCy's list ("bite" is the lookup table's lemma of "bit").
_FILLERS = frozenset({"like", "thing", "lot", "bit", "bite", "way", "etc", "ok", "okay", "yes", "yeah", "lol"})
STOP = frozenset((set(STOP_WORDS) - _TOPICAL) | _FILLERS)
# A phrase may end in a particle ("size up", "send back") ...
_PARTICLES = frozenset({"up", "down", "out", "off", "back"})
# ... or bridge two content words with one linking word ("true to size", "lots of compliments").
_LINKS = frozenset({"to", "of", "and", "in", "on", "for", "with"})
# Verbs that only say how someone feels about whatever the comment is about.
_OPINION_VERBS = frozenset({"love", "like", "hate", "dislike", "adore", "enjoy", "recommend", "disappoint"})
_BREAK, _STOPWORD, _CONTENT = 0, 1, 2
_ORTH_NORM = [ORTH, NORM]
_NON_ID_RE = re.compile(r"[^a-z0-9]+")
_SPACE_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PREAMBLE_KEY_RE = r"(?m)^{key}\s*=.*$"


# --- the corpus -------------------------------------------------------------------------------


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
    """
    if isinstance(record, AnalyzedRecord):
        return CorpusDoc(record.id, record.row, record.text, frozenset(m.parent for m in record.themes),
                         record.compound, dict(record.scores),
                         frozenset(m.parent for m in record.themes if m.source != "model"))
    if "error" in record or not record.get("text"):
        return None
    mentions = [m for m in record.get("themes") or () if isinstance(m, dict)]
    parents = [m.get("parent") or str(m.get("theme", "")).split("/", 1)[0] for m in mentions]
    sentiment = record.get("sentiment") or {}
    scores = {str(k): float(v) for k, v in (record.get("scores") or {}).items()
              if isinstance(v, (int, float)) and not isinstance(v, bool)}
    return CorpusDoc(str(record.get("id", "")), int(record.get("row") or 0), str(record["text"]),
                     frozenset(parents) - {""}, float(sentiment.get("compound") or 0.0), scores,
                     frozenset(p for p, m in zip(parents, mentions) if m.get("source", "rules") != "model") - {""})


class AnalyzedFile:
    """The records of an analysed JSONL file, read afresh on each iteration, so discovery can
    read it twice without holding it in memory."""

    def __init__(self, path: str, *, encoding: str | None = None) -> None:
        self.path = path
        self.encoding = encoding

    def __iter__(self) -> Iterator[CorpusDoc]:
        from .io import open_table

        # ErrorRecords (a line that is not JSON) have no values and are skipped.
        yield from _analyzed_docs(open_table(self.path, fmt="jsonl", encoding=self.encoding).rows)


_RECORD_KEYS = frozenset({"schema_version", "text", "themes", "sentiment"})


def open_corpus(
    path: str,
    *,
    fmt: str | None = None,
    encoding: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    taxonomy: str | None = None,
    workers: int = 1,
) -> tuple[Iterable[CorpusDoc], bool]:
    """Open discovery's input: `feedback analyze` output, or a raw export to analyse first.

    path (str): A file, or "-" for stdin.
    fmt, encoding (str | None): As for `io.open_table`.
    text_column, id_column, scores, workers: For a raw export, as for `feedback analyze`.
    taxonomy (str | None): For a raw export: a taxonomy file whose rules alone find the themes
        (as with `feedback analyze --taxonomy`); None uses the default rules and model.
    RETURNS (tuple[Iterable[CorpusDoc], bool]): The comments, and whether they are analysed as
        they are read. An analysed file is an `AnalyzedFile` (re-readable, nothing held in
        memory); stdin and raw exports are one-shot iterators.
    RAISES (InputError): The input cannot be read or has no comment column.
    """
    from .columns import resolve_columns
    from .io import open_table
    from .config import AnalysisOptions
    from .engine.local import analyze_stream

    table = open_table(path, fmt=fmt, encoding=encoding)
    rows = iter(table.rows)
    first = next(rows, None)
    values = getattr(first, "values", None)
    if table.format == "jsonl" and isinstance(values, dict) and _RECORD_KEYS <= set(values):
        if path != "-":
            return AnalyzedFile(path, encoding=encoding), False
        return _analyzed_docs(chain([first], rows)), False
    spec = resolve_columns(table.columns, text_column=text_column, id_column=id_column, scores=scores)
    analysed = analyze_stream(chain([first] if first is not None else [], rows), spec,
                              AnalysisOptions(taxonomy=taxonomy), workers=workers, as_json=False)
    return (doc for row in analysed if row.status != "error" for doc in _analyzed_docs([row.payload])), True


def _analyzed_docs(rows: Iterable[Any]) -> Iterator[CorpusDoc]:
    for row in rows:
        values = row if isinstance(row, dict) else getattr(row, "values", None)
        if isinstance(values, dict):
            doc = to_corpus_doc(values)
            if doc is not None:
                yield doc


# --- coverage ---------------------------------------------------------------------------------


@dataclass
class Coverage:
    """How many comments have at least one theme. `add` records one at a time (as a summary
    counts while writing), or use `theme_coverage`."""

    n_comments: int = 0
    n_unthemed: int = 0

    def add(self, record: AnalyzedRecord | CorpusDoc | dict[str, Any] | str) -> None:
        """Count one record; error records are skipped.

        record (AnalyzedRecord | CorpusDoc | dict | str): A record, or its JSONL line.
        """
        if isinstance(record, str):
            record = json.loads(record)
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
    """
    coverage = Coverage()
    for record in records:
        coverage.add(record)
    return coverage


# --- features ---------------------------------------------------------------------------------


class Featurizer:
    """Turns comments into lemma features: content words and short lemma phrases.

    A phrase is two adjacent content words ("loyalty point"), a content word and a particle
    ("size up"), or two content words bridged by one linking word ("true to size"): the shapes
    of noun phrases and phrasal verbs, found without a tagger. Features are space-joined
    lowercase lemmas (token.norm_ from `make_nlp()`), so "runs small" and "ran small" are one.
    """

    def __init__(self, nlp: Language | None = None, *, exclude: Iterable[str] = ()) -> None:
        self.nlp = nlp if nlp is not None else make_nlp()
        # Lemmas and lemma phrases that must not become features (a taxonomy's own words).
        self.exclude = frozenset(exclude)
        self._kinds: dict[tuple[int, int], tuple[str, int]] = {}

    def _kind(self, orth: int, norm: int) -> tuple[str, int]:
        # What a word is depends on the word (and its norm) alone, so it is worked out once.
        strings = self.nlp.vocab.strings
        lexeme = self.nlp.vocab[orth]
        lemma = strings[norm]
        if not lexeme.is_alpha:
            kind = _BREAK
        elif lemma in STOP or lexeme.lower_ in STOP or len(lemma) < 2:
            kind = _STOPWORD
        elif lemma in self.exclude:
            kind = _BREAK  # an excluded word also ends any phrase it would be in
        else:
            kind = _CONTENT
        found = self._kinds[(orth, norm)] = (lemma, kind)
        return found

    def pipe(self, texts: Iterable[str], *, surfaces: dict[str, Counter[str]] | None = None) -> Iterator[list[str]]:
        """Featurize comments.

        texts (Iterable[str]): Comment texts.
        surfaces (dict[str, Counter] | None): When given, count here how each of its keys
            (features) is written, lowercased, to name features as people write them.
        YIELDS (list[str]): Each comment's features, repeated as often as they occur.
        """
        exclude, cache, kind_of = self.exclude, self._kinds, self._kind
        for doc in self.nlp.tokenizer.pipe(texts, batch_size=1000):
            # Reading ORTH and NORM as an array skips building a Token object per word, which
            # was most of the cost; NORM holds the lowercase lemma (`make_nlp`).
            pairs = doc.to_array(_ORTH_NORM).tolist()
            kinds = [cache.get(pair) or kind_of(*pair) for pair in map(tuple, pairs)]
            n = len(kinds)
            out: list[str] = []
            for i, (norm, kind) in enumerate(kinds):
                if kind != _CONTENT:
                    continue
                out.append(norm)
                if surfaces is not None and norm in surfaces:
                    surfaces[norm][doc[i].lower_] += 1
                if i + 1 == n:
                    continue
                norm2, kind2 = kinds[i + 1]
                if kind2 == _CONTENT or (kind2 == _STOPWORD and norm2 in _PARTICLES):
                    phrase, end = f"{norm} {norm2}", i + 2
                elif kind2 == _STOPWORD and norm2 in _LINKS and i + 2 < n and kinds[i + 2][1] == _CONTENT:
                    phrase, end = f"{norm} {norm2} {kinds[i + 2][0]}", i + 3
                else:
                    continue
                if phrase in exclude:
                    continue
                out.append(phrase)
                if surfaces is not None and phrase in surfaces:
                    surfaces[phrase][doc[i:end].text.lower()] += 1
            yield out


def covered_words(taxonomy: Taxonomy, nlp: Language) -> dict[str, set[str]]:
    """The lemmas and lemma phrases a taxonomy's terms already match, with their themes.

    taxonomy (Taxonomy): The taxonomy.
    nlp (Language): From `make_nlp()`, to lemmatise terms as comments are.
    RETURNS (dict[str, set[str]]): {lemma or space-joined lemmas: parent theme ids}.
    """
    covered: dict[str, set[str]] = {}
    for theme in taxonomy.all_themes():
        parent = theme.id.split("/", 1)[0]
        for phrase in (*theme.terms, *theme.exact):
            lemmas = [t.norm_ for t in nlp.tokenizer(phrase.lower()) if not t.is_space]
            if lemmas:
                covered.setdefault(" ".join(lemmas), set()).add(parent)
    return covered


@functools.lru_cache(maxsize=1)
def opinion_words() -> frozenset[str]:
    """Words that say how someone feels rather than what about: adjectives and adverbs of
    VADER's lexicon with |valence| >= 1.5 ("great", "cute", "perfectly"), and intensifiers.

    Nouns and verbs stay out even when VADER scores them ("loyalty" 2.5, "reward" 2.7,
    "support" 1.7): they name what a comment is about; only the verbs of liking are in. Parts
    of speech come from the WordNet lemma lists in spacy-lookups-data.

    RETURNS (frozenset[str]): Lowercase words.
    """
    from spacy.lookups import load_lookups
    from vaderSentiment.vaderSentiment import BOOSTER_DICT, SentimentIntensityAnalyzer

    index = load_lookups("en", ["lemma_index"]).get_table("lemma_index")
    describing = set(index["adj"]) | set(index["adv"])
    lexicon = SentimentIntensityAnalyzer().lexicon
    words = {w for w, v in lexicon.items() if w.isalpha() and abs(float(v)) >= 1.5 and w in describing}
    words |= _OPINION_VERBS
    # Only the adverbs among the boosters: "little", "more", "less" also measure ("a little big").
    words |= {w for w in BOOSTER_DICT if w.isalpha() and (w.endswith("ly") or w in ("so", "super"))}
    return frozenset(words)


def _identity(features: list[str]) -> list[str]:
    return features


# --- the topic model --------------------------------------------------------------------------


def k_grid(n_docs: int) -> list[int]:
    """The numbers of topics worth trying on `n_docs` comments: 20 comments or more per topic.

    n_docs (int): Comments in the fitting sample.
    RETURNS (list[int]): The values of K_GRID up to n_docs // 20; [2..5] on tiny samples.
    """
    grid = [k for k in K_GRID if k <= n_docs // 20]
    return grid or [max(2, min(K_GRID[0], n_docs // 10))]


class TopicModel:
    """TF-IDF + NMF topics over lemma features, the number of topics chosen by coherence.

    Follows scikit-learn's conventions: parameters are stored as given, `fit` returns self,
    learned state ends in "_".
    """

    def __init__(
        self,
        *,
        n_topics: int | None = None,
        min_df: int = 3,
        max_df: float = 0.5,
        max_features: int = 20_000,
        max_iter: int = 400,
        random_state: int = DEFAULT_SEED,
    ) -> None:
        self.n_topics = n_topics
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.max_iter = max_iter
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        return {"n_topics": self.n_topics, "min_df": self.min_df, "max_df": self.max_df,
                "max_features": self.max_features, "max_iter": self.max_iter, "random_state": self.random_state}

    def fit(self, features: Sequence[list[str]]) -> "TopicModel":
        """Learn the vocabulary and the topics; choose their number when `n_topics` is None.

        features (Sequence[list[str]]): Each comment's features, from `Featurizer.pipe`.
        RETURNS (TopicModel): self, with vectorizer_, vocabulary_, binary_ and df_ (which
            comments hold which term), nmf_, n_topics_, components_ (topics x terms, rows of
            unit length), doc_topic_ (the sample's weights, as `transform` gives them),
            exclusivity_ (topics x terms: each topic's share of a term's modelled weight),
            coherence_ (per topic) and k_scores_ ({k tried: mean coherence}).
        RAISES (InputError): No term occurs in enough comments.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        n_docs = len(features)
        # sublinear_tf: a word said three times in one comment is not three times the topic.
        self.vectorizer_ = TfidfVectorizer(analyzer=_identity, lowercase=False, min_df=self.min_df,
                                           max_df=self.max_df, max_features=self.max_features, sublinear_tf=True)
        try:
            X = self.vectorizer_.fit_transform(features)
        except ValueError:  # every term pruned: too few or too short comments
            raise InputError(f"No word occurs in {self.min_df} or more of the {n_docs} comments: "
                             "too little text to find topics in.") from None
        self.vocabulary_ = self.vectorizer_.get_feature_names_out()
        self.binary_ = (X > 0).astype(np.float64).tocsc()
        self.df_ = np.asarray(self.binary_.sum(axis=0)).ravel()
        self._unigrams = np.array([" " not in term for term in self.vocabulary_])
        grid = [self.n_topics] if self.n_topics else k_grid(n_docs)
        fits: dict[int, tuple[Any, np.ndarray, list[float]]] = {}
        for k in dict.fromkeys(min(k, X.shape[0], X.shape[1]) for k in grid):
            nmf, W = self._fit_nmf(X, k)
            coherence = [self.coherence(row) for row in nmf.components_]
            fits[k] = (nmf, W, coherence)
        self.k_scores_ = {k: round(float(np.mean(c)), 4) for k, (_, _, c) in fits.items()}
        # The most coherent k; on a tie the smaller, as fewer topics are easier to review.
        self.n_topics_ = min(self.k_scores_, key=lambda k: (-self.k_scores_[k], k))
        self.nmf_, W, self.coherence_ = fits[self.n_topics_]
        norms = np.linalg.norm(self.nmf_.components_, axis=1)
        norms[norms == 0] = 1.0
        self._norms = norms
        self.components_ = self.nmf_.components_ / norms[:, None]
        self.doc_topic_ = W * norms
        # How much of each term's reconstructed weight over the sample each topic accounts for.
        contribution = W.sum(axis=0)[:, None] * self.nmf_.components_
        totals = contribution.sum(axis=0, keepdims=True)
        self.exclusivity_ = np.divide(contribution, totals, out=np.zeros_like(contribution), where=totals > 0)
        return self

    def _fit_nmf(self, X: Any, k: int) -> tuple[Any, np.ndarray]:
        from sklearn.decomposition import NMF
        from threadpoolctl import threadpool_limits

        # nndsvda starts from an SVD, so fits are deterministic and need few iterations; the
        # multiplicative-update solver reached the same reconstruction error as coordinate
        # descent 2-3x faster here (docs/discover.md).
        nmf = NMF(n_components=k, init="nndsvda", solver="mu", max_iter=self.max_iter, tol=1e-4,
                  random_state=self.random_state)
        # One BLAS thread: on a busy 2-core machine, BLAS threads fighting for the cores made a
        # fit 10-20x slower, and a fixed thread count keeps results bit-for-bit reproducible.
        with threadpool_limits(limits=1), _quiet_convergence():
            W = nmf.fit_transform(X)
        return nmf, W

    def coherence(self, weights: np.ndarray) -> float:
        """Topic coherence: how often the topic's top words occur in the same comments.

        The NPMI of each pair of top words over comments (Bouma 2009; C_NPMI of Roeder et al.
        2015 with whole comments as the window): 1 for words that always occur together, 0 for
        independent ones, -1 for words that never meet. Averaged over pairs of the top 5 and
        the top 10 words, then over both: a single cut-off is sensitive to the topic's tail,
        noisy on small samples (Lau and Baldwin 2016). Single words only, as a phrase occurs
        with its own words by construction.

        weights (np.ndarray): A topic's weight for each term of vocabulary_.
        RETURNS (float): The coherence, -1 to 1.
        """
        order = np.argsort(-weights, kind="stable")
        top = order[self._unigrams[order]][:N_TOP]
        top = top[weights[top] > 0]
        if len(top) < 2:
            return -1.0
        n = self.binary_.shape[0]
        sub = self.binary_[:, top]
        joint = (sub.T @ sub).toarray() / n
        p = self.df_[top] / n
        npmi = np.full((len(top), len(top)), np.nan)
        for a in range(len(top)):
            for b in range(a + 1, len(top)):
                pj = joint[a, b]
                if pj <= 0:
                    npmi[a, b] = -1.0
                elif pj >= 1:
                    npmi[a, b] = 1.0
                else:
                    npmi[a, b] = math.log(pj / (p[a] * p[b])) / -math.log(pj)
        means = [np.nanmean(npmi[:cut, :cut]) for cut in (5, N_TOP) if cut <= len(top)] or [np.nanmean(npmi)]
        return round(float(np.mean(means)), 4)

    def transform(self, features: Sequence[list[str]] | Any) -> np.ndarray:
        """Topic weights of comments.

        features (Sequence[list[str]] | sparse matrix): Each comment's features, or their
            TF-IDF matrix from `vectorizer_.transform`.
        RETURNS (np.ndarray): comments x topics. A weight is how much of the comment's
            unit-length TF-IDF vector the topic rebuilds: 0 to about 1.
        """
        from threadpoolctl import threadpool_limits

        X = features if sparse.issparse(features) else self.vectorizer_.transform(features)
        if not X.nnz:
            return np.zeros((X.shape[0], self.n_topics_))
        with threadpool_limits(limits=1), _quiet_convergence():
            W = self.nmf_.transform(X)
        return W * self._norms


@contextmanager
def _quiet_convergence() -> Iterator[None]:
    """Silence NMF's ConvergenceWarning: max_iter bounds the time, and the topics are settled
    long before the tolerance is met."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


# --- results ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    """A comment that shows what a candidate is about."""

    id: str
    row: int
    text: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    """A discovered topic, ready to become a taxonomy theme."""

    id: str
    label: str
    description: str
    terms: tuple[str, ...]  # what the taxonomy entry matches, as people write it
    top_terms: tuple[tuple[str, float], ...]  # the topic's strongest features, with weights
    n_comments: int  # comments in the topic
    n_unthemed: int  # of those, comments with no theme
    share_comments: float  # of the comments considered
    share_unthemed: float  # of all the comments with no theme
    mean_sentiment: float
    mean_scores: dict[str, tuple[float, int]]  # kind -> (mean, comments with that score)
    examples: tuple[Example, ...]
    coherence: float
    n_matched: int  # comments (of all read) the terms match
    overlap: dict[str, float]  # existing theme -> share of the topic's comments it tags
    shared: dict[str, list[str]] = field(default_factory=dict)  # term -> existing themes matching its words

    def to_table(self) -> dict[str, Any]:
        """RETURNS (dict): The [themes.<id>] table: label, description, terms."""
        return {"label": self.label, "description": self.description, "terms": list(self.terms)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "description": self.description, "terms": list(self.terms),
            "top_terms": [[term, weight] for term, weight in self.top_terms],
            "n_comments": self.n_comments, "n_unthemed": self.n_unthemed,
            "share_comments": self.share_comments, "share_unthemed": self.share_unthemed,
            "mean_sentiment": self.mean_sentiment,
            "mean_scores": {kind: {"mean": mean, "n": n} for kind, (mean, n) in self.mean_scores.items()},
            "examples": [{"id": e.id, "row": e.row, "text": e.text} for e in self.examples],
            "coherence": self.coherence, "n_matched": self.n_matched, "overlap": self.overlap,
            "shared": self.shared,
        }


@dataclass(frozen=True, slots=True)
class Dropped:
    """A topic that did not become a candidate, and why."""

    label: str
    reason: str
    n_comments: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "reason": self.reason, "n_comments": self.n_comments}


@dataclass(frozen=True)
class Discovery:
    """What `discover` found: candidates, the topics dropped, and how much they explain."""

    candidates: list[Candidate]
    dropped: list[Dropped]
    coverage: Coverage  # of every comment read
    n_considered: int  # comments modelled: all, or those with no theme
    n_fitted: int  # comments in the fitting sample
    n_topics: int  # k
    k_scores: dict[int, float]  # mean coherence for each k tried
    n_explained: int  # comments with no theme that are in some candidate
    only_unthemed: bool
    seed: int
    taxonomy: str  # "name version" of the taxonomy the comments were compared with

    @property
    def share_explained(self) -> float:
        """The share of the comments with no theme that some candidate covers."""
        return self.n_explained / self.coverage.n_unthemed if self.coverage.n_unthemed else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidates": [c.to_dict() for c in self.candidates],
            "dropped": [d.to_dict() for d in self.dropped],
            "coverage": self.coverage.to_dict(),
            "n_considered": self.n_considered, "n_fitted": self.n_fitted, "n_topics": self.n_topics,
            "k_scores": {str(k): score for k, score in self.k_scores.items()},
            "n_explained": self.n_explained, "share_explained": round(self.share_explained, 4),
            "only_unthemed": self.only_unthemed, "seed": self.seed, "taxonomy": self.taxonomy,
        }


# --- discovery --------------------------------------------------------------------------------


@dataclass
class _Census:
    """Pass 1: what was read, and the fitting sample."""

    coverage: Coverage
    n_considered: int
    rule_counts: Counter[str]  # comments considered, by the themes the rules found
    sample: list[CorpusDoc]  # in input order
    background: list[CorpusDoc]  # with only_unthemed, a sample of the comments with a theme


@dataclass
class _Tally:
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


def discover(
    corpus: Iterable[CorpusDoc],
    *,
    taxonomy: Taxonomy | None = None,
    n_topics: int | None = None,
    only_unthemed: bool = False,
    sample: int = DEFAULT_SAMPLE,
    seed: int = DEFAULT_SEED,
    n_examples: int = 3,
    min_size: int | None = None,
    nlp: Language | None = None,
) -> Discovery:
    """Find recurring topics and turn the good ones into candidate themes.

    corpus (Iterable[CorpusDoc]): The analysed comments. Read twice when there are more than
        `sample` (pass a list or an `AnalyzedFile`; a one-shot iterator is read into a list).
    taxonomy (Taxonomy | None): What the comments were analysed with (default: the default
        taxonomy). Its words are left out with `only_unthemed`, topics made of them are
        dropped, and a candidate names the terms it shares with it.
    n_topics (int | None): k; None tries K_GRID and keeps the most coherent.
    only_unthemed (bool): Model only the comments with no theme.
    sample (int): Fit on at most this many comments, a seeded sample; all are assigned.
    seed (int): Seeds the sample and NMF: the same input and seed give the same result.
    n_examples (int): Example comments per candidate.
    min_size (int | None): Fewest comments in a candidate (default: MIN_SIZE or MIN_SHARE).
    nlp (Language | None): A pipeline from `make_nlp()` to reuse.
    RETURNS (Discovery): Candidates, those covering most comments with no theme first.
    RAISES (InputError): Too few comments, or too little text, to model.
    """
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    nlp = nlp if nlp is not None else make_nlp()
    if iter(corpus) is corpus:  # a one-shot iterator cannot be read twice
        corpus = list(corpus)
    covered = covered_words(taxonomy, nlp)
    featurizer = Featurizer(nlp, exclude=covered if only_unthemed else ())

    census = _census(corpus, only_unthemed=only_unthemed, sample=sample, seed=seed)
    if census.n_considered < MIN_DOCS:
        which = "comments with no theme" if only_unthemed else "comments"
        raise InputError(f"Only {census.n_considered} {which} to look for topics in; "
                         f"discovery needs at least {MIN_DOCS}.")
    fitted = census.sample
    fitted_features = list(featurizer.pipe(d.text for d in fitted))
    min_df = max(3, math.ceil(0.001 * len(fitted)))
    model = TopicModel(n_topics=n_topics, min_df=min_df, random_state=seed).fit(fitted_features)
    del fitted_features  # the model keeps what it needs; pass 2 featurizes again, chunk by chunk
    k = model.n_topics_
    H, vocab = model.components_, model.vocabulary_
    top = [np.argsort(-H[t], kind="stable")[: 3 * N_TOP] for t in range(k)]
    outside = None
    if census.background:
        # A rule applies to every comment: terms must be precise among those with a theme too.
        X_out = model.vectorizer_.transform(list(featurizer.pipe(d.text for d in census.background)))
        # How many comments each sampled one with a theme stands for, per one without.
        weight = (census.coverage.n_themed / len(census.background)) / (census.n_considered / len(fitted))
        outside = (X_out, model.transform(X_out), weight)
    term_cols = _choose_terms(model, top, outside)

    # Pass 2: assign every comment considered, a chunk at a time, count the comments the terms
    # match, and note how the top terms are spelled (featurizing again costs less than holding
    # every comment's features). With only_unthemed, comments with a theme are only matched.
    passes: Iterable[CorpusDoc] = fitted if census.n_considered == census.coverage.n_comments <= len(fitted) else corpus
    needed: dict[str, Counter[str]] = {vocab[j]: Counter() for t in range(k) for j in (*top[t][:N_TOP], *term_cols[t])}
    tally = _Tally(k)
    term_matrix = _term_matrix(term_cols, len(vocab))
    keep = max(4 * n_examples, 8)
    for docs in _chunks(passes, _CHUNK):
        features = list(featurizer.pipe((d.text for d in docs), surfaces=needed))
        X = model.vectorizer_.transform(features)
        tally.n_matched += (np.asarray(((X > 0).astype(np.float64) @ term_matrix).todense()) > 0).sum(axis=0)
        rows = [i for i, d in enumerate(docs) if not (only_unthemed and d.themes)]
        if rows:
            _tally_chunk(tally, model, [docs[i] for i in rows], X[rows], keep)
    # The most common spelling; on a tie the alphabetically first, so output is reproducible.
    surface = {f: min(seen, key=lambda s: (-seen[s], s)) if seen else f for f, seen in needed.items()}

    size_floor = min_size if min_size is not None else max(MIN_SIZE, math.ceil(MIN_SHARE * census.n_considered))
    accepted, dropped = _filter_topics(model, top, term_cols, surface, tally, census, covered, size_floor)
    taken = set(taxonomy.theme_ids)
    candidates = []
    for t in sorted(accepted, key=lambda t: (-tally.n_unthemed[t], -tally.n[t], t)):
        candidate = _candidate(t, model, top[t], term_cols[t], surface, tally, census, covered, taken, n_examples)
        taken.add(candidate.id)
        candidates.append(candidate)
    kept = set(accepted)
    n_explained = sum(n for topics, n in tally.unthemed_topics.items() if kept.intersection(topics))
    return Discovery(
        candidates=candidates,
        dropped=dropped,
        coverage=census.coverage,
        n_considered=census.n_considered,
        n_fitted=len(fitted),
        n_topics=k,
        k_scores=model.k_scores_,
        n_explained=n_explained,
        only_unthemed=only_unthemed,
        seed=seed,
        taxonomy=f"{taxonomy.name} {taxonomy.version}",
    )


def _census(corpus: Iterable[CorpusDoc], *, only_unthemed: bool, sample: int, seed: int) -> _Census:
    """Count the corpus and draw the fitting sample: the `sample` considered comments with the
    smallest keyed hash of (row, text). The same seed draws the same comments whatever else the
    file holds, and repeated texts are drawn independently of each other. With only_unthemed,
    the comments with a theme are sampled the same way, to see how common a term is among them."""
    key = str(seed).encode()[:64]
    coverage = Coverage()
    themes: Counter[str] = Counter()
    heaps: tuple[list[tuple[int, int, CorpusDoc]], ...] = ([], [])  # (-hash, index, doc): largest on top
    n_considered = 0
    for index, doc in enumerate(corpus):
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
    chosen, background = ([doc for _, _, doc in sorted(heap, key=lambda item: item[1])] for heap in heaps)
    return _Census(coverage, n_considered, themes, chosen, background)


def _choose_terms(
    model: TopicModel, top: list[np.ndarray], outside: tuple[Any, np.ndarray, float] | None = None
) -> list[list[int]]:
    """The terms to write for each topic: few, precise, and together finding its comments.

    Candidates are the topic's strongest features that belong to it (it accounts for at least
    MIN_TERM_EXCLUSIVITY of the term's modelled weight) and whose comments are mostly in it
    (precision >= MIN_TERM_PRECISION and >= MIN_TERM_LIFT times the topic's share). Opinion
    words ("perfect", "good") are left out: as rules they would tag praise, not a subject. In
    order of weight, the first three are kept, then a term only if it finds MIN_TERM_GAIN of
    the topic's comments that the terms before it missed, so words that merely keep the topic
    company ("To be fair, ...") are not written. Terms an existing theme also matches are
    kept ("fabric" for a fabric topic): the candidate says so.

    outside (tuple | None): With only_unthemed, a sample of the comments with a theme: their
        TF-IDF rows, topic weights, and how many comments of the fitting sample each stands
        for. A rule applies to every comment, so precision counts them too: a word the topic
        uses in another sense ("plan" in "a better plan") is not precise.
    """
    members = _in_topics(model.doc_topic_)
    assigned = model.doc_topic_ >= MIN_WEIGHT  # the comments the candidate reports: its terms should find them
    hits, holding = _term_hits(model.binary_, members)
    n, in_topic_share = len(members), members.sum(axis=0).astype(np.float64)
    if outside is not None:
        X_out, W_out, weight = outside
        out_hits, out_holding = _term_hits((X_out > 0).astype(np.float64).tocsc(), _in_topics(W_out))
        hits, holding = hits + weight * out_hits, holding + weight * out_holding
        in_topic_share += weight * _in_topics(W_out).sum(axis=0)
        n += weight * X_out.shape[0]
    floors = np.maximum(MIN_TERM_PRECISION, MIN_TERM_LIFT * in_topic_share / n)
    precision = np.divide(hits, holding[None, :], out=np.zeros_like(hits), where=holding[None, :] > 0)
    vocab, binary = model.vocabulary_, model.binary_
    opinions = opinion_words()
    chosen: list[list[int]] = []
    for t, row in enumerate(top):
        found = np.zeros(len(assigned), dtype=bool)
        cols: list[int] = []
        words: set[str] = set()
        for j in row:
            if model.exclusivity_[t, j] < MIN_TERM_EXCLUSIVITY or _is_evaluative(vocab[j], opinions):
                continue
            if precision[t, j] < floors[t]:
                continue
            term_words = vocab[j].split()
            if len(term_words) > 1 and words.intersection(term_words):
                continue
            docs = binary.indices[binary.indptr[j]:binary.indptr[j + 1]]
            gain = int((~found[docs] & assigned[docs, t]).sum())
            if len(cols) >= 3 and gain < MIN_TERM_GAIN * assigned[:, t].sum():
                continue
            found[docs] = True
            cols.append(int(j))
            words.update(term_words if len(term_words) == 1 else ())
            if len(cols) == MAX_TERMS:
                break
        chosen.append(cols)
    return chosen


def _in_topics(W: np.ndarray) -> np.ndarray:
    """Comments x topics, True where a topic is one of the comment's strongest (at least half its
    strongest weight). For term precision: long comments spread thin over several topics, and
    MIN_WEIGHT alone would miss them."""
    return (W >= 0.5 * W.max(axis=1, keepdims=True)) & (W >= MIN_WEIGHT / 3)


def _term_hits(binary: Any, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each topic and term, the comments holding the term that are in the topic; and the
    comments holding each term."""
    hits = np.asarray((binary.T @ members.astype(np.float64)).T)
    return hits, np.asarray(binary.sum(axis=0)).ravel()


def _is_covered(feature: str, covered: dict[str, set[str]]) -> bool:
    return feature in covered or any(word in covered for word in feature.split())


def _themes_of(feature: str, covered: dict[str, set[str]]) -> set[str]:
    """The existing themes whose terms match a feature or one of its words."""
    return set(covered.get(feature, ())).union(*(covered.get(word, ()) for word in feature.split()))


def _term_matrix(term_cols: list[list[int]], n_terms: int) -> Any:
    """terms x topics, 1 where a term is one of a topic's written terms."""
    rows = [j for cols in term_cols for j in cols]
    topics = [t for t, cols in enumerate(term_cols) for _ in cols]
    return sparse.csr_matrix((np.ones(len(rows)), (rows, topics)), shape=(n_terms, len(term_cols)))


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk


def _tally_chunk(tally: _Tally, model: TopicModel, docs: list[CorpusDoc], X: Any, keep: int) -> None:
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
    for counts, attr in ((tally.themes, "themes"), (tally.rule_themes, "rule_themes")):
        for theme in sorted({theme for d in docs for theme in getattr(d, attr)}):
            rows = [i for i, d in enumerate(docs) if theme in getattr(d, attr)]
            counts.setdefault(theme, np.zeros(tally.k, dtype=np.int64))
            counts[theme] += members[rows].sum(axis=0)
    for i in np.flatnonzero(unthemed & members.any(axis=1)):
        tally.unthemed_topics[tuple(int(t) for t in np.flatnonzero(members[i]))] += 1
    # Examples: the comments a topic rebuilds best, discounted below 100 characters so an
    # example says more than "Love it!".
    lengths = np.array([min(1.0, len(d.text) / 100) for d in docs])
    for t in range(tally.k):
        rows = np.flatnonzero(members[:, t])
        if not len(rows):
            continue
        scores = W[rows, t] * lengths[rows]
        for i in rows[np.argsort(-scores, kind="stable")[:keep]]:
            doc = docs[i]
            item = (round(float(W[i, t] * lengths[i]), 6), -doc.row, doc.text, doc.id)
            heap = tally.examples[t]
            if len(heap) < keep:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)


def _filter_topics(
    model: TopicModel,
    top: list[np.ndarray],
    term_cols: list[list[int]],
    surface: dict[str, str],
    tally: _Tally,
    census: _Census,
    covered: dict[str, set[str]],
    size_floor: int,
) -> tuple[list[int], list[Dropped]]:
    """Keep the topics that make good candidates; say why each other one was dropped. Topics
    are judged most coherent first, so of two duplicates the more coherent stays."""
    H, vocab = model.components_, model.vocabulary_
    evaluative = opinion_words()
    accepted: list[int] = []
    dropped: list[Dropped] = []
    for t in sorted(range(model.n_topics_), key=lambda t: (-model.coherence_[t], t)):
        features = [vocab[j] for j in top[t][:N_TOP]]
        weights = H[t, top[t][:N_TOP]]
        label = ", ".join(surface[f] for f in features[:4])
        n = int(tally.n[t])
        reason = None
        if n < size_floor:
            reason = f"too small: {n} comments, fewer than {size_floor}"
        elif model.coherence_[t] < MIN_COHERENCE:
            reason = (f"incoherent: its top words rarely occur in the same comments "
                      f"(NPMI {model.coherence_[t]:.3f} < {MIN_COHERENCE})")
        elif (share := _weight_share(features, weights, lambda f: _is_evaluative(f, evaluative))) >= MAX_EVALUATIVE:
            reason = f"evaluative: {share:.0%} of its top-term weight is opinion words"
        elif (known := _known(t, features, weights, covered, tally, census)) is not None:
            reason = known
        elif not term_cols[t]:
            reason = "no precise terms: none of its words is used mostly in its comments, so no rule could find them"
        elif (twin := next((a for a in accepted if float(H[t] @ H[a]) >= MAX_SIMILARITY), None)) is not None:
            twin_label = ", ".join(surface[vocab[j]] for j in top[twin][:4])
            reason = f"duplicate of the topic '{twin_label}' (cosine {float(H[t] @ H[twin]):.2f})"
        if reason is None:
            accepted.append(t)
        else:
            dropped.append(Dropped(label, reason, n))
    return accepted, dropped


def _is_evaluative(feature: str, evaluative: frozenset[str]) -> bool:
    # A phrase is evaluative when all its words are ("super cute"), not "fit great".
    words = [w for w in feature.split() if w not in _LINKS]
    return bool(words) and all(w in evaluative for w in words)


def _weight_share(features: list[str], weights: np.ndarray, test: Any) -> float:
    total = float(weights.sum())
    return float(sum(w for f, w in zip(features, weights) if test(f)) / total) if total else 0.0


def _known(
    t: int, features: list[str], weights: np.ndarray, covered: dict[str, set[str]], tally: _Tally, census: _Census
) -> str | None:
    """Why a topic is already a theme, or None: the taxonomy's words carry MAX_KNOWN of its
    top-term weight, or one theme's rules tag MAX_KNOWN of its comments, MIN_KNOWN_LIFT times as
    often as comments in general. Only rule tags count: a model generalises (the shipped one
    calls loyalty-points comments "personalization"), and the rules are what a taxonomy holds."""
    share = _weight_share(features, weights, lambda f: _is_covered(f, covered))
    if share >= MAX_KNOWN:
        by_theme: Counter[str] = Counter()
        for feature, weight in zip(features, weights):
            for theme in sorted(_themes_of(feature, covered)):  # sorted: ties name themes reproducibly
                by_theme[theme] += float(weight)
        main = ", ".join(theme for theme, _ in by_theme.most_common(2))
        return f"already a theme: {share:.0%} of its top-term weight is words the taxonomy matches ({main})"
    n = int(tally.n[t])
    for theme, counts in sorted(tally.rule_themes.items()):
        rate = counts[t] / n if n else 0.0
        base = census.rule_counts[theme] / census.n_considered if census.n_considered else 0.0
        if rate >= MAX_KNOWN and base and rate >= MIN_KNOWN_LIFT * base:
            return f"already a theme: the {theme} rules tag {rate:.0%} of its comments ({base:.0%} of all)"
    return None


def _candidate(
    t: int,
    model: TopicModel,
    top: np.ndarray,
    term_cols: list[int],
    surface: dict[str, str],
    tally: _Tally,
    census: _Census,
    covered: dict[str, set[str]],
    taken: set[str],
    n_examples: int,
) -> Candidate:
    H, vocab = model.components_, model.vocabulary_
    top_terms = tuple((surface[vocab[j]], round(float(H[t, j]), 4)) for j in top[:N_TOP])
    # Distinct words, strongest first, for the id and the label: one per lemma ("dress" and
    # "dressed up" give "dress"), as written when the word is a top term of its own.
    lemmas: list[str] = []
    for j in top[:N_TOP]:
        lemmas += [w for w in vocab[j].split() if w not in _LINKS and w not in _PARTICLES and w not in lemmas]
    words = [surface.get(lemma, lemma) for lemma in lemmas]
    theme_id = _unique_id("_".join(w for w in map(_ascii_id, words[:2]) if w) or f"topic_{t + 1}", taken)
    label = ", ".join(words[:3])
    examples: list[Example] = []
    seen: set[str] = set()
    for weight, neg_row, text, doc_id in sorted(tally.examples[t], reverse=True):
        normal = _SPACE_RE.sub(" ", text.lower()).strip()
        if normal not in seen:
            seen.add(normal)
            examples.append(Example(doc_id, -neg_row, text, weight))
        if len(examples) == n_examples:
            break
    n = int(tally.n[t])
    n_unthemed = int(tally.n_unthemed[t])
    total_unthemed = census.coverage.n_unthemed
    overlap = {theme: round(int(c[t]) / n, 4) for theme, c in tally.themes.items() if c[t]}
    shared = {surface[vocab[j]]: sorted(_themes_of(vocab[j], covered))
              for j in term_cols if _is_covered(vocab[j], covered)}
    return Candidate(
        id=theme_id,
        label=label[:1].upper() + label[1:],
        description=f"Comments about {', '.join(term for term, _ in top_terms[:6])} (found by feedback discover).",
        terms=tuple(dict.fromkeys(surface[vocab[j]] for j in term_cols)),
        top_terms=top_terms,
        n_comments=n,
        n_unthemed=n_unthemed,
        share_comments=round(n / census.n_considered, 4),
        share_unthemed=round(n_unthemed / total_unthemed, 4) if total_unthemed else 0.0,
        mean_sentiment=round(float(tally.compound[t]) / n, 4),
        mean_scores={kind: (round(float(sums[t]) / int(counts[t]), 3), int(counts[t]))
                     for kind, (sums, counts) in sorted(tally.scores.items()) if counts[t]},
        examples=tuple(examples),
        coherence=model.coherence_[t],
        n_matched=int(tally.n_matched[t]),
        overlap=dict(sorted(overlap.items(), key=lambda kv: (-kv[1], kv[0]))),
        shared=shared,
    )


def _ascii_id(word: str) -> str:
    # Theme ids in records must match ^[a-z0-9_]+$ (record.schema.json).
    ascii_ = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode().lower()
    return _NON_ID_RE.sub("_", ascii_).strip("_")


def _unique_id(theme_id: str, taken: set[str]) -> str:
    candidate, n = theme_id, 2
    while candidate in taken:
        candidate, n = f"{theme_id}_{n}", n + 1
    return candidate


# --- taxonomy files ---------------------------------------------------------------------------


def taxonomy_text(path: str | None = None) -> str:
    """The text of a taxonomy file, comments and all.

    path (str | None): A TOML file; None for the default taxonomy.
    RETURNS (str): Its text.
    RAISES (TaxonomyError): The file cannot be read.
    """
    if path is None:
        return resources.files("feedback").joinpath(DEFAULT_TAXONOMY).read_text(encoding="utf-8")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise TaxonomyError(str(path), [f"cannot read the file: {e.strerror}"]) from None
    except UnicodeDecodeError:
        raise TaxonomyError(str(path), ["the file is not UTF-8 text"]) from None


def candidates_toml(discovery: Discovery, *, source: str = "") -> str:
    """The candidates as a taxonomy file of their own: check it with `feedback themes --check`,
    use it with `--taxonomy`, or paste its [themes.*] tables into another taxonomy.

    discovery (Discovery): The result of `discover`.
    source (str): The input's name, for the header.
    RETURNS (str): TOML text; every candidate is a [themes.<id>] table, its figures in comments.
    RAISES (ValueError): There are no candidates (a taxonomy needs at least one theme).
    """
    if not discovery.candidates:
        raise ValueError("No candidates: a taxonomy file needs at least one theme.")
    lines = _header(discovery, source)
    lines += [
        'name = "discovered"',
        'version = "0.1.0"',
        f"description = {_toml_string(_description(discovery, source))}",
        "",
        "",
    ]
    return "\n".join(lines) + _theme_tables(discovery.candidates)


def merge_toml(discovery: Discovery, base_text: str, *, source: str = "") -> str:
    """A base taxonomy with the candidates added: a complete file for `--taxonomy`.

    The base is kept as written (comments and all); its name and version get "+discovered", so
    reports show the taxonomy is not the base any more. A candidate id the base already uses
    gets a suffix.

    discovery (Discovery): The result of `discover`.
    base_text (str): The base taxonomy's text (`taxonomy_text`).
    source (str): The input's name, for the comments.
    RETURNS (str): TOML text that passes `check_taxonomy_data`.
    RAISES (TaxonomyError): The base is not a valid taxonomy, or cannot be extended by appending
        tables (it defines its themes as an inline table).
    """
    try:
        base = tomllib.loads(base_text)
    except tomllib.TOMLDecodeError as e:
        raise TaxonomyError("<base>", [f"not valid TOML: {e}"]) from None
    problems = check_taxonomy_data(base)
    if problems:
        raise TaxonomyError("<base>", problems)
    taken = set(base["themes"])
    candidates = []
    for candidate in discovery.candidates:
        unique = _unique_id(candidate.id, taken)
        taken.add(unique)
        candidates.append(candidate if unique == candidate.id else replace(candidate, id=unique))
    first_table = re.search(r"(?m)^\s*\[", base_text)
    preamble_end = first_table.start() if first_table else len(base_text)
    preamble = base_text[:preamble_end]
    for key in ("name", "version"):
        value = f"{base[key]}+discovered"
        line = f"{key} = {_toml_string(value)}"
        preamble = re.sub(_PREAMBLE_KEY_RE.format(key=key), lambda _, line=line: line, preamble, count=1)
    text = preamble + base_text[preamble_end:].rstrip("\n") + "\n\n"
    lines = [f"# {'-' * 94}", *_header(discovery, source), ""]
    text += "\n".join(lines) + _theme_tables(candidates)
    try:
        problems = check_taxonomy_data(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        problems = [f"the base cannot be extended by appending [themes.<id>] tables: {e}"]
    if problems:
        raise TaxonomyError("<merged>", problems)
    return text


def _description(discovery: Discovery, source: str) -> str:
    where = f" in {source}" if source else ""
    return (f"Candidate themes discovered{where} by feedback discover "
            f"(seed {discovery.seed}, {discovery.n_topics} topics). Rename, edit and keep what is useful.")


def _header(discovery: Discovery, source: str) -> list[str]:
    where = f" in {source}" if source else ""
    which = "the comments with no theme" if discovery.only_unthemed else "all comments"
    cov = discovery.coverage
    return [
        f"# Candidate themes found by `feedback discover`{where}: {discovery.n_topics} topics fitted on",
        f"# {discovery.n_fitted:,} of {discovery.n_considered:,} comments ({which}), seed {discovery.seed}, "
        f"compared with taxonomy {discovery.taxonomy}.",
        f"# {cov.describe()}; the candidates cover {discovery.n_explained:,} of them "
        f"({discovery.share_explained:.1%}).",
        "# Keep what is useful: rename ids and labels, edit the terms (matched on lemmas: \"points\" also",
        "# matches \"point\"), delete the rest. Check the file with `feedback themes --check FILE`.",
        "",
    ]


def _theme_tables(candidates: list[Candidate]) -> str:
    blocks = []
    for c in candidates:
        scores = "".join(f", mean {kind} {mean:g} (n={n:,})" for kind, (mean, n) in c.mean_scores.items())
        lines = [
            f"# {c.n_comments:,} comments ({c.share_comments:.1%}); covers {c.n_unthemed:,} ({c.share_unthemed:.1%}) "
            f"of those with no theme; mean sentiment {c.mean_sentiment:+.2f}{scores}",
            f"# coherence {c.coherence:.3f}; the terms below match {c.n_matched:,} comments; "
            f"top terms: {', '.join(term for term, _ in c.top_terms)}",
        ]
        if c.overlap:
            tagged = ", ".join(f"{theme} {share:.0%}" for theme, share in list(c.overlap.items())[:3])
            lines.append(f"# already tagged: {tagged}")
        if c.shared:
            shared = ", ".join(f"{term!r} ({'/'.join(themes)})" for term, themes in c.shared.items())
            lines.append(f"# terms existing themes also match: {shared}")
        lines += [f"#   e.g. {_clip(e.text, 160)}" for e in c.examples]
        lines += [
            f"[themes.{c.id}]",
            f"label = {_toml_string(c.label)}",
            f"description = {_toml_string(c.description)}",
            f"terms = [{', '.join(_toml_string(term) for term in c.terms)}]",
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string: the same escapes for quotes, backslashes,
    # control characters and \uXXXX. DEL is the one control character JSON leaves raw.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _clip(text: str, limit: int) -> str:
    # A TOML comment may not hold control characters; newlines would end it.
    text = _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text)).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
