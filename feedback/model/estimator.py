"""ThemeModel: multi-label theme detection, per-theme polarity and overall sentiment.

Linear models on TF-IDF word n-grams, with the taxonomy rules' hits and VADER's scores as extra
features, so a model learns when to trust a rule ("emailed them my meter reading" is not about
the email channel) and reads sentiment the way labelled customers' comments use words.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import Errors, ModelError
from .base import Estimator
from .features import (WordGrams, char_analyzer, char_tfidf, fit_vocabulary, negation_ngrams, rule_hits,
                       tfidf_from_indices)
from .linear import best_threshold, binary_as_two_rows, linear, prf, sigmoid, softmax
from .types import ModelInput, Prediction, ThemePrediction, banded


class ThemeModel(Estimator):
    """Theme detection (one logistic regression per theme), polarity and sentiment heads.

    Follows scikit-learn's conventions: __init__ stores parameters (see `get_params`), fit
    returns self, learned state ends in "_", and predicting before fitting raises
    NotFittedError. Parameters are recorded in the saved model.

    ngram_range (tuple[int, int]): Word n-gram lengths.
    mark_negation (bool): Prefix words after a negation with NOT_ (see `negation_ngrams`).
    polarity_words_only (bool): Polarity and sentiment heads read word n-grams only.
    char_ngram_range (tuple[int, int] | None): Character n-gram lengths; None for none.
    min_df (int): Comments a word n-gram must be in (character n-grams: one more).
    C, polarity_C, sentiment_C (float): Inverse regularisation of each head.
    rule_weight (float): Value of a rule hit as a detection feature (0: words only).
    vader_weight (float): Scale of VADER's compounds as polarity and sentiment features.
    threshold_beta (float): Per-theme thresholds maximise F-beta in cross-validation.
    cv (int): Cross-validation folds (fewer when a class is rarer).
    random_state (int): The same data and seed give the same model.
    """

    # Learned state, set by fit or when a saved model is loaded.
    themes_: list[str]
    rule_themes_: list[str]
    vocabulary_: dict[str, int]
    idf_: np.ndarray
    char_vocabulary_: dict[str, int]
    char_idf_: np.ndarray
    coef_: np.ndarray
    intercept_: np.ndarray
    thresholds_: np.ndarray
    always_one_: bool
    polarity_classes_: dict[str, list[str]]
    polarity_coef_: dict[str, np.ndarray]
    polarity_intercept_: dict[str, np.ndarray]
    sentiment_classes_: list[str]
    sentiment_coef_: np.ndarray
    sentiment_intercept_: np.ndarray
    cv_scores_: dict[str, Any]
    n_train_: int
    card_: dict[str, Any]

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

    # --- features -------------------------------------------------------------------------

    def _word_ngrams(self, text: str) -> list[str]:
        low, high = self.ngram_range
        return negation_ngrams(text, ngram_range=(low, high), mark=self.mark_negation)

    def _char_range(self) -> tuple[int, int]:
        low, high = self.char_ngram_range or (2, 5)
        return low, high

    def _fit_tfidf(self, texts: Sequence[str]) -> None:
        """Fit the word and character vocabularies and their IDF.

        RAISES (ModelError): No n-gram is frequent enough to keep.
        """
        try:
            vocabulary, idf = fit_vocabulary(texts, self._word_ngrams, self.min_df)
        except ValueError:  # scikit-learn: "empty vocabulary" or "no terms remain"
            raise ModelError(Errors.E211.format(kind="word", min_df=self.min_df)) from None
        char_vocabulary: dict[str, int] = {}
        char_idf = np.zeros(0)
        if self.char_ngram_range:
            # Character n-grams are many; a higher floor keeps the model small.
            try:
                char_vocabulary, char_idf = fit_vocabulary(texts, char_analyzer(self._char_range()),
                                                           self.min_df + 1)
            except ValueError:
                raise ModelError(Errors.E211.format(kind="character", min_df=self.min_df + 1)) from None
        self.vocabulary_, self.idf_ = vocabulary, idf
        self.char_vocabulary_, self.char_idf_ = char_vocabulary, char_idf

    def _tfidf_blocks(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(word block, all features): the heads that read words only get their block as it is,
        rather than slicing it back out of the wide matrix. Word n-gram TF-IDF (negations
        marked), plus character n-grams (robust to typos)."""
        words = tfidf_from_indices([self._word_indices(t) for t in texts], len(self.vocabulary_), self.idf_)
        if not self.char_vocabulary_:
            return words, words
        return words, sp.hstack([words, self._char_tfidf(texts)], format="csr")

    def _word_indices(self, text: str) -> list[int]:
        vocabulary = self.vocabulary_
        return [vocabulary[g] for g in self._word_ngrams(text) if g in vocabulary]

    def _char_tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        # Each word's n-gram counts are kept between batches, for the vocabulary they index.
        store: WordGrams | None = self.__dict__.get("_char_store")
        if store is None or not store.serves(self.char_vocabulary_, self._char_range()):
            store = self.__dict__["_char_store"] = WordGrams(self.char_vocabulary_, self._char_range())
        return char_tfidf(texts, store, self.char_idf_)

    def _detection_features(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput]) -> sp.csr_matrix:
        hits = rule_hits([item.rule_themes for item in inputs], self.rule_themes_, self.rule_weight)
        return sp.hstack([tfidf, hits], format="csr")

    def _words(self, tfidf: sp.csr_matrix) -> sp.csr_matrix:
        """The word n-gram block: polarity reads negation-marked words, not character n-grams,
        which would see "fast" inside "not fast"."""
        n = len(self.vocabulary_)
        return tfidf[:, :n] if self.polarity_words_only and tfidf.shape[1] > n else tfidf

    def _vader(self, inputs: Sequence[ModelInput], local: Sequence[float] | None = None) -> np.ndarray:
        """VADER's compounds as the heads' extra columns: the comment's, and for polarity the
        one nearest the theme (`_local`)."""
        if local is None:
            return np.array([[item.compound * self.vader_weight] for item in inputs])
        return np.array([[item.compound * self.vader_weight, loc * self.vader_weight]
                         for item, loc in zip(inputs, local)])

    def _head_features(self, tfidf: sp.csr_matrix, vader: np.ndarray) -> sp.csr_matrix:
        return sp.hstack([self._words(tfidf), sp.csr_matrix(vader)], format="csr")

    # --- fitting --------------------------------------------------------------------------

    def fit(
        self,
        inputs: Sequence[ModelInput],
        themes: Sequence[dict[str, str | None]],
        sentiments: Sequence[str | None] | None = None,
        *,
        rule_themes: Sequence[str] = (),
        theme_order: Sequence[str] = (),
    ) -> ThemeModel:
        """Fit theme detection, per-theme polarity, and (when labels exist) sentiment.

        inputs (Sequence[ModelInput]): The comments, as the rules pipeline saw them.
        themes (Sequence[dict]): Gold theme -> polarity (or None) per comment.
        sentiments (Sequence[str | None] | None): Gold overall sentiment per comment.
        rule_themes (Sequence[str]): The taxonomy's theme ids, used as rule-hit features.
        theme_order (Sequence[str]): Preferred order of the model's themes (taxonomy order).
        RETURNS (ThemeModel): self.
        RAISES (ModelError): No inputs, labels that do not match them, too few n-grams, or a
            theme in every comment.
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        if len(inputs) != len(themes):
            raise ModelError(Errors.E209.format(n_inputs=len(inputs), n_labels=len(themes)))
        if not inputs:
            raise ModelError(Errors.E210)
        seen = {t for labels in themes for t in labels}
        theme_ids = [t for t in theme_order if t in seen] + sorted(seen - set(theme_order))
        for theme in theme_ids:
            if all(theme in labels for labels in themes):
                raise ModelError(Errors.E212.format(theme=theme))
        self._fit_tfidf([item.text for item in inputs])
        self.themes_ = theme_ids
        self.rule_themes_ = list(rule_themes)
        tfidf = self._tfidf_blocks([item.text for item in inputs])[1]
        X = self._detection_features(tfidf, inputs)
        self.coef_ = np.zeros((len(self.themes_), X.shape[1]))
        self.intercept_ = np.zeros(len(self.themes_))
        self.thresholds_ = np.full(len(self.themes_), 0.5)
        self.cv_scores_ = {"themes": {}}
        cv_predictions = np.zeros((len(inputs), len(self.themes_)), dtype=bool)
        for j, theme in enumerate(self.themes_):
            y = np.array([theme in labels for labels in themes])
            clf = LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, solver="liblinear",
                                     random_state=self.random_state)
            n_splits = min(self.cv, int(y.sum()), int((~y).sum()))
            if n_splits >= 2:
                folds = StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state)
                proba = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
                self.thresholds_[j] = best_threshold(proba, y, self.threshold_beta)
                cv_predictions[:, j] = proba >= self.thresholds_[j]
            clf.fit(X, y)
            self.coef_[j] = clf.coef_[0]
            self.intercept_[j] = clf.intercept_[0]
            self.cv_scores_["themes"][theme] = prf(cv_predictions[:, j], y) | {"n": int(y.sum())}
        # Some label sets give every comment a theme (SemEval's categories include a catch-all);
        # then a comment with no theme above its threshold still gets its most likely one.
        self.always_one_ = all(len(labels) > 0 for labels in themes)
        gold = np.array([[t in labels for t in self.themes_] for labels in themes], dtype=bool)  # bool with no themes too
        self.cv_scores_["micro"] = prf(cv_predictions.ravel(), gold.ravel())
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

        self.polarity_classes_ = {}
        self.polarity_coef_ = {}
        self.polarity_intercept_ = {}
        correct = total = 0
        for j, theme in enumerate(self.themes_):
            rows = [i for i, labels in enumerate(themes) if labels.get(theme)]
            if not rows:
                continue
            y = np.array([themes[i][theme] for i in rows])
            subset = [inputs[i] for i in rows]
            X = self._head_features(tfidf[rows], self._vader(subset, self._local(subset, theme, j)))
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
            self.polarity_coef_[theme], self.polarity_intercept_[theme] = binary_as_two_rows(
                clf.coef_, clf.intercept_, len(clf.classes_))
        if total:
            self.cv_scores_["polarity_accuracy_on_gold_themes"] = round(correct / total, 4)

    def _fit_sentiment(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput],
                       sentiments: Sequence[str | None] | None) -> None:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        self.sentiment_classes_ = []
        if not sentiments:
            return
        rows = [i for i, s in enumerate(sentiments) if s]
        y = np.array([sentiments[i] for i in rows])
        if len(set(y)) < 2:
            return
        X = self._head_features(tfidf[rows], self._vader([inputs[i] for i in rows]))
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
        self.sentiment_coef_, self.sentiment_intercept_ = binary_as_two_rows(
            clf.coef_, clf.intercept_, len(clf.classes_))

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
        RAISES (NotFittedError): The model was neither fitted nor loaded.
        """
        self._check_fitted("predict", "coef_")
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
        proba = sigmoid(X @ self.coef_.T + self.intercept_)
        found = proba >= self.thresholds_
        if self.always_one_ and len(self.themes_):
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
            probs = softmax(linear(self._words(heads), self._vader(inputs), self.sentiment_coef_,
                                   self.sentiment_intercept_))
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
                probs = softmax(linear(self._words(tfidf[rows]), self._vader(subset, local),
                                       self.polarity_coef_[theme], self.polarity_intercept_[theme]))
            for i, b, p in zip(rows, best, probs):
                label, value = banded(dict(zip(classes, p)))
                polarity[(i, j)] = (label, value, b)
        return polarity

    def predict_polarity(self, inputs: Sequence[ModelInput], themes: Sequence[Sequence[str]]) -> list[dict[str, str]]:
        """The polarity of given themes (e.g. gold ones) in each comment, as SemEval scores it.

        RETURNS (list[dict[str, str]]): theme -> polarity label per comment; themes the model
            does not know are left out.
        RAISES (NotFittedError): The model was neither fitted nor loaded.
        """
        self._check_fitted("predict_polarity", "coef_")
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

    def predict_proba(self, inputs: Sequence[ModelInput]) -> tuple[np.ndarray, np.ndarray | None]:
        """The probabilities behind `predict`: what labelling (`feedback label`) reads to find
        the comments a model is least sure about.

        inputs (Sequence[ModelInput]): The comments.
        RETURNS (tuple): Theme probabilities (comments x `themes_`) and sentiment class
            probabilities (comments x `sentiment_classes_`, None without a sentiment head).
        RAISES (NotFittedError): The model was neither fitted nor loaded.
        """
        self._check_fitted("predict_proba", "coef_")
        words, tfidf = self._tfidf_blocks([item.text for item in inputs])
        proba = sigmoid(self._detection_features(tfidf, inputs) @ self.coef_.T + self.intercept_)
        sentiment = None
        if self.sentiment_classes_:
            heads = words if self.polarity_words_only else tfidf
            sentiment = softmax(linear(self._words(heads), self._vader(inputs), self.sentiment_coef_,
                                       self.sentiment_intercept_))
        return np.asarray(proba), sentiment
