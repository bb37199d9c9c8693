"""The Dask engine: `feedback analyze` on a cluster, with partitioned output and a manifest.

Needs the `dask` extra (dask and distributed; pyarrow too for Parquet). Imported on first use:
the core never needs it.

How the work is split. A CSV, TSV or JSONL export is read once, on the client, by the same
reader as the local engine (feedback.io), so row numbers, physical line numbers and error records
are exactly the local engine's; every `partition_rows` rows become a partition that is shipped to
a worker. A Parquet export is not read on the client: its footer gives the row count, and each
worker reads its own row range. Workers build one Analyzer per process, reuse it for every
partition, and write their partition's files straight into the output directory (so it must be
on storage every worker sees under the same path). The client writes manifest.json last: a
directory without one is an unfinished run.

See docs/distributed.md for running on a cluster and what the manifest holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pickle
import re
import sys
import threading
from collections import Counter
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from .columns import ColumnSpec, resolve_columns, to_comment
from .errors import FeedbackError, InputError
from .io import Table, atomic_output, dumps
from .parquet_io import (
    PARQUET_LAYOUT_VERSION,
    MissingExtraError,
    ParquetRecordWriter,
    count_parquet_rows,
    iter_parquet_rows,
    json_value,
    open_input,
    read_parquet_records,
    record_schema,
    require_pyarrow,
)
from .pipeline import DEFAULT_MODEL, Analyzer, AnalyzerConfig, redact_row
from .records import SCHEMA_VERSION, AnalyzedRecord, ErrorRecord, SourceRow
from .scores import kind_of

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe
    import distributed

OUTPUT_FORMATS = ("jsonl", "parquet")
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
# At ~2,000 comments/s per core a 20k-row partition is ~10 s of work: long enough that task
# overhead (milliseconds) does not matter, short enough to balance the cluster at the end.
DEFAULT_PARTITION_ROWS = 20_000
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
        raise MissingExtraError(f"The Dask engine needs dask and distributed: {_INSTALL_HINT}") from None
    return distributed


# --- the engine ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _PartitionTask:
    """What a worker needs to analyse one partition (small: it travels with the task)."""

    index: int
    spec: ColumnSpec
    config: AnalyzerConfig
    output_dir: str
    fmt: str
    redact: bool = False
    # Parquet only: the worker reads rows [start, stop) of this file itself.
    input_path: str = ""
    start: int = 0
    stop: int = 0

    @property
    def stem(self) -> str:
        return f"part-{self.index:05d}"


def analyze_dask(
    input_path: str,
    output_dir: str,
    *,
    input_format: str | None = None,
    encoding: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    config: AnalyzerConfig | None = None,
    scheduler: str | None = None,
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    fmt: str = "jsonl",
    redact: bool = False,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Analyse an export on a Dask cluster into one output file per partition and a manifest.

    The records are the local engine's, record for record: concatenating the partitions' JSONL
    files in manifest order gives the bytes `feedback analyze INPUT -o FILE` writes, and their
    error files the bytes of FILE.errors.jsonl.

    input_path (str): A .csv, .tsv, .jsonl or .parquet file ("-" reads CSV/JSONL from stdin).
    output_dir (str): Directory for part-NNNNN.{jsonl,parquet}, part-NNNNN.errors.jsonl (only
        for partitions with error records) and manifest.json; created if missing.
    input_format (str | None): "csv", "tsv", "jsonl" or "parquet"; None detects it.
    encoding (str | None): Text encoding of a text export (None: detected, as locally).
    text_column, id_column (str | None): As --text-column and --id-column.
    scores (dict[str, str] | None): KIND -> COLUMN, as --score.
    config (AnalyzerConfig | None): The analyzer (taxonomy, lexicon, model); its paths must be
        readable on every worker.
    scheduler (str | None): A scheduler address ("tcp://host:8786"). None uses the current
        distributed Client if there is one, else starts a LocalCluster with a worker process
        per core for the duration of the call.
    partition_rows (int): Input rows per partition.
    fmt (str): "jsonl" or "parquet" for the record files.
    redact (bool): Mask PII in every row first, as --redact (see feedback.redact).
    overwrite (bool): Replace a previous run's files in output_dir instead of refusing.
    progress (Callable[[int], None] | None): Called with the number of rows of each finished partition.
    RETURNS (dict): The manifest, as written to output_dir/manifest.json.
    RAISES (InputError): The input cannot be used, or output_dir holds another run's output.
    RAISES (MissingExtraError): dask/distributed (or pyarrow, for Parquet) is not installed.
    """
    return _analyze_dask(
        input_path, output_dir, input_format=input_format, encoding=encoding, text_column=text_column,
        id_column=id_column, scores=scores, config=config, scheduler=scheduler, partition_rows=partition_rows,
        fmt=fmt, redact=redact, overwrite=overwrite, progress=progress,
    )


