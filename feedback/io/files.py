"""Files and standard streams: opening inputs, atomic outputs, locks, JSON lines.

Outputs appear under their name only when complete (written to a temporary file in the same
directory, fsynced, renamed); standard output is written as a stream. Side files beside an
output (partials, checkpoints, locks) have predictable names, so they are made without
following a link planted at the name (O_EXCL | O_NOFOLLOW), and a run holds a lock on its
output so that two runs never write the same file at once.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import re
import stat
import sys
import tempfile
import zlib
from contextlib import contextmanager
from typing import IO, Any, Iterator

from ..errors import Errors, InputError, OutputError
from ..json_values import finite_or_null

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, runs are not locked
    fcntl = None  # type: ignore[assignment]

O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY_FAILURES = {errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC,
                       errno.EDQUOT}
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL}  # flock is not supported where the file is


def open_binary(path: str, what: str) -> tuple[IO[bytes], str]:
    """Open a path, or "-" for stdin, for reading bytes; gzip-compressed input is decompressed.

    Compression is told from the content (gzip's magic bytes), not the name, so `x.csv.gz`,
    a gzipped file without the suffix and a gzipped pipe all read as what they hold.

    what (str): What the file should be, for the message when it is a directory.
    RETURNS (tuple): The stream and a name for messages.
    RAISES (InputError): The file is missing, a directory, or unreadable.
    """
    if path == "-":
        return _decompressed(sys.stdin.buffer, "<stdin>"), "<stdin>"
    try:
        return _decompressed(open(path, "rb"), path), path
    except FileNotFoundError:
        raise InputError(Errors.E001.format(path=path)) from None
    except IsADirectoryError:
        raise InputError(Errors.E002.format(path=path, what=what)) from None
    except OSError as e:
        raise InputError(Errors.E003.format(path=path, reason=e.strerror)) from None


_GZIP_MAGIC = b"\x1f\x8b"


def _decompressed(binary: IO[bytes], name: str) -> IO[bytes]:
    """`binary` itself, or a decompressing reader over it when it starts as gzip does."""
    peek = getattr(binary, "peek", None)
    if peek is None or not peek(2)[:2].startswith(_GZIP_MAGIC):
        return binary
    return io.BufferedReader(_GzipReader(binary, name))


class _GzipReader(io.RawIOBase):
    """A gzip stream read as bytes; a corrupt or truncated file fails as one coded line."""

    def __init__(self, binary: IO[bytes], name: str) -> None:
        self._gzip = gzip.GzipFile(fileobj=binary, mode="rb")
        self._binary = binary
        self._name = name

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        try:
            data = self._gzip.read(len(buffer))
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(Errors.E019.format(name=self._name, reason=e)) from None
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._gzip.close()
            self._binary.close()
        super().close()


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


def output_error(path: str, error: OSError, **resumable: Any) -> OutputError:
    """An OSError met writing `path`, as one coded line (with where to resume from, if given:
    `rows` and `checkpoint`)."""
    if error.errno == errno.ELOOP:
        return OutputError(Errors.E532.format(path=path))
    reason = error.strerror or str(error)
    if resumable:
        return OutputError(Errors.E531.format(path=path, reason=reason, **resumable))
    return OutputError(Errors.E530.format(path=path, reason=reason))


def create_new(path: str) -> IO[bytes]:
    """Create a file that must not exist yet, never through a link planted at its name.

    RAISES (OSError): FileExistsError when something (a file, a link) is at the name.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | O_NOFOLLOW, 0o666)
    return os.fdopen(fd, "wb")


def remove(path: str) -> None:
    """Remove a side file if it is there (a link at the name is removed, not followed)."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def lock_path(path: str) -> str:
    return path + ".lock"


@contextmanager
def exclusive_lock(path: str) -> Iterator[None]:
    """Hold the lock of an output (PATH.lock, beside it) while a run writes it.

    The lock is the kernel's (flock): it goes with the process, so a run that was killed
    leaves no stale lock, only a lock file the next run takes over.

    RAISES (OutputError): Another run holds it; or the directory is missing or unwritable.
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    lock = lock_path(path)
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | O_NOFOLLOW, 0o666)
        except OSError as e:
            if e.errno == errno.ELOOP and os.path.islink(lock):
                remove(lock)  # a link planted at the name: dropped, never followed
                continue
            # The directory's failures are the output's; anything else is about the lock file.
            raise output_error(path if e.errno in _DIRECTORY_FAILURES else lock, e) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise OutputError(Errors.E529.format(path=path, lock=lock)) from None
        except OSError as e:
            if e.errno not in _NO_LOCKS:
                os.close(fd)
                raise output_error(lock, e) from None
            break  # a file system without locks (some network mounts): run unlocked, as before
        # The run that held it removes the file as it lets go: ours may be that removed one.
        try:
            current = os.stat(lock, follow_symlinks=False)
        except FileNotFoundError:
            current = None
        held = os.fstat(fd)
        if current is not None and (current.st_ino, current.st_dev) == (held.st_ino, held.st_dev):
            break
        os.close(fd)
    try:
        yield
    finally:
        try:
            remove(lock)
        except OSError:  # the directory was made read-only meanwhile: the lock still goes with fd
            pass
        os.close(fd)


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
