"""feedback.vader.VaderCompound must return exactly vaderSentiment's compound, for any text.

Real comments first (the bundled example, the labelled test set, the training comments, each
whole and split into sentences), then generated sentences built from the words VADER's rules
react to (negations, boosters, "but", "least", "no", idioms, CAPS, "!" and "?", emoji), where a
re-implementation would drift first.
"""

import csv
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import BOOSTER_DICT, NEGATE, SPECIAL_CASES, SentimentIntensityAnalyzer

from feedback.sentiment import SentimentScorer
from feedback.vader import VaderCompound

ROOT = Path(__file__).resolve().parent.parent
EXPLORE = int(os.environ.get("FEEDBACK_EXPLORE", "0"))

VADER = SentimentIntensityAnalyzer()
FAST = VaderCompound(VADER)


def _real_texts() -> list[str]:
    texts = []
    with open(ROOT / "examples" / "comments.csv", newline="", encoding="utf-8") as f:
        texts += [row["comment"] for row in csv.DictReader(f)]
    for path in [ROOT / "tests" / "data" / "labelled_cx.jsonl", *sorted((ROOT / "training").glob("*.jsonl"))]:
        with open(path, encoding="utf-8") as f:
            texts += [json.loads(line)["text"] for line in f if line.strip()]
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t)]
    return texts + sentences


REAL = _real_texts()


def test_identical_on_real_comments_and_their_sentences():
    assert len(REAL) > 5000
    mismatches = [(t, VADER.polarity_scores(t)["compound"], FAST(t)) for t in REAL
                  if VADER.polarity_scores(t)["compound"] != FAST(t)]
    assert mismatches == []
    # The comparison means something only if many of them carry sentiment.
    assert sum(FAST(t) != 0.0 for t in REAL) > len(REAL) // 2


def test_identical_with_the_domain_lexicon_added():
    scorer = SentimentScorer()
    exact = VaderCompound(scorer.analyzer)  # the scorer's own ends negations at commas (test_sentiment)
    for text in REAL[:3000]:
        assert exact(text) == scorer.analyzer.polarity_scores(text)["compound"], text
    assert exact("The delivery was slow") < 0  # "slow" is a domain word, not VADER's


@pytest.mark.parametrize("text", [
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today only kinda sux! But I'll get by, lol",
    "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁",
    "Not bad at all",
    "Sentiment analysis has never been this good!",
    "With VADER, sentiment analysis is the shit!",
    "On the other hand, VADER is quite bad ass",
    "Without a doubt, excellent idea.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "good good but good good",  # VADER's "but" rule finds equal values by .index(): kept as is
    "no no good",
    "It was kind of good",
    "",
    "   ",
    "!!!",
])
def test_identical_on_vaders_own_examples(text):
    assert FAST(text) == VADER.polarity_scores(text)["compound"]


# Words that switch on each of VADER's rules, plus ordinary lexicon words and filler.
_RULE_WORDS = sorted({*NEGATE[:20], "no", "not", "never", "so", "this", "without", "doubt", "least",
                      "at", "very", "but", "BUT", "kind", "of", "sort", "or", "nor", "the", "bomb",
                      "shit", "bad", "ass", "yeah", "right", "kiss", "death", "to", "die", "for",
                      *list(BOOSTER_DICT)[:25], *" ".join(SPECIAL_CASES).split()})
_LEXICON_WORDS = ["good", "great", "bad", "terrible", "love", "hate", "slow", "fine", "okay", "happy",
                  "GOOD", "Bad", "LOVE", "helpful", "rude", ":)", ":(", "lol"]
_FILLER = ["the", "app", "delivery", "staff", "was", "is", "it", "I", "and", "service", "price"]
_PUNCT = ["", "!", "!!", "?", "??", "???", "?!", ".", ",", "...", "'", '"']
_EMOJI = ["😁", "💘", "😡", "👍", "é", "—"]

word = st.sampled_from(_RULE_WORDS + _LEXICON_WORDS + _FILLER + _EMOJI)
token = st.tuples(word, st.sampled_from(_PUNCT), st.sampled_from(["", "", "(", '"'])).map(
    lambda t: t[2] + t[0] + t[1])


@pytest.mark.slow  # 3,000 generated texts, ~8 s
@settings(max_examples=EXPLORE or 3000, derandomize=not EXPLORE, deadline=None)
@given(st.lists(token, max_size=14), st.sampled_from([" ", " ", "  ", "\t", "\n"]))
def test_identical_on_generated_rule_combinations(tokens, sep):
    text = sep.join(tokens)
    assert FAST(text) == VADER.polarity_scores(text)["compound"]


@settings(max_examples=EXPLORE or 300, derandomize=not EXPLORE, deadline=None)
@given(st.text(max_size=120))
def test_identical_on_arbitrary_text(text):
    assert FAST(text) == VADER.polarity_scores(text)["compound"]
