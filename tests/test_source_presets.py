"""Source presets of a user's own (`io.presets`): `[sources.NAME]` in feedback.toml or --source-file,
used as `--source NAME`; listed by `feedback sources` and `--source help`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.columns import resolve_read, to_comment
from feedback.config import ReadOptions
from feedback.errors import InputError
from feedback.io import open_input
from feedback.records import SourceRow

EXPORTS = Path(__file__).parent / "data" / "exports"

KIOSK_PRESET = """
[sources.kiosk]
title = "In-store kiosk survey"
text = ["Headline", "Tell us more"]
id = "Ticket #"
scores = { nps = "Recommend", csat = "Overall" }
score_map = { "Very happy" = 5, "Happy" = 4, "Unhappy" = 2 }
dates = ["Visit"]
date_format = "%d.%m.%Y %H:%M"
segments = ["Store"]
skip_rows = 1
encoding = "cp1252"
"""
# A kiosk export as a store system writes it: a title line over the table, Windows-1252, dates
# day first with dots, answers as labels, and a staff note longer than any comment (detection
# alone would take it as the text).
KIOSK_CSV = (
    "Kiosk export M\u00fcnchen 2025-03\r\n"
    "Ticket #,Store,Visit,Headline,Tell us more,Recommend,Overall,Staff note\r\n"
    "K-1,Berlin,03.03.2025 10:15,Slow till,The queue at the till took twenty minutes.,3,Unhappy,"
    "Customer waited at the till during the Saturday rush; only one till open, manager informed.\r\n"
    "K-2,M\u00fcnchen,04.03.2025 17:40,Lovely staff,Staff helped me find the right size.,10,Very happy,"
    "Regular customer, asked for the loyalty card and was given the new leaflet at the exit.\r\n"
    "K-3,Berlin,12.03.2025 09:05,,Prices went up again this month.,6,Happy,"
    "Complained about prices at the counter, referred to the weekly offers and the online shop.\r\n"
).encode("cp1252")


@pytest.fixture
def kiosk(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedback.toml").write_text(KIOSK_PRESET, encoding="utf-8")
    (tmp_path / "kiosk.csv").write_bytes(KIOSK_CSV)
    return tmp_path


def test_source_presets_read_the_users_shape_from_feedback_toml(kiosk):
    result = CliRunner().invoke(cli, ["analyze", "kiosk.csv", "--source", "kiosk", "-o", "out.jsonl"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "In-store kiosk survey (preset 'kiosk' in feedback.toml)" in said
    records = [json.loads(line) for line in (kiosk / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["K-1", "K-2", "K-3"]
    assert records[0]["text"] == "Slow till\n\nThe queue at the till took twenty minutes."
    assert [span["column"] for span in records[0]["text_fields"]] == ["Headline", "Tell us more"]
    assert records[2]["text"] == "Prices went up again this month."  # an empty headline is left out
    assert [r["scores"] for r in records] == [{"nps": 3, "csat": 2}, {"nps": 10, "csat": 5}, {"nps": 6, "csat": 4}]
    assert [r["fields"]["Visit"] for r in records] == ["2025-03-03T10:15:00", "2025-03-04T17:40:00", "2025-03-12T09:05:00"]
    assert records[1]["fields"]["Store"] == "M\u00fcnchen"  # cp1252 as the preset says
    assert not any("Kiosk export" in r["text"] for r in records)

    report = CliRunner().invoke(cli, ["report", "out.jsonl", "--source", "kiosk", "--period", "month",
                                      "--format", "json"])
    assert report.exit_code == 0, report.output
    document = json.loads(report.stdout)
    assert "Store" in json.dumps(document["segments"])
    assert document["periods"]["date_column"] == "Visit" and document["periods"]["series"][0]["period"] == "2025-03"


def test_source_presets_options_given_win_over_the_preset(kiosk):
    read = ReadOptions("kiosk.csv", source="kiosk", text_column="Staff note", id_column="Store")
    table = open_input(read)
    spec = resolve_read(table.columns, read, labels=table.labels, sample=table.sample, preset=table.preset)
    assert (spec.texts, spec.id) == (("Staff note",), "Store")
    comments = [to_comment(row, spec) for row in table.rows if isinstance(row, SourceRow)]
    assert comments[0].text.startswith("Customer waited")
    assert comments[0].scores == {"nps": 3, "csat": 2}  # the preset's scores still hold


def test_source_presets_from_a_named_file_can_be_like_a_vendor(tmp_path):
    presets = tmp_path / "presets.toml"
    presets.write_text('[sources.support]\nlike = "zendesk"\ntext = ["subject", "description"]\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(EXPORTS / "zendesk_tickets.json"), "--source", "support",
                                      "--source-file", str(presets), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["35436", "35437", "35438"]
    assert [span["column"] for span in records[0]["text_fields"]] == ["subject", "description"]
    assert [r["scores"] for r in records] == [{"csat": 2}, {"csat": 4}, {}]  # Zendesk's CSAT, from `like`


def test_source_presets_are_listed(kiosk):
    for args in (["sources"], ["analyze", "--source", "help"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert "qualtrics" in result.output and "zendesk" in result.output
        assert "kiosk" in result.output and "In-store kiosk survey" in result.output


@pytest.mark.parametrize("toml, message", [
    ("[sources.kiosk]\ntext = 'Comment'\ncolumns = 3\n", "[E040]"),
    ("[sources.kiosk]\nheader_rows = 0\n", "'header_rows' must be a whole number >= 1"),
    ("[sources.kiosk]\nlike = 'hubspot'\n", "is not a built-in source"),
    ("[sources.kiosk\ntext = 'x'\n", "[E039]"),
    ("[sources.kiosk]\ntext = 'Comment box'\n", "`kiosk.text` 'Comment box' is not a column. Columns: 'Ticket #', 'Store'"),
    ("[sources.kiosk]\ndates = ['When']\n", "`kiosk.dates` 'When' is not a column"),
    ("[sources.other]\ntext = 'Headline'\n", "Unknown source 'kiosk'. Known sources: qualtrics"),
])
def test_source_presets_that_do_not_fit_stop_with_one_line(kiosk, toml, message):
    (kiosk / "feedback.toml").write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", "kiosk.csv", "--source", "kiosk", "--skip-rows", "1", "-o", "o.jsonl"])
    assert result.exit_code == 1, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    if "other" in toml:
        assert "other" in result.stderr  # the user's presets are among the known ones


def test_source_presets_api_names_the_file(tmp_path):
    presets = tmp_path / "p.toml"
    presets.write_text(KIOSK_PRESET, encoding="utf-8")
    (tmp_path / "kiosk.csv").write_bytes(KIOSK_CSV)
    with pytest.raises(InputError, match="E031"):
        open_input(ReadOptions(str(tmp_path / "kiosk.csv"), source="kiosk"))  # no feedback.toml here
    table = open_input(ReadOptions(str(tmp_path / "kiosk.csv"), source="Kiosk", source_file=str(presets)))
    assert table.preset["text_columns"] == ("Headline", "Tell us more")
