"""Reading exports and writing results: the only package that touches files and streams.

    readers      CSV, TSV and JSONL exports as a stream of rows (encoding and delimiter detection)
    spreadsheets .xlsx, .xls and .ods workbooks, one sheet as a stream of rows
    layouts      survey exports with extra header rows (Qualtrics, SurveyMonkey) recognised
    presets      a user's own source presets ([sources.NAME] in feedback.toml), for --source
    vendors      vendor exports recognised by their columns, and what their columns mean
    json_exports JSON Lines, arrays and vendor envelopes (Zendesk, Intercom, App Store Connect)
    encodings    telling a file's encoding, decoding it line by line
    dates        date columns read in their vendor's format, written as ISO 8601
    archives     a .zip holding one export
    table        the Table every reader opens
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
import itertools
from itertools import chain
from typing import Iterator

from ..config import ReadOptions
from ..errors import Errors, InputError
from ..records import ErrorRecord, SourceRow
from .json_exports import columns_of, scan_columns
from .archives import is_zip_path, open_zip_member
from .dates import describe as describe_dates
from .dates import iso_row, plan_dates, with_iso_dates
from .files import atomic_output, dumps, open_binary, publish
from .layouts import set_aside_header_rows
from .parquet import is_parquet_path, open_parquet
from .readers import FORMATS, Table, detect_format, open_table
from .spreadsheets import SPREADSHEET_FORMAT, is_spreadsheet_path, open_workbook
from .presets import Preset, resolve_source
from .vendors import Source, detect_source

INPUT_FORMATS = (*FORMATS, "parquet", SPREADSHEET_FORMAT)
# Rows whose values `columns.resolve_columns` looks at to tell free text from codes and flags.
SAMPLE_ROWS = 50


def open_input(read: ReadOptions, *, scan_json_keys: bool = True) -> Table:
    """Open the export that `read` names, in any supported format.

    CSV, TSV and JSON may be gzip-compressed (`x.csv.gz`); a `.zip` holding one export is read
    as that export (`io.archives`). A survey export's extra header rows (Qualtrics,
    SurveyMonkey, or `header_rows`) are set aside as column labels (`io.layouts`); a vendor is
    recognised from its columns (`io.vendors`, or `source`) and its picks kept in
    `Table.preset`; JSON keys are gathered from every row (`json_exports.scan_columns`);
    Excel's empty columns right of a table are left out; date columns are rewritten as ISO
    8601 (`io.dates`); the first rows' values are kept in `Table.sample` for column detection.

    read (ReadOptions): Its path, format, encoding, sheet, member, source (a built-in vendor, or
        a user's preset from `source_file`: `io.presets`), header and skip rows, and date
        format are used. A preset's columns go into `Table.preset`, over a vendor's picks.
    scan_json_keys (bool): Read a JSON file once more for the keys of every row; False takes
        those of the first rows, for a caller that looks at the first row only (`Table.rescan`
        is then still set).
    RETURNS (Table): Columns and a row stream; close the input by exhausting the stream.
    RAISES (InputError): The file cannot be opened or read as a table.
    RAISES (MissingExtraError): A Parquet file without the `parquet` extra installed.
    """
    preset, source = resolve_source(read.source, read.source_file) if read.source else (None, None)
    if preset is not None:
        # Options given win; the preset fills what they leave unset.
        read = dataclasses.replace(read, encoding=read.encoding or preset.encoding, sheet=read.sheet or preset.sheet,
                                   header_rows=read.header_rows or preset.header_rows,
                                   skip_rows=read.skip_rows or preset.skip_rows or 0,
                                   date_format=read.date_format or preset.date_format)
    if read.format == "parquet" or (read.format is None and is_parquet_path(read.path)):
        table = open_parquet(read.path)
    elif read.format is None and is_zip_path(read.path):
        table = open_zip_member(read.path, read)
    elif read.format == SPREADSHEET_FORMAT or (read.format is None and is_spreadsheet_path(read.path)):
        table = open_workbook(read.path, sheet=read.sheet, skip_rows=read.skip_rows)
    else:
        table = open_table(read.path, fmt=read.format, encoding=read.encoding, skip_rows=read.skip_rows)
    if table.format != "parquet":
        table = set_aside_header_rows(table, header_rows=read.header_rows,
                                      layout=source.layout if source is not None else None)
    if read.limit is not None:
        table = _first_rows(table, read.limit)
    table = _recognised(_without_blank_columns(_sampled(table, scan_json_keys)), source,
                        detect=preset is None or preset.like is None)
    if preset is not None:
        table = _with_preset(table, preset)
    return _dated(table, read.date_format, preset.dates if preset is not None else ())


def _first_rows(table: Table, limit: int) -> Table:
    """The table cut to its first `limit` rows (error rows count: each is a row of the input).
    Cut before sampling, so columns are told apart by the rows that are analysed."""
    rescan = table.rescan
    table.notes.append(f"reading at most the first {limit:,} rows (--limit)")
    return dataclasses.replace(table, rows=itertools.islice(table.rows, limit),
                               rescan=None if rescan is None else lambda: itertools.islice(rescan(), limit))


def _without_blank_columns(table: Table) -> Table:
    """The table without columns that have no header and nothing in their first rows: the empty
    columns Excel writes to the right of a table (`id,comment,rating,,,,`). A value a later row
    does have there is kept in that row's values."""
    if table.format not in ("csv", SPREADSHEET_FORMAT) or not table.sample:
        return table
    drop = {column for i, column in enumerate(table.columns, 1)
            if column == f"column_{i}" and all(values.get(column) in (None, "") for values in table.sample)}
    if not drop:
        return table

    def rows() -> Iterator[SourceRow | ErrorRecord]:
        for row in table.rows:
            if isinstance(row, SourceRow) and not drop.isdisjoint(row.values):
                row = dataclasses.replace(row, values={k: v for k, v in row.values.items()
                                                       if k not in drop or v not in (None, "")})
            yield row

    sample = [{k: v for k, v in values.items() if k not in drop} for values in table.sample]
    return dataclasses.replace(table, columns=[c for c in table.columns if c not in drop], rows=rows(), sample=sample)


def _recognised(table: Table, source: Source | None, *, detect: bool = True) -> Table:
    """The table with its vendor's picks in `preset`: the one named, or the one its columns match."""
    detected = source is None
    source = source or (detect_source(table.columns) if detect else None)
    if source is None:
        return table
    picks = source.columns_for(table.columns)
    how = "recognised by its columns" if detected else "as --source says"
    table.notes.insert(0, f"{source.title} export ({how})")
    return dataclasses.replace(table, preset=picks)


def _with_preset(table: Table, preset: Preset) -> Table:
    """The table with a user's preset's columns over any vendor's picks, each checked against
    the file's columns (or a survey column's question text)."""
    labels = {" ".join(label.split()).casefold() for label in table.labels.values()}
    named = (("text", preset.text), ("id", (preset.id,) if preset.id else ()),
             ("scores", tuple(column for _, column in preset.scores)), ("dates", preset.dates),
             ("segments", preset.segments))
    for option, names in named:
        missing = [name for name in names if name not in table.columns and " ".join(name.split()).casefold() not in labels]
        if missing:
            raise InputError(Errors.E011.format(option=f"{preset.name}.{option}", column=missing[0],
                                                available=", ".join(repr(c) for c in table.columns[:12])))
    table.notes.insert(0, f"{preset.title or preset.name} (preset {preset.name!r} in {preset.path})")
    return dataclasses.replace(table, preset={**table.preset, **preset.picks()})


def _dated(table: Table, date_format: str | None, date_columns: tuple[str, ...] = ()) -> Table:
    """The table with its non-ISO date columns rewritten as ISO 8601 (`io.dates`)."""
    plans = plan_dates(table.columns, table.sample, date_format, date_columns)
    if not plans:
        return table
    table.notes.append(describe_dates(plans))
    sample = [iso_row(SourceRow(0, 0, values), plans).values for values in table.sample]
    return dataclasses.replace(table, rows=with_iso_dates(table.rows, plans), sample=sample)


def _sampled(table: Table, scan_json_keys: bool = True) -> Table:
    """The table with the values of its first rows in `sample`; every row is still streamed."""
    rows = iter(table.rows)
    head = []
    for row in rows:
        head.append(row)
        if len(head) == SAMPLE_ROWS:
            break
    sample = [row.values for row in head if isinstance(row, SourceRow)]
    columns = table.columns
    if table.format in ("json", "jsonl"):
        # JSON rows need not share keys: a score missing from the first line is still a column.
        columns = list(dict.fromkeys([*columns, *(column for values in sample for column in columns_of(values))]))
        if table.rescan is not None and len(head) == SAMPLE_ROWS:
            if scan_json_keys:
                columns, late, left_out = scan_columns(table.rescan(), columns, sample)
                sample = sample + late
                if left_out:
                    table.notes.append(f"{left_out:,} more JSON keys were left out of the columns (over "
                                       f"{len(columns):,} distinct keys); name one with --text-column, --id-column "
                                       "or --score")
        elif len(head) == SAMPLE_ROWS:
            table.notes.append(f"JSON keys are those of the first {SAMPLE_ROWS} rows (this input can be read only "
                               "once); a key first seen later is read only if named: --score, --text-column")
    if not head:
        table.notes.append("no rows under the header: nothing to analyse")
    return dataclasses.replace(table, columns=columns, rows=chain(head, rows), sample=sample, empty=not head)


__all__ = ["FORMATS", "INPUT_FORMATS", "Table", "atomic_output", "detect_format", "dumps", "open_binary",
           "open_input", "open_table", "publish"]
