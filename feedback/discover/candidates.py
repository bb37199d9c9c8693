"""From topics to candidates: the filters that drop a topic (each with its reason), and the
naming of those kept (id, label, figures, examples). docs/discover.md explains the filters."""

from __future__ import annotations

import heapq
import re
import unicodedata
from operator import itemgetter
from typing import Any

import numpy as np

from .features import (
    LINKS,
    PARTICLES,
    is_covered,
    is_evaluative,
    opinion_words,
    themes_of,
)
from .results import Candidate, Dropped, Example
from .tally import Census, Tally
from .topics import N_TOP, TopicModel

# The filters, in the order they are applied (the size floor comes from `discover`):
MIN_COHERENCE = 0.05  # NPMI of the top words (`TopicModel.coherence`); below, they rarely meet
MAX_EVALUATIVE = 0.5  # share of top-term weight on opinion words ("cute, great, perfectly")
MAX_KNOWN = 0.5  # share of top-term weight on words the taxonomy already matches
MIN_KNOWN_LIFT = 3.0  # ... or one theme's rules tag MAX_KNOWN of its comments, this many times as often as all
MAX_SIMILARITY = 0.5  # cosine of two topics' term vectors from which the weaker is a duplicate
N_LEAD = 3  # ... or the first word of one is in the first N_LEAD terms of the other
_NON_ID_RE = re.compile(r"[^a-z0-9]+")
_SPACE_RE = re.compile(r"\s+")


def filter_topics(
    model: TopicModel,
    top: list[np.ndarray],
    term_cols: list[list[int]],
    surface: dict[str, str],
    tally: Tally,
    census: Census,
    covered: dict[str, set[str]],
    size_floor: int,
) -> tuple[list[int], list[Dropped]]:
    """Keep the topics that make good candidates; say why each other one was dropped. Topics
    are judged most coherent first, so of two duplicates the more coherent stays. On short
    comments coherence is not a test (`TopicModel.fit` says why), and their opinion and
    generic words were not modelled."""
    H, vocab = model.components_, model.vocabulary_
    evaluative = opinion_words()
    accepted: list[int] = []
    dropped: list[Dropped] = []
    # Judged most coherent first (of two duplicates the more coherent stays); on short comments,
    # where coherence says little (`TopicModel.fit`), the biggest first.
    order = (lambda t: (-int(tally.n[t]), t)) if model.short_texts else (lambda t: (-model.coherence_[t], t))
    for t in sorted(range(model.n_topics_), key=order):
        features = [vocab[j] for j in top[t][:N_TOP]]
        weights = H[t, top[t][:N_TOP]]
        label = ", ".join(surface[f] for f in features[:4])
        n = int(tally.n[t])
        reason = None
        if n < size_floor:
            reason = f"too small: {n} comments, fewer than {size_floor}"
        elif model.coherence_[t] < MIN_COHERENCE and not model.short_texts:
            reason = (f"incoherent: its top words rarely occur in the same comments "
                      f"(NPMI {model.coherence_[t]:.3f} < {MIN_COHERENCE})")
        elif (share := _weight_share(features, weights, lambda f: is_evaluative(f, evaluative))) >= MAX_EVALUATIVE:
            reason = f"evaluative: {share:.0%} of its top-term weight is opinion words"
        elif (known := _known(t, features, weights, covered, tally, census)) is not None:
            reason = known
        elif not term_cols[t]:
            reason = "no precise terms: none of its words is used mostly in its comments, so no rule could find them"
        elif (twin := next((a for a in accepted if float(H[t] @ H[a]) >= MAX_SIMILARITY), None)) is not None:
            twin_label = ", ".join(surface[vocab[j]] for j in top[twin][:4])
            reason = f"duplicate of the topic '{twin_label}' (cosine {float(H[t] @ H[twin]):.2f})"
        elif (twin := next((a for a in accepted if _same_subject(vocab, top[t], top[a])), None)) is not None:
            twin_label = ", ".join(surface[vocab[j]] for j in top[twin][:4])
            reason = f"duplicate of the topic '{twin_label}': one's first word is among the other's first {N_LEAD}"
        if reason is None:
            accepted.append(t)
        else:
            dropped.append(Dropped(label, reason, n))
    return accepted, dropped


