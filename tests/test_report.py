"""The theme report: numbers by hand on small inputs, the CLI, the renderers, and the bundled example."""

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import feedback
from feedback.cli.report import report as report_command
from feedback.errors import InputError, OptionsError, ReportError
from feedback.report import ReportAccumulator, make_report, read_records, render
from feedback.report.aggregate import TopK, excerpt
from feedback.report.dates import parse_date

from .report_data import example_jsonl, example_records, record

GOLDEN = Path(__file__).parent / "data" / "golden"


def small_records():
    """Six comments whose figures are worked out by hand in the tests below."""
    return [
        record("r1", [("speed/waiting", -0.6)], {"nps": 2, "csat": 1, "ttr": 10},
               fields={"channel": "phone", "submitted_at": "2025-01-05"}),
        record("r2", [("speed", 0.5), ("price", -0.3)], {"nps": 9, "csat": 5},
               fields={"channel": "web", "submitted_at": "2025-01-20"}),
        record("r3", [("price/billing", -0.8)], {"nps": 5, "csat": 2, "ttr": 4},
               fields={"channel": "phone", "submitted_at": "2025-02-03"}),
        record("r4", [], {"nps": 10, "csat": 5}, fields={"channel": "web", "submitted_at": "2025-02-10"}),
        record("r5", [("customer_service", 0.8)], {"nps": 10, "csat": 4, "ttr": 1}, compound=-0.5,
               fields={"channel": "store", "submitted_at": "2025-03-01T09:30:00Z"}),
        record("r6", [("speed/waiting", -0.4), ("speed/waiting", -0.2)], {"nps": 0, "csat": 1}, compound=0.6,
               fields={"channel": "phone", "submitted_at": "2025-03-15"}),
    ]


def theme(report, theme_id):
    return next(t for t in report["themes"] if t["theme"] == theme_id)


def invoke(*args, input=None):
    return CliRunner().invoke(report_command, [str(a) for a in args], input=input, catch_exceptions=False)


def jsonl(records):
    return "".join(json.dumps(r) + "\n" for r in records)


def test_report_overall_scores_by_hand():
    report = make_report(small_records(), min_count=1)
    assert report["n_comments"] == 6
    nps = report["overall"]["nps"]
    # NPS 2, 9, 5, 10, 10, 0: promoters 9, 10, 10; detractors 2, 5, 0 -> 50% - 50% = 0.
    assert (nps["value"], nps["n"]) == (0.0, 6)
    assert report["overall"]["csat"]["value"] == pytest.approx(100 * 3 / 6, abs=1e-4)  # 5, 5, 4
    ttr = report["overall"]["ttr"]
    assert (ttr["value"], ttr["n"], ttr["mean"]) == (4.0, 3, 5.0)  # median and mean of 10, 4, 1


def test_report_theme_metrics_and_impact_by_hand():
    report = make_report(small_records(), min_count=1)
    speed = theme(report, "speed")  # r1, r2, r6 (subthemes count for their parent)
    assert (speed["count"], speed["share"]) == (3, 0.5)
    # Per comment the mean of its mentions (r6: -0.3), then the mean over comments.
    assert speed["sentiment"] == pytest.approx((-0.6 + 0.5 - 0.3) / 3, abs=1e-4)
    assert speed["share_negative"] == pytest.approx(2 / 3, abs=1e-4)
    nps = speed["scores"]["nps"]
    # With speed: 2, 9, 0 -> (1 - 2) / 3 = -33.33. Without: 5, 10, 10 -> (2 - 1) / 3 = +33.33.
    assert nps["value"] == pytest.approx(-100 / 3, abs=1e-4)
    assert nps["impact"] == pytest.approx(0 - 100 / 3, abs=1e-4)
    assert nps["n"] == 3
    assert len(nps["impact_ci95"]) == 2 and nps["impact_uncertain"] is True
    price = theme(report, "price")  # r2 (9) and r3 (5): NPS 0; without: 2, 10, 10, 0: NPS 0.
    assert price["scores"]["nps"]["impact"] == 0.0
    assert price["scores"]["ttr"]["n"] == 1


