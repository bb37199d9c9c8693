"""JSON exports: JSON Lines, one array of objects, and the envelopes help desks and app stores wrap
their rows in.

    JSON Lines        one object per line (Zendesk's incremental export, any NDJSON)
    array             `[{...}, {...}]` (Freshdesk's ticket list)
    envelope          one object whose longest list of objects holds the rows: `{"tickets": [...],
                      "next_page": ...}` (Zendesk), `{"type": "conversation.list",
                      "conversations": [...]}` (Intercom), `{"data": [...], "links": ...}`
    JSON:API items    `{"type": "customerReviews", "id": "...", "attributes": {...}}` (App Store
                      Connect): the attributes are the row, beside the item's id and type

Nested objects stay nested in each row; `columns_of` names their leaves by dotted path
(`satisfaction_rating.score`), which `--text-column`, `--id-column` and `--score` accept and
`json_values.value_at` reads. A whole document (array or envelope) is read at once: use JSON
Lines for big files.
"""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Iterator, Mapping

import msgspec

from ..errors import Errors, InputError, RowErrorCode
from ..json_values import MAX_JSON_DEPTH, finite_or_null, too_deep, value_at
from ..records import ErrorRecord, SourceRow
from .encodings import Line
from .table import Table

_DEEP = object()
_TOO_DEEP = f"arrays or objects nest more than {MAX_JSON_DEPTH} levels deep"
# Dotted paths go this deep into nested objects (`a.b.c.d`); deeper values stay in their parent.
_PATH_DEPTH = 4


def open_json(lines: Iterator[Line], name: str) -> Table:
    """Open JSON Lines, a JSON array or an envelope document.

    lines (Iterator[Line]): The decoded lines of the input.
    name (str): The input's name, for messages.
    RETURNS (Table): Columns (the first object's keys; `io.open_input` widens them to every
        sampled row's) and a row stream.
    RAISES (InputError): The input is empty, or a whole document does not parse.
    """
    buffered: list[Line] = []
    for line in lines:
        buffered.append(line)
        if line.text.strip():
            break
    if not buffered or not buffered[-1].text.strip():
        raise InputError(Errors.E008.format(name=name))
    first = buffered[-1].text.strip()
    if first.startswith("["):
        return _open_document(buffered, lines, name)
    try:
        value = json.loads(first)
    except (ValueError, RecursionError):
        value = None
    if value is None and first.startswith("{") and not first.endswith("}"):
        return _open_document(buffered, lines, name)  # a pretty-printed document
    if isinstance(value, dict) and _envelope(value)[0] is not None:
        for line in lines:  # one line with a list of objects: an envelope if nothing follows
            buffered.append(line)
            if line.text.strip():
                break
        else:
            return _open_document(buffered, iter(()), name)

    def all_lines() -> Iterator[Line]:
        yield from buffered
        yield from lines

    columns = list(map(str, _row_of(value))) if isinstance(value, dict) else []
    return Table(columns, _jsonl_rows(all_lines()), "jsonl", name)


def columns_of(values: Mapping[str, Any], prefix: str = "", depth: int = 1) -> list[str]:
    """A row's keys, and the dotted paths of the leaves of its nested objects.

    values (Mapping[str, Any]): A row.
    RETURNS (list[str]): `["id", "satisfaction_rating", "satisfaction_rating.score", ...]`.
    """
    columns: list[str] = []
    for key, value in values.items():
        column = f"{prefix}{key}"
        columns.append(column)
        if isinstance(value, dict) and depth < _PATH_DEPTH:
            columns.extend(columns_of(value, column + ".", depth + 1))
    return columns


# A first pass over a JSON input keeps this many more rows for values of keys first seen late, and
# names at most this many columns (a file whose every line has new keys, ids as keys, stays bounded).
_LATE_SAMPLE_ROWS = 200
_MAX_COLUMNS = 2000
# A key with fewer sampled values than this is sampled further in the first pass.
_WANTED_VALUES = 20


