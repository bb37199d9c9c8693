"""feedback: turn exported customer comments into evidence a product team can act on.

    >>> from feedback import analyze
    >>> for record in analyze(["The app is easy to use but support took forever."]):
    ...     print(record["sentiment"]["label"], [t["theme"] for t in record["themes"]])
"""

from .pipeline import Analyzer, AnalyzerConfig, analyze
from .records import SCHEMA_VERSION
from .themes import load_taxonomy

__version__ = "0.1.0"
__all__ = ["analyze", "Analyzer", "AnalyzerConfig", "load_taxonomy", "SCHEMA_VERSION", "__version__"]
