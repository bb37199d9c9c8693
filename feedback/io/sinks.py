"""Where the engine writes: one interface for JSON lines (files, stdout, pipes), Parquet,
resumable JSONL, and flat tables (CSV, .xlsx).

The engine hands a sink one `AnalyzedRow` per input row, in input order. Records go to the
sink's output; error records always go to JSON lines, in a file of their own (created at the
first one, so a clean run leaves none) or on standard error. A sink is opened, written, then
either closed (the outputs appear under their names) or aborted (nothing half-written appears
under a final name; a resumable sink keeps its partial files and checkpoint for `--resume`).
A write that fails (a missing directory, a full disk) is an `OutputError` naming the file.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack, contextmanager
from typing import IO, Any, Iterator, Protocol

from ..config import RunCounts
from ..records import AnalyzedRow
from .checkpoint import CheckpointedOutput
from .files import atomic_output, output_error
from .tables import MENTION_COLUMNS, CommentLayout, mention_rows


@contextmanager
def _writing(path: str, standard: str = "<stdout>") -> Iterator[None]:
    """OSErrors met writing `path` ("-" is the `standard` stream) as one coded line."""
    try:
        yield
    except OSError as e:
        raise output_error(standard if path == "-" else path, e) from None


def _quietly(stack: ExitStack) -> None:
    """Let go of a half-written output after a failure (it is deleted, never published): a
    second failure while doing so must not hide the first."""
    try:
        stack.__exit__(KeyboardInterrupt, KeyboardInterrupt(), None)
    except OSError:
        pass


class RecordSink(Protocol):
    """What the engine writes to."""

    as_json: bool  # records as JSON lines (True) or as dicts (False)

    def open(self, counts: RunCounts) -> int:
        """Get ready; RETURNS (int): input rows already done by an interrupted run (0 if none)."""

    def write(self, row: AnalyzedRow) -> None: ...

    def close(self) -> None:
        """Finish: the outputs appear under their names."""

    def abort(self) -> None:
        """Stop after a failure or interruption."""


class _ErrorLines:
    """Error records as JSON lines: to standard error ("-"), or to a file made at the first one."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._stack = ExitStack()
        self._out: IO[str] | None = sys.stderr if path == "-" else None

    def write(self, line: str) -> None:
        with _writing(self.path, "<stderr>"):
            if self._out is None:
                self._out = self._stack.enter_context(atomic_output(self.path))
            self._out.write(line + "\n")

    def close(self) -> None:
        with _writing(self.path, "<stderr>"):
            self._stack.close()

    def abort(self) -> None:
        _quietly(self._stack)


class JsonlFileSink:
    """Records to JSON lines: standard output ("-"), a pipe or device (written as they come),
    or a file published when complete (not resumable: a Dask partition's, or a run whose input
    is a stream)."""

    as_json = True

    def __init__(self, path: str, errors_path: str) -> None:
        self.path = path
        self._stack = ExitStack()
        self._out: IO[str] | None = None
        self._errors = _ErrorLines(errors_path)

    def open(self, counts: RunCounts) -> int:
        with _writing(self.path):
            self._out = self._stack.enter_context(atomic_output(self.path))
        return 0

    def write(self, row: AnalyzedRow) -> None:
        if row.status == "error":
            self._errors.write(row.payload)
        else:
            assert self._out is not None, "call open() first"
            with _writing(self.path):
                self._out.write(row.payload + "\n")

    def close(self) -> None:
        with _writing(self.path):
            self._stack.close()
        self._errors.close()

    def abort(self) -> None:
        _quietly(self._stack)
        self._errors.abort()


class ParquetSink:
    """Records to a Parquet file (docs/parquet.md), published when complete."""

    as_json = False

    def __init__(self, path: str, errors_path: str) -> None:
        self.path = path
        self._errors = _ErrorLines(errors_path)
        self._writer: Any = None

    def open(self, counts: RunCounts) -> int:
        from .parquet import ParquetRecordWriter

        with _writing(self.path):
            self._writer = ParquetRecordWriter(self.path)
        return 0

    def write(self, row: AnalyzedRow) -> None:
        if row.status == "error":
            self._errors.write(row.payload)
        else:
            with _writing(self.path):
                self._writer.write(row.payload)

    def close(self) -> None:
        with _writing(self.path):
            self._writer.close()
        self._errors.close()

    def abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.abort()
            except OSError:
                pass
        self._errors.abort()


