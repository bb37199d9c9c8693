"""Integrity and messages (issue 12): model.json and its arrays are checked on load, and what
reaches a terminal, a Markdown page or a spreadsheet is escaped for it."""

import hashlib
import io
import json
import shutil
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.errors import ModelError
from feedback.model import load_model, save_model
from feedback.model.persist import model_checksum
from feedback.pipeline import default_model_path


@pytest.fixture
def model_dir(tmp_path):
    target = tmp_path / "m"
    shutil.copytree(default_model_path(), target)
    return target


def edit_meta(model_dir, change, *, reseal=False):
    path = model_dir / "model.json"
    meta = json.loads(path.read_text())
    change(meta)
    if reseal:
        meta["model_sha256"] = model_checksum(meta)
    path.write_text(json.dumps(meta))


def swap_themes(meta):
    themes = meta["themes"]
    themes[0], themes[1] = themes[1], themes[0]


META_EDITS = {
    "swap_two_themes": swap_themes,
    "rename_a_theme": lambda m: m["themes"].__setitem__(0, "refunds"),
    "edit_the_card": lambda m: m["card"].update(command="feedback train other.jsonl"),
    "edit_a_vocabulary_term": lambda m: m["vocabulary"].__setitem__(0, "zzz"),
    "change_a_threshold_param": lambda m: m["params"].update(threshold_beta=5.0),
    "drop_the_checksum": lambda m: m.pop("model_sha256"),
    "blank_the_checksum": lambda m: m.update(model_sha256=""),
}


@pytest.mark.parametrize("edit", list(META_EDITS))
def test_an_edited_model_json_is_refused_with_one_line(model_dir, tmp_path, edit):
    edit_meta(model_dir, META_EDITS[edit])
    with pytest.raises(ModelError, match=r"^\[E222\]"):
        load_model(str(model_dir))
    data = tmp_path / "a.csv"
    data.write_text("comment\nslow delivery\n")
    result = CliRunner().invoke(cli, ["analyze", str(data), "--model", str(model_dir)])
    assert result.exit_code == 1 and "[E222]" in result.stderr and "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_a_saved_model_carries_its_checksum_and_loads(tmp_path):
    model = load_model(default_model_path())
    save_model(model, str(tmp_path / "again"), card=model.card_)
    meta = json.loads((tmp_path / "again" / "model.json").read_text())
    assert meta["model_sha256"] == model_checksum(meta)
    assert load_model(str(tmp_path / "again")).themes_ == model.themes_
    shipped = json.loads((tmp_path / "again" / "model.json").read_text())
    assert shipped["model_sha256"] == model_checksum(shipped)


def npy(array=None, *, header=None, data=b""):
    buffer = io.BytesIO()
    if header is None:
        np.lib.format.write_array(buffer, array, allow_pickle=False)
    else:
        np.lib.format.write_array_header_1_0(buffer, header)
        buffer.write(data)
    return buffer.getvalue()


