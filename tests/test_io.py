import codecs
import io
import json

import pytest

from feedback.errors import InputError
from feedback.io import atomic_output, detect_format, open_table


def rows_of(path, **kw):
    table = open_table(str(path), **kw)
    return table, list(table.rows)


def test_io_csv_bom_crlf_and_embedded_newlines(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(
        codecs.BOM_UTF8
        + b'id,comment,nps\r\n1,"Line one\r\nline two, with a comma",9\r\n2,"He said ""slow""",3\r\n'
    )
    table, rows = rows_of(path)
    assert table.columns == ["id", "comment", "nps"]
    assert [r.values["comment"] for r in rows] == ["Line one\r\nline two, with a comma", 'He said "slow"']
    assert [(r.row, r.line) for r in rows] == [(1, 2), (2, 4)]


def test_io_excel_semicolon_csv_with_sep_line(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("sep=;\nid;comment;csat\n1;Quick and easy;5\n", encoding="utf-8")
    table, rows = rows_of(path)
    assert table.columns == ["id", "comment", "csat"]
    assert rows[0].values == {"id": "1", "comment": "Quick and easy", "csat": "5"}
    assert rows[0].line == 3


def test_io_semicolon_delimiter_is_sniffed(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_text('comment;nps\n"Good, fast";9\n', encoding="utf-8")
    table, rows = rows_of(path)
    assert rows[0].values == {"comment": "Good, fast", "nps": "9"}


def test_io_tsv_and_utf16(tmp_path):
    path = tmp_path / "export.tsv"
    path.write_bytes("comment\tcsat\nTrès bien 👍\t5\n".encode("utf-16"))
    table, rows = rows_of(path)
    assert rows[0].values == {"comment": "Très bien 👍", "csat": "5"}


def test_io_ansi_export_is_read_as_cp1252(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("comment,nps\nCaf\u00e9 staff \u2019lovely\u2019,9\n".encode("cp1252"))
    table, rows = rows_of(path)
    assert table.encoding == "cp1252"
    assert rows[0].values["comment"] == "Caf\u00e9 staff \u2019lovely\u2019"
    assert rows[0].problems == ()


def test_io_stray_bytes_in_utf8_spoil_one_row_only(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("comment,nps\nna\u00efve \u00fcber fine,9\n".encode() + b"caf\xe9 was slow,2\nbad \x81 byte,3\n")
    table, rows = rows_of(path)
    assert table.encoding == "utf-8"
    assert rows[0].values["comment"] == "na\u00efve \u00fcber fine" and rows[0].problems == ()
    assert rows[1].values["comment"] == "caf\u00e9 was slow"
    assert [p.code for p in rows[1].problems] == ["invalid_encoding"]
    assert "Windows-1252" in rows[1].problems[0].message
    assert rows[2].values["comment"] == "bad \ufffd byte"
    assert "U+FFFD" in rows[2].problems[0].message


def test_io_ragged_rows_and_duplicate_headers(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("comment,score,score,\nok,1,2,3,4\nshort\n", encoding="utf-8")
    table, rows = rows_of(path)
    assert table.columns == ["comment", "score", "score_2", "column_4"]
    assert rows[0].values["_extra"] == ["4"]
    assert [p.code for p in rows[0].problems] == ["extra_fields"]
    assert rows[1].values["score"] is None
    assert [p.code for p in rows[1].problems] == ["missing_fields"]


def test_io_jsonl_bad_lines_become_error_records(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "good", "nps": 9}\n\n[1, 2]\n{"text": "trunc\n{"text": "last"}\n', encoding="utf-8")
    table, rows = rows_of(path)
    assert table.columns == ["text", "nps"]
    kinds = [(type(r).__name__, r.row, r.line) for r in rows]
    assert kinds == [("SourceRow", 1, 1), ("ErrorRecord", 2, 3), ("ErrorRecord", 3, 4), ("SourceRow", 4, 5)]
    assert rows[1].code == "not_an_object"
    assert rows[2].code == "invalid_json"


def test_io_stdin_format_is_sniffed(monkeypatch):
    data = b'{"comment": "hi"}\n'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    table = open_table("-")
    assert table.format == "jsonl"
    assert [r.values for r in table.rows] == [{"comment": "hi"}]


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_io_empty_file_is_an_input_error(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match="is empty"):
        open_table(str(path))


def test_io_missing_file_and_unknown_extension(tmp_path):
    with pytest.raises(InputError, match="No such file"):
        open_table(str(tmp_path / "nope.csv"))
    with pytest.raises(InputError, match=r"\[E004\].*`format`"):
        detect_format("export.xlsx")
    assert detect_format("export.xlsx", "csv") == "csv"
    assert detect_format("a.ndjson") == "jsonl"


def test_io_atomic_output_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.jsonl"
    with pytest.raises(RuntimeError):
        with atomic_output(str(target)) as f:
            f.write("partial\n")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []
    with atomic_output(str(target)) as f:
        f.write(json.dumps({"a": 1}) + "\n")
    assert target.read_text() == '{"a": 1}\n'
    assert list(tmp_path.iterdir()) == [target]


def test_io_atomic_output_has_normal_permissions(tmp_path):
    import os

    target = tmp_path / "report.html"
    with atomic_output(str(target)) as f:
        f.write("<p>hi</p>")
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
