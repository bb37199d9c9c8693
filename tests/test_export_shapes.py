"""A corpus of export shapes, each as its vendor makes it, through `feedback analyze` with no options.

Every fixture in tests/data/exports/ (see its README: the vendors' documented layouts,
project-written answers) must come out as the right records: how many, their text, ids,
scores and dates, with no header row analysed and every row one record or one error record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.records import SCHEMA_VERSION

EXPORTS = Path(__file__).parent / "data" / "exports"


@dataclass
class Shape:
    """What one export must give: records in order, and what the run says about it."""

    file: str
    ids: list[str]
    texts: list[str]  # each record's text starts so
    scores: list[dict[str, float]]
    errors: int = 0
    dates: dict[str, list[str]] = field(default_factory=dict)  # field -> each record's ISO value
    text_fields: list[str] = field(default_factory=list)  # the first record's text columns, in order
    said: list[str] = field(default_factory=list)  # in the run's messages
    problems: dict[str, list[str]] = field(default_factory=dict)  # id -> problem codes


SHAPES = [
    Shape("qualtrics.csv", ["R_1a2B3c4D5e6F7g8", "R_2b3C4d5E6f7G8h9", "R_4d5E6f7G8h9I0j1"],
          ["The agent fixed my billing", "I waited 40 minutes", "Delivery was fast"], [{"nps": 9, "csat": 5}, {"nps": 3, "csat": 2}, {"nps": 10}],
          errors=1, said=["Qualtrics export, 3 header rows"], problems={"R_4d5E6f7G8h9I0j1": ["score_not_a_number"]}),
    Shape("qualtrics.tsv", ["R_1a2B3c4D5e6F7g8", "R_2b3C4d5E6f7G8h9", "R_4d5E6f7G8h9I0j1"],
          ["The agent fixed my billing", "I waited 40 minutes", "Delivery was fast"], [{"nps": 9, "csat": 5}, {"nps": 3, "csat": 2}, {"nps": 10}],
          errors=1, said=["Qualtrics export, 3 header rows"]),
    Shape("surveymonkey.csv", ["114233290871", "114233301455", "114233317702"],
          ["Support answered within minutes", "The website is slow", "Good prices"],
          [{"nps": 9, "csat": 5}, {"nps": 2, "csat": 2}, {"nps": 8, "csat": 4}],
          dates={"Start Date": ["2025-03-10T10:21:33", "2025-03-10T11:02:10", "2025-03-11T09:15:00"]},
          said=["SurveyMonkey export, 2 header rows", "'Start Date' read as month/day"]),
    Shape("surveymonkey.xlsx", ["114233290871", "114233301455", "114233317702"],
          ["Support answered within minutes", "The website is slow", "Good prices"],
          [{"nps": 9, "csat": 5}, {"nps": 2, "csat": 2}, {"nps": 8, "csat": 4}],
          dates={"Start Date": ["2025-03-10T10:21:33", "2025-03-10T11:02:10", "2025-03-11T09:15:00"]}),
    Shape("typeform.csv", ["x8k2m5q1t9w3e7r4a6d0", "p3n7v1c5z9b2x6m4k8j0", "h6g4f2d8s0a1q3w5e7r9"],
          ["Make the onboarding", "The dashboard keeps", "Nothing really"], [{}, {}, {}], said=["Typeform export"]),
    Shape("typeform_download.zip", ["x8k2m5q1t9w3e7r4a6d0", "p3n7v1c5z9b2x6m4k8j0", "h6g4f2d8s0a1q3w5e7r9"],
          ["Make the onboarding", "The dashboard keeps", "Nothing really"], [{}, {}, {}],
          said=["typeform_download.zip!responses/typeform.csv"]),
    Shape("google_forms.csv", ["1", "2"], ["Honestly nothing", "The checkout page froze"],
          [{"csat": 5, "nps": 10}, {"csat": 2, "nps": 4}], errors=1,
          dates={"Timestamp": ["2025-03-10T10:21:33", "2025-03-10T11:02:10"]}, said=["'Timestamp' read as month/day"]),
    Shape("medallia.csv", ["MD-000981", "MD-000982", "MD-000983"], ["Staff were friendly", "Waited forty minutes", "Solved my problem"],
          [{"nps": 9, "csat": 5}, {"nps": 3, "csat": 2}, {"nps": 7, "csat": 4}],
          dates={"Response Date": ["2024-12-18T17:17:00", "2024-12-19T09:02:00", "2024-12-21T13:45:00"]},
          said=["Medallia export", "'Response Date' read as day/month"]),
    Shape("zendesk_tickets.json", ["35436", "35437", "35438"], ["I returned the jacket", "The agent was friendly", "The app crashes"],
          [{"csat": 2}, {"csat": 4}, {}], dates={"created_at": ["2025-03-10T10:21:33Z", "2025-03-12T14:05:00Z", "2025-04-02T09:00:00Z"]},
          said=["Zendesk export", "rows in 'tickets'", "csat=satisfaction_rating.score"]),
    Shape("zendesk_tickets.jsonl", ["5101", "5102", "5103"], ["My order was supposed", "I was charged twice", "I cannot log in"],
          [{}, {"csat": 4}, {"csat": 2}], said=["Zendesk export"]),
    Shape("zendesk_export.csv", ["101", "102", "103"], ["The refund for my cancelled order", "Thanks for the quick help",
                                                       "App crashes when I open"],
          [{"csat": 2}, {"csat": 4}, {}], said=["Zendesk export", "text='Subject'", "csat=Satisfaction Score"]),
    Shape("freshdesk_tickets.json", ["2001", "2002"], ["I ordered a medium dress", "I have emailed three times"],
          [{}, {}], said=["Freshdesk export", "text='description_text'"]),
    Shape("freshdesk_tickets.csv", ["3001", "3002", "3003"], ["The refund for my returned", "The agent walked me", "The app shows an error"],
          [{"ttr": 29.82}, {"ttr": 0.67}, {}], said=["Freshdesk export"]),
    Shape("intercom_conversations.json", ["1911149811", "1911149812", "1911149813"],
          ["Hi, I would like to change the email address on my account.\nThanks!", "The checkout page keeps timing out and I was charged anyway & nothing",
           "Your agent closed"], [{"rating": 5}, {}, {"rating": 2}],
          dates={"created_at": ["2025-02-18T09:13:20Z", "2025-03-03T08:20:00Z", "2025-03-04T14:53:20Z"]},
          said=["Intercom export", "rows in 'conversations'", "'created_at' read as epoch seconds"]),
    Shape("app_store_reviews.json", ["00000031-1a2b-3c4d-0001-000000000001", "00000031-1a2b-3c4d-0001-000000000002",
                                     "00000031-1a2b-3c4d-0001-000000000003"],
          ["Finally a budgeting app that works\n\nSyncing with my bank", "Crashes on launch\n\nSince the latest update", "Good but pricey"],
          [{"rating": 5}, {"rating": 1}, {"rating": 3}], text_fields=["title", "body"], said=["App Store Connect export"]),
    Shape("google_play_reviews.csv", ["1", "2", "3"],
          ["Keeps logging me out\n\nEvery time I switch apps", "Love the new design", "Refund never came\n\nI returned the order"],
          [{"rating": 2}, {"rating": 5}, {"rating": 1}], text_fields=["Review Title", "Review Text"],
          dates={"Review Submit Millis Since Epoch": ["2025-03-01T08:15:31Z", "2025-03-03T21:40:02Z", "2025-04-10T12:00:00Z"]},
          said=["Google Play export", "epoch milliseconds"]),
    Shape("trustpilot_reviews.csv", ["65a4f1c2e3b1a9000a1b2c3d", "65a4f1c2e3b1a9000a1b2c3e", "65a4f1c2e3b1a9000a1b2c3f"],
          ["Fast delivery\n\nOrdered on Monday", "Never again\n\nThe jacket fell apart", "Okay\n\nDecent quality"],
          [{"rating": 5}, {"rating": 1}, {"rating": 3}], text_fields=["Review Title", "Review Content"], said=["Trustpilot export"]),
    Shape("trustpilot_reviews.xlsx", ["65a4f1c2e3b1a9000a1b2c3d", "65a4f1c2e3b1a9000a1b2c3e", "65a4f1c2e3b1a9000a1b2c3f"],
          ["Fast delivery\n\nOrdered on Monday", "Never again\n\nThe jacket fell apart", "Okay\n\nDecent quality"],
          [{"rating": 5}, {"rating": 1}, {"rating": 3}], text_fields=["Review Title", "Review Content"]),
    Shape("review_flags.csv", ["1", "2", "3", "4", "5"], ["Love my Echo!", "Loved it!", "Sometimes while playing", "It stopped working",
                                                          "Music sounds great"],
          [{"rating": 5}, {"rating": 5}, {"rating": 4}, {"rating": 1}, {"rating": 5}],
          dates={"date": ["2018-07-31", "2018-07-31", "2018-07-31", "2018-07-30", "2018-07-30"]},
          said=["'feedback' holds codes or numbers", "'date' read as %d-%b-%y"]),
    Shape("helpdesk_fuzzy.csv", ["1", "2", "3", "4"], ["The replacement part", "Nobody called me back", "Billing fixed", "The technician"],
          [{"csat": 5}, {"csat": 1}, {"csat": 3}, {"csat": 4}],
          dates={"Created": ["2025-03-14T09:05:00", "2025-03-15T14:40:00", "2025-03-18T11:12:00", "2025-03-20T16:55:00"]},
          said=["text='Ticket Description'", "csat=Customer Satisfaction Rating", "'TTR' is named like a ttr score but 4 of its first 4"]),
    Shape("app_reviews_mojibake.csv", ["gp:1000", "gp:1001", "gp:1002", "gp:1003", "gp:1004", "gp:1005"],
          ["Nice app 🙂 works great", "Can’t log in since the update — please fix", "Love it!", "Love it!", "Nice app", "Crashes when I open the café"],
          [{"rating": 4}, {"rating": 1}, {"rating": 5}, {"rating": 5}, {"rating": 4}, {"rating": 2}],
          said=["2 repeat an earlier comment"], problems={"gp:1000": ["mojibake_repaired"], "gp:1001": ["mojibake_repaired"]}),
    Shape("excel_cp1250.csv", ["cz-1", "cz-2", "cz-3"], ["Zboží přišlo poškozené", "Velmi rychlé doručení", "Obsluha byla příjemná"],
          [{"rating": 1}, {"rating": 5}, {"rating": 3}], said=["read as cp1250"]),
    Shape("excel_gb18030.csv", ["cn-1", "cn-2", "cn-3"], ["产品到达时已经损坏", "送货很快", "质量一般"],
          [{"rating": 1}, {"rating": 5}, {"rating": 3}], said=["read as gb18030"]),
    Shape("excel_shift_jis.csv", ["jp-1", "jp-2", "jp-3"], ["商品が壊れて届きました", "配送がとても早くて", "品質は普通ですが"],
          [{"rating": 1}, {"rating": 5}, {"rating": 4}], said=["read as cp932"]),
    Shape("qualtrics.xlsx", ["R_1a2B3c4D5e6F7g8", "R_2b3C4d5E6f7G8h9", "R_4d5E6f7G8h9I0j1"],
          ["The agent fixed my billing", "I waited 40 minutes", "Delivery was fast"], [{"nps": 9, "csat": 5}, {"nps": 3, "csat": 2}, {"nps": 10}],
          errors=1, said=["Qualtrics export, 3 header rows"]),
    Shape("amazon_reviews.tsv", ["R1WBPB8MDCCN8F", "R2AXX3MVC4GS1O", "R3MJIW2D8XS5VQ"],
          ["Five Stars\n\nGreat sound", "Stopped working\n\nThe left earbud", "Good\n\nGood fit"],
          [{"rating": 5}, {"rating": 1}, {"rating": 4}], text_fields=["review_headline", "review_body"],
          dates={"review_date": ["2015-08-31", "2015-08-30", "2015-08-29"]}),
    Shape("amazon_fine_food.csv", ["1", "2", "3"], ["Good Quality Dog Food\n\nI have bought", "Not as Advertised\n\nProduct",
                                                    "Delight says it all\n\nThis is a confection"],
          [{"rating": 5}, {"rating": 1}, {"rating": 4}], text_fields=["Summary", "Text"],
          dates={"Time": ["2011-04-27T00:00:00Z", "2012-09-07T00:00:00Z", "2008-08-18T00:00:00Z"]}),
    Shape("judgeme_reviews.csv", ["1", "2"], ["Great mug\n\nKeeps coffee hot", "Leaks\n\nThe lid leaks"],
          [{"rating": 5}, {"rating": 1}], text_fields=["title", "body"]),
    Shape("yotpo_reviews.csv", ["1", "2", "3"], ["Perfect fit\n\nTrue to size", "Color faded\n\nAfter two washes", "Okay\n\nDecent"],
          [{"rating": 5}, {"rating": 2}, {"rating": 3}], text_fields=["Review Title", "Review Content"]),
    Shape("helpscout_ratings.csv", ["2214567890", "2214567891", "2214567892"],
          ["Sam solved it in one reply", "Three days without an answer", "Fine but slow"],
          [{"rating": 5}, {"rating": 2}, {"rating": 3}], said=["text='Rating Comments'"]),
    Shape("hotjar_feedback.csv", ["1", "2", "3"], ["The coupon field does nothing", "Very easy to find", "Shipping costs only"],
          [{"rating": 1}, {"rating": 5}, {"rating": 3}], said=["Hotjar export", "rating=Emotion (1-5)"]),
    Shape("delighted_responses.csv", ["31881", "31882", "31884"], ["Setup took five minutes", "Billing is confusing", "Love the new"],
          [{"nps": 9}, {"nps": 3}, {"nps": 10}], errors=1, said=["Delighted export", "nps=Score"]),
    Shape("delighted_responses.json", ["31881", "31882", "31884"], ["Setup took five minutes", "Billing is confusing", "Love the new"],
          [{"nps": 9}, {"nps": 3}, {"nps": 10}],
          dates={"created_at": ["2025-03-10T10:21:33Z", "2025-03-10T11:02:10Z", "2025-03-12T16:40:00Z"]}, said=["Delighted export"]),
    Shape("zendesk_satisfaction_ratings.json", ["35121", "35122"], ["Quick and kind", "Nobody read my ticket"],
          [{"csat": 4}, {"csat": 2}], said=["Zendesk export", "rows in 'satisfaction_ratings'", "csat=score"]),
    Shape("excel_semicolon_bom.csv", ["1", "2", "3"], ["The parcel arrived late, but", "Great support; they called", "Refund still pending"],
          [{"csat": 3}, {"csat": 5}, {"csat": 1}], dates={"date": ["2025-03-14", "2025-03-15", "2025-03-16"]},
          said=["'date' read as day/month"]),
    Shape("survey.csv.gz", [], [], [], said=[]),
]


def _analyze(tmp_path: Path, name: str) -> tuple[list[dict], list[dict], str]:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(EXPORTS / name), "-o", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    errors_path = Path(str(out) + ".errors.jsonl")
    errors = [json.loads(line) for line in errors_path.read_text(encoding="utf-8").splitlines()] if errors_path.exists() else []
    return records, errors, result.stderr


@pytest.mark.parametrize("shape", [s for s in SHAPES if s.ids], ids=lambda s: s.file)
def test_export_shapes_read_with_no_options(tmp_path, shape):
    records, errors, said = _analyze(tmp_path, shape.file)
    assert [r["id"] for r in records] == shape.ids
    assert len(errors) == shape.errors
    assert all(r["schema_version"] == SCHEMA_VERSION for r in records)
    for record, start in zip(records, shape.texts):
        assert record["text"].startswith(start), (record["text"], start)
    assert [r["scores"] for r in records] == shape.scores
    for column, values in shape.dates.items():
        assert [r["fields"][column] for r in records] == values
    if shape.text_fields:
        spans = records[0]["text_fields"]
        assert [span["column"] for span in spans] == shape.text_fields
        # Each span is its column's text within the comment.
        assert records[0]["text"][spans[0]["start"]:spans[0]["end"]] == records[0]["text"].split("\n\n")[0]
    for phrase in shape.said:
        assert phrase in " ".join(said.split()), (phrase, said)
    for ident, codes in shape.problems.items():
        assert [p["code"] for p in next(r for r in records if r["id"] == ident)["problems"]] == codes
    # No header row, sub-header or import id was analysed as a comment.
    assert not any(r["text"].startswith(("{\"ImportId\"", "Open-Ended Response", "Response ID")) for r in records)


def test_export_shapes_corpus_covers_fifteen_documented_shapes():
    files = {s.file for s in SHAPES if s.ids}
    assert len(files) >= 15
    readme = (EXPORTS / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in readme for name in files)


def test_export_shapes_report_by_period_reads_normalised_dates(tmp_path):
    records_path = tmp_path / "out.jsonl"
    assert CliRunner().invoke(cli, ["analyze", str(EXPORTS / "medallia.csv"), "-o", str(records_path)]).exit_code == 0
    result = CliRunner().invoke(cli, ["report", str(records_path), "--period", "month", "--date-column", "Response Date"])
    assert result.exit_code == 0, result.output + result.stderr
    assert "2024-12" in result.output


def test_export_shapes_duplicates_name_the_first(tmp_path):
    records, _, said = _analyze(tmp_path, "app_reviews_mojibake.csv")
    assert [r.get("duplicate_of") for r in records] == [None, None, None, "gp:1002", "gp:1000", None]


def test_export_shapes_double_encoded_scripts_are_repaired_before_language_id(tmp_path):
    """App-store exports opened and re-saved as Latin-1 turn Devanagari, Bengali and Chinese into
    "à¤œ"-like runs holding C1 control bytes; they are repaired (not stripped of those bytes and
    then taken for Vietnamese or French), so each comment gets its own language."""
    originals = {"r1": "जय श्री राम, बहुत अच्छा", "r2": "চালক খুব ভালো ছিলেন", "r3": "非常好的服务",
                 "r4": "Très bon service, «café» offert", "r5": "Great app, thanks"}
    source = tmp_path / "reviews.csv"
    with open(source, "w", encoding="utf-8", newline="") as f:
        f.write("reviewId,content\n")
        for rid, text in originals.items():
            read_wrongly = text.encode("utf-8").decode("latin-1") if rid in ("r1", "r2", "r3") else text
            f.write(f'{rid},"{read_wrongly}"\n')
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    assert {rid: r["text"] for rid, r in records.items()} == originals
    assert [records[rid]["language"] for rid in ("r1", "r2", "r3")] == ["hi", "bn", "zh"]
    for rid in ("r1", "r2", "r3"):
        assert {p["code"] for p in records[rid]["problems"]} == {"mojibake_repaired", "not_english"}
    assert records["r4"]["problems"] == [] and records["r5"]["problems"] == []  # «café» is no mojibake