class TableSink:
    """Records as a flat table (feedback.io.tables): a CSV file (or standard output) with one
    row per comment, or an .xlsx workbook with a "comments" and a "mentions" sheet; written as
    they come, published when complete. Error records go to JSON lines, as with every sink.

    path (str): The output.
    errors_path (str): The errors file, or "-" for standard error.
    layout (CommentLayout): The comment table's columns (themes, scores, carried fields).
    fmt (str): "csv" or "xlsx".
    mentions_path (str | None): With CSV, a second CSV file with one row per theme mention.
    """

    as_json = False

    def __init__(self, path: str, errors_path: str, layout: CommentLayout, fmt: str, *,
                 mentions_path: str | None = None) -> None:
        self.path = path
        self.layout = layout
        self.fmt = fmt
        self.mentions_path = mentions_path
        self._errors = _ErrorLines(errors_path)
        self._writer: Any = None
        self._mentions: Any = None

    def open(self, counts: RunCounts) -> int:
        from .table_files import CsvTableWriter, XlsxTableWriter

        with _writing(self.path):
            if self.fmt == "xlsx":
                self._writer = XlsxTableWriter(self.path, {"comments": self.layout.columns,
                                                           "mentions": list(MENTION_COLUMNS)})
            else:
                self._writer = CsvTableWriter(self.path, self.layout.columns)
        if self.mentions_path is not None:
            with _writing(self.mentions_path):
                self._mentions = CsvTableWriter(self.mentions_path, MENTION_COLUMNS)
        return 0

    def write(self, row: AnalyzedRow) -> None:
        if row.status == "error":
            self._errors.write(row.payload)
            return
        with _writing(self.path):
            if self.fmt == "xlsx":
                self._writer.write("comments", self.layout.row(row.payload))
                for mention in mention_rows(row.payload):
                    self._writer.write("mentions", mention)
            else:
                self._writer.write(self.layout.row(row.payload))
        if self._mentions is not None:
            with _writing(self.mentions_path or ""):
                for mention in mention_rows(row.payload):
                    self._mentions.write(mention)

    def close(self) -> None:
        with _writing(self.path):
            self._writer.close()
        if self._mentions is not None:
            with _writing(self.mentions_path or ""):
                self._mentions.close()
        self._errors.close()

    def abort(self) -> None:
        for writer in (self._writer, self._mentions):
            if writer is not None:
                writer.abort()
        self._errors.abort()


class ResumableJsonlSink:
    """Records to a JSONL file through partial files and checkpoints (feedback.io.checkpoint).

    path (str): The output file.
    errors_path (str): The errors file, or "-" for standard error (not resumable: error
        records already printed are not printed again).
    identity (dict): Everything that shapes the output; a resume with another is refused.
    resume (bool): Continue from the checkpoint of an interrupted run.
    every_rows (int): Rows between checkpoints.
    """

    as_json = True

    def __init__(self, path: str, errors_path: str, identity: dict[str, Any], *, resume: bool = False,
                 every_rows: int = 5000) -> None:
        self._stderr_errors = errors_path == "-"
        self.output = CheckpointedOutput(path, path + ".errors.jsonl" if self._stderr_errors else errors_path,
                                         identity, every_rows=every_rows)
        self.resume = resume

    @property
    def partial(self) -> str:
        return self.output.partial

    @property
    def checkpoint_path(self) -> str:
        return self.output.checkpoint_path

    def open(self, counts: RunCounts) -> int:
        return self.output.start(counts, resume=self.resume)

    def write(self, row: AnalyzedRow) -> None:
        if row.status == "error" and self._stderr_errors:
            sys.stderr.write(row.payload + "\n")
            self.output.advance()
        elif row.status == "error":
            self.output.write_error(row.payload)
        else:
            self.output.write_record(row.payload)

    def close(self) -> None:
        self.output.finish()

    def abort(self) -> None:
        self.output.abandon()
