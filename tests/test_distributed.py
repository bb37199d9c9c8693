"""The Dask engine against a real LocalCluster (two worker processes on loopback)."""

import hashlib
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

_REASON = "the Dask engine needs the dask extra (dask, distributed, pyarrow): pip install 'feedback[dask]'"
pytest.importorskip("dask.bag", reason=_REASON)
pytest.importorskip("dask.dataframe", reason=_REASON)
pytest.importorskip("distributed", reason=_REASON)
pytest.importorskip("pyarrow", reason=_REASON)

from click.testing import CliRunner  # noqa: E402

from feedback import analyze  # noqa: E402
from feedback.records import SCHEMA_VERSION  # noqa: E402
from feedback.cli import cli  # noqa: E402
from feedback.columns import resolve_columns  # noqa: E402
from feedback.errors import InputError  # noqa: E402
from feedback.io.parquet import open_parquet, read_parquet_records, record_from_arrow  # noqa: E402
from feedback.config import AnalysisOptions, ReadOptions  # noqa: E402
from feedback.engine.local import analyze_stream  # noqa: E402

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample_export.csv"
GENERATE = Path(__file__).parent.parent / "benchmarks" / "generate.py"
N_GENERATED = 2000


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def scheduler(cluster):
    return cluster.scheduler_address


@pytest.fixture
def client(cluster):
    from distributed import Client

    with Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """~2,000 generated comments and the local engine's output for them."""
    directory = tmp_path_factory.mktemp("generated")
    path = directory / "comments.csv"
    subprocess.run([sys.executable, str(GENERATE), str(N_GENERATED), "-o", str(path)], check=True)
    return path, analyze_locally(path, directory / "local.jsonl")


@pytest.fixture(scope="module")
def sample_local(tmp_path_factory):
    return analyze_locally(SAMPLE, tmp_path_factory.mktemp("sample") / "local.jsonl")


def analyze_locally(path, out):
    """`feedback analyze PATH -o OUT`: returns (records bytes, errors bytes)."""
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    errors = Path(str(out) + ".errors.jsonl")
    return out.read_bytes(), errors.read_bytes() if errors.exists() else b""


def concatenated(output_dir, manifest, key):
    return b"".join((output_dir / p[key]).read_bytes() for p in manifest["partitions"] if p[key])


def records_of(data: bytes):
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def check_manifest(output_dir, manifest, n_rows):
    on_disk = json.loads((output_dir / "manifest.json").read_text())
    assert on_disk == manifest
    assert manifest["schema_version"] == SCHEMA_VERSION
    parts = manifest["partitions"]
    assert [p["index"] for p in parts] == list(range(len(parts)))
    # Row ranges tile the input in order, and the counts add up.
    assert parts[0]["rows"][0] == 1 and parts[-1]["rows"][1] == n_rows
    for before, after in zip(parts, parts[1:]):
        assert after["rows"][0] == before["rows"][1] + 1
    for p in parts:
        assert p["n_rows"] == p["rows"][1] - p["rows"][0] + 1 == p["n_records"] + p["n_errors"]
        assert hashlib.sha256((output_dir / p["file"]).read_bytes()).hexdigest() == p["sha256"]
        if p["errors_file"]:
            assert hashlib.sha256((output_dir / p["errors_file"]).read_bytes()).hexdigest() == p["errors_sha256"]
        else:
            assert not (output_dir / p["file"].replace(f".{manifest['output_format']}", ".errors.jsonl")).exists()
    assert manifest["counts"]["rows"] == n_rows == sum(p["n_rows"] for p in parts)


def test_distributed_sample_identical_to_local(tmp_path, scheduler, sample_local):
    from feedback.engine.dask import analyze_dask

    out = tmp_path / "out"
    manifest = analyze_dask(str(SAMPLE), str(out), scheduler=scheduler, partition_rows=5)
    assert len(manifest["partitions"]) == 3
    check_manifest(out, manifest, 12)
    records, errors = sample_local
    assert concatenated(out, manifest, "file") == records
    assert concatenated(out, manifest, "errors_file") == errors
    # The empty comment (row 6, line 7) lands in the error file of its own partition.
    assert [p["errors_file"] for p in manifest["partitions"]] == [None, "part-00001.errors.jsonl", None]
    (error,) = records_of((out / "part-00001.errors.jsonl").read_bytes())
    assert (error["id"], error["row"], error["line"], error["error"]["code"]) == ("T-006", 6, 7, "empty_text")
    assert manifest["partitions"][1]["rows"] == [6, 10] and manifest["partitions"][1]["lines"] == [7, 12]
    assert manifest["counts"] == {"rows": 12, "records": 11, "with_problems": 2, "errors": 1, "unthemed": 1,
                                  "duplicates": 0}
    assert manifest["columns"] == {"text": "comment", "id": "ticket_id", "scores": {"nps": "nps", "csat": "csat"}}


