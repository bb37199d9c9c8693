"""feedback: turn exported customer comments into evidence a product team can act on.

    >>> from feedback import analyze
    >>> for record in analyze(["The app is easy to use but support took forever."]):
    ...     print(record["sentiment"]["label"], [t["theme"] for t in record["themes"]])

    >>> from feedback import analyze_frame
    >>> table = analyze_frame(df, text_column="comment")   # a pandas DataFrame in, one out, row for row

The names below are imported on first use (PEP 562), so `import feedback` and modules that need
no NLP (`feedback.report`, `feedback.stats`, `feedback.config`) do not load spaCy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .lazy import lazy_exports

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "analyze": "pipeline",
    "analyze_frame": "frames",
    "to_frame": "frames",
    "to_mentions": "frames",
    "to_arrow": "frames",
    "Analyzer": "pipeline",
    "ReadOptions": "config",
    "AnalysisOptions": "config",
    "OutputOptions": "config",
    "RunOptions": "config",
    "RunCounts": "config",
    "run_analysis": "engine",
    "load_taxonomy": "themes",
    "load_model": "model",
    "train": "model",
    "evaluate": "model",
    "read_labelled": "io.labelled",
    "make_report": "report",
    "discover": "discover",
    "FeedbackError": "errors",
    "SCHEMA_VERSION": "records",
}

if TYPE_CHECKING:
    from .config import AnalysisOptions, OutputOptions, ReadOptions, RunCounts, RunOptions
    from .discover import discover
    from .engine import run_analysis
    from .errors import FeedbackError
    from .frames import analyze_frame, to_arrow, to_frame, to_mentions
    from .io.labelled import read_labelled
    from .model import evaluate, load_model, train
    from .pipeline import Analyzer, analyze
    from .records import SCHEMA_VERSION
    from .report import make_report
    from .themes import load_taxonomy


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


__all__ = [  # the same names as _EXPORTS (tests/test_architecture.py checks), spelled out for linters
    "__version__", "analyze", "analyze_frame", "to_frame", "to_mentions", "to_arrow", "Analyzer", "ReadOptions", "AnalysisOptions", "OutputOptions", "RunOptions",
    "RunCounts", "run_analysis", "load_taxonomy", "load_model", "train", "evaluate", "read_labelled",
    "make_report", "discover", "FeedbackError", "SCHEMA_VERSION",
]
