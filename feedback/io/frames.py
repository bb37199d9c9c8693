"""DataFrames in: the rows of a pandas DataFrame or Series (or a polars one) as SourceRows.

Iterating a DataFrame yields its column names, so `analyze(df)` would analyse the header as
comments; this module reads its rows instead. Cell values become what a JSONL export would hold
(`json_value`): NaN, None, pd.NA and NaT are missing (a missing comment is an error record, a
missing score is a question not answered, as an empty CSV cell is), Timestamps are ISO 8601 text,
numpy scalars are Python numbers, so every record is JSON-serialisable. pandas and polars are
never imported here unless the object given is one of theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ..errors import Errors, InputError
from ..records import SourceRow
from .parquet import json_value

# The key under which a pandas index label travels with its row when the index is the id.
INDEX_KEY = "index"


@dataclass
class FrameRows:
    """The rows of a DataFrame or Series, ready for column resolution.

    columns (list[str]): The column names (a Series is one column), plus `index_key` if set.
    rows (Iterator[SourceRow]): One per row, numbered from 1.
    sample (list[dict]): The first rows' values, for telling free text from codes.
    index_key (str | None): The key holding each row's index label (pandas), the id unless an
        id column is named; None for polars, which has no index (rows are numbered).
    text_column (str | None): A Series' name: its values are the comments.
    """

    columns: list[str]
    rows: Iterator[SourceRow]
    sample: list[dict[str, Any]]
    index_key: str | None = None
    text_column: str | None = None


def frame_kind(obj: Any) -> str | None:
    """"pandas" or "polars" for one of their DataFrames or Series, else None (nothing imported)."""
    module = type(obj).__module__.split(".", 1)[0]
    if module in ("pandas", "polars") and type(obj).__name__ in ("DataFrame", "Series"):
        return module
    return None


def frame_rows(obj: Any, *, index_as_id: bool = True, sample_size: int = 50) -> FrameRows:
    """Read a pandas or polars DataFrame or Series by rows.

    obj (DataFrame | Series): The comments, one per row; a Series holds only the comments.
    index_as_id (bool): Carry each pandas row's index label, to be its id.
    sample_size (int): Rows kept in `sample`.
    RETURNS (FrameRows): The columns and the rows.
    RAISES (InputError): Two columns have the same name.
    """
    kind = frame_kind(obj)
    if kind is None:
        raise InputError(Errors.E023.format(kind=type(obj).__name__))
    is_series = type(obj).__name__ == "Series"
    if is_series:
        name = "text" if obj.name is None or str(obj.name) == "" else str(obj.name)
        columns = [name]
    else:
        columns = [_column_name(c) for c in obj.columns]
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise InputError(Errors.E024.format(columns=", ".join(repr(c) for c in duplicates)))
    index_key = None
    if kind == "pandas" and index_as_id:
        index_key = _free_name(str(obj.index.name) if obj.index.name is not None else INDEX_KEY, columns)
    values = _pandas_values(obj, is_series) if kind == "pandas" else _polars_values(obj, is_series)
    labels = iter(obj.index) if index_key is not None else None

    def rows() -> Iterator[SourceRow]:
        for n, cells in enumerate(values, 1):
            row = {column: cell_value(value) for column, value in zip(columns, cells)}
            if labels is not None and index_key is not None:
                row[index_key] = _label(next(labels))
            yield SourceRow(n, n, row)

    stream = rows()
    head: list[SourceRow] = []
    for row in stream:
        head.append(row)
        if len(head) >= sample_size:
            break
    sample = [row.values for row in head]
    return FrameRows(columns + ([index_key] if index_key else []), _chain(head, stream), sample, index_key,
                     columns[0] if is_series else None)


def _chain(head: list[SourceRow], rest: Iterator[SourceRow]) -> Iterator[SourceRow]:
    yield from head
    yield from rest


def _pandas_values(obj: Any, is_series: bool) -> Iterator[tuple[Any, ...]]:
    if is_series:
        return ((value,) for value in obj)
    return obj.itertuples(index=False, name=None)


def _polars_values(obj: Any, is_series: bool) -> Iterator[tuple[Any, ...]]:
    if is_series:
        return ((value,) for value in obj)
    return obj.iter_rows()


def _column_name(label: Any) -> str:
    if isinstance(label, tuple):  # a MultiIndex column
        return " / ".join(str(part) for part in label if str(part) != "")
    return str(label)


def _free_name(name: str, taken: list[str]) -> str:
    """`name`, or `name_` ... when a column has it already (after reset_index, say)."""
    while name in taken:
        name += "_"
    return name


def _label(label: Any) -> Any:
    if isinstance(label, tuple):  # a MultiIndex row
        return "/".join(str(cell_value(part)) for part in label)
    return cell_value(label)


def cell_value(value: Any) -> Any:
    """A DataFrame cell as JSON holds it: missing values (NaN, None, pd.NA, NaT) are None,
    Timestamps ISO 8601 text, numpy scalars Python numbers (`parquet.json_value` for the rest)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if _is_missing(value):
        return None
    if type(value).__name__ == "datetime64":  # numpy's: .item() would give nanoseconds as an int
        import pandas as pd

        return pd.Timestamp(value).isoformat()
    return json_value(value)


def _is_missing(value: Any) -> bool:
    """NaN, pd.NA, NaT and numpy's NaN scalars (a value equal to nothing, itself included)."""
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):  # arrays and values that refuse comparison are not missing
        return False