def test_report_json_layout_keeps_the_documented_keys():
    report = make_report(small_records(), by="channel", period="month", date_column="submitted_at")
    assert {"n_comments", "overall", "themes", "drivers", "segments", "periods"} <= report.keys()
    assert set(report["overall"]["nps"]) >= {"value", "n", "ci95"}
    entry = report["themes"][0]
    assert set(entry) >= {"theme", "count", "share", "sentiment", "scores"}
    assert set(entry["scores"]["nps"]) >= {"value", "n", "ci95", "impact", "impact_ci95"}
    json.dumps(report, allow_nan=False)  # plain JSON, no NaN


def test_report_min_count_flags_small_themes_and_hides_them_from_tables():
    report = make_report(small_records(), min_count=3)
    flags = {t["theme"]: t["below_min_count"] for t in report["themes"]}
    assert flags == {"speed": False, "price": True, "customer_service": True}
    text = render(report, "text")
    assert "2 theme(s) with fewer than 3 comments not shown" in text
    assert "customer_service " not in text.split("Impact on NPS")[1].split("\n\n")[0]


def test_report_depth_2_lists_subthemes_after_their_parent():
    report = make_report(small_records(), depth=2, min_count=1)
    ids = [(t["theme"], t["level"]) for t in report["themes"]]
    assert ids.index(("speed", 1)) + 1 == ids.index(("speed/waiting", 2))
    assert theme(report, "speed/waiting")["count"] == 2
    assert theme(report, "price/billing")["count"] == 1
    assert report["drivers"]["level"] == "subtheme"


def test_report_segments_by_carried_field():
    report = make_report(small_records(), by="channel", min_count=1)
    groups = {g["segment"]: g for g in report["segments"]["groups"]}
    assert report["segments"]["by"] == "channel"
    assert [g["segment"] for g in report["segments"]["groups"]] == ["phone", "web", "store"]  # biggest first
    assert groups["phone"]["overall"]["nps"]["value"] == -100.0  # 2, 5, 0
    assert groups["web"]["overall"]["nps"]["value"] == 100.0  # 9, 10
    phone_speed = next(t for t in groups["phone"]["themes"] if t["theme"] == "speed")
    assert (phone_speed["count"], phone_speed["share"]) == (2, pytest.approx(2 / 3, abs=1e-4))


def test_report_segment_missing_values_and_unknown_field():
    records = small_records()
    records[0]["fields"].pop("channel")
    report = make_report(records, by="channel", min_count=1)
    assert "(missing)" in [g["segment"] for g in report["segments"]["groups"]]
    expected = r"\[E303\] `by` 'chanel': no record carries this field\. Fields: channel, submitted_at"
    with pytest.raises(InputError, match=expected):
        make_report(small_records(), by="chanel")


def test_report_periods_fill_gaps_and_read_iso_datetimes():
    records = small_records()
    records[3]["fields"]["submitted_at"] = "not a date"
    report = make_report(records, period="month", date_column="submitted_at", min_count=1)
    periods = report["periods"]
    assert [p["period"] for p in periods["series"]] == ["2025-01", "2025-02", "2025-03"]
    assert [p["n_comments"] for p in periods["series"]] == [2, 1, 2]
    assert periods["n_undated"] == 1
    march = periods["series"][2]
    assert march["themes"]["speed"]["count"] == 1 and march["themes"]["speed"]["share"] == 0.5
    quarterly = make_report(small_records() + [record("r7", [], {"nps": 8},
                                                      fields={"submitted_at": "2025-08-01"})],
                            period="quarter", date_column="submitted_at")
    assert [(p["period"], p["n_comments"]) for p in quarterly["periods"]["series"]] == [
        ("2025-Q1", 6), ("2025-Q2", 0), ("2025-Q3", 1)]


def test_report_periods_need_a_readable_date():
    expected = r"\[E304\] `date_column` 'd': no value is a date like 2025-03-11 \(e\.g\. 'soon'\)"
    with pytest.raises(InputError, match=expected):
        make_report([record("a", [], {"nps": 1}, fields={"d": "soon"})], period="week", date_column="d")


@pytest.mark.parametrize("value,expected", [
    ("2025-03-11", (2025, 3, 11)), ("2025/3/1", (2025, 3, 1)), ("2025-03-11T10:00:00Z", (2025, 3, 11)),
    ("2025-03-11 10:00", (2025, 3, 11)), ("11/03/2025", None), ("2025-02-30", None), (20250311, None),
])
def test_report_parse_date(value, expected):
    day = parse_date(value)
    assert (day.year, day.month, day.day) == expected if expected else day is None