def _analyze_dask(
    input_path: str,
    output_dir: str,
    *,
    input_format: str | None,
    encoding: str | None,
    text_column: str | None,
    id_column: str | None,
    scores: dict[str, str] | None,
    config: AnalyzerConfig | None,
    scheduler: str | None,
    partition_rows: int,
    fmt: str,
    redact: bool,
    overwrite: bool,
    progress: Callable[[int], None] | None,
    on_start: Callable[[Table, ColumnSpec], None] | None = None,
) -> dict[str, Any]:
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(OUTPUT_FORMATS)}, not {fmt!r}")
    if partition_rows < 1:
        raise ValueError(f"partition_rows must be at least 1, not {partition_rows}")
    if output_dir == "-":
        raise InputError("The Dask engine writes a directory of partitions: give -o OUTPUT_DIR, not '-'")
    require_dask()
    if fmt == "parquet":
        require_pyarrow()
    config = _absolute_config(config or AnalyzerConfig())
    table = open_input(input_path, fmt=input_format, encoding=encoding)
    spec = resolve_columns(table.columns, text_column=text_column, id_column=id_column, scores=scores)
    output_dir = os.path.abspath(output_dir)
    _prepare_output_dir(output_dir, overwrite=overwrite)
    if on_start is not None:
        on_start(table, spec)

    def task(index: int, **kwargs: Any) -> _PartitionTask:
        return _PartitionTask(index, spec, config, output_dir, fmt, redact, **kwargs)

    with _client(scheduler) as client:
        if table.format == "parquet":
            path = os.path.abspath(input_path)
            n_rows = count_parquet_rows(path)
            tasks = [task(i, input_path=path, start=start, stop=min(start + partition_rows, n_rows))
                     for i, start in enumerate(range(0, n_rows, partition_rows))]
            futures = [client.submit(_analyze_parquet_partition, t, pure=False) for t in tasks]
            entries = _gather(client, futures, progress)
        else:
            entries = _run_text_partitions(client, table, task, partition_rows, progress)
    entries.sort(key=lambda e: e["index"])
    manifest = _manifest(input_path, table, spec, config, fmt, redact, partition_rows, entries)
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


def _absolute_config(config: AnalyzerConfig) -> AnalyzerConfig:
    """Workers may not share the client's working directory: make the config's paths absolute."""
    def absolute(path: str | None) -> str | None:
        return os.path.abspath(path) if path else path

    model = config.model if config.model in (None, DEFAULT_MODEL) else absolute(config.model)
    return replace(config, taxonomy=absolute(config.taxonomy), lexicon=absolute(config.lexicon), model=model)


def _prepare_output_dir(output_dir: str, *, overwrite: bool) -> None:
    try:
        os.makedirs(output_dir, exist_ok=True)
    except OSError as e:
        raise InputError(f"Cannot create the output directory {output_dir}: {e.strerror}") from None
    if not os.path.isdir(output_dir):
        raise InputError(f"{output_dir} is a file; the Dask engine writes a directory of partitions")
    previous = sorted(n for n in os.listdir(output_dir) if n == MANIFEST_NAME or _PART_FILE.match(n))
    if previous and not overwrite:
        what = "the output of a run" if MANIFEST_NAME in previous else "part files of an unfinished run (no manifest)"
        raise InputError(
            f"{output_dir} already holds {what} ({len(previous)} files, e.g. {previous[0]}). "
            "Remove them or choose another directory."
        )
    # The manifest goes first, so an interrupted clean-up never leaves a directory that looks complete.
    for name in sorted(previous, key=lambda n: n != MANIFEST_NAME):
        os.unlink(os.path.join(output_dir, name))