def test_distributed_limit_reads_the_first_rows_of_csv_and_parquet(tmp_path, scheduler, generated):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedback.engine.dask import analyze_dask
    from feedback.io import open_table

    path, (records, _) = generated
    source = tmp_path / "comments.parquet"
    pq.write_table(pa.Table.from_pylist([row.values for row in open_table(str(path)).rows]), source,
                   row_group_size=300)
    first = b"".join(records.splitlines(keepends=True)[:1000])
    for name, read in (("csv", ReadOptions(str(path), limit=1000)), ("parquet", ReadOptions(str(source), limit=1000))):
        out = tmp_path / name
        manifest = analyze_dask(read, str(out), scheduler=scheduler, partition_rows=400)
        assert [p["rows"] for p in manifest["partitions"]] == [[1, 400], [401, 800], [801, 1000]], name
        check_manifest(out, manifest, 1000)
        assert concatenated(out, manifest, "file") == first, name


def test_distributed_generated_jsonl_identical_to_local(tmp_path, scheduler, generated):
    from feedback.engine.dask import analyze_dask

    path, (records, errors) = generated
    out = tmp_path / "out"
    manifest = analyze_dask(str(path), str(out), scheduler=scheduler, partition_rows=450)
    assert len(manifest["partitions"]) == 5
    check_manifest(out, manifest, N_GENERATED)
    assert concatenated(out, manifest, "file") == records
    assert errors == b"" and manifest["counts"]["errors"] == 0


def test_distributed_generated_parquet_equals_local(tmp_path, scheduler, generated):
    from feedback.engine.dask import analyze_dask

    path, (records, _) = generated
    out = tmp_path / "out"
    manifest = analyze_dask(str(path), str(out), scheduler=scheduler, partition_rows=700, fmt="parquet")
    assert [p["file"] for p in manifest["partitions"]] == ["part-00000.parquet", "part-00001.parquet",
                                                           "part-00002.parquet"]
    assert manifest["parquet_layout"] == "1"
    check_manifest(out, manifest, N_GENERATED)
    back = [r for p in manifest["partitions"] for r in read_parquet_records(str(out / p["file"]))]
    assert back == records_of(records)


def test_distributed_parquet_input_read_on_workers(tmp_path, scheduler, generated):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedback.engine.dask import analyze_dask
    from feedback.io import open_table

    path, (records, _) = generated
    source = tmp_path / "comments.parquet"
    rows = [row.values for row in open_table(str(path)).rows]
    pq.write_table(pa.Table.from_pylist(rows), source, row_group_size=300)
    out = tmp_path / "out"
    manifest = analyze_dask(str(source), str(out), scheduler=scheduler, partition_rows=800)
    assert manifest["input"]["format"] == "parquet"
    assert [p["rows"] for p in manifest["partitions"]] == [[1, 800], [801, 1600], [1601, 2000]]
    check_manifest(out, manifest, N_GENERATED)
    # Every column was a string, so the records are the CSV's, byte for byte.
    assert concatenated(out, manifest, "file") == records


