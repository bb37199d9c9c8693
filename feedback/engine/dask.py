"""The Dask engine: `feedback analyze` on a cluster, with partitioned output and a manifest.

Needs the `dask` extra (dask and distributed; pyarrow too for Parquet). Imported on first use:
the core never needs it.

How the work is split. A CSV, TSV or JSONL export is read once, on the client, by the same
reader as the local engine (feedback.io), so row numbers, physical line numbers and error records
are exactly the local engine's; every `partition_rows` rows become a partition that is shipped to
a worker. A Parquet export is not read whole on the client: its footer gives the row count, and
each worker reads its own row range. Repeated comments (`duplicate_of`) are found on the client,
which sees every row in order, as the local engine does: the text rows are marked before they
are shipped, and for Parquet the client reads only the text and id columns and sends each
partition the marks of its rows; so the same rows name the same first ids whatever the
partitioning. Workers build one Analyzer per process, reuse it for every
partition, and write their partition's files straight into the output directory (so it must be
on storage every worker sees under the same path). The client writes manifest.json last: a
directory without one is an unfinished run.

See docs/distributed.md for running on a cluster and what the manifest holds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import pickle
import re
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..checksums import file_sha256
from ..columns import ColumnSpec, mark_duplicates, redact_spec, resolve_read, to_comment
from ..config import (DEFAULT_PARTITION_ROWS, OUTPUT_FORMATS, AnalysisOptions, OutputOptions, ReadOptions,
                      RunCounts, RunOptions, as_dict)
from ..errors import Errors, InputError, MissingExtraError, OptionsError
from ..io import Table, atomic_output, open_input
from ..io.parquet import (
    PARQUET_LAYOUT_VERSION,
    count_parquet_rows,
    iter_parquet_rows,
    parquet_columns_for,
    read_parquet_records,
    require_pyarrow,
)
from ..io.sinks import JsonlFileSink, ParquetSink, RecordSink
from ..records import SCHEMA_VERSION, ErrorRecord, SourceRow
from ..redact import redact_row
from .partials import combine_partials, partial_aggregate, summarize_partial
from .start import RunStart

if TYPE_CHECKING:
    import distributed

    from ..pipeline import Analyzer

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
_PART_FILE = re.compile(r"^part-\d{5,}(\.errors)?\.(jsonl|parquet)$")
_INSTALL_HINT = "pip install 'feedback[dask]'"


def require_dask() -> Any:
    """Import distributed (and dask), or fail with one line that says how to install them.

    RETURNS (module): The distributed module.
    RAISES (MissingExtraError): dask or distributed is not installed.
    """
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise MissingExtraError(Errors.E600.format(hint=_INSTALL_HINT)) from None
    return distributed

# --- the engine ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartitionTask:
    """What a worker needs to analyse one partition (small: it travels with the task)."""

    index: int
    spec: ColumnSpec
    analysis: AnalysisOptions
    output_dir: str
    fmt: str
    redact: bool = False
    # Parquet only: the worker reads rows [start, stop) of this file itself.
    input_path: str = ""
    start: int = 0
    stop: int = 0
    # Parquet only: (row number, first id) of this partition's rows that repeat an earlier comment.
    duplicates: tuple[tuple[int, str], ...] = ()

    @property
    def stem(self) -> str:
        return f"part-{self.index:05d}"


def analyze_dask(
    read: ReadOptions | str,
    output_dir: str,
    *,
    analysis: AnalysisOptions | None = None,
    scheduler: str | None = None,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    fmt: str = "jsonl",
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Analyse an export on a Dask cluster into one output file per partition and a manifest.

    The records are the local engine's, record for record: concatenating the partitions' JSONL
    files in manifest order gives the bytes `feedback analyze INPUT -o FILE` writes, and their
    error files the bytes of FILE.errors.jsonl.

    read (ReadOptions | str): The export (a .csv, .tsv, .jsonl or .parquet file; "-" reads
        CSV/JSONL from stdin), its columns and redaction; a path alone reads it with defaults.
    output_dir (str): Directory for part-NNNNN.{jsonl,parquet}, part-NNNNN.errors.jsonl (only
        for partitions with error records) and manifest.json; created if missing.
    analysis (AnalysisOptions | None): Taxonomy, lexicon, model; their paths must be readable on
        every worker.
    scheduler (str | None): A scheduler address ("tcp://host:8786"). None uses the current
        distributed Client if there is one, else starts a LocalCluster with a worker process
        per core for the duration of the call.
    partition_rows (int): Input rows per partition.
    fmt (str): "jsonl" or "parquet" for the record files.
    overwrite (bool): Replace a previous run's files in output_dir instead of refusing.
    progress (Callable[[int], None] | None): Called with the number of rows of each finished partition.
    RETURNS (dict): The manifest, as written to output_dir/manifest.json.
    RAISES (InputError): The input cannot be used, or output_dir holds another run's output.
    RAISES (MissingExtraError): dask/distributed (or pyarrow, for Parquet) is not installed.
    """
    read = ReadOptions(read) if isinstance(read, str) else read
    return _analyze_dask(read, output_dir, (analysis or AnalysisOptions()).resolved(), scheduler=scheduler,
                         partition_rows=partition_rows, fmt=fmt, overwrite=overwrite, progress=progress)


