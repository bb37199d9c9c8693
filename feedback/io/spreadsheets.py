"""Spreadsheet exports in: .xlsx, .xlsm, .xls and .ods workbooks, one sheet as a table of rows.

Read with python-calamine (imported on first use). The first sheet is read unless one is named;
its first non-blank row is the header. Cells become what a JSON export would hold: text as text,
whole numbers as int, other numbers as float, booleans as bool, dates and times as ISO 8601 text
("2025-03-11", "2025-03-11T10:21:33"), empty cells as "" (as in a CSV export of the same sheet).
Each row's `line` is its row number in the sheet, as the spreadsheet shows it.

calamine reads a sheet whole (its cells live in Rust memory); rows are handed on one at a time.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path
from typing import Any, Iterator

from ..errors import Errors, InputError, MissingExtraError
from ..records import ErrorRecord, SourceRow
from .readers import _unique_columns
from .table import Table

SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")
SPREADSHEET_FORMAT = "xlsx"
_INSTALL_HINT = "pip install python-calamine"


def is_spreadsheet_path(path: str) -> bool:
    """Whether a path names a workbook by its extension (.xlsx, .xlsm, .xlsb, .xls, .ods)."""
    return path != "-" and Path(path).suffix.lower() in SPREADSHEET_EXTENSIONS


def open_workbook(path: str, *, sheet: str | None = None, skip_rows: int = 0, data: bytes | None = None) -> Table:
    """Open one sheet of a workbook as a table.

    path (str): A workbook file, or "-" for one on standard input.
    sheet (str | None): The sheet's name; None reads the first sheet.
    RETURNS (Table): Columns (the first non-blank row) and a stream of the rows below it.
    RAISES (InputError): The file is missing or not a workbook, the sheet does not exist, or it is empty.
    RAISES (MissingExtraError): python-calamine is not installed.
    """
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        raise MissingExtraError(Errors.E020.format(hint=_INSTALL_HINT)) from None
    name = "<stdin>" if path == "-" else path
    try:
        if data is not None:
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        elif path == "-":
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
        else:
            workbook = CalamineWorkbook.from_path(path)
    except FileNotFoundError:
        raise InputError(Errors.E001.format(path=path)) from None
    except IsADirectoryError:
        raise InputError(Errors.E002.format(path=path, what="a workbook")) from None
    except Exception as e:  # calamine's own errors (not a zip, a corrupt part) have no common base
        raise InputError(Errors.E021.format(name=name, reason=str(e) or type(e).__name__)) from None
    names = list(workbook.sheet_names)
    if sheet is None:
        if not names:
            raise InputError(Errors.E006.format(name=name))
        sheet = names[0]
    elif sheet not in names:
        raise InputError(Errors.E022.format(name=name, sheet=sheet, sheets=", ".join(repr(n) for n in names)))
    try:
        cells = workbook.get_sheet_by_name(sheet)
    except Exception as e:
        raise InputError(Errors.E021.format(name=name, reason=str(e) or type(e).__name__)) from None
    # calamine gives rows from the sheet's first row (blank rows above the data included), so
    # the count is the row number a spreadsheet shows.
    rows = enumerate((list(row) for row in cells.iter_rows()), 1)
    header: list[Any] | None = None
    to_skip = skip_rows
    for _, values in rows:
        if not _blank(values):
            if to_skip:
                to_skip -= 1
                continue
            header = values
            break
    if header is None:
        raise InputError(Errors.E006.format(name=f"{name} (sheet {sheet!r})"))
    columns = _unique_columns([_header_text(value) for value in header])
    label = name if len(names) == 1 else f"{name} [{sheet}]"
    return Table(columns, _sheet_rows(rows, columns), SPREADSHEET_FORMAT, label)


def _sheet_rows(rows: Iterator[tuple[int, list[Any]]], columns: list[str]) -> Iterator[SourceRow | ErrorRecord]:
    n_columns = len(columns)
    row_number = 0
    for line, values in rows:
        if _blank(values):
            continue  # a blank sheet row is not a row, as a blank CSV line is not
        row_number += 1
        cells = [cell_value(value) for value in values]
        record: dict[str, Any] = dict(zip(columns, cells))
        for column in columns[len(cells):n_columns]:
            record[column] = ""
        extra = [cell for cell in cells[n_columns:] if cell != ""]
        if extra:
            record["_extra"] = extra
        yield SourceRow(row_number, line, record)


def cell_value(value: Any) -> Any:
    """A spreadsheet cell as a JSON value: dates as ISO text, whole floats as int.

    value (Any): A cell as calamine gives it (str, int, float, bool, date, datetime, time, timedelta).
    RETURNS (Any): str, int, float or bool.
    """
    if isinstance(value, bool) or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat(timespec="seconds" if not value.microsecond else "auto")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return "" if value is None else str(value)


def _header_text(value: Any) -> str:
    value = cell_value(value)
    return value if isinstance(value, str) else str(value)


def _blank(values: list[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)
