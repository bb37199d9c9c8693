import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from importlib.util import find_spec
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.columns import resolve_columns
from feedback.errors import InputError
from feedback.records import SCHEMA_VERSION
from feedback.io import open_table
from feedback.io.parquet import MissingExtraError, require_pyarrow
from feedback.config import AnalysisOptions
from feedback.engine.local import analyze_stream

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample_export.csv"

needs_pyarrow = pytest.mark.skipif(
    find_spec("pyarrow") is None, reason="Parquet needs the parquet extra: pip install 'feedback[parquet]'"
)


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def sample_records(tmp_path_factory):
    """The local engine's records and error records for the sample export."""
    out = tmp_path_factory.mktemp("parquet") / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLE), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return read_jsonl(out), read_jsonl(str(out) + ".errors.jsonl")


def write_sample_as_parquet(path, row_group_size=5):
    """The sample export as Parquet, every column a string (as the CSV reader sees it)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = open_table(str(SAMPLE))
    rows = [row.values for row in table.rows]
    pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=row_group_size)
    return path


@needs_pyarrow
def test_parquet_round_trip_equals_jsonl_records(tmp_path, sample_records, record_validator):
    import pyarrow.parquet as pq

    from feedback.io.parquet import ParquetRecordWriter, read_parquet_records

    records, _ = sample_records
    path = tmp_path / "records.parquet"
    with ParquetRecordWriter(str(path), batch_size=4) as writer:
        writer.write_many(records)
    assert writer.n_records == len(records)
    back = list(read_parquet_records(str(path)))
    assert back == records
    # Same JSON text too: whole-number scores come back as ints, absent optional keys stay absent.
    assert [json.dumps(r) for r in back] == [json.dumps(r) for r in records]
    for record in back:
        record_validator.validate(record)
    parquet_file = pq.ParquetFile(path)
    assert parquet_file.metadata.num_row_groups == 3  # 11 records in batches of 4
    metadata = parquet_file.schema_arrow.metadata
    assert metadata[b"feedback.schema_version"] == SCHEMA_VERSION.encode()
    assert metadata[b"feedback.parquet_layout"] == b"1"


@needs_pyarrow
def test_parquet_schema_is_stable():
    from feedback.io.parquet import record_schema

    schema = record_schema()
    assert schema.names == ["schema_version", "id", "row", "text", "language", "skipped", "sentiment", "sentences", "themes", "scores",
                            "fields", "problems", "redacted", "text_fields", "duplicate_of", "corrected"]
    assert str(schema.field("scores").type) == "map<string, double>"
    assert str(schema.field("fields").type) == "string"
    theme = schema.field("themes").type.value_type
    assert [f.name for f in theme] == ["theme", "parent", "sentiment", "label", "evidence", "start", "end",
                                       "sentence", "negated", "source", "confidence"]


@needs_pyarrow
def test_parquet_records_keep_text_fields_duplicates_and_corrections(tmp_path):
    """Schema 1.2 and 1.3's optional keys come back from Parquet as the JSON record has them."""
    from feedback.io.parquet import ParquetRecordWriter, read_parquet_records

    base = {"schema_version": "1.4", "language": "en", "skipped": None, "sentences": [], "themes": [],
            "scores": {}, "fields": {}, "problems": []}
    records = [
        {**base, "id": "a", "row": 1, "text": "Too small\n\nThe shoes run small.",
         "sentiment": {"compound": -0.2, "label": "negative"},
         "text_fields": [{"column": "title", "start": 0, "end": 9}, {"column": "body", "start": 11, "end": 32}]},
        {**base, "id": "b", "row": 2, "text": "too small the shoes run small",
         "sentiment": {"compound": 0.5, "label": "positive", "source": "person"},
         "duplicate_of": "a", "corrected": ["sentiment"]},
        {**base, "id": "c", "row": 3, "text": "Fine.", "sentiment": {"compound": 0.0, "label": "neutral"}},
    ]
    path = tmp_path / "records.parquet"
    with ParquetRecordWriter(str(path)) as writer:
        writer.write_many(records)
    assert list(read_parquet_records(str(path))) == records


