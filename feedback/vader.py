"""VADER's compound score, computed the way vaderSentiment 3.3.2 computes it, several times faster.

`SentimentIntensityAnalyzer.polarity_scores` spends most of its time on work whose result is
thrown away for the compound: it rebuilds the text one character at a time to look for emoji,
lower-cases every word several times, and re-lowers the whole sentence once per neighbour of
every sentiment word. `VaderCompound` keeps VADER's lexicon, constants and rules (each step below
names the method of vaderSentiment it follows) and does each piece of work once. Rare paths
("but" in the sentence) call VADER's own code.

It returns exactly what `polarity_scores(text)["compound"]` returns, for any text: that is
tested against vaderSentiment on real comments and on generated combinations of its rules
(tests/test_vader.py), and `benchmarks/vader_equivalence.py` checks every sentence of the
shared datasets.

One departure is offered, and feedback's scorer takes it: `clause_negation=True` ends a negation's
reach at clause punctuation. VADER negates a word up to three words after "no", "nothing", "not"
even across a comma, so survey answers such as "Nothing, everything was perfect" or "No, it was
great" score negative; with the option they score as the words after the comma say.
"""

from __future__ import annotations

import math
import string

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    C_INCR,
    NEGATE,
    N_SCALAR,
    SPECIAL_CASES,
    SentimentIntensityAnalyzer,
)

_PUNCTUATION = string.punctuation
_NEGATE = frozenset(NEGATE)
_SO_THIS = ("so", "this")


def _negated(word_lower: str) -> bool:
    """vaderSentiment.negated([word]) for one lower-cased word."""
    return word_lower in _NEGATE or "n't" in word_lower


class VaderCompound:
    """Callable: text -> VADER's compound score, rounded to 4 places as VADER rounds it.

    analyzer (SentimentIntensityAnalyzer): Its lexicon and emoji table are used as they are, so
        words added to `analyzer.lexicon` later count too.
    """

    def __init__(self, analyzer: SentimentIntensityAnalyzer, *, clause_negation: bool = False) -> None:
        self.analyzer = analyzer
        self.clause_negation = clause_negation
        self.lexicon = analyzer.lexicon
        self.emojis = analyzer.emojis
        self._keys = self.lexicon.keys()  # a live view: words added to the lexicon later count
        # polarity_scores compares one character at a time, so only one-character keys can match.
        self._emoji_chars = frozenset(k for k in self.emojis if len(k) == 1)

    def __call__(self, text: str) -> float:
        if not text.isascii() and not self._emoji_chars.isdisjoint(text):
            text = self._describe_emojis(text)
        text = text.strip()
        # SentiText._words_and_emoticons: strip punctuation unless that leaves <= 2 characters.
        if text.isascii():
            # ASCII lower-casing keeps lengths and punctuation, so the words can be lowered
            # before they are stripped; and stripping punctuation never changes isupper().
            lowers = [w if len(s := w.strip(_PUNCTUATION)) <= 2 else s for w in text.lower().split()]
            if not lowers or self._keys.isdisjoint(lowers):
                return 0.0  # no lexicon word: VADER's sum is 0 and normalize(0) is 0
            words = text.split()
        else:
            words = [w if len(s := w.strip(_PUNCTUATION)) <= 2 else s for w in text.split()]
            lowers = [w.lower() for w in words]
            if not lowers or self._keys.isdisjoint(lowers):
                return 0.0
        lexicon = self.lexicon
        n = len(lowers)
        sentiments: list[float] = [0] * n
        found = False
        # clause_negation: a negation at or before the last clause break before a word (a token
        # ending in , ; : ! ? or a lone dash) does not reach that word.
        ends = _clause_ends(text.split()) if self.clause_negation and _CLAUSE_MARKS.intersection(text) else None
        last_end = -1
        for i, low in enumerate(lowers):
            if ends is not None and i > 0 and ends[i - 1]:
                last_end = i - 1
            if low not in lexicon or low in BOOSTER_DICT:
                continue
            if low == "kind" and i < n - 1 and lowers[i + 1] == "of":
                continue
            found = True
            if last_end >= 0 and any(_negated(lowers[j]) or lowers[j] == "no" for j in range(max(0, i - 3), last_end + 1)):
                # Score the word as if the words up to the break were not there: VADER's rules
                # look back at most three words, so the tail from the break on decides.
                k = last_end + 1
                sentiments[i] = self._valence(words[k:], lowers[k:], i - k)
            else:
                sentiments[i] = self._valence(words, lowers, i)
        if not found:
            return 0.0
        if "but" in lowers:
            # It only reads the words lower-cased.
            sentiments = SentimentIntensityAnalyzer._but_check(lowers, sentiments)
        total = float(sum(sentiments))
        emphasis = self._punctuation_emphasis(text)
        if total > 0:
            total += emphasis
        elif total < 0:
            total -= emphasis
        compound = total / math.sqrt(total * total + 15)
        compound = -1.0 if compound < -1.0 else 1.0 if compound > 1.0 else compound
        return round(compound, 4)

    def _describe_emojis(self, text: str) -> str:
        """polarity_scores' emoji step: each emoji becomes its description, space-separated."""
        out = []
        prev_space = True
        for ch in text:
            description = self.emojis.get(ch)
            if description is not None:
                if not prev_space:
                    out.append(" ")
                out.append(description)
                prev_space = False
            else:
                out.append(ch)
                prev_space = ch == " "
        return "".join(out)

    def _is_cap_diff(self, words: list[str]) -> bool:
        """allcap_differential: some, but not all, words are ALL CAPS."""
        upper = sum(1 for w in words if w.isupper())
        return 0 < len(words) - upper < len(words)

    def _valence(self, words: list[str], lowers: list[str], i: int) -> float:
        """sentiment_valence for a lexicon word at position i."""
        lexicon = self.lexicon
        low = lowers[i]
        n = len(words)
        valence = lexicon[low]
        if low == "no" and i != n - 1 and lowers[i + 1] in lexicon:
            valence = 0.0
        if (
            (i > 0 and lowers[i - 1] == "no")
            or (i > 1 and lowers[i - 2] == "no")
            or (i > 2 and lowers[i - 3] == "no" and lowers[i - 1] in ("or", "nor"))
        ):
            valence = lexicon[low] * N_SCALAR
        cap_diff = None  # computed on first need: most sentences never ask
        if words[i].isupper():
            cap_diff = self._is_cap_diff(words)
            if cap_diff:
                valence = valence + C_INCR if valence > 0 else valence - C_INCR
        for start_i in range(3):
            j = i - (start_i + 1)
            if j < 0 or lowers[j] in lexicon:
                continue
            # scalar_inc_dec
            scalar = 0.0
            before = lowers[j]
            if before in BOOSTER_DICT:
                scalar = BOOSTER_DICT[before]
                if valence < 0:
                    scalar *= -1
                if words[j].isupper():
                    if cap_diff is None:
                        cap_diff = self._is_cap_diff(words)
                    if cap_diff:
                        scalar = scalar + C_INCR if valence > 0 else scalar - C_INCR
            if start_i == 1 and scalar != 0:
                scalar = scalar * 0.95
            if start_i == 2 and scalar != 0:
                scalar = scalar * 0.9
            valence = valence + scalar
            valence = _negation_check(valence, lowers, start_i, i)
            if start_i == 2:
                valence = _special_idioms_check(valence, lowers, i)
        # _least_check
        if i > 1 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            if lowers[i - 2] != "at" and lowers[i - 2] != "very":
                valence = valence * N_SCALAR
        elif i > 0 and lowers[i - 1] not in lexicon and lowers[i - 1] == "least":
            valence = valence * N_SCALAR
        return valence

    @staticmethod
    def _punctuation_emphasis(text: str) -> float:
        """_amplify_ep + _amplify_qm."""
        ep = min(text.count("!"), 4) * 0.292
        qm_count = text.count("?")
        qm = 0.0
        if qm_count > 1:
            qm = qm_count * 0.18 if qm_count <= 3 else 0.96
        return ep + qm


