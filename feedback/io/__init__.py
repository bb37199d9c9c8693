"""Reading exports and writing results: the only package that touches files and streams.

    readers      CSV, TSV and JSONL exports as a stream of rows (encoding and delimiter detection)
    parquet      Parquet exports in, Parquet records out (the `parquet` extra)
    files        opening inputs, atomic outputs, JSON lines
    sinks        where the engine writes records: standard output, Parquet, resumable JSONL
    checkpoint   the partial files and checkpoints behind `--resume`
"""

from __future__ import annotations

from ..config import ReadOptions
from .files import atomic_output, dumps, open_binary, publish
from .parquet import is_parquet_path, open_parquet
from .readers import FORMATS, Table, detect_format, open_table

INPUT_FORMATS = (*FORMATS, "parquet")


def open_input(read: ReadOptions) -> Table:
    """Open the export that `read` names, in any supported format.

    read (ReadOptions): Its path, format and encoding are used.
    RETURNS (Table): Columns and a row stream; close the input by exhausting the stream.
    RAISES (InputError): The file cannot be opened or read as a table.
    RAISES (MissingExtraError): A Parquet file without the `parquet` extra installed.
    """
    if read.format == "parquet" or (read.format is None and is_parquet_path(read.path)):
        return open_parquet(read.path)
    return open_table(read.path, fmt=read.format, encoding=read.encoding)


__all__ = ["FORMATS", "INPUT_FORMATS", "Table", "atomic_output", "detect_format", "dumps", "open_binary",
           "open_input", "open_table", "publish"]
