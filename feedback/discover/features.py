"""Features for discovery: comments as bags of lemmas and short lemma phrases, and the word
lists that judge them (stop words, opinion words, the words a taxonomy already matches)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from spacy.attrs import LOWER, NORM, ORTH, SPACY
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.tokens import Doc

from ..language import make_nlp
from ..redact import KINDS
from ..themes import Taxonomy

# spaCy's stop list is written for running text; in comments these name things people talk
# about ("a cute top", "the front desk", "a call back"), so they stay.
_TOPICAL = frozenset({"top", "bottom", "front", "back", "side", "call", "full", "empty", "name"})
# Fillers missing from spaCy's list ("bite" is the lookup table's lemma of "bit").
_FILLERS = frozenset({"like", "thing", "lot", "bit", "bite", "way", "etc", "ok", "okay", "yes", "yeah", "lol"})
STOP = frozenset((set(STOP_WORDS) - _TOPICAL) | _FILLERS)
# A phrase may end in a particle ("size up", "send back") ...
PARTICLES = frozenset({"up", "down", "out", "off", "back"})
# ... or bridge two content words with one linking word ("true to size", "lots of compliments").
LINKS = frozenset({"to", "of", "and", "in", "on", "for", "with"})
# Verbs that only say how someone feels about whatever the comment is about.
_OPINION_VERBS = frozenset({"love", "like", "hate", "dislike", "adore", "enjoy", "recommend", "disappoint"})
# What `--redact` put in place of PII: "[EMAIL]" is not the word "email", nor a topic.
_REDACTION_TOKEN = re.compile(r"\[(?:" + "|".join(KINDS) + r")\]")
# Words a review uses whatever it is about ("the product works", "I bought it", "no problem so
# far"): never a subject of their own, so never a term, and on short comments not modelled.
GENERIC = frozenset({
    "product", "item", "thing", "stuff", "purchase", "buy", "use", "work", "time", "problem", "issue",
    "want", "need", "think", "try", "find", "come", "look", "feel", "review", "star", "experience",
    "far", "new", "able", "expect", "receive", "sure", "device", "order", "overall", "actually",
    "know", "tell", "guess", "hope", "decide", "let", "start", "probably", "maybe", "right", "little",
    "soon", "later", "ago", "today", "anymore", "away", "leave", "day", "year",
})
# Verdicts that are nouns or verbs too ("it sucks", "a piece of junk", "impressed"), which the
# opinion words leave in because nouns and verbs usually name subjects.
_VERDICTS = frozenset({"suck", "impress", "crap", "junk", "waste", "fine", "cool", "awesome", "complaint"})
# Comments whose median count of distinct content words is at most this are short (one
# sentence or two): each is mostly about one subject, so discovery models them differently
# (docs/discover.md, "Short comments").
SHORT_MEDIAN_WORDS = 8
# A word that a comment of L content words holds with a higher chance than 1 - (1 - this)^L is
# the corpus's own subject ("phone" in phone reviews, "app" in app reviews), not one of its topics
# (`too_common`).
MAX_WORD_RATE = 0.025
_BREAK, _STOPWORD, _CONTENT = 0, 1, 2
# With a memo, `Featurizer.pipe` featurizes a repeated sentence once: sentences of at most
# MEMO_CHARS characters, up to MEMO_SIZE of them (at most some 40 MB), are remembered.
MEMO_CHARS = 300
MEMO_SIZE = 100_000
# A comment's features are its sentences' features, one after the other, when it is cut after
# ".", "!" or "?" and the spaces that follow: spaCy tokenizes the text between spaces on its
# own, and the token holding the mark is no word, so no phrase crosses it. Featurizing each
# distinct sentence once gives the comment's own features (tests/test_discover.py checks it on
# real reviews and complaints).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_SPELLING = [ORTH, NORM, LOWER, SPACY]


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

    def pipe(
        self,
        texts: Iterable[str],
        *,
        surfaces: dict[str, Counter[str]] | None = None,
        memo: dict[str, tuple[list[str], dict[int, str]]] | None = None,
    ) -> Iterator[list[str]]:
        """Featurize comments.

        texts (Iterable[str]): Comment texts.
        surfaces (dict[str, Counter] | None): When given, count here how each of its keys
            (features) is written, lowercased, to name features as people write them.
        memo (dict | None): Featurize a sentence once: sentences of MEMO_CHARS at most are kept
            here with their features, up to MEMO_SIZE of them, and a repeat is looked up.
            Real exports repeat short answers ("Good" 1,052 times in 12,000 app reviews) and
            sentences ("Love it!", "Runs small."). The same memo serves `pipe_spelled`.
        YIELDS (list[str]): Each comment's features, repeated as often as they occur (the
            same list for a repeated short text: do not change it).
        """
        for features, spelled in self.pipe_spelled(texts, memo=memo):
            if surfaces is not None:
                for j, feature in enumerate(features):
                    if feature in surfaces:
                        surfaces[feature][spelled.get(j, feature)] += 1
            yield features

    def pipe_spelled(
        self, texts: Iterable[str], *, memo: dict[str, tuple[list[str], dict[int, str]]] | None = None
    ) -> Iterator[tuple[list[str], dict[int, str]]]:
        """Featurize comments, keeping how each feature is written where that differs from it.

        texts (Iterable[str]): Comment texts.
        memo (dict | None): As for `pipe`.
        YIELDS (tuple[list[str], dict[int, str]]): Each comment's features, as `pipe` gives
            them, and {position in the features: lowercase spelling} for the features not
            written as their lemmas ("runs small" for "run small"): what `pipe` with
            `surfaces` counts for them, so the comment need not be featurized again (do not
            change either).
        """
        tokenizer: Any = self.nlp.tokenizer  # a Tokenizer; Language types it as a plain callable
        for text in texts:
            if "[" in text:
                text = _REDACTION_TOKEN.sub(" ", text)
            if memo is None:
                spelled: dict[int, str] = {}
                yield self._featurize(tokenizer(text), spelled), spelled
                continue
            sentences = _SENTENCE_END.split(text)
            if len(sentences) == 1:
                yield self._remembered(text, tokenizer, memo)
                continue
            features: list[str] = []
            spelled = {}
            for sentence in sentences:
                if not sentence:  # after a text's last mark and its trailing spaces
                    continue
                these, how = self._remembered(sentence, tokenizer, memo)
                for j, spelling in how.items():
                    spelled[len(features) + j] = spelling
                features += these
            yield features, spelled

    def _remembered(
        self, text: str, tokenizer: Any, memo: dict[str, tuple[list[str], dict[int, str]]]
    ) -> tuple[list[str], dict[int, str]]:
        found = memo.get(text)
        if found is None:
            spelled: dict[int, str] = {}
            found = (self._featurize(tokenizer(text), spelled), spelled)
            if len(text) <= MEMO_CHARS and len(memo) < MEMO_SIZE:
                memo[text] = found
        return found

    def _featurize(self, doc: Doc, spelled: dict[int, str]) -> list[str]:
        """A Doc's features; note in `spelled` how every feature not written as its lemmas is written."""
        exclude, cache, kind_of = self.exclude, self._kinds, self._kind
        # Reading the attributes as an array skips building a Token object per word, which was
        # most of the cost; NORM holds the lowercase lemma (`make_nlp`), and a word is written
        # as its lemma when LOWER is NORM.
        pairs = doc.to_array(_SPELLING).tolist()
        kinds = [cache.get((orth, norm)) or kind_of(orth, norm) for orth, norm, _, _ in pairs]
        n = len(kinds)
        out: list[str] = []
        for i, (norm, kind) in enumerate(kinds):
            if kind != _CONTENT:
                continue
            out.append(norm)
            if pairs[i][2] != pairs[i][1]:
                spelled[len(out) - 1] = self.nlp.vocab.strings[pairs[i][2]]
            if i + 1 == n:
                continue
            norm2, kind2 = kinds[i + 1]
            if kind2 == _CONTENT or (kind2 == _STOPWORD and norm2 in PARTICLES):
                phrase, end = f"{norm} {norm2}", i + 2
            elif kind2 == _STOPWORD and norm2 in LINKS and i + 2 < n and kinds[i + 2][1] == _CONTENT:
                phrase, end = f"{norm} {norm2} {kinds[i + 2][0]}", i + 3
            else:
                continue
            if phrase in exclude:
                continue
            out.append(phrase)
            # Written otherwise when a word is not its lemma or is not followed by one space.
            first, second = pairs[i], pairs[i + 1]
            if (first[2] != first[1] or second[2] != second[1] or not first[3]
                    or (end == i + 3 and (pairs[i + 2][2] != pairs[i + 2][1] or not second[3]))):
                spelled[len(out) - 1] = doc[i:end].text.lower()
        return out


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