@needs_pyarrow
def test_parquet_read_columns_subset(tmp_path, sample_records):
    from feedback.io.parquet import ParquetRecordWriter, read_parquet_records

    records, _ = sample_records
    path = tmp_path / "records.parquet"
    with ParquetRecordWriter(str(path)) as writer:
        writer.write_many(records)
    back = list(read_parquet_records(str(path), columns=["id", "scores"]))
    assert back == [{"id": r["id"], "scores": r["scores"]} for r in records]


@needs_pyarrow
def test_parquet_input_gives_the_csv_records(tmp_path):
    from feedback.config import ReadOptions
    from feedback.io import open_input

    path = write_sample_as_parquet(tmp_path / "sample.parquet")
    config = AnalysisOptions()
    lines = {}
    for name, source in (("csv", str(SAMPLE)), ("parquet", str(path))):
        table = open_input(ReadOptions(source))
        spec = resolve_columns(table.columns)
        lines[name] = [(r.status, r.payload) for r in analyze_stream(table.rows, spec, config)]
    assert open_input(ReadOptions(str(path))).format == "parquet"
    csv_records = [line for status, line in lines["csv"] if status != "error"]
    parquet_records = [line for status, line in lines["parquet"] if status != "error"]
    assert len(csv_records) == 11
    assert parquet_records == csv_records
    # Error records agree except for `line`: Parquet has no physical lines, so it is the row number.
    (csv_error,) = [json.loads(line) for status, line in lines["csv"] if status == "error"]
    (parquet_error,) = [json.loads(line) for status, line in lines["parquet"] if status == "error"]
    assert (csv_error["line"], parquet_error["line"]) == (7, 6)
    assert {**csv_error, "line": 6} == parquet_error


