"""Text features of theme models: tokens, negation-marked word n-grams, character n-grams, TF-IDF.

Vocabularies and IDF are fitted with scikit-learn's TfidfVectorizer; transforming is done here
with the same maths, so a loaded model needs neither scikit-learn's import time nor its
per-n-gram Python loop.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import chain
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp

# Per-process cache of words' character n-gram indices; bounded so memory stays flat.
MAX_CACHED_WORDS = 200_000

_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.!?;:,]")
_NEGATORS = frozenset({"not", "no", "never", "nothing", "nobody", "none", "nor", "neither", "without",
                       "cannot", "hardly", "barely"})
_CLAUSE_END = frozenset(".!?;:,")


def negation_ngrams(text: str, ngram_range: tuple[int, int] = (1, 2), mark: bool = True,
                    questions: bool = False) -> list[str]:
    """Word n-grams with negated words marked: "not fast at all." -> not, NOT_fast, NOT_at, ...

    A word after a negation, up to the next punctuation, gets a NOT_ prefix (Pang, Lee and
    Vaithyanathan 2002), so "fast" and "not ... fast" become different features. With
    `questions`, each "?" is a unigram too (n-grams never cross punctuation, so only one).
    """
    lowered = strip_accents_lower(text)
    found = _TOKEN_RE.findall(lowered)
    if not mark or not may_negate(lowered, found):
        tokens = [t for t in found if t not in _CLAUSE_END]
    else:
        tokens = ["NOT_" + token if negated else token for token, negated in _scoped(found)]
    low, high = ngram_range
    grams: list[str] = []
    if questions:  # each "?" as a word of its own: a question, wherever it is
        grams.extend(t for t in found if t == "?")
    for n in range(low, high + 1):
        if n == 1:
            grams.extend(tokens)
        else:
            grams.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)))))
    return grams


def negated_words(text: str) -> list[tuple[str, bool]]:
    """Each word of a text, lowered, and whether it is in a negation's scope (after "not",
    "never", "without", a "n't"..., up to the next punctuation): the scope `negation_ngrams` marks."""
    return _scoped(_TOKEN_RE.findall(strip_accents_lower(text)))


def may_negate(lowered: str, words: Sequence[str]) -> bool:
    """Whether a text (lowered) and its words hold a negation: a negator word or a "n't"."""
    return not _NEGATORS.isdisjoint(words) or "n't" in lowered


def _scoped(found: Sequence[str]) -> list[tuple[str, bool]]:
    words = []
    negated = False
    for token in found:
        if token in _CLAUSE_END:
            negated = False
        elif token in _NEGATORS or token.endswith("n't"):
            words.append((token, False))
            negated = True
        else:
            words.append((token, negated))
    return words


def char_ngrams(word: str, ngram_range: tuple[int, int] = (2, 5)) -> list[str]:
    """Character n-grams of one word padded with spaces (scikit-learn's "char_wb" scheme)."""
    padded = " " + strip_accents_lower(word) + " "
    low, high = ngram_range
    grams = []
    for n in range(low, high + 1):
        if n >= len(padded):
            grams.append(padded)
            break
        grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def strip_accents_lower(text: str) -> str:
    """Lowercase `text` and drop its combining accents ("Café" -> "cafe")."""
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fit_vocabulary(texts: Sequence[str], analyzer: Callable[[str], list[str]],
                   min_df: int) -> tuple[dict[str, int], np.ndarray]:
    """Vocabulary and smoothed IDF, as scikit-learn's TfidfVectorizer computes them.

    RAISES (ValueError): No n-gram is in `min_df` texts (scikit-learn's message).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=analyzer, min_df=min_df, sublinear_tf=True, dtype=np.float64)
    vectorizer.fit(texts)
    return dict(vectorizer.vocabulary_), vectorizer.idf_.copy()


def tfidf_from_indices(docs: list[list[int]], n_features: int, idf: np.ndarray) -> sp.csr_matrix:
    """Rows of feature indices -> sublinear TF x IDF, L2-normalised (TfidfVectorizer's maths)."""
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    cols = np.fromiter(chain.from_iterable(docs), dtype=np.int64, count=int(indptr[-1]))
    matrix = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(docs), n_features))
    matrix.sum_duplicates()
    return tfidf_from_counts(matrix, idf)


