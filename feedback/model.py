"""Trained theme models: multi-label theme detection, per-theme polarity, overall sentiment.

Linear models on TF-IDF word n-grams, with the taxonomy rules' hits and VADER's scores as extra
features, so a model learns when to trust a rule ("emailed them my meter reading" is not about
the email channel) and reads sentiment the way labelled customers' comments use words.

Saved as JSON plus a NumPy .npz read with allow_pickle=False: loading a model from any path runs
no code. model.json records the SHA-256 of the weights file; a mismatch is refused.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import platform
import re
import unicodedata
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import ModelError

FORMAT = "feedback-theme-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
# The band a compound must leave to count as positive or negative (VADER's README).
_BAND = 0.05
# Per-process cache of words' character n-gram indices; bounded so memory stays flat.
_MAX_CACHED_WORDS = 200_000


class ModelInput(NamedTuple):
    """What a model reads about one comment, all computed by the rules pipeline first.

    A NamedTuple, not a frozen dataclass: one is built per comment, and this is 5x cheaper.
    """

    text: str
    compound: float
    sentences: tuple[tuple[int, int, float], ...] = ()  # (start, end, compound)
    rule_themes: frozenset[str] = frozenset()
    rule_sentiment: Mapping[str, float] = MappingProxyType({})  # theme -> mean mention compound


@dataclass(frozen=True)
class ThemePrediction:
    """A theme the model finds in a comment."""

    theme: str
    probability: float
    polarity: str  # positive | negative | neutral | conflict
    sentiment: float  # expected polarity in [-1, 1], banded to agree with `polarity`
    sentence: int  # index of the sentence that speaks most for the theme, -1 if none


@dataclass(frozen=True)
class Prediction:
    """Everything a model says about one comment."""

    themes: list[ThemePrediction]
    sentiment: tuple[str, float] | None  # (label, compound) when the model has a sentiment head


def banded(probabilities: dict[str, float]) -> tuple[str, float]:
    """Turn class probabilities into (label, compound) that agree at VADER's +-0.05 thresholds.

    The compound is the expected polarity P(positive) - P(negative), moved into the band its most
    likely label implies: at least +0.05 when "positive" is most likely, at most -0.05 for
    "negative", strictly inside (-0.05, 0.05) for "neutral" or "conflict".
    """
    label = max(probabilities, key=lambda k: probabilities[k])
    d = probabilities.get("positive", 0.0) - probabilities.get("negative", 0.0)
    if label == "positive":
        value = max(_BAND, d)
    elif label == "negative":
        value = min(-_BAND, d)
    else:
        value = d * (_BAND - 0.001)
    return label, round(float(value), 4)


class ThemeModel:
    """Theme detection (one logistic regression per theme), polarity and sentiment heads.

    Follows scikit-learn's conventions: __init__ stores parameters, fit returns self, learned
    state ends in "_". Parameters are recorded in the saved model card.
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        mark_negation: bool = True,
        polarity_words_only: bool = True,
        char_ngram_range: tuple[int, int] | None = (2, 5),
        min_df: int = 2,
        C: float = 30.0,
        polarity_C: float = 3.0,
        sentiment_C: float = 30.0,
        rule_weight: float = 3.0,
        vader_weight: float = 1.0,
        threshold_beta: float = 0.85,
        cv: int = 5,
        random_state: int = 0,
    ) -> None:
        self.ngram_range = ngram_range
        self.mark_negation = mark_negation
        self.polarity_words_only = polarity_words_only
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.C = C
        self.polarity_C = polarity_C
        self.sentiment_C = sentiment_C
        self.rule_weight = rule_weight
        self.vader_weight = vader_weight
        self.threshold_beta = threshold_beta
        self.cv = cv
        self.random_state = random_state

    def get_params(self) -> dict[str, Any]:
        """RETURNS (dict): The constructor parameters, as scikit-learn's get_params()."""
        return {
            "ngram_range": list(self.ngram_range),
            "mark_negation": self.mark_negation,
            "polarity_words_only": self.polarity_words_only,
            "char_ngram_range": list(self.char_ngram_range) if self.char_ngram_range else None,
            "min_df": self.min_df,
            "C": self.C,
            "polarity_C": self.polarity_C,
            "sentiment_C": self.sentiment_C,
            "rule_weight": self.rule_weight,
            "vader_weight": self.vader_weight,
            "threshold_beta": self.threshold_beta,
            "cv": self.cv,
            "random_state": self.random_state,
        }

    # --- features -------------------------------------------------------------------------

    def _word_ngrams(self, text: str) -> list[str]:
        return negation_ngrams(text, ngram_range=tuple(self.ngram_range), mark=self.mark_negation)

    def _char_ngrams(self, word: str) -> list[str]:
        return char_ngrams(word, ngram_range=tuple(self.char_ngram_range or (2, 5)))

    def _fit_vocabulary(self, texts: Sequence[str], analyzer: Any, min_df: int) -> tuple[dict[str, int], np.ndarray]:
        """Vocabulary and smoothed IDF, as scikit-learn's TfidfVectorizer computes them."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(analyzer=analyzer, min_df=min_df, sublinear_tf=True, dtype=np.float64)
        vectorizer.fit(texts)
        return dict(vectorizer.vocabulary_), vectorizer.idf_.copy()

    def _tfidf(self, texts: Sequence[str], *, fit: bool = False) -> sp.csr_matrix:
        """Word n-gram TF-IDF (negations marked), plus character n-grams (robust to typos).

        Fitting uses scikit-learn; transforming is done here, so a loaded model needs neither
        scikit-learn's import time nor its per-n-gram Python loop (see `_counts`).
        """
        if fit:
            self.__dict__.pop("_char_store", None)  # it holds columns of the previous vocabulary
            self.vocabulary_, self.idf_ = self._fit_vocabulary(texts, self._word_ngrams, self.min_df)
            self.char_vocabulary_: dict[str, int] = {}
            self.char_idf_ = np.zeros(0)
            if self.char_ngram_range:
                # Character n-grams are many; a higher floor keeps the model small.
                self.char_vocabulary_, self.char_idf_ = self._fit_vocabulary(
                    texts, lambda t: [g for w in t.split() for g in self._char_ngrams(w)], self.min_df + 1)
        return self._tfidf_blocks(texts)[1]

    def _tfidf_blocks(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(word block, all features): the heads that read words only get their block as it is,
        rather than slicing it back out of the wide matrix."""
        words = self._counts([self._word_indices(t) for t in texts], len(self.vocabulary_), self.idf_)
        if not self.char_vocabulary_:
            return words, words
        return words, sp.hstack([words, self._char_tfidf(texts)], format="csr")

    def _word_indices(self, text: str) -> list[int]:
        vocabulary = self.vocabulary_
        return [vocabulary[g] for g in self._word_ngrams(text) if g in vocabulary]

    def _char_tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        """Character n-gram TF-IDF. Character n-grams never cross a space, so a text's n-gram
        counts are the sum of its words' counts: each word's counts are computed once and kept,
        and a batch's counts are one sparse product, (texts x words) @ (words x n-grams)."""
        store = self.__dict__.get("_char_store")
        if store is None or len(store) >= _MAX_CACHED_WORDS:  # bounded: memory stays flat
            store = self.__dict__["_char_store"] = _WordGrams(self)
        split = [text.split() for text in texts]
        # The batch's distinct words, in first-seen order; the mapping runs in C (dict.fromkeys,
        # map), since a batch has ~50 times more words than distinct ones.
        local = {word: k for k, word in enumerate(dict.fromkeys(chain.from_iterable(split)))}
        word_cols = np.fromiter(map(local.__getitem__, chain.from_iterable(split)), dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum([len(words) for words in split], dtype=np.int64)])
        texts_by_words = sp.csr_matrix((np.ones(len(word_cols)), word_cols, indptr),
                                       shape=(len(texts), len(local)))
        counts = (texts_by_words @ store.rows(local)).tocsr()
        # Sorted columns, as _counts leaves them: the norms then add up in the same order.
        counts.sort_indices()
        return self._tfidf_from_counts(counts, self.char_idf_)

    @classmethod
    def _counts(cls, docs: list[list[int]], n_features: int, idf: np.ndarray) -> sp.csr_matrix:
        """Rows of feature indices -> sublinear TF x IDF, L2-normalised (TfidfVectorizer's maths)."""
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        cols = np.fromiter(chain.from_iterable(docs), dtype=np.int64, count=int(indptr[-1]))
        matrix = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(docs), n_features))
        matrix.sum_duplicates()
        return cls._tfidf_from_counts(matrix, idf)

    @staticmethod
    def _tfidf_from_counts(matrix: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
        np.log(matrix.data, out=matrix.data)
        matrix.data += 1.0
        matrix.data *= idf[matrix.indices]
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
        return matrix

    def _rule_matrix(self, inputs: Sequence[ModelInput]) -> sp.csr_matrix:
        index = {t: i for i, t in enumerate(self.rule_themes_)}
        rows, cols = [], []
        for r, item in enumerate(inputs):
            for theme in item.rule_themes:
                if theme in index:
                    rows.append(r)
                    cols.append(index[theme])
        data = np.full(len(rows), self.rule_weight)
        return sp.csr_matrix((data, (rows, cols)), shape=(len(inputs), len(self.rule_themes_)))

    def _detection_features(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput]) -> sp.csr_matrix:
        return sp.hstack([tfidf, self._rule_matrix(inputs)], format="csr")

    def _words(self, tfidf: sp.csr_matrix) -> sp.csr_matrix:
        """The word n-gram block: polarity reads negation-marked words, not character n-grams,
        which would see "fast" inside "not fast"."""
        n = len(self.vocabulary_)
        return tfidf[:, :n] if self.polarity_words_only and tfidf.shape[1] > n else tfidf

    def _sentiment_features(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput]) -> sp.csr_matrix:
        vader = np.array([[item.compound * self.vader_weight] for item in inputs])
        return sp.hstack([self._words(tfidf), sp.csr_matrix(vader)], format="csr")

    def _polarity_features(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput], theme: str,
                           local: Sequence[float]) -> sp.csr_matrix:
        extra = np.array([[item.compound * self.vader_weight, loc * self.vader_weight]
                          for item, loc in zip(inputs, local)])
        return sp.hstack([self._words(tfidf), sp.csr_matrix(extra)], format="csr")

    # --- fitting --------------------------------------------------------------------------

    def fit(
        self,
        inputs: Sequence[ModelInput],
        themes: Sequence[dict[str, str | None]],
        sentiments: Sequence[str | None] | None = None,
        *,
        rule_themes: Sequence[str] = (),
        theme_order: Sequence[str] = (),
    ) -> "ThemeModel":
        """Fit theme detection, per-theme polarity, and (when labels exist) sentiment.

        inputs (Sequence[ModelInput]): The comments, as the rules pipeline saw them.
        themes (Sequence[dict]): Gold theme -> polarity (or None) per comment.
        sentiments (Sequence[str | None] | None): Gold overall sentiment per comment.
        rule_themes (Sequence[str]): The taxonomy's theme ids, used as rule-hit features.
        theme_order (Sequence[str]): Preferred order of the model's themes (taxonomy order).
        RETURNS (ThemeModel): self.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        if len(inputs) != len(themes):
            raise ValueError(f"{len(inputs)} inputs but {len(themes)} theme labels")
        seen = {t for labels in themes for t in labels}
        self.themes_ = [t for t in theme_order if t in seen] + sorted(seen - set(theme_order))
        self.rule_themes_ = list(rule_themes)
        tfidf = self._tfidf([item.text for item in inputs], fit=True)
        X = self._detection_features(tfidf, inputs)
        self.coef_ = np.zeros((len(self.themes_), X.shape[1]))
        self.intercept_ = np.zeros(len(self.themes_))
        self.thresholds_ = np.full(len(self.themes_), 0.5)
        self.cv_scores_: dict[str, Any] = {"themes": {}}
        cv_predictions = np.zeros((len(inputs), len(self.themes_)), dtype=bool)
        for j, theme in enumerate(self.themes_):
            y = np.array([theme in labels for labels in themes])
            clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, solver="liblinear",
                                     random_state=self.random_state)
            n_splits = min(self.cv, int(y.sum()), int((~y).sum()))
            if n_splits >= 2:
                folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
                proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
                self.thresholds_[j] = _best_threshold(proba, y, self.threshold_beta)
                cv_predictions[:, j] = proba >= self.thresholds_[j]
            clf.fit(X, y)
            self.coef_[j] = clf.coef_[0]
            self.intercept_[j] = clf.intercept_[0]
            self.cv_scores_["themes"][theme] = _prf(cv_predictions[:, j], y) | {"n": int(y.sum())}
        # Some label sets give every comment a theme (SemEval's categories include a catch-all);
        # then a comment with no theme above its threshold still gets its most likely one.
        self.always_one_ = all(len(labels) > 0 for labels in themes)
        gold = np.array([[t in labels for t in self.themes_] for labels in themes])
        self.cv_scores_["micro"] = _prf(cv_predictions.ravel(), gold.ravel())
        self._fit_polarity(tfidf, inputs, themes)
        self._fit_sentiment(tfidf, inputs, sentiments)
        self.n_train_ = len(inputs)
        return self

    def _local(self, inputs: Sequence[ModelInput], theme: str, theme_index: int) -> list[float]:
        """Per comment, the compound nearest the theme: its rule mentions', else its best sentence's."""
        local = []
        for item in inputs:
            if theme in item.rule_sentiment:
                local.append(item.rule_sentiment[theme])
            else:
                best = self._best_sentence(item, theme_index)
                local.append(item.sentences[best][2] if best >= 0 else item.compound)
        return local

    def _fit_polarity(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput],
                      themes: Sequence[dict[str, str | None]]) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        self.polarity_classes_: dict[str, list[str]] = {}
        self.polarity_coef_: dict[str, np.ndarray] = {}
        self.polarity_intercept_: dict[str, np.ndarray] = {}
        correct = total = 0
        for j, theme in enumerate(self.themes_):
            rows = [i for i, labels in enumerate(themes) if labels.get(theme)]
            if not rows:
                continue
            y = np.array([themes[i][theme] for i in rows])
            subset = [inputs[i] for i in rows]
            X = self._polarity_features(tfidf[rows], subset, theme, self._local(subset, theme, j))
            classes = sorted(set(y))
            if len(classes) == 1:
                self.polarity_classes_[theme] = classes
                self.polarity_coef_[theme] = np.zeros((1, X.shape[1]))
                self.polarity_intercept_[theme] = np.zeros(1)
                correct += len(y)
                total += len(y)
                continue
            clf = LogisticRegression(C=self.polarity_C, max_iter=5000, random_state=self.random_state)
            counts = np.unique(y, return_counts=True)[1]
            n_splits = min(self.cv, int(counts.min()))
            if n_splits >= 2:
                folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
                predicted = cross_val_predict(clf, X, y, cv=folds)
                correct += int((predicted == y).sum())
                total += len(y)
            clf.fit(X, y)
            self.polarity_classes_[theme] = [str(c) for c in clf.classes_]
            coef = clf.coef_ if len(clf.classes_) > 2 else np.vstack([-clf.coef_[0], clf.coef_[0]])
            intercept = clf.intercept_ if len(clf.classes_) > 2 else np.array([-clf.intercept_[0], clf.intercept_[0]])
            self.polarity_coef_[theme] = coef
            self.polarity_intercept_[theme] = intercept
        if total:
            self.cv_scores_["polarity_accuracy_on_gold_themes"] = round(correct / total, 4)

    def _fit_sentiment(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput],
                       sentiments: Sequence[str | None] | None) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        self.sentiment_classes_: list[str] = []
        if not sentiments:
            return
        rows = [i for i, s in enumerate(sentiments) if s]
        y = np.array([sentiments[i] for i in rows])
        if len(set(y)) < 2:
            return
        X = self._sentiment_features(tfidf[rows], [inputs[i] for i in rows])
        clf = LogisticRegression(C=self.sentiment_C, max_iter=5000, random_state=self.random_state)
        n_splits = min(self.cv, int(np.unique(y, return_counts=True)[1].min()))
        if n_splits >= 2:
            folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
            proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")
            classes = sorted(set(y))
            labels = [banded(dict(zip(classes, p)))[0] for p in proba]
            self.cv_scores_["sentiment_accuracy"] = round(float(np.mean(np.array(labels) == y)), 4)
        clf.fit(X, y)
        self.sentiment_classes_ = [str(c) for c in clf.classes_]
        self.sentiment_coef_ = clf.coef_ if len(clf.classes_) > 2 else np.vstack([-clf.coef_[0], clf.coef_[0]])
        self.sentiment_intercept_ = (clf.intercept_ if len(clf.classes_) > 2
                                     else np.array([-clf.intercept_[0], clf.intercept_[0]]))

    # --- prediction -----------------------------------------------------------------------

    def _best_sentence(self, item: ModelInput, theme_index: int) -> int:
        """The sentence whose words weigh most for the theme (by the detector's coefficients)."""
        if not item.sentences:
            return -1
        if len(item.sentences) == 1:
            return 0
        coef = self.coef_[theme_index]
        best, best_score = 0, -math.inf
        for i, indices in enumerate(self._sentence_indices(item)):
            score = sum(coef[j] for j in indices)
            if score > best_score:
                best, best_score = i, score
        return best

    def _sentence_indices(self, item: ModelInput) -> list[list[int]]:
        """Each sentence's word n-gram indices, computed once per comment however many of its
        themes ask (the cache lives for one predict call)."""
        cache = self.__dict__.setdefault("_sentence_cache", {})
        key = id(item)
        found = cache.get(key)
        if found is None or found[0] is not item:
            found = cache[key] = (item, [self._word_indices(item.text[start:end])
                                         for start, end, _ in item.sentences])
        return found[1]

    def predict(self, inputs: Sequence[ModelInput]) -> list[Prediction]:
        """Predict themes, their polarity, and sentiment for a batch of comments.

        inputs (Sequence[ModelInput]): The comments.
        RETURNS (list[Prediction]): One per input, in order.
        """
        if not inputs:
            return []
        self.__dict__["_sentence_cache"] = {}
        try:
            return self._predict(inputs)
        finally:
            self.__dict__["_sentence_cache"] = {}

    def _predict(self, inputs: Sequence[ModelInput]) -> list[Prediction]:
        words, tfidf = self._tfidf_blocks([item.text for item in inputs])
        X = self._detection_features(tfidf, inputs)
        proba = _sigmoid(X @ self.coef_.T + self.intercept_)
        found = proba >= self.thresholds_
        if getattr(self, "always_one_", False) and len(self.themes_):
            empty = ~found.any(axis=1)
            found[empty, np.argmax(proba[empty], axis=1)] = True
        theme_rows: dict[int, list[int]] = {}
        for j in range(len(self.themes_)):
            rows = np.flatnonzero(found[:, j])
            if len(rows):
                theme_rows[j] = list(rows)
        heads = words if self.polarity_words_only else tfidf
        polarity = self._polarity(heads, inputs, theme_rows)
        sentiments: list[tuple[str, float] | None] = [None] * len(inputs)
        if self.sentiment_classes_:
            vader = np.array([[item.compound * self.vader_weight] for item in inputs])
            probs = _softmax(_linear(self._words(heads), vader, self.sentiment_coef_, self.sentiment_intercept_))
            sentiments = [banded(dict(zip(self.sentiment_classes_, p))) for p in probs]
        out = []
        for i in range(len(inputs)):
            predictions = []
            for j in range(len(self.themes_)):
                if found[i, j]:
                    label, value, best = polarity[(i, j)]
                    predictions.append(ThemePrediction(self.themes_[j], round(float(proba[i, j]), 4), label, value, best))
            out.append(Prediction(predictions, sentiments[i]))
        return out

    def _polarity(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput],
                  theme_rows: dict[int, list[int]]) -> dict[tuple[int, int], tuple[str, float, int]]:
        """(label, compound, best sentence) for each (comment row, theme index) asked for."""
        polarity: dict[tuple[int, int], tuple[str, float, int]] = {}
        for j, rows in theme_rows.items():
            theme = self.themes_[j]
            subset = [inputs[i] for i in rows]
            # Where rules found the theme, their mentions carry the evidence and local sentiment.
            best = [-1 if theme in item.rule_sentiment else self._best_sentence(item, j) for item in subset]
            classes = self.polarity_classes_.get(theme)
            if not classes:
                for i, b in zip(rows, best):
                    polarity[(i, j)] = ("neutral", 0.0, b)
                continue
            local = [item.rule_sentiment.get(theme, item.sentences[b][2] if b >= 0 else item.compound)
                     for item, b in zip(subset, best)]
            if len(classes) == 1:
                probs = np.ones((len(rows), 1))
            else:
                extra = np.array([[item.compound * self.vader_weight, loc * self.vader_weight]
                                  for item, loc in zip(subset, local)])
                probs = _softmax(_linear(self._words(tfidf[rows]), extra, self.polarity_coef_[theme],
                                         self.polarity_intercept_[theme]))
            for i, b, p in zip(rows, best, probs):
                label, value = banded(dict(zip(classes, p)))
                polarity[(i, j)] = (label, value, b)
        return polarity

    def predict_polarity(self, inputs: Sequence[ModelInput], themes: Sequence[Sequence[str]]) -> list[dict[str, str]]:
        """The polarity of given themes (e.g. gold ones) in each comment, as SemEval scores it.

        RETURNS (list[dict[str, str]]): theme -> polarity label per comment; themes the model
            does not know are left out.
        """
        index = {t: j for j, t in enumerate(self.themes_)}
        theme_rows: dict[int, list[int]] = {}
        for i, wanted in enumerate(themes):
            for theme in wanted:
                if theme in index:
                    theme_rows.setdefault(index[theme], []).append(i)
        words, tfidf = self._tfidf_blocks([item.text for item in inputs])
        out: list[dict[str, str]] = [{} for _ in inputs]
        heads = words if self.polarity_words_only else tfidf
        for (i, j), (label, _, _) in self._polarity(heads, inputs, theme_rows).items():
            out[i][self.themes_[j]] = label
        return out

    # --- persistence ----------------------------------------------------------------------

    def save(self, directory: str, *, card: dict[str, Any] | None = None) -> None:
        """Write model.json, weights.npz and README.md (the model card) into `directory`."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {
            "idf": self.idf_,
            "char_idf": self.char_idf_,
            "coef": self.coef_,
            "intercept": self.intercept_,
            "thresholds": self.thresholds_,
        }
        for k, theme in enumerate(self.polarity_classes_):
            arrays[f"polarity_coef_{k}"] = self.polarity_coef_[theme]
            arrays[f"polarity_intercept_{k}"] = self.polarity_intercept_[theme]
        if self.sentiment_classes_:
            arrays["sentiment_coef"] = self.sentiment_coef_
            arrays["sentiment_intercept"] = self.sentiment_intercept_
        weights = path / WEIGHTS_FILE
        # float32 halves the file; the predictions it changes are rounded away in the output.
        np.savez_compressed(weights, **{k: v.astype(np.float32) for k, v in arrays.items()})
        vocabulary = sorted(self.vocabulary_, key=self.vocabulary_.get)
        char_vocabulary = sorted(self.char_vocabulary_, key=self.char_vocabulary_.get)
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": self.get_params(),
            "themes": self.themes_,
            "rule_themes": self.rule_themes_,
            "polarity_themes": list(self.polarity_classes_),
            "polarity_classes": self.polarity_classes_,
            "sentiment_classes": self.sentiment_classes_,
            "always_one": bool(getattr(self, "always_one_", False)),
            "vocabulary": vocabulary,
            "char_vocabulary": char_vocabulary,
            "n_train": self.n_train_,
            "cv_scores": self.cv_scores_,
            "weights_sha256": _sha256(weights),
            "card": card or {},
        }
        (path / MODEL_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


class _WordGrams:
    """Each word's character n-gram counts, kept in two growing arrays (a word's columns and
    counts are a contiguous run), so a batch's words x n-grams matrix is one gather."""

    def __init__(self, model: ThemeModel) -> None:
        self.model = model
        self.ids: dict[str, int] = {}
        self.offsets: list[int] = [0]
        self.columns = np.zeros(1 << 16, dtype=np.int64)
        self.counts = np.zeros(1 << 16)

    def __len__(self) -> int:
        return len(self.ids)

    def _add(self, word: str) -> int:
        get = self.model.char_vocabulary_.get
        # Counted in a dict: np.unique costs more than the counting for a word's ~20 n-grams.
        # (Any column order: the batch's counts are sorted before they are used.)
        found: dict[int, int] = {}
        for gram in self.model._char_ngrams(word):
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

    def rows(self, words: dict[str, int]) -> sp.csr_matrix:
        """The n-gram counts of `words` (in their dict order) as a CSR matrix."""
        ids = self.ids
        word_ids = np.array([ids[w] if w in ids else self._add(w) for w in words], dtype=np.int64)
        offsets = np.asarray(self.offsets, dtype=np.int64)
        starts, ends = offsets[word_ids], offsets[word_ids + 1]
        lengths = ends - starts
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        # Positions starts[k] .. ends[k]-1 of every word k, in order, without a Python loop.
        gather = np.arange(indptr[-1]) + np.repeat(starts - indptr[:-1], lengths)
        return sp.csr_matrix((self.counts[gather], self.columns[gather], indptr),
                             shape=(len(word_ids), len(self.model.char_vocabulary_)))