def run_dask(read: ReadOptions, analysis: AnalysisOptions, output: OutputOptions, run: RunOptions, *,
             on_start: Callable[[RunStart], None] | None = None,
             progress: Callable[[int], None] | None = None) -> RunCounts:
    """`run_analysis` with the Dask engine: OUTPUT is a directory of partitions."""
    def started(table: Table, spec: ColumnSpec) -> None:
        if on_start is not None:
            on_start(RunStart(table.name, spec, analysis, engine="dask", partition_rows=run.partition_rows))

    manifest = _analyze_dask(read, output.path, analysis, scheduler=run.scheduler,
                             partition_rows=run.partition_rows, fmt=output.resolved_format, overwrite=False,
                             progress=progress, on_start=started)
    counts = manifest["counts"]
    return RunCounts(rows=counts["rows"], analysed=counts["records"], with_problems=counts["with_problems"],
                     errors=counts["errors"], unthemed=counts["unthemed"], redacted=counts.get("redacted") or {},
                     duplicates=counts["duplicates"],
                     partitions=len(manifest["partitions"]),
                     error_files=sum(1 for p in manifest["partitions"] if p["errors_file"]))


def _analyze_dask(
    read: ReadOptions,
    output_dir: str,
    analysis: AnalysisOptions,
    *,
    scheduler: str | None,
    partition_rows: int,
    fmt: str,
    overwrite: bool,
    progress: Callable[[int], None] | None,
    on_start: Callable[[Table, ColumnSpec], None] | None = None,
) -> dict[str, Any]:
    if fmt not in OUTPUT_FORMATS:
        raise OptionsError(Errors.E502.format(name="fmt", value=fmt, allowed=", ".join(OUTPUT_FORMATS)))
    if partition_rows < 1:
        raise OptionsError(Errors.E503.format(name="partition_rows", value=partition_rows))
    if output_dir == "-":
        raise OptionsError(Errors.E508)
    require_dask()
    if fmt == "parquet":
        require_pyarrow()
    analysis = analysis.absolute()
    table = open_input(read)
    spec = resolve_read(table.columns, read, labels=table.labels, sample=table.sample, notes=table.notes,
                        preset=table.preset, empty=table.empty)
    # Before redaction, which renames the columns the spec names (as the local engine does).
    found_by = spec
    table = dataclasses.replace(table, rows=mark_duplicates(table.rows, spec))
    if read.redact:
        spec = redact_spec(spec, table.columns)
    output_dir = os.path.abspath(output_dir)
    _prepare_output_dir(output_dir, overwrite=overwrite)
    if on_start is not None:
        on_start(table, spec)

    def task(index: int, **kwargs: Any) -> _PartitionTask:
        return _PartitionTask(index, spec, analysis, output_dir, fmt, read.redact, **kwargs)

    with _client(scheduler) as client:
        if table.format == "parquet":
            path = os.path.abspath(read.path)
            n_rows = min(count_parquet_rows(path), read.limit or sys.maxsize)
            marks = _parquet_duplicates(path, found_by, partition_rows, n_rows)
            tasks = (task(i, input_path=path, start=start, stop=min(start + partition_rows, n_rows),
                          duplicates=next(marks, ()))
                     for i, start in enumerate(range(0, n_rows, partition_rows)))
            futures = [client.submit(_analyze_parquet_partition, t, pure=False) for t in tasks]
            entries = _gather(client, futures, progress)
        else:
            entries = _run_text_partitions(client, table, task, partition_rows, progress)
    entries.sort(key=lambda e: e["index"])
    manifest = _manifest(read, table, spec, analysis, fmt, partition_rows, entries)
    with atomic_output(os.path.join(output_dir, MANIFEST_NAME)) as f:
        f.write(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _run_text_partitions(
    client: distributed.Client,
    table: Table,
    task: Callable[..., _PartitionTask],
    partition_rows: int,
    progress: Callable[[int], None] | None,
) -> list[dict[str, Any]]:
    """Read the rows here, ship each partition to a worker as it fills, with a bounded window.

    The window (two partitions per worker thread) keeps the client's memory flat and every
    worker busy; reading stays ahead of the cluster while the cluster is not larger than what
    one reader can feed (docs/distributed.md).
    """
    from distributed import as_completed

    window = max(2, 2 * sum(client.nthreads().values()))
    # as_completed on the client's own loop: the functions that find a default client would not
    # find ours, which is deliberately not made the default (the caller may have their own).
    running = as_completed(loop=client.loop)
    pending: set[Any] = set()
    entries: list[dict[str, Any]] = []

    def collect(future: Any) -> None:
        pending.discard(future)
        entries.extend(_results([future], progress))

    rows = iter(table.rows)
    index = 0
    try:
        while chunk := _take(rows, partition_rows):
            # Pickled once here, so the rows travel as one opaque block (scatter would split a list).
            payload = client.scatter(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL), hash=False)
            future = client.submit(_analyze_rows_partition, payload, task(index), pure=False)
            pending.add(future)
            running.add(future)
            index += 1
            del chunk, payload
            if running.count() >= window:
                collect(next(running))
        for future in running:
            collect(future)
    except BaseException:
        client.cancel(list(pending))
        raise
    return entries