def tfidf_from_counts(matrix: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Raw counts -> sublinear TF x IDF, L2-normalised by row, in place."""
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    matrix.data *= idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
    return matrix


def char_tfidf(texts: Sequence[str], store: WordGrams, idf: np.ndarray) -> sp.csr_matrix:
    """Character n-gram TF-IDF. Character n-grams never cross a space, so a text's n-gram
    counts are the sum of its words' counts: each word's counts are computed once and kept in
    `store`, and a batch's counts are one sparse product, (texts x words) @ (words x n-grams)."""
    split = [text.split() for text in texts]
    # The batch's distinct words, in first-seen order; the mapping runs in C (dict.fromkeys,
    # map), since a batch has ~50 times more words than distinct ones.
    local = {word: k for k, word in enumerate(dict.fromkeys(chain.from_iterable(split)))}
    word_cols = np.fromiter(map(local.__getitem__, chain.from_iterable(split)), dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum([len(words) for words in split], dtype=np.int64)])
    texts_by_words = sp.csr_matrix((np.ones(len(word_cols)), word_cols, indptr),
                                   shape=(len(texts), len(local)))
    counts = (texts_by_words @ store.rows(local)).tocsr()
    # Sorted columns, as tfidf_from_indices leaves them: the norms then add up in the same order.
    counts.sort_indices()
    return tfidf_from_counts(counts, idf)


def char_analyzer(ngram_range: tuple[int, int]) -> Callable[[str], list[str]]:
    """A text's character n-grams, word by word (what the character vocabulary is fitted on)."""
    def analyze(text: str) -> list[str]:
        return [g for w in text.split() for g in char_ngrams(w, ngram_range)]
    return analyze


def rule_hits(found: Sequence[Iterable[str]], rule_themes: Sequence[str], weight: float) -> sp.csr_matrix:
    """The rules' theme hits as features: `weight` where a comment's rules found a theme.

    found (Sequence[Iterable[str]]): The themes the rules found, per comment.
    rule_themes (Sequence[str]): The taxonomy's theme ids, one column each.
    """
    index = {t: i for i, t in enumerate(rule_themes)}
    rows, cols = [], []
    for r, themes in enumerate(found):
        for theme in themes:
            if theme in index:
                rows.append(r)
                cols.append(index[theme])
    data = np.full(len(rows), weight)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(found), len(rule_themes)))


class WordGrams:
    """Each word's character n-gram counts, kept in two growing arrays (a word's columns and
    counts are a contiguous run), so a batch's words x n-grams matrix is one gather.

    vocabulary (dict[str, int]): The character n-gram vocabulary the columns index.
    ngram_range (tuple[int, int]): Character n-gram lengths.
    """

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int]) -> None:
        self.vocabulary = vocabulary
        self.ngram_range = ngram_range
        self.ids: dict[str, int] = {}
        self.offsets: list[int] = [0]
        self.columns = np.zeros(1 << 16, dtype=np.int64)
        self.counts = np.zeros(1 << 16)

    def __len__(self) -> int:
        return len(self.ids)

    def serves(self, vocabulary: dict[str, int], ngram_range: tuple[int, int]) -> bool:
        """Whether the counts kept are for this vocabulary (a refit makes a new one) and still
        bounded, so memory stays flat."""
        return (self.vocabulary is vocabulary and self.ngram_range == ngram_range
                and len(self.ids) < MAX_CACHED_WORDS)

    def _add(self, word: str) -> int:
        get = self.vocabulary.get
        # Counted in a dict: np.unique costs more than the counting for a word's ~20 n-grams.
        # (Any column order: the batch's counts are sorted before they are used.)
        found: dict[int, int] = {}
        for gram in char_ngrams(word, self.ngram_range):
            i = get(gram)
            if i is not None:
                found[i] = found.get(i, 0) + 1
        columns = np.fromiter(found, dtype=np.int64, count=len(found))
        counts = np.fromiter(found.values(), dtype=np.float64, count=len(found))
        start = self.offsets[-1]
        end = start + len(columns)
        if end > len(self.columns):
            size = max(2 * len(self.columns), end)
            self.columns = np.resize(self.columns, size)
            self.counts = np.resize(self.counts, size)
        self.columns[start:end] = columns
        self.counts[start:end] = counts
        self.offsets.append(end)
        word_id = self.ids[word] = len(self.ids)
        return word_id

    def rows(self, words: Iterable[str]) -> sp.csr_matrix:
        """The n-gram counts of `words` (in their order) as a CSR matrix."""
        ids = self.ids
        word_ids = np.array([ids[w] if w in ids else self._add(w) for w in words], dtype=np.int64)
        offsets = np.asarray(self.offsets, dtype=np.int64)
        starts, ends = offsets[word_ids], offsets[word_ids + 1]
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        # Positions starts[k] .. ends[k]-1 of every word k, in order, without a Python loop.
        gather = np.arange(indptr[-1]) + np.repeat(starts - indptr[:-1], lengths)
        return sp.csr_matrix((self.counts[gather], self.columns[gather], indptr),
                             shape=(len(word_ids), len(self.vocabulary)))
