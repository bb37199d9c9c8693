"""The `feedback` command group; each command lives in a module of its own."""

from __future__ import annotations

import signal

import click

from .. import __version__
from .analyze import analyze
from .discover import discover
from .evaluate import evaluate
from .label import label
from .report import report
from .sources import sources
from .themes import themes
from .train import train


HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}


@click.group(context_settings=HELP_OPTIONS)
@click.version_option(__version__, prog_name="feedback")
def cli() -> None:
    """Turn exported customer comments into evidence: sentiment, themes, and what moves scores.

    \b
    Quick start:
      feedback analyze examples/comments.csv -o analyzed.jsonl
      feedback themes
    """
    if hasattr(signal, "SIGXFSZ"):
        # Past a file size limit (ulimit -f), write() then fails with EFBIG and the run ends
        # with a message and its checkpoint, instead of the process being killed outright.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


for command in (analyze, themes, label, train, evaluate, report, discover, sources):
    # -h works on each command even when it is run on its own (as tests and embedders do).
    command.context_settings.update(HELP_OPTIONS)
    cli.add_command(command)
