"""ThemeModel: multi-label theme detection, per-theme polarity and overall sentiment.

Linear models on TF-IDF word n-grams, with the taxonomy rules' hits and VADER's scores as extra
features, so a model learns when to trust a rule ("emailed them my meter reading" is not about
the email channel) and reads sentiment the way labelled customers' comments use words.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import Errors, ModelError
from ..stats import wilson_interval
from .features import rule_hits
from .linear import (NEVER, add_threshold, best_threshold, binary_as_two_rows, class_bias, coefficients, confidence_cut,
                     cross_fit, drop_threshold, linear, one_vs_rest, platt, prf, sigmoid, softmax, temperature,
                     transposed, unseen_finds)
from .ngrams import NgramTfidf
from .types import ModelInput, Prediction, ThemePrediction, banded, banded_rows, polarity_label


class ThemeModel(NgramTfidf):
    """Theme detection (one logistic regression per theme), polarity and sentiment heads.

    Follows scikit-learn's conventions: __init__ stores parameters (see `get_params`), fit
    returns self, learned state ends in "_", and predicting before fitting raises
    NotFittedError. Parameters are recorded in the saved model.

    ngram_range (tuple[int, int]): Word n-gram lengths.
    mark_negation (bool): Prefix words after a negation with NOT_ (see `negation_ngrams`).
    question_marks (bool): Count each "?" as a word: a question, which the words alone do not
        show ("what's the charge for oversize?" asks; it does not complain).
    polarity_words_only (bool): Polarity and sentiment heads read word n-grams only.
    char_ngram_range (tuple[int, int] | None): Character n-gram lengths; None for none.
    min_df (int): Comments a word n-gram must be in (character n-grams: one more).
    C, polarity_C, sentiment_C (float): Inverse regularisation of each head.
    rule_weight (float): Value of a rule hit as a detection feature (0: words only).
    vader_weight (float): Scale of VADER's compounds as polarity and sentiment features.
    embeddings (str | None): Shipped static word vectors (`feedback.model.embeddings`): the
        sentiment head also reads a comment's mean vector, so words it never saw count too.
    embedding_weight (float): Scale of that mean vector (unit length) as features.
    sentiment_skips_negated (bool): Sentiment's mean vector leaves out negated words (detection's keeps them).
    detection_embeddings (bool): Theme detection reads the mean vector too: learning a theme
        from a few dozen labels, "sushi" then counts as food though no label said it.
    neutral_prior (bool): Raise the sentiment head's neutral score as cross-validation says (`class_bias`).
    unseen_drop_precision (float | None): With the sources, a rule hit is dropped only for a theme
        whose drops, on each source left out in turn, were right at least this share of the time
        (the lower end of its 95% Wilson interval: 7 right of 7 is not enough for 0.75).
    unseen_add_precision (float | None): With the comments' sources (`fit`'s groups), a theme is
        found without a rule hit only if, fitted without each source in turn (`unseen_finds`), such
        finds were right this often on the sources left out (3 at least); else the rules alone find it.
        Finds precise on the kinds of comment trained on are often wrong on a new kind. None: no check.
    threshold_beta (float): Thresholds of themes no rule can find maximise F-beta in
        cross-validation.
    add_precision (float): A theme the rules did not find is added only above the calibrated
        probability at which such additions were this precise in cross-validation.
    drop_precision (float): A rule hit is dropped only below the probability under which
        dropped hits were wrong this often in cross-validation (never, if none was).
    comment_polarity_cut (float | None): A mention's polarity against its comment's stands only
        from this strength (`pipeline.merge_prediction`); None: always (models/README.md).
    cv (int): Cross-validation folds (fewer when a class is rarer).
    detection_dual (bool): Theme detection fits with liblinear's dual coordinate descent (True)
        or its primal trust-region Newton solver (False). On 10,000 comments the primal one
        reaches half the objective in a quarter of the time (the dual one stops early on these
        balanced, weakly regularised fits); the heads on a few thousand comments or fewer do
        not gain from it.
    random_state (int): The same data and seed give the same model.
    n_jobs (int | None): Threads fitting folds and themes at once (-1 or None: every core).
        With 1 (the default) the same data and seed give the same model to the last bit; with
        more, liblinear's shared random generator makes results equal only to its tolerance.
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
    thresholds_: np.ndarray  # calibrated probability above which the model adds a theme
    keep_thresholds_: np.ndarray  # ... below which it drops a rule hit
    calibration_: np.ndarray  # Platt (a, b) per theme: probability = sigmoid(a * score + b)
    always_one_: bool
    polarity_classes_: dict[str, list[str]]
    polarity_coef_: dict[str, np.ndarray]
    polarity_intercept_: dict[str, np.ndarray]
    sentiment_classes_: list[str]
    sentiment_coef_: np.ndarray
    sentiment_intercept_: np.ndarray
    sentiment_temperature_: float  # softmax(scores / T + bias): calibrated class probabilities
    sentiment_bias_: np.ndarray  # per class: a prior correction chosen in cross-validation
    sentiment_cut_: float  # top probability from which the head's label replaces VADER's
    # Out-of-fold `predict_proba` sentiment of the labelled training comments, None without
    # folds or after loading (never saved): what the adapter's blend is chosen on.
    sentiment_cv_proba_: np.ndarray | None
    embeddings_sha256_: str | None  # the static word vectors the sentiment head was fitted with
    cv_scores_: dict[str, Any]
    n_train_: int
    card_: dict[str, Any]

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 2),
        mark_negation: bool = True,
        question_marks: bool = False,
        polarity_words_only: bool = True,
        char_ngram_range: tuple[int, int] | None = (2, 5),
        min_df: int = 2,
        C: float = 30.0, polarity_C: float = 3.0, sentiment_C: float = 30.0,
        rule_weight: float = 3.0, vader_weight: float = 1.0,
        embeddings: str | None = None,
        embedding_weight: float = 1.0,
        sentiment_skips_negated: bool = False,
        detection_embeddings: bool = False,
        neutral_prior: bool = False,
        unseen_add_precision: float | None = None,
        unseen_drop_precision: float | None = None,
        threshold_beta: float = 0.85,
        add_precision: float = 0.8,
        drop_precision: float = 0.95,
        comment_polarity_cut: float | None = None,
        cv: int = 5,
        detection_dual: bool = True,
        random_state: int = 0, n_jobs: int | None = 1,
    ) -> None:
        self.ngram_range = ngram_range
        self.mark_negation = mark_negation
        self.question_marks = question_marks
        self.polarity_words_only = polarity_words_only
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.C = C
        self.polarity_C = polarity_C
        self.sentiment_C = sentiment_C
        self.rule_weight = rule_weight
        self.vader_weight = vader_weight
        self.embeddings = embeddings
        self.embedding_weight = embedding_weight
        self.sentiment_skips_negated = sentiment_skips_negated
        self.detection_embeddings = detection_embeddings
        self.neutral_prior = neutral_prior
        self.unseen_add_precision = unseen_add_precision
        self.unseen_drop_precision = unseen_drop_precision
        self.threshold_beta = threshold_beta
        self.add_precision = add_precision
        self.drop_precision = drop_precision
        self.comment_polarity_cut = comment_polarity_cut
        self.cv = cv
        self.detection_dual = detection_dual
        self.random_state = random_state
        self.n_jobs = n_jobs

    # --- features (word and character n-grams: `NgramTfidf`) --------------------------------

    def _detection_features(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput]) -> sp.csr_matrix:
        hits = rule_hits([item.rule_themes for item in inputs], self.rule_themes_, self.rule_weight)
        vectors = [sp.csr_matrix(self._mean_vectors(inputs))] if self.detection_embeddings and self.embeddings else []
        return sp.hstack([tfidf, hits, *vectors], format="csr")

    def _words(self, tfidf: sp.csr_matrix) -> sp.csr_matrix:
        """The word n-gram block: polarity reads negation-marked words, not character n-grams,
        which would see "fast" inside "not fast"."""
        n = len(self.vocabulary_)
        return tfidf[:, :n] if self.polarity_words_only and tfidf.shape[1] > n else tfidf

    def _vader(self, inputs: Sequence[ModelInput], local: Sequence[float] | None = None) -> np.ndarray:
        """VADER's compounds as the heads' extra columns: the comment's, and for polarity the nearest (`_local`)."""
        if local is None:
            return np.array([[item.compound * self.vader_weight] for item in inputs])
        return np.array([[item.compound * self.vader_weight, loc * self.vader_weight]
                         for item, loc in zip(inputs, local)])

    def _sentiment_extra(self, inputs: Sequence[ModelInput]) -> np.ndarray:
        """The sentiment head's dense columns: VADER's compound (and the mean word vector)."""
        vader = self._vader(inputs)
        return np.hstack([vader, self._mean_vectors(inputs, self.sentiment_skips_negated)]) if self.embeddings else vader

    def _mean_vectors(self, inputs: Sequence[ModelInput], skip_negated: bool = False) -> np.ndarray:
        if (cached := self.__dict__.get("_vectors")) is not None and cached[0] is inputs:  # detection, then
            return cached[1][skip_negated]                                                 # sentiment
        from .embeddings import load_embeddings
        table = load_embeddings(str(self.embeddings), self.__dict__.get("embeddings_sha256_"))
        self.embeddings_sha256_ = table.sha256
        both = table.means([item.text for item in inputs], self.sentiment_skips_negated or skip_negated)
        if "_vectors" in self.__dict__:  # inside one `predict` only: never keeps a training batch
            self.__dict__["_vectors"] = (inputs, tuple(v * self.embedding_weight for v in both))
        return both[skip_negated] * self.embedding_weight

    def _head_features(self, tfidf: sp.csr_matrix, vader: np.ndarray) -> sp.csr_matrix:
        return sp.hstack([self._words(tfidf), sp.csr_matrix(vader)], format="csr")

    # --- fitting --------------------------------------------------------------------------

    def fit(
        self,
        inputs: Sequence[ModelInput],
        themes: Sequence[dict[str, str | None] | None],
        sentiments: Sequence[str | None] | None = None,
        *,
        rule_themes: Sequence[str] = (),
        theme_order: Sequence[str] = (),
        progress: Callable[[str], None] | None = None,
        groups: Sequence[str] | None = None,
    ) -> ThemeModel:
        """Fit theme detection, per-theme polarity, and (when labels exist) sentiment.

        inputs (Sequence[ModelInput]): The comments, as the rules pipeline saw them.
        themes (Sequence[dict | None]): Gold theme -> polarity (or None) per comment; None for
            a comment whose themes were not labelled (e.g. star-rated reviews, read for
            sentiment only), which theme detection and polarity then leave out.
        sentiments (Sequence[str | None] | None): Gold overall sentiment per comment.
        rule_themes (Sequence[str]): The taxonomy's theme ids, used as rule-hit features.
        theme_order (Sequence[str]): Preferred order of the model's themes (taxonomy order).
        progress (Callable[[str], None] | None): Told each stage as it ends ("theme speed").
        groups (Sequence[str] | None): The source of each comment: the sentiment head then
            replaces VADER only at a confidence where no source loses accuracy by it, and with
            `unseen_add_precision` theme detection checks its finds on each source left out.
        RETURNS (ThemeModel): self.
        RAISES (ModelError): No inputs, labels that do not match them, too few n-grams, or a
            theme in every comment.
        """
        if len(inputs) != len(themes):
            raise ModelError(Errors.E209.format(n_inputs=len(inputs), n_labels=len(themes)))
        if not inputs:
            raise ModelError(Errors.E210)
        report = progress or (lambda stage: None)
        labelled = [i for i, labels in enumerate(themes) if labels is not None]
        gold_themes = [themes[i] or {} for i in labelled]
        seen = {t for labels in gold_themes for t in labels}
        theme_ids = [t for t in theme_order if t in seen] + sorted(seen - set(theme_order))
        for theme in theme_ids:
            if all(theme in labels for labels in gold_themes):
                raise ModelError(Errors.E212.format(theme=theme))
        self._fit_tfidf([item.text for item in inputs])
        self.themes_, self.rule_themes_, self.embeddings_sha256_ = theme_ids, list(rule_themes), None
        tfidf = self._tfidf_blocks([item.text for item in inputs])[1]
        report("features")
        with ThreadPoolExecutor(max_workers=self._workers()) as pool:
            self._fit_detection(tfidf[labelled], [inputs[i] for i in labelled], gold_themes, pool, report,
                                [groups[i] for i in labelled] if groups is not None else None)
            self._fit_polarity(tfidf[labelled], [inputs[i] for i in labelled], gold_themes, pool, report)
            self._fit_sentiment(tfidf, inputs, sentiments, pool, report, groups)
        self.n_train_ = len(inputs)
        return self

    def _workers(self) -> int:
        cores = os.cpu_count() or 1
        return max(1, cores if self.n_jobs is None or self.n_jobs < 0 else min(self.n_jobs, cores))

    def _folds(self, y: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Stratified, seeded folds (fewer when a class is rarer); none below two."""
        from sklearn.model_selection import StratifiedKFold

        n_splits = min(self.cv, int(np.unique(y, return_counts=True)[1].min())) if len(set(y)) > 1 else 0
        if n_splits < 2:
            return []
        return list(StratifiedKFold(n_splits, shuffle=True, random_state=self.random_state).split(np.zeros(len(y)), y))

    def _fit_detection(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput],
                       themes: Sequence[dict[str, str | None]], pool: ThreadPoolExecutor,
                       report: Callable[[str], None], groups: Sequence[str] | None = None) -> None:
        """One logistic regression per theme, its probabilities calibrated (Platt) and its
        thresholds chosen on cross-validated predictions: rule hits are kept unless the model is
        confidently against them, and model-only hits need `add_precision` (with
        `unseen_add_precision`, on each source left out too: `_unseen_check`)."""
        from sklearn.linear_model import LogisticRegression

        X = self._detection_features(tfidf, inputs)
        n = len(self.themes_)
        self.coef_, self.intercept_ = np.zeros((n, X.shape[1])), np.zeros(n)
        self.thresholds_, self.keep_thresholds_ = np.full(n, 0.5), np.full(n, 0.5)
        self.calibration_ = np.tile([1.0, 0.0], (n, 1))
        self.cv_scores_ = {"themes": {}}
        cv_predictions = np.zeros((len(inputs), n), dtype=bool)

        def make() -> Any:
            return LogisticRegression(C=self.C, class_weight="balanced", max_iter=5000, solver="liblinear",
                                      dual=self.detection_dual, random_state=self.random_state)

        gold = np.array([[t in labels for t in self.themes_] for labels in themes], dtype=bool).reshape(len(inputs), n)
        rules = set(self.rule_themes_)
        jobs = [cross_fit(make, X, gold[:, j], self._folds(gold[:, j]), pool) for j in range(n)]
        for j, (theme, job) in enumerate(zip(self.themes_, jobs)):
            y = gold[:, j]
            clf, z = job()
            self.coef_[j], self.intercept_[j] = clf.coef_[0], clf.intercept_[0]
            if z is not None:
                a, b = platt(z, y)
                self.calibration_[j] = a, b
                proba = sigmoid(a * z + b)
                if theme in rules:
                    hit = np.array([theme in item.rule_themes for item in inputs], dtype=bool)
                    self.thresholds_[j] = add_threshold(proba[~hit], y[~hit], self.add_precision)
                    self.keep_thresholds_[j] = drop_threshold(proba[hit], y[hit], self.drop_precision)
                    cv_predictions[:, j] = (proba >= self.thresholds_[j]) | (hit & (proba >= self.keep_thresholds_[j]))
                else:  # no rule can find it: the model alone decides, at its best F-beta
                    self.thresholds_[j] = self.keep_thresholds_[j] = best_threshold(proba, y, self.threshold_beta)
                    cv_predictions[:, j] = proba >= self.thresholds_[j]
            self.cv_scores_["themes"][theme] = prf(cv_predictions[:, j], y) | {
                "n": int(y.sum()), "add_above": float(self.thresholds_[j]),
                "drop_below": float(self.keep_thresholds_[j])}
            report(f"theme {theme}")
        # Some label sets give every comment a theme (SemEval's categories include a catch-all);
        # then a comment with no theme above its threshold still gets its most likely one.
        self.always_one_ = all(len(labels) > 0 for labels in themes)
        unseen = self.unseen_add_precision is not None or self.unseen_drop_precision is not None
        if unseen and groups is not None and len(set(groups)) > 1:
            self._unseen_check(X, gold, inputs, np.array(groups), make, pool, cv_predictions)
        self.cv_scores_["micro"] = prf(cv_predictions.ravel(), gold.ravel())

    def _unseen_check(self, X: sp.csr_matrix, gold: np.ndarray, inputs: Sequence[ModelInput], groups: np.ndarray,
                      make: Callable[[], Any], pool: ThreadPoolExecutor, cv_predictions: np.ndarray) -> None:
        """With `unseen_add_precision`: a theme whose finds without a rule hit, on each source left
        out in turn, were right less than that share of the time, or too few (<3) to tell, is left
        to the rules. With `unseen_drop_precision`: a theme whose drops of a rule hit, judged the
        same way, were right less than that share of the time (or too few to tell) keeps every rule
        hit: a drop threshold learnt in one kind of comment ("late" is a late payment in a complaint
        narrative) is not trusted on another ("my flight was delayed")."""
        hits = np.array([[theme in item.rule_themes for theme in self.themes_] for item in inputs], dtype=bool)
        adds = [j for j, theme in enumerate(self.themes_) if theme in self.rule_themes_ and self.thresholds_[j] < NEVER]
        drops = [j for j, theme in enumerate(self.themes_) if theme in self.rule_themes_ and self.keep_thresholds_[j] > 0]
        checked = sorted(set(adds if self.unseen_add_precision is not None else [])
                         | set(drops if self.unseen_drop_precision is not None else []))
        keep = self.keep_thresholds_ if self.unseen_drop_precision is not None else None
        counts = unseen_finds(make, X, gold, hits, groups, checked, self.calibration_, self.thresholds_, pool, keep)
        for j, (found, right, dropped, dropped_right) in counts.items():
            scores = self.cv_scores_["themes"][self.themes_[j]]
            if self.unseen_add_precision is not None and j in adds:
                scores["unseen_finds"] = {"found": found, "right": right}
                if not (found >= 3 and right >= self.unseen_add_precision * found):
                    self.thresholds_[j] = NEVER
                    cv_predictions[:, j] &= hits[:, j]
                    scores.update(prf(cv_predictions[:, j], gold[:, j]) | {"add_above": NEVER})
            if self.unseen_drop_precision is not None and j in drops:
                scores["unseen_drops"] = {"dropped": dropped, "right": dropped_right}
                # Dropping a hit the rules found needs more than adding one: the lower end of
                # the 95% interval of its precision, not the share itself (7 right drops of 7
                # on requests to support accounts were 4 right of 10 on other kinds of comment).
                interval = wilson_interval(dropped_right, dropped)
                if interval is None or interval[0] < 100 * self.unseen_drop_precision:
                    self.keep_thresholds_[j] = 0.0
                    cv_predictions[:, j] |= hits[:, j]
                    scores.update(prf(cv_predictions[:, j], gold[:, j]) | {"drop_below": 0.0})

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
                      themes: Sequence[dict[str, str | None]], pool: ThreadPoolExecutor,
                      report: Callable[[str], None]) -> None:
        from sklearn.linear_model import LogisticRegression

        self.polarity_classes_ = {}
        self.polarity_coef_ = {}
        self.polarity_intercept_ = {}
        correct = total = 0

        def make() -> Any:
            # liblinear (one-vs-rest) is ~50x faster than lbfgs's multinomial fit; a softmax follows either way.
            return one_vs_rest(LogisticRegression(C=self.polarity_C, solver="liblinear", dual=True, max_iter=5000,
                                                  random_state=self.random_state))

        started = []
        for j, theme in enumerate(self.themes_):
            rows = [i for i, labels in enumerate(themes) if labels.get(theme)]
            if not rows:
                continue
            y = np.array([themes[i][theme] for i in rows])
            subset = [inputs[i] for i in rows]
            X = self._head_features(tfidf[rows], self._vader(subset, self._local(subset, theme, j)))
            if len(set(y)) == 1:
                self.polarity_classes_[theme] = sorted(set(y))
                self.polarity_coef_[theme], self.polarity_intercept_[theme] = np.zeros((1, X.shape[1])), np.zeros(1)
                correct, total = correct + len(y), total + len(y)
                continue
            # Only the columns these comments use: the others' weights are zero at the optimum
            # anyway (L2), and lbfgs's cost grows with the columns it carries.
            columns = np.unique(X.indices)
            started.append((theme, y, X.shape[1], columns, cross_fit(make, X[:, columns], y, self._folds(y), pool)))
        for theme, y, width, columns, job in started:
            clf, z = job()
            if z is not None:
                predicted = clf.classes_[(z > 0).astype(int)] if z.ndim == 1 else clf.classes_[z.argmax(axis=1)]
                correct += int((predicted == y).sum())
                total += len(y)
            weights, intercept = coefficients(clf)
            coef = np.zeros((weights.shape[0], width))
            coef[:, columns] = weights
            self.polarity_classes_[theme] = [str(c) for c in clf.classes_]
            self.polarity_coef_[theme], self.polarity_intercept_[theme] = binary_as_two_rows(
                coef, intercept, len(clf.classes_))
            report(f"polarity {theme}")
        if total:
            self.cv_scores_["polarity_accuracy_on_gold_themes"] = round(correct / total, 4)

    def _fit_sentiment(self, tfidf: sp.csr_matrix, inputs: Sequence[ModelInput],
                       sentiments: Sequence[str | None] | None, pool: ThreadPoolExecutor,
                       report: Callable[[str], None], groups: Sequence[str] | None = None) -> None:
        """The overall sentiment head, its temperature (calibration) and the confidence above
        which it replaces VADER's label, both chosen on cross-validated predictions."""
        from sklearn.linear_model import LogisticRegression

        self.sentiment_classes_, self.sentiment_bias_ = [], np.zeros(0)
        self.sentiment_temperature_, self.sentiment_cut_ = 1.0, 0.0
        self.sentiment_cv_proba_ = None
        if not sentiments:
            return
        rows = [i for i, s in enumerate(sentiments) if s]
        y = np.array([sentiments[i] for i in rows])
        if len(set(y)) < 2:
            return
        subset = [inputs[i] for i in rows]
        X = self._head_features(tfidf[rows], self._sentiment_extra(subset))
        clf, z = cross_fit(lambda: one_vs_rest(LogisticRegression(
            C=self.sentiment_C, solver="liblinear", dual=True, max_iter=5000, random_state=self.random_state)),
            X, y, self._folds(y), pool)()
        self.sentiment_classes_, self.sentiment_bias_ = [str(c) for c in clf.classes_], np.zeros(len(clf.classes_))
        self.sentiment_coef_, self.sentiment_intercept_ = binary_as_two_rows(*coefficients(clf), len(clf.classes_))
        if z is not None:
            z = np.column_stack([-z / 2, z / 2]) if z.ndim == 1 else z
            self.sentiment_cv_proba_ = softmax(z)
            index = {c: k for k, c in enumerate(self.sentiment_classes_)}
            gold = np.array([index[label] for label in y])
            self.sentiment_temperature_ = temperature(z, gold)
            logits = z / self.sentiment_temperature_
            sources = np.array([groups[i] for i in rows]) if groups is not None else None
            self.sentiment_bias_ = class_bias(logits, gold, index.get("neutral") if self.neutral_prior else None, sources)
            proba = softmax(logits + self.sentiment_bias_)
            labels = np.array([banded(dict(zip(self.sentiment_classes_, p)))[0] for p in proba])
            vader = np.array([polarity_label(item.compound) for item in subset])
            self.sentiment_cut_ = confidence_cut(proba, labels == y, vader == y, sources)
            combined = np.where(proba.max(axis=1) >= self.sentiment_cut_, labels, vader)
            self.cv_scores_.update({f"sentiment_accuracy{key}": round(float(np.mean(predicted == y)), 4)
                                    for key, predicted in (("", labels), ("_vader", vader), ("_combined", combined))})
        report("sentiment")

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
            score = float(np.cumsum(coef[indices])[-1]) if indices else 0.0  # in order, as sum() adds
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
        self.__dict__.update(_sentence_cache={}, _vectors=None)
        try:
            return self._predict(inputs)
        finally:
            self.__dict__["_sentence_cache"] = {}
            self.__dict__.pop("_vectors", None)

    def _predict(self, inputs: Sequence[ModelInput]) -> list[Prediction]:
        words, tfidf = self._tfidf_blocks([item.text for item in inputs])
        scores = self._detection_features(tfidf, inputs) @ transposed(self.coef_) + self.intercept_
        proba = sigmoid(scores * self.calibration_[:, 0] + self.calibration_[:, 1])  # Platt, per theme
        # A rule hit stays unless the model is confidently against it; a theme the rules did
        # not find needs the (higher) probability at which the model alone was precise.
        found = proba >= self.thresholds_
        hit = rule_hits([item.rule_themes for item in inputs], self.themes_, 1.0).toarray() > 0
        found |= hit & (proba >= self.keep_thresholds_)
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
            word_block = self._words(heads)
            probs = softmax(linear(word_block, self._sentiment_extra(inputs), self.sentiment_coef_,
                                   self.sentiment_intercept_) / self.sentiment_temperature_ + self.sentiment_bias_)
            # The head speaks where it is confident and has read a word it knows; elsewhere
            # (None) the comment keeps VADER's label: no known word is no evidence, not negative.
            known = np.diff(word_block.indptr) > 0
            confident = probs.max(axis=1) >= self.sentiment_cut_
            labelled = iter(banded_rows(self.sentiment_classes_, probs[known & confident].tolist()))
            sentiments = [next(labelled) if s else None for s in (known & confident).tolist()]
        out = []
        for i, (row_found, row_proba) in enumerate(zip(found.tolist(), proba.tolist())):  # lists: no NumPy reads
            predictions = []
            for j, is_found in enumerate(row_found):
                if is_found:
                    label, value, best = polarity[(i, j)]
                    predictions.append(ThemePrediction(self.themes_[j], round(row_proba[j], 4), label, value, best))
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
            for i, b, (label, value) in zip(rows, best, banded_rows(classes, probs.tolist())):
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
        """The scores behind `predict` as probabilities, before calibration: what labelling
        (`feedback label`) reads to find the comments a model is least sure about.
        RETURNS (tuple): Theme probabilities (comments x `themes_`) and sentiment class
            probabilities (comments x `sentiment_classes_`, None without a sentiment head).
        RAISES (NotFittedError): The model was neither fitted nor loaded.
        """
        self._check_fitted("predict_proba", "coef_")
        words, tfidf = self._tfidf_blocks([item.text for item in inputs])
        # Uncalibrated: selection and the adapter's mixture were tuned so (calibrated, app 0.804 -> 0.764).
        proba = sigmoid(self._detection_features(tfidf, inputs) @ transposed(self.coef_) + self.intercept_)
        sentiment = None
        if self.sentiment_classes_:
            heads = words if self.polarity_words_only else tfidf
            sentiment = softmax(linear(self._words(heads), self._sentiment_extra(inputs), self.sentiment_coef_,
                                       self.sentiment_intercept_))
        return np.asarray(proba), sentiment
