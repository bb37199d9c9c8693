"""Vendor exports read with no options: workbooks, gzip, survey header rows, column picks, score labels.

The fixtures in tests/data/exports/ follow the vendors' documented layouts (see its README);
the real workbook is /work/shared/data's app-review ground truth, skipped where it is absent.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.columns import pick_id_column, pick_text_column, resolve_columns, to_comment
from feedback.config import ReadOptions
from feedback.errors import InputError
from feedback.io import open_input
from feedback.records import Comment, ErrorRecord, SourceRow
from feedback.scores import KINDS, parse_score, score_of_label

from .xlsx_writer import write_xlsx

EXPORTS = Path(__file__).parent / "data" / "exports"
REAL_XLSX = Path("/work/shared/data/app-review-feature-sentiment/Ground_truth.xlsx")


def read(path: Path | str, **options) -> tuple[list[SourceRow | ErrorRecord], object, object]:
    table = open_input(ReadOptions(str(path), **options))
    spec = resolve_columns(table.columns, labels=table.labels, sample=table.sample)
    return list(table.rows), table, spec


def comments(rows, spec) -> list[Comment | ErrorRecord]:
    return [to_comment(row, spec) if isinstance(row, SourceRow) else row for row in rows]


# --- Qualtrics ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["qualtrics.csv", "qualtrics.tsv"])
def test_exports_qualtrics_header_rows_set_aside_and_columns_found(name):
    rows, table, spec = read(EXPORTS / name)
    assert table.layout == "Qualtrics"
    assert "(Qualtrics export, 3 header rows)" in table.name
    assert [row.row for row in rows] == [1, 2, 3, 4]
    assert [row.line for row in rows] == [4, 5, 6, 7]  # the true lines: 3 header rows above
    assert all(not str(row.values["Q3"]).startswith(("Is there", '{"ImportId"')) for row in rows)
    assert table.labels["Q3"].startswith("Is there anything else")
    assert spec.text == "Q3" and spec.id == "ResponseId"
    assert {column: kind for column, (kind, _) in spec.scores.items()} == {"Q1": "nps", "Q2": "csat"}
    assert "by its question" in spec.why["text"]
    records = comments(rows, spec)
    assert [r.id for r in records] == ["R_1a2B3c4D5e6F7g8", "R_2b3C4d5E6f7G8h9", "R_3c4D5e6F7g8H9i0",
                                       "R_4d5E6f7G8h9I0j1"]
    assert records[0].scores == {"nps": 9, "csat": 5}  # "Extremely satisfied"
    assert records[1].scores == {"nps": 3, "csat": 2}  # "Somewhat dissatisfied"
    assert isinstance(records[2], ErrorRecord) and records[2].code == "empty_text"  # skipped the question
    # An unknown label stays a problem, never a guess.
    assert records[3].scores == {"nps": 10}
    assert [p.code for p in records[3].problems] == ["score_not_a_number"]


def test_exports_qualtrics_without_import_id_row(tmp_path):
    lines = (EXPORTS / "qualtrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    path = tmp_path / "legacy.csv"
    path.write_text(lines[0] + lines[1] + "".join(lines[3:]), encoding="utf-8")
    rows, table, spec = read(path)
    assert table.layout == "Qualtrics" and "2 header rows" in table.name
    assert [row.line for row in rows] == [3, 4, 5, 6] and spec.text == "Q3"


# --- SurveyMonkey ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["surveymonkey.csv", "surveymonkey.xlsx"])
def test_exports_surveymonkey_subheaders_set_aside(name):
    rows, table, spec = read(EXPORTS / name)
    assert table.layout == "SurveyMonkey"
    assert [row.row for row in rows] == [1, 2, 3] and [row.line for row in rows] == [3, 4, 5]
    reason = "What is the primary reason for your score?"
    assert spec.text == reason and spec.id == "Respondent ID"
    assert all(row.values[reason] not in ("Open-Ended Response", "Response") for row in rows)
    # The options of one question are named by question and option, not column_13.
    assert "Which of our products do you use? - Website" in table.columns
    assert not any(column.startswith("column_") for column in table.columns)
    records = comments(rows, spec)
    assert [r.id for r in records] == ["114233290871", "114233301455", "114233317702"]
    assert [r.scores for r in records] == [{"nps": 9, "csat": 5}, {"nps": 2, "csat": 2}, {"nps": 8, "csat": 4}]
    assert all(not r.problems for r in records)


def test_exports_surveymonkey_xlsx_dates_are_iso_text():
    rows, _, _ = read(EXPORTS / "surveymonkey.xlsx")
    assert rows[0].values["Start Date"] == "2025-03-10T10:21:33"
    assert rows[0].values["Respondent ID"] == 114233290871


def test_exports_plain_csv_with_a_response_column_is_not_a_layout(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("id,comment\n1,Response\n2,Open to ideas\n", encoding="utf-8")
    rows, table, spec = read(path)
    assert table.layout is None and [row.values["comment"] for row in rows] == ["Response", "Open to ideas"]


# --- silent wrong picks ------------------------------------------------------------------

def test_exports_typeform_network_id_is_not_the_id():
    rows, _, spec = read(EXPORTS / "typeform.csv")
    assert spec.id == "#" and spec.text == "What could we do better?"
    assert [r.id for r in comments(rows, spec)][0] == "x8k2m5q1t9w3e7r4a6d0"
    assert pick_id_column(["Start Date (UTC)", "Network ID"])[0] is None


def test_exports_flag_column_named_feedback_does_not_win_over_text():
    rows, _, spec = read(EXPORTS / "review_flags.csv")
    assert spec.text == "verified_reviews"
    # `verified_reviews` is a review column by name; the 0/1 `feedback` is passed over for its values.
    assert "'feedback' holds codes or numbers" in spec.why["text"]
    assert {column: kind for column, (kind, _) in spec.scores.items()} == {"rating": "rating"}


def test_exports_text_pick_by_name_is_kept_when_values_are_text():
    sample = [{"comment": "Great service, thanks", "note": "A much longer free text note " * 3}]
    assert pick_text_column(["comment", "note"], sample=sample) == ("comment", "by name")
    # No sample (an empty file, or a caller without one): names alone, as before.
    assert pick_text_column(["feedback", "verified_reviews"]) == ("feedback", "by name")


def test_exports_flags_only_fall_back_to_the_name_with_a_reason():
    column, why = pick_text_column(["comment", "nps"], sample=[{"comment": "0", "nps": "5"}])
    assert column == "comment" and "look like codes or numbers" in why


def test_exports_explicit_text_column_always_wins():
    spec = resolve_columns(["feedback", "verified_reviews"], text_column="feedback",
                           sample=[{"feedback": "1", "verified_reviews": "Lovely sound and easy setup"}])
    assert spec.text == "feedback" and "text" not in spec.why


def test_exports_id_prefers_the_column_whose_values_repeat_less():
    sample = [{"App id": "app", "Review id": f"r{i}"} for i in range(5)]
    assert pick_id_column(["App id", "Review id"], sample=sample)[0] == "Review id"
    assert pick_id_column(["App id", "Review id"])[0] == "Review id"  # an app's id never names a row
    assert pick_id_column(["Order id", "Visit id"])[0] == "Order id"  # no sample: the first, as before


def test_exports_id_passes_over_long_numbers_a_spreadsheet_shortened():
    # Tweet ids saved by Excel into a CSV: 18 digits become "5.70306E+17", shared by many rows.
    sample = [{"tweet_id": f"5.7030{i % 3}E+17", "text": f"post {i}"} for i in range(20)]
    column, why = pick_id_column(["tweet_id", "text"], sample=sample)
    assert column is None and "'tweet_id' holds long numbers a spreadsheet shortened ('5.70300E+17'" in why
    # Another id column still names the rows; the shortened one is said to be passed over.
    with_order = [{**row, "order_id": f"o{i}"} for i, row in enumerate(sample)]
    column, why = pick_id_column(["tweet_id", "order_id", "text"], sample=with_order)
    assert column == "order_id" and "passed over 'tweet_id'" in why
    # Read from a workbook as a float past 2**53, the id has lost digits too; whole ids stay ids.
    assert pick_id_column(["id"], sample=[{"id": 5.70306e17}] * 3)[0] is None
    assert pick_id_column(["id"], sample=[{"id": "570306133677760513"}, {"id": 12345}])[0] == "id"
    # A shortened number in a column that never names rows is not looked at.
    assert pick_id_column(["id", "amount"], sample=[{"id": "a1", "amount": "1.2E+12"}]) == ("id", "by name")


def test_exports_id_is_the_rows_own_not_a_customers_or_products():
    # Amazon's review dataset: the review's id, never the customer's or the product's.
    columns = ["marketplace", "customer_id", "review_id", "product_id", "product_parent", "star_rating", "review_body"]
    assert pick_id_column(columns)[0] == "review_id"
    # Judge.me and Yotpo exports name the product but not the review: rows are numbered.
    assert pick_id_column(["title", "body", "rating", "product_id", "reviewer_email"])[0] is None
    assert pick_id_column(["Review Title", "Review Score", "Product ID", "Reviewer Email"])[0] is None
    # A person's id names rows only when nothing else does.
    assert pick_id_column(["user_id", "comment", "order_id"])[0] == "order_id"
    assert pick_id_column(["user_id", "comment"])[0] == "user_id"
    assert pick_id_column(["StartDate", "ResponseId"])[0] == "ResponseId"


# --- score labels ------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "kind", "expected"), [
    ("Extremely satisfied", "csat", 5), ("very dissatisfied", "csat", 1), ("Neither satisfied nor dissatisfied", "csat", 3),
    ("Strongly agree", "ces", 7), ("Somewhat easy", "ces", 5), ("10 - Extremely likely", "nps", 10),
    ("0 - Not at all likely", "nps", 0), ("Extremely likely", "nps", 10), ("5 = Very satisfied", "csat", 5),
])
def test_exports_score_labels(value, kind, expected):
    assert parse_score(value, KINDS[kind], "q") == (expected, None)


@pytest.mark.parametrize(("value", "kind"), [("Very likely", "nps"), ("Over the moon", "csat"), ("Agree", "csat"),
                                             ("12 - Extremely likely", "nps")])
def test_exports_unknown_or_ambiguous_labels_stay_problems(value, kind):
    number, problem = parse_score(value, KINDS[kind], "q")
    assert number is None and problem is not None and problem.code == "score_not_a_number"
    assert score_of_label(value, KINDS[kind]) is None


# --- workbooks ---------------------------------------------------------------------------

def test_exports_xlsx_cells_sheets_and_lines(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {
        "Summary": [["total", 2]],
        "Responses": [["id", "comment", "csat", "submitted"], [1, "Fast and friendly", 5, dt.date(2025, 3, 10)],
                      [None, None, None, None], [2.5, "Slow refund", "Very dissatisfied",
                                                  dt.datetime(2025, 3, 11, 9, 15)]],
    }, first_row=3)
    rows, table, spec = read(path, sheet="Responses")
    assert table.format == "xlsx" and table.name.endswith("[Responses]")
    assert [row.line for row in rows] == [4, 6]  # sheet row numbers; the blank row is not a row
    assert rows[0].values == {"id": 1, "comment": "Fast and friendly", "csat": 5, "submitted": "2025-03-10"}
    assert rows[1].values["submitted"] == "2025-03-11T09:15:00" and rows[1].values["id"] == 2.5
    records = comments(rows, spec)
    assert [r.scores for r in records] == [{"csat": 5}, {"csat": 1}]
    first = open_input(ReadOptions(str(path)))  # the first sheet by default
    assert first.columns == ["total", "2"] and list(first.rows) == []


def test_exports_xlsx_errors_are_coded(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"A": [["comment"], ["ok then"]]})
    with pytest.raises(InputError, match=r"\[E022\].*'Nope'.*Sheets: 'A'"):
        open_input(ReadOptions(str(path), sheet="Nope"))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip file at all")
    with pytest.raises(InputError, match=r"\[E021\]"):
        open_input(ReadOptions(str(bad)))
    empty = write_xlsx(tmp_path / "empty.xlsx", {"A": []})
    with pytest.raises(InputError, match=r"\[E006\]"):
        open_input(ReadOptions(str(empty)))


def test_exports_cli_sheet_flag_and_reason_line(tmp_path):
    path = write_xlsx(tmp_path / "book.xlsx", {"Notes": [["x"]], "Data": [["rating", "verified_reviews", "feedback"],
                                                                       [5, "The speaker sounds great for its size", 1]]})
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(path), "--sheet", "Data", "-o", str(out), "--no-model"])
    assert result.exit_code == 0, result.stderr
    assert "text='verified_reviews'" in result.stderr and "Columns: text 'verified_reviews' by name; 'feedback' holds codes" in result.stderr
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert record["text"] == "The speaker sounds great for its size" and record["scores"] == {"rating": 5}
    result = CliRunner().invoke(cli, ["analyze", str(path), "--sheet", "Nope", "-o", str(out), "--no-model"])
    assert result.exit_code == 1 and "[E022]" in result.stderr and "--sheet" in result.stderr


@pytest.mark.skipif(not REAL_XLSX.exists(), reason="the real workbook is not here")
def test_exports_real_xlsx_reads_as_its_csv_export():
    rows, table, spec = read(REAL_XLSX)
    assert table.columns[3] == "Sentence content" and len(rows) == 2062
    assert spec.text == "Sentence content" and spec.id == "Review id"
    assert rows[0].line == 2 and rows[-1].line == 2063
    csv_rows, _, csv_spec = read(REAL_XLSX.with_name("ground_truth.csv"))
    assert (csv_spec.text, csv_spec.id) == (spec.text, spec.id)
    assert [{k: str(v) for k, v in row.values.items()} for row in rows] == [row.values for row in csv_rows]


# --- gzip --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "n", "text"), [("survey.csv.gz", 2, "comment"), ("reviews.jsonl.gz", 2, "text"),
                                                 ("visits.tsv.gz", 1, "comment")])
def test_exports_gzip_is_decompressed(name, n, text):
    rows, table, spec = read(EXPORTS / name)
    assert len(rows) == n and spec.text == text and table.format in ("csv", "jsonl")


def test_exports_gzip_without_suffix_and_truncated(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(gzip.compress(b"id,comment\n1,Lovely staff\n"))
    rows, _, _ = read(path)
    assert rows[0].values == {"id": "1", "comment": "Lovely staff"}
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(gzip.compress(b"id,comment\n" + b"1,Lovely staff and a clean store\n" * 200)[:60])
    with pytest.raises(InputError, match=r"\[E019\]"):
        rows, _, _ = read(broken)


def test_exports_qualtrics_legacy_layout(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        "V1,V2,V3,V8,V9,V10,Q1,Q2\n"
        "ResponseID,ResponseSet,Name,StartDate,EndDate,Finished,How likely are you to recommend us?,Why?\n"
        "R_abc,Default Response Set,Anonymous,2015-06-01 10:00:00,2015-06-01 10:05:00,1,8,Fast answers and kind staff\n",
        encoding="utf-8")
    rows, table, spec = read(path)
    assert table.layout == "Qualtrics" and [row.line for row in rows] == [3]
    assert (spec.text, spec.id) == ("Q2", "V1") and "ResponseID" in spec.why["id"]
    assert comments(rows, spec)[0].scores == {"nps": 8}


def test_exports_qualtrics_xlsx(tmp_path):
    import csv

    with open(EXPORTS / "qualtrics.csv", encoding="utf-8", newline="") as f:
        grid = [[int(v) if v.isdigit() else v for v in row] for row in csv.reader(f)]
    path = write_xlsx(tmp_path / "qualtrics.xlsx", {"Sheet0": grid})
    rows, table, spec = read(path)
    assert table.layout == "Qualtrics" and [row.line for row in rows] == [4, 5, 6, 7]
    assert (spec.text, spec.id) == ("Q3", "ResponseId")
    assert comments(rows, spec)[0].scores == {"nps": 9, "csat": 5}


def test_exports_columns_named_by_their_question_text():
    table = open_input(ReadOptions(str(EXPORTS / "qualtrics.csv")))
    spec = resolve_columns(table.columns, labels=table.labels, sample=table.sample,
                           text_column="Is there anything else you would like to tell us about  your experience?",
                           scores={"rating": "How likely are you to recommend Acme to a friend or colleague?"})
    assert spec.text == "Q3" and spec.scores["Q1"][0] == "rating"
    with pytest.raises(InputError, match=r"\[E011\]"):
        resolve_columns(table.columns, labels=table.labels, text_column="No such question?")


def test_exports_flags_and_headerless_files_are_not_guessed():
    # Womens Clothing E-Commerce Reviews: `Recommended IND` is a 0/1 flag, not an NPS question.
    spec = resolve_columns(["Clothing ID", "Review Text", "Rating", "Recommended IND"],
                           sample=[{"Clothing ID": "767", "Review Text": "Absolutely wonderful - silky and sexy",
                                    "Rating": "4", "Recommended IND": "1"}])
    assert {column: kind for column, (kind, _) in spec.scores.items()} == {"Rating": "rating"}
    # A file without a header (its first comment read as a column name) is not picked by values.
    sample = [{"Wow... Loved this place.": "Crust is not good, the service was slow and rude.", "1": "0"}] * 5
    with pytest.raises(InputError, match=r"\[E012\]"):
        resolve_columns(["Wow... Loved this place.", "1"], sample=sample)


def test_exports_google_forms_columns_named_by_questions():
    rows, table, spec = read(EXPORTS / "google_forms.csv")
    assert table.layout is None and spec.text == "What can we improve?" and spec.id is None
    assert {kind for kind, _ in spec.scores.values()} == {"csat", "nps"}
    records = comments(rows, spec)
    assert [r.id for r in records[:2]] == ["1", "2"] and records[0].scores == {"csat": 5, "nps": 10}
    assert isinstance(records[2], ErrorRecord) and records[2].line == 4


def test_exports_cli_qualtrics_analyses_answers_only(tmp_path):
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(EXPORTS / "qualtrics.csv"), "-o", str(out), "--errors", str(errors),
                                      "--no-model"])
    assert result.exit_code == 0, result.stderr
    assert "(Qualtrics export, 3 header rows): text='Q3', id='ResponseId', scores: nps=Q1, csat=Q2" in result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["row"] for r in records] == [1, 2, 4]
    assert not any("ImportId" in r["text"] or r["text"].startswith("Is there") for r in records)
    [error] = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert (error["row"], error["line"], error["error"]["code"]) == (3, 6, "empty_text")


def _zendesk_incremental(n_tickets: int, rated_from: int) -> list[dict]:
    """Tickets as Zendesk's incremental export writes them, one per line: the older ones were
    solved before the satisfaction survey went out, so `satisfaction_rating` and `solved_at`
    appear first at line `rated_from` + 1."""
    texts = ["My parcel arrived two days late and the box was crushed.",
             "The agent sorted out my refund in five minutes, thank you.",
             "I cannot log in since the last update; it says my password is wrong.",
             "Billing charged me twice for the same order.",
             "Nobody answered my emails for a week."]
    tickets = []
    for i in range(n_tickets):
        ticket = {"url": f"https://example.zendesk.com/api/v2/tickets/{7000 + i}.json", "id": 7000 + i,
                  "created_at": f"2025-03-{1 + i % 28:02d}T10:00:00Z", "type": "question",
                  "subject": "Order issue", "raw_subject": "Order issue",
                  "description": f"{texts[i % len(texts)]} (order {50000 + i})", "priority": "normal",
                  "status": "solved", "requester_id": 900 + i, "submitter_id": 900 + i, "assignee_id": 12,
                  "tags": ["web"], "via": {"channel": "web"}}
        if i >= rated_from:
            ticket["satisfaction_rating"] = {"score": "bad" if i % 3 == 0 else "good", "comment": None}
            ticket["solved_at"] = f"3/{1 + i % 28}/2025 4:05 PM"
        tickets.append(ticket)
    return tickets


@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".json"])
def test_json_keys_first_seen_after_row_200_are_found(tmp_path, suffix):
    tickets = _zendesk_incremental(260, rated_from=230)
    path = tmp_path / f"tickets{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps({"tickets": tickets, "next_page": None, "count": len(tickets)}), encoding="utf-8")
    else:
        text = "".join(json.dumps(t) + "\n" for t in tickets)
        path.write_bytes(gzip.compress(text.encode()) if suffix.endswith(".gz") else text.encode())
    rows, table, spec = read(path)
    assert "satisfaction_rating.score" in table.columns and "solved_at" in table.columns
    # Chosen by its values, as any column: good/bad as CSAT, the dates as month first.
    assert {column: kind for column, (kind, _) in spec.scores.items()} == {"satisfaction_rating.score": "csat"}
    records = comments(rows, spec)
    assert len(records) == 260
    assert [r.scores for r in records[228:232]] == [{}, {}, {"csat": 4.0}, {"csat": 2.0}]
    assert records[231].fields["solved_at"] == "2025-03-08T16:05:00"


def test_json_lines_from_a_pipe_say_their_keys_come_from_the_first_rows(tmp_path):
    text = "".join(json.dumps(t) + "\n" for t in _zendesk_incremental(80, rated_from=60))
    result = CliRunner().invoke(cli, ["analyze", "-", "-o", str(tmp_path / "out.jsonl")], input=text)
    assert result.exit_code == 0, result.output
    assert "JSON keys are those of the first 50 rows" in " ".join(result.stderr.split())


def test_json_late_keys_are_columns_of_the_table_output(tmp_path):
    path = tmp_path / "tickets.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in _zendesk_incremental(240, rated_from=210)), encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert "solved_at" in header and "csat" in header


@pytest.mark.parametrize("name, content", [
    ("header.csv", "id,comment,nps\r\n"),
    # A Qualtrics download filtered to no responses: its three header rows and nothing under them.
    ("qualtrics.csv", "".join((EXPORTS / "qualtrics.csv").read_text(encoding="utf-8").splitlines(keepends=True)[:3])),
    ("array.json", "[]"),
    ("tickets.json", '{"tickets": [], "next_page": null, "previous_page": null, "count": 0}'),
    ("conversations.json", '{"type": "conversation.list", "pages": {"page": 1}, "total_count": 0, "conversations": []}'),
])
def test_exports_with_no_rows_give_zero_records_and_say_so(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Read 0 rows: the input has no rows under its header; nothing was analysed" in " ".join(result.stderr.split())
    assert out.read_bytes() == b""


def test_exports_a_row_with_an_empty_list_is_a_row_not_an_empty_envelope(tmp_path):
    path = tmp_path / "one.json"
    path.write_text('{"id": 7, "comment": "The shoes pinch.", "items": []}', encoding="utf-8")
    rows, _, spec = read(path)
    assert [row.values["comment"] for row in rows] == ["The shoes pinch."] and spec.text == "comment"


def test_exports_excel_csv_with_trailing_empty_columns_and_embedded_newlines(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text('id,comment,rating,,,\r\n1,Fast delivery and a fair price.,5,,,\r\n'
                    '2,"The app crashes on login.\r\nEvery time, since the update.",1,,,\r\n3,Okay overall.,3,,,\r\n'
                    ',,,,,\r\n', encoding="utf-8")
    rows, _, spec = read(path)
    records = comments(rows, spec)
    assert (spec.text, spec.id) == ("comment", "id")
    assert [r.id for r in records[:3]] == ["1", "2", "3"]
    assert records[1].text == "The app crashes on login.\nEvery time, since the update."
    assert [r.scores for r in records[:3]] == [{"rating": 5}, {"rating": 1}, {"rating": 3}]
    # The empty columns right of the table are not columns of the records.
    assert all(not r.fields for r in records[:3])
    # Excel's row of empty cells under the table is a row with nothing to analyse: an error record.
    assert isinstance(records[3], ErrorRecord) and records[3].code == "empty_text" and len(records) == 4


def test_exports_a_value_under_a_blank_header_is_kept_in_its_row(tmp_path):
    path = tmp_path / "excel.csv"
    lines = [f"{i},Comment number {i} about the delivery.,4,," for i in range(1, 60)] + ["60,Late one.,2,,stray note"]
    path.write_text("id,comment,rating,,\r\n" + "\r\n".join(lines) + "\r\n", encoding="utf-8")
    rows, table, spec = read(path)
    assert table.columns == ["id", "comment", "rating"]
    assert rows[-1].values["column_5"] == "stray note" and "column_4" not in rows[-1].values
