"""Reading analysed records back: the JSONL that `feedback analyze` writes, as a report reads it."""

from __future__ import annotations

import html
import io
import json
import re
import sys
from bisect import bisect_right
from typing import Any, Iterator

import jsonlines

from ..errors import Errors, InputError
from ..io import open_binary


def read_records(path: str) -> Iterator[dict[str, Any]]:
    """Stream the JSON objects of a JSONL file, such as `feedback analyze` output.

    path (str): A file path, or "-" for standard input.
    YIELDS (dict): One object per non-blank line.
    RAISES (InputError): The file cannot be opened, or a line is not a JSON object (the message
        gives its line number).
    """
    binary, name = open_binary(path, "a JSONL file of records")
    # A record ends at LF only, as it was written (a CR or U+2028 inside a comment stays in it);
    # utf-8-sig drops a BOM that an editor may have added; a byte that is not UTF-8 is replaced
    # rather than failing the whole report.
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="\n")
    # json.loads, not the orjson/ujson that jsonlines would pick when installed: those read
    # some numbers differently, and a report must not depend on what else is installed.
    reader = jsonlines.Reader(text, loads=_loads)
    try:
        while True:
            try:
                value = reader.read(type=dict, skip_empty=True)
            except EOFError:
                return
            except jsonlines.InvalidLineError as e:
                raise InputError(_why(e, name)) from None
            yield value
    finally:
        if binary is sys.stdin.buffer:
            text.detach()  # standard input stays open for whoever reads it next
        else:
            text.close()


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


def _why(error: jsonlines.InvalidLineError, name: str) -> str:
    """The message for a bad line: not JSON at all, or JSON that is not an object (null included)."""
    if isinstance(error.__cause__, ValueError):
        return Errors.E308.format(name=name, lineno=error.lineno, reason=error.__cause__)
    kind = type(json.loads(error.line)).__name__
    return Errors.E309.format(name=name, lineno=error.lineno, kind=kind)
