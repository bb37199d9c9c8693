"""Hashtags read as their words: by the theme rules (tokens) and by VADER (spelled out)."""

import pytest

from feedback.hashtags import spell_out_hashtags, split_hashtag

from .conftest import themes_of


@pytest.mark.parametrize("tag,words", [
    ("CustomerService", ["Customer", "Service"]),
    ("OnHoldForever", ["On", "Hold", "Forever"]),
    ("USAirways", ["US", "Airways"]),
    ("customerservice", ["customer", "service"]),
    ("badcustomerservice", ["bad", "customer", "service"]),
    ("nothappy", ["not", "happy"]),
    ("neveragain", ["never", "again"]),
    ("worstairlineever", ["worst", "airline", "ever"]),
])
def test_a_hashtag_splits_into_its_words(tag, words):
    assert split_hashtag(tag) == words


@pytest.mark.parametrize("tag", ["fail", "FAIL", "therapist", "frustrated", "DFW", "XXXX", "2", "ABC123",
                                 "qwzxv", "a" * 60])
def test_a_word_a_number_or_no_words_stays_whole(tag):
    assert split_hashtag(tag) is None


def test_spelled_out_for_vader_only_where_a_hashtag_splits():
    assert spell_out_hashtags("so #nothappy, baby #2 #fail me#3") == "so not happy, baby #2 #fail me#3"
    assert spell_out_hashtags("no hashtag") == "no hashtag"


def test_the_rules_read_a_hashtags_words_and_offsets_stay_in_the_text(analyze_one):
    text = "@airline stuck again #CustomerService #badservice"
    record = analyze_one(text)
    assert "customer_service" in themes_of(record)
    for mention in record["themes"]:
        assert text[mention["start"]:mention["end"]] == mention["evidence"]
    assert [s["text"] for s in record["sentences"]] == [text]


def test_vader_reads_a_hashtags_words(scorer):
    assert scorer.score("#nothappy") < 0 < scorer.score("#sohappy")
    assert scorer.score("Flight delayed again #nothappy") < scorer.score("Flight delayed again")
