"""Malformed and hostile exports: every run completes or stops with a one-line reason, and in
every completed run each input row ends as exactly one record or one error record."""

import codecs
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli

H = "id,comment,nps\n"


def rows(*lines: str) -> str:
    return H + "".join(line + "\n" for line in lines)


THREE = rows('1,"Quick and friendly, thanks",9', "2,Waited an hour on hold,2", "3,The app keeps crashing,4")
rng = random.Random(7)
GARBAGE = bytes(rng.randrange(256) for _ in range(4000))

# name -> (file name, content bytes, expected data rows or None when the run must stop, extra args)
CASES = {
    "utf8": ("a.csv", THREE.encode(), 3, []),
    "utf8_bom": ("a.csv", codecs.BOM_UTF8 + THREE.encode(), 3, []),
    "utf16_le_bom": ("a.csv", THREE.encode("utf-16"), 3, []),
    "utf16_be_bom": ("a.csv", codecs.BOM_UTF16_BE + THREE.encode("utf-16-be"), 3, []),
    "utf16_le_no_bom": ("a.csv", THREE.encode("utf-16-le"), 3, []),
    "cp1252": ("a.csv", rows("1,Caf\u00e9 \u2018lovely\u2019 staff,9", "2,\u00a3100 too much,3").encode("cp1252"), 2, []),
    "invalid_utf8": ("a.csv", H.encode() + b"1,caf\xc3\xa9 fine,9\n2,bad \x81\x8d bytes,3\n3,ok,7\n", 3, []),
    "crlf": ("a.csv", THREE.replace("\n", "\r\n").encode(), 3, []),
    "lone_cr": ("a.csv", THREE.replace("\n", "\r").encode(), 3, []),
    "mixed_line_ends": ("a.csv", (H + "1,one,9\r\n2,two,8\r3,three,7\n").encode(), 3, []),
    "quoted_newlines": ("a.csv", rows('1,"line one\nline two\r\nline three",9', '2,"a ""quoted"" word",8', "3,x,7").encode(), 3, []),
    "unbalanced_quote_mid": ("a.csv", rows("1,fine,9", '2,"never closes,5', "3,still read,7", "4,and this,8").encode(), 4, []),
    "unbalanced_quote_last": ("a.csv", rows("1,fine,9", '2,"never closes at the end').encode(), 2, []),
    "unbalanced_quote_second_last": ("a.csv", rows("1,fine,9", '2,"never closes,5', "3,last row,7").encode(), 3, []),
    "quoted_newline_last_row": ("a.csv", rows("1,fine,9", '2,"a comment\n1,2,3"').encode(), 2, []),
    "stray_quote_inside": ("a.csv", rows('1,He said "slow" twice,9', "2,ok,8").encode(), 2, []),
    "ragged": ("a.csv", rows("1,too many,9,extra,more", "2,too few", "3,just right,5").encode(), 3, []),
    "duplicate_headers": ("a.csv", b"id,comment,comment,nps\n1,first,second,9\n2,a,b,3\n", 2, []),
    "missing_headers": ("a.csv", b"id,comment,,\n1,fine,x,y\n2,good,,\n", 2, []),
    "duplicate_ids": ("a.csv", rows("1,one,9", "1,again,8", "1,thrice,7").encode(), 3, []),
    "empty_file": ("a.csv", b"", None, []),
    "blank_lines_only": ("a.csv", b"\n\n\r\n", None, []),
    "header_only": ("a.csv", H.encode(), 0, []),
    "no_comment_column": ("a.csv", b"x,y\n1,2\n", None, []),
    "nul_bytes": ("a.csv", H.encode() + b"1,nul\x00 inside,9\n2,\x00\x00,8\n3,ok\x00,7\n", 3, []),
    "ten_mb_comment": ("a.csv", (H + '1,"' + ("Slow delivery and rude staff. " * 350_000) + '",2\n2,short,9\n').encode(), 2, []),
    "long_lines": ("a.csv", (H + "".join(f'{i},"{"price is too high " * 5600}",5\n' for i in range(1, 4))).encode(), 3, []),
    "emoji_rtl": ("a.csv", rows("1,Great service \U0001F600\U0001F44D,9", "2,\u0627\u0644\u062e\u062f\u0645\u0629 \u0633\u064a\u0626\u0629 \u062c\u062f\u0627,2", "3,\u05e9\u05d9\u05e8\u05d5\u05ea \u05de\u05e6\u05d5\u05d9\u05df,10").encode(), 3, []),
    "zero_width": ("a.csv", rows("1,sl\u200bow del\u200divery\u2060,3", "2,\ufeffbom inside text,5").encode(), 2, []),
    "numbers_with_commas_and_percent": ("a.csv", b'id,comment,ttr_hours,score\n1,slow fix,"1,234.5",85%\n2,ok,"3,5",50 %\n3,fine,12,n/a\n', 3, []),
    "bad_scores": ("a.csv", rows("1,nps eleven,11", "2,negative,-1", "3,missing,N/A", "4,words,ten", "5,fraction,8.5").encode(), 5, []),
    "jsonl_truncated": ("a.jsonl", b'{"text": "one", "nps": 9}\n{"text": "two"}\n{"text": "thr', 3, []),
    "jsonl_non_objects": ("a.jsonl", b'{"text": "ok"}\n[1, 2]\n"just a string"\n42\nnull\n', 5, []),
    "jsonl_nested": ("a.jsonl", b'{"text": "nested fields", "meta": {"a": [1, {"b": null}]}, "nps": 7}\n{"text": {"not": "text"}}\n', 2, []),
    "jsonl_mixed_types": ("a.jsonl", b'{"text": 12345}\n{"text": true}\n{"text": null}\n{"text": "real", "nps": "9"}\n{"nps": 3}\n', 5, []),
    "jsonl_bom_crlf": ("a.jsonl", codecs.BOM_UTF8 + b'{"text": "one"}\r\n{"text": "two"}\r\n', 2, []),
    "jsonl_lone_surrogate": ("a.jsonl", b'{"text": "bad \\ud800 surrogate"}\n{"text": "ok", "x": "\\udfff"}\n', 2, []),
    "json_array": ("a.json", b'[{"comment": "one", "nps": 9}, {"comment": "two"}, 3]', 3, []),
    "tsv_quotes": ("a.tsv", b'id\tcomment\tnps\n1\t"tab\tinside"\t9\n2\tplain\t3\n', 2, []),
    "excel_sep_line": ("a.csv", b"sep=;\nid;comment;nps\n1;ok, fine;9\n2;slow;3\n", 2, []),
    "garbage_bytes": ("a.csv", GARBAGE, None, []),
    "whitespace_comments": ("a.csv", rows("1,   ,9", '2," \t ",8', "3,real one,7").encode(), 3, []),
    "wide_row": ("a.csv", (",".join(["comment"] + [f"c{i}" for i in range(1000)]) + "\n" + ",".join(["wide"] + ["1"] * 1000) + "\n").encode(), 1, []),
    "unicode_separators": ("a.csv", rows("1,one\u2028two\u2029three,9").encode(), 1, []),
    "formula_like_text": ("a.csv", rows('1,"=HYPERLINK(""http://x"")",9', "2,+44 7700 900123 call me,3", "3,@channel -1 star,1").encode(), 3, []),
}