def scan_columns(rows: Iterable[SourceRow | ErrorRecord], columns: list[str],
                 sample: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]], int]:
    """Every column of a JSON input's rows, and rows that hold values of those first seen late.

    JSON rows need not share keys: a satisfaction rating or a segment may appear first at
    line 200 (tickets rated once the survey went out). The whole input is looked at once,
    keeping only key names and a bounded number of extra rows, so that such a column is picked
    and checked by its values as any other.

    rows (Iterable[SourceRow | ErrorRecord]): A fresh stream of the input's rows (`Table.rescan`).
    columns (list[str]): The columns known so far (the first rows' together).
    sample (list[dict[str, Any]]): The first rows' values.
    RETURNS (tuple): The columns in first-seen order, the extra rows (a column's first values,
        up to `_LATE_SAMPLE_ROWS` rows), and how many distinct columns were left out past
        `_MAX_COLUMNS`.
    """
    known = dict.fromkeys(columns)
    filled = dict.fromkeys(columns, 0)

    def count(values: dict[str, Any]) -> None:
        for column in columns_of(values):
            if column in filled and value_at(values, column) is not None:
                filled[column] += 1

    for values in sample:
        count(values)
    extra: list[dict[str, Any]] = []
    left_out: set[str] = set()
    read = 0
    for row in rows:
        if not isinstance(row, SourceRow):
            continue
        read += 1
        wanted = False
        for column in columns_of(row.values):
            if column not in known:
                if len(known) >= _MAX_COLUMNS:
                    if len(left_out) < _MAX_COLUMNS:
                        left_out.add(column)
                    continue
                known[column] = None
                filled[column] = 0
            wanted = wanted or (read > len(sample) and filled[column] < _WANTED_VALUES)
        if wanted and len(extra) < _LATE_SAMPLE_ROWS:
            extra.append(row.values)
            count(row.values)
    return list(known), extra, len(left_out)


# Keys vendors put their rows under. Another key holding a list of objects is an envelope's
# only when nothing beside it is free text: a ticket with a `comments` list is a row.
_ROWS_KEYS = ("tickets", "conversations", "data", "results", "reviews", "items", "records", "responses",
              "satisfaction_ratings", "entries", "rows")


def _rows_key(document: Mapping[str, Any]) -> str | None:
    """The key of an envelope's rows: its longest list of objects (None: not an envelope)."""
    best: tuple[int, str] | None = None
    for key, value in document.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value[:50]):
            if best is None or len(value) > best[0]:
                best = (len(value), str(key))
    if best is None:
        return _empty_rows_key(document)
    if best[1] in _ROWS_KEYS:
        return best[1]
    texts = [v for k, v in document.items() if k != best[1] and isinstance(v, str) and len(v.split()) >= 4]
    return None if texts or len(document) > 6 else best[1]


def _empty_rows_key(document: Mapping[str, Any]) -> str | None:
    """An envelope with no rows (`{"tickets": [], "next_page": null, "count": 0}`): its rows key,
    when nothing beside it could be a row's value (only paging, counts, links and a list type)."""
    keys = [key for key, value in document.items() if key in _ROWS_KEYS and value == []]
    if len(keys) != 1:
        return None
    for key, value in document.items():
        if key == keys[0] or value is None or isinstance(value, (bool, int, float, dict)):
            continue
        if not (isinstance(value, str) and _PAGING_KEY.search(str(key))):
            return None
    return keys[0]


_PAGING_KEY = re.compile(r"(page|cursor|url|link|next|prev|after|before|stream|type|count)", re.IGNORECASE)


