"""The `feedback` command line: one module per command, shared options in `options`.

Commands are thin: they parse flags into the option objects of feedback.config, call the
library, print what it returns and map its errors to one line (see `options.fail`).
"""

from .main import cli

__all__ = ["cli"]
