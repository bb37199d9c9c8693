"""`discover`: the steps of discovery in order, from analysed comments to candidate themes.

Pass 1 counts the comments and draws a seeded sample (`tally.take_census`); the sample's lemma
features (`features`) are fitted by TF-IDF + NMF (`topics`); each topic's terms are chosen
(`terms`); pass 2 assigns every comment to the topics (`tally.tally_corpus`); the filters keep
the good topics and name them (`candidates`).
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext

import numpy as np
from spacy.language import Language

from ..errors import DiscoveryError, Errors
from ..language import make_nlp
from ..themes import Taxonomy, load_taxonomy
from . import DEFAULT_SAMPLE, DEFAULT_SEED
from .candidates import filter_topics, make_candidate
from .corpus import CorpusDoc
from .features import (Featurizer, covered_words, drop_words, frequent_subjects, is_short, short_text_stop,
                       too_common)
from .results import Discovery
from .tally import Census, Spill, take_census, tally_corpus
from .terms import choose_terms
from .topics import N_TOP, TopicModel

MIN_DOCS = 30  # fewer comments than this hold nothing recurring
# The first filter: fewest comments in a candidate, MIN_SIZE or MIN_SHARE of the comments,
# whichever is more (the others are in `candidates`).
MIN_SIZE = 5
MIN_SHARE = 0.002


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

    corpus (Iterable[CorpusDoc]): The analysed comments. Read once (a list, twice): pass 2
        reads a temporary copy that pass 1 writes (`tally.Spill`). A one-shot iterator is read
        into a list.
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
    RAISES (DiscoveryError): A parameter out of range, or too few comments, or too little
        text, to model.
    """
    _check_at_least(1, n_topics=n_topics, sample=sample)
    _check_at_least(0, n_examples=n_examples, min_size=min_size)
    taxonomy = taxonomy if taxonomy is not None else load_taxonomy()
    nlp = nlp if nlp is not None else make_nlp()
    if iter(corpus) is corpus:  # a one-shot iterator cannot be read twice
        corpus = list(corpus)
    covered = covered_words(taxonomy, nlp)
    featurizer = Featurizer(nlp, exclude=covered if only_unthemed else ())

    # A list is read twice as it is; anything else (a file) once, pass 2 reading a spill of it.
    with _long_lived_state(), Spill() if not isinstance(corpus, list) else nullcontext() as spill:
        census = take_census(corpus, only_unthemed=only_unthemed, sample=sample, seed=seed, spill=spill)
        return _discover(census, spill if spill is not None else corpus, taxonomy, nlp, featurizer, covered,
                         n_topics=n_topics, only_unthemed=only_unthemed, seed=seed, n_examples=n_examples,
                         min_size=min_size)


def _discover(
    census: Census,
    corpus: Iterable[CorpusDoc],
    taxonomy: Taxonomy,
    nlp: Language,
    featurizer: Featurizer,
    covered: dict[str, set[str]],
    *,
    n_topics: int | None,
    only_unthemed: bool,
    seed: int,
    n_examples: int,
    min_size: int | None,
) -> Discovery:
    """`discover` once pass 1 has read the corpus: fit, choose terms, pass 2, filter, name."""
    if census.n_considered < MIN_DOCS:
        which = "comments with no theme" if only_unthemed else "comments"
        raise DiscoveryError(Errors.E401.format(n=census.n_considered, which=which, minimum=MIN_DOCS))
    fitted = census.sample
    # With their spellings, so that pass 2 does not featurize the sample again.
    # One memo of sentences for both passes: pass 2 looks up those the sample held.
    memo: dict[str, tuple[list[str], dict[int, str]]] = {}
    spelled = list(featurizer.pipe_spelled((d.text for d in fitted), memo=memo))
    fitted_features = [features for features, _ in spelled]
    background = list(featurizer.pipe((d.text for d in census.background), memo=memo))
    min_df = max(3, math.ceil(0.001 * len(fitted)))
    # How many comments each sampled one stands for, with no theme (or all) and with a theme.
    stands_for = (census.n_considered / len(fitted),
                  census.coverage.n_themed / len(background) if background else 0.0)
    short = is_short(fitted_features)
    frequent: tuple[tuple[str, float], ...] = ()
    if short:
        # A sentence is mostly about one thing, and on a sentence opinion and generic words
        # ("great", "works", "product") are most of what is said, with the corpus's own subject
        # ("phone"): left in, they become the topics. What is left out here is out of the
        # vocabulary, so pass 2 leaves it out too. (On long comments the cap of `too_common`
        # is near the vectorizer's max_df of 0.5, which applies.)
        common = too_common([(fitted_features, stands_for[0]), (background, stands_for[1])])
        stop = short_text_stop()
        frequent = frequent_subjects(fitted_features, common, stop, covered)
        fitted_features = drop_words(fitted_features, common, stop)
    model = TopicModel(n_topics=n_topics, min_df=min_df, short_texts=short, random_state=seed).fit(fitted_features)
    del fitted_features  # the model keeps what it needs; pass 2 featurizes the rest, chunk by chunk
    k = model.n_topics_
    top = [np.argsort(-model.components_[t], kind="stable")[: 3 * N_TOP] for t in range(k)]
    outside = None
    if background:
        # A rule applies to every comment: terms must be precise among those with a theme too.
        X_out = model.vectorizer_.transform(background)
        # How many comments each sampled one with a theme stands for, per one without.
        outside = (X_out, model.transform(X_out), stands_for[1] / stands_for[0])
    term_cols = choose_terms(model, top, outside)

    # When the sample holds every comment, pass 2 runs over it in memory and the input is read once.
    passes: Iterable[CorpusDoc] = fitted if census.n_considered == census.coverage.n_comments <= len(fitted) else corpus
    tally, surface = tally_corpus(passes, featurizer, model, top, term_cols, only_unthemed=only_unthemed,
                                  n_examples=n_examples, known=dict(zip(census.sample_rows, spelled)), memo=memo)
    del spelled

    size_floor = min_size if min_size is not None else max(MIN_SIZE, math.ceil(MIN_SHARE * census.n_considered))
    accepted, dropped = filter_topics(model, top, term_cols, surface, tally, census, covered, size_floor)
    taken = set(taxonomy.theme_ids)
    candidates = []
    for t in sorted(accepted, key=lambda t: (-tally.n_unthemed[t], -tally.n[t], t)):
        candidate = make_candidate(t, model, top[t], term_cols[t], surface, tally, census, covered, taken, n_examples)
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
        short_texts=short,
        frequent=frequent,
        seed=seed,
        taxonomy=f"{taxonomy.name} {taxonomy.version}",
    )


@contextmanager
def _long_lived_state() -> Iterator[None]:
    """What is built before discovery reads the corpus (spaCy's vocabulary, the taxonomy, the
    modules) is never garbage: frozen, the collector stops rescanning it on every full
    collection, and the young generation is collected less often. On 100k reviews the
    collector otherwise costs an eighth of the run."""
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, thresholds[1], thresholds[2])
    gc.freeze()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _check_at_least(minimum: int, **values: int | None) -> None:
    for name, value in values.items():
        if value is not None and value < minimum:
            raise DiscoveryError(Errors.E406.format(name=name, minimum=minimum, value=value))
