"""The `feedback report` command: a thin layer over feedback.report and feedback.io's output."""

from __future__ import annotations

from typing import Any, Iterator

import click

from ..config import DEFAULT_MIN_COUNT, PERIODS, ReportOptions
from ..errors import FeedbackError
from ..io import atomic_output
from ..report import FORMATS, format_for, make_report, read_records, render
from .options import fail


@click.command("report")
@click.argument("input_path", metavar="ANALYZED.jsonl", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Report file; the format follows its extension (.json .md .csv .html). '-' is stdout.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format (default: from OUTPUT, else text).")
@click.option("--by", help="A carried field to segment by, e.g. channel.")
@click.option("--period", type=click.Choice(PERIODS), help="Trends per period; needs --date-column.")
@click.option("--date-column", help="The carried field with each comment's date, e.g. submitted_at.")
@click.option("--min-count", default=DEFAULT_MIN_COUNT, show_default=True, type=click.IntRange(1),
              help="Themes and drivers with fewer comments are flagged, hidden from tables and left out of the "
                   "driver fit.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 2),
              help="1: top-level themes; 2: subthemes too.")
@click.option("--seed", default=0, show_default=True, type=int, help="Bootstrap seed (reports are reproducible).")
@click.option("--corrections", type=click.Path(exists=True, dir_okay=False),
              help="A person's corrections (CSV/JSONL: id, themes, sentiment), applied to the records by id as "
                   "ground truth before the report is built.")
def report(input_path: str, output: str, fmt: str | None, by: str | None, period: str | None,
           date_column: str | None, min_count: int, depth: int, seed: int, corrections: str | None) -> None:
    """Which themes move the scores: impact on NPS/CSAT/CES/TTR, drivers, segments, trends.

    ANALYZED.jsonl is what `feedback analyze` wrote, or '-' for stdin.

    \b
    Examples:
      feedback report analyzed.jsonl
      feedback report analyzed.jsonl -o report.html --by channel --period month --date-column submitted_at
      feedback analyze export.csv | feedback report - -o report.json
    """
    try:
        options = ReportOptions(by, period, date_column, min_count, depth, seed)
        fmt = format_for(output, fmt)
        records = read_records(input_path)
        corrected = [0]
        if corrections:
            from ..corrections import correct_records, read_corrections

            records = _counted(correct_records(records, read_corrections(corrections)), corrected)
        result = make_report(records, options)
    except FeedbackError as e:
        raise fail(e) from None
    if corrections:
        click.echo(f"{corrected[0]} records corrected by hand ({corrections}).", err=True)
    document = render(result, fmt)
    with atomic_output(output) as out:
        out.write(document)
    if output != "-":
        click.echo(f"Wrote {output} ({fmt}): {result['n_comments']} comments, {len(result['themes'])} themes.",
                   err=True)



def _counted(records: Iterator[dict[str, Any]], corrected: list[int]) -> Iterator[dict[str, Any]]:
    for record in records:
        corrected[0] += "corrected" in record
        yield record
