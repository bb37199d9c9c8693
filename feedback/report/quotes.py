"""Choosing the comments a report quotes: bounded, de-duplicated, confident, highlighted on words.

A theme's exemplars are the comments that say most clearly what the theme's figures say, not the
comments with the most extreme compound: VADER scores "Oh great, another hour on hold. Just
wonderful." +0.9 while the rules read a complaint about waiting. A quote is *confident* when one
of its mentions of the theme comes from the taxonomy rules or from the model with a probability
of at least CONFIDENT_PROBABILITY, the mention's sentence has the same polarity as the side it is
quoted for (its compound agrees with the mention), and the comment's score does not contradict it
(a low score is no positive exemplar, a high score no negative one). Confident quotes always rank
before the others; among them the clearest sentiment first (to one decimal), then the shorter
comment, then input order. The same
normalised text is quoted once per theme and side, however often an export repeats it.
"""

from __future__ import annotations

import heapq
import re
from typing import Any, Callable, NamedTuple

from ..sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD

QUOTE_CHARS = 300  # longer comments are cut to the sentences around the mentions
CONFIDENT_PROBABILITY = 0.8  # a model-only mention at least this probable is confident evidence
_WORD = re.compile(r"\w+")


class Mention(NamedTuple):
    """What a quote needs of one theme mention."""

    start: int
    end: int
    sentence: int
    sentiment: float
    rule: bool  # found by the taxonomy rules: its evidence is words, worth highlighting
    probability: float | None  # the model's probability, when the model found or confirmed it


class TopK:
    """The k items with the smallest keys pushed so far, in O(k) memory, each identity once.

    Items are built lazily by a callable, so comments that would not make the cut cost nothing.
    Keys must be tuples of numbers; ties are broken by the later key elements.
    """

    def __init__(self, k: int) -> None:
        self.k = k
        self._heap: list[tuple[tuple[float, ...], str, Any]] = []  # max-heap through negated keys
        self._held: set[str] = set()
        # The key an item must beat once k are kept (None until then): `wants` runs for most
        # comments of a large file, and comparing one tuple is most of what it costs; a caller
        # may read it to turn an item down before building its key.
        self.worst: tuple[float, ...] | None = None if k > 0 else ()

    def wants(self, key: tuple[float, ...]) -> bool:
        """Whether an item with this key would be kept."""
        worst = self.worst
        return worst is None or key < worst

    def push(self, key: tuple[float, ...], make_item: Callable[[], Any], identity: Callable[[], str] | None = None) -> None:
        """Offer an item; `make_item` is called only when it is kept.

        identity (Callable | None): Computes what makes two items the same (a normalised text); an
            item whose identity is already kept is dropped.
        """
        if not self.wants(key):
            return
        ident = identity() if identity is not None else ""
        if ident and ident in self._held:
            return
        entry = (tuple(-x for x in key), ident, make_item())
        if len(self._heap) < self.k:
            heapq.heappush(self._heap, entry)
        else:
            self._held.discard(heapq.heapreplace(self._heap, entry)[1])
        if ident:
            self._held.add(ident)
        if len(self._heap) == self.k:
            # Negating every element reverses the lexicographic order: the heap's top is the worst.
            self.worst = tuple(-x for x in self._heap[0][0])

    def items(self) -> list[Any]:
        """The kept items, smallest key first."""
        return [item for _, _, item in sorted(self._heap, key=lambda e: tuple(-x for x in e[0]))]


def normalised(text: str) -> str:
    """The words of a text, lower-cased: what makes two comments the same quote."""
    return " ".join(_WORD.findall(text.lower()))


