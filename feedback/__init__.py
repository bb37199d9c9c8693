"""feedback: turn exported customer comments into evidence a product team can act on.

    >>> from feedback import analyze
    >>> for record in analyze(["The app is easy to use but support took forever."]):
    ...     print(record["sentiment"]["label"], [t["theme"] for t in record["themes"]])

The public names load on first use (PEP 562), so `import feedback` and `import feedback.report`
or `feedback.stats` do not load spaCy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["analyze", "Analyzer", "AnalyzerConfig", "load_taxonomy", "SCHEMA_VERSION", "__version__"]

# Public name -> the module that defines it.
_LAZY = {
    "analyze": ".pipeline",
    "Analyzer": ".pipeline",
    "AnalyzerConfig": ".pipeline",
    "load_taxonomy": ".themes",
    "SCHEMA_VERSION": ".records",
}

if TYPE_CHECKING:
    from .pipeline import Analyzer, AnalyzerConfig, analyze
    from .records import SCHEMA_VERSION
    from .themes import load_taxonomy


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_LAZY[name], __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
