import math

import pytest

from feedback.sentiment import (
    LexiconEntry,
    SentimentScorer,
    _to_compound,
    _to_raw,
    combine,
    polarity_of,
    load_lexicon,
)


@pytest.mark.parametrize(
    "compound,expected",
    [(0.05, "positive"), (0.0499, "neutral"), (-0.0499, "neutral"), (-0.05, "negative"), (0.9, "positive")],
)
def test_sentiment_label_uses_vader_thresholds(compound, expected):
    assert polarity_of(compound) == expected


def test_sentiment_raw_roundtrip():
    for c in (-0.95, -0.3, 0.0, 0.42, 0.99):
        assert math.isclose(_to_compound(_to_raw(c)), c, abs_tol=1e-9)


def test_sentiment_combine_adds_raw_sums():
    # Two equally negative sentences make a more negative comment than either alone.
    assert combine([-0.4, -0.4]) < -0.4
    # Opposite sentences of equal strength cancel out.
    assert combine([0.6, -0.6]) == 0.0
    assert combine([]) == 0.0
    # By hand: raw(0.5) = 0.5 * sqrt(15 / 0.75) = sqrt(5); two of them: 2 sqrt(5) -> 2sqrt5/sqrt(20+15)
    assert combine([0.5, 0.5]) == round(2 * math.sqrt(5) / math.sqrt(35), 4)


@pytest.mark.parametrize(
    "text",
    ["Delivery was slow.", "It's overpriced.", "It took forever to get a refund.", "The app is so buggy",
     "I was on hold for ages and then they hung up."],
)
def test_sentiment_domain_words_vader_misses_are_negative(scorer, text):
    assert scorer.score(text) <= -0.05


@pytest.mark.parametrize(
    "text",
    ["No complaints.", "No problems at all.", "No issues whatsoever.", "Never had an issue with them.",
     "Nothing to complain about.", "Can't fault them."],
)
def test_sentiment_negated_complaints_are_positive(scorer, text):
    assert scorer.score(text) >= 0.05


@pytest.mark.parametrize("text", ["I never liked the old app.", "Delivery was not fast at all.",
                                  "The staff were not helpful."])
def test_sentiment_negation_flips_praise(scorer, text):
    assert scorer.score(text) <= -0.05


def test_sentiment_negation_flips_domain_phrase(scorer):
    assert scorer.score("It took forever.") < 0
    # "not ... took forever" is rare, but the flip must follow VADER's rule when it happens.
    assert scorer.score("It never took forever.") > scorer.score("It took forever.")


def test_sentiment_reads_caps_and_exclamation(scorer):
    plain = scorer.score("The agent was rude.")
    assert scorer.score("The agent was RUDE!!!") < plain < 0


def test_sentiment_custom_lexicon_changes_scores():
    base = SentimentScorer([])
    custom = SentimentScorer([LexiconEntry("blergh", -1.5), LexiconEntry("second rate", -2.0)])
    assert base.score("It was blergh.") == 0.0
    assert custom.score("It was blergh.") < 0
    assert custom.score("A second rate experience.") < 0


def test_sentiment_default_lexicon_is_documented_data():
    entries = load_lexicon()
    terms = {e.term for e in entries}
    assert {"slow", "overpriced", "took forever", "no issues"} <= terms
    assert all(-4 <= e.valence <= 4 for e in entries)