def load_model(directory: str) -> ThemeModel:
    """Load a saved model. Reads only JSON and a pickle-free .npz: no code runs.

    directory (str): A directory written by ThemeModel.save / `feedback train`.
    RETURNS (ThemeModel): The fitted model.
    RAISES (ModelError): Missing files, unknown format, or weights that do not match their hash.
    """
    path = Path(directory)
    meta_path, weights = path / MODEL_FILE, path / WEIGHTS_FILE
    if not meta_path.is_file() or not weights.is_file():
        raise ModelError(f"{directory} is not a feedback model: expected {MODEL_FILE} and {WEIGHTS_FILE} in it")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(f"{meta_path} is not valid JSON: {e}") from None
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{meta_path}: unknown model format {meta.get('format')!r} v{meta.get('format_version')!r}; "
            f"this version of feedback reads {FORMAT} v{FORMAT_VERSION}"
        )
    if _sha256(weights) != meta.get("weights_sha256"):
        raise ModelError(f"{weights} does not match the checksum in {MODEL_FILE}: the model was modified; refusing to load it")
    try:
        with np.load(weights, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        params = dict(meta["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        if params.get("char_ngram_range"):
            params["char_ngram_range"] = tuple(params["char_ngram_range"])
        model = ThemeModel(**params)
        vocabulary = {term: i for i, term in enumerate(meta["vocabulary"])}
        char_vocabulary = {term: i for i, term in enumerate(meta["char_vocabulary"])}
        model.vocabulary_, model.idf_ = vocabulary, arrays["idf"].astype(np.float64)
        model.char_vocabulary_, model.char_idf_ = char_vocabulary, arrays["char_idf"].astype(np.float64)
        if len(model.idf_) != len(vocabulary) or len(model.char_idf_) != len(char_vocabulary):
            raise ValueError("vocabulary and IDF lengths differ")
        model.themes_ = list(meta["themes"])
        model.rule_themes_ = list(meta["rule_themes"])
        model.coef_ = arrays["coef"]
        model.intercept_ = arrays["intercept"]
        model.thresholds_ = arrays["thresholds"]
        model.polarity_classes_ = {t: list(c) for t, c in meta["polarity_classes"].items()}
        model.polarity_coef_ = {t: arrays[f"polarity_coef_{k}"] for k, t in enumerate(meta["polarity_themes"])}
        model.polarity_intercept_ = {t: arrays[f"polarity_intercept_{k}"] for k, t in enumerate(meta["polarity_themes"])}
        model.sentiment_classes_ = list(meta["sentiment_classes"])
        if model.sentiment_classes_:
            model.sentiment_coef_ = arrays["sentiment_coef"]
            model.sentiment_intercept_ = arrays["sentiment_intercept"]
        model.n_train_ = meta["n_train"]
        model.always_one_ = bool(meta.get("always_one", False))
        model.cv_scores_ = meta["cv_scores"]
        n_features = len(vocabulary) + len(char_vocabulary) + len(model.rule_themes_)
        if model.coef_.shape != (len(model.themes_), n_features):
            raise ModelError(f"{directory}: weights have shape {model.coef_.shape}, expected {(len(model.themes_), n_features)}")
    except (KeyError, TypeError, ValueError) as e:
        raise ModelError(f"{directory}: the model files are inconsistent ({e}); retrain it with `feedback train`") from None
    model.card_ = meta.get("card", {})
    return model


_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[.!?;:,]")
_NEGATORS = frozenset({"not", "no", "never", "nothing", "nobody", "none", "nor", "neither", "without",
                       "cannot", "hardly", "barely"})
_CLAUSE_END = frozenset(".!?;:,")


def negation_ngrams(text: str, ngram_range: tuple[int, int] = (1, 2), mark: bool = True) -> list[str]:
    """Word n-grams with negated words marked: "not fast at all." -> not, NOT_fast, NOT_at, ...

    A word after a negation, up to the next punctuation, gets a NOT_ prefix (Pang, Lee and
    Vaithyanathan 2002), so "fast" and "not ... fast" become different features.
    """
    lowered = strip_accents_lower(text)
    found = _TOKEN_RE.findall(lowered)
    if not mark or (_NEGATORS.isdisjoint(found) and "n't" not in lowered):
        tokens = [t for t in found if t not in _CLAUSE_END]
    else:
        tokens = []
        negated = False
        for token in found:
            if token in _CLAUSE_END:
                negated = False
                continue
            if token in _NEGATORS or token.endswith("n't"):
                tokens.append(token)
                negated = True
                continue
            tokens.append("NOT_" + token if negated else token)
    low, high = ngram_range
    grams: list[str] = []
    for n in range(low, high + 1):
        if n == 1:
            grams.extend(tokens)
        else:
            grams.extend(map(" ".join, zip(*(tokens[k:] for k in range(n)))))
    return grams


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
    text = text.lower()
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def library_versions() -> dict[str, str]:
    """Versions that a model card records, so a model can be reproduced."""
    import sklearn
    import spacy
    import vaderSentiment

    from . import __version__

    return {
        "feedback": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "spacy": spacy.__version__,
        "vaderSentiment": getattr(vaderSentiment, "__version__", "3.3.2"),
    }


def today() -> str:
    return _dt.date.today().isoformat()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _linear(X: sp.csr_matrix, extra: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """hstack([X, extra]) @ coef.T + intercept, without building the stacked matrix (a scipy
    call per theme and batch). The extra columns are added after X's, in the order the sparse
    product would add them, so the result is the same to the last bit."""
    n = X.shape[1]
    z = np.asarray(X @ coef[:, :n].T, dtype=np.float64)
    for k in range(extra.shape[1]):
        z += extra[:, k : k + 1] * coef[:, n + k].astype(np.float64)
    return z + intercept


def _sigmoid(z: Any) -> np.ndarray:
    z = np.asarray(z)
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: Any) -> np.ndarray:
    z = np.asarray(z)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _best_threshold(proba: np.ndarray, y: np.ndarray, beta: float) -> float:
    best, best_score = 0.5, -1.0
    b2 = beta * beta
    for t in np.arange(0.15, 0.91, 0.05):
        predicted = proba >= t
        tp = float((predicted & y).sum())
        denom = (1 + b2) * tp + b2 * float((~predicted & y).sum()) + float((predicted & ~y).sum())
        score = (1 + b2) * tp / denom if denom else 0.0
        if score > best_score + 1e-9:
            best, best_score = float(round(t, 2)), score
    return best


def _prf(predicted: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    tp = float((predicted & gold).sum())
    p = tp / predicted.sum() if predicted.sum() else 0.0
    r = tp / gold.sum() if gold.sum() else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