def _manifest(
    input_path: str,
    table: Table,
    spec: ColumnSpec,
    config: AnalyzerConfig,
    fmt: str,
    redact: bool,
    partition_rows: int,
    entries: list[dict[str, Any]],
) -> dict[str, Any]:
    from . import __version__

    counts: dict[str, Any] = {key: sum(e[f"n_{key}"] for e in entries)
                              for key in ("rows", "records", "with_problems", "errors")}
    if redact:
        redacted: Counter = Counter()
        for entry in entries:
            redacted.update(entry["redacted"])
        counts["redacted"] = dict(sorted(redacted.items()))
    source = os.path.abspath(input_path) if input_path != "-" else "-"
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
        "config": asdict(config),
        "redact": redact,
        "output_format": fmt,
        "partition_rows": partition_rows,
        "counts": counts,
        "partitions": entries,
    }


# --- on the workers ------------------------------------------------------------------------

_analyzers: dict[AnalyzerConfig, tuple[Analyzer, threading.Lock]] = {}
_analyzers_lock = threading.Lock()


def worker_analyzer(config: AnalyzerConfig) -> tuple[Analyzer, threading.Lock]:
    """This process's Analyzer for a config, built on first use and kept for later tasks.

    Building one costs seconds (spaCy, VADER, the model), so it is never shipped or rebuilt per
    task. The lock serialises the threads of a worker using it: analysis holds the GIL anyway,
    and spaCy does not promise that one pipeline may be used from two threads at once.

    config (AnalyzerConfig): What to build.
    RETURNS (tuple[Analyzer, threading.Lock]): The Analyzer and the lock to hold while using it.
    """
    with _analyzers_lock:
        entry = _analyzers.get(config)
        if entry is None:
            entry = _analyzers[config] = (Analyzer(config), threading.Lock())
    return entry


def _analyze_rows_partition(payload: bytes, task: _PartitionTask) -> dict[str, Any]:
    return _write_partition(pickle.loads(payload), task)


def _analyze_parquet_partition(task: _PartitionTask) -> dict[str, Any]:
    return _write_partition(iter_parquet_rows(task.input_path, task.start, task.stop), task)


def _write_partition(rows: Iterable[SourceRow | ErrorRecord], task: _PartitionTask) -> dict[str, Any]:
    """Analyse one partition's rows and write its files. RETURNS (dict): its manifest entry."""
    analyzer, lock = worker_analyzer(task.config)
    records_name = f"{task.stem}.{task.fmt}"
    errors_name = f"{task.stem}.errors.jsonl"
    records_path = os.path.join(task.output_dir, records_name)
    errors_path = os.path.join(task.output_dir, errors_name)
    counts = {"rows": 0, "records": 0, "with_problems": 0, "errors": 0}
    redacted: Counter = Counter()
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

    with lock, ExitStack() as stack:
        if task.fmt == "parquet":
            writer = stack.enter_context(ParquetRecordWriter(records_path))

            def write_record(record: AnalyzedRecord) -> None:
                writer.write(record.to_dict())
        else:
            out = stack.enter_context(atomic_output(records_path))

            def write_record(record: AnalyzedRecord) -> None:
                out.write(dumps(record.to_dict()) + "\n")
        err_out = None
        for record in analyzer.analyze_comments(items()):
            counts["rows"] += 1
            if isinstance(record, ErrorRecord):
                counts["errors"] += 1
                if err_out is None:
                    err_out = stack.enter_context(atomic_output(errors_path))
                err_out.write(dumps(record.to_dict()) + "\n")
            else:
                counts["records"] += 1
                counts["with_problems"] += bool(record.problems)
                write_record(record)
    has_errors = counts["errors"] > 0
    return {
        "index": task.index,
        "file": records_name,
        "bytes": os.path.getsize(records_path),
        "sha256": _sha256(records_path),
        "errors_file": errors_name if has_errors else None,
        "errors_bytes": os.path.getsize(errors_path) if has_errors else 0,
        "errors_sha256": _sha256(errors_path) if has_errors else None,
        "rows": [first.row, last.row] if first is not None and last is not None else None,
        "lines": [first.line, last.line] if first is not None and last is not None else None,
        **{f"n_{key}": n for key, n in counts.items()},
        "redacted": dict(sorted(redacted.items())) if task.redact else None,
    }


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- bags and dataframes -------------------------------------------------------------------


