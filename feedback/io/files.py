"""Files and standard streams: opening inputs, atomic outputs, JSON lines.

Outputs appear under their name only when complete (written to a temporary file in the same
directory, fsynced, renamed); standard output is written as a stream.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import tempfile
from contextlib import contextmanager
from typing import IO, Any, Iterator

from ..errors import Errors, InputError
from ..json_values import finite_or_null


def open_binary(path: str, what: str) -> tuple[IO[bytes], str]:
    """Open a path, or "-" for stdin, for reading bytes.

    what (str): What the file should be, for the message when it is a directory.
    RETURNS (tuple): The stream and a name for messages.
    RAISES (InputError): The file is missing, a directory, or unreadable.
    """
    if path == "-":
        return sys.stdin.buffer, "<stdin>"
    try:
        return open(path, "rb"), path
    except FileNotFoundError:
        raise InputError(Errors.E001.format(path=path)) from None
    except IsADirectoryError:
        raise InputError(Errors.E002.format(path=path, what=what)) from None
    except OSError as e:
        raise InputError(Errors.E003.format(path=path, reason=e.strerror)) from None


def is_stream(path: str) -> bool:
    """Whether a path is read or written as a stream: "-", a pipe, a device, /dev/stdin...

    Such a path is never renamed over (as root, replacing /dev/null with a file breaks the
    machine), never re-read (a pipe gives its bytes once) and cannot be resumed.
    """
    if path == "-":
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # a file yet to be made
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def same_file(a: str, b: str) -> bool:
    """Whether two paths name the same existing file (hard links and symlinks included)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def publish(tmp: str, path: str) -> None:
    """Move a finished temporary file to its name, with the permissions a new file would have
    (mkstemp makes temporary files private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    os.replace(tmp, path)


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
    if is_stream(path):  # a pipe or a device: written in place, never replaced
        with open(path, "w", encoding=encoding, newline="\n") as stream:
            yield stream
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="\n") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        publish(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


_SURROGATE = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: valid UTF-8 text, no ASCII escaping, no NaN.

    A lone surrogate (JSON input may hold "\\ud800") cannot be written as UTF-8; it becomes
    U+FFFD rather than failing the whole run; NaN and Infinity become null.
    """
    try:
        line = json.dumps(record, ensure_ascii=False, allow_nan=False)
    except ValueError:  # a NaN or Infinity that came in by a way that did not null it
        line = json.dumps(finite_or_null(record), ensure_ascii=False, allow_nan=False)
    if not line.isascii():
        if _SURROGATE.search(line):
            line = _SURROGATE.sub("\ufffd", line)
        # U+0085, U+2028 and U+2029 end lines for many readers (Python's str.splitlines, some
        # JSONL tools): escaped, every record stays on one line for all of them.
        if _LINE_BREAKS.search(line):
            line = _LINE_BREAKS.sub(lambda m: f"\\u{ord(m.group(0)):04x}", line)
    return line
