"""`feedback label`: choose the comments worth labelling and write them as a sheet to fill."""

from __future__ import annotations

from typing import Any

import click

from ..config import DEFAULT_MODEL
from ..errors import FeedbackError
from ..terminal import printable
from .options import fail, read_from, read_options


@click.command("label")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@read_options()
@click.option("-n", "--number", "n", type=click.IntRange(min=1), default=200, show_default=True,
              help="How many comments to choose.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The sheet to write: .csv, or .xlsx (needs the xlsx extra). Instructions go beside it.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help="The model to improve: 'default' (the shipped one) or a model directory, e.g. the one "
                   "adapted in the last round.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Taxonomy whose rule hits the model reads.")
@click.option("--exclude", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A labelled file (e.g. the last round's filled sheet): its comments are not chosen again. Repeatable.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same input, model and seed give the same sheet.")
@click.option("--redact", is_flag=True, help="Mask emails, URLs, IBANs, card, SSN, IP, account and phone numbers first.")
def label(input_path: str, n: int, output: str, model: str, taxonomy: str | None, exclude: tuple[str, ...],
          seed: int, redact: bool, **options: Any) -> None:
    """Choose the comments whose labels would teach the model most, and write them to label.

    The comments are drawn from clusters of similar comments in proportion to their sizes, at
    random in the first round and, once the model has learned from labels (--exclude), those
    it is least sure about; duplicates, non-answers and other languages are left out. The
    sheet has the model's predictions pre-filled and empty `themes` and `sentiment` columns
    to fill ("price:negative; quality:positive", "negative"); `feedback train SHEET --base default`
    then adapts the model with them (docs/labelling.md).

    \b
    Examples:
      feedback label export.csv -n 200 -o to_label.csv
      feedback train to_label.csv --base default -o models/mine
      feedback label export.csv -n 200 --model models/mine --exclude to_label.csv -o round2.csv
    """
    from ..labelling import label as label_comments

    def say(message: str) -> None:
        click.echo(printable(message), err=True)

    try:
        label_comments(input_path, n, output=output, model=model, taxonomy=taxonomy, seed=seed, exclude=exclude,
                       read=read_from(input_path, options, redact=redact), progress=say)
    except FeedbackError as e:
        raise fail(e) from None