def _parquet_duplicates(path: str, spec: ColumnSpec, partition_rows: int,
                        n_rows: int) -> Iterator[tuple[tuple[int, str], ...]]:
    """Each partition's repeated comments, in partition order: (row number, first id) pairs.

    Only the columns the text and the id are in are read, a batch at a time; the digests
    `mark_duplicates` keeps are the only state (bounded as in the local engine).
    """
    columns = parquet_columns_for(path, [*spec.texts, *([spec.id] if spec.id else [])])
    rows = mark_duplicates(iter_parquet_rows(path, 0, n_rows, columns=columns), spec)
    while chunk := _take(rows, partition_rows):
        yield tuple((row.row, row.duplicate_of) for row in chunk if row.duplicate_of is not None)


def _take(rows: Iterator[Any], n: int) -> list[Any]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= n:
            break
    return chunk


def _gather(client: distributed.Client, futures: list[Any], progress: Callable[[int], None] | None) -> list[dict[str, Any]]:
    from distributed import as_completed

    entries = []
    try:
        for future in as_completed(futures, loop=client.loop):
            entries.extend(_results([future], progress))
    except BaseException:
        client.cancel(futures)
        raise
    return entries


def _results(futures: Iterable[Any], progress: Callable[[int], None] | None) -> list[dict[str, Any]]:
    entries = []
    for future in futures:
        entry = future.result()  # re-raises a worker's exception here, with its traceback
        entries.append(entry)
        if progress is not None:
            progress(entry["n_rows"])
    return entries


@contextmanager
def _client(scheduler: str | None) -> Iterator[distributed.Client]:
    """A Client for the scheduler; the caller's own Client; or a LocalCluster for this call."""
    distributed = require_dask()
    if scheduler:
        with distributed.Client(scheduler, set_as_default=False) as client:
            yield client
        return
    existing = _current_client()
    if existing is not None:
        yield existing
        return
    # Threads share the GIL (analysis is pure Python), so one thread per process, one process per core.
    with distributed.LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster, set_as_default=False) as client:
            yield client


def _current_client() -> distributed.Client | None:
    from distributed import get_client

    try:
        return get_client()
    except ValueError:  # "No global client found"
        return None


