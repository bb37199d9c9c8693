"""Reports: which themes move the scores, from records as `feedback analyze` writes them.

    >>> from feedback.report import make_report, read_records, render
    >>> report = make_report(read_records("analyzed.jsonl"), by="channel")
    >>> print(render(report, "md"))

The report is built in one streaming pass (aggregate), then computed from the accumulated
columns (build, with drivers and feedback.stats) and rendered (formats: text, JSON, Markdown,
CSV; render_html: the HTML page with its charts). Importing this package loads no spaCy.
"""

from ..config import DEFAULT_MIN_COUNT, PERIODS, ReportOptions
from .aggregate import Aggregate, ReportAccumulator
from .build import REPORT_VERSION, build_report, make_report
from .formats import FORMATS, format_for, render
from .records_in import read_records

__all__ = [
    "DEFAULT_MIN_COUNT",
    "FORMATS",
    "PERIODS",
    "REPORT_VERSION",
    "ReportOptions",
    "Aggregate",
    "ReportAccumulator",
    "build_report",
    "format_for",
    "make_report",
    "read_records",
    "render",
]