@pytest.mark.parametrize("partition_rows", [1, 2, 4])
def test_distributed_flags_the_same_duplicates_as_local(tmp_path, scheduler, partition_rows):
    """Repeated reviews name the same first id as the local engine does, however the rows are split,
    from CSV (rows read on the client) and from Parquet (rows read on the workers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedback.engine.dask import analyze_dask
    from feedback.io import open_table

    source = DATA / "exports" / "app_reviews_mojibake.csv"
    records, _ = analyze_locally(source, tmp_path / "local.jsonl")
    assert [r.get("duplicate_of") for r in records_of(records)] == [None, None, None, "gp:1002", "gp:1000", None]
    manifest = analyze_dask(str(source), str(tmp_path / "csv"), scheduler=scheduler, partition_rows=partition_rows)
    assert concatenated(tmp_path / "csv", manifest, "file") == records
    assert manifest["counts"]["duplicates"] == 2
    parquet = tmp_path / "reviews.parquet"
    pq.write_table(pa.Table.from_pylist([row.values for row in open_table(str(source)).rows]), parquet, row_group_size=3)
    local_parquet, _ = analyze_locally(parquet, tmp_path / "local-parquet.jsonl")
    manifest = analyze_dask(str(parquet), str(tmp_path / "pq"), scheduler=scheduler, partition_rows=partition_rows)
    assert concatenated(tmp_path / "pq", manifest, "file") == local_parquet
    assert [r.get("duplicate_of") for r in records_of(local_parquet)] == [None, None, None, "gp:1002", "gp:1000", None]
    assert sum(p["n_duplicates"] for p in manifest["partitions"]) == 2


def test_distributed_jsonl_input_error_records_keep_their_lines(tmp_path, scheduler):
    from feedback.engine.dask import analyze_dask

    lines = []
    for i in range(1, 31):
        if i % 7 == 0:
            lines.append("{not json")
        elif i % 11 == 0:
            lines.append("")  # a blank line is not a row
        elif i % 13 == 0:
            lines.append(json.dumps({"id": f"c{i}", "comment": ""}))
        else:
            lines.append(json.dumps({"id": f"c{i}", "comment": f"Support call {i} was quick", "csat": i % 6}))
    source = tmp_path / "comments.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records, errors = analyze_locally(source, tmp_path / "local.jsonl")
    out = tmp_path / "out"
    manifest = analyze_dask(str(source), str(out), scheduler=scheduler, partition_rows=6)
    check_manifest(out, manifest, 28)
    assert concatenated(out, manifest, "file") == records
    assert concatenated(out, manifest, "errors_file") == errors
    by_partition = {p["index"]: [(e["row"], e["line"], e["error"]["code"])
                                 for e in records_of((out / p["errors_file"]).read_bytes())]
                    for p in manifest["partitions"] if p["errors_file"]}
    # Lines 11 and 22 are blank, so from line 12 on the row number trails the line number.
    assert by_partition == {1: [(7, 7, "invalid_json"), (12, 13, "empty_text")], 2: [(13, 14, "invalid_json")],
                            3: [(20, 21, "invalid_json"), (24, 26, "empty_text")], 4: [(26, 28, "invalid_json")]}


def test_distributed_aggregate_matches_local_counts(tmp_path, scheduler, generated, sample_local):
    from feedback.engine.dask import aggregate_partitions, analyze_dask

    path, (records, _) = generated
    out = tmp_path / "out"
    analyze_dask(str(path), str(out), scheduler=scheduler, partition_rows=600, fmt="parquet")
    result = aggregate_partitions(str(out / "manifest.json"), scheduler=scheduler)
    assert len(result["partitions"]) == 4
    local = records_of(records)
    summary = result["summary"]
    assert summary["n_records"] == len(local) == N_GENERATED and summary["n_errors"] == 0
    nps = [r["scores"]["nps"] for r in local if "nps" in r["scores"]]
    expected_nps = 100 * (sum(v >= 9 for v in nps) - sum(v <= 6 for v in nps)) / len(nps)
    assert summary["scores"]["nps"]["n"] == len(nps)
    assert summary["scores"]["nps"]["nps"] == pytest.approx(expected_nps, abs=1e-4)
    csat = [r["scores"]["csat"] for r in local if "csat" in r["scores"]]
    assert summary["scores"]["csat"]["top2"] == pytest.approx(100 * sum(v >= 4 for v in csat) / len(csat), abs=1e-4)
    assert summary["scores"]["csat"]["mean"] == pytest.approx(sum(csat) / len(csat), abs=1e-6)
    comments = Counter(parent for r in local for parent in {t["parent"] for t in r["themes"]})
    mentions = Counter(t["parent"] for r in local for t in r["themes"])
    assert {k: v["comments"] for k, v in summary["themes"].items()} == dict(comments)
    assert {k: v["mentions"] for k, v in summary["themes"].items()} == dict(mentions)
    scored = [r for r in local if not r["skipped"]]  # non-answers and other languages have no sentiment
    labels = Counter(r["sentiment"]["label"] for r in scored)
    assert summary["sentiment"]["labels"] == dict(labels)
    assert summary["sentiment"]["mean"] == pytest.approx(sum(r["sentiment"]["compound"] for r in scored) / len(scored),
                                                         abs=1e-6)
    assert sum(summary["not_analysed"].values()) == len(local) - len(scored)


def test_distributed_aggregate_counts_errors_and_checks_files(tmp_path, scheduler):
    from feedback.engine.dask import aggregate_partitions, analyze_dask

    out = tmp_path / "out"
    analyze_dask(str(SAMPLE), str(out), scheduler=scheduler, partition_rows=4)
    summary = aggregate_partitions(str(out), scheduler=scheduler)["summary"]
    assert (summary["n_records"], summary["n_errors"], summary["n_with_problems"]) == (11, 1, 2)
    with open(out / "part-00000.jsonl", "a", encoding="utf-8") as f:
        f.write("\n")
    with pytest.raises(InputError, match="part-00000.jsonl changed since the run wrote it"):
        aggregate_partitions(str(out), scheduler=scheduler)


def test_distributed_refuses_to_mix_runs(tmp_path, scheduler):
    from feedback.engine.dask import analyze_dask

    out = tmp_path / "out"
    first = analyze_dask(str(SAMPLE), str(out), scheduler=scheduler, partition_rows=3)
    assert len(first["partitions"]) == 4
    with pytest.raises(InputError, match=r"already holds the output of a run \(6 files, e.g. manifest.json\)"):
        analyze_dask(str(SAMPLE), str(out), scheduler=scheduler, partition_rows=6)
    second = analyze_dask(str(SAMPLE), str(out), scheduler=scheduler, partition_rows=6, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "part-00000.errors.jsonl",
                                                     "part-00000.jsonl", "part-00001.jsonl"]
    assert len(second["partitions"]) == 2


def test_distributed_uses_the_current_client(tmp_path, client, sample_local):
    from feedback.engine.dask import analyze_dask

    out = tmp_path / "out"
    seen = []
    manifest = analyze_dask(str(SAMPLE), str(out), partition_rows=5, progress=seen.append)
    assert sorted(seen) == [2, 5, 5]
    assert concatenated(out, manifest, "file") == sample_local[0]


def test_distributed_bag_equals_analyze(client):
    import dask.bag as db

    from feedback.io import open_table

    from feedback.engine.dask_collections import analyze_bag

    rows = [row.values for row in open_table(str(SAMPLE)).rows]
    strings = ["Waited an hour on hold", "", "Lovely staff, fair price", "The app keeps crashing"] * 3

    for items, npartitions in ((rows, 4), (strings, 5)):
        source = db.from_sequence(items, npartitions=npartitions)
        bag = analyze_bag(source)
        assert bag.npartitions == source.npartitions > 2
        assert bag.compute() == list(analyze(items))


def test_distributed_bag_empty_and_no_text(client):
    import dask.bag as db

    from feedback.engine.dask_collections import analyze_bag

    assert analyze_bag(db.from_sequence([], npartitions=1)).compute() == []
    with pytest.raises(InputError, match="No comment column found"):
        analyze_bag(db.from_sequence([{"a": 1}], npartitions=1))


def test_distributed_dataframe_equals_analyze(client):
    import dask.dataframe as dd
    import pandas as pd
    import pyarrow as pa

    from feedback.engine.dask_collections import analyze_dataframe

    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    frame.index = frame.index + 100
    result = analyze_dataframe(dd.from_pandas(frame, npartitions=3))
    assert result.npartitions == 3
    computed = result.compute()
    assert list(computed.index) == list(frame.index)  # joins back to the input on its index
    expected = list(analyze(frame.to_dict(orient="records")))
    got = pa.Table.from_pandas(computed, preserve_index=False).to_pylist(maps_as_pydicts="lossy")
    for row, record in zip(got, expected, strict=True):
        code, message = row.pop("error_code"), row.pop("error_message")
        if "error" in record:
            assert (code, message, row["id"], row["row"]) == (record["error"]["code"], record["error"]["message"],
                                                               record["id"], record["row"])
            assert row["text"] is None
        else:
            assert code is None and message is None
            assert record_from_arrow(row) == record


def test_distributed_dataframe_missing_values_and_types(client):
    import dask.dataframe as dd
    import pandas as pd

    from feedback.engine.dask_collections import analyze_dataframe

    frame = pd.DataFrame({
        "comment": ["Fast delivery", "Rude staff", None],
        "nps": [10, None, 3],
        "when": pd.to_datetime(["2025-03-02", None, "2025-03-04"]),
    })
    computed = analyze_dataframe(dd.from_pandas(frame, npartitions=2)).compute()
    assert list(computed["error_code"].fillna("")) == ["", "", "empty_text"]
    assert json.loads(computed["fields"].iloc[0]) == {"when": "2025-03-02T00:00:00"}
    assert json.loads(computed["fields"].iloc[1]) == {"when": None}
    assert dict(computed["scores"].iloc[0]) == {"nps": 10.0}
    assert list(computed["scores"].iloc[1]) == []


def test_distributed_parquet_input_same_as_local_parquet_engine(tmp_path, scheduler):
    """The local engine on Parquet (open_parquet + run) and the Dask engine agree, errors included."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedback.engine.dask import analyze_dask

    source = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(9)],
                             "comment": ["Slow", "", "Cheap and cheerful", None, "Great app", "x", "", "Fine", "ok"],
                             "nps": [1, 2, 3, None, 11, 6, 7, 8, 9]}), source, row_group_size=4)
    table = open_parquet(str(source))
    lines = [(r.status, r.payload) for r in analyze_stream(table.rows, resolve_columns(table.columns), AnalysisOptions())]
    out = tmp_path / "out"
    manifest = analyze_dask(str(source), str(out), scheduler=scheduler, partition_rows=3)
    assert concatenated(out, manifest, "file").decode().splitlines() == [line for status, line in lines if status != "error"]
    assert concatenated(out, manifest, "errors_file").decode().splitlines() == [line for status, line in lines if status == "error"]
    assert [p["n_errors"] for p in manifest["partitions"]] == [1, 1, 1]


