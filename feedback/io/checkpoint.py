"""Resumable output: records go to OUTPUT.partial, with a checkpoint every few thousand rows.

A finished run renames the partial files into place, so a killed run never leaves a half file
under the final name. A run that was killed or interrupted leaves the partial files and the
checkpoint behind; `--resume` checks that the input and options are the same, cuts the partial
files back to the last checkpoint (anything after it may be half written) and goes on from the
row after it. Records are written in input order, so "rows done" is a position in the input.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from typing import IO, Any

from ..config import RunCounts
from ..errors import Errors, ResumeError

# The counts a checkpoint keeps: a resumed run's summary covers the rows before it too.
_ROW_COUNTS = ("rows", "analysed", "with_problems", "errors", "unthemed", "no_answer", "not_english")

CHECKPOINT_VERSION = 1


def input_fingerprint(path: str) -> dict[str, Any]:
    """Identify an input file cheaply: size, modification time and a hash of its first 64 KiB."""
    stat = os.stat(path)
    with open(path, "rb") as f:
        head = hashlib.sha256(f.read(1 << 16)).hexdigest()
    return {"path": os.path.abspath(path), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "head_sha256": head}


@dataclass
class CheckpointedOutput:
    """Writes records and error records to partial files and checkpoints progress.

    path, errors_path (str): Final file names.
    identity (dict): The input fingerprint and the options that shape the output; a resume
        with a different identity is refused.
    every_rows, every_seconds: Checkpoint frequency (whichever comes first).

    The run's counts (`RunCounts`, updated by the engine) are saved with each checkpoint.
    """

    path: str
    errors_path: str
    identity: dict[str, Any]
    every_rows: int = 5000
    every_seconds: float = 10.0
    rows_done: int = 0
    counts: RunCounts = field(default_factory=RunCounts)
    _out: IO[str] | None = None
    _err: IO[str] | None = None
    _last_rows: int = 0
    _last_time: float = 0.0

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
        RAISES (ResumeError): Resuming without a usable checkpoint.
        """
        self.counts = counts
        if resume:
            state = self._read_checkpoint()
            for name, size in ((self.partial, state["output_bytes"]), (self.errors_partial, state["errors_bytes"])):
                with open(name, "ab") as f:  # create if missing (no errors yet), then cut back
                    f.truncate(size)
            self.rows_done = state["rows_done"]
            for name in _ROW_COUNTS:
                setattr(counts, name, state["counts"][name])
            counts.resumed_after = self.rows_done
            mode = "a"
        else:
            mode = "w"
        self._out = open(self.partial, mode, encoding="utf-8", newline="\n")
        self._err = open(self.errors_partial, mode, encoding="utf-8", newline="\n")
        self._last_rows, self._last_time = self.rows_done, time.monotonic()
        return self.rows_done

    def _read_checkpoint(self) -> dict[str, Any]:
        try:
            with open(self.checkpoint_path, encoding="utf-8") as f:
                state = json.load(f)
        except FileNotFoundError:
            raise ResumeError(Errors.E510.format(path=self.checkpoint_path)) from None
        except ValueError:
            raise ResumeError(Errors.E511.format(path=self.checkpoint_path)) from None
        if state.get("version") != CHECKPOINT_VERSION or state.get("identity") != self.identity:
            raise ResumeError(Errors.E512.format(path=self.checkpoint_path))
        if not os.path.exists(self.partial):
            raise ResumeError(Errors.E513.format(path=self.partial))
        return state

    def write_record(self, line: str) -> None:
        """Write one record's JSON line; the row is done."""
        assert self._out is not None, "call start() first"
        self._out.write(line + "\n")
        self.advance()

    def write_error(self, line: str) -> None:
        """Write one error record's JSON line; the row is done."""
        assert self._err is not None, "call start() first"
        self._err.write(line + "\n")
        self.advance()

    def advance(self) -> None:
        """One more input row is done (written here or elsewhere); checkpoint when due."""
        self.rows_done += 1
        if self.rows_done - self._last_rows >= self.every_rows or (
            self.rows_done % 100 == 0 and time.monotonic() - self._last_time >= self.every_seconds
        ):
            self.checkpoint()

    def checkpoint(self) -> None:
        """Make everything written so far durable and record how far we got."""
        assert self._out is not None and self._err is not None
        for f in (self._out, self._err):
            f.flush()
            os.fsync(f.fileno())
        state = {
            "version": CHECKPOINT_VERSION,
            "identity": self.identity,
            "rows_done": self.rows_done,
            "output_bytes": self._out.tell(),
            "errors_bytes": self._err.tell(),
            "counts": {name: getattr(self.counts, name) for name in _ROW_COUNTS},
        }
        tmp = self.checkpoint_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.checkpoint_path)
        self._last_rows, self._last_time = self.rows_done, time.monotonic()

    def finish(self) -> bool:
        """Move the finished files into place and drop the checkpoint.

        RETURNS (bool): Whether an errors file was written (it is left out when empty).
        """
        assert self._out is not None and self._err is not None
        for f in (self._out, self._err):
            f.flush()
            os.fsync(f.fileno())
            f.close()
        os.replace(self.partial, self.path)
        has_errors = os.path.getsize(self.errors_partial) > 0
        if has_errors:
            os.replace(self.errors_partial, self.errors_path)
        else:
            os.unlink(self.errors_partial)
        if os.path.exists(self.checkpoint_path):
            os.unlink(self.checkpoint_path)
        return has_errors

    def abandon(self) -> None:
        """Stop after a failure or interruption: checkpoint what is there, keep it for --resume."""
        if self._out is None or self._out.closed:
            return
        try:
            self.checkpoint()
        finally:
            self._out.close()
            if self._err is not None:
                self._err.close()
