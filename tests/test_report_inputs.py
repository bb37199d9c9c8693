"""`feedback report` reads every output `feedback analyze` writes: JSONL, Parquet (by extension or
content) and the Dask engine's partitioned directories, to the same report."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.report import read_records

from .conftest import DATA

SURVEY = DATA / "golden" / "survey.csv"  # scores, dates and channels (project-written, MIT)
REPORT_ARGS = ["--by", "channel", "--period", "month", "--date-column", "submitted_at", "--min-count", "2"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def report_json(source, tmp_path, name):
    out = tmp_path / f"{name}.json"
    result = invoke("report", source, "-o", out, *REPORT_ARGS)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    report.pop("generated_at", None)
    return report


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    pytest.importorskip("pyarrow")
    directory = tmp_path_factory.mktemp("analyzed")
    for name, extra in (("a.jsonl", []), ("a.parquet", []), ("results", ["--output-format", "parquet"])):
        result = invoke("analyze", SURVEY, "-o", directory / name, "--no-model", *extra)
        assert result.exit_code == 0, result.output
    return directory


def test_report_inputs_parquet_gives_the_report_of_the_jsonl(outputs, tmp_path):
    from_jsonl = report_json(outputs / "a.jsonl", tmp_path, "jsonl")
    assert from_jsonl["n_comments"] == 45 and from_jsonl["themes"]
    assert report_json(outputs / "a.parquet", tmp_path, "parquet") == from_jsonl
    # A Parquet file named without its extension is told by its content.
    assert report_json(outputs / "results", tmp_path, "sniffed") == from_jsonl
    assert list(read_records(str(outputs / "a.parquet"))) == list(read_records(str(outputs / "a.jsonl")))


def partitioned_copy(jsonl: Path, directory: Path, sizes: list[int]) -> Path:
    """The layout `feedback analyze --engine dask` writes (docs/distributed.md): part files whose
    concatenation is the local JSONL output, listed in manifest.json (here in reverse name order,
    so that reading in file-system order would be caught)."""
    lines = jsonl.read_text(encoding="utf-8").splitlines(keepends=True)
    directory.mkdir()
    entries, start = [], 0
    for index, size in enumerate(sizes):
        name = f"part-{len(sizes) - index:05d}.jsonl"
        (directory / name).write_text("".join(lines[start:start + size]), encoding="utf-8")
        entries.append({"index": index, "file": name})
        start += size
    assert start == len(lines)
    manifest = {"manifest_version": 1, "output_format": "jsonl", "partitions": entries}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return directory


def test_report_inputs_partitioned_directory_in_manifest_order(outputs, tmp_path):
    parts = partitioned_copy(outputs / "a.jsonl", tmp_path / "parts", [20, 0, 25])
    assert list(read_records(str(parts))) == list(read_records(str(outputs / "a.jsonl")))
    assert report_json(parts, tmp_path, "parts") == report_json(outputs / "a.jsonl", tmp_path, "jsonl")


def test_report_inputs_manifest_constants_match_the_engine():
    from feedback.engine.dask import MANIFEST_NAME, MANIFEST_VERSION
    from feedback.report import records_in

    assert (records_in.MANIFEST_NAME, records_in.MANIFEST_VERSION) == (MANIFEST_NAME, MANIFEST_VERSION)


def test_report_inputs_unfinished_or_broken_directories_are_one_line(outputs, tmp_path):
    parts = partitioned_copy(outputs / "a.jsonl", tmp_path / "parts", [45])
    (parts / "manifest.json").unlink()
    result = invoke("report", parts)
    assert result.exit_code == 1 and "[E312]" in result.output and "no manifest" in result.output
    parts = partitioned_copy(outputs / "a.jsonl", tmp_path / "missing", [20, 25])
    (parts / "part-00001.jsonl").unlink()
    result = invoke("report", parts)
    assert result.exit_code == 1 and "[E607]" in result.output and "part-00001.jsonl" in result.output
    manifest = parts / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "manifest_version": 9}))
    result = invoke("report", parts)
    assert result.exit_code == 1 and "[E606]" in result.output
    manifest.write_text("{not json")
    result = invoke("report", parts)
    assert result.exit_code == 1 and "[E605]" in result.output and "Traceback" not in result.output


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_report_inputs_dask_output_gives_the_report_of_the_local_run(outputs, tmp_path, fmt):
    pytest.importorskip("distributed")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster, \
            Client(cluster):
        result = invoke("analyze", SURVEY, "--no-model", "--engine", "dask", "--partition-rows", "12",
                        "--output-format", fmt, "-o", tmp_path / "parts")
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "parts" / "manifest.json").read_text())["partitions"]) == 4
    assert report_json(tmp_path / "parts", tmp_path, "dask") == report_json(outputs / "a.jsonl", tmp_path, "jsonl")
    shutil.rmtree(tmp_path / "parts")
