"""Errors raised by the library. Messages say what went wrong, show the value, and suggest a fix."""

from __future__ import annotations


class FeedbackError(Exception):
    """Base class for errors a user can act on; the CLI shows them as one line."""


class InputError(FeedbackError, ValueError):
    """The input file cannot be read as a table of comments (not a single bad row)."""


class TaxonomyError(FeedbackError, ValueError):
    """A taxonomy file is invalid. `problems` lists every issue found, not only the first."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"Invalid taxonomy {path}: {len(problems)} problem(s)\n{lines}")


class ModelError(FeedbackError, ValueError):
    """A model directory is missing, tampered with, or of an unknown format."""


class WorkerError(FeedbackError, RuntimeError):
    """A worker process of `--workers N` died; the rows it held were not analysed."""
