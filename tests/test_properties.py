"""Property-based tests: whatever the text and whatever the CSV shape, every input row ends as
exactly one record or one error record, in order, and the output is valid UTF-8 JSON."""

import csv
import io
import json
import os

from click.testing import CliRunner
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback import Analyzer, AnalysisOptions, analyze
from feedback.cli import cli
from feedback.language import clean_text

RULES = Analyzer.from_options(AnalysisOptions(model=None))
# CI runs a fixed set of examples (derandomized) so a red build always means a real change;
# FEEDBACK_EXPLORE=N runs N fresh random examples per test to hunt for new failures.
EXPLORE = int(os.environ.get("FEEDBACK_EXPLORE", "0"))
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200) | st.text(max_size=50)
cells = st.text(max_size=40) | st.sampled_from(["", "N/A", "11", "-1", "9", "=1+1", '"', "\r\n", "\x00", "\u200b"])


@settings(max_examples=EXPLORE or 100, derandomize=not EXPLORE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(texts, min_size=1, max_size=8))
def test_properties_any_text_gives_one_record_each(items):
    records = list(analyze(items, analyzer=RULES))
    assert len(records) == len(items)
    for item, record in zip(items, records):
        if clean_text(item) and record["skipped"]:
            assert record["sentiment"] == {"compound": None, "label": None} and not record["themes"]
        elif clean_text(item):
            assert -1 <= record["sentiment"]["compound"] <= 1
            for theme in record["themes"]:
                assert record["text"][theme["start"] : theme["end"]] == theme["evidence"]
        else:
            assert record["error"]["code"] == "empty_text"
        json.dumps(record, ensure_ascii=False).encode("utf-8")


@pytest.mark.slow  # 25 CLI runs, ~20 s
@settings(max_examples=EXPLORE or 25, derandomize=not EXPLORE, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    n_extra=st.integers(0, 4),
    rows=st.lists(st.lists(cells, min_size=0, max_size=7), min_size=0, max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    line_end=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
)
def test_properties_any_csv_shape_keeps_every_row(tmp_path_factory, n_extra, rows, delimiter, line_end, bom):
    header = ["comment", "nps"] + [f"extra{i}" for i in range(n_extra)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=line_end)
    writer.writerow(header)
    # An empty row is written as a blank line, which is not a row (one empty cell is written
    # as '""', which is). Python's
    # csv.writer leaves a lone CR unquoted when lines end in LF, which no reader can tell from
    # an old-Mac line end; such cells get a full CRLF, which the writer does quote.
    data = [[c.replace("\r\n", "\n").replace("\r", "\r\n") for c in r] for r in rows if r]
    writer.writerows(data)
    tmp = tmp_path_factory.mktemp("prop")
    src = tmp / ("in.tsv" if delimiter == "\t" else "in.csv")
    src.write_bytes(("\ufeff" if bom else "").encode() + buffer.getvalue().encode("utf-8"))
    out, errors = tmp / "out.jsonl", tmp / "err.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(src), "-o", str(out), "--errors", str(errors), "--no-model"])
    assert result.exit_code == 0, result.stderr
    read = lambda p: [json.loads(line) for line in p.read_bytes().decode("utf-8").splitlines()] if p.exists() else []  # noqa: E731
    records, error_records = read(out), read(errors)
    assert sorted(r["row"] for r in records + error_records) == list(range(1, len(data) + 1))
    assert [r["row"] for r in records] == sorted(r["row"] for r in records)
