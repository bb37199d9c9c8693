"""Reading CSV, TSV and JSONL exports as a stream of rows.

Readers stream: one row at a time, whatever the file size. A row that cannot be decoded or parsed
becomes an ErrorRecord carrying its physical line number; it never stops the read.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from ..errors import Errors, InputError, ProblemCode, RowErrorCode
from ..json_values import MAX_JSON_DEPTH, finite_or_null, too_deep
from ..records import ErrorRecord, Problem, SourceRow
from .files import open_binary

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
    """An opened input: its column names (header order) and a stream of rows.

    labels (dict[str, str]): Column -> question text, for survey exports whose column names
        are field ids (`io.layouts`).
    layout (str | None): The export layout recognised (e.g. "Qualtrics"), None for a plain table.
    sample (list[dict[str, Any]]): Values of the first rows, for telling columns apart by
        content (`io.open_input` fills it; the rows are still all in `rows`).
    """

    columns: list[str]
    rows: Iterator[SourceRow | ErrorRecord]
    format: str
    name: str
    encoding: str = "utf-8"
    labels: dict[str, str] = field(default_factory=dict)
    layout: str | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)


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
    raise InputError(Errors.E004.format(path=path, formats=", ".join(FORMATS)))


def open_table(path: str, *, fmt: str | None = None, encoding: str | None = None) -> Table:
    """Open an export for reading.

    path (str): A file path, or "-" for standard input.
    fmt (str | None): "csv", "tsv" or "jsonl"; None detects it from the extension or content.
    encoding (str | None): The text encoding; None detects it: a BOM (UTF-8, UTF-16) wins, then
        UTF-16 without BOM, UTF-8, and Windows-1252 for files that are not UTF-8 (Excel's CSV).
    RETURNS (Table): Columns and a row stream. Close the input by exhausting the stream.
    RAISES (InputError): The file cannot be opened, is empty, or has no header.
    """
    fmt = detect_format(path, fmt)
    binary, name = open_binary(path, "a file of comments")
    head = binary.read(_SNIFF_BYTES)
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(Errors.E005.format(encoding=encoding)) from None
    encoding, bom = _sniff_encoding(head, encoding)
    stream = io.BufferedReader(_Prefixed(head[bom:], binary), buffer_size=_SNIFF_BYTES)
    if not fmt:
        start = _decode_head(head[bom:], encoding).lstrip()[:1]
        fmt = "jsonl" if start in ("{", "[") else "csv"
    lines = _decoded_lines(stream, encoding)
    if fmt == "jsonl":
        table = _open_jsonl(lines, name)
    else:
        table = _open_csv(lines, name, delimiter="\t" if fmt == "tsv" else None)
    table.encoding = encoding
    return table


# How much of the file decides its encoding and format.
_SNIFF_BYTES = 1 << 16


class _Prefixed(io.RawIOBase):
    """A byte stream that first returns `head` (already read for sniffing), then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _sniff_encoding(head: bytes, encoding: str | None) -> tuple[str, int]:
    """Return (encoding, BOM length to skip). A BOM is the file's own word and overrides."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0  # the utf-16 codec reads and drops its own BOM
    if encoding:
        return encoding, 0
    sample = head[:4096]
    # UTF-16 without a BOM: ASCII text leaves a NUL in every other byte.
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
        return "utf-16-le", 0
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) == 0:
        return "utf-16-be", 0
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    # Not clean UTF-8. A file that still holds more valid multi-byte UTF-8 characters than bad
    # bytes is UTF-8 with a few stray lines (read per line); otherwise it is an ANSI export.
    decoded = head.decode("utf-8", errors="replace")
    n_bad = decoded.count("\ufffd")
    n_multibyte = sum(1 for c in decoded if ord(c) > 127) - n_bad
    if n_multibyte >= n_bad:
        return "utf-8", 0
    try:
        head.decode("cp1252")
        return "cp1252", 0
    except UnicodeDecodeError:
        return "utf-8", 0


def _decode_head(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head[:4096], final=False)


@dataclass(frozen=True, slots=True)
class _Line:
    """A physical line of input, decoded, with what went wrong decoding it (if anything)."""

    text: str
    lineno: int
    problem: Problem | None = None
    had_nul: bool = False  # NULs were removed: a line of NULs was still a row, not a blank line


_LONE_CR = re.compile(r"\r(?!\n)")


def _decoded_lines(binary: IO[bytes], encoding: str) -> Iterator[_Line]:
    """Decode line by line so one bad byte spoils one row, not the file.

    A UTF-8 line that does not decode is read as Windows-1252 (the usual culprit: a row pasted
    from Excel), else with U+FFFD replacements; either way its row says so. NUL bytes are dropped
    and old Mac line ends (a lone CR) count as line ends.
    """
    if codecs.lookup(encoding).name.startswith("utf-16"):
        raw_lines: Iterable[tuple[str, Problem | None]] = (
            (line, None) for line in io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        )
    else:
        raw_lines = (_decode_line(raw, encoding) for raw in binary)
    lineno = 0
    for text, problem in raw_lines:
        had_nul = "\x00" in text
        if had_nul:
            text = text.replace("\x00", "")
        if "\r" in text and _LONE_CR.search(text.rstrip("\r\n")):
            parts = _LONE_CR.split(text)
            for part in parts[:-1]:
                lineno += 1
                yield _Line(part + "\n", lineno, problem, had_nul)
            text = parts[-1]
            if not text:
                continue
        lineno += 1
        yield _Line(text, lineno, problem, had_nul)


def _decode_line(raw: bytes, encoding: str) -> tuple[str, Problem | None]:
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError:
        pass
    if encoding in ("utf-8", "utf8"):
        try:
            return raw.decode("cp1252"), Problem(ProblemCode.INVALID_ENCODING.value, "not valid UTF-8; read as Windows-1252")
        except UnicodeDecodeError:
            pass
    return (raw.decode(encoding, errors="replace"),
            Problem(ProblemCode.INVALID_ENCODING.value, "undecodable bytes were replaced with U+FFFD"))


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


class _LineFeeder:
    """Feeds lines to csv.reader and keeps those taken for the current row, so that a row
    whose quote never closes can be given back and re-read line by line."""

    def __init__(self, lines: Iterator[_Line]) -> None:
        self._lines = lines
        self._pending: deque[_Line] = deque()
        self.taken: list[_Line] = []

    def __iter__(self) -> "_LineFeeder":
        return self

    def __next__(self) -> str:
        line = self._pending.popleft() if self._pending else next(self._lines)
        self.taken.append(line)
        return line.text

    def take(self) -> list[_Line]:
        taken, self.taken = self.taken, []
        return taken

    def give_back(self, lines: list[_Line]) -> None:
        self._pending.extendleft(reversed(lines))

    def at_end(self) -> bool:
        """Whether every line has been fed (looks one line ahead)."""
        if self._pending:
            return False
        line = next(self._lines, None)
        if line is None:
            return True
        self._pending.append(line)
        return False


def _open_csv(lines: Iterator[_Line], name: str, delimiter: str | None) -> Table:
    first = next(lines, None)
    # Excel writes "sep=;" as a first line to name the delimiter.
    if first is not None and first.text.strip().lower().startswith("sep=") and len(first.text.strip()) == 5:
        delimiter = first.text.strip()[4]
        first = next(lines, None)
    while first is not None and not first.text.strip():
        first = next(lines, None)
    if first is None:
        raise InputError(Errors.E006.format(name=name))
    if delimiter is None:
        delimiter = _pick_delimiter(first.text)
    feeder = _LineFeeder(lines)
    feeder.give_back([first])
    try:
        header = next(csv.reader(feeder, delimiter=delimiter))
    except (csv.Error, StopIteration) as e:
        raise InputError(Errors.E007.format(name=name, reason=e)) from None
    feeder.take()
    columns = _unique_columns(header)
    return Table(columns, _csv_rows(feeder, columns, delimiter), "csv", name)


def _csv_rows(feeder: _LineFeeder, columns: list[str], delimiter: str) -> Iterator[SourceRow | ErrorRecord]:
    n_columns = len(columns)
    row_number = 0
    reader = csv.reader(feeder, delimiter=delimiter)
    while True:
        try:
            cells = next(reader)
            error = None
        except StopIteration:
            return
        except csv.Error as e:
            cells, error = [], str(e)
        taken = feeder.take()
        if not taken:
            return
        start_line = taken[0].lineno
        if error is not None:
            row_number += 1
            yield ErrorRecord(row_number, start_line, None, RowErrorCode.UNPARSEABLE_ROW.value, f"CSV error: {error}",
                              {"raw": "".join(line.text for line in taken)[:1000]})
            reader = csv.reader(feeder, delimiter=delimiter)
            continue
        if len(taken) > 1 and (
            (len(cells) != n_columns
             and _looks_like_rows(taken[1:], n_columns, delimiter, ran_to_end=_quote_left_open(taken, feeder)))
            or (_closed_by_a_later_quote(taken, delimiter)
                and _looks_like_rows(taken[1:], n_columns, delimiter, ran_to_end=True))
        ):
            # A quote opened on the first line never closed where it should have, and the field
            # swallowed the rows after it (up to the next quote, perhaps one that opens a field
            # of a later row, which then ends as this row's). The first line is the broken
            # row; re-read the rest.
            row_number += 1
            yield ErrorRecord(row_number, start_line, None, RowErrorCode.UNBALANCED_QUOTE.value,
                              "a quoted field does not close on this line; the row was skipped and "
                              "reading went on at the next line", {"raw": taken[0].text[:1000]})
            feeder.give_back(taken[1:])
            reader = csv.reader(feeder, delimiter=delimiter)
            continue
        if not cells and any(line.had_nul for line in taken):
            cells = [""]
        if not cells or all(not line.had_nul and not line.text.rstrip("\r\n").replace(delimiter, "x").strip()
                            for line in taken):
            continue  # a blank line is not a row (but '""', or a TSV line of tabs, is)
        row_number += 1
        problems = [line.problem for line in taken if line.problem is not None][:1]
        values: dict[str, Any] = dict(zip(columns, cells))
        if len(cells) > n_columns:
            values["_extra"] = cells[n_columns:]
            problems.append(
                Problem(ProblemCode.EXTRA_FIELDS.value, f"{len(cells)} fields for {n_columns} columns; extras kept in _extra")
            )
        elif len(cells) < n_columns:
            for column in columns[len(cells):]:
                values[column] = None
            problems.append(Problem(ProblemCode.MISSING_FIELDS.value, f"{len(cells)} fields for {n_columns} columns"))
        yield SourceRow(row_number, start_line, values, tuple(problems))


def _quote_left_open(taken: list[_Line], feeder: _LineFeeder) -> bool:
    """Whether these lines end the input with a quoted field still open (an odd number of
    quote characters: a closed field, and each doubled quote in it, adds an even number)."""
    return sum(line.text.count('"') for line in taken) % 2 == 1 and feeder.at_end()


def _closed_by_a_later_quote(taken: list[_Line], delimiter: str) -> bool:
    """Whether the quote that ends a multi-line field is followed by text, not by a delimiter or
    the end of the line: the quote opened a field of a later row (`3,"quoted",7`) rather than
    closing this one, as a comment's own closing quote does."""
    try:
        for _ in csv.reader((line.text for line in taken), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _looks_like_rows(lines: list[_Line], n_columns: int, delimiter: str, *, ran_to_end: bool = False) -> bool:
    """Whether every one of these lines, read on its own, is a whole row of the table: the rows
    a runaway quote swallowed look like that; the rest of a multi-line comment does not.

    ran_to_end: the quoted field went on to the end of the input, so its quote never closed.
    """
    # One line can match by chance (a comment line with the right number of commas); two
    # or more whole rows in a row cannot, in practice. A quote still open at the end of the
    # input is itself the sign of a runaway, and then one whole row after it is enough.
    if n_columns < 2 or len(lines) < (1 if ran_to_end else 2):
        return False
    for line in lines:
        try:
            cells = next(csv.reader([line.text], delimiter=delimiter), [])
        except csv.Error:
            return False
        if len(cells) != n_columns:
            return False
    return True


def _open_jsonl(lines: Iterator[_Line], name: str) -> Table:
    buffered: list[_Line] = []
    columns: list[str] = []
    for line in lines:
        buffered.append(line)
        if not line.text.strip():
            continue
        if not buffered[0].text.strip() or len(buffered) == 1:
            if line.text.lstrip().startswith("["):
                return _open_json_array(buffered, lines, name)
        try:
            first = json.loads(line.text)
        except (ValueError, RecursionError):
            continue
        if isinstance(first, dict):
            columns = [str(k) for k in first]
            break
    if all(not line.text.strip() for line in buffered):
        raise InputError(Errors.E008.format(name=name))

    def all_lines() -> Iterator[_Line]:
        yield from buffered
        yield from lines

    return Table(columns, _jsonl_rows(all_lines()), "jsonl", name)


def _open_json_array(buffered: list[_Line], lines: Iterator[_Line], name: str) -> Table:
    """A .json file holding one array of objects. It is read whole: use JSONL for big files."""
    text = "".join(line.text for line in buffered) + "".join(line.text for line in lines)
    try:
        items = json.loads(text)
    except ValueError as e:
        raise InputError(Errors.E009.format(name=name, reason=e)) from None
    except RecursionError:
        raise InputError(Errors.E009.format(name=name, reason=_TOO_DEEP)) from None
    if not isinstance(items, list):
        raise InputError(Errors.E010.format(name=name))
    columns = next((list(map(str, item)) for item in items if isinstance(item, dict)), [])

    def rows() -> Iterator[SourceRow | ErrorRecord]:
        for n, item in enumerate(items, 1):
            if too_deep(item):
                yield ErrorRecord(n, 1, None, RowErrorCode.NESTED_TOO_DEEP.value, _TOO_DEEP, {"raw": None})
            elif isinstance(item, dict):
                yield SourceRow(n, 1, item)
            else:
                yield ErrorRecord(n, 1, None, RowErrorCode.NOT_AN_OBJECT.value, f"expected a JSON object, got a {type(item).__name__}",
                                  {"raw": finite_or_null(item)})

    return Table(columns, rows(), "json", name)


_DEEP = object()
_TOO_DEEP = f"arrays or objects nest more than {MAX_JSON_DEPTH} levels deep"


def _jsonl_rows(lines: Iterable[_Line]) -> Iterator[SourceRow | ErrorRecord]:
    row_number = 0
    for line in lines:
        if not line.text.strip():
            continue
        row_number += 1
        try:
            value = json.loads(line.text)
        except ValueError as e:
            yield ErrorRecord(row_number, line.lineno, None, RowErrorCode.INVALID_JSON.value, f"not valid JSON: {e}",
                              {"raw": line.text[:1000]})
            continue
        except RecursionError:
            value = _DEEP
        if value is _DEEP or too_deep(value):
            # Every later step (redaction, workers, writing) would recurse past Python's limit.
            yield ErrorRecord(row_number, line.lineno, None, RowErrorCode.NESTED_TOO_DEEP.value, _TOO_DEEP,
                              {"raw": line.text[:1000]})
            continue
        if not isinstance(value, dict):
            yield ErrorRecord(row_number, line.lineno, None, RowErrorCode.NOT_AN_OBJECT.value,
                              f"expected a JSON object, got a {type(value).__name__}", {"raw": finite_or_null(value)})
            continue
        problems = (line.problem,) if line.problem is not None else ()
        yield SourceRow(row_number, line.lineno, value, problems)
