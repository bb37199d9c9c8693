"""Small JSON Lines files a person writes or edits (labels, corrections), read with `jsonlines`.

Analysed records are read by `feedback.report.records_in`, which is tuned for millions of lines;
these files hold hundreds, and what matters is the line a mistake is on.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Iterator



class _CountedLines:
    """The lines of a text file, counting them as `jsonlines.Reader` takes them: after a read,
    `lineno` is the line the value came from (blank lines skipped by the reader still count)."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        self.lineno = 0

    def __iter__(self) -> _CountedLines:
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.lineno += 1
        return line


def read_json_lines(path: str, invalid: Callable[[int, str], Exception]) -> Iterator[tuple[int, Any]]:
    """Each non-blank line's JSON value with its line number.

    path (str): The file (UTF-8, a BOM an editor added is dropped).
    invalid (Callable[[int, str], Exception]): The error to raise for a line that is not JSON,
        from its line number and the parser's reason.
    YIELDS (tuple[int, Any]): (line number, value), in file order.
    RAISES (Exception): What `invalid` returns, at the first line that is not JSON.
    """
    import jsonlines  # here: every command loads this module, few read such a file

    with open(path, encoding="utf-8-sig") as f:
        lines = _CountedLines(iter(f))
        # json.loads, not the orjson/ujson that jsonlines picks when one is installed: the same
        # values and messages on every machine.
        reader = jsonlines.Reader(lines, loads=json.loads)
        while True:
            try:
                value = reader.read(skip_empty=True)
            except EOFError:
                return
            except jsonlines.InvalidLineError as e:
                raise invalid(e.lineno, str(e.__cause__ or e)) from None
            yield lines.lineno, value
