"""The engine: the one place an analysis of a file is run, whatever runs it.

`run_analysis` validates everything first (options, taxonomy, lexicon, model, input, columns),
then analyses the rows on this machine (`engine.local`, worker processes) or on a Dask cluster
(`engine.dask`), writes them to a sink (`feedback.io.sinks`) and returns what happened as
`RunCounts`. The CLI only turns flags into options, prints the counts and applies `--strict`.
"""

from __future__ import annotations

from .run import resume_identity, run_analysis, validate
from .start import RunStart

__all__ = ["RunStart", "resume_identity", "run_analysis", "validate"]
