"""Reading exports and writing results. The only module that touches files and standard streams.

Readers stream: one row at a time, whatever the file size. A row that cannot be decoded or parsed
becomes an ErrorRecord carrying its physical line number; it never stops the read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from .errors import InputError
from .records import ErrorRecord, Problem, SourceRow

FORMATS = ("csv", "tsv", "jsonl")
_EXTENSIONS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_DELIMITERS = (",", ";", "\t", "|")
# Python's csv refuses fields over 128 KiB by default; exports carry longer comments.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class Table:
    """An opened input: its column names (header order) and a stream of rows."""

    columns: list[str]
    rows: Iterator[SourceRow | ErrorRecord]
    format: str
    name: str


def detect_format(path: str, fmt: str | None = None) -> str:
    """Pick the input format from --format or the file extension.

    path (str): The input path, or "-" for stdin.
    fmt (str | None): An explicit format, which wins.
    RETURNS (str): "csv", "tsv" or "jsonl"; "" when it must be sniffed from the content (stdin).
    """
    if fmt:
        return fmt
    if path == "-":
        return ""
    suffixes = [s.lower() for s in Path(path).suffixes]
    for suffix in reversed(suffixes):
        if suffix in _EXTENSIONS:
            return _EXTENSIONS[suffix]
    raise InputError(
        f"Cannot tell the format of {path!r} from its extension. Use --format with one of: "
        f"{', '.join(FORMATS)}."
    )


def open_table(path: str, *, fmt: str | None = None, encoding: str | None = None) -> Table:
    """Open an export for reading.

    path (str): A file path, or "-" for standard input.
    fmt (str | None): "csv", "tsv" or "jsonl"; None detects it from the extension or content.
    encoding (str | None): The text encoding; None reads UTF-8 (a BOM, UTF-8 or UTF-16, wins).
    RETURNS (Table): Columns and a row stream. Close the input by exhausting the stream.
    RAISES (InputError): The file cannot be opened, is empty, or has no header.
    """
    fmt = detect_format(path, fmt)
    if path == "-":
        binary: IO[bytes] = sys.stdin.buffer
        name = "<stdin>"
    else:
        try:
            binary = open(path, "rb")
        except FileNotFoundError:
            raise InputError(f"No such file: {path}") from None
        except IsADirectoryError:
            raise InputError(f"{path} is a directory, not a file of comments") from None
        except OSError as e:
            raise InputError(f"Cannot read {path}: {e.strerror}") from None
        name = path
    buffered = io.BufferedReader(binary) if not hasattr(binary, "peek") else binary
    head = buffered.peek(4)[:4]
    encoding, bom = _sniff_encoding(head, encoding)
    if bom:
        buffered.read(bom)
    if not fmt:
        fmt = "jsonl" if buffered.peek(64).lstrip()[:1] in (b"{", b"[") else "csv"
    if fmt == "jsonl":
        return _open_jsonl(buffered, encoding, name)
    return _open_csv(buffered, encoding, name, delimiter="\t" if fmt == "tsv" else None)


def _sniff_encoding(head: bytes, encoding: str | None) -> tuple[str, int]:
    """Return (encoding, BOM length to skip). A BOM is the file's own word and overrides."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0  # the utf-16 codec reads and drops its own BOM
    return encoding or "utf-8", 0


def _decoded_lines(binary: IO[bytes], encoding: str, bad_lines: set[int]) -> Iterator[str]:
    """Decode line by line so one bad byte spoils one row, not the file.

    Lines that do not decode are decoded with U+FFFD replacements and their numbers added to
    `bad_lines`, so the row built from them can say so.
    """
    if codecs.lookup(encoding).name.startswith("utf-16"):
        text = io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        for line in text:
            yield line.replace("\x00", "") if "\x00" in line else line
        return
    for lineno, raw in enumerate(binary, 1):
        try:
            line = raw.decode(encoding)
        except UnicodeDecodeError:
            line = raw.decode(encoding, errors="replace")
            bad_lines.add(lineno)
        # NUL bytes in CSV are never data; the csv module would choke on them in older Pythons.
        yield line.replace("\x00", "") if "\x00" in line else line


def _unique_columns(header: list[str]) -> list[str]:
    columns: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(header, 1):
        name = name.strip() or f"column_{i}"
        candidate, n = name, 2
        while candidate in seen:
            candidate, n = f"{name}_{n}", n + 1
        seen.add(candidate)
        columns.append(candidate)
    return columns


