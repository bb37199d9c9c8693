"""Sentiment: VADER on case-preserving sentence text, with a customer-experience lexicon on top.

VADER's rules are tuned on sentence-level text (its README), so we score sentences and clauses,
never whole comments, and derive a comment's compound from its sentences (see `combine`).
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import dataclass
from importlib import resources
from typing import Iterable

from vaderSentiment.vaderSentiment import NEGATE, N_SCALAR, SentimentIntensityAnalyzer

from .errors import Errors, LexiconError
from .hashtags import spell_out_hashtags
from .vader import VaderCompound

# VADER's README: "positive sentiment: compound score >= 0.05 ... negative sentiment: compound
# score <= -0.05". Its normalisation constant alpha is 15 (vaderSentiment.normalize).
POSITIVE_THRESHOLD = 0.05
NEGATIVE_THRESHOLD = -0.05
VADER_ALPHA = 15.0
# A compound of exactly +-1 has no finite raw sum; clamp so the inverse stays finite.
_MAX_COMPOUND = 0.9999

_NEGATORS = frozenset(NEGATE) | {"no", "n't"}
_WORD_RE = re.compile(r"[\w']+")
_KEY_RE = re.compile(r"\w+")
# Characters that only shape an emoji: variation selectors, skin tones, the zero-width joiner.
# VADER looks each character up alone, so "❤️" (a heart and U+FE0F) or "👍🏽" read as nothing.
# A social post's @handle names who it is written to, not how the writer feels: VADER strips the
# "@" and reads "@united" as the positive word "united" (+0.42 on "@united been waiting at the
# gate forever"). An email address ("me@united.com") is left alone.
_HANDLE = re.compile(r"(?<![\w.@])@\w+")
_EMOJI_SHAPERS = re.compile("[\ufe0e\ufe0f\u200d\U0001F3FB-\U0001F3FF]")


def _is_emoji_term(term: str) -> bool:
    """A lexicon term made of symbols only (no letters, digits or ASCII): an emoji."""
    return not term.isascii() and not any(ch.isalnum() for ch in term)


def polarity_of(compound: float) -> str:
    """Map a compound score to VADER's three labels.

    compound (float): A score in [-1, 1].
    RETURNS (str): "positive", "negative" or "neutral".
    """
    if compound >= POSITIVE_THRESHOLD:
        return "positive"
    if compound <= NEGATIVE_THRESHOLD:
        return "negative"
    return "neutral"


def _to_raw(compound: float) -> float:
    """Invert VADER's normalize(): the raw valence sum that yields this compound."""
    c = max(-_MAX_COMPOUND, min(_MAX_COMPOUND, compound))
    return c * math.sqrt(VADER_ALPHA / (1.0 - c * c))


def _to_compound(raw: float) -> float:
    return raw / math.sqrt(raw * raw + VADER_ALPHA)


