"""A corpus of hostile inputs run through the CLI (issue 12): no Python traceback, and every
row read ends as one record or one error record; what cannot run stops with one coded line."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli

DEEP = "[" * 5000 + "]" * 5000
TAXONOMY = 'name = "t"\nversion = "1"\n[themes.speed]\nlabel = "Speed"\npatterns = [[{LOWER = {REGEX = \'%s\'}}]]\n'

# name -> (file name, content, data rows (None: the run must stop with one line), extra args, side files)
CORPUS = {
    "affix_runs": ("a.csv", "id,comment,nps\n1," + "!" * 20_000 + ",9\n2," + "\U0001F600" * 20_000 + ",3\n"
                   "3,\"" + ":)" * 10_000 + "\",5\n", 3, [], {}),
    "nan_infinity": ("a.jsonl", '{"text": "a", "nps": 9, "x": NaN}\n{"text": "b", "nps": Infinity}\n'
                     'NaN\n{"text": NaN}\n', 4, [], {}),
    "huge_integers": ("a.jsonl", '{"text": "a", "nps": %s, "id": %s}\n{"text": "b", "nps": -%s}\n'
                      % ("9" * 400, "7" * 400, "9" * 400), 2, [], {}),
    "deep_json": ("a.jsonl", '{"text": "a"}\n{"text": "b", "x": %s}\n%s\n{"text": "c", "y": %s}\n'
                  % (DEEP, DEEP, "[" * 900 + "]" * 900), 4, [], {}),
    "deep_json_redact": ("a.jsonl", '{"text": "mail a@b.example"}\n{"text": "b", "x": %s}\n{"text": "c", "y": %s}\n'
                         % (DEEP, "{\"a\": " * 900 + "1" + "}" * 900), 3, ["--redact"], {}),
    "merged_rows": ("a.csv", 'id,comment,nps\n1,fine,9\n2,"never closes,5\n3,"quoted",7\n4,ok,8\n', 4, [], {}),
    "nan_words": ("a.csv", "comment,nps\nnan,9\nNaN,nan\nNone,3\n", 3, [], {}),
    "escape_sequences": ("a.csv", "comment,nps\x1b[2J\n\"slow \x1b]0;title\x07 delivery\",3\n\x9b31mred,9\n", 2,
                         ["--score", "nps=nps\x1b[2J"], {}),
    "escape_in_a_message": ("missing\x1b]0;title\x07.csv", None, None, [], {}),
    "redos_taxonomy": ("a.csv", "comment\n" + "a" * 40 + "!\n", None, ["--taxonomy", "{dir}/t.toml"],
                       {"t.toml": TAXONOMY % "(a+)+$"}),
    "deep_taxonomy": ("a.csv", "comment\nslow\n", None, ["--taxonomy", "{dir}/t.toml"], {"t.toml": "a = " + DEEP}),
    "nan_lexicon": ("a.csv", "comment\nslow\n", None, ["--lexicon", "{dir}/l.tsv"], {"l.tsv": "slow\tnan\n"}),
    "latin1_lexicon": ("a.csv", "comment\nslow\n", None, ["--lexicon", "{dir}/l.tsv"],
                       {"l.tsv": "caf\u00e9\t1\n".encode("latin-1")}),
}


def prepare(tmp_path: Path, case: str):
    name, content, expected, args, side = CORPUS[case]
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    for side_name, side_content in side.items():
        data = side_content.encode() if isinstance(side_content, str) else side_content
        (tmp_path / side_name).write_bytes(data)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    args = [a.replace("{dir}", str(tmp_path)) for a in args]
    return ["analyze", str(path), "-o", str(out), "--errors", str(errors), "--no-model", *args], out, errors, expected


def check(returncode: int, stderr: str, out: Path, errors: Path, expected):
    assert "Traceback" not in stderr, stderr
    if expected is None:
        assert returncode == 1
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: [E") and len(lines[0]) < 500, stderr
        assert not any(c in lines[0] for c in "\x1b\x07\x9b")
        return
    assert returncode == 0, stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    error_records = ([json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
                     if errors.exists() else [])
    assert sorted(r["row"] for r in records + error_records) == list(range(1, expected + 1))
    assert f"Read {expected} rows" in stderr
    assert not any(c in stderr for c in "\x1b\x07\x9b")


@pytest.mark.parametrize("case", list(CORPUS))
def test_hostile_input_through_the_cli(tmp_path, case):
    args, out, errors, expected = prepare(tmp_path, case)
    started = time.perf_counter()
    result = CliRunner().invoke(cli, args)
    assert time.perf_counter() - started < 20  # the affix runs took over a minute before
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    check(result.exit_code, result.stderr, out, errors, expected)


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["--workers", "2"]])
def test_hostile_input_through_the_cli_process(tmp_path, workers):
    """The same corpus in a real process (and worker processes): nothing escapes as a traceback."""
    for case in CORPUS:
        case_dir = tmp_path / case
        case_dir.mkdir()
        args, out, errors, expected = prepare(case_dir, case)
        proc = subprocess.run([sys.executable, "-m", "feedback", *args, *workers], capture_output=True, text=True,
                              timeout=300)
        check(proc.returncode, proc.stderr, out, errors, expected)