def test_distributed_analyze_command(tmp_path, scheduler):
    """`feedback analyze --engine dask`: the same messages and exit statuses as the local engine."""
    out = tmp_path / "out"

    def run(*args):
        return CliRunner().invoke(cli, ["analyze", str(SAMPLE), "--engine", "dask", "--scheduler", scheduler,
                                        "--no-progress", *args])

    result = run("-o", str(out), "--partition-rows", "5", "--score", "nps=nps", "--output-format", "parquet")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text())["output_format"] == "parquet"
    assert "Reading " in result.stderr and "engine: dask, 5 rows per partition" in result.stderr
    assert ("Read 12 rows: 11 analysed (2 with problems noted in the record), 1 could not be analysed "
            "(see the 1 part-*.errors.jsonl files);") in result.stderr
    assert "3 partitions in" in result.stderr
    result = run("-o", "-")
    assert result.exit_code == 2 and "[E508]" in result.stderr
    result = run("-o", str(tmp_path / "w"), "--workers", "2")
    assert result.exit_code == 2 and "--workers do not apply with the Dask engine" in result.stderr
    result = run("-o", str(tmp_path / "strict"), "--strict")
    assert result.exit_code == 1 and "--strict: some rows had problems" in result.stderr
    result = run("-o", str(out))
    assert result.exit_code == 1 and "already holds the output of a run" in result.stderr
    result = run("-o", str(tmp_path / "x"), "--text-column", "body")
    assert result.exit_code == 1 and "--text-column 'body' is not a column" in result.stderr


