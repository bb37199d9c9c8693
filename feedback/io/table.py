"""The table every reader opens: column names, a stream of rows, and what was learnt reading it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from ..records import ErrorRecord, SourceRow


@dataclass
class Table:
    """An opened input: its column names (header order) and a stream of rows.

    labels (dict[str, str]): Column -> question text, for survey exports whose column names
        are field ids (`io.layouts`).
    layout (str | None): The export layout recognised (e.g. "Qualtrics"), None for a plain table.
    sample (list[dict[str, Any]]): Values of the first rows, for telling columns apart by
        content (`io.open_input` fills it; the rows are still all in `rows`).
    notes (list[str]): What reading decided about the whole file or a whole column (an
        encoding guessed, a date format chosen, a vendor recognised), said once, not per row.
    preset (dict[str, Any]): A recognised vendor's columns: "text_columns", "id_column", "scores".
    rescan (Callable[[], Iterator[SourceRow | ErrorRecord]] | None): A fresh stream of the same
        rows, for a first pass over the whole input (JSON keys first seen late); None when the
        input cannot be read twice (standard input, a pipe, a zip member).
    empty (bool): The input has a header (or a JSON array or envelope) but no rows.
    """

    columns: list[str]
    rows: Iterator[SourceRow | ErrorRecord]
    format: str
    name: str
    encoding: str = "utf-8"
    labels: dict[str, str] = field(default_factory=dict)
    layout: str | None = None
    sample: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # A vendor's column picks (`io.vendors`), used where the options name none.
    preset: dict[str, Any] = field(default_factory=dict)
    rescan: Callable[[], Iterator[SourceRow | ErrorRecord]] | None = None
    # No rows under the header (known once sampled): nothing to analyse, and not an error.
    empty: bool = False