def analyze_bag(
    bag: dask.bag.Bag,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    config: AnalyzerConfig | None = None,
    redact: bool = False,
) -> dask.bag.Bag:
    """Analyse a Dask bag of comments (strings or dicts), like `feedback.analyze` on its items.

    Columns are resolved from the first item, as `analyze` does, which computes the bag's first
    non-empty partition now (only its first item travels back). Row numbers run over the whole
    bag, so each partition is counted before it is analysed; persist() a bag that is expensive
    to produce.

    bag (dask.bag.Bag): Strings, or dicts with a text field and any other fields.
    text_column, id_column (str | None): Field names, when the defaults do not find them.
    scores (dict[str, str] | None): KIND -> field name.
    config (AnalyzerConfig | None): The analyzer; its paths must be readable on the workers.
    redact (bool): Mask PII first, as `analyze(..., redact=True)`.
    RETURNS (dask.bag.Bag): One dict per item in order: a record, or an error record (it has an
        "error" key) for an item that cannot be analysed; the same dicts `analyze` yields.
    RAISES (InputError): No text field can be found.
    """
    require_dask()
    import dask
    import dask.bag as db

    config = _absolute_config(config or AnalyzerConfig())
    parts = [dask.delayed(list)(part) for part in bag.to_delayed()]
    first = _first_item(parts)
    if first is None:
        return db.from_sequence([], npartitions=1)
    spec = resolve_columns(list(_item_values(first)), text_column=text_column, id_column=id_column, scores=scores)
    starts = _starts(parts)
    return db.from_delayed([dask.delayed(_analyze_items, pure=True)(part, start, spec, config, redact)
                            for part, start in zip(parts, starts)])


def analyze_dataframe(
    ddf: dask.dataframe.DataFrame,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    config: AnalyzerConfig | None = None,
    redact: bool = False,
) -> dask.dataframe.DataFrame:
    """Analyse a Dask DataFrame with a row per comment.

    The result has a row per input row, with the input's index (join it back on the index) and
    the columns of the Parquet record layout (docs/parquet.md) as pyarrow-backed dtypes, plus
    `error_code` and `error_message`: null for analysed rows; for a row that could not be
    analysed they say why, and only schema_version, id and row are set. NaN, NaT and NA are
    missing values, timestamps become ISO 8601 text, as in a JSONL export.

    ddf (dask.dataframe.DataFrame): The comments, one per row.
    text_column, id_column (str | None): Column names, when the defaults do not find them.
    scores (dict[str, str] | None): KIND -> column name.
    config (AnalyzerConfig | None): The analyzer; its paths must be readable on the workers.
    redact (bool): Mask PII first, as `analyze(..., redact=True)`.
    RETURNS (dask.dataframe.DataFrame): Lazy; one row per input row.
    RAISES (InputError): No text column can be found.
    """
    require_dask()
    require_pyarrow()
    import dask
    import dask.dataframe as dd

    config = _absolute_config(config or AnalyzerConfig())
    spec = resolve_columns([str(c) for c in ddf.columns], text_column=text_column, id_column=id_column,
                           scores=scores)
    parts = ddf.to_delayed()
    starts = _starts(parts)
    frames = [dask.delayed(_analyze_frame, pure=True)(part, start, spec, config, redact)
              for part, start in zip(parts, starts)]
    meta = _frame_meta(ddf._meta.index)
    return dd.from_delayed(frames, meta=meta, divisions=ddf.divisions, verify_meta=False)


def _first_item(parts: list[Any]) -> Any:
    import dask

    for part in parts:
        found, item = dask.delayed(_head)(part).compute()
        if found:
            return item
    return None


def _head(items: list[Any]) -> tuple[bool, Any]:
    return (True, items[0]) if items else (False, None)


def _starts(parts: list[Any]) -> list[Any]:
    """Each partition's first row number minus one, as a chain of lazy sums of lengths."""
    import operator

    import dask

    starts: list[Any] = [0]
    for part in parts[:-1]:
        starts.append(dask.delayed(operator.add, pure=True)(starts[-1], dask.delayed(len, pure=True)(part)))
    return starts


def _item_values(item: Any) -> dict[str, Any]:
    return {"text": item} if isinstance(item, str) else dict(item)


def _analyze_items(items: list[Any], start: int, spec: ColumnSpec, config: AnalyzerConfig,
                   redact: bool) -> list[dict[str, Any]]:
    rows = (SourceRow(start + n, start + n, _item_values(item)) for n, item in enumerate(items, 1))
    return [r.to_dict() for r in _analyze_rows(rows, spec, config, redact)]


