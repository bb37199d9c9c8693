"""Parquet in and out, for exports that come from a warehouse. Needs the `parquet` extra (pyarrow).

Reading and writing stream by record batches, so memory is bounded by the batch (and, when
reading, the file's row group size), not by the file. pyarrow is imported on first use: importing
this module, or feedback, never needs it. The Arrow schema of written records is described in
docs/parquet.md and versioned by `PARQUET_LAYOUT_VERSION` next to the records' `schema_version`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import tempfile
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from ..errors import Errors, InputError, MissingExtraError
from .files import dumps, publish
from .table import Table
from ..records import SCHEMA_VERSION, SourceRow

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.parquet as pq

PARQUET_EXTENSIONS = (".parquet", ".parq", ".pq")
# Bumped when a column is removed or re-typed: a record field removed or changed (a major
# schema_version), or a new Arrow type or encoding for the same field. A new optional record
# field only adds a nullable column at the end. See docs/parquet.md.
PARQUET_LAYOUT_VERSION = "1"
READ_BATCH_ROWS = 4096
WRITE_BATCH_ROWS = 10_000
_INSTALL_HINT = "pip install 'feedback[parquet]'"


def require_pyarrow() -> Any:
    """Import pyarrow, or fail with one line that says how to install it.

    RETURNS (module): The pyarrow module.
    RAISES (MissingExtraError): pyarrow is not installed.
    """
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401  (a submodule: the import registers it)
    except ImportError:
        raise MissingExtraError(Errors.E014.format(hint=_INSTALL_HINT)) from None
    return pyarrow


def is_parquet_path(path: str) -> bool:
    """Whether a path names a Parquet file by its extension (.parquet, .parq, .pq)."""
    return path != "-" and Path(path).suffix.lower() in PARQUET_EXTENSIONS


# --- reading -------------------------------------------------------------------------------


def open_parquet(path: str, *, batch_size: int = READ_BATCH_ROWS) -> Table:
    """Open a Parquet file of comments for reading, one record batch at a time.

    Values become what JSON can carry, as they would have come from a JSONL export: dates and
    timestamps as ISO 8601 strings, decimals as numbers, NaN as null, bytes as UTF-8 text.
    There are no physical lines in Parquet, so each row's `line` is its row number.

    path (str): The file.
    batch_size (int): Rows decoded at a time.
    RETURNS (Table): The file's columns and a stream of SourceRows (format "parquet").
    RAISES (InputError): The file does not exist or is not Parquet.
    RAISES (MissingExtraError): pyarrow is not installed.
    """
    parquet_file = _open_parquet_file(path)
    columns = list(parquet_file.schema_arrow.names)
    rows = iter_parquet_rows(parquet_file, 0, parquet_file.metadata.num_rows, batch_size=batch_size)
    return Table(columns=columns, rows=rows, format="parquet", name=path)


def count_parquet_rows(path: str) -> int:
    """The number of rows of a Parquet file, from its footer (nothing else is read).

    path (str): The file.
    RETURNS (int): Rows in the file.
    """
    return int(_open_parquet_file(path).metadata.num_rows)


def parquet_columns_for(path: str, columns: list[str]) -> list[str]:
    """The file's top-level columns that hold `columns` (a dotted path lies in its first part).

    path (str): The file.
    columns (list[str]): Column names or dotted paths, as a ColumnSpec names them.
    RETURNS (list[str]): Top-level column names, in the file's order.
    """
    names = list(_open_parquet_file(path).schema_arrow.names)
    wanted = {column if column in names else column.split(".")[0] for column in columns}
    return [name for name in names if name in wanted]


def iter_parquet_rows(
    source: str | pq.ParquetFile, start: int, stop: int, *, batch_size: int = READ_BATCH_ROWS,
    columns: list[str] | None = None,
) -> Iterator[SourceRow]:
    """Read the rows [start, stop) of a Parquet file, decoding only the row groups they touch.

    source (str | ParquetFile): The file, or an opened ParquetFile.
    start (int): The first row, counted from 0.
    stop (int): One past the last row.
    batch_size (int): Rows decoded at a time.
    columns (list[str] | None): Only these top-level columns (None: all).
    YIELDS (SourceRow): Rows numbered from start + 1; `line` is the row number.
    """
    parquet_file = _open_parquet_file(source) if isinstance(source, str) else source
    metadata = parquet_file.metadata
    groups: list[int] = []
    first_row = None  # the file row where the first selected row group begins
    offset = 0
    for i in range(metadata.num_row_groups):
        n = metadata.row_group(i).num_rows
        if offset < stop and offset + n > start:
            groups.append(i)
            first_row = offset if first_row is None else first_row
        offset += n
    if not groups or first_row is None:
        return
    fields = [field for field in parquet_file.schema_arrow if columns is None or field.name in columns]
    converters = [_converter(field.type) for field in fields]
    names = [field.name for field in fields]
    position = first_row
    selected_names = names if columns is not None else None
    for batch in parquet_file.iter_batches(batch_size=batch_size, row_groups=groups, use_threads=False,
                                           columns=selected_names):
        lo, hi = max(start - position, 0), min(stop - position, batch.num_rows)
        if lo < hi:
            selected = batch.slice(lo, hi - lo)
            decoded = [_convert_column(col.to_pylist(maps_as_pydicts="lossy"), convert)
                       for col, convert in zip(selected.columns, converters)]
            number = position + lo
            for values in zip(*decoded):
                number += 1
                yield SourceRow(number, number, dict(zip(names, values)))
        position += batch.num_rows
        if position >= stop:
            return


def _open_parquet_file(path: str) -> pq.ParquetFile:
    require_pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except FileNotFoundError:
        raise InputError(Errors.E001.format(path=path)) from None
    except IsADirectoryError:
        raise InputError(Errors.E002.format(path=path, what="a Parquet file of comments")) from None
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(Errors.E015.format(path=path, reason=e)) from None


def _convert_column(values: list[Any], convert: Callable[[Any], Any] | None) -> list[Any]:
    return values if convert is None else [convert(v) for v in values]


def _converter(arrow_type: pa.DataType) -> Callable[[Any], Any] | None:
    """How to make a column's Python values JSON values; None when they already are."""
    import pyarrow.types as t

    if t.is_string(arrow_type) or t.is_large_string(arrow_type) or t.is_integer(arrow_type) \
            or t.is_boolean(arrow_type) or t.is_null(arrow_type):
        return None
    if t.is_dictionary(arrow_type):
        return _converter(arrow_type.value_type)
    if t.is_floating(arrow_type):
        return _json_float
    return json_value


