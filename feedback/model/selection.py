"""Choosing the comments worth labelling: spread over the export like it is, and (once the
model has learned from some labels) uncertain for the model.

Active learning by "stratify, then uncertainty": every candidate comment is clustered by k-means
on its TF-IDF vector (reduced by SVD) into one cluster per COMMENTS_PER_CLUSTER comments
wanted, and each cluster gives its share of the comments, in proportion to its size. Within a
cluster they are drawn at random in the first round: a model that has not seen this kind of
comment is unsure of the wrong ones, and labels chosen for its doubts (or for being typical of
a cluster, the previous recipe) are a skewed sample that models adapted on them learn, behind
random picks at 50 labels. A stratified random sample is as representative as a random one
in expectation, with less spread. From the second round the model's doubts (the margin
between its two likeliest sentiment classes, and how close its least decided theme is to a
coin toss) weigh labelled / (labelled + wanted) beside the random draw, and only reorder
comments within a cluster, so the labels keep the export's mix of topics (`benchmarks/learning_curve.py`
measures it against random picks).

Left out before choosing: comments the pipeline's screening skips (non-answers, other
languages), empty ones, duplicates (same text once lowercased and stripped of punctuation and
spaces: the first is kept), and comments already labelled (by id or by text), so labelling can
go in rounds. The same comments, model and seed give the same choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ..errors import Errors, InputError
from ..pipeline import model_input
from ..records import AnalyzedRecord

SVD_DIMENSIONS = 64
# Comments chosen per k-means cluster on average: strata big enough that drawing in proportion
# to their sizes keeps the export's mix, small enough to spread the labels over its topics.
COMMENTS_PER_CLUSTER = 5
_NOT_WORD = re.compile(r"[\W_]+")


def normalised_text(text: str) -> str:
    """The text as duplicates are found: lowercase words, no punctuation, single spaces."""
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


@dataclass
class Selection:
    """The comments chosen for labelling, and what was left out before choosing.

    records (list[AnalyzedRecord]): The chosen comments, most uncertain first.
    uncertainty (list[float]): Each one's uncertainty in [0, 1].
    left_out (dict[str, int]): Reason -> comments ("skipped", "empty", "duplicate", "labelled").
    n_candidates (int): Comments that could have been chosen.
    """

    records: list[AnalyzedRecord]
    uncertainty: list[float]
    left_out: dict[str, int] = field(default_factory=dict)
    n_candidates: int = 0


def select_for_labelling(
    records: Iterable[AnalyzedRecord],
    model: Any,
    n: int,
    *,
    seed: int = 0,
    labelled_ids: Iterable[str] = (),
    labelled_texts: Iterable[str] = (),
) -> Selection:
    """Choose `n` comments whose labels would teach `model` the most.

    records (Iterable[AnalyzedRecord]): The comments as the pipeline analysed them (screened).
    model (ThemeModel | AdaptedModel): The model to improve; read through `predict_proba`.
    n (int): How many to choose (fewer if fewer are left).
    seed (int): The same comments, model and seed give the same choice.
    labelled_ids, labelled_texts (Iterable[str]): Comments already labelled, left out.
    RETURNS (Selection): The chosen records and what was left out.
    RAISES (InputError): No comment is left to choose from.
    """
    ids, texts = set(labelled_ids), {normalised_text(t) for t in labelled_texts}
    left_out = {"skipped": 0, "empty": 0, "duplicate": 0, "labelled": 0}
    candidates: list[AnalyzedRecord] = []
    seen: set[str] = set()
    total = 0
    for record in records:
        total += 1
        key = normalised_text(record.text)
        if record.skipped is not None:
            left_out["skipped"] += 1
        elif not key:
            left_out["empty"] += 1
        elif record.id in ids or key in texts:
            left_out["labelled"] += 1
        elif key in seen:
            left_out["duplicate"] += 1
        else:
            seen.add(key)
            candidates.append(record)
    if not candidates:
        reasons = ", ".join(f"{v} {k}" for k, v in left_out.items() if v) or "nothing"
        raise InputError(Errors.E224.format(n=total, reasons=reasons))
    uncertainty = model_uncertainty(model, [model_input(r) for r in candidates])
    chosen = choose(uncertainty, [r.text for r in candidates], n, seed=seed, labelled=left_out["labelled"])
    return Selection([candidates[i] for i in chosen], [round(float(uncertainty[i]), 4) for i in chosen],
                     left_out, len(candidates))


def model_uncertainty(model: Any, inputs: Sequence[Any]) -> np.ndarray:
    """Per comment, how unsure the model is: the mean of its sentiment margin's complement and
    of its least decided theme's closeness to 0.5, each in [0, 1].

    model (Any): Has `predict_proba(inputs) -> (theme probabilities, sentiment probabilities)`.
    inputs (Sequence[ModelInput]): The comments.
    RETURNS (np.ndarray): One value per comment.
    """
    if not inputs:
        return np.zeros(0)
    themes, sentiment = model.predict_proba(inputs)
    parts = []
    if sentiment is not None and sentiment.shape[1] >= 2:
        top = np.sort(sentiment, axis=1)
        parts.append(1.0 - (top[:, -1] - top[:, -2]))
    if themes.shape[1]:
        parts.append(np.max(1.0 - np.abs(2.0 * themes - 1.0), axis=1))
    if not parts:
        return np.zeros(len(inputs))
    return np.asarray(np.mean(parts, axis=0))


def choose(uncertainty: np.ndarray, texts: Sequence[str], n: int, *, seed: int = 0, labelled: int = 0) -> list[int]:
    """Indices of `n` comments drawn from k-means clusters in proportion to their sizes: at
    random within a cluster in the first round, then preferring the uncertain (see
    `uncertainty_share`).

    uncertainty (np.ndarray): Per comment, higher is more worth labelling.
    texts (Sequence[str]): The comments' texts (for their TF-IDF vectors).
    n (int): How many to choose.
    seed (int): Seeds k-means, the SVD and the draw within clusters.
    labelled (int): How many comments were labelled before (0: the first round).
    RETURNS (list[int]): Indices into `texts`, most uncertain first.
    """
    n = min(n, len(texts))
    if n <= 0:
        return []
    uncertainty = np.asarray(uncertainty, dtype=float)
    if len(texts) <= n:
        return sorted(range(len(texts)), key=lambda i: (-float(uncertainty[i]), i))
    # Clustered in the input's order, so the first round's choice does not depend on uncertainty.
    labels = _clusters(texts, max(1, n // COMMENTS_PER_CLUSTER), seed)
    quotas = proportional_quotas(np.bincount(labels), n)
    # A stratified random sample is as representative as a random one in expectation, and the
    # model's doubts only reorder comments inside a stratum, so they cannot skew the labels'
    # mix of topics. Doubts and the random draw are both ranks in [0, 1] to weigh alike.
    share = uncertainty_share(labelled, n)
    draw = np.random.default_rng(seed).random(len(texts))
    doubt = _ranks(uncertainty)
    worth = share * doubt + (1.0 - share) * draw
    chosen: list[int] = []
    for cluster, quota in enumerate(quotas):
        members = np.flatnonzero(labels == cluster)
        # Ties broken by position, so equal worth keeps the input's order.
        best = members[np.lexsort((members, -worth[members]))]
        chosen += [int(i) for i in best[:quota]]
    return sorted(chosen, key=lambda i: (-float(uncertainty[i]), i))


def proportional_quotas(sizes: np.ndarray, n: int) -> list[int]:
    """How many of `n` comments each cluster gives: its share of the comments, rounded by
    largest remainder (ties to the larger cluster), never more than it holds.

    sizes (np.ndarray): Comments per cluster (summing to at least `n`).
    n (int): Comments wanted.
    RETURNS (list[int]): One quota per cluster, summing to `n`.
    """
    exact = sizes * n / max(int(sizes.sum()), 1)
    quotas = np.minimum(np.floor(exact).astype(int), sizes)
    order = np.lexsort((-sizes, -(exact - quotas)))
    while quotas.sum() < n:
        progressed = False
        for c in order:
            if quotas.sum() >= n:
                break
            if quotas[c] < sizes[c]:
                quotas[c] += 1
                progressed = True
        if not progressed:
            break
    return [int(q) for q in quotas]


def _ranks(values: np.ndarray) -> np.ndarray:
    """Each value's rank among all, scaled to [0, 1] (ties share their mean rank)."""
    from scipy.stats import rankdata

    if len(values) < 2:
        return np.zeros(len(values))
    return (rankdata(values, method="average") - 1.0) / (len(values) - 1)


def uncertainty_share(labelled: int, n: int) -> float:
    """How much uncertainty weighs beside typicality when `n` comments are chosen and
    `labelled` were labelled before: nothing in the first round (the model has not seen this
    data, so what it finds uncertain is not what it gets wrong), then labelled / (labelled + n)."""
    return labelled / (labelled + n) if labelled + n else 0.0


def _clusters(texts: Sequence[str], k: int, seed: int) -> np.ndarray:
    """k-means cluster labels of the texts' TF-IDF vectors (SVD-reduced, unit length)."""
    from sklearn.cluster import KMeans
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    try:
        X = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=1).fit_transform(texts)
    except ValueError:  # no words at all (numbers, emoji): one stratum
        return np.zeros(len(texts), dtype=int)
    if X.shape[1] > SVD_DIMENSIONS and len(texts) > SVD_DIMENSIONS:
        X = normalize(TruncatedSVD(SVD_DIMENSIONS, random_state=seed).fit_transform(X))
    else:
        X = X.toarray()
    k = min(k, X.shape[0])
    labels = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(X).labels_
    # k-means can leave a cluster empty; renumbered so every label has members.
    return np.unique(labels, return_inverse=True)[1].astype(int)