def test_report_emerging_theme_in_last_period():
    records = []
    for month in (1, 2, 3, 4):
        for i in range(20):
            chatbot = i < (2 if month < 4 else 9)  # 10% of comments, then 45% in April
            records.append(record(f"{month}-{i}", [("automation/chatbot", -0.5)] if chatbot else [("price", 0.2)],
                                  {"nps": 5}, fields={"at": f"2025-{month:02d}-1{i % 9}"}))
    report = make_report(records, period="month", date_column="at")
    emerging = {e["theme"]: e for e in report["periods"]["emerging"]}
    assert emerging["automation"]["emerging"] is True
    assert emerging["automation"]["share_last"] == 0.45 and emerging["automation"]["share_before"] == 0.1
    assert emerging["price"]["emerging"] is False
    # 1 -> 3 mentions is not a trend, whatever the z.
    few = [record(f"a{i}", [("speed", -0.5)] if i == 0 else [], {}, fields={"at": "2025-01-01"}) for i in range(30)]
    few += [record(f"b{i}", [("speed", -0.5)] if i < 3 else [], {}, fields={"at": "2025-02-01"}) for i in range(4)]
    rows = make_report(few, period="month", date_column="at")["periods"]["emerging"]
    assert rows[0]["z"] > 1.96 and rows[0]["emerging"] is False


def test_report_mismatch_counts_per_theme_and_examples():
    report = make_report(small_records(), min_count=1)
    mismatch = report["mismatch"]
    assert (mismatch["high_score_complaint"], mismatch["low_score_praise"], mismatch["n_judged"]) == (1, 1, 6)
    assert theme(report, "customer_service")["mismatch"] == {"high_score_complaint": 1, "low_score_praise": 0}
    assert theme(report, "speed")["mismatch"] == {"high_score_complaint": 0, "low_score_praise": 1}
    assert [e["id"] for e in mismatch["examples"]["high_score_complaint"]] == ["r5"]
    assert mismatch["examples"]["low_score_praise"][0]["themes"] == ["speed"]


def test_report_quotes_most_negative_and_most_positive_with_evidence():
    report = make_report(small_records(), min_count=1)
    quotes = report["quotes"]["speed"]
    assert [q["id"] for q in quotes["negative"]] == ["r1", "r6"]  # -0.6 before -0.3
    assert [q["id"] for q in quotes["positive"]] == ["r2"]
    first = quotes["negative"][0]
    start, end = first["evidence"][0]
    assert first["text"][start:end] == "waiting"


def test_report_quote_heaps_stay_bounded():
    top = TopK(3)
    for i in range(1000):
        top.push((float(-i),), lambda i=i: i)
    assert top.items() == [999, 998, 997]
    # The clearest (to one decimal) first, then the shortest: r499 and r498 are both.
    records = [record(f"r{i}", [("price", -i / 1000)], {"nps": 5}, text="price " + "x" * (500 - i), compound=-0.5)
               for i in range(500)]
    accumulator = ReportAccumulator(n_quotes=2).update(records)
    assert [q["id"] for q in accumulator.finish().quotes["price"]["negative"]] == ["r499", "r498"]


def test_report_excerpt_keeps_evidence_of_long_comments():
    text = "Filler sentence. " * 30 + "The hold music was awful and endless. " + "More filler here. " * 20
    start = text.index("hold music")
    spans = [(start, start + len("hold music"), 30)]
    sentences = [{"start": i * 17, "end": i * 17 + 16} for i in range(30)] + [{"start": 510, "end": 547}]
    cut, evidence = excerpt(text, sentences, spans, limit=120)
    assert cut.startswith("…The hold music") and cut.endswith("…") and len(cut) <= 122
    assert cut[evidence[0][0]:evidence[0][1]] == "hold music"


def test_report_skips_error_records_and_rejects_other_objects():
    records = small_records() + [{"schema_version": "1.0", "error": {"code": "empty_text", "message": "x"}}]
    assert make_report(records)["n_skipped"] == 1
    with pytest.raises(InputError, match=r"\[E302\] Record 2 is not a `feedback analyze` record"):
        make_report([small_records()[0], {"id": "x", "comment": "hello"}])
    with pytest.raises(InputError, match=r"\[E301\]"):
        make_report([])
    for broken in ({"sentiment": "good"}, {"themes": ["speed"]}, {"fields": ["channel"]}):
        with pytest.raises(InputError, match=r"\[E310\] Record 2 is not a `feedback analyze` record: a field has"):
            make_report([small_records()[0], {**small_records()[1], **broken}], by="channel")


