"""Resumable output: records go to OUTPUT.partial, with a checkpoint every few thousand rows.

A finished run renames the partial files into place, so a killed run never leaves a half file
under the final name. A run that was killed or interrupted leaves the partial files and the
checkpoint behind; `--resume` checks that the input and options are the same, cuts the partial
files back to the last checkpoint (anything after it may be half written) and goes on from the
row after it. Records are written in input order, so "rows done" is a position in the input.

A checkpoint belongs to one run and one pair of partial files: it holds the run's id and, for
each partial, its size and the sha256 of its bytes at the checkpoint. A resume whose partial is
shorter or different is refused (never padded with NUL bytes), and a fresh run removes the
state an earlier run left before writing anything.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import stat
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from typing import IO, Any, Iterator

from ..config import RunCounts
from ..errors import Errors, ResumeError
from .files import O_NOFOLLOW, create_new, output_error, remove

# The counts a checkpoint keeps: a resumed run's summary covers the rows before it too.
_ROW_COUNTS = ("rows", "analysed", "with_problems", "errors", "unthemed", "no_answer", "not_english")

CHECKPOINT_VERSION = 2


def input_fingerprint(path: str) -> dict[str, Any]:
    """Identify an input file by its content: size and sha256 (reading it costs far less than
    analysing it, and an edit anywhere changes it)."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return {"path": os.path.abspath(path), "size": size, "sha256": digest.hexdigest()}


def run_state_paths(path: str, errors_path: str) -> list[str]:
    """The side files a resumable run keeps beside its outputs: its partials, its checkpoint,
    and checkpoints a killed run was writing (CHECKPOINT.tmp is the name older versions used)."""
    checkpoint = path + ".checkpoint.json"
    directory, name = os.path.split(os.path.abspath(checkpoint))
    half_written = glob.glob(os.path.join(glob.escape(directory), f".{glob.escape(name)}.*.tmp"))
    return [path + ".partial", errors_path + ".partial", checkpoint, checkpoint + ".tmp", *sorted(half_written)]


def remove_run_state(path: str, errors_path: str) -> None:
    """Remove what an earlier run left beside these outputs: a new run owns them now.

    RAISES (OutputError): A side file cannot be removed.
    """
    for name in run_state_paths(path, errors_path):
        try:
            remove(name)
        except OSError as e:
            raise output_error(name, e) from None


class _HashedFile:
    """A partial file written in binary, knowing its size and the sha256 of its bytes."""

    def __init__(self, f: IO[bytes], size: int = 0, digest: Any = None) -> None:
        self.file = f
        self.size = size
        self.digest = digest if digest is not None else hashlib.sha256()

    def write(self, line: str) -> None:
        data = line.encode("utf-8")
        self.file.write(data)
        self.size += len(data)
        self.digest.update(data)

    def sync(self) -> None:
        self.file.flush()
        os.fsync(self.file.fileno())

    def state(self) -> dict[str, Any]:
        return {"bytes": self.size, "sha256": self.digest.copy().hexdigest()}

    def close_quietly(self) -> None:
        """Close without caring whether the buffered bytes reach the file (after a failure,
        the last checkpoint is what counts)."""
        try:
            self.file.close()
        except OSError:
            pass


