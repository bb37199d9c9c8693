"""Reading analysed records back, as a report reads them: the JSONL or Parquet file that
`feedback analyze` writes, or the directory of partitions its Dask engine writes."""

from __future__ import annotations

import codecs
import html
import json
import os
import re
import sys
from bisect import bisect_right
from typing import IO, Any, Iterable, Iterator

import msgspec

from ..errors import Errors, InputError
from ..io import open_binary
from ..io.parquet import is_parquet_path, read_parquet_records

# What feedback.engine.dask writes (MANIFEST_NAME, MANIFEST_VERSION; a test keeps them equal):
# not imported from there, which would load the analysis stack into every report.
MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
_PARQUET_MAGIC = b"PAR1"


def date_fields(path: str, *, sample: int = 200) -> list[str]:
    """The carried fields of the first records that hold dates: those the reader rewrote as ISO
    8601 (named in `_raw_dates`) and those written as ISO already in most records that have them.

    path (str): As `read_records` takes it, but not "-": standard input can not be read twice.
    sample (int): Records looked at.
    RETURNS (list[str]): Field names, in the order the first records carry them.
    """
    from ..io.dates import RAW_DATES, looks_iso

    seen: dict[str, list[int]] = {}
    rewritten: set[str] = set()
    for n, record in enumerate(read_records(path)):
        if n >= sample:
            break
        fields = record.get("fields") or {}
        rewritten.update(fields.get(RAW_DATES) or {})
        for name, value in fields.items():
            if name != RAW_DATES and value not in (None, ""):
                counts = seen.setdefault(name, [0, 0])
                counts[0] += looks_iso(value)
                counts[1] += 1
    return [name for name, (iso, filled) in seen.items() if name in rewritten or iso * 2 > filled]


def read_records(path: str) -> Iterable[dict[str, Any]]:
    """Stream the records `feedback analyze` wrote, in order, whatever its output format.

    path (str): A JSONL file (gzip-compressed or not) or "-" for standard input; a Parquet
        file (by its extension or its content; needs the `parquet` extra); or the output
        directory of `feedback analyze --engine dask`, read partition by partition in its
        manifest's order.
    YIELDS (dict): One record per line or row, in the JSON shape. A JSONL file is a
        `JsonlRecords`, which a report also reads line by line without building dicts.
    RAISES (InputError): The input cannot be opened, a line is not a JSON object (the message
        gives its line number), a Parquet file does not hold feedback records, or a directory
        is not a finished partitioned output.
    """
    if path != "-" and os.path.isdir(path):
        return _read_partitions(path)
    if _is_parquet(path):
        return read_parquet_records(path)
    return JsonlRecords(path)


def _is_parquet(path: str) -> bool:
    """By the extension, or for another name by Parquet's magic bytes (`-o results` with
    `--output-format parquet`)."""
    if path == "-":
        return False
    if is_parquet_path(path):
        return True
    try:
        if not os.path.isfile(path):
            return False  # a pipe is read once, as JSONL; a missing file fails there
        with open(path, "rb") as f:
            return f.read(4) == _PARQUET_MAGIC
    except OSError:
        return False


def _read_partitions(directory: str) -> Iterator[dict[str, Any]]:
    manifest_path = os.path.join(directory, MANIFEST_NAME)
    if not os.path.isfile(manifest_path):
        raise InputError(Errors.E312.format(path=directory, manifest=MANIFEST_NAME))
    try:
        with open(manifest_path, encoding="utf-8") as f:
            manifest = json.load(f)
        version, fmt = manifest.get("manifest_version"), manifest["output_format"]
        files = [entry["file"] for entry in manifest["partitions"]]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise InputError(Errors.E605.format(path=manifest_path, reason=repr(e))) from None
    if version != MANIFEST_VERSION:
        raise InputError(Errors.E606.format(path=manifest_path, version=version, supported=MANIFEST_VERSION))
    paths = [os.path.join(directory, os.path.basename(str(name))) for name in files]
    missing = next((p for p in paths if not os.path.isfile(p)), None)
    if missing is not None:
        raise InputError(Errors.E607.format(path=missing))
    return _chained(read_parquet_records(p) if fmt == "parquet" else read_jsonl_records(p) for p in paths)


