"""The `feedback sources` command: the export shapes `--source` names, built in and the user's own."""

from __future__ import annotations

import click

from ..errors import FeedbackError
from .options import fail


@click.command("sources")
@click.option("--source-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="A TOML file of your own source presets (default: feedback.toml in the working directory).")
def sources(source_file: str | None) -> None:
    """List the sources `--source NAME` takes: built-in vendors and your own presets.

    A preset is a [sources.NAME] table in feedback.toml (or --source-file) naming your export's
    text, id, score and date columns, header rows, score labels and date format (docs/exports.md).

    \b
    Example:
      feedback sources
      feedback analyze kiosk.csv --source kiosk -o analyzed.jsonl
    """
    from ..io.presets import describe_sources

    try:
        click.echo(describe_sources(source_file))
    except FeedbackError as e:
        raise fail(e) from None