def _analyze_rows(rows: Iterable[SourceRow], spec: ColumnSpec, config: AnalyzerConfig,
                  redact: bool) -> list[AnalyzedRecord | ErrorRecord]:
    analyzer, lock = worker_analyzer(config)
    source: Iterable[SourceRow | ErrorRecord] = rows
    if redact:
        source = (redact_row(row, Counter()) for row in rows)
    items = (to_comment(row, spec) if isinstance(row, SourceRow) else row for row in source)
    with lock:
        return list(analyzer.analyze_comments(items))


def _frame_schema() -> Any:
    pa = require_pyarrow()
    fields = [field.with_nullable(True) for field in record_schema()]
    fields += [pa.field("error_code", pa.string()), pa.field("error_message", pa.string())]
    return pa.schema(fields, metadata=record_schema().metadata)


def _frame_meta(index: Any) -> Any:
    import pandas as pd

    meta = _frame_schema().empty_table().to_pandas(types_mapper=pd.ArrowDtype)
    meta.index = index[:0]
    return meta


def _analyze_frame(frame: Any, start: int, spec: ColumnSpec, config: AnalyzerConfig, redact: bool) -> Any:
    import pandas as pd
    import pyarrow as pa

    labels = [str(c) for c in frame.columns]
    rows = (
        SourceRow(start + n, start + n, {label: _frame_value(v) for label, v in zip(labels, values)})
        for n, values in enumerate(frame.itertuples(index=False, name=None), 1)
    )
    out: list[dict[str, Any]] = []
    for record in _analyze_rows(rows, spec, config, redact):
        if isinstance(record, ErrorRecord):
            out.append({"schema_version": SCHEMA_VERSION, "id": record.id, "row": record.row,
                        "error_code": record.code, "error_message": record.message, "redacted": record.redacted})
        else:
            d = record.to_dict()
            out.append({**d, "fields": dumps(d["fields"])})
    result = pa.Table.from_pylist(out, schema=_frame_schema()).to_pandas(types_mapper=pd.ArrowDtype)
    result.index = frame.index
    return result


