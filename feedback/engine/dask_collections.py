"""Dask bags and DataFrames of comments, analysed like `feedback.analyze` on their items."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any, Iterable

from ..columns import ColumnSpec, redact_spec, resolve_read, to_comment
from ..config import AnalysisOptions, ReadOptions
from ..io.files import dumps
from ..io.parquet import json_value, record_schema, require_pyarrow
from ..records import SCHEMA_VERSION, AnalyzedRecord, ErrorRecord, SourceRow
from ..redact import redact_row
from .dask import require_dask, worker_analyzer

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe

def analyze_bag(
    bag: dask.bag.Bag,
    read: ReadOptions | None = None,
    analysis: AnalysisOptions | None = None,
) -> dask.bag.Bag:
    """Analyse a Dask bag of comments (strings or dicts), like `feedback.analyze` on its items.

    Columns are resolved from the first item, as `analyze` does, which computes the bag's first
    non-empty partition now (only its first item travels back). Row numbers run over the whole
    bag, so each partition is counted before it is analysed; persist() a bag that is expensive
    to produce. Repeated comments are not flagged (`duplicate_of` stays null): no process sees
    every item in order; `feedback analyze --engine dask` flags them.

    bag (dask.bag.Bag): Strings, or dicts with a text field and any other fields.
    read (ReadOptions | None): Field names when the defaults do not find them (text_column,
        id_column, scores) and redaction; its path is not read.
    analysis (AnalysisOptions | None): Taxonomy, lexicon, model; their paths must be readable on
        the workers.
    RETURNS (dask.bag.Bag): One dict per item in order: a record, or an error record (it has an
        "error" key) for an item that cannot be analysed; the same dicts `analyze` yields.
    RAISES (InputError): No text field can be found.
    """
    require_dask()
    import dask
    import dask.bag as db

    read = read or ReadOptions()
    analysis = (analysis or AnalysisOptions()).resolved().absolute()
    parts = [dask.delayed(list)(part) for part in bag.to_delayed()]
    first = _first_item(parts)
    if first is None:
        return db.from_sequence([], npartitions=1)
    columns = list(_item_values(first))
    spec = resolve_read(columns, read)
    if read.redact:
        spec = redact_spec(spec, columns)
    starts = _starts(parts)
    return db.from_delayed([dask.delayed(_analyze_items, pure=True)(part, start, spec, analysis, read.redact)
                            for part, start in zip(parts, starts)])


def analyze_dataframe(
    ddf: dask.dataframe.DataFrame,
    read: ReadOptions | None = None,
    analysis: AnalysisOptions | None = None,
) -> dask.dataframe.DataFrame:
    """Analyse a Dask DataFrame with a row per comment.

    The result has a row per input row, with the input's index (join it back on the index) and
    the columns of the Parquet record layout (docs/parquet.md) as pyarrow-backed dtypes, plus
    `error_code` and `error_message`: null for analysed rows; for a row that could not be
    analysed they say why, and only schema_version, id and row are set. NaN, NaT and NA are
    missing values, timestamps become ISO 8601 text, as in a JSONL export.

    ddf (dask.dataframe.DataFrame): The comments, one per row.
    read (ReadOptions | None): Column names when the defaults do not find them (text_column,
        id_column, scores) and redaction; its path is not read.
    analysis (AnalysisOptions | None): Taxonomy, lexicon, model; their paths must be readable on
        the workers.
    RETURNS (dask.dataframe.DataFrame): Lazy; one row per input row.
    RAISES (InputError): No text column can be found.
    """
    require_dask()
    require_pyarrow()
    import dask
    import dask.dataframe as dd

    read = read or ReadOptions()
    analysis = (analysis or AnalysisOptions()).resolved().absolute()
    columns = [str(c) for c in ddf.columns]
    spec = resolve_read(columns, read)
    if read.redact:
        spec = redact_spec(spec, columns)
    parts = ddf.to_delayed()
    starts = _starts(parts)
    frames = [dask.delayed(_analyze_frame, pure=True)(part, start, spec, analysis, read.redact)
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


def _analyze_items(items: list[Any], start: int, spec: ColumnSpec, analysis: AnalysisOptions,
                   redact: bool) -> list[dict[str, Any]]:
    rows = (SourceRow(start + n, start + n, _item_values(item)) for n, item in enumerate(items, 1))
    return [r.to_dict() for r in _analyze_rows(rows, spec, analysis, redact)]


def _analyze_rows(rows: Iterable[SourceRow], spec: ColumnSpec, analysis: AnalysisOptions,
                  redact: bool) -> list[AnalyzedRecord | ErrorRecord]:
    analyzer, lock = worker_analyzer(analysis)
    source: Iterable[SourceRow | ErrorRecord] = rows
    if redact:
        source = (redact_row(row, Counter()) for row in rows)
    items = (to_comment(row, spec) if isinstance(row, SourceRow) else row for row in source)
    with lock:
        return list(analyzer.pipe(items))


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


def _analyze_frame(frame: Any, start: int, spec: ColumnSpec, analysis: AnalysisOptions, redact: bool) -> Any:
    import pandas as pd
    import pyarrow as pa

    labels = [str(c) for c in frame.columns]
    rows = (
        SourceRow(start + n, start + n, {label: _frame_value(v) for label, v in zip(labels, values)})
        for n, values in enumerate(frame.itertuples(index=False, name=None), 1)
    )
    out: list[dict[str, Any]] = []
    for record in _analyze_rows(rows, spec, analysis, redact):
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

