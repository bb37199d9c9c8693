"""The topic model of discovery: TF-IDF over lemma features, factorised by NMF, the number of
topics chosen by coherence (NPMI of each topic's top words). docs/discover.md explains the
choices."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
from scipy import sparse

from ..errors import DiscoveryError, Errors, NotFittedError
from . import DEFAULT_SEED

# Numbers of topics tried when k is not given, up to one topic per 20 comments (see `k_grid`).
K_GRID = (5, 8, 10, 12, 15, 20, 25, 30)
N_TOP = 10  # top terms per topic: what coherence, naming and the filters read
# A comment belongs to a topic when the topic alone rebuilds at least this much of the comment's
# unit-length TF-IDF vector; a comment can belong to several topics, or to none.
MIN_WEIGHT = 0.15


def k_grid(n_docs: int) -> list[int]:
    """The numbers of topics worth trying on `n_docs` comments: 20 comments or more per topic.

    n_docs (int): Comments in the fitting sample.
    RETURNS (list[int]): The values of K_GRID up to n_docs // 20; [2..5] on tiny samples.
    """
    grid = [k for k in K_GRID if k <= n_docs // 20]
    return grid or [max(2, min(K_GRID[0], n_docs // 10))]


def _identity(features: list[str]) -> list[str]:
    # The vectorizer's analyzer: comments come as lists of features already (`Featurizer.pipe`).
    return features


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
        short_texts: bool = False,
        random_state: int = DEFAULT_SEED,
    ) -> None:
        self.n_topics = n_topics
        self.min_df = min_df
        self.max_df = max_df
        self.max_features = max_features
        self.max_iter = max_iter
        self.short_texts = short_texts
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        return {"n_topics": self.n_topics, "min_df": self.min_df, "max_df": self.max_df,
                "max_features": self.max_features, "max_iter": self.max_iter, "short_texts": self.short_texts,
                "random_state": self.random_state}

    def fit(self, features: Sequence[list[str]]) -> TopicModel:
        """Learn the vocabulary and the topics; choose their number when `n_topics` is None:
        the most coherent k of the grid, or with `short_texts` the largest (on one-sentence
        comments a topic's words stand in for each other rather than meet, so coherence over
        comments is below zero for every k and falls as k grows: it would always pick the
        fewest, broadest topics).

        features (Sequence[list[str]]): Each comment's features, from `Featurizer.pipe`.
        RETURNS (TopicModel): self, with vectorizer_, vocabulary_, binary_ and df_ (which
            comments hold which term), nmf_, n_topics_, components_ (topics x terms, rows of
            unit length), doc_topic_ (the sample's weights, as `transform` gives them),
            exclusivity_ (topics x terms: each topic's share of a term's modelled weight),
            coherence_ (per topic) and k_scores_ ({k tried: mean coherence}).
        RAISES (DiscoveryError): No term occurs in enough comments.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer

        n_docs = len(features)
        # sublinear_tf: a word said three times in one comment is not three times the topic.
        self.vectorizer_ = TfidfVectorizer(analyzer=_identity, lowercase=False, min_df=self.min_df,
                                           max_df=self.max_df, max_features=self.max_features, sublinear_tf=True)
        try:
            X = self.vectorizer_.fit_transform(features)
        except ValueError:  # every term pruned: too few or too short comments
            raise DiscoveryError(Errors.E402.format(min_df=self.min_df, n=n_docs)) from None
        self.vocabulary_ = self.vectorizer_.get_feature_names_out()
        self.binary_ = (X > 0).astype(np.float64).tocsc()
        self.df_ = np.asarray(self.binary_.sum(axis=0)).ravel()
        self._unigrams = np.array([" " not in term for term in self.vocabulary_])
        grid = [self.n_topics] if self.n_topics else k_grid(n_docs)[-1:] if self.short_texts else k_grid(n_docs)
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

        # nndsvda starts from an SVD, so fits are deterministic and need few iterations; the
        # multiplicative-update solver reached the same reconstruction error as coordinate
        # descent 2-3x faster here (docs/discover.md).
        nmf = NMF(n_components=k, init="nndsvda", solver="mu", max_iter=self.max_iter, tol=1e-4,
                  random_state=self.random_state)
        # One BLAS thread: on a busy 2-core machine, BLAS threads fighting for the cores made a
        # fit 10-20x slower, and a fixed thread count keeps results bit-for-bit reproducible.
        with _one_blas_thread(), _quiet_convergence():
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
        RAISES (NotFittedError): `fit` was not called.
        """
        if not hasattr(self, "nmf_"):
            raise NotFittedError(Errors.E407)
        X: Any = features if sparse.issparse(features) else self.vectorizer_.transform(features)
        if not X.nnz:
            return np.zeros((X.shape[0], self.n_topics_))
        with _one_blas_thread(), _quiet_convergence():
            W = self.nmf_.transform(X)
        return W * self._norms


def _one_blas_thread() -> Any:
    """A context with BLAS limited to one thread (`threadpoolctl.threadpool_limits(limits=1)`).

    threadpool_limits looks for the loaded BLAS libraries afresh at each use, some 3 ms, and
    discovery uses it once per chunk of pass 2: the libraries, loaded by scikit-learn's import,
    are looked for once."""
    global _BLAS
    if _BLAS is None:
        import sklearn.decomposition  # noqa: F401 - loads SciPy's and NumPy's BLAS first
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1)


_BLAS: Any = None


@contextmanager
def _quiet_convergence() -> Iterator[None]:
    """Silence NMF's ConvergenceWarning: max_iter bounds the time, and the topics are settled
    long before the tolerance is met."""
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