def _prepare_output_dir(output_dir: str, *, overwrite: bool) -> None:
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as e:
        raise InputError(Errors.E601.format(path=output_dir, reason=e.strerror)) from None
    if not os.path.isdir(output_dir):
        raise InputError(Errors.E602.format(path=output_dir))
    previous = sorted(n for n in os.listdir(output_dir) if n == MANIFEST_NAME or _PART_FILE.match(n))
    if previous and not overwrite:
        what = "the output of a run" if MANIFEST_NAME in previous else "part files of an unfinished run (no manifest)"
        raise InputError(Errors.E603.format(path=output_dir, what=what, n=len(previous), example=previous[0]))
    # The manifest goes first, so an interrupted clean-up never leaves a directory that looks complete.
    for name in sorted(previous, key=lambda n: n != MANIFEST_NAME):
        os.unlink(os.path.join(output_dir, name))


def _manifest(
    read: ReadOptions,
    table: Table,
    spec: ColumnSpec,
    analysis: AnalysisOptions,
    fmt: str,
    partition_rows: int,
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    from .. import __version__

    counts: dict[str, Any] = {key: sum(e[f"n_{key}"] for e in entries)
                              for key in ("rows", "records", "with_problems", "errors", "unthemed", "duplicates")}
    if read.redact:
        redacted: Counter[str] = Counter()
        for entry in entries:
            redacted.update(entry["redacted"])
        counts["redacted"] = dict(sorted(redacted.items()))
    source = os.path.abspath(read.path) if not read.is_stream else "-"
    return {
        "manifest_version": MANIFEST_VERSION,
        "schema_version": SCHEMA_VERSION,
        "parquet_layout": PARQUET_LAYOUT_VERSION if fmt == "parquet" else None,
        "feedback_version": __version__,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "input": {
            "path": source,
            "format": table.format,
            "bytes": os.path.getsize(source) if source != "-" else None,
            "columns": table.columns,
        },
        "columns": {"text": spec.text, "id": spec.id, "scores": {kind: column for column, (kind, _) in spec.scores.items()}},
        "config": as_dict(analysis),
        "redact": read.redact,
        "output_format": fmt,
        "partition_rows": partition_rows,
        "counts": counts,
        "partitions": entries,
    }

# --- on the workers ------------------------------------------------------------------------

_analyzers: dict[AnalysisOptions, tuple[Analyzer, threading.Lock]] = {}
_analyzers_lock = threading.Lock()


def worker_analyzer(analysis: AnalysisOptions) -> tuple[Analyzer, threading.Lock]:
    """This process's Analyzer for some options, built on first use and kept for later tasks.

    Building one costs seconds (spaCy, VADER, the model), so it is never shipped or rebuilt per
    task. The lock serialises the threads of a worker using it: analysis holds the GIL anyway,
    and spaCy does not promise that one pipeline may be used from two threads at once.

    analysis (AnalysisOptions): What to build.
    RETURNS (tuple[Analyzer, threading.Lock]): The Analyzer and the lock to hold while using it.
    """
    from ..pipeline import Analyzer

    with _analyzers_lock:
        entry = _analyzers.get(analysis)
        if entry is None:
            entry = _analyzers[analysis] = (Analyzer.from_options(analysis), threading.Lock())
    return entry


def _analyze_rows_partition(payload: bytes, task: _PartitionTask) -> dict[str, Any]:
    return _write_partition(pickle.loads(payload), task)


def _analyze_parquet_partition(task: _PartitionTask) -> dict[str, Any]:
    rows: Iterable[SourceRow] = iter_parquet_rows(task.input_path, task.start, task.stop)
    if task.duplicates:
        marks = dict(task.duplicates)
        rows = (dataclasses.replace(row, duplicate_of=marks[row.row]) if row.row in marks else row for row in rows)
    return _write_partition(rows, task)


def _write_partition(rows: Iterable[SourceRow | ErrorRecord], task: _PartitionTask) -> dict[str, Any]:
    """Analyse one partition's rows and write its files. RETURNS (dict): its manifest entry."""
    from .local import finished_rows

    analyzer, lock = worker_analyzer(task.analysis)
    records_name = f"{task.stem}.{task.fmt}"
    errors_name = f"{task.stem}.errors.jsonl"
    records_path = os.path.join(task.output_dir, records_name)
    errors_path = os.path.join(task.output_dir, errors_name)
    counts = RunCounts()
    redacted: Counter[str] = Counter()
    first: SourceRow | ErrorRecord | None = None
    last: SourceRow | ErrorRecord | None = None

    def items() -> Iterator[Any]:
        nonlocal first, last
        for row in rows:
            if first is None:
                first = row
            last = row
            if task.redact:
                row = redact_row(row, redacted)
            yield to_comment(row, task.spec) if isinstance(row, SourceRow) else row

    sink: RecordSink = (ParquetSink(records_path, errors_path) if task.fmt == "parquet"
                        else JsonlFileSink(records_path, errors_path))
    with lock:
        sink.open(counts)
        try:
            for row in finished_rows(analyzer.pipe(items()), as_json=sink.as_json):
                counts.add(row)
                sink.write(row)
        except BaseException:
            sink.abort()
            raise
        sink.close()
    has_errors = counts.errors > 0
    return {
        "index": task.index,
        "file": records_name,
        "bytes": os.path.getsize(records_path),
        "sha256": file_sha256(records_path),
        "errors_file": errors_name if has_errors else None,
        "errors_bytes": os.path.getsize(errors_path) if has_errors else 0,
        "errors_sha256": file_sha256(errors_path) if has_errors else None,
        "rows": [first.row, last.row] if first is not None and last is not None else None,
        "lines": [first.line, last.line] if first is not None and last is not None else None,
        "n_rows": counts.rows, "n_records": counts.analysed, "n_with_problems": counts.with_problems,
        "n_errors": counts.errors, "n_unthemed": counts.unthemed, "n_duplicates": counts.duplicates,
        "redacted": dict(sorted(redacted.items())) if task.redact else None,
    }


# --- aggregating a partitioned output --------------------------------------------------------


def aggregate_partitions(manifest_path: str, scheduler: str | None = None) -> dict[str, Any]:
    """Aggregate a partitioned output on the workers; only the partial aggregates travel.

    Each worker reads one partition's files (checking them against the manifest's sha256),
    computes its partial with `partial_aggregate`, and sends that back; the client combines them.

    manifest_path (str): The manifest.json of an `analyze_dask` output (or its directory).
    scheduler (str | None): As in `analyze_dask`.
    RETURNS (dict): "partitions": each partition's partial, in order; "total": their combination;
        "summary": `summarize_partial(total)`.
    RAISES (InputError): The manifest cannot be read, or a partition file is missing or changed.
    """
    if os.path.isdir(manifest_path):
        manifest_path = os.path.join(manifest_path, MANIFEST_NAME)
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise InputError(Errors.E604.format(path=manifest_path)) from None
    except ValueError as e:
        raise InputError(Errors.E605.format(path=manifest_path, reason=e)) from None
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        raise InputError(Errors.E606.format(path=manifest_path, version=manifest.get("manifest_version"),
                                            supported=MANIFEST_VERSION))
    directory = os.path.dirname(os.path.abspath(manifest_path))
    fmt = manifest["output_format"]
    with _client(scheduler) as client:
        futures = [client.submit(_partition_partial, directory, fmt, entry, pure=False)
                   for entry in manifest["partitions"]]
        try:
            partials = client.gather(futures)
        except BaseException:
            client.cancel(futures)
            raise
    total = partial_aggregate([])
    for partial in partials:
        total = combine_partials(total, partial)
    return {"manifest": os.path.abspath(manifest_path), "partitions": partials, "total": total,
            "summary": summarize_partial(total)}


def _partition_partial(directory: str, fmt: str, entry: dict[str, Any]) -> dict[str, Any]:
    records_path = os.path.join(directory, entry["file"])
    _check_file(records_path, entry["sha256"])
    if fmt == "parquet":
        records: Iterable[dict[str, Any]] = read_parquet_records(
            records_path, columns=["skipped", "sentiment", "themes", "scores", "problems"])
    else:
        records = _jsonl_records(records_path)
    partial = partial_aggregate(records)
    if entry.get("errors_file"):
        errors_path = os.path.join(directory, entry["errors_file"])
        _check_file(errors_path, entry["errors_sha256"])
        with open(errors_path, "rb") as f:
            partial["n_errors"] += sum(1 for line in f if line.strip())
    return partial


def _check_file(path: str, sha256: str) -> None:
    if not os.path.exists(path):
        raise InputError(Errors.E607.format(path=path))
    if file_sha256(path) != sha256:
        raise InputError(Errors.E608.format(path=path))


def _jsonl_records(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)

