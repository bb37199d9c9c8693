"""Themes: the rule matcher that finds a taxonomy's mentions in spaCy Docs.

Matching runs on lowercase lemmas with spaCy's PhraseMatcher and Matcher. Overlapping matches
are resolved longest-first, so a longer phrase decides a word's sense ("feel cheap" is quality,
"fast food" is ignored); a negation word shortly before a mention marks it negated.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from spacy.attrs import LOWER, NORM
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

# The taxonomy's data types and loader live in feedback.taxonomy; most callers meet them here.
from .taxonomy import (DEFAULT_TAXONOMY, IGNORE, REDACTION_TOKENS, Taxonomy, ThemeDef,  # noqa: F401
                       check_taxonomy_data, load_taxonomy)

_NORM_LOWER = [NORM, LOWER]
_NEAR = "__near__"  # phrase-matcher key prefix of an ignore_near rule's words
# A plain pattern is matched as the phrases it stands for up to this many of them.
MAX_EXPANDED = 20_000

@dataclass(frozen=True, slots=True)
class Match:
    """A theme found in a Doc: token range [start, end) and whether a negation governs it."""

    theme: str
    start: int
    end: int
    negation_start: int | None = None


@dataclass
class ThemeMatcher:
    """Finds taxonomy themes in Docs made by `language.make_nlp()`."""

    nlp: Language
    taxonomy: Taxonomy
    _phrases: PhraseMatcher = field(init=False, repr=False)
    _exact: PhraseMatcher = field(init=False, repr=False)
    # One Matcher per token pattern, run only on Docs that hold its required words.
    _pattern_groups: list[tuple[Matcher, list[frozenset[int]]]] = field(init=False, repr=False)
    _cues: dict[str, list[tuple[str, frozenset[str]]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        vocab = self.nlp.vocab
        self._phrases = PhraseMatcher(vocab, attr="NORM")
        self._exact = PhraseMatcher(vocab, attr="LOWER")
        # Terms are lemmatised by the same pipeline as the comments, so "waited" in a
        # taxonomy file matches "waits", and "Charged me" matches "charged me".
        lemma_docs = self._lemma_docs
        groups: list[tuple[Matcher, list[set[str]]]] = []
        self._phrases.add(IGNORE, lemma_docs(self.taxonomy.ignore + REDACTION_TOKENS))
        for theme in self.taxonomy.all_themes():
            if theme.terms:
                self._phrases.add(theme.id, lemma_docs(theme.terms))
            if theme.exact:
                self._exact.add(theme.id, list(self._tokenizer.pipe(t.lower() for t in theme.exact)))
            if theme.patterns:
                # One Matcher per pattern, so a Doc runs only the patterns whose words it holds
                # (per theme, a Doc with "app" ran all of quality's patterns: 13% slower on real text).
                for pattern in (_lower_lemmas(p) for p in theme.patterns):
                    expanded = _phrase_expansion(pattern)
                    if expanded is not None:
                        self._add_phrases(theme.id, *expanded)
                        continue
                    matcher = Matcher(vocab)
                    matcher.add(theme.id, [pattern])
                    required = _required_words(pattern)
                    groups.append((matcher, required))
        # The Matcher costs ~10us per Doc even when nothing matches, and its cost grows with
        # the patterns it holds on every token. A Doc can only match a pattern if, for each of
        # the pattern's required tokens that names its words, it holds one of those words; that
        # is quick to check on the Doc's word ids, so only the themes whose patterns could
        # match are run. (Only the order of one span's themes could tell the matchers apart:
        # they run in the taxonomy's order, as the patterns were added.)
        strings = vocab.strings

        def ids(pattern_words: list[set[str]]) -> list[frozenset[int]]:
            return [frozenset(strings.add(w) for w in words) for words in pattern_words]

        self._pattern_groups = [(matcher, ids(required)) for matcher, required in groups]
        # An index from each word to the patterns whose first required token it can be, so a
        # Doc checks only the patterns it could match, not all of them (a scan of every
        # pattern per Doc cost more than running the few that pass it).
        self._always: list[int] = []
        self._by_first_word: dict[int, list[int]] = {}
        for index, (_, required_ids) in enumerate(self._pattern_groups):
            if not required_ids:
                self._always.append(index)
                continue
            for word in required_ids[0]:
                self._by_first_word.setdefault(word, []).append(index)
        self._first_words = frozenset(self._by_first_word)
        # [matching].ignore_near: each rule's words are found by the phrase matcher that runs
        # anyway (key "__near<k>__"), so a Doc without them costs nothing more; a mention
        # holding them is then checked against its sentence.
        self._ignore_near = [
            (frozenset(self._lemma(w) for w in rule.near) | frozenset(w.lower() for w in rule.near),
             frozenset(rule.themes) or None, rule.alone)
            for rule in self.taxonomy.ignore_near
        ]
        for k, rule in enumerate(self.taxonomy.ignore_near):
            self._phrases.add(f"{_NEAR}{k}", lemma_docs(tuple(rule.words)))
        self._cues = {
            theme.id: [
                (sub.id, frozenset(self._lemma(c) for c in sub.cues))
                for sub in theme.subthemes
                if sub.cues
            ]
            for theme in self.taxonomy.themes
        }

    @property
    def _tokenizer(self) -> Any:
        return self.nlp.tokenizer  # a Tokenizer; spaCy types it as a plain callable

    def _add_phrases(self, key: str, attr: str, phrases: list[tuple[str, ...]]) -> None:
        """Phrases given word by word on one attribute (NORM: lemmas, or LOWER)."""
        vocab = self.nlp.vocab
        docs = [Doc(vocab, words=list(words)) for words in phrases]
        if attr == "NORM":
            for doc, words in zip(docs, phrases):
                for token, word in zip(doc, words):
                    token.norm_ = word
        (self._phrases if attr == "NORM" else self._exact).add(key, docs)

    def _lemma_docs(self, phrases: tuple[str, ...]) -> list[Doc]:
        return list(self._tokenizer.pipe(p.lower() for p in phrases))

    def _lemma(self, word: str) -> str:
        return " ".join(t.norm_ for t in self.nlp.tokenizer(word.lower()))

    def find(self, doc: Doc) -> list[Match]:
        """Find theme mentions in a Doc.

        doc (Doc): A Doc from `make_nlp()` (lemmas set).
        RETURNS (list[Match]): Non-overlapping mentions in text order; a span listed under two
            themes yields one match for each.
        """
        strings = doc.vocab.strings
        matchers: list[PhraseMatcher | Matcher] = [self._phrases, self._exact]
        if self._pattern_groups:
            words = set(doc.to_array(_NORM_LOWER).ravel().tolist())
            indices = set(self._always)
            for word in self._first_words.intersection(words):
                indices.update(self._by_first_word[word])
            groups = self._pattern_groups
            for index in sorted(indices):  # in the taxonomy's order, as the patterns were added
                matcher, required_ids = groups[index]
                if all(not ids.isdisjoint(words) for ids in required_ids):
                    matchers.append(matcher)
        candidates = [
            (strings[key], start, end)
            for matcher in matchers
            if len(matcher)
            for key, start, end in matcher(doc)
        ]
        near_words = [c for c in candidates if c[0].startswith(_NEAR)] if self._ignore_near else []
        if near_words:
            candidates = [c for c in candidates if not c[0].startswith(_NEAR)]
        if not candidates:
            return []
        # Longest first; on equal length IGNORE first (it exists to block a sense), then earliest.
        candidates.sort(key=lambda c: (c[1] - c[2], c[0] != IGNORE, c[1]))
        taken = [False] * len(doc)
        accepted: dict[tuple[int, int], list[str]] = {}
        for theme, start, end in candidates:
            span = (start, end)
            if span in accepted:
                if IGNORE not in accepted[span] and theme not in accepted[span]:
                    accepted[span].append(theme)
                continue
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            accepted[span] = [theme]
        matches = []
        for (start, end), themes in sorted(accepted.items()):
            if IGNORE in themes:
                continue
            negation_start = self._negation(doc, start)
            for theme in _drop_parents(themes):
                if not (near_words and self._voided(doc, theme, start, end, near_words)):
                    matches.append(Match(theme, start, end, negation_start))
        return matches

    def _voided(self, doc: Doc, theme: str, start: int, end: int, near_words: list[tuple[str, int, int]]) -> bool:
        """Whether an [matching].ignore_near rule voids this mention: one of the rule's words
        lies inside it (or, for an `alone` rule, is all of it) and one of its `near` lemmas in the
        same sentence."""
        parent = theme.split("/", 1)[0]
        sentence: set[str] | None = None
        for key, word_start, word_end in near_words:
            if not start <= word_start < word_end <= end:
                continue
            near, themes, alone = self._ignore_near[int(key[len(_NEAR):])]
            if (themes is not None and parent not in themes) or (alone and (word_start, word_end) != (start, end)):
                continue
            if sentence is None:
                sent = doc[start].sent
                sentence = {t.norm_ for t in sent} | {t.lower_ for t in sent}
            if not near.isdisjoint(sentence):
                return True
        return False

    def has_cues(self, theme: str) -> bool:
        """Whether `refine` can turn this top-level theme into one of its subthemes."""
        return bool(self._cues.get(theme))

    def refine(self, theme: str, lemmas: set[str]) -> str:
        """Turn a bare top-level mention into a subtheme when its clause holds one of its cues.

        theme (str): The matched theme id.
        lemmas (set[str]): Lowercase lemmas of the mention's clause.
        RETURNS (str): "<id>/<sub>" for the first subtheme whose cue is present, else `theme`.
        """
        for sub_id, cues in self._cues.get(theme, ()):
            if cues & lemmas:
                return sub_id
        return theme

    def _negation(self, doc: Doc, start: int) -> int | None:
        """Index of a negation word within the window before `start`, in the same sentence."""
        negations = self.taxonomy.negations
        if start == 0 or doc[start].is_sent_start:
            return None
        for i in range(start - 1, max(0, start - self.taxonomy.negation_window) - 1, -1):
            token = doc[i]
            if token.norm_ in negations or token.lower_ in negations:
                return i
            # A clause boundary or contrast ends the scope of a negation ("no bot, but fast").
            if token.is_punct or token.is_sent_start or token.lower_ in ("but", "however", "although"):
                return None
        return None


def _lower_lemmas(pattern: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """Point a pattern's LEMMA at NORM, where the pipeline keeps lowercase lemmas."""
    out = []
    for token in pattern:
        token = dict(token)
        value = token.pop("LEMMA", None)
        if isinstance(value, str):
            token["NORM"] = value.lower()
        elif isinstance(value, dict) and "IN" in value:
            token["NORM"] = {**value, "IN": [v.lower() for v in value["IN"]]}
        elif value is not None:
            token["NORM"] = value
        out.append(token)
    return out