_CLAUSE_MARKS = frozenset(",;:!?-\u2013\u2014")


def _clause_ends(tokens: list[str]) -> list[bool]:
    """Per whitespace token: whether a clause ends with it."""
    return [t[-1] in ",;:!?" or t in ("-", "--", "\u2013", "\u2014") for t in tokens]


def _negation_check(valence: float, lowers: list[str], start_i: int, i: int) -> float:
    """SentimentIntensityAnalyzer._negation_check on pre-lowered words."""
    if start_i == 0:
        if _negated(lowers[i - 1]):
            valence = valence * N_SCALAR
    elif start_i == 1:
        if lowers[i - 2] == "never" and lowers[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lowers[i - 2] == "without" and lowers[i - 1] == "doubt":
            pass
        elif _negated(lowers[i - 2]):
            valence = valence * N_SCALAR
    else:
        if (lowers[i - 3] == "never" and lowers[i - 2] in _SO_THIS) or lowers[i - 1] in _SO_THIS:
            valence = valence * 1.25
        elif lowers[i - 3] == "without" and (lowers[i - 2] == "doubt" or lowers[i - 1] == "doubt"):
            pass
        elif _negated(lowers[i - 3]):
            valence = valence * N_SCALAR
    return valence


def _special_idioms_check(valence: float, lowers: list[str], i: int) -> float:
    """SentimentIntensityAnalyzer._special_idioms_check on pre-lowered words (i > 2)."""
    onezero = f"{lowers[i - 1]} {lowers[i]}"
    twoonezero = f"{lowers[i - 2]} {lowers[i - 1]} {lowers[i]}"
    twoone = f"{lowers[i - 2]} {lowers[i - 1]}"
    threetwoone = f"{lowers[i - 3]} {lowers[i - 2]} {lowers[i - 1]}"
    threetwo = f"{lowers[i - 3]} {lowers[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in SPECIAL_CASES:
            valence = SPECIAL_CASES[seq]
            break
    n = len(lowers)
    if n - 1 > i:
        zeroone = f"{lowers[i]} {lowers[i + 1]}"
        if zeroone in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroone]
    if n - 1 > i + 1:
        zeroonetwo = f"{lowers[i]} {lowers[i + 1]} {lowers[i + 2]}"
        if zeroonetwo in SPECIAL_CASES:
            valence = SPECIAL_CASES[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in BOOSTER_DICT:
            valence = valence + BOOSTER_DICT[n_gram]
    return valence