def test_report_options_and_formats_fail_with_codes():
    with pytest.raises(OptionsError, match=r"\[E502\] `period` must be one of day, week, month, quarter, not 'year'"):
        make_report(small_records(), period="year", date_column="submitted_at")
    with pytest.raises(OptionsError, match=r"\[E520\] `period` needs `date_column`"):
        make_report(small_records(), period="month")
    with pytest.raises(OptionsError, match=r"\[E521\] `date_column` is only used with `period`"):
        make_report(small_records(), date_column="submitted_at")
    with pytest.raises(OptionsError, match=r"\[E503\] `min_count` must be at least 1"):
        make_report(small_records(), min_count=0)
    with pytest.raises(ReportError, match=r"\[E307\] Unknown report format 'pdf'"):
        render(make_report(small_records()), "pdf")


def test_read_records_skips_blank_lines_and_a_bom_and_names_bad_lines(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + jsonl(small_records()[:2]).encode() + b"\n  \r\n" + b'{"id": "c\xffd"}\r\n')
    records = list(read_records(str(path)))
    assert [r["id"] for r in records] == ["r1", "r2", "c\ufffdd"]
    for line, code, reason in (("[1, 2]", "E309", "a JSON list, not an object"), ("null", "E309", "a JSON NoneType"),
                               ("{not json", "E308", "not valid JSON (Expecting property name")):
        path.write_text(jsonl(small_records()[:1]) + "\n" + line + "\n", encoding="utf-8")
        with pytest.raises(InputError, match=re.escape(f"[{code}] {path} line 3 is {reason}")):
            list(read_records(str(path)))


def test_read_records_reads_every_line_as_json_loads_does(tmp_path):
    """Lines the fast decoder refuses (NaN, 1e400, a lone surrogate, a record separator) read as
    json.loads reads them, and lines across the reader's chunk boundaries stay whole."""
    odd = ['{"id": "nan", "scores": {"nps": NaN}}', '{"id": "big", "scores": {"nps": 1e400}}',
           '{"id": "\\ud800"}', '\x1e{"id": "rs"}', '{"id": "deep", "x": 123456789012345678901234567890}']
    plain = [json.dumps({"id": f"r{i}", "text": "x" * (i % 997)}) for i in range(3000)]
    lines = plain[:1500] + odd + plain[1500:]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")  # the last line without its newline
    assert path.stat().st_size > 1 << 20  # more than one chunk
    records = list(read_records(str(path)))
    assert repr(records) == repr([json.loads(line.lstrip("\x1e")) for line in lines])