def combine(compounds: Iterable[float]) -> float:
    """Derive one compound from several sentence compounds.

    Each sentence's compound is turned back into the raw valence sum VADER normalised, the sums
    are added, and the total is normalised again. That is what VADER itself does with the words
    of one sentence, so two mildly negative sentences make a more negative comment, and a strong
    sentence outweighs a faint one, while each sentence keeps its own "!" and CAPS emphasis.

    compounds (Iterable[float]): Sentence compounds in [-1, 1].
    RETURNS (float): The comment's compound, rounded to 4 places; 0.0 for no sentences.
    """
    raw = sum(_to_raw(c) for c in compounds)
    return round(_to_compound(raw), 4)


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One line of the domain lexicon."""

    term: str
    valence: float


def load_lexicon(path: str | None = None) -> list[LexiconEntry]:
    """Read a domain lexicon TSV (term, valence, optional note; '#' starts a comment).

    A term may hold alternatives in parentheses, each group giving one word or none:
    "(fixed|solved) (my|) problem" stands for "fixed my problem", "fixed problem", "solved my
    problem" and "solved problem", all with the line's valence.
    path (str | None): A file path; None reads the lexicon shipped with the package.
    RETURNS (list[LexiconEntry]): The entries in file order.
    RAISES (LexiconError): The file cannot be read, or a line is not term<TAB>valence.
    """
    if path is None:
        text = resources.files("feedback").joinpath("data/domain_lexicon.tsv").read_text("utf-8")
    else:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise LexiconError(Errors.E111.format(path=path, reason=e.strerror)) from None
        except UnicodeDecodeError:
            raise LexiconError(Errors.E111.format(path=path, reason="it is not UTF-8 text")) from None
    entries: list[LexiconEntry] = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t")
        try:
            valence = float(parts[1])
        except (IndexError, ValueError):
            raise LexiconError(Errors.E110.format(path=path or "(shipped)", lineno=lineno, line=line)) from None
        # NaN or a huge valence would turn every compound it touches into NaN (then no JSON).
        if not -4.0 <= valence <= 4.0:
            raise LexiconError(Errors.E114.format(path=path or "(shipped)", lineno=lineno, value=parts[1].strip()))
        entries.extend(LexiconEntry(term, valence) for term in _expand(parts[0].strip().lower()))
    return entries


_ALTERNATIVES = re.compile(r"\(([^()]*)\)")


def _expand(term: str) -> list[str]:
    """A lexicon term with its "(a|b|)" groups spelt out, spaces tidied."""
    groups = _ALTERNATIVES.findall(term)
    if not groups:
        return [term]
    fixed = _ALTERNATIVES.split(term)[::2]  # the text around the groups
    out = []
    for choice in itertools.product(*(group.split("|") for group in groups)):
        spelt = fixed[0] + "".join(word + rest for word, rest in zip(choice, fixed[1:]))
        out.append(" ".join(spelt.split()))
    return list(dict.fromkeys(out))


class SentimentScorer:
    """VADER plus the domain lexicon. Build once and reuse: VADER's __init__ reads two files."""

    def __init__(self, lexicon: list[LexiconEntry] | None = None) -> None:
        entries = load_lexicon() if lexicon is None else lexicon
        self.analyzer = SentimentIntensityAnalyzer()
        phrases = {}
        # Emoji whose valence the lexicon gives replace VADER's reading of their description
        # ("thumbs up" scores nothing in VADER's lexicon; "broken heart" scores positive).
        self._emoji_valence: dict[str, float] = {}
        for entry in entries:
            if _is_emoji_term(entry.term):  # one emoji a line; its shapers (skin tone...) dropped
                self._emoji_valence[_EMOJI_SHAPERS.sub("", entry.term)] = entry.valence
            elif " " in entry.term:
                phrases[entry.term] = entry.valence
            else:
                self.analyzer.lexicon[entry.term] = entry.valence
        self._emoji_chars = frozenset(self._emoji_valence)
        # Constructed after the domain words are in the lexicon: VADER's compound, except that a
        # negation stops at clause punctuation ("Nothing, everything was perfect" is positive).
        self.compound = VaderCompound(self.analyzer, clause_negation=True)
        self._phrase_valence = phrases
        # Longest first, so "never had any issues" wins over "no issues"-like overlaps.
        alternatives = sorted(phrases, key=len, reverse=True)
        # The phrase regex is slow to run on every sentence; a sentence can only match when it
        # holds each phrase's longest apostrophe-free word, which is quick to rule out.
        self._phrase_keys = frozenset(_key_word(p) for p in phrases)
        self._phrase_re = (
            re.compile(r"\b(" + "|".join(map(re.escape, alternatives)) + r")\b", re.IGNORECASE)
            if alternatives
            else None
        )

    def lexicon_words(self) -> list[str]:
        """The words and phrases the scorer knows (VADER's lexicon with the domain additions)."""
        return list(self.analyzer.lexicon)

    def score(self, text: str) -> float:
        """Score one sentence or clause.

        text (str): Case-preserving text; VADER reads CAPS and "!".
        RETURNS (float): The compound in [-1, 1], rounded to 4 places.
        """
        if "@" in text:
            text = _HANDLE.sub("", text)
        if "#" in text:  # "#nothappy" reads as "not happy"
            text = spell_out_hashtags(text)
        extra = 0.0
        if text.isascii():
            compound = self.compound(text)
        else:
            read = _EMOJI_SHAPERS.sub("", text)
            if not self._emoji_chars.isdisjoint(read):
                extra = sum(self._emoji_valence.get(ch, 0.0) for ch in read)
                read = "".join(ch for ch in read if ch not in self._emoji_chars)
            compound = self.compound(read)
        if self._phrase_re is None or self._phrase_keys.isdisjoint(_KEY_RE.findall(text.casefold())):
            return compound if extra == 0.0 else round(_to_compound(_to_raw(compound) + extra), 4)
        for m in self._phrase_re.finditer(text):
            valence = self._phrase_valence[m.group(1).lower()]
            if m.group(1).split()[0].lower() not in _NEGATORS and _negated_before(text, m.start()):
                valence *= N_SCALAR
            extra += valence
        if extra == 0.0:
            return compound
        return round(_to_compound(_to_raw(compound) + extra), 4)


def _key_word(phrase: str) -> str:
    return max(_KEY_RE.findall(phrase.casefold()), key=len)


def _negated_before(text: str, start: int, window: int = 3) -> bool:
    """Whether one of the `window` words before `start` is a negation (VADER's window)."""
    words = _WORD_RE.findall(text[:start][-60:].lower())
    return any(w in _NEGATORS or w.endswith("n't") for w in words[-window:])
