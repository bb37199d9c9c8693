"""Text for a terminal: control characters shown, never obeyed.

Comment text, segment values, column names and theme labels come from files anyone can write;
printed raw, an ESC sequence clears the screen, sets the window title (OSC) or hides what
follows, and a carriage return or a direction override rewrites a line. They are shown as
escapes (\\x1b, \\u202e) instead; line breaks and tabs stay.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every control character but newline and tab escaped (ESC -> "\\x1b").

    text (str): What is about to be printed.
    RETURNS (str): The same text when it holds no such character.
    """
    return _UNSAFE.sub(_escape, text)
