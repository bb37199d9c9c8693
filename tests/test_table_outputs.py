"""`feedback analyze -o x.csv / x.xlsx`: flat, Excel-safe tables, one row per comment (and a
sheet of theme mentions), equal to the JSONL records; unknown extensions and impossible
combinations refused with one coded line."""

import csv
import json
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.errors import OutputError

from .conftest import DATA

CLOTHING = DATA / "golden" / "clothing.csv"  # 40 real reviews (CC0), see tests/data/golden/README.md


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def hostile_export(tmp_path_factory):
    """Real reviews plus cells a spreadsheet would run as formulas."""
    path = tmp_path_factory.mktemp("in") / "reviews.csv"
    text = CLOTHING.read_text(encoding="utf-8")
    text += ('1,"=HYPERLINK(""http://x.test"",""click"")","=1+1 the delivery was slow",2,Tops\n'
             '2,"@SUM(A1)"," -5 stars, rude support",1,"+Dresses"\n')
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def jsonl_run(hostile_export, tmp_path_factory):
    out = tmp_path_factory.mktemp("jsonl") / "out.jsonl"
    result = invoke("analyze", hostile_export, "-o", out, "--no-model")
    assert result.exit_code == 0, result.output
    return read_jsonl(out)


def test_table_outputs_csv_is_the_records_one_row_per_comment(hostile_export, jsonl_run, tmp_path):
    out = tmp_path / "out.csv"
    result = invoke("analyze", hostile_export, "-o", out, "--no-model")
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw  # a BOM, so Excel reads UTF-8
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(keepends=True)))
    assert len(rows) == len(jsonl_run) == 42
    header = list(rows[0])
    assert header[:11] == ["id", "row", "text", "language", "skipped", "sentiment", "sentiment_label", "themes",
                           "problems", "error", "error_message"]
    assert "score_rating" in header and "Title" in header and "Department Name" in header
    themes = [h for h in header if h.startswith("theme_")]
    assert themes == ["theme_speed", "theme_price", "theme_personalization", "theme_convenience",
                      "theme_customer_service", "theme_automation", "theme_proactive_service", "theme_channels",
                      "theme_quality"]
    for row, record in zip(rows, jsonl_run):
        assert row["id"] == record["id"]
        assert float(row["sentiment"]) == record["sentiment"]["compound"]
        mentioned = {t["parent"] for t in record["themes"]}
        assert {h[len("theme_"):] for h in themes if row[h] != ""} == mentioned
        assert row["themes"].split("; ") == list(dict.fromkeys(t["theme"] for t in record["themes"])) or (
            row["themes"] == "" and not record["themes"])
    # Cells a spreadsheet would run are text: prefixed with ' (OWASP), numbers left bare.
    formula, negative = rows[-2], rows[-1]
    # The title is joined to the review (docs/exports.md), so the text starts with the title's formula.
    assert formula["text"].startswith("'=HYPERLINK(") and formula["text"].endswith("=1+1 the delivery was slow")
    assert negative["text"].startswith("'@SUM(A1)") and negative["Department Name"] == "'+Dresses"
    assert negative["score_rating"] == "1"


def test_table_outputs_xlsx_has_typed_cells_and_a_mentions_sheet(hostile_export, jsonl_run, tmp_path):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "out.xlsx"
    result = invoke("analyze", hostile_export, "-o", out, "--no-model")
    assert result.exit_code == 0, result.output
    book = CalamineWorkbook.from_path(str(out))
    assert book.sheet_names == ["comments", "mentions"]
    comments = book.get_sheet_by_name("comments").to_python()
    mentions = book.get_sheet_by_name("mentions").to_python()
    assert len(comments) - 1 == len(jsonl_run) and len(mentions) - 1 == sum(len(r["themes"]) for r in jsonl_run)
    header = comments[0]
    by_name = [dict(zip(header, row)) for row in comments[1:]]
    assert [r["id"] for r in by_name] == [r["id"] for r in jsonl_run]
    assert [r["text"] for r in by_name] == [r["text"] for r in jsonl_run]  # exact: typed text, no prefix
    assert by_name[-2]["text"].startswith("=HYPERLINK(") and by_name[-2]["text"].endswith("=1+1 the delivery was slow")
    with zipfile.ZipFile(out) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no cell is a formula
    first = mentions[1]
    theme = jsonl_run[0]["themes"][0]
    assert first[:3] == [jsonl_run[0]["id"], 1.0, theme["parent"]] and first[6] == theme["evidence"]