def test_importing_reports_loads_no_spacy():
    code = ("import sys; import feedback.report; from feedback.report import make_report, render; "
            "assert 'spacy' not in sys.modules, 'feedback.report loaded spaCy'")
    root = str(Path(feedback.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_report_without_scores_or_themes():
    report = make_report([record("a", [], {}), record("b", [("price", -0.5)], {})])
    assert report["overall"] == {} and report["drivers"]["scores"] == {}
    assert theme(report, "price")["scores"] == {}
    for fmt in ("text", "md", "csv", "html", "json"):
        assert render(report, fmt)


def test_report_drivers_find_the_planted_driver():
    records = []
    for i in range(300):
        waiting, staff = i % 3 == 0, i % 5 == 0
        themes = ([("speed", -0.6)] if waiting else []) + ([("customer_service", 0.7)] if staff else [])
        nps = 9 if staff and not waiting else 2 if waiting else (9 if i % 2 else 7)
        records.append(record(str(i), themes, {"nps": nps}))
    drivers = make_report(records)["drivers"]
    assert "RidgeCV" in drivers["method"]
    fit = drivers["scores"]["nps"]
    by_name = {(d["theme"], d["sentiment"]): d for d in fit["drivers"]}
    assert by_name[("speed", "negative")]["effect"] < -50 and by_name[("speed", "negative")]["ci95"][1] < 0
    assert by_name[("customer_service", "positive")]["effect"] > 0
    assert fit["drivers"][0]["theme"] == "speed"
    assert sum(d["share"] for d in fit["drivers"]) == pytest.approx(1, abs=1e-3)


# --- the command -------------------------------------------------------------------------------


def test_report_cli_reads_stdin_and_writes_json(tmp_path):
    out = tmp_path / "r.json"
    result = invoke("-", "-o", out, "--min-count", "1", input=jsonl(small_records()))
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["overall"]["nps"]["value"] == 0.0
    assert "Wrote" in result.stderr


@pytest.mark.parametrize("name,marker", [
    ("r.md", "# Customer feedback report"), ("r.csv", '"segment","theme"'), ("r.html", "<!DOCTYPE html>"),
    ("r.txt", "feedback report: 6 comments"),
])
def test_report_cli_format_from_extension(tmp_path, name, marker):
    src = tmp_path / "in.jsonl"
    src.write_text(jsonl(small_records()), encoding="utf-8")
    result = invoke(src, "-o", tmp_path / name)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_text(encoding="utf-8").startswith(marker)


def test_report_cli_text_table_on_stdout():
    result = invoke("-", "--by", "channel", "--period", "month", "--date-column", "submitted_at",
                    input=jsonl(small_records()))
    assert result.exit_code == 0
    for heading in ("Scores over 6 comments", "Impact on NPS (points)", "Drivers of NPS", "Segments by channel",
                    "Scores per month", "Emerging themes", "Text and score disagree"):
        assert heading in result.stdout


def test_report_cli_errors(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(small_records()[0]) + "\n\n{not json\n", encoding="utf-8")
    result = invoke(bad)
    assert result.exit_code == 1
    assert f"Error: [E308] {bad} line 3 is not valid JSON" in result.stderr
    result = invoke(tmp_path / "missing.jsonl")
    assert result.exit_code == 1 and "No such file" in result.stderr
    result = invoke("-", "--period", "month", input=jsonl(small_records()))
    assert result.exit_code == 2 and "[E520] --period needs --date-column" in result.stderr
    result = invoke("-", "--by", "region", input=jsonl(small_records()))
    assert result.exit_code == 1
    assert "Error: [E303] --by 'region': no record carries this field. Fields: channel, submitted_at" in result.stderr
    assert not list(tmp_path.glob("*.tmp"))


def test_report_cli_period_uses_the_records_only_date_field(tmp_path):
    """`--period` alone: the one field that holds dates is used, and the run says so; with two,
    one coded line names both. Standard input can not be read twice, so it still needs the name."""
    path = tmp_path / "a.jsonl"
    path.write_text(jsonl(small_records()), encoding="utf-8")
    result = invoke(path, "--period", "month")
    assert result.exit_code == 0, result.output
    assert "Trends by 'submitted_at', the records' only date field" in result.stderr
    assert "per month" in result.stdout and "2025-03" in result.stdout
    # A field the reader rewrote from a spreadsheet's "24-02-2015 11.35" counts too (`_raw_dates`).
    two = [dict(r, fields={**r["fields"], "closed": "03/15/2025 10:00", "_raw_dates": {"closed": "x"}})
           for r in small_records()]
    path.write_text(jsonl(two), encoding="utf-8")
    result = invoke(path, "--period", "month")
    assert result.exit_code == 2
    assert "[E541] --period needs --date-column: the records carry 2 date fields ('submitted_at', 'closed')" in result.stderr
    assert invoke(path, "--period", "month", "--date-column", "submitted_at").exit_code == 0


# --- renderers -----------------------------------------------------------------------------------


FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+2", "-2+3", "@SUM(A1:A2)", "\tcmd", "\rcmd"]


def test_report_csv_neutralises_formulas_but_keeps_negative_numbers():
    records = [record(f"r{i}", [("speed", -0.5)] if i % 4 else [], {"nps": 0 if i % 4 else 10},
                      fields={"channel": FORMULAS[i % len(FORMULAS)]}) for i in range(24)]
    report = make_report(records, by="channel", min_count=1)
    text = render(report, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len([r for r in rows if r["segment"] == ""]) == 1  # one theme x one score overall
    segments = {r["segment"] for r in rows} - {""}
    assert segments == {"'" + f for f in FORMULAS}
    for row in rows:
        assert not row["segment"].startswith(("=", "+", "-", "@", "\t", "\r"))
    overall = next(r for r in rows if r["segment"] == "")
    assert float(overall["impact"]) < 0  # a negative number, not "'-100.0"
    assert f",{overall['impact']}," in text  # written bare: Excel reads it as a number
    parsed = list(csv.reader(io.StringIO(text), quoting=csv.QUOTE_NONNUMERIC))
    assert isinstance(parsed[1][CSV_INDEX["impact"]], float)


CSV_INDEX = {name: i for i, name in enumerate(
    ["segment", "theme", "level", "count", "share", "sentiment", "share_negative", "below_min_count", "score", "value",
     "n", "ci95_low", "ci95_high", "mean", "impact", "impact_ci95_low", "impact_ci95_high", "impact_uncertain"])}


def test_report_csv_neutralises_theme_ids_too():
    report = make_report([record("a", [("=cmd", -0.5)], {"nps": 1}), record("b", [], {"nps": 9})])
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert rows[0]["theme"] == "'=cmd"


def test_report_markdown_escapes_comment_text_and_bolds_evidence():
    nasty = "The **waiting** was <script>alert(1)</script> | awful [link](http://x)"
    report = make_report([record("a", [("speed/waiting", -0.9)], {"nps": 1}, text=nasty),
                          record("b", [], {"nps": 9})], min_count=1)
    md = render(report, "md")
    assert "<script>" not in md and "&lt;script&gt;" in md
    assert "\\*\\***waiting**\\*\\*" in md  # the evidence in bold, the user's asterisks literal
    # A bare URL would render as a link (GitHub autolinks it): it is shown in a code span.
    assert "\\| awful \\[link\\](`http://x`)" in md


def test_report_text_and_json_agree():
    report = make_report(small_records(), min_count=1)
    assert json.loads(render(report, "json")) == report
    assert "-33.3" in render(report, "text")


# --- the bundled example: the planted effects show -----------------------------------------------


@pytest.fixture(scope="module")
def example_report():
    return make_report(example_records(), by="channel", period="quarter", date_column="submitted_at", depth=2)


def test_report_example_headline(example_report):
    nps = example_report["overall"]["nps"]
    assert nps["n"] == 598 and -14 < nps["value"] < -11  # examples/README.md: NPS is about -12
    assert nps["ci95"][0] < nps["value"] < nps["ci95"][1]


def test_report_example_planted_drivers_of_nps(example_report):
    themes = {t["theme"]: t["scores"]["nps"] for t in example_report["themes"]}
    for negative in ("automation", "speed", "automation/chatbot", "speed/waiting"):
        assert themes[negative]["impact"] < 0 and themes[negative]["impact_ci95"][1] < 0, negative
    assert themes["customer_service"]["impact"] > 0 and themes["customer_service"]["impact_ci95"][0] > 0
    drivers = {(d["theme"], d["sentiment"]): d for d in example_report["drivers"]["scores"]["nps"]["drivers"]}
    assert drivers[("automation/chatbot", "negative")]["effect"] < 0
    assert drivers[("customer_service/agents", "positive")]["effect"] > 0


def test_report_example_chatbot_complaints_emerge_in_q4(example_report):
    periods = example_report["periods"]
    assert periods["series"][-1]["period"] == "2025-Q4"
    emerging = {e["theme"]: e for e in periods["emerging"]}
    assert emerging["automation/chatbot"]["emerging"] and emerging["automation"]["emerging"]
    assert emerging["automation/chatbot"]["share_last"] > 3 * emerging["automation/chatbot"]["share_before"]
    assert not emerging["price"]["emerging"]


def test_report_example_channels(example_report):
    shares = {g["segment"]: {t["theme"]: t["share"] for t in g["themes"]} for g in example_report["segments"]["groups"]}
    waiting = {seg: s.get("speed/waiting", 0) for seg, s in shares.items()}
    assert max(waiting, key=waiting.get) == "phone" and waiting["phone"] > 0.2
    staff = {seg: s.get("customer_service", 0) for seg, s in shares.items()}
    assert max(staff, key=staff.get) == "store"


def test_report_example_matches_a_hand_count_from_the_jsonl(example_report):
    def nps(values):
        return 100 * (sum(v >= 9 for v in values) - sum(v <= 6 for v in values)) / len(values)

    records = [r for r in example_records() if "nps" in r["scores"]]
    everyone = [r["scores"]["nps"] for r in records]
    for entry in example_report["themes"]:
        key = "parent" if entry["level"] == 1 else "theme"
        rest = [r["scores"]["nps"] for r in records if all(m[key] != entry["theme"] for m in r["themes"])]
        assert entry["scores"]["nps"]["impact"] == pytest.approx(nps(everyone) - nps(rest), abs=1e-3), entry["theme"]


def test_report_example_cli_end_to_end(tmp_path):
    out = tmp_path / "example.json"
    result = invoke(example_jsonl(), "-o", out, "--period", "quarter", "--date-column", "submitted_at")
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["n_comments"] == 599 and report["quotes"]["automation"]["negative"]


def _odd_records(base):
    """Real analysed records (clothing reviews, CC0), and copies with every shape a hand-edited or
    older record may take that the report reads, as dicts, without failing."""
    edits = [
        lambda r: {**r, "sentiment": {"compound": 1}}, lambda r: {**r, "sentiment": {"compound": "-0.5"}},
        lambda r: {**r, "sentiment": {"compound": None}}, lambda r: {**r, "sentiment": None},
        lambda r: {**r, "sentiment": {}}, lambda r: {k: v for k, v in r.items() if k != "sentiment"},
        lambda r: {**r, "sentiment": 0}, lambda r: {**r, "skipped": "no_answer", "sentiment": None, "themes": []},
        lambda r: {**r, "scores": {"rating": True, "nps": 10 ** 400, "csat": 4.5, "ces": "3", "ttr": None}},
        lambda r: {**r, "scores": {"nps": 3}}, lambda r: {**r, "fields": None},
        lambda r: {k: v for k, v in r.items() if k != "fields"}, lambda r: {**r, "fields": []},
        lambda r: {**r, "themes": [{k: v for k, v in m.items() if k != "parent"} for m in r["themes"]]},
        lambda r: {**r, "themes": [{**m, "sentiment": -1} for m in r["themes"]]},
        lambda r: {**r, "themes": [{**m, "theme": None} for m in r["themes"]]},
        lambda r: {**r, "themes": [{**m, "sentence": "x", "start": None} for m in r["themes"]]},
        lambda r: {**r, "text": r["text"].replace(" and ", " &amp; ")}, lambda r: {**r, "text": None},
        lambda r: {**r, "sentences": None}, lambda r: {**r, "error": {"code": "x"}},
        lambda r: {"schema_version": "1.0", "error": {"code": "empty_text", "message": "x"}},
    ]
    return base + [edit(base[i % len(base)]) for i, edit in enumerate(edits)]


def test_report_on_a_jsonl_file_is_the_report_on_its_records(tmp_path):
    """A JSONL file is read line by line into only what the report counts: every figure, quote
    and example is the one the records as dicts give, for any shape a record takes."""
    from feedback.report.records_in import JsonlRecords, ReportRecord

    base = [json.loads(line) for line in (GOLDEN / "clothing-model.expected.jsonl").read_text("utf-8").splitlines()]
    records = _odd_records(base)
    path = tmp_path / "in.jsonl"
    path.write_text(jsonl(records), encoding="utf-8")
    typed = sum(type(r) is ReportRecord for r, _ in JsonlRecords(str(path)).lines())
    assert len(records) / 2 < typed < len(records)  # most lines take the typed path, the odd ones not
    for options in ({}, {"depth": 2, "by": "Department Name", "min_count": 2},
                    {"where": ("Department Name!=Dresses",), "by": ("Department Name",)}):
        assert make_report(read_records(str(path)), **options) == make_report(records, **options)
    for broken in ({"sentiment": {"compound": "good"}}, {"sentiment": {"compound": True}},
                   {"themes": [{"theme": 5, "sentiment": 0.5}]}, {"themes": [{"theme": "speed", "sentiment": "x"}]},
                   {"themes": ["speed"]}, {"scores": []}, {"text": 5, "themes": [{"theme": "speed", "sentiment": 0.9}]}):
        bad = base[:3] + [{**base[3], **broken}]
        path.write_text(jsonl(bad), encoding="utf-8")
        with pytest.raises(InputError) as as_dicts:
            make_report(bad, by="Department Name")
        with pytest.raises(InputError, match=re.escape(str(as_dicts.value))):
            make_report(read_records(str(path)), by="Department Name")
