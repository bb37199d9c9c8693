"""What a run tells its caller before the first row: shared by the local and the Dask engine."""

from __future__ import annotations

from dataclasses import dataclass

from ..columns import ColumnSpec
from ..config import AnalysisOptions


@dataclass(frozen=True)
class RunStart:
    """What a run is about to do, once everything is validated (for the caller's first words).

    input_name (str): The input as named in messages ("<stdin>" for standard input).
    spec (ColumnSpec): The columns used for the text, the id and the scores.
    analysis (AnalysisOptions): The options in force (the default model decided).
    engine (str): "local" or "dask".
    partition_rows (int): Rows per partition, with the Dask engine.
    resumed_after (int): Rows an interrupted run had done; this run goes on after them.
    checkpoint (str | None): The checkpoint it resumes from.
    """

    input_name: str
    spec: ColumnSpec
    analysis: AnalysisOptions
    engine: str = "local"
    partition_rows: int = 0
    resumed_after: int = 0
    checkpoint: str | None = None
