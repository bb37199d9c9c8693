"""Hashtags read as the words they are made of: "#CustomerService" -> "Customer Service",
"#badservice" -> "bad service", "#nothappy" -> "not happy".

Social-media posts put their judgement in hashtags, but a hashtag is one token: the theme rules
never see "customer service" in "#CustomerService" and VADER never sees "not happy" in
"#nothappy". A hashtag in CamelCase splits at its capitals; one in a single case, when it is not a word
itself, is cut into the most probable sequence of English words (Zipf's law over the ranked
word list shipped with the static word vectors, `models/minilm-static/words.txt`: the 30,000
most probable words of spacy-lookups-data's `en_lexeme_prob`, then VADER's). Numbers ("#2") and
hashtags that cannot be cut wholly into at most four words stay as they are.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

# A hashtag: "#" not inside a word ("me#2" is no hashtag), then letters and digits.
HASHTAG = re.compile(r"(?<![\w&])#([A-Za-z][A-Za-z0-9]*)")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
MAX_WORDS = 4  # a longer cut is more likely a wrong one ("flyingitforward" is three)
_MAX_LETTERS = 40
_LONGEST_WORD = 20
# Words of one or two letters a hashtag is made of; other short entries of the table ("th",
# "ap") are abbreviations that would cut real words apart.
_SHORT_WORDS = frozenset("a i an at be by do go he if in is it me my no of on or so to up us we".split())


@lru_cache(maxsize=1)
def word_costs() -> dict[str, float]:
    """Each English word's cost as a piece of a hashtag, -log of its Zipf probability (its rank
    in the list) plus a constant per word, so fewer and commoner words cost less."""
    from .config import shipped_models_dir

    path = Path(shipped_models_dir()) / "minilm-static" / "words.txt"
    try:
        words = path.read_text(encoding="utf-8").split()
    except OSError:  # no word list: hashtags stay whole
        return {}
    per_word = math.log(len(words) * 10)
    costs = {}
    for rank, word in enumerate(words, 1):
        if word.isalpha() and (len(word) > 2 or word in _SHORT_WORDS) and word not in costs:
            costs[word] = math.log(rank) + per_word
    return costs


def split_hashtag(tag: str) -> list[str] | None:
    """The words of a hashtag without its "#", as substrings in order; None to leave it whole.

    tag (str): The hashtag's text after "#", e.g. "CustomerService".
    RETURNS (list[str] | None): At least two pieces that join back to `tag`, or None.
    """
    if len(tag) > _MAX_LETTERS or not tag.isalnum() or not tag.isascii():
        return None
    if not (tag.islower() or tag.isupper()):
        parts = _CAMEL_PART.findall(tag)
        return parts if len(parts) > 1 and "".join(parts) == tag else None
    return _cut_into_words(tag)


@lru_cache(maxsize=4096)
def _cut_into_words(tag: str) -> list[str] | None:
    lower = tag.lower()
    costs = word_costs()
    if lower in costs or not lower.isalpha():
        return None
    n = len(lower)
    # best[i]: the cheapest cut of lower[:i] into words, as (cost, words, where the last starts).
    best: list[tuple[float, int, int] | None] = [None] * (n + 1)
    best[0] = (0.0, 0, 0)
    for end in range(1, n + 1):
        for start in range(max(0, end - _LONGEST_WORD), end):
            previous, cost = best[start], costs.get(lower[start:end])
            if previous is None or cost is None:
                continue
            current = best[end]
            if current is None or previous[0] + cost < current[0]:
                best[end] = (previous[0] + cost, previous[1] + 1, start)
    last = best[n]
    if last is None or last[1] > MAX_WORDS:
        return None
    cuts = []
    end = n
    while end > 0:
        start = best[end][2]  # type: ignore[index]  # set on every cut reached from the end
        cuts.append(tag[start:end])
        end = start
    return cuts[::-1]


def spell_out_hashtags(text: str) -> str:
    """`text` with each hashtag that splits replaced by its words, for VADER ("#nothappy" ->
    "not happy"); character offsets change, so only for scoring."""
    if "#" not in text:
        return text
    return HASHTAG.sub(lambda m: " ".join(split_hashtag(m.group(1)) or [m.group(0)]), text)