def _phrase_expansion(pattern: list[dict[str, Any]]) -> tuple[str, list[tuple[str, ...]]] | None:
    """The phrases a pattern of plain tokens matches: each token one word or a list of words, all
    on NORM or all on LOWER, lowercase letters only, no operator. A PhraseMatcher finds them by a
    hash look-up per token where the Matcher walks every pattern state over every token ("great"
    + "phone" style patterns made matching 2.4x slower on clothing reviews). None when the
    pattern is more than that or would give more than MAX_EXPANDED phrases."""
    attr, choices = None, []
    for token in pattern:
        if len(token) != 1 or next(iter(token)) not in ("NORM", "LOWER") or attr not in (None, next(iter(token))):
            return None
        attr, value = next(iter(token.items()))
        words = [value] if isinstance(value, str) else value.get("IN") if isinstance(value, dict) and set(value) == {"IN"} else None
        if not words or not all(isinstance(w, str) and w.isalpha() and w == w.lower() for w in words):
            return None
        choices.append(list(dict.fromkeys(words)))
    if attr is None or math.prod(len(c) for c in choices) > MAX_EXPANDED:
        return None
    return attr, list(itertools.product(*choices))


def _required_words(pattern: list[dict[str, Any]]) -> list[set[str]]:
    """For each token a match of `pattern` must contain that names its NORM, LOWER or ORTH
    values, those values (lowercase too, for ORTH). A pattern with none of them gives [],
    which every Doc satisfies. Optional ("?", "*") and negated ("!") tokens require nothing.
    """
    required = []
    for token in pattern:
        if token.get("OP") not in (None, "1", "+"):
            continue
        for attr in ("NORM", "LOWER", "ORTH"):
            value = token.get(attr)
            words = {value} if isinstance(value, str) else set(value["IN"]) if isinstance(value, dict) and "IN" in value else None
            if words is not None:
                if attr == "ORTH":
                    words |= {w.lower() for w in words}
                required.append(words)
                break
    return required


def _drop_parents(themes: list[str]) -> list[str]:
    """When a span is both "speed" and "speed/waiting", keep only the more specific one."""
    if len(themes) == 1:
        return themes
    return [t for t in themes if not any(o.startswith(t + "/") for o in themes)]