@dataclass
class CheckpointedOutput:
    """Writes records and error records to partial files and checkpoints progress.

    path, errors_path (str): Final file names.
    identity (dict): The input fingerprint and the options that shape the output; a resume
        with a different identity is refused.
    every_rows, every_seconds: Checkpoint frequency (whichever comes first).

    The run's counts (`RunCounts`, updated by the engine) are saved with each checkpoint.
    Failures to write become `OutputError`s naming the file and the reason.
    """

    path: str
    errors_path: str
    identity: dict[str, Any]
    every_rows: int = 5000
    every_seconds: float = 10.0
    rows_done: int = 0
    counts: RunCounts = field(default_factory=RunCounts)
    run_id: str = ""
    _out: _HashedFile | None = None
    _err: _HashedFile | None = None
    _last_rows: int = 0
    _last_time: float = 0.0
    _checkpointed: int | None = None  # rows done at the last checkpoint on disk
    _failed: bool = False

    def __post_init__(self) -> None:
        # Compare identities as they come back from the checkpoint file (tuples become lists).
        self.identity = json.loads(json.dumps(self.identity))

    @property
    def partial(self) -> str:
        return self.path + ".partial"

    @property
    def errors_partial(self) -> str:
        return self.errors_path + ".partial"

    @property
    def checkpoint_path(self) -> str:
        return self.path + ".checkpoint.json"

    def start(self, counts: RunCounts, *, resume: bool) -> int:
        """Open the partial files, fresh or resumed.

        counts (RunCounts): The run's counts; a resume restores the interrupted run's into it.
        RETURNS (int): How many input rows are already done (0 for a fresh run).
        RAISES (ResumeError): Resuming without a usable checkpoint, or with partial files that
            are not the ones it describes.
        RAISES (OutputError): A partial file cannot be made.
        """
        self.counts = counts
        if resume:
            state = self._read_checkpoint()
            self._out = self._reopen(self.partial, state["files"]["output"], missing_ok=False)
            self._err = self._reopen(self.errors_partial, state["files"]["errors"], missing_ok=True)
            self.run_id = state["run_id"]
            self.rows_done = self._checkpointed = state["rows_done"]
            for name in _ROW_COUNTS:
                setattr(counts, name, state["counts"][name])
            counts.resumed_after = self.rows_done
        else:
            remove_run_state(self.path, self.errors_path)
            self.run_id = uuid.uuid4().hex
            self._out = self._create(self.partial)
            self._err = self._create(self.errors_partial)
        self._last_rows, self._last_time = self.rows_done, time.monotonic()
        return self.rows_done

    def _create(self, name: str) -> _HashedFile:
        try:
            return _HashedFile(create_new(name))
        except OSError as e:
            raise output_error(name, e) from None

    def _read_checkpoint(self) -> dict[str, Any]:
        try:
            fd = os.open(self.checkpoint_path, os.O_RDONLY | O_NOFOLLOW)
        except FileNotFoundError:
            raise ResumeError(Errors.E510.format(path=self.checkpoint_path)) from None
        except OSError as e:
            raise output_error(self.checkpoint_path, e) from None
        try:
            with open(fd, encoding="utf-8") as f:
                state = json.load(f)
        except (ValueError, OSError):
            raise ResumeError(Errors.E511.format(path=self.checkpoint_path)) from None
        if not isinstance(state, dict):
            raise ResumeError(Errors.E511.format(path=self.checkpoint_path))
        if state.get("version") != CHECKPOINT_VERSION:
            raise ResumeError(Errors.E528.format(path=self.checkpoint_path))
        if not _well_formed(state):
            raise ResumeError(Errors.E511.format(path=self.checkpoint_path))
        if state["identity"] != self.identity:
            changed = identity_differences(state["identity"], self.identity)
            if changed:
                raise ResumeError(Errors.E525.format(changed=", ".join(changed), path=self.checkpoint_path))
            raise ResumeError(Errors.E512.format(path=self.checkpoint_path))
        return state

    def _reopen(self, name: str, recorded: dict[str, Any], *, missing_ok: bool) -> _HashedFile:
        """Open a partial file to go on writing it: it must hold at least the bytes its
        checkpoint recorded, and those bytes must be the ones recorded (their sha256); what
        follows them (half-written after the checkpoint) is cut off."""
        expected = recorded["bytes"]
        try:
            fd = os.open(name, os.O_RDWR | O_NOFOLLOW)
        except FileNotFoundError:
            if not (missing_ok and expected == 0):
                raise ResumeError(Errors.E513.format(path=name)) from None
            return self._create(name)  # no error record was written before the checkpoint
        except OSError as e:
            raise output_error(name, e) from None
        f = os.fdopen(fd, "r+b")
        try:
            size = os.fstat(fd).st_size
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ResumeError(Errors.E527.format(path=name, expected=expected))
            if size < expected:
                raise ResumeError(Errors.E526.format(path=name, size=size, expected=expected))
            digest = hashlib.sha256()
            for block in _blocks(f, expected):
                digest.update(block)
            if digest.hexdigest() != recorded["sha256"]:
                raise ResumeError(Errors.E527.format(path=name, expected=expected))
            f.truncate(expected)
            f.seek(expected)
        except OSError as e:
            f.close()
            raise output_error(name, e) from None
        except BaseException:
            f.close()
            raise
        return _HashedFile(f, expected, digest)

    def write_record(self, line: str) -> None:
        """Write one record's JSON line; the row is done."""
        assert self._out is not None, "call start() first"
        self._write(self._out, self.partial, line)

    def write_error(self, line: str) -> None:
        """Write one error record's JSON line; the row is done."""
        assert self._err is not None, "call start() first"
        self._write(self._err, self.errors_partial, line)

    def _write(self, out: _HashedFile, name: str, line: str) -> None:
        try:
            out.write(line + "\n")
        except OSError as e:
            raise self._failure(name, e) from None
        self.advance()

    def advance(self) -> None:
        """One more input row is done (written here or elsewhere); checkpoint when due."""
        self.rows_done += 1
        if self.rows_done - self._last_rows >= self.every_rows or (
            self.rows_done % 100 == 0 and time.monotonic() - self._last_time >= self.every_seconds
        ):
            self.checkpoint()

    def checkpoint(self) -> None:
        """Make everything written so far durable and record how far we got.

        RAISES (OutputError): Writing failed (a full disk, say); the previous checkpoint stands.
        """
        assert self._out is not None and self._err is not None
        for name, partial in ((self.partial, self._out), (self.errors_partial, self._err)):
            try:
                partial.sync()
            except OSError as e:
                raise self._failure(name, e) from None
        state = {
            "version": CHECKPOINT_VERSION,
            "run_id": self.run_id,
            "identity": self.identity,
            "rows_done": self.rows_done,
            "files": {"output": self._out.state(), "errors": self._err.state()},
            "counts": {name: getattr(self.counts, name) for name in _ROW_COUNTS},
        }
        directory = os.path.dirname(os.path.abspath(self.checkpoint_path))
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(self.checkpoint_path)}.", suffix=".tmp",
                                       dir=directory)
        except OSError as e:
            raise self._failure(self.checkpoint_path, e) from None
        try:
            with open(fd, "w", encoding="utf-8") as f:
                json.dump(state, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.checkpoint_path)
        except OSError as e:
            remove(tmp)
            raise self._failure(self.checkpoint_path, e) from None
        self._checkpointed = self.rows_done
        self._last_rows, self._last_time = self.rows_done, time.monotonic()

    def _failure(self, name: str, error: OSError) -> Exception:
        """A write that failed: the partial files are no longer trusted past the last checkpoint."""
        self._failed = True
        if self._checkpointed:
            return output_error(name, error, rows=self._checkpointed, checkpoint=self.checkpoint_path)
        return output_error(name, error)

    def finish(self) -> bool:
        """Move the finished files into place and drop the checkpoint.

        RETURNS (bool): Whether an errors file was written (it is left out when empty).
        RAISES (OutputError): The last bytes or the renames failed; the checkpoint stands.
        """
        assert self._out is not None and self._err is not None
        for name, partial in ((self.partial, self._out), (self.errors_partial, self._err)):
            try:
                partial.sync()
                partial.file.close()
            except OSError as e:
                raise self._failure(name, e) from None
        has_errors = self._err.size > 0
        try:
            os.replace(self.partial, self.path)
            if has_errors:
                os.replace(self.errors_partial, self.errors_path)
            else:
                os.unlink(self.errors_partial)
            remove(self.checkpoint_path)
        except OSError as e:
            raise output_error(self.path, e) from None
        return has_errors

    def abandon(self) -> None:
        """Stop after a failure or interruption: checkpoint what is there, keep it for --resume.

        After a failed write only the files are closed: the last checkpoint is what counts.
        """
        if self._out is None or self._out.file.closed:
            return
        try:
            if not self._failed:
                self.checkpoint()
        finally:
            self._out.close_quietly()
            if self._err is not None:
                self._err.close_quietly()


