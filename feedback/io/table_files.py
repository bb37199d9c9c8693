"""Flat tables to files: CSV that Excel opens safely, and streamed .xlsx workbooks.

Both are written row by row (memory stays flat) and appear under their name only when
complete (`atomic_output`, or a temporary file renamed by `publish`). CSV text cells that a
spreadsheet would run as formulas are prefixed with "'" (OWASP, `tables.spreadsheet_cell`); a
UTF-8 BOM tells Excel the encoding. In .xlsx every cell is typed (text is written as text, never
as a formula or link), so text is kept exactly, up to Excel's 32,767 characters per cell.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from contextlib import ExitStack
from typing import Any, Sequence

from ..errors import Errors, MissingExtraError, OutputError
from .files import atomic_output, publish
from .tables import spreadsheet_cell

# Excel's limits: rows per sheet (the header is one of them).
XLSX_MAX_ROWS = 1_048_576
_XLSX_HINT = "pip install 'feedback[xlsx]'"
# Lone surrogates cannot be written as UTF-8 (control characters xlsxwriter escapes itself).
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")


class CsvTableWriter:
    """Rows to a CSV file (or standard output, "-"), Excel-safe, published when closed.

    path (str): The file.
    columns (Sequence[str]): The header.
    """

    def __init__(self, path: str, columns: Sequence[str]) -> None:
        self.path = path
        self._stack = ExitStack()
        # Excel reads a CSV as the machine's code page unless it starts with a BOM.
        stream = self._stack.enter_context(atomic_output(path, encoding="utf-8-sig"))
        # QUOTE_NONNUMERIC quotes every text cell, as OWASP advises, and leaves numbers bare.
        self._writer = csv.writer(stream, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        self._writer.writerow([spreadsheet_cell(c) for c in columns])

    def write(self, row: Sequence[Any]) -> None:
        self._writer.writerow([spreadsheet_cell(v) for v in row])

    def close(self) -> None:
        self._stack.close()

    def abort(self) -> None:
        try:
            self._stack.__exit__(KeyboardInterrupt, KeyboardInterrupt(), None)
        except OSError:
            pass


def require_xlsxwriter() -> Any:
    """Import xlsxwriter, or fail with one line that says how to install it."""
    try:
        import xlsxwriter
    except ImportError:
        raise MissingExtraError(Errors.E025.format(what="Excel output", package="xlsxwriter",
                                                   hint=_XLSX_HINT)) from None
    return xlsxwriter


class XlsxTableWriter:
    """Sheets of rows to an .xlsx workbook, streamed (xlsxwriter's constant-memory mode: each row
    goes to disk when the next one starts) and published when closed.

    path (str): The workbook.
    sheets (dict[str, Sequence[str]]): Sheet name -> header, in order.
    """

    def __init__(self, path: str, sheets: dict[str, Sequence[str]]) -> None:
        xlsxwriter = require_xlsxwriter()
        if path == "-":
            raise OutputError(Errors.E534)
        self.path = path
        directory = os.path.dirname(os.path.abspath(path))
        fd, self._tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
        os.close(fd)
        # The rows xlsxwriter streams to disk go to a directory of our own, removed whatever happens.
        self._rows_dir = tempfile.TemporaryDirectory(prefix=f".{os.path.basename(path)}.", dir=directory)
        self._book = xlsxwriter.Workbook(self._tmp, {
            "constant_memory": True, "tmpdir": self._rows_dir.name,
            # Text stays text: never read as a formula, a link or a number.
            "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        })
        bold = self._book.add_format({"bold": True})
        self._sheets = {}
        self._rows: dict[str, int] = {}
        for name, columns in sheets.items():
            sheet = self._book.add_worksheet(name)
            for col, header in enumerate(columns):
                sheet.write_string(0, col, _xml_text(header), bold)
            sheet.freeze_panes(1, 0)
            self._sheets[name] = sheet
            self._rows[name] = 0

    def write(self, sheet_name: str, row: Sequence[Any]) -> None:
        """Add a row to a sheet. RAISES (OutputError): the sheet is full (Excel's row limit)."""
        n = self._rows[sheet_name] + 1
        if n >= XLSX_MAX_ROWS:
            raise OutputError(Errors.E537.format(path=self.path, limit=XLSX_MAX_ROWS - 1))
        self._rows[sheet_name] = n
        sheet = self._sheets[sheet_name]
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                sheet.write_boolean(n, col, value)
            elif isinstance(value, (int, float)):
                if value == value and abs(value) != float("inf"):  # NaN and infinities stay empty
                    sheet.write_number(n, col, value)
            else:
                sheet.write_string(n, col, _xml_text(str(value)))

    def close(self) -> None:
        try:
            self._book.close()
        finally:
            self._rows_dir.cleanup()
        with open(self._tmp, "rb") as f:
            os.fsync(f.fileno())
        publish(self._tmp, self.path)

    def abort(self) -> None:
        self._rows_dir.cleanup()
        try:
            os.unlink(self._tmp)
        except FileNotFoundError:
            pass


def _xml_text(text: str) -> str:
    """Text an .xlsx can hold: lone surrogates (JSON input may hold "\\ud800") become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text
