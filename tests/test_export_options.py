"""Reading exports: the flags for shapes not detected (--source, --header-rows, --skip-rows,
--member, --score-map, --date-format, repeated --text-column), and the readers under them
(JSON envelopes and dotted paths, encodings, dates, duplicates)."""

from __future__ import annotations

import codecs
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.columns import mark_duplicates, resolve_read, to_comment
from feedback.config import ReadOptions
from feedback.errors import InputError, OptionsError
from feedback.io import open_input
from feedback.io.dates import iso_date, plan_dates
from feedback.io.encodings import guess_legacy_encoding
from feedback.records import Comment, ErrorRecord, SourceRow

EXPORTS = Path(__file__).parent / "data" / "exports"


def spec_and_comments(read: ReadOptions) -> tuple[object, list[Comment | ErrorRecord]]:
    table = open_input(read)
    spec = resolve_read(table.columns, read, labels=table.labels, sample=table.sample, notes=table.notes,
                        preset=table.preset)
    return spec, [to_comment(r, spec) if isinstance(r, SourceRow) else r for r in table.rows]


# --- JSON ----------------------------------------------------------------------------------

def test_export_options_dotted_paths_address_nested_fields(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(json.dumps({"n": 1, "msg": {"body": "Slow refund, no reply"}, "rating": {"stars": 2}}) + "\n",
                    encoding="utf-8")
    spec, records = spec_and_comments(ReadOptions(str(path), text_column="msg.body", id_column="n",
                                                  scores=(("csat", "rating.stars"),)))
    assert records[0].text == "Slow refund, no reply" and records[0].scores == {"csat": 2} and records[0].id == "1"


def test_export_options_score_found_in_a_later_jsonl_line(tmp_path):
    lines = [{"id": i, "comment": f"Comment number {i} about delivery"} for i in range(3)]
    lines.append({"id": 3, "comment": "The courier was late again", "csat": 2})
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    spec, records = spec_and_comments(ReadOptions(str(path)))
    assert records[3].scores == {"csat": 2} and records[0].scores == {}


def test_export_options_one_line_envelope_and_a_ticket_with_a_comments_list(tmp_path):
    envelope = tmp_path / "e.json"
    envelope.write_text(json.dumps({"results": [{"id": 1, "text": "Great"}, {"id": 2, "text": "Bad"}], "count": 2}),
                        encoding="utf-8")
    assert [r.text for r in spec_and_comments(ReadOptions(str(envelope)))[1]] == ["Great", "Bad"]
    # One ticket on one line, with a list of comments: a row, not an envelope of comments.
    ticket = tmp_path / "t.json"
    ticket.write_text(json.dumps({"id": 7, "description": "My parcel never arrived at all", "comments": [
        {"id": 1, "body": "My parcel never arrived"}, {"id": 2, "body": "We are sorry"}]}), encoding="utf-8")
    spec, records = spec_and_comments(ReadOptions(str(ticket)))
    assert [r.id for r in records] == ["7"] and spec.text == "description"


# --- flags for shapes not detected -----------------------------------------------------------

def test_export_options_skip_rows_and_header_rows(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text("Weekly feedback report\nGenerated 2025-03-10\nid,q1,q2\n,Why did you call?,Score\n"
                    "1,The app would not load my bills,3\n2,Agent fixed it fast,5\n", encoding="utf-8")
    table = open_input(ReadOptions(str(path), skip_rows=2, header_rows=2))
    rows = list(table.rows)
    assert table.columns == ["id", "q1", "q2"] and table.labels["q1"] == "Why did you call?"
    assert [r.values["q1"] for r in rows] == ["The app would not load my bills", "Agent fixed it fast"]
    assert [r.line for r in rows] == [5, 6] and [r.row for r in rows] == [1, 2]
    with pytest.raises(OptionsError):
        ReadOptions(str(path), skip_rows=-1)


def test_export_options_limit_counts_data_rows_not_the_header_rows(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text("id,q1\n,Why did you call?\n" + "".join(f"{i},Comment number {i}\n" for i in range(1, 6)),
                    encoding="utf-8")
    table = open_input(ReadOptions(str(path), header_rows=2, limit=3))
    assert [r.values["q1"] for r in table.rows] == ["Comment number 1", "Comment number 2", "Comment number 3"]
    assert table.labels["q1"] == "Why did you call?"
    with pytest.raises(OptionsError):
        ReadOptions(str(path), limit=0)


def test_export_options_source_forces_a_vendor(tmp_path):
    path = tmp_path / "renamed.csv"
    path.write_text("Review Title,Review Content,Review Stars,Review ID\nBroken zip,The zip broke on day two,1,a1\n",
                    encoding="utf-8")
    spec, records = spec_and_comments(ReadOptions(str(path), source="trustpilot"))
    assert spec.texts == ("Review Title", "Review Content") and records[0].scores == {"rating": 1}
    with pytest.raises(InputError, match="Unknown source 'nope'"):
        open_input(ReadOptions(str(path), source="nope"))


def test_export_options_zip_with_several_files_needs_member(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", "id,comment\n1,Fine service\n")
        archive.writestr("b.csv", "id,comment\n2,Slow service\n")
        archive.writestr("__MACOSX/._a.csv", "junk")
    with pytest.raises(InputError, match="holds 2 files: 'a.csv', 'b.csv'"):
        open_input(ReadOptions(str(path)))
    assert [r.values["comment"] for r in open_input(ReadOptions(str(path), member="b.csv")).rows] == ["Slow service"]
    with pytest.raises(InputError, match="no file 'c.csv'"):
        open_input(ReadOptions(str(path), member="c.csv"))


def test_export_options_score_map_labels_and_file(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,comment,csat\n1,Okay I guess,Meh\n2,Loved it,Over the moon\n", encoding="utf-8")
    mapping = tmp_path / "map.csv"
    mapping.write_text("label,value\nOver the moon,5\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out), "--score-map", "meh=2",
                                      "--score-map", str(mapping)])
    assert result.exit_code == 0, result.stderr
    assert [json.loads(line)["scores"] for line in out.read_text().splitlines()] == [{"csat": 2}, {"csat": 5}]
    bad = CliRunner().invoke(cli, ["analyze", str(path), "--score-map", "nonsense"])
    assert bad.exit_code == 2 and "LABEL=NUMBER" in bad.stderr


def test_export_options_repeated_text_column_keeps_spans(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("id,liked,disliked\n1,The staff,The queue was long\n2,,Parking\n", encoding="utf-8")
    spec, records = spec_and_comments(ReadOptions(str(path), text_columns=("liked", "disliked")))
    assert records[0].text == "The staff\n\nThe queue was long"
    assert records[0].text_fields == (("liked", 0, 9), ("disliked", 11, 29))
    assert records[1].text == "Parking" and records[1].text_fields == (("disliked", 0, 7),)


# --- detection -------------------------------------------------------------------------------

def test_export_options_flags_only_stop_with_the_candidates(tmp_path):
    path = tmp_path / "flags.csv"
    path.write_text("feedback,rating\n" + "".join(f"{i % 2},{i % 5 + 1}\n" for i in range(10)), encoding="utf-8")
    with pytest.raises(InputError, match=r"E028.*'feedback' is named like comments but holds codes"):
        spec_and_comments(ReadOptions(str(path)))


def test_export_options_two_free_text_columns_stop_with_both(tmp_path):
    path = tmp_path / "two.csv"
    rows = [f"{i},The delivery number {i} was late and cold,Staff on shift {i} were rude to me" for i in range(6)]
    path.write_text("n,alpha,beta\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="'alpha' .*'beta' .*all hold free text"):
        spec_and_comments(ReadOptions(str(path)))


def test_export_options_score_named_column_of_stars_is_a_rating_and_flags_are_not_nps(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("comment,score,Recommend NPS\n" + "".join(f"Review {i} text here,{i % 5 + 1},{i % 2}\n"
                                                             for i in range(6)), encoding="utf-8")
    spec, _ = spec_and_comments(ReadOptions(str(path)))
    assert {kind for kind, _ in spec.scores.values()} == {"rating"}
    assert "only 0 and 1" in " ".join(spec.why.values())


# --- encodings, dates, duplicates -------------------------------------------------------------

@pytest.mark.parametrize(("text", "encoding", "expected"), [
    ("Très bon service, livraison rapide. Le produit était cassé à l'arrivée", "cp1252", "cp1252"),
    ("Größe passt nicht, sonst alles gut", "cp1252", "cp1252"),
    ("Zboží přišlo poškozené, žádná odpověď. Děkuji, jsem spokojený", "cp1250", "cp1250"),
    ("Towar przyszedł uszkodzony, obsługa nie odpowiada", "cp1250", "cp1250"),
    ("产品到达时已损坏，客服没有回复。谢谢，非常满意", "gb18030", "gb18030"),
    ("商品が壊れて届きました。返事がありません。", "shift_jis", "cp932"),
])
def test_export_options_legacy_encodings(text, encoding, expected):
    data = ("id,comment\n1," + text + "\n").encode(encoding)
    assert guess_legacy_encoding(data) == expected
    assert data.decode(expected).endswith(text + "\n")


@pytest.mark.parametrize(("values", "expected"), [
    (["3/10/2025 10:21:33", "3/11/2025 9:01:02"], ["2025-03-10T10:21:33", "2025-03-11T09:01:02"]),
    (["13/03/2025 08:00", "01/04/2025 17:30"], ["2025-03-13T08:00:00", "2025-04-01T17:30:00"]),  # day first: 13
    (["03/13/2025", "04/01/2025"], ["2025-03-13", "2025-04-01"]),  # month first: 13 in second place
    (["31-Jul-18", "1-Aug-18"], ["2018-07-31", "2018-08-01"]),
    (["18-12-2024 17:17", "01-12-2024 09:00"], ["2024-12-18T17:17:00", "2024-12-01T09:00:00"]),
    # A period between hours and minutes, as the airline posts' export has them.
    (["24-02-2015 11.35", "16-02-2015 09.05"], ["2015-02-24T11:35:00", "2015-02-16T09:05:00"]),
    (["24.02.2015 11.35", "16.02.2015 09.05"], ["2015-02-24T11:35:00", "2015-02-16T09:05:00"]),
    ([1739870000, 1740990000], ["2025-02-18T09:13:20Z", "2025-03-03T08:20:00Z"]),
    (["1740816931000", "1741038002000"], ["2025-03-01T08:15:31Z", "2025-03-03T21:40:02Z"]),
])
def test_export_options_date_formats_chosen_per_column(values, expected):
    sample = [{"created_date": v} for v in values]
    (plan,) = plan_dates(["created_date"], sample)
    assert [iso_date(v, plan) for v in values] == expected


def test_export_options_date_format_forced_and_ids_are_not_epochs():
    sample = [{"when": "05/06/2025"}, {"when": "07/08/2025"}]
    (plan,) = plan_dates(["when"], sample, date_format="%d/%m/%Y")
    assert iso_date("05/06/2025", plan) == "2025-06-05"
    assert plan_dates(["order_id"], [{"order_id": 1739870000}, {"order_id": 1740990000}]) == []


def test_export_options_duplicates_are_marked_with_the_first_id():
    rows = [SourceRow(n, n, {"id": f"r{n}", "comment": text}) for n, text in
            enumerate(["Great app!", "great   app", "Slow", "GREAT APP."], 1)]
    spec = resolve_read(["id", "comment"], ReadOptions())
    marked = list(mark_duplicates(rows, spec))
    assert [r.duplicate_of for r in marked] == [None, "r1", None, "r1"]
    assert [r.duplicate_of for r in mark_duplicates(rows, spec, limit=0)] == [None] * 4  # nothing remembered


def test_export_options_utf16_google_play_without_bom(tmp_path):
    text = (EXPORTS / "google_play_reviews.csv").read_bytes()[2:]
    path = tmp_path / "reviews.csv"
    path.write_bytes(text)
    table = open_input(ReadOptions(str(path)))
    assert table.encoding == "utf-16-le" and table.preset["text_columns"] == ("Review Title", "Review Text")
    assert codecs.BOM_UTF16_LE not in path.read_bytes()[:2]


def test_export_options_console_lines_above_the_header_are_left_out(tmp_path):
    # As in the real CFPB 2015-2020 sample: `unzip` output captured above the header.
    path = tmp_path / "c.csv"
    path.write_text("Archive:  /tmp/complaints.csv.zip\n  inflating: complaints.csv\n"
                    "Date received,Product,Consumer complaint narrative,Complaint ID\n"
                    "2020-03-18,Mortgage,They lost my payment twice,101\n2020-03-19,Card,,102\n", encoding="utf-8")
    table = open_input(ReadOptions(str(path)))
    rows = list(table.rows)
    assert table.columns[0] == "Date received" and [r.line for r in rows] == [4, 5]
    assert "2 lines above the header left out ('Archive:" in table.notes[0]
    # A one-column file whose comments have commas keeps its header.
    plain = tmp_path / "p.csv"
    plain.write_text('comment\n"Fine, thanks, fast"\n"Slow, rude, late"\n', encoding="utf-8")
    assert open_input(ReadOptions(str(plain))).columns == ["comment"]


def test_export_options_source_names_on_the_command_line_are_the_vendors():
    from feedback.cli.options import SOURCE_NAMES
    from feedback.io.vendors import SOURCES

    assert set(SOURCE_NAMES) == set(SOURCES)


def test_export_options_cli_reports_encoding_dates_and_passed_over_columns(tmp_path):
    out = tmp_path / "o.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(EXPORTS / "helpdesk_fuzzy.csv"), "-o", str(out)])
    assert result.exit_code == 0
    said = " ".join(result.stderr.split())
    assert "'Created' read as month/day (%m/%d/%Y %I:%M %p)" in said
    assert said.count("'TTR' is named like a ttr score") == 1  # once for the column, not per row
    assert all(not json.loads(line)["problems"] for line in out.read_text(encoding="utf-8").splitlines())


def test_export_options_camel_case_json_fields(tmp_path):
    # The App Store Connect / Google Play Developer API spell fields in camelCase.
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps({"reviewId": f"r{i}", "starRating": i % 5 + 1, "reviewText": f"Review {i} of the app",
                                        "lastModified": f"2025-0{i + 1}-01"}) + "\n" for i in range(3)), encoding="utf-8")
    spec, records = spec_and_comments(ReadOptions(str(path)))
    assert spec.text == "reviewText" and spec.id == "reviewId"
    assert [r.scores for r in records] == [{"rating": 1}, {"rating": 2}, {"rating": 3}]


def test_export_options_envelope_one_level_down(tmp_path):
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"status": "ok", "data": {"reviews": [{"id": "a", "review": "Lovely fit, soft fabric"},
                                                                     {"id": "b", "review": "Seams came apart"}]}}),
                    encoding="utf-8")
    table = open_input(ReadOptions(str(path)))
    assert "rows in 'data.reviews'" in table.name and [r.values["id"] for r in table.rows] == ["a", "b"]


def test_export_options_an_id_that_repeats_names_something_else():
    # As in the real clothing reviews: `Clothing ID` is the product (21 values in 50 reviews).
    sample = [{"Clothing ID": str(1000 + i % 4), "Review Text": f"Review {i} text"} for i in range(20)]
    spec = resolve_read(["Clothing ID", "Review Text"], ReadOptions(), sample=sample)
    assert spec.id is None and "'Clothing ID' repeats (4 values in the first 20 rows)" in spec.why["id"]
    unique = [{"Order ID": f"o{i}", "Review Text": f"Review {i} text"} for i in range(20)]
    assert resolve_read(["Order ID", "Review Text"], ReadOptions(), sample=unique).id == "Order ID"
