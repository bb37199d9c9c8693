import json
from pathlib import Path

from click.testing import CliRunner

from feedback.cli import cli

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample_export.csv"


def invoke(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_cli_analyze_csv_every_row_accounted_for(tmp_path, record_validator, error_validator):
    out = tmp_path / "out.jsonl"
    result = invoke("analyze", SAMPLE, "-o", out)
    assert result.exit_code == 0, result.output
    records = read_jsonl(out)
    errors = read_jsonl(str(out) + ".errors.jsonl")
    for record in records:
        record_validator.validate(record)
    for error in errors:
        error_validator.validate(error)
    # 12 rows in: 11 records + 1 error record (the empty comment), in input order.
    assert [r["id"] for r in records] == [f"T-{i:03d}" for i in range(1, 13) if i != 6]
    assert [(e["id"], e["error"]["code"], e["line"]) for e in errors] == [("T-006", "empty_text", 7)]
    assert errors[0]["values"]["nps"] == "9"  # nothing the row held is lost
    assert "Read 12 rows: 11 analysed (2 with problems noted in the record), 1 could not be analysed" in result.stderr


def test_cli_analyze_record_content(tmp_path):
    out = tmp_path / "out.jsonl"
    invoke("analyze", SAMPLE, "-o", out)
    by_id = {r["id"]: r for r in read_jsonl(out)}
    first = by_id["T-001"]
    assert first["scores"] == {"nps": 2, "csat": 1}
    assert first["fields"] == {"submitted_at": "2025-03-02", "channel": "phone"}
    assert first["sentiment"]["label"] == "negative"
    assert {"speed", "channels"} <= {t["parent"] for t in first["themes"]}
    bad_scores = by_id["T-010"]
    assert bad_scores["scores"] == {"csat": 5}
    assert [p["code"] for p in bad_scores["problems"]] == ["score_out_of_range"]
    assert by_id["T-007"]["scores"] == {"csat": 2}  # "N/A" is a skipped question, not a problem
    assert by_id["T-007"]["problems"] == []
    assert [p["code"] for p in by_id["T-008"]["problems"]] == ["score_not_a_number"]
    assert len(by_id["T-008"]["sentences"]) == 2  # the line break ends a sentence


def test_cli_analyze_stdin_to_stdout_jsonl():
    lines = "\n".join(json.dumps(d) for d in [
        {"id": "a", "feedback": "Support was quick and friendly", "csat": 5},
        {"id": "b", "feedback": "", "csat": 1},
        "not an object",
    ])
    result = invoke("analyze", "-", input=lines)
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in out] == ["a"]
    assert out[0]["scores"] == {"csat": 5}
    errors = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert [(e["row"], e["error"]["code"]) for e in errors] == [(2, "empty_text"), (3, "not_an_object")]


def test_cli_analyze_options_text_id_and_score(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("ref,body,likelihood,hours\nX1,Took forever to fix,3,72\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    result = invoke("analyze", path, "-o", out, "--text-column", "body", "--id-column", "ref",
                    "--score", "nps=likelihood", "--score", "ttr=hours")
    assert result.exit_code == 0, result.output
    (record,) = read_jsonl(out)
    assert record["id"] == "X1"
    assert record["scores"] == {"nps": 3, "ttr": 72}
    assert record["sentiment"]["label"] == "negative"


def test_cli_analyze_missing_text_column_names_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    result = invoke("analyze", path)
    assert result.exit_code == 1
    assert "Error: [E012] No comment column found. Columns: 'a', 'b'. Name it with --text-column." in result.stderr


def test_cli_analyze_unreadable_inputs(tmp_path):
    result = invoke("analyze", tmp_path / "nope.csv")
    assert result.exit_code == 1
    assert "No such file" in result.stderr
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = invoke("analyze", empty)
    assert result.exit_code == 1
    assert "is empty" in result.stderr
    result = invoke("analyze", SAMPLE, "--score", "nps")
    assert result.exit_code == 2
    assert "KIND=COLUMN" in result.stderr


def test_cli_analyze_failed_run_leaves_no_output(tmp_path):
    out = tmp_path / "out.jsonl"
    result = invoke("analyze", SAMPLE, "-o", out, "--text-column", "missing")
    assert result.exit_code == 1
    assert not out.exists()


def test_cli_analyze_strict_fails_on_row_problems(tmp_path):
    result = invoke("analyze", SAMPLE, "-o", tmp_path / "o.jsonl", "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.stderr


def test_cli_analyze_workers_give_identical_output(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert invoke("analyze", SAMPLE, "-o", one).exit_code == 0
    assert invoke("analyze", SAMPLE, "-o", two, "--workers", "2").exit_code == 0
    assert one.read_bytes() == two.read_bytes()


def test_cli_analyze_custom_taxonomy(tmp_path):
    tax = tmp_path / "tax.toml"
    tax.write_text('name = "mini"\nversion = "1"\n[themes.sim]\nlabel = "SIM cards"\nterms = ["sim"]\n')
    out = tmp_path / "o.jsonl"
    assert invoke("analyze", SAMPLE, "-o", out, "--taxonomy", tax).exit_code == 0
    themed = {r["id"]: [t["theme"] for t in r["themes"]] for r in read_jsonl(out)}
    assert themed["T-002"] == ["sim"]
    assert all(t in ([], ["sim"]) for t in themed.values())


def test_cli_themes_lists_and_checks(tmp_path):
    result = invoke("themes")
    assert result.exit_code == 0
    for theme_id in ("speed", "price", "automation", "proactive_service", "quality"):
        assert theme_id in result.output
    data = json.loads(invoke("themes", "--json").output)
    assert [t["id"] for t in data["themes"]][:2] == ["speed", "price"]
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nversion = "1"\n[themes.a]\nlabel = "A"\n')
    result = invoke("themes", "--check", bad)
    assert result.exit_code == 1
    assert "[themes.a]: no terms, exact or patterns" in result.stderr


def test_cli_help_and_root_script(tmp_path):
    import subprocess
    import sys

    assert "Examples" in invoke("analyze", "--help").output
    root = Path(__file__).parent.parent
    proc = subprocess.run([sys.executable, str(root / "cli.py"), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "feedback, version" in proc.stdout


def test_cli_analyze_limit_reads_the_first_rows_only(tmp_path):
    out = tmp_path / "out.jsonl"
    result = invoke("analyze", SAMPLE, "-o", out, "--limit", 7)
    assert result.exit_code == 0, result.output
    # Rows 1-7: the empty comment of row 6 is one of them, as its error record.
    assert [r["id"] for r in read_jsonl(out)] == ["T-001", "T-002", "T-003", "T-004", "T-005", "T-007"]
    assert [e["id"] for e in read_jsonl(str(out) + ".errors.jsonl")] == ["T-006"]
    assert "reading at most the first 7 rows (--limit)" in result.stderr
    assert "Read 7 rows: 6 analysed" in result.stderr
    # The records are those of the whole run, not re-read some other way.
    whole = tmp_path / "whole.jsonl"
    invoke("analyze", SAMPLE, "-o", whole)
    assert read_jsonl(out) == read_jsonl(whole)[:6]


def test_cli_analyze_limit_on_json_lines_and_a_zero_limit(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps({"id": f"r{i}", "comment": f"Delivery number {i} was late"})
                                for i in range(40)) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert invoke("analyze", source, "-o", out, "--limit", 25).exit_code == 0
    assert [r["id"] for r in read_jsonl(out)] == [f"r{i}" for i in range(25)]
    refused = invoke("analyze", source, "-o", out, "--limit", 0)
    assert refused.exit_code == 2 and "--limit" in refused.output