def _frame_value(value: Any) -> Any:
    """A pandas cell as JSON carries it; NaN, NaT and NA are missing values."""
    import pandas as pd

    if value is None or isinstance(value, (str, bool, int)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return json_value(value)


# --- partial aggregates --------------------------------------------------------------------


def partial_aggregate(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sum up records into a partial aggregate: counts and sums that add across partitions.

    Combine partials with `combine_partials` and turn the total into figures with
    `summarize_partial`; the layout is described in docs/distributed.md.

    records (Iterable[dict]): Records as `feedback analyze` writes them; error records (with an
        "error" key) are counted as errors.
    RETURNS (dict): The partial aggregate (JSON-serialisable).
    """
    partial: dict[str, Any] = {
        "n_records": 0, "n_errors": 0, "n_with_problems": 0,
        "sentiment": {"n": 0, "sum": 0.0, "labels": {}},
        "scores": {}, "themes": {}, "subthemes": {},
    }
    sentiment, score_totals, themes, subthemes = (partial["sentiment"], partial["scores"], partial["themes"],
                                                   partial["subthemes"])
    for record in records:
        if "error" in record:
            partial["n_errors"] += 1
            continue
        partial["n_records"] += 1
        partial["n_with_problems"] += bool(record.get("problems"))
        compound = float(record["sentiment"]["compound"])
        sentiment["n"] += 1
        sentiment["sum"] += compound
        _bump(sentiment["labels"], record["sentiment"]["label"])
        scores = record["scores"]
        for kind, value in scores.items():
            _add_score(score_totals.setdefault(kind, _score_total(kind)), kind, value)
        by_theme: dict[str, list[float]] = {}
        for mention in record["themes"]:
            by_theme.setdefault(mention["parent"], []).append(float(mention["sentiment"]))
            if "/" in mention["theme"]:
                sub = subthemes.setdefault(mention["theme"], {"comments": 0, "mentions": 0})
                sub["mentions"] += 1
        for theme_id in {m["theme"] for m in record["themes"] if "/" in m["theme"]}:
            subthemes[theme_id]["comments"] += 1
        for parent, sentiments in by_theme.items():
            theme = themes.setdefault(parent, {"comments": 0, "mentions": 0, "sentiment_sum": 0.0, "scores": {}})
            theme["comments"] += 1
            theme["mentions"] += len(sentiments)
            theme["sentiment_sum"] += sum(sentiments) / len(sentiments)
            for kind, value in scores.items():
                _add_score(theme["scores"].setdefault(kind, _score_total(kind)), kind, value)
    return partial


def _bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


def _score_total(kind: str) -> dict[str, Any]:
    total: dict[str, Any] = {"n": 0, "sum": 0.0, "sum_sq": 0.0, "min": None, "max": None}
    if kind_of(kind).integer:
        total["counts"] = {}  # answers on a short integer scale: enough for NPS, top-2 box, medians
    return total


def _add_score(total: dict[str, Any], kind: str, value: float) -> None:
    total["n"] += 1
    total["sum"] += value
    total["sum_sq"] += value * value
    total["min"] = value if total["min"] is None else min(total["min"], value)
    total["max"] = value if total["max"] is None else max(total["max"], value)
    if "counts" in total:
        _bump(total["counts"], str(int(value)))


def combine_partials(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Add two partial aggregates: numbers add, `min`/`max` keep the extreme, dicts merge.

    a, b (dict): Partials from `partial_aggregate` (or earlier combinations).
    RETURNS (dict): A new partial, as if the records of both had been summed at once.
    """
    out: dict[str, Any] = {}
    for key in a.keys() | b.keys():
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            out[key] = y if x is None else x
        elif isinstance(x, dict):
            out[key] = combine_partials(x, y)
        elif key == "min":
            out[key] = min(x, y)
        elif key == "max":
            out[key] = max(x, y)
        else:
            out[key] = x + y
    return out


def summarize_partial(total: dict[str, Any]) -> dict[str, Any]:
    """The overall figures a combined partial gives: NPS, CSAT, means, per-theme counts.

    NPS is % promoters (9-10) minus % detractors (0-6); CSAT the % of answers 4-5 (top-2 box);
    other kinds get their mean. A theme's sentiment is the mean over the comments mentioning
    it of their mean mention sentiment.

    total (dict): A partial aggregate, usually the combination of every partition's.
    RETURNS (dict): The figures (JSON-serialisable).
    """
    n_records = total["n_records"]
    sentiment = total["sentiment"]
    return {
        "n_records": n_records,
        "n_errors": total["n_errors"],
        "n_with_problems": total["n_with_problems"],
        "sentiment": {"mean": _ratio(sentiment["sum"], sentiment["n"]), "labels": dict(sorted(sentiment["labels"].items()))},
        "scores": {kind: _score_figures(kind, t) for kind, t in sorted(total["scores"].items())},
        "themes": {
            theme_id: {
                "comments": t["comments"],
                "share": _ratio(t["comments"], n_records),
                "mentions": t["mentions"],
                "sentiment": _ratio(t["sentiment_sum"], t["comments"]),
                "scores": {kind: _score_figures(kind, s) for kind, s in sorted(t["scores"].items())},
            }
            for theme_id, t in sorted(total["themes"].items(), key=lambda kv: (-kv[1]["comments"], kv[0]))
        },
        "subthemes": dict(sorted(total["subthemes"].items())),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 6) if b else None


def _score_figures(kind: str, total: dict[str, Any]) -> dict[str, Any]:
    n = total["n"]
    figures: dict[str, Any] = {"n": n, "mean": _ratio(total["sum"], n)}
    if "min" in total:
        figures["min"], figures["max"] = total["min"], total["max"]
    counts = {int(k): v for k, v in total.get("counts", {}).items()}
    if kind == "nps" and n:
        promoters = sum(v for k, v in counts.items() if k >= 9)
        detractors = sum(v for k, v in counts.items() if k <= 6)
        figures["nps"] = round(100.0 * (promoters - detractors) / n, 4)
    if kind == "csat" and n:
        figures["top2"] = round(100.0 * sum(v for k, v in counts.items() if k >= 4) / n, 4)
    return figures


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
        raise InputError(f"No such manifest: {manifest_path} (an unfinished run has none)") from None
    except ValueError as e:
        raise InputError(f"{manifest_path} is not a manifest: {e}") from None
    if manifest.get("manifest_version") != MANIFEST_VERSION:
        raise InputError(f"{manifest_path}: manifest_version {manifest.get('manifest_version')!r} is not "
                         f"{MANIFEST_VERSION}, the one this version of feedback reads")
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
            records_path, columns=["sentiment", "themes", "scores", "problems"])
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
        raise InputError(f"{path} is listed in the manifest but missing")
    if _sha256(path) != sha256:
        raise InputError(f"{path} changed since the run wrote it (its sha256 differs from the manifest's)")


def _jsonl_records(path: str) -> Iterator[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# --- the CLI's runner ----------------------------------------------------------------------


def run_dask_cli(
    input_path: str,
    output_dir: str,
    *,
    input_format: str | None = None,
    encoding: str | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    config: AnalyzerConfig,
    scheduler: str | None = None,
    output_format: str = "jsonl",
    partition_rows: int = DEFAULT_PARTITION_ROWS,
    redact: bool = False,
    strict: bool = False,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Run `feedback analyze --engine dask`: messages, progress bar and exit status as locally.

    Called by feedback.cli after it has parsed the options; this is CLI code, so it writes to
    stderr (through click) and raises click exceptions.

    input_path (str): INPUT.
    output_dir (str): -o, a directory.
    input_format, encoding, text_column, id_column: --format, --encoding, --text-column, --id-column.
    scores (dict[str, str] | None): The parsed --score options, KIND -> COLUMN.
    config (AnalyzerConfig): Built from --taxonomy, --lexicon, --model, --no-model, --model-mode.
    scheduler (str | None): --scheduler ADDRESS; None starts a LocalCluster.
    output_format (str): --output-format, "jsonl" or "parquet".
    partition_rows (int): --partition-rows.
    redact (bool): --redact.
    strict (bool): --strict.
    progress (bool | None): --progress/--no-progress (None: only on a terminal).
    RETURNS (dict): The manifest.
    RAISES (click.ClickException): The input cannot be used, an extra is missing, or --strict
        and some row had a problem.
    """
    import click

    from .themes import load_taxonomy

    if output_dir == "-":
        raise click.UsageError("--engine dask writes a directory of partitions: give -o OUTPUT_DIR")
    bar = None

    def on_start(table: Table, spec: ColumnSpec) -> None:
        nonlocal bar
        score_note = ", ".join(f"{kind}={column}" for column, (kind, _) in spec.scores.items()) or "none"
        model = config.model
        themes_by = "rules only" if not model else f"rules + model {'cx-default' if model == DEFAULT_MODEL else model}"
        click.echo(f"Reading {table.name}: text={spec.text!r}, id={spec.id or 'row number'!r}, scores: {score_note}; "
                   f"themes: {themes_by}; engine: dask, {partition_rows:,} rows per partition", err=True)
        from tqdm import tqdm

        # tqdm's disable=None means "only when stderr is a terminal", as the local engine's bar.
        bar = tqdm(unit=" comments", file=sys.stderr, disable=None if progress is None else not progress,
                   mininterval=0.5, leave=False)

    try:
        if config.taxonomy:
            load_taxonomy(config.taxonomy)  # fail before starting a cluster
        if config.model and config.model != DEFAULT_MODEL:
            from .model import load_model

            load_model(config.model)
        manifest = _analyze_dask(
            input_path, output_dir, input_format=input_format, encoding=encoding, text_column=text_column,
            id_column=id_column, scores=scores, config=config, scheduler=scheduler, partition_rows=partition_rows,
            fmt=output_format, redact=redact, overwrite=False, progress=lambda n: bar.update(n) if bar is not None else None,
            on_start=on_start,
        )
    except (FeedbackError, LookupError) as e:
        raise click.ClickException(str(e)) from None
    finally:
        if bar is not None:
            bar.close()
    counts = manifest["counts"]
    n_error_files = sum(1 for p in manifest["partitions"] if p["errors_file"])
    summary = (
        f"Read {counts['rows']} rows: {counts['records']} analysed "
        f"({counts['with_problems']} with problems noted in the record), "
        f"{counts['errors']} could not be analysed"
    )
    if counts["errors"]:
        summary += f" (see the {n_error_files} part-*.errors.jsonl files)"
    click.echo(f"{summary}. {len(manifest['partitions'])} partitions in {os.path.abspath(output_dir)} "
               f"(see {MANIFEST_NAME}).", err=True)
    if redact:
        masked = ", ".join(f"{n} {kind}" for kind, n in counts["redacted"].items()) or "nothing"
        click.echo(f"Redacted: {masked}.", err=True)
    if strict and (counts["errors"] or counts["with_problems"]):
        raise click.ClickException("--strict: some rows had problems (see the summary above)")
    return manifest


