"""Reading CSV, TSV and JSONL exports as a stream of rows.

Readers stream: one row at a time, whatever the file size. A row that cannot be decoded or parsed
becomes an ErrorRecord carrying its physical line number; it never stops the read.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from collections import deque
from pathlib import Path
from typing import IO, Any, Iterator

from ..errors import Errors, InputError, ProblemCode, RowErrorCode
from ..json_values import MAX_JSON_DEPTH
from ..records import ErrorRecord, Problem, SourceRow
from .encodings import SNIFF_BYTES, Line, Prefixed, decode_head, decoded_lines, sniff_encoding
from .files import is_stream, open_binary
from .json_exports import jsonl_line_values, open_json
from .table import Table

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


def open_table(path: str, *, fmt: str | None = None, encoding: str | None = None, skip_rows: int = 0,
               binary: IO[bytes] | None = None, name: str | None = None) -> Table:
    """Open an export for reading.

    path (str): A file path, or "-" for standard input (with `binary`, the name it goes by).
    fmt (str | None): "csv", "tsv" or "jsonl"; None detects it from the extension or content.
    encoding (str | None): The text encoding; None detects it: a BOM (UTF-8, UTF-16) wins, then
        UTF-16 without BOM, UTF-8, and for files that are not UTF-8 the legacy encoding their
        bytes point to (`io.encodings`: Windows-1252 for Excel's CSV, 1250, GB18030, Shift-JIS).
    skip_rows (int): Lines above the header to leave out (a report title over the table).
    binary (IO[bytes] | None): The bytes to read, when they do not come from `path` (a member
        of a zip file).
    name (str | None): With `binary`, the input's name for messages.
    RETURNS (Table): Columns and a row stream. Close the input by exhausting the stream.
    RAISES (InputError): The file cannot be opened, is empty, or has no header.
    """
    fmt = detect_format(path, fmt)
    rereadable = binary is None and not is_stream(path)
    if binary is None:
        binary, name = open_binary(path, "a file of comments")
    else:
        name = name or path
    head = binary.read(SNIFF_BYTES)
    _check_encoding(encoding)
    given = encoding
    encoding, bom = sniff_encoding(head, encoding)
    stream = io.BufferedReader(Prefixed(head[bom:], binary), buffer_size=SNIFF_BYTES)
    if not fmt:
        start = decode_head(head[bom:], encoding).lstrip()[:1]
        fmt = "jsonl" if start in ("{", "[") else "csv"
    lines = decoded_lines(stream, encoding)
    for _ in range(skip_rows):
        next(lines, None)
    if fmt == "jsonl":
        table = open_json(lines, name)
        if table.format == "jsonl" and rereadable:
            # JSON Lines need not share keys: `io.open_input` reads the file once more for them.
            table.rescan = lambda: open_table(path, fmt="jsonl", encoding=given, skip_rows=skip_rows).rows
    else:
        table = _open_csv(lines, name, delimiter="\t" if fmt == "tsv" else None)
    table.encoding = encoding
    if given is None and not bom and not codecs.lookup(encoding).name.startswith("utf"):
        table.notes.append(f"encoding: not UTF-8; read as {codecs.lookup(encoding).name} (guessed from its bytes; "
                           "--encoding to say otherwise)")
    return table


def _check_encoding(encoding: str | None) -> None:
    """RAISES (InputError): `encoding` is given and Python knows no such codec."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(Errors.E005.format(encoding=encoding)) from None


def plain_jsonl_lines(path: str, *, encoding: str | None = None) -> Iterator[bytes | str | dict[str, Any]]:
    """The lines of a JSON Lines file, for a reader that decodes the fields it needs itself,
    faster than `open_table` builds every row; what it makes of them is what `open_table(path,
    fmt="jsonl")` would give.

    A plain line (UTF-8 in a UTF-8 file, no CR or NUL, bracketed at most MAX_JSON_DEPTH deep
    by its count of brackets) comes as it is: bytes when ASCII, else decoded. Pass one that
    the reader's decoder refuses to `jsonl_line_values`. Any other line comes as the values
    `open_table` gives its row, and a line it reads as an error is left out, as are blank
    lines; a file in another encoding is read by `open_table`, line by line.

    path (str): A file path (gzip-compressed or not).
    encoding (str | None): As for `open_table`.
    YIELDS (bytes | str | dict): A plain line without its LF, or a row's values.
    RAISES (InputError): The file cannot be opened, or the encoding is unknown.
    """
    binary, _ = open_binary(path, "a file of comments")
    try:
        head = binary.read(SNIFF_BYTES)
        _check_encoding(encoding)
        found, bom = sniff_encoding(head, encoding)
        if found not in _PLAIN_ENCODINGS:
            binary.close()
            rows = open_table(path, fmt="jsonl", encoding=encoding).rows
            yield from (row.values for row in rows if isinstance(row, SourceRow))
            return
        rest = head[bom:]
        while True:
            chunk = binary.read(_CHUNK)
            if chunk:
                rest += chunk
                end = rest.rfind(b"\n")
                if end < 0:
                    continue
                lines, rest = rest[:end].split(b"\n"), rest[end + 1:]
            else:
                lines, rest = rest.split(b"\n"), b""
            for raw in lines:
                if not raw.strip():
                    continue
                if b"\r" in raw or b"\x00" in raw or raw.count(b"[") + raw.count(b"{") > MAX_JSON_DEPTH:
                    yield from _values_of(raw, found)
                elif raw.isascii():
                    yield raw
                elif (text := _utf8(raw)) is not None:
                    yield text
                else:
                    yield from _values_of(raw, found)
            if not chunk:
                return
    finally:
        binary.close()


# The encodings `decoded_lines` reads as UTF-8 with its own fallback: a line that is not UTF-8
# is read otherwise, so only UTF-8 lines are plain.
_PLAIN_ENCODINGS = ("utf-8", "utf8")
_CHUNK = 1 << 20


def _utf8(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _values_of(raw: bytes, encoding: str) -> Iterator[dict[str, Any]]:
    """The values of the rows `open_table` makes of one line (a lone CR makes two)."""
    for line in decoded_lines(io.BytesIO(raw + b"\n"), encoding):
        values = jsonl_line_values(line)
        if values is not None:
            yield values


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

    def __init__(self, lines: Iterator[Line]) -> None:
        self._lines = lines
        self._pending: deque[Line] = deque()
        self.taken: list[Line] = []

    def __iter__(self) -> "_LineFeeder":
        return self

    def __next__(self) -> str:
        line = self._pending.popleft() if self._pending else next(self._lines)
        self.taken.append(line)
        return line.text

    def take(self) -> list[Line]:
        taken, self.taken = self.taken, []
        return taken

    def give_back(self, lines: list[Line]) -> None:
        self._pending.extendleft(reversed(lines))

    def peek(self, n: int) -> list[Line]:
        """The next `n` lines (fewer at the end), left to be fed."""
        while len(self._pending) < n:
            line = next(self._lines, None)
            if line is None:
                break
            self._pending.append(line)
        return list(self._pending)[:n]

    def drop(self, n: int) -> None:
        """Leave out the next `n` pending lines (less one: the caller holds the first)."""
        for _ in range(n - 1):
            self._pending.popleft()

    def pop(self) -> Line:
        """Take the next pending line without feeding it."""
        return self._pending.popleft()

    def at_end(self) -> bool:
        """Whether every line has been fed (looks one line ahead)."""
        if self._pending:
            return False
        line = next(self._lines, None)
        if line is None:
            return True
        self._pending.append(line)
        return False


def _open_csv(lines: Iterator[Line], name: str, delimiter: str | None) -> Table:
    first = next(lines, None)
    # Excel writes "sep=;" as a first line to name the delimiter.
    if first is not None and first.text.strip().lower().startswith("sep=") and len(first.text.strip()) == 5:
        delimiter = first.text.strip()[4]
        first = next(lines, None)
    while first is not None and not first.text.strip():
        first = next(lines, None)
    if first is None:
        raise InputError(Errors.E006.format(name=name))
    feeder = _LineFeeder(lines)
    skipped: list[Line] = []
    if delimiter is None:
        first, skipped = _past_lines_above_header(first, feeder)
        delimiter = _pick_delimiter(first.text)
    feeder.give_back([first])
    try:
        header = next(csv.reader(feeder, delimiter=delimiter))
    except (csv.Error, StopIteration) as e:
        raise InputError(Errors.E007.format(name=name, reason=e)) from None
    feeder.take()
    columns = _unique_columns(header)
    table = Table(columns, _csv_rows(feeder, columns, delimiter), "csv", name)
    if skipped:
        shown = skipped[0].text.strip()
        table.notes.append(f"{len(skipped)} line{'s' if len(skipped) > 1 else ''} above the header left out "
                           f"({shown[:40]!r}{'...' if len(shown) > 40 else ''}; --skip-rows to say how many)")
    return table


# Lines looked at for a header under a title or console output (`Archive: x.zip`, `inflating:`).
_HEAD_LINES = 10


def _past_lines_above_header(first: Line, feeder: _LineFeeder) -> tuple[Line, list[Line]]:
    """The header line, past lines above it that have no delimiter while the table under them
    has several per line (a report title, captured console output). Otherwise `first` itself.

    RETURNS (tuple[Line, list[Line]]): The header line and the lines left out above it.
    """
    head = [first, *feeder.peek(_HEAD_LINES - 1)]
    counts = [max(_count_outside_quotes(line.text, d) for d in _DELIMITERS) for line in head]
    if counts[0] > 0:
        return first, []
    for i in range(1, len(head) - 1):
        if counts[i] >= 2 and counts[i + 1] >= counts[i] and all(n == 0 for n in counts[:i]):
            feeder.drop(i)  # the lines above the header, but `first`, which was not pending
            return feeder.pop(), head[:i]
    return first, []


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


def _quote_left_open(taken: list[Line], feeder: _LineFeeder) -> bool:
    """Whether these lines end the input with a quoted field still open (an odd number of
    quote characters: a closed field, and each doubled quote in it, adds an even number)."""
    return sum(line.text.count('"') for line in taken) % 2 == 1 and feeder.at_end()


def _closed_by_a_later_quote(taken: list[Line], delimiter: str) -> bool:
    """Whether the quote that ends a multi-line field is followed by text, not by a delimiter or
    the end of the line: the quote opened a field of a later row (`3,"quoted",7`) rather than
    closing this one, as a comment's own closing quote does."""
    try:
        for _ in csv.reader((line.text for line in taken), delimiter=delimiter, strict=True):
            pass
    except csv.Error:
        return True
    return False


def _looks_like_rows(lines: list[Line], n_columns: int, delimiter: str, *, ran_to_end: bool = False) -> bool:
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