def _pick_delimiter(first_line: str) -> str:
    counts = {d: _count_outside_quotes(first_line, d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    inside, n = False, 0
    for c in line:
        if c == '"':
            inside = not inside
        elif c == char and not inside:
            n += 1
    return n


def _open_csv(binary: IO[bytes], encoding: str, name: str, delimiter: str | None) -> Table:
    bad_lines: set[int] = set()
    lines = _decoded_lines(binary, encoding, bad_lines)
    first = next(lines, None)
    skipped = 0
    # Excel writes "sep=;" as a first line to name the delimiter.
    if first is not None and first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = first.strip()[4]
        first = next(lines, None)
        skipped = 1
    while first is not None and not first.strip():
        first = next(lines, None)
        skipped += 1
    if first is None:
        raise InputError(f"{name} is empty: expected a header row and at least one comment")
    if delimiter is None:
        delimiter = _pick_delimiter(first)

    def chained() -> Iterator[str]:
        yield first
        yield from lines

    reader = csv.reader(chained(), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as e:
        raise InputError(f"Cannot read the header of {name}: {e}") from None
    columns = _unique_columns(header)
    return Table(columns, _csv_rows(reader, columns, bad_lines, skipped), "csv", name)


def _csv_rows(
    reader: Any, columns: list[str], bad_lines: set[int], offset: int
) -> Iterator[SourceRow | ErrorRecord]:
    n_columns = len(columns)
    row_number = 0
    last_line = reader.line_num
    while True:
        start_line = last_line + 1 + offset
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            row_number += 1
            last_line = reader.line_num
            yield ErrorRecord(row_number, start_line, None, "unparseable_row", f"CSV error: {e}")
            continue
        last_line = reader.line_num
        if not cells or (len(cells) == 1 and not cells[0].strip() and n_columns > 1):
            continue  # blank line: not a row
        row_number += 1
        problems: list[Problem] = []
        end_line = last_line + offset
        if bad_lines and any(n in bad_lines for n in range(start_line, end_line + 1)):
            problems.append(Problem("invalid_encoding", "undecodable bytes were replaced with U+FFFD"))
            for n in range(start_line, end_line + 1):
                bad_lines.discard(n)
        values: dict[str, Any] = dict(zip(columns, cells))
        if len(cells) > n_columns:
            values["_extra"] = cells[n_columns:]
            problems.append(
                Problem("extra_fields", f"{len(cells)} fields for {n_columns} columns; extras kept in _extra")
            )
        elif len(cells) < n_columns:
            for column in columns[len(cells):]:
                values[column] = None
            problems.append(Problem("missing_fields", f"{len(cells)} fields for {n_columns} columns"))
        yield SourceRow(row_number, start_line, values, tuple(problems))


def _open_jsonl(binary: IO[bytes], encoding: str, name: str) -> Table:
    bad_lines: set[int] = set()
    lines = enumerate(_decoded_lines(binary, encoding, bad_lines), 1)
    buffered: list[tuple[int, str]] = []
    columns: list[str] = []
    for lineno, line in lines:
        buffered.append((lineno, line))
        if not line.strip():
            continue
        try:
            first = json.loads(line)
        except ValueError:
            continue
        if isinstance(first, dict):
            columns = [str(k) for k in first]
            break
    if not buffered or all(not line.strip() for _, line in buffered):
        raise InputError(f"{name} is empty: expected one JSON object per line")

    def all_lines() -> Iterator[tuple[int, str]]:
        yield from buffered
        yield from lines

    return Table(columns, _jsonl_rows(all_lines(), bad_lines), "jsonl", name)


def _jsonl_rows(lines: Iterable[tuple[int, str]], bad_lines: set[int]) -> Iterator[SourceRow | ErrorRecord]:
    row_number = 0
    for lineno, line in lines:
        if not line.strip():
            continue
        row_number += 1
        try:
            value = json.loads(line)
        except ValueError as e:
            yield ErrorRecord(row_number, lineno, None, "invalid_json", f"not valid JSON: {e}",
                              {"raw": line[:1000]})
            continue
        if not isinstance(value, dict):
            yield ErrorRecord(row_number, lineno, None, "not_an_object",
                              f"expected a JSON object, got a {type(value).__name__}", {"raw": value})
            continue
        problems: tuple[Problem, ...] = ()
        if lineno in bad_lines:
            bad_lines.discard(lineno)
            problems = (Problem("invalid_encoding", "undecodable bytes were replaced with U+FFFD"),)
        yield SourceRow(row_number, lineno, value, problems)


@contextmanager
def atomic_output(path: str, *, encoding: str = "utf-8") -> Iterator[IO[str]]:
    """Open an output for writing; a file appears under its name only when writing succeeded.

    path (str): A file path, or "-" for standard output.
    YIELDS (IO[str]): A text stream. For a file, a temporary file in the same directory that is
        fsynced and renamed over `path` on success and deleted on failure.
    """
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text, no ASCII escaping, no NaN."""
    return json.dumps(record, ensure_ascii=False, allow_nan=False)