def _blocks(f: IO[bytes], size: int) -> Iterator[bytes]:
    """The first `size` bytes of a file, in blocks."""
    left = size
    while left > 0:
        block = f.read(min(left, 1 << 20))
        if not block:
            return
        left -= len(block)
        yield block


def _well_formed(state: dict[str, Any]) -> bool:
    try:
        files = state["files"]
        return (isinstance(state["run_id"], str) and isinstance(state["rows_done"], int)
                and all(isinstance(files[k]["bytes"], int) and isinstance(files[k]["sha256"], str)
                        for k in ("output", "errors"))
                and all(isinstance(state["counts"][name], int) for name in _ROW_COUNTS)
                and isinstance(state["identity"], dict))
    except (KeyError, TypeError):
        return False


# How the parts of a run's identity are named when a resume is refused: whole parts, and the
# options of a part whose names are not those of the command's flags.
_IDENTITY_PARTS = {"input": "the input file", "columns": "the columns used", "version": "the version of feedback"}
_OPTION_NAMES = {("output", "format"): "output_format", ("read", "format"): "format"}


def identity_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two run identities, in words: "the input file", "`redact`",
    "the content of `taxonomy`"..."""
    changed = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if isinstance(before, dict) and isinstance(after, dict) and key not in _IDENTITY_PARTS:
            for name in sorted(n for n in set(before) | set(after) if before.get(n) != after.get(n)):
                option = f"`{_OPTION_NAMES.get((key, name), name)}`"
                changed.append(f"the content of {option}" if key == "content" else option)
        else:
            changed.append(_IDENTITY_PARTS.get(key, f"`{key}`"))
    return changed
