"""Reading analysed records back: the JSONL that `feedback analyze` writes, as a report reads it."""

from __future__ import annotations

import io
import json
import sys
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