def _envelope(document: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Where an envelope's rows are: ("tickets", document), or one level down
    (`{"data": {"reviews": [...]}}`: ("data.reviews", the inner object)); (None, document) if none."""
    key = _rows_key(document)
    if key is not None:
        return key, document
    inner = [(k, v) for k, v in document.items() if isinstance(v, dict) and _rows_key(v) in _ROWS_KEYS]
    if len(inner) == 1:
        outer, value = inner[0]
        return f"{outer}.{_rows_key(value)}", value
    return None, document


def _row_of(item: dict[str, Any]) -> dict[str, Any]:
    """A JSON:API resource's attributes as the row, beside its id and type; other objects as they are."""
    attributes = item.get("attributes")
    if isinstance(attributes, dict) and ("type" in item or "id" in item):
        row: dict[str, Any] = {key: item[key] for key in ("id", "type") if key in item}
        row.update((key, value) for key, value in attributes.items() if key not in row)
        return row
    return item


def _open_document(buffered: list[Line], lines: Iterable[Line], name: str) -> Table:
    text = "".join(line.text for line in buffered) + "".join(line.text for line in lines)
    try:
        document = json.loads(text)
    except ValueError as e:
        raise InputError(Errors.E009.format(name=name, reason=e)) from None
    except RecursionError:
        raise InputError(Errors.E009.format(name=name, reason=_TOO_DEEP)) from None
    label = name
    if isinstance(document, dict):
        path, document = _envelope(document)
        if path is None:
            items: list[Any] = [document]  # one object: one row
        else:
            items = document[path.rpartition(".")[2]]
            label = f"{name} (rows in {path!r})"
    elif isinstance(document, list):
        items = document
    else:
        raise InputError(Errors.E010.format(name=name))
    columns = next((list(map(str, _row_of(item))) for item in items if isinstance(item, dict)), [])

    def rows() -> Iterator[SourceRow | ErrorRecord]:
        for n, item in enumerate(items, 1):
            if too_deep(item):
                yield ErrorRecord(n, 1, None, RowErrorCode.NESTED_TOO_DEEP.value, _TOO_DEEP, {"raw": None})
            elif isinstance(item, dict):
                yield SourceRow(n, 1, _row_of(item))
            else:
                yield ErrorRecord(n, 1, None, RowErrorCode.NOT_AN_OBJECT.value, f"expected a JSON object, got a {type(item).__name__}",
                                  {"raw": finite_or_null(item)})

    return Table(columns, rows(), "json", label, rescan=rows)


_FAST = msgspec.json.Decoder()


def _decode_line(text: str) -> Any:
    """json.loads(text), in half its time for the lines msgspec reads; those it refuses (NaN,
    1e400, a lone surrogate) or cannot read are json.loads's, errors included."""
    try:
        return _FAST.decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError, UnicodeEncodeError):
        return json.loads(text)


def jsonl_line_values(line: Line | bytes | str) -> dict[str, Any] | None:
    """The values of the row that one line of JSON Lines is read as (`open_table`).

    line (Line | bytes | str): A decoded line, or a plain line (`readers.plain_jsonl_lines`).
    RETURNS (dict | None): The row's values; None for a blank line or one read as an error
        (not JSON, not an object, nested too deep).
    """
    if not isinstance(line, Line):
        line = Line(line.decode("utf-8") if isinstance(line, bytes) else line, 1)
    row = next(_jsonl_rows([line]), None)
    return row.values if isinstance(row, SourceRow) else None


def _jsonl_rows(lines: Iterable[Line]) -> Iterator[SourceRow | ErrorRecord]:
    row_number = 0
    for line in lines:
        if not line.text.strip():
            continue
        row_number += 1
        try:
            value = _decode_line(line.text)
        except ValueError as e:
            yield ErrorRecord(row_number, line.lineno, None, RowErrorCode.INVALID_JSON.value, f"not valid JSON: {e}",
                              {"raw": line.text[:1000]})
            continue
        except RecursionError:
            value = _DEEP
        # A container n deep needs n brackets in the line: most lines have too few to be walked.
        if value is _DEEP or (line.text.count("[") + line.text.count("{") > MAX_JSON_DEPTH and too_deep(value)):
            # Every later step (redaction, workers, writing) would recurse past Python's limit.
            yield ErrorRecord(row_number, line.lineno, None, RowErrorCode.NESTED_TOO_DEEP.value, _TOO_DEEP,
                              {"raw": line.text[:1000]})
            continue
        if not isinstance(value, dict):
            yield ErrorRecord(row_number, line.lineno, None, RowErrorCode.NOT_AN_OBJECT.value,
                              f"expected a JSON object, got a {type(value).__name__}", {"raw": finite_or_null(value)})
            continue
        problems = (line.problem,) if line.problem is not None else ()
        yield SourceRow(row_number, line.lineno, _row_of(value), problems)