def test_lexicon_alternatives_are_spelt_out(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text("(fixed|solved) (my|the|) (problem|issue)\t2.5\tnote\nslow\t-1.5\n", encoding="utf-8")
    terms = [e.term for e in load_lexicon(str(path))]
    assert terms[:3] == ["fixed my problem", "fixed my issue", "fixed the problem"]
    assert {"solved problem", "fixed issue"} <= set(terms) and len(terms) == 2 * 3 * 2 + 1
    assert all(e.valence == 2.5 for e in load_lexicon(str(path)) if e.term != "slow")


@pytest.mark.parametrize("text,sign", [
    # Written for the test: a problem fixed is praise; not fixed, or still needing a fix, is not.
    ("He solved my problem in minutes.", 1),
    ("Problem resolved on first call.", 1),
    ("The agent fixed my issue quickly.", 1),
    ("They never fixed my problem.", -1),
    ("The problem was not resolved.", -1),
    ("They have not fixed it.", -1),
])
def test_a_problem_fixed_is_praise_and_not_fixed_is_not(scorer, text, sign):
    assert scorer.score(text) * sign > 0


def test_sentiment_bad_lexicon_line_names_the_line(tmp_path):
    path = tmp_path / "lex.tsv"
    path.write_text("# comment\nslow\t-1.5\nfast\tquick\n")
    with pytest.raises(ValueError, match="line 3"):
        load_lexicon(str(path))


@pytest.mark.parametrize("text", [
    "Nothing, everything was perfect",  # "anything to improve?" answered by a promoter
    "Nothing - all good",
    "Not bad, great service",
])
def test_a_negation_ends_at_clause_punctuation(scorer, text):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    assert scorer.score(text) > 0.05
    assert SentimentIntensityAnalyzer().polarity_scores(text)["compound"] < scorer.score(text)


def test_a_handle_a_post_is_addressed_to_is_no_sentiment(scorer):
    """VADER reads "@united" as the positive word "united"; the handle names the addressee."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    text = "@united been waiting at the gate forever"
    assert SentimentIntensityAnalyzer().polarity_scores(text)["compound"] > 0.4
    assert scorer.score(text) == 0.0
    assert scorer.score("@united thanks for the help") == scorer.score("thanks for the help") > 0.05
    # An email address is no handle: "joy" in it is still read (as VADER reads it).
    assert scorer.score("write to love@example.com") == SentimentIntensityAnalyzer().polarity_scores(
        "write to love@example.com")["compound"]


@pytest.mark.parametrize("text", ["It was not good at all", "I did not like it, it was bad", "Never again, horrible",
                                  "Not bad, not great."])
def test_negation_inside_a_clause_still_counts(scorer, text):
    assert scorer.score(text) < 0.05


@pytest.mark.parametrize("text,sign", [
    ("👍", 1), ("👎", -1), ("💔", -1), ("😡", -1), ("🤩", 1),
    ("Terrible update 👎", -1), ("Love it 👍", 1),
])
def test_emoji_verdicts_vader_reads_as_nothing_or_wrongly_get_the_lexicon_valence(scorer, text, sign):
    # VADER alone: "thumbs up" 0, "broken heart" +0.27, "pouting face" 0.
    assert sign * scorer.score(text) >= 0.05


def test_skin_tones_and_variation_selectors_do_not_hide_an_emoji(scorer):
    assert scorer.score("👍🏽") == scorer.score("👍") > 0
    # A heart with U+FE0F, as phones write it, reads as the bare heart (VADER alone: 0).
    assert scorer.score("I \u2764\ufe0f this app") == scorer.score("I \u2764 this app") > 0.05
    assert scorer.score("🤷") == 0.0  # a shrug is no verdict


def test_an_emoji_listed_in_a_custom_lexicon_replaces_vaders_reading():
    base = SentimentScorer([])
    custom = SentimentScorer([LexiconEntry("🔥", 1.5)])
    assert base.score("Great 🔥") < custom.score("Great 🔥")
    assert custom.score("🔥") > 0.05 > -0.05 > base.score("🔥")  # VADER reads "fire"


@pytest.mark.parametrize("text,sign", [
    ("Could not be happier with the service.", 1), ("I can't recommend this place enough!", 1),
    ("I can't say enough good things about them.", 1), ("It has never let us down.", 1),
    ("I could not be more pleased.", 1), ("Customer service could not have been worse.", -1),
])
def test_praise_and_complaint_said_through_a_negation_keep_their_sign(scorer, text, sign):
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    # VADER alone reads each the other way round (or as nothing): it negates the word it knows.
    assert sign * SentimentIntensityAnalyzer().polarity_scores(text)["compound"] < 0.05
    assert sign * scorer.score(text) >= 0.05