@pytest.mark.parametrize("args, code", [
    (["-o", "{tmp}/out.txt"], "[E535]"),
    (["-o", "{tmp}/out.jsonl.gz"], "[E535]"),
    (["-o", "{tmp}/out.csv", "--resume"], "[E533]"),
    (["-o", "-", "--output-format", "xlsx"], "[E534]"),
    (["-o", "{tmp}/parts", "--engine", "dask", "--output-format", "csv"], "[E536]"),
])
def test_table_outputs_refused_with_one_coded_line(tmp_path, args, code):
    result = invoke("analyze", CLOTHING, "--no-model", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and code in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing written under any name


def test_table_outputs_explicit_format_allows_any_name(tmp_path):
    out = tmp_path / "results.txt"
    result = invoke("analyze", CLOTHING, "--no-model", "-o", out, "--output-format", "csv")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8-sig").startswith('"id","row","text"')


def test_table_outputs_xlsx_without_xlsxwriter(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "xlsxwriter", None)
    result = invoke("analyze", CLOTHING, "--no-model", "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 1
    assert "[E025] Excel output needs xlsxwriter: pip install 'feedback[xlsx]'" in result.output
    assert not (tmp_path / "out.xlsx").exists()


def test_table_outputs_xlsx_row_limit_publishes_nothing(tmp_path, monkeypatch):
    from feedback.io import table_files

    monkeypatch.setattr(table_files, "XLSX_MAX_ROWS", 3)
    writer = table_files.XlsxTableWriter(str(tmp_path / "out.xlsx"), {"comments": ["id"]})
    writer.write("comments", ["a"])
    writer.write("comments", ["b"])
    with pytest.raises(OutputError, match=r"\[E537\].*at most 2 rows"):
        writer.write("comments", ["c"])
    writer.abort()
    assert list(tmp_path.iterdir()) == []


def test_table_outputs_mentions_csv_beside_a_csv_output(hostile_export, jsonl_run, tmp_path):
    out, mentions = tmp_path / "out.csv", tmp_path / "mentions.csv"
    result = invoke("analyze", hostile_export, "-o", out, "--mentions", mentions, "--no-model")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(mentions.read_text(encoding="utf-8-sig").splitlines(keepends=True)))
    expected = [(r["id"], t["parent"], t["theme"].partition("/")[2], t["evidence"]) for r in jsonl_run for t in r["themes"]]
    assert [(m["id"], m["theme"], m["subtheme"], m["evidence"]) for m in rows] == expected
    assert list(rows[0]) == ["id", "row", "theme", "subtheme", "polarity", "sentiment", "evidence", "start", "end",
                             "sentence", "negated", "source", "probability"]


@pytest.mark.parametrize("args, code", [
    (["-o", "{tmp}/out.jsonl", "--mentions", "{tmp}/m.csv"], "[E538]"),
    (["-o", "{tmp}/out.csv", "--mentions", "{tmp}/out.csv"], "[E539]"),
    (["-o", "-", "--output-format", "csv", "--mentions", "-"], "[E539]"),
])
def test_table_outputs_mentions_refused(tmp_path, args, code):
    result = invoke("analyze", CLOTHING, "--no-model", *[a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 2 and code in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_table_outputs_identical_with_worker_processes(hostile_export, tmp_path):
    one, two = tmp_path / "one.xlsx", tmp_path / "two.csv"
    assert invoke("analyze", hostile_export, "-o", tmp_path / "one.csv", "--no-model").exit_code == 0
    assert invoke("analyze", hostile_export, "-o", two, "--no-model", "--workers", "2").exit_code == 0
    assert (tmp_path / "one.csv").read_bytes() == two.read_bytes()
    assert invoke("analyze", hostile_export, "-o", one, "--no-model", "--workers", "2").exit_code == 0
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(one)).get_sheet_by_name("comments").to_python()
    assert [r[0] for r in rows[1:]] == [r["id"] for r in csv.DictReader(
        two.read_text(encoding="utf-8-sig").splitlines(keepends=True))]