def is_covered(feature: str, covered: dict[str, set[str]]) -> bool:
    """Whether the taxonomy's terms match a feature or one of its words (`covered_words`)."""
    return feature in covered or any(word in covered for word in feature.split())


def themes_of(feature: str, covered: dict[str, set[str]]) -> set[str]:
    """The existing themes whose terms match a feature or one of its words."""
    return set(covered.get(feature, ())).union(*(covered.get(word, ()) for word in feature.split()))


@functools.lru_cache(maxsize=1)
def short_text_stop() -> frozenset[str]:
    """The words not modelled on short comments: opinion words, GENERIC words, verdicts, and
    every other word of VADER's lexicon (|valence| >= 1) that is not a noun ("amaze",
    "disappoint", "rude"). Nouns VADER scores stay ("crash", "delay", "fraud", "support"): on
    a sentence they are what it is about.

    RETURNS (frozenset[str]): Lowercase lemmas.
    """
    from spacy.lookups import load_lookups
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    nouns = set(load_lookups("en", ["lemma_index"]).get_table("lemma_index")["noun"])
    lexicon = SentimentIntensityAnalyzer().lexicon
    scored = {w for w, v in lexicon.items() if w.isalpha() and abs(float(v)) >= 1.0 and w not in nouns}
    # "back" names a part of a garment but on a sentence is "I'll be back", "sent it back".
    return opinion_words() | GENERIC | _VERDICTS | frozenset(scored) | {"back"}


