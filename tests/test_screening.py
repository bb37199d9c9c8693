"""Screening: non-answers and comments in other languages are kept as records, not analysed."""

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback import analyze, make_report
from feedback.cli import cli
from feedback.screening import is_non_answer

GOLDEN = Path(__file__).parent / "data" / "golden"

NON_ANSWERS = ["n/a", "N/A", "none", "None.", "nothing", "Nothing!", "-", ".", "?", "...", "no comment",
               "No comments", "nothing to add", "idk", "🤷", "🤷‍♀️", "5", "10.", "3.5"]
# Answers that say something, however short: they must be analysed.
ANSWERS = ["No", "fine", "bad", "ok", "Love it", "Great app!!", "Absolutel junk.", "Nothing works",
           "Service was gr8 tbh", "delivery ok, price ok", "👍", "Terrible customer service, never again.",
           "Anne Heche was utterly convincing.", "Ooo la la! sooo chic!", "MEMO TO : XXXX XXXX, Co Founder of XXXX",
           "10/10", "5 stars", "0/10 would not recommend"]
# Written for this test (one sentence each, as customers write them).
FOREIGN = {
    "de": "Die Lieferung war sehr langsam und der Kundenservice hat nie geantwortet.",
    "es": "El pedido llegó tarde y el servicio al cliente fue terrible.",
    "fr": "Je suis très déçu du service client, personne ne répond.",
    "pt": "O atendimento foi ótimo e a entrega chegou no prazo.",
    "it": "Il prodotto è arrivato rotto e nessuno mi ha risposto.",
    "ru": "Доставка была очень медленной",
    "zh": "非常好",
}
# Other languages whose words English happens to have ("die", "war", "gut"), and short ones that a
# foreign function word gives away: before, the first was scored -0.91 as English.
HIDDEN_FOREIGN = {
    "Das Produkt war gut, aber die Lieferung war langsam.": "de",
    "Sehr gut, schnelle Lieferung": "de",
    "Es ist gut": "de",
    "Très bon produit": "fr",
}
# English with a foreign word or two stays English.
MIXED_ENGLISH = ["The bistro es el mejor, I love the place and the staff",
                 "Je ne sais quoi, this dress has it all and is gorgeous", "muy good", "el cheapo"]


@pytest.mark.parametrize("text", NON_ANSWERS)
def test_non_answers_are_kept_without_sentiment_or_themes(text, rules_analyzer):
    assert is_non_answer(text)
    record = next(analyze([text], analyzer=rules_analyzer))
    assert record["skipped"] == "no_answer" and record["text"] == text.strip()
    assert record["sentiment"] == {"compound": None, "label": None}
    assert record["themes"] == [] and record["sentences"] == []


@pytest.mark.parametrize("text", ANSWERS)
def test_short_answers_are_analysed(text, rules_analyzer):
    assert not is_non_answer(text)
    record = next(analyze([text], analyzer=rules_analyzer))
    assert record["skipped"] is None and record["sentiment"]["label"] is not None


@pytest.mark.parametrize("language", sorted(FOREIGN))
def test_other_languages_are_flagged_not_scored(language, rules_analyzer):
    record = next(analyze([FOREIGN[language]], analyzer=rules_analyzer))
    assert (record["language"], record["skipped"]) == (language, "not_english")
    assert record["sentiment"] == {"compound": None, "label": None} and record["themes"] == []
    assert [p["code"] for p in record["problems"]] == ["not_english"]


@pytest.mark.parametrize("text", sorted(HIDDEN_FOREIGN))
def test_foreign_words_that_english_shares_do_not_make_a_comment_english(text, rules_analyzer):
    record = next(analyze([text], analyzer=rules_analyzer))
    assert (record["language"], record["skipped"]) == (HIDDEN_FOREIGN[text], "not_english")


@pytest.mark.parametrize("text", MIXED_ENGLISH)
def test_english_with_a_foreign_phrase_stays_english(text, rules_analyzer):
    record = next(analyze([text], analyzer=rules_analyzer))
    assert record["language"] == "en" and record["skipped"] is None


def test_real_english_reviews_are_never_flagged(rules_analyzer):
    """40 real clothing reviews (CC0, tests/data/golden): all English, all analysed."""
    with open(GOLDEN / "clothing.csv", encoding="utf-8") as f:
        texts = [row["Review Text"] for row in csv.DictReader(f) if row["Review Text"].strip()]
    records = list(analyze(texts, analyzer=rules_analyzer))
    assert len(records) == len(texts) >= 30
    assert all(r["skipped"] is None and r["language"] == "en" for r in records)


def test_counts_in_the_summary_and_the_report(tmp_path):
    rows = [("1", "The delivery was slow and nobody called back", "3"), ("2", "n/a", "10"),
            ("3", FOREIGN["de"], "2"), ("4", "Great support, fixed in minutes", "9")]
    export = tmp_path / "export.csv"
    export.write_text("id,comment,nps\n" + "".join(f"{i},\"{t}\",{n}\n" for i, t, n in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(export), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "1 non-answers and 1 comments not in English were kept without sentiment or themes" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["skipped"] for r in records] == [None, "no_answer", "not_english", None]
    report = make_report(records, min_count=1)
    assert (report["n_comments"], report["n_no_answer"], report["n_not_english"]) == (4, 1, 1)
    # Their scores still count: NPS over all four respondents (two promoters, two detractors).
    assert report["overall"]["nps"]["n"] == 4 and report["overall"]["nps"]["value"] == 0
    assert report["n_unthemed"] == 0  # skipped comments are not "missed by the taxonomy"
