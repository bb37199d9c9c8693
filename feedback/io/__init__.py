"""Reading exports and writing results: the only package that touches files and streams.

    readers      CSV, TSV and JSONL exports as a stream of rows (encoding and delimiter detection)
    spreadsheets .xlsx, .xls and .ods workbooks, one sheet as a stream of rows
    layouts      survey exports with extra header rows (Qualtrics, SurveyMonkey) recognised
    parquet      Parquet exports in, Parquet records out (the `parquet` extra)
    files        opening inputs (gzip decompressed), atomic outputs, JSON lines
    sinks        where the engine writes records: standard output, Parquet, resumable JSONL, tables
    frames       pandas and polars DataFrames and Series as rows (the Python API)
    tables       records as flat tables: one row per comment, one row per theme mention
    table_files  those tables as Excel-safe CSV and streamed .xlsx
    checkpoint   the partial files and checkpoints behind `--resume`
"""

from __future__ import annotations

import dataclasses
from itertools import chain

from ..config import ReadOptions
from ..records import SourceRow
from .files import atomic_output, dumps, open_binary, publish
from .layouts import set_aside_header_rows
from .parquet import is_parquet_path, open_parquet
from .readers import FORMATS, Table, detect_format, open_table
from .spreadsheets import SPREADSHEET_FORMAT, is_spreadsheet_path, open_workbook

INPUT_FORMATS = (*FORMATS, "parquet", SPREADSHEET_FORMAT)
# Rows whose values `columns.resolve_columns` looks at to tell free text from codes and flags.
SAMPLE_ROWS = 50


def open_input(read: ReadOptions) -> Table:
    """Open the export that `read` names, in any supported format.

    CSV, TSV and JSONL may be gzip-compressed (`x.csv.gz`). A survey export's extra header rows
    (Qualtrics, SurveyMonkey) are set aside as column labels (`io.layouts`), and the first rows'
    values are kept in `Table.sample` for column detection.

    read (ReadOptions): Its path, format, encoding and sheet are used.
    RETURNS (Table): Columns and a row stream; close the input by exhausting the stream.
    RAISES (InputError): The file cannot be opened or read as a table.
    RAISES (MissingExtraError): A Parquet file without the `parquet` extra installed.
    """
    if read.format == "parquet" or (read.format is None and is_parquet_path(read.path)):
        return _sampled(open_parquet(read.path))
    if read.format == SPREADSHEET_FORMAT or (read.format is None and is_spreadsheet_path(read.path)):
        table = open_workbook(read.path, sheet=read.sheet)
    else:
        table = open_table(read.path, fmt=read.format, encoding=read.encoding)
    return _sampled(set_aside_header_rows(table))


def _sampled(table: Table) -> Table:
    """The table with the values of its first rows in `sample`; every row is still streamed."""
    rows = iter(table.rows)
    head = []
    for row in rows:
        head.append(row)
        if len(head) == SAMPLE_ROWS:
            break
    sample = [row.values for row in head if isinstance(row, SourceRow)]
    return dataclasses.replace(table, rows=chain(head, rows), sample=sample)


__all__ = ["FORMATS", "INPUT_FORMATS", "Table", "atomic_output", "detect_format", "dumps", "open_binary",
           "open_input", "open_table", "publish"]