def test_distributed_redact_same_as_local(tmp_path, scheduler, client):
    import dask.bag as db

    from feedback.engine.dask import analyze_dask
    from feedback.engine.dask_collections import analyze_bag

    source = tmp_path / "pii.csv"
    source.write_text(
        "id,comment,contact\n"
        "1,Call me on +44 20 7946 0958 about the refund,jane@example.com\n"
        "2,Great support from the team,\n"
        "3,,bob@example.org\n"
        "4,Email me at joe@example.net the app is slow,\n",
        encoding="utf-8",
    )
    out = tmp_path / "local.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(source), "-o", str(out), "--redact"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    errors = Path(str(out) + ".errors.jsonl").read_bytes()
    manifest = analyze_dask(ReadOptions(str(source), redact=True), str(tmp_path / "out"), scheduler=scheduler,
                            partition_rows=2)
    assert concatenated(tmp_path / "out", manifest, "file") == out.read_bytes()
    assert concatenated(tmp_path / "out", manifest, "errors_file") == errors
    assert manifest["redact"] is True
    assert manifest["counts"]["redacted"] == {"EMAIL": 3, "PHONE": 1}
    assert [p["redacted"] for p in manifest["partitions"]] == [{"EMAIL": 1, "PHONE": 1}, {"EMAIL": 2}]
    rows = [{"id": "1", "comment": "Reach me at jane@example.com"}, {"id": "2", "comment": "Fine"}]
    assert analyze_bag(db.from_sequence(rows, npartitions=2), ReadOptions(redact=True)).compute() == list(analyze(rows, redact=True))