def replace_array(model_dir, name, content):
    weights = model_dir / "weights.npz"
    with zipfile.ZipFile(weights) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    members[f"{name}.npy"] = content
    with zipfile.ZipFile(weights, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    # Sealed again, as an attacker or a careless tool would: only the content checks catch it.
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    edit_meta(model_dir, lambda m: m.update(weights_sha256=digest), reseal=True)


ARRAYS = {
    "strings": ("idf", lambda: npy(np.array(["a", "b"]))),
    "bytes": ("coef", lambda: npy(np.array([b"x"]))),
    "huge_shape": ("coef", lambda: npy(header={"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)})),
    "three_dimensions": ("coef", lambda: npy(np.zeros((2, 2, 2), dtype=np.float32))),
    "one_dimension": ("coef", lambda: npy(np.zeros(9, dtype=np.float32))),
    "wrong_intercept": ("intercept", lambda: npy(np.zeros(3, dtype=np.float32))),
    "complex": ("thresholds", lambda: npy(np.zeros(9, dtype=np.complex64))),
    "truncated": ("idf", lambda: npy(np.zeros(100, dtype=np.float32))[:-40]),
    "not_npy": ("idf", lambda: b"hello"),
}


@pytest.mark.parametrize("case", list(ARRAYS))
def test_a_tampered_array_is_refused_with_one_line(model_dir, tmp_path, case):
    name, content = ARRAYS[case]
    replace_array(model_dir, name, content())
    with pytest.raises(ModelError, match=r"^\[E20[56]\]"):
        load_model(str(model_dir))
    data = tmp_path / "a.csv"
    data.write_text("comment\nslow delivery\n")
    result = CliRunner().invoke(cli, ["analyze", str(data), "--model", str(model_dir)])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "[E20" in lines[0] and len(lines[0]) < 400


# --- What reaches a terminal, a Markdown page or a spreadsheet is escaped for it -------------

ESCAPES = ["\x1b[2J\x1b[H", "\x1b]0;pwned\x07", "\x9b31m", "line\rOVERWRITE", "\u202eevil", "bell\x07"]
RAW = ("\x1b", "\x07", "\x9b", "\r", "\u202e")


def hostile_records(analyze_one, nasty):
    lines = []
    for i in range(4):
        record = analyze_one(f"The delivery was slow {nasty} https://evil.example/x" if i % 2 else "Lovely staff")
        record["scores"], record["fields"] = {"nps": 2 if i % 2 else 9}, {"channel": f"web{nasty}", "cell": " =1+1"}
        if i == 3:
            record["themes"][0]["theme"] = record["themes"][0]["parent"] = f"speed{nasty}"
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("nasty", ESCAPES)
def test_the_text_report_shows_control_sequences_without_obeying_them(tmp_path, analyze_one, nasty):
    path = tmp_path / "r.jsonl"
    path.write_text(hostile_records(analyze_one, nasty))
    result = CliRunner().invoke(cli, ["report", str(path), "--by", "channel", "--min-count", "1"])
    assert result.exit_code == 0, result.output
    assert not any(c in result.stdout for c in RAW)
    shown = nasty.encode("unicode_escape").decode("ascii").replace("\\r", "\\x0d")
    assert f"web{shown}" in result.stdout and f"speed{shown}" in result.stdout


@pytest.mark.parametrize("nasty", ESCAPES)
def test_themes_and_error_messages_show_control_sequences_without_obeying_them(tmp_path, nasty):
    toml_nasty = json.dumps(nasty)  # a TOML basic string takes JSON's escapes
    path = tmp_path / "t.toml"
    path.write_text(f'name = {toml_nasty}\nversion = "1"\n[themes.speed]\nlabel = {toml_nasty}\n'
                    f'description = {toml_nasty}\nterms = ["slow"]\n'
                    f'[themes.speed.subthemes.wait]\nlabel = {toml_nasty}\nterms = ["wait"]\n')
    for args in (["themes", "--taxonomy", str(path)], ["themes", "--check", str(path)]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert not any(c in result.output for c in RAW)
    result = CliRunner().invoke(cli, ["analyze", str(tmp_path / f"missing{nasty}.csv")])
    assert result.exit_code == 1 and not any(c in result.stderr for c in RAW)
    data = tmp_path / "a.csv"
    data.write_text(f"comment,nps{nasty.replace(chr(13), '')}\nslow,3\n")
    result = CliRunner().invoke(cli, ["analyze", str(data), "--no-model", "--score", f"nps=nps{nasty}"])
    assert not any(c in result.stderr for c in RAW)


def test_markdown_reports_leave_no_bare_link(analyze_one):
    from feedback.report import make_report, render

    records = []
    for i, text in enumerate(["Slow delivery, see https://evil.example/a?b=c and www.evil.example",
                              "Slow delivery: write to jane@evil.example.", "Lovely staff"]):
        record = analyze_one(text)
        record["scores"] = {"nps": 2 if i < 2 else 9}
        records.append(record)
    md = render(make_report(records, min_count=1), "md")
    import re

    # Outside code spans, nothing that GitHub would turn into a link.
    outside = re.sub(r"`[^`]*`", "", md)
    assert "://" not in outside and "www." not in outside and "@evil" not in outside
    assert "`https://evil.example/a?b=c`" in md and "`jane@evil.example`" in md


@pytest.mark.parametrize("cell", [" =1+1", "\t=cmd|' /C calc'!A0", "  +1", " -2+3", " @SUM(A1)", "\n=1", "=1"])
def test_csv_cells_with_a_formula_after_whitespace_are_neutralised(cell):
    from feedback.report.formats import _csv_cell

    assert _csv_cell(cell) == "'" + cell
    assert _csv_cell(" plain") == " plain" and _csv_cell(-2.5) == -2.5


def test_csv_report_neutralises_segments_with_leading_whitespace(tmp_path, analyze_one):
    path = tmp_path / "r.jsonl"
    path.write_text(hostile_records(analyze_one, ""))
    result = CliRunner().invoke(cli, ["report", str(path), "--by", "cell", "--format", "csv", "--min-count", "1"])
    assert result.exit_code == 0
    assert '"\' =1+1"' in result.stdout and '" =1+1"' not in result.stdout