def is_short(features: list[list[str]]) -> bool:
    """Whether comments are short: the median comment holds at most SHORT_MEDIAN_WORDS
    distinct content words (features from `Featurizer.pipe`)."""
    counts = sorted(len({f for f in fs if " " not in f}) for fs in features)
    return bool(counts) and counts[len(counts) // 2] <= SHORT_MEDIAN_WORDS


def too_common(samples: list[tuple[list[list[str]], float]]) -> frozenset[str]:
    """The features too common to be a topic: those a comment of L distinct content words (the
    corpus's mean) holds with a higher chance than 1 - (1 - MAX_WORD_RATE)^L. That is about 10%
    of one-sentence reviews, where "phone" in 17% of phone reviews is the corpus's subject, and
    44% of reviews of a paragraph, where "dress" in 30% of clothing reviews is one of its topics.
    Counted over the whole corpus: with only_unthemed, a subject most comments with no theme
    share is new, not the corpus's own.

    samples (list[tuple[list[list[str]], float]]): Samples of comments' features (from
        `Featurizer.pipe`), each with how many comments each of its comments stands for.
    RETURNS (frozenset[str]): The features to leave out.
    """
    df: Counter[str] = Counter()
    n_docs = n_words = 0.0
    for features, weight in samples:
        for fs in features:
            seen = set(fs)
            df.update(dict.fromkeys(seen, weight))
            n_words += weight * sum(" " not in f for f in seen)
        n_docs += weight * len(features)
    if not n_docs:
        return frozenset()
    limit = n_docs * (1.0 - (1.0 - MAX_WORD_RATE) ** (n_words / n_docs))
    return frozenset(f for f, n in df.items() if n > limit)


def frequent_subjects(features: list[list[str]], common: frozenset[str], stop: frozenset[str],
                      covered: dict[str, set[str]]) -> tuple[tuple[str, float], ...]:
    """The single words left out as too common that could still be a subject worth a theme: not
    an opinion or generic word and not a word the taxonomy matches. The corpus's own subject
    ("hotel" in hotel reviews) is among them, but so may be its most talked-about aspect
    ("location" in 13% of hotel review titles): the report names them, as the model can not.

    features (list[list[str]]): The fitted sample's features, before the words are dropped.
    common (frozenset[str]): From `too_common`. stop: From `short_text_stop`.
    covered (dict[str, set[str]]): From `covered_words`.
    RETURNS (tuple[tuple[str, float], ...]): (word, share of the sample's comments holding it),
        most frequent first.
    """
    words = [w for w in common if " " not in w and w not in stop and w not in covered]
    if not words or not features:
        return ()
    df = Counter(w for fs in features for w in set(fs).intersection(words))
    return tuple(sorted(((w, round(n / len(features), 4)) for w, n in df.items()), key=lambda x: (-x[1], x[0])))


def drop_words(features: list[list[str]], features_out: frozenset[str], words: frozenset[str]) -> list[list[str]]:
    """Each comment's features without `features_out` and without those holding any of `words`
    ("great phone" goes with "great")."""
    return [[f for f in fs if f not in features_out and not any(w in words for w in f.split())] for fs in features]


def is_generic(feature: str, evaluative: frozenset[str]) -> bool:
    """Whether a feature says nothing of its own as a rule: all its words are GENERIC words,
    verdicts ("sucks") or opinion words ("look good", "work great")."""
    words = [w for w in feature.split() if w not in LINKS]
    return bool(words) and all(w in GENERIC or w in _VERDICTS or w in evaluative for w in words)


def is_evaluative(feature: str, evaluative: frozenset[str]) -> bool:
    # A phrase is evaluative when all its words are ("super cute"), not "fit great".
    words = [w for w in feature.split() if w not in LINKS]
    return bool(words) and all(w in evaluative for w in words)