def _json_float(value: float | None) -> float | None:
    return value if value is None or math.isfinite(value) else None


def json_value(value: Any) -> Any:
    """A value as JSON can carry it (what a JSONL export would have held).

    value (Any): A Python value from Arrow or pandas.
    RETURNS (Any): None for missing and non-finite numbers, ISO 8601 text for dates and times,
        numbers for decimals, seconds for durations, text for bytes; containers converted inside.
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return json_value(item())
    return str(value)


# --- writing -------------------------------------------------------------------------------


@cache
def record_schema() -> pa.Schema:
    """The Arrow schema of an analysed record in Parquet (documented in docs/parquet.md).

    RETURNS (pa.Schema): Columns in the JSON record's key order; `fields`, whose content is
        whatever the input carried, is JSON text.
    """
    pa = require_pyarrow()
    string, f64, i32 = pa.string(), pa.float64(), pa.int32()
    sentence = pa.struct([("text", string), ("start", i32), ("end", i32), ("compound", f64)])
    theme = pa.struct([
        ("theme", string), ("parent", string), ("sentiment", f64), ("label", string),
        ("evidence", string), ("start", i32), ("end", i32), ("sentence", i32),
        ("negated", pa.bool_()), ("source", string), ("confidence", f64),
    ])
    problem = pa.struct([("code", string), ("message", string), ("column", string)])
    return pa.schema(
        [
            pa.field("schema_version", string, nullable=False),
            pa.field("id", string, nullable=False),
            pa.field("row", pa.int64(), nullable=False),
            pa.field("text", string, nullable=False),
            pa.field("language", string),  # null when undecided
            pa.field("skipped", string),  # null when analysed
            pa.field("sentiment", pa.struct([("compound", f64), ("label", string)]), nullable=False),
            pa.field("sentences", pa.list_(sentence), nullable=False),
            pa.field("themes", pa.list_(theme), nullable=False),
            pa.field("scores", pa.map_(string, f64), nullable=False),
            pa.field("fields", string, nullable=False),
            pa.field("problems", pa.list_(problem), nullable=False),
            pa.field("redacted", pa.map_(string, pa.int64())),  # only with --redact: null otherwise
            # Schema 1.2 and 1.3's optional keys: null where the JSON record has none.
            pa.field("text_fields", pa.list_(pa.struct([("column", string), ("start", i32), ("end", i32)]))),
            pa.field("duplicate_of", string),
            pa.field("corrected", pa.list_(string)),
        ],
        metadata={
            "feedback.schema_version": SCHEMA_VERSION,
            "feedback.parquet_layout": PARQUET_LAYOUT_VERSION,
            "feedback.fields": "json",
        },
    )


def records_to_arrow(records: list[dict[str, Any]]) -> pa.Table:
    """Records (dicts in the JSON shape) as an Arrow table with `record_schema()`.

    records (list[dict]): Analysed records, as `feedback analyze` writes them.
    RETURNS (pa.Table): One row per record.
    RAISES (ValueError): A record is an error record; those go to the JSONL errors file.
    """
    pa = require_pyarrow()
    rows = []
    for record in records:
        if "error" in record:
            raise InputError(Errors.E018.format(row=record.get("row")))
        rows.append({**record, "fields": dumps(record["fields"])})
    return pa.Table.from_pylist(rows, schema=record_schema())


class ParquetRecordWriter:
    """Writes analysed records to a Parquet file a batch at a time, atomically.

    The file is written under a temporary name in the same directory and renamed when `close()`
    succeeds, so a failed or killed run never leaves half a file under the real name (as
    feedback.io.atomic_output does for JSONL). Use it as a context manager.

    path (str): The Parquet file to write.
    batch_size (int): Records per row group; memory holds one batch.
    compression (str): A Parquet codec ("zstd", "snappy", "gzip", "none").
    """

    def __init__(self, path: str, *, batch_size: int = WRITE_BATCH_ROWS, compression: str = "zstd") -> None:
        if path == "-":
            raise InputError(Errors.E016)
        require_pyarrow()
        import pyarrow.parquet as pq

        self.path = path
        self.batch_size = batch_size
        self.n_records = 0
        self._batch: list[dict[str, Any]] = []
        directory = os.path.dirname(os.path.abspath(path))
        fd, self._tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
        os.close(fd)
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(self._tmp, record_schema(), compression=compression)

    def write(self, record: dict[str, Any]) -> None:
        """Add one record (a dict in the JSON shape of record.schema.json)."""
        self._batch.append(record)
        if len(self._batch) >= self.batch_size:
            self._flush()

    def write_many(self, records: Iterable[dict[str, Any]]) -> None:
        """Add every record of a stream."""
        for record in records:
            self.write(record)

    def close(self) -> None:
        """Write what is left, finish the file and move it to its name."""
        if self._writer is None:
            return
        if self._batch or self.n_records == 0:
            self._flush(force=True)  # an empty file still gets its schema
        self._writer.close()
        self._writer = None
        with open(self._tmp, "rb") as f:
            os.fsync(f.fileno())
        publish(self._tmp, self.path)

    def abort(self) -> None:
        """Give up: close and delete the temporary file; nothing appears under `path`."""
        if self._writer is not None:
            try:
                self._writer.close()
            finally:
                self._writer = None
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass

    def _flush(self, force: bool = False) -> None:
        if (self._batch or force) and self._writer is not None:
            self._writer.write_table(records_to_arrow(self._batch))
            self.n_records += len(self._batch)
            self._batch = []

    def __enter__(self) -> ParquetRecordWriter:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def read_parquet_records(
    path: str, *, columns: list[str] | None = None, batch_size: int = READ_BATCH_ROWS
) -> Iterator[dict[str, Any]]:
    """Read records written by ParquetRecordWriter back in their JSON shape.

    The result equals the JSONL record: optional keys that were absent (a theme's `confidence`,
    a problem's `column`, `redacted`) are left out again, `fields` is parsed, and whole-number scores are
    ints (scores are parsed to an int whenever they are whole, see feedback.scores).

    path (str): A Parquet file of records.
    columns (list[str] | None): Read only these top-level keys (cheaper); None reads all.
    batch_size (int): Rows decoded at a time.
    YIELDS (dict): One record per row, in file order.
    RAISES (InputError): The file is not a Parquet file of feedback records.
    """
    parquet_file = _open_parquet_file(path)
    metadata = parquet_file.schema_arrow.metadata or {}
    if metadata.get(b"feedback.schema_version") is None:
        raise InputError(Errors.E017.format(path=path))
    for batch in parquet_file.iter_batches(batch_size=batch_size, columns=columns):
        for row in batch.to_pylist(maps_as_pydicts="lossy"):
            yield record_from_arrow(row)


def record_from_arrow(row: dict[str, Any]) -> dict[str, Any]:
    """A record read from Arrow (a row of `record_schema()`, maps as dicts) in its JSON shape.

    row (dict): The row, as `to_pylist(maps_as_pydicts="lossy")` gives it; changed in place.
    RETURNS (dict): The record.
    """
    if "themes" in row:
        for theme in row["themes"]:
            if theme.get("confidence") is None:
                theme.pop("confidence", None)
    if "problems" in row:
        for problem in row["problems"]:
            if problem.get("column") is None:
                problem.pop("column", None)
    if "scores" in row:
        row["scores"] = {k: int(v) if v.is_integer() else v for k, v in (row["scores"] or {}).items()}
    if "fields" in row:
        row["fields"] = json.loads(row["fields"])
    for key in ("redacted", "text_fields", "duplicate_of", "corrected"):
        if key in row and row[key] is None:
            del row[key]
    if "sentiment" in (row.get("corrected") or ()) and isinstance(row.get("sentiment"), dict):
        row["sentiment"]["source"] = "person"  # the JSON record says so exactly when a person corrected it
    return row
