"""The terms written for a candidate: few, precise words and phrases that, as taxonomy rules,
find the topic's comments and not others."""

from __future__ import annotations

from typing import Any

import numpy as np

from .features import is_generic, opinion_words
from .topics import MIN_WEIGHT, TopicModel

# To be written, a term must belong to the topic (it carries at least this share of the term's
# weight in the model) ...
MIN_TERM_EXCLUSIVITY = 0.5
MIN_TERM_PRECISION = 0.5  # ... most comments holding it must be in the topic
MIN_TERM_LIFT = 2.0  # ... and that share be this many times the topic's share of all comments
MIN_TERM_GAIN = 0.02  # after three terms, a term must find this share of the topic's comments anew
MIN_TERM_SUPPORT = 3  # fewest of the topic's comments a term is in: a rarer word can be precise by chance
MAX_TERMS = 10


def choose_terms(
    model: TopicModel, top: list[np.ndarray], outside: tuple[Any, np.ndarray, float] | None = None
) -> list[list[int]]:
    """The terms to write for each topic: few, precise, and together finding its comments.

    Candidates are the topic's strongest features that belong to it (it accounts for at least
    MIN_TERM_EXCLUSIVITY of the term's modelled weight) and whose comments are mostly in it
    (precision >= MIN_TERM_PRECISION and >= MIN_TERM_LIFT times the topic's share). Opinion
    words ("perfect", "good") are left out: as rules they would tag praise, not a subject; and
    so are generic words ("product", "work", "look good"), which would tag any review. In
    order of weight, the first three held by MIN_TERM_SUPPORT of the topic's comments are
    kept, then a term only if it finds MIN_TERM_GAIN of the topic's comments that the terms
    before it missed, so words that merely keep the topic
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
            if model.exclusivity_[t, j] < MIN_TERM_EXCLUSIVITY or is_generic(vocab[j], opinions):
                continue
            if precision[t, j] < floors[t]:
                continue
            term_words = vocab[j].split()
            if len(term_words) > 1 and words.intersection(term_words):
                continue
            docs = binary.indices[binary.indptr[j]:binary.indptr[j + 1]]
            gain = int((~found[docs] & assigned[docs, t]).sum())
            if assigned[docs, t].sum() < MIN_TERM_SUPPORT:
                continue
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