def _same_subject(vocab: Any, top: np.ndarray, other: np.ndarray) -> bool:
    """Whether two topics are facets of one subject: the first word of either is a word of the
    other's first N_LEAD terms ("life, long, battery" and "battery, charge, hours"; "bluetooth,
    headset" and "headset, wireless"). Short comments split a subject so, by the words it is
    said with."""
    lead = [set(" ".join(vocab[j] for j in row[:N_LEAD]).split()) for row in (top, other)]
    first = [vocab[row[0]].split()[0] for row in (top, other)]
    return first[0] in lead[1] or first[1] in lead[0]


def _weight_share(features: list[str], weights: np.ndarray, test: Any) -> float:
    total = float(weights.sum())
    return float(sum(w for f, w in zip(features, weights) if test(f)) / total) if total else 0.0


def _known(
    t: int, features: list[str], weights: np.ndarray, covered: dict[str, set[str]], tally: Tally, census: Census
) -> str | None:
    """Why a topic is already a theme, or None: the taxonomy's words carry MAX_KNOWN of its
    top-term weight, or one theme's rules tag MAX_KNOWN of its comments, MIN_KNOWN_LIFT times as
    often as comments in general. Only rule tags count: a model generalises (the shipped one
    calls loyalty-points comments "personalization"), and the rules are what a taxonomy holds."""
    share = _weight_share(features, weights, lambda f: is_covered(f, covered))
    if share >= MAX_KNOWN:
        by_theme: dict[str, float] = {}
        for feature, weight in zip(features, weights):
            for theme in sorted(themes_of(feature, covered)):  # sorted: ties name themes reproducibly
                by_theme[theme] = by_theme.get(theme, 0.0) + float(weight)
        main = ", ".join(theme for theme, _ in heapq.nlargest(2, by_theme.items(), key=itemgetter(1)))
        return f"already a theme: {share:.0%} of its top-term weight is words the taxonomy matches ({main})"
    n = int(tally.n[t])
    for theme, counts in sorted(tally.rule_themes.items()):
        rate = counts[t] / n if n else 0.0
        base = census.rule_counts[theme] / census.n_considered if census.n_considered else 0.0
        if rate >= MAX_KNOWN and base and rate >= MIN_KNOWN_LIFT * base:
            return f"already a theme: the {theme} rules tag {rate:.0%} of its comments ({base:.0%} of all)"
    return None


def make_candidate(
    t: int,
    model: TopicModel,
    top: np.ndarray,
    term_cols: list[int],
    surface: dict[str, str],
    tally: Tally,
    census: Census,
    covered: dict[str, set[str]],
    taken: set[str],
    n_examples: int,
) -> Candidate:
    """Topic `t` as a candidate theme: an id not in `taken` (the taxonomy's ids and earlier
    candidates'), a label, its figures from the tally, its best examples and its terms."""
    H, vocab = model.components_, model.vocabulary_
    top_terms = tuple((surface[vocab[j]], round(float(H[t, j]), 4)) for j in top[:N_TOP])
    # Distinct words, strongest first, for the id and the label: one per lemma ("dress" and
    # "dressed up" give "dress"), as written when the word is a top term of its own.
    lemmas: list[str] = []
    for j in top[:N_TOP]:
        lemmas += [w for w in vocab[j].split() if w not in LINKS and w not in PARTICLES and w not in lemmas]
    words = [surface.get(lemma, lemma) for lemma in lemmas]
    theme_id = unique_id("_".join(w for w in map(_ascii_id, words[:2]) if w) or f"topic_{t + 1}", taken)
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
    shared = {surface[vocab[j]]: sorted(themes_of(vocab[j], covered))
              for j in term_cols if is_covered(vocab[j], covered)}
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


def unique_id(theme_id: str, taken: set[str]) -> str:
    """`theme_id`, or with the first suffix (_2, _3, ...) that makes it an id not in `taken`."""
    candidate, n = theme_id, 2
    while candidate in taken:
        candidate, n = f"{theme_id}_{n}", n + 1
    return candidate