def _chained(streams: Iterator[Iterator[dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    for stream in streams:
        yield from stream


class _ThemeEntry(msgspec.Struct, gc=False):
    """What a report reads of every theme mention (the rest only for a quote, from the line)."""

    theme: Any = None
    parent: Any = None
    sentiment: Any = 0.0


class _Sentiment(msgspec.Struct, gc=False):
    compound: Any = 0.0


class ReportRecord(msgspec.Struct, gc=False):
    """What a report reads of every analysed record, decoded straight from its JSON line.

    Defaults are what `dict.get` gives the dict path for a missing key; a line of another shape
    (a missing `themes`, `fields` that are not an object, ...) fails to decode as this and is
    read as a dict instead, where it is counted or refused exactly as before.
    """

    themes: list[_ThemeEntry]
    scores: dict[str, Any]
    error: Any = msgspec.UNSET
    text: Any = None
    skipped: Any = None
    sentiment: _Sentiment | None = None
    fields: dict[str, Any] | None = None


class JsonlRecords:
    """The records of a JSONL file: iterated, dicts (`read_jsonl_records`); `lines()` gives a
    report the cheaper `ReportRecord` where a line has the usual shape.

    path (str): A file path, or "-" for standard input.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return read_jsonl_records(self.path)

    def lines(self) -> Iterator[tuple[ReportRecord | dict[str, Any], bytes]]:
        """Each record with its line: a `ReportRecord` when the line decodes as one (its other
        keys skipped unread), else the dict `read_jsonl_records` yields for it.

        YIELDS (tuple): (record, line); decoding the line gives the whole record as a dict.
        RAISES (InputError): As `read_jsonl_records`.
        """
        typed = _TYPED.decode
        binary, name = open_binary(self.path, "a JSONL file of records")
        try:
            lineno = 0
            for lines, ended in _batches(binary):
                for line in lines:
                    lineno += 1
                    record: ReportRecord | dict[str, Any] | None
                    try:
                        record = typed(line)
                    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
                        record = _decode_line(line, lineno, name, ended)
                        if record is None:
                            continue
                    yield record, line
        finally:
            if binary is not sys.stdin.buffer:
                binary.close()


def decode_record(line: bytes) -> dict[str, Any]:
    """The whole record of a line that decoded as a `ReportRecord` (so is a JSON object)."""
    value: dict[str, Any] = _FAST.decode(line)
    return value


def read_jsonl_records(path: str) -> Iterator[dict[str, Any]]:
    """Stream the JSON objects of a JSONL file, such as `feedback analyze` output.

    path (str): A file path, or "-" for standard input.
    YIELDS (dict): One object per non-blank line.
    RAISES (InputError): The file cannot be opened, or a line is not a JSON object (the message
        gives its line number).
    """
    binary, name = open_binary(path, "a JSONL file of records")
    try:
        lineno = 0
        for lines, ended in _batches(binary):
            for line in lines:
                lineno += 1
                value = _decode_line(line, lineno, name, ended)
                if value is not None:
                    yield value
    finally:
        if binary is not sys.stdin.buffer:  # standard input stays open for whoever reads it next
            binary.close()


def _decode_line(line: bytes, lineno: int, name: str, ended: bool) -> dict[str, Any] | None:
    # msgspec reads a line of `feedback analyze` output in half the time of json.loads. It
    # refuses what json.loads reads otherwise (NaN, 1e400, a lone surrogate, bytes that are not
    # UTF-8, a BOM): those lines, and every line that is not an object, take the json.loads
    # path, so the records and the messages are json.loads's.
    try:
        value = _FAST.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        value = None
    if type(value) is not dict:
        return _read_line(line + b"\n" if ended else line, lineno, name)
    return value


_FAST = msgspec.json.Decoder()
_TYPED = msgspec.json.Decoder(ReportRecord)
_CHUNK = 1 << 20
_SKIPPABLE = ("\x1e", "\ufeff")  # an RFC 7464 record separator or a BOM before a line (as jsonlines)


def _batches(binary: IO[bytes]) -> Iterator[tuple[list[bytes], bool]]:
    """The lines of a stream, a chunk at a time, without their LF, and whether they had one: a
    record ends at LF only, as it was written (a CR or U+2028 inside a comment stays in it). A
    BOM that an editor may have added is dropped."""
    rest = binary.read(_CHUNK)
    if rest.startswith(codecs.BOM_UTF8):
        rest = rest[len(codecs.BOM_UTF8):]
    while True:
        chunk = binary.read(_CHUNK)
        if not chunk:
            break
        rest += chunk
        end = rest.rfind(b"\n")
        if end >= 0:
            yield rest[:end].split(b"\n"), True
            rest = rest[end + 1:]
    if rest:
        lines = rest.split(b"\n")
        last = lines.pop()
        if lines:
            yield lines, True
        if last:
            yield [last], False


def _read_line(line: bytes, lineno: int, name: str) -> dict[str, Any] | None:
    """A line as json.loads reads it, None when blank; E308 when it is not JSON, E309 when it
    is JSON but not an object. A byte that is not UTF-8 is replaced rather than failing the
    whole report."""
    text = line.decode("utf-8", errors="replace")
    if not text.rstrip():
        return None
    if text.startswith(_SKIPPABLE):
        text = text[1:]
    try:
        value = _loads(text)
    except ValueError as e:
        raise InputError(Errors.E308.format(name=name, lineno=lineno, reason=e)) from None
    if not isinstance(value, dict):
        raise InputError(Errors.E309.format(name=name, lineno=lineno, kind=type(value).__name__))
    return value


# Character references as exports leave them (`&amp;`, `&#34;`, `&#x27;`), with their semicolon:
# a bare "&" or "AT&T" stays as written.
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def unescape_entities(record: dict[str, Any]) -> dict[str, Any] | None:
    """The record with HTML character references in its text decoded once, offsets moved to match.

    Exports from web forms and review sites often carry `&amp;` or `&#34;` where the customer typed
    `&` or `"`; quotes should show what was typed. The decoding is done once: `&amp;amp;` becomes
    `&amp;`, as a browser would show it. Sentence and mention offsets are mapped onto the decoded
    text, so highlights still fall on the evidence.

    record (dict): A record as `feedback analyze` writes it.
    RETURNS (dict | None): A decoded copy, or None when the text has no character reference.
    """
    text = record.get("text")
    if not isinstance(text, str) or "&" not in text:
        return None
    matches = [m for m in _ENTITY.finditer(text) if html.unescape(m.group(0)) != m.group(0)]
    if not matches:
        return None
    ends, shifts, pieces, position, shift = [], [], [], 0, 0
    for match in matches:
        decoded = html.unescape(match.group(0))
        pieces += [text[position:match.start()], decoded]
        position = match.end()
        shift += len(match.group(0)) - len(decoded)
        ends.append(match.end())
        shifts.append(shift)
    pieces.append(text[position:])

    def moved(offset: Any) -> Any:
        if not isinstance(offset, int) or isinstance(offset, bool):
            return offset
        k = bisect_right(ends, offset)
        new = offset - (shifts[k - 1] if k else 0)
        if k < len(matches) and matches[k].start() < offset:  # inside a reference: its start
            new = matches[k].start() - (shifts[k - 1] if k else 0)
        return new

    out = {**record, "text": "".join(pieces)}
    if isinstance(record.get("sentences"), list):
        out["sentences"] = [{**s, "start": moved(s.get("start")), "end": moved(s.get("end")),
                             "text": html.unescape(s["text"]) if isinstance(s.get("text"), str) else s.get("text")}
                            if isinstance(s, dict) else s for s in record["sentences"]]
    if isinstance(record.get("themes"), list):
        out["themes"] = [{**m, "start": moved(m.get("start")), "end": moved(m.get("end"))}
                         if isinstance(m, dict) else m for m in record["themes"]]
    return out


def _loads(line: str | bytes) -> Any:
    """json.loads, with a line nested too deep to parse read as invalid (E308 with its number)."""
    try:
        return json.loads(line)
    except RecursionError:
        raise json.JSONDecodeError("arrays or objects nest too deep", str(line[:100]), 0) from None