@needs_pyarrow
def test_parquet_values_become_json_values(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedback.io.parquet import open_parquet

    table = pa.table({
        "id": [1, 2],
        "comment": ["Quick and friendly", None],
        "nps": [9.0, float("nan")],
        "day": [dt.date(2025, 3, 2), dt.date(2025, 3, 3)],
        "at": pa.array([dt.datetime(2025, 3, 2, 9, 30, tzinfo=dt.timezone.utc)] * 2),
        "amount": pa.array([Decimal("12.50"), Decimal("3")]),
        "tags": pa.array([{"plan": "basic"}, {}], type=pa.map_(pa.string(), pa.string())),
        "raw": [b"caf\xc3\xa9", b"\xff"],
        "channel": pa.array(["web", "app"]).dictionary_encode(),
    })
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    opened = open_parquet(str(path))
    assert opened.columns == ["id", "comment", "nps", "day", "at", "amount", "tags", "raw", "channel"]
    first, second = list(opened.rows)
    assert (first.row, first.line, second.row, second.line) == (1, 1, 2, 2)
    assert first.values == {"id": 1, "comment": "Quick and friendly", "nps": 9.0, "day": "2025-03-02",
                            "at": "2025-03-02T09:30:00+00:00", "amount": 12.5, "tags": {"plan": "basic"},
                            "raw": "café", "channel": "web"}
    assert second.values["nps"] is None  # NaN: a skipped question, as an empty CSV cell
    assert second.values["comment"] is None
    assert second.values["amount"] == 3 and isinstance(second.values["amount"], int)
    assert second.values["raw"] == "\ufffd"
    json.dumps(first.values, allow_nan=False)
    json.dumps(second.values, allow_nan=False)


@needs_pyarrow
def test_parquet_row_range_reads_only_that_range(tmp_path):
    from feedback.io.parquet import count_parquet_rows, iter_parquet_rows

    path = write_sample_as_parquet(tmp_path / "sample.parquet", row_group_size=2)
    assert count_parquet_rows(str(path)) == 12
    rows = list(iter_parquet_rows(str(path), 3, 8, batch_size=3))
    assert [r.row for r in rows] == [4, 5, 6, 7, 8]
    assert [r.values["ticket_id"] for r in rows] == ["T-004", "T-005", "T-006", "T-007", "T-008"]
    assert list(iter_parquet_rows(str(path), 12, 20)) == []


@needs_pyarrow
def test_parquet_unreadable_inputs(tmp_path):
    from feedback.io.parquet import open_parquet

    with pytest.raises(InputError, match="No such file"):
        open_parquet(str(tmp_path / "missing.parquet"))
    not_parquet = tmp_path / "comments.parquet"
    not_parquet.write_text("id,comment\n1,hello\n")
    with pytest.raises(InputError, match=r"Cannot read .*comments\.parquet as Parquet"):
        open_parquet(str(not_parquet))


@needs_pyarrow
def test_parquet_writer_is_atomic(tmp_path, sample_records):
    from feedback.io.parquet import ParquetRecordWriter

    records, errors = sample_records
    path = tmp_path / "records.parquet"
    with pytest.raises(RuntimeError):
        with ParquetRecordWriter(str(path), batch_size=2) as writer:
            writer.write_many(records[:5])
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary
    with pytest.raises(ValueError, match="error record"):
        with ParquetRecordWriter(str(path)) as writer:
            writer.write(errors[0])
            writer.close()
    with pytest.raises(InputError, match="Parquet output needs a file"):
        ParquetRecordWriter("-")


@needs_pyarrow
def test_parquet_writer_empty_file_has_schema(tmp_path):
    import pyarrow.parquet as pq

    from feedback.io.parquet import ParquetRecordWriter, read_parquet_records, record_schema

    path = tmp_path / "empty.parquet"
    with ParquetRecordWriter(str(path)):
        pass
    schema = pq.ParquetFile(path).schema_arrow
    assert schema.equals(record_schema())  # nested field names may differ (Parquet's "element")
    assert schema.metadata == record_schema().metadata
    assert list(read_parquet_records(str(path))) == []


def test_parquet_missing_pyarrow_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # makes `import pyarrow` fail
    with pytest.raises(MissingExtraError, match=r"^\[E014\] Parquet support needs pyarrow: pip install 'feedback\[parquet\]'$"):
        require_pyarrow()


def test_parquet_core_imports_without_the_extras():
    code = (
        "import sys\n"
        "for name in ('pyarrow', 'dask', 'distributed', 'pandas'):\n"
        "    sys.modules[name] = None\n"
        "import feedback, feedback.cli, feedback.io.parquet, feedback.engine.dask\n"
        "from feedback.errors import FeedbackError\n"
        "for call in (feedback.io.parquet.require_pyarrow, feedback.engine.dask.require_dask):\n"
        "    try:\n"
        "        call()\n"
        "    except FeedbackError as e:\n"
        "        print(e)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [
        "[E014] Parquet support needs pyarrow: pip install 'feedback[parquet]'",
        "[E600] The Dask engine needs dask and distributed: pip install 'feedback[dask]'",
    ]


@needs_pyarrow
def test_parquet_round_trip_redacted_records(tmp_path, analyzer):
    from feedback import analyze
    from feedback.io.parquet import ParquetRecordWriter, read_parquet_records

    records = list(analyze(["Mail me at jane@example.com, the app is slow", "Lovely staff"], analyzer=analyzer,
                           redact=True))
    assert records[0]["redacted"] == {"EMAIL": 1} and records[1]["redacted"] == {}
    plain = list(analyze(["Lovely staff"], analyzer=analyzer))
    path = tmp_path / "records.parquet"
    with ParquetRecordWriter(str(path)) as writer:
        writer.write_many(records + plain)
    assert list(read_parquet_records(str(path))) == records + plain
