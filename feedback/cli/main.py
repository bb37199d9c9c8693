"""The `feedback` command group; each command lives in a module of its own."""

from __future__ import annotations

import click

from .. import __version__
from .analyze import analyze
from .discover import discover
from .evaluate import evaluate
from .report import report
from .themes import themes
from .train import train


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedback")
def cli() -> None:
    """Turn exported customer comments into evidence: sentiment, themes, and what moves scores.

    \b
    Quick start:
      feedback analyze examples/comments.csv -o analyzed.jsonl
      feedback themes
    """


for command in (analyze, themes, train, evaluate, report, discover):
    cli.add_command(command)