def run(tmp_path: Path, name: str, content: bytes, args: list[str]):
    path = tmp_path / name
    path.write_bytes(content)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out), "--errors", str(errors), "--no-model", *args])
    return result, out, errors


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    data = path.read_bytes()
    data.decode("utf-8")  # always valid UTF-8, strictly
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c == "ten_mb_comment" else c for c in CASES])
def test_adversarial_rows_in_equal_records_plus_errors(tmp_path, case, record_validator, error_validator):
    name, content, expected, args = CASES[case]
    result, out, errors = run(tmp_path, name, content, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if expected is None:
        assert result.exit_code == 1
        message = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(message) == 1 and len(message[0]) < 300
        assert not out.exists()
        return
    assert result.exit_code == 0, result.stderr
    records, error_records = read(out), read(errors)
    for record in records:
        record_validator.validate(record)
    for error in error_records:
        error_validator.validate(error)
        assert error["line"] >= 1
    # Every data row is accounted for exactly once, records in input order.
    assert sorted(r["row"] for r in records + error_records) == list(range(1, expected + 1))
    assert [r["row"] for r in records] == sorted(r["row"] for r in records)
    assert f"Read {expected} rows" in result.stderr


@pytest.mark.slow  # a 10 MB comment through the CLI, ~10 s
def test_adversarial_details(tmp_path):
    _, out, errors = run(tmp_path, *CASES["unbalanced_quote_mid"][:2], [])
    assert [r["text"] for r in read(out)] == ["fine", "still read", "and this"]
    ((error),) = read(errors)
    assert (error["error"]["code"], error["line"]) == ("unbalanced_quote", 3)
    # A quote still open at the end of the input is a runaway even with one row after it...
    _, out, errors = run(tmp_path, *CASES["unbalanced_quote_second_last"][:2], [])
    assert [r["text"] for r in read(out)] == ["fine", "last row"]
    assert [(e["error"]["code"], e["row"]) for e in read(errors)] == [("unbalanced_quote", 2)]
    # ...but a last comment whose quote closes keeps its line break, even one that looks like a row.
    _, out, _ = run(tmp_path, *CASES["quoted_newline_last_row"][:2], [])
    assert [r["text"] for r in read(out)] == ["fine", "a comment\n1,2,3"]
    _, out, _ = run(tmp_path, *CASES["numbers_with_commas_and_percent"][:2], [])
    assert [r["scores"] for r in read(out)] == [{"ttr": 1234.5, "score": 85}, {"ttr": 3.5, "score": 50}, {"ttr": 12}]
    _, out, _ = run(tmp_path, *CASES["ten_mb_comment"][:2], [])
    big = read(out)[0]
    assert len(big["text"]) > 10_000_000 and [p["code"] for p in big["problems"]] == ["text_truncated"]
    assert {"speed", "customer_service"} <= {t["parent"] for t in big["themes"]}
    _, out, _ = run(tmp_path, *CASES["jsonl_lone_surrogate"][:2], [])
    assert read(out)[0]["text"] == "bad \ufffd surrogate"
    _, out, _ = run(tmp_path, *CASES["zero_width"][:2], [])
    assert read(out)[0]["text"] == "slow delivery"