def quote_key(
    mentions: list[Mention], sentiment: float, sentences: list[Any], contradicted: bool, length: int, order: int
) -> tuple[str, tuple[float, ...]] | None:
    """The side a comment is quoted on for a theme and its rank there (smaller is better).

    mentions (list[Mention]): The comment's mentions of the theme.
    sentiment (float): The comment's mean mention sentiment for the theme.
    sentences (list): The record's sentences (their compound is checked against the mention).
    contradicted (bool): The comment's score says the opposite of the side (a high score for a
        negative quote, a low one for a positive quote; see `feedback.stats.score_level`).
    length (int): Characters of the comment.
    order (int): Input position, the last tie-break.
    RETURNS (tuple | None): ("negative" | "positive", key), None for a neutral mention.
    """
    if sentiment <= NEGATIVE_THRESHOLD:
        side, sign = "negative", -1.0
    elif sentiment >= POSITIVE_THRESHOLD:
        side, sign = "positive", 1.0
    else:
        return None
    agreeing = [m for m in mentions if _confident(m) and _agrees(m, sign, sentences)]
    confident = bool(agreeing) and not contradicted
    strength = max((sign * m.sentiment for m in agreeing), default=sign * sentiment)
    # Strength to one decimal: among comments about as clear, the shorter one quotes better.
    return side, (0.0 if confident else 1.0, -round(strength, 1), float(length), float(order))


def _confident(mention: Mention) -> bool:
    return mention.rule or (mention.probability is not None and mention.probability >= CONFIDENT_PROBABILITY)


def _agrees(mention: Mention, sign: float, sentences: list[Any]) -> bool:
    """The mention and its sentence's compound point the same way as the side."""
    if sign * mention.sentiment < POSITIVE_THRESHOLD:
        return False
    if 0 <= mention.sentence < len(sentences) and isinstance(sentences[mention.sentence], dict):
        compound = sentences[mention.sentence].get("compound")
        if isinstance(compound, (int, float)):
            return sign * compound >= POSITIVE_THRESHOLD
    return True


def highlight_spans(text: str, mentions: list[Mention]) -> list[tuple[int, int, int]]:
    """Spans worth marking in a quote: rule evidence, widened to whole words.

    A model-only mention has a whole sentence as its evidence; marking it would mark most of
    the quote, so it is not marked. A span that starts or ends inside a word ("n't refund" of
    "won't refund") is widened to the word's edges.

    text (str): The comment.
    mentions (list[Mention]): Its mentions of the theme.
    RETURNS (list[tuple]): (start, end, sentence) per span.
    """
    spans = []
    for m in mentions:
        if not m.rule or not 0 <= m.start < m.end <= len(text):
            continue
        start, end = m.start, m.end
        while start > 0 and _in_word(text, start - 1):
            start -= 1
        while end < len(text) and _in_word(text, end):
            end += 1
        spans.append((start, end, m.sentence))
    return spans


def _in_word(text: str, i: int) -> bool:
    """Whether text[i] belongs to a word: a letter or digit, or an apostrophe between two."""
    char = text[i]
    if char.isalnum() or char == "_":
        return True
    return (char in "'’" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum())


def excerpt(
    text: str, sentences: list[dict[str, Any]], spans: list[tuple[int, int, int]], limit: int = QUOTE_CHARS
) -> tuple[str, list[list[int]]]:
    """Cut a comment to about `limit` characters, starting at the sentence of its first evidence.

    text (str): The comment.
    sentences (list[dict]): The record's sentences (start/end offsets).
    spans (list[tuple]): Evidence (start, end, sentence index) to keep visible where it fits.
    limit (int): Longest excerpt, ellipses aside.
    RETURNS (tuple): The excerpt and the evidence spans [[start, end], ...] as offsets into it,
        overlapping spans merged.
    """
    begin, stop = 0, len(text)
    if len(text) > limit:
        if spans:
            first = min(spans)
            begin = first[0]
            if 0 <= first[2] < len(sentences):  # a whole sentence reads better than a fragment
                begin = min(begin, int(sentences[first[2]].get("start", begin)))
            if first[0] - begin > limit // 2:
                begin = min(first[0], text.find(" ", first[0] - limit // 4) + 1 or first[0])
        stop = min(len(text), begin + limit)
        if stop < len(text):
            cut = text.rfind(" ", begin + limit // 2, stop)
            stop = cut if cut > 0 else stop
    prefix = "…" if begin > 0 else ""
    suffix = "…" if stop < len(text) else ""
    shift = len(prefix) - begin
    kept: list[list[int]] = []
    for s, e in sorted({(s[0] + shift, s[1] + shift) for s in spans if s[0] >= begin and s[1] <= stop}):
        if kept and s <= kept[-1][1]:
            kept[-1][1] = max(kept[-1][1], e)
        else:
            kept.append([s, e])
    return prefix + text[begin:stop] + suffix, kept
