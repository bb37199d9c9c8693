"""The `feedback report` command: a thin layer over feedback.report and feedback.io's output."""

from __future__ import annotations

from typing import Any, Iterator

import click

from ..config import DEFAULT_MAX_COMMENTS, DEFAULT_MIN_COUNT, PERIODS, REPORT_FORMATS, ReportOptions
from ..errors import FeedbackError
from ..io import atomic_output
from .options import fail


@click.command("report")
@click.argument("input_path", metavar="ANALYZED", type=click.Path(allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Report file; the format follows its extension (.json .md .csv .html). '-' is stdout.")
@click.option("--format", "fmt", type=click.Choice(REPORT_FORMATS), help="Output format (default: from OUTPUT, else text).")
@click.option("--by", multiple=True, metavar="COLUMN",
              help="A carried field to segment by, e.g. channel: per segment volume, sentiment, theme shares and "
                   "scores, each tested against the other comments. Repeatable: one table per column (not crossed).")
@click.option("--where", multiple=True, metavar="COLUMN=VALUE",
              help="Report only comments whose carried field has this value (COLUMN!=VALUE: all but). Repeatable; "
                   "all must hold. '(missing)' matches an empty value.")
@click.option("--period", type=click.Choice(PERIODS),
              help="Trends per period, by --date-column, or by the records' date field when they carry only one.")
@click.option("--date-column", help="The carried field with each comment's date, e.g. submitted_at.")
@click.option("--min-count", default=DEFAULT_MIN_COUNT, show_default=True, type=click.IntRange(1),
              help="Themes and drivers with fewer comments are flagged, hidden from tables and left out of the "
                   "driver fit.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(1, 2),
              help="1: top-level themes; 2: subthemes too.")
@click.option("--seed", default=0, show_default=True, type=int, help="Bootstrap seed (reports are reproducible).")
@click.option("--fdr/--no-fdr", default=True, show_default=True,
              help="Benjamini-Hochberg false discovery rate control (5%) across each family of tests: impacts, "
                   "drivers, segment differences, emerging themes, co-occurring pairs. --no-fdr: each test alone.")
@click.option("--max-comments", default=DEFAULT_MAX_COMMENTS, show_default=True, type=click.IntRange(0),
              help="HTML: comments embedded for filtering and reading; beyond, a random sample (seeded by --seed), "
                   "the report's own figures staying exact. 0: a static page without script.")
@click.option("--corrections", type=click.Path(exists=True, dir_okay=False),
              help="A person's corrections (CSV/JSONL: id, themes, sentiment), applied to the records by id as "
                   "ground truth before the report is built.")
@click.option("--source", metavar="NAME",
              help="Your source preset (feedback.toml or --source-file): its segments are --by, and its first "
                   "date column --date-column, where those are not given.")
@click.option("--source-file", type=click.Path(dir_okay=False), metavar="FILE",
              help="A TOML file of source presets (default: feedback.toml in the working directory).")
def report(input_path: str, output: str, fmt: str | None, by: tuple[str, ...], where: tuple[str, ...],
           period: str | None, date_column: str | None, min_count: int, depth: int, seed: int, fdr: bool,
           max_comments: int, corrections: str | None, source: str | None, source_file: str | None) -> None:
    """Themes, sentiment, segments and trends; with scores, which themes move them (impact, drivers).

    ANALYZED is what `feedback analyze` wrote: a .jsonl file ('-' for stdin), a .parquet file,
    or the output directory of `--engine dask`.

    \b
    Examples:
      feedback report analyzed.jsonl
      feedback report analyzed.parquet -o report.md
      feedback report analyzed.jsonl -o report.html --by channel --period month --date-column submitted_at
      feedback report analyzed.jsonl -o report.md --by region --by plan --where channel=app
      feedback analyze export.csv | feedback report - -o report.json
    """
    # Imported here: registering the command must not load the report package (and numpy).
    from ..report import format_for, make_report, read_records, render
    from ..report.interactive import CommentSample
    from ..report.render_html import render_html

    try:
        if source:
            from ..io.presets import resolve_source

            preset, _ = resolve_source(source, source_file)
            if preset is not None:
                by = by or preset.segments
                date_column = date_column or (preset.dates[0] if period and preset.dates else None)
        if period and not date_column and input_path != "-":
            date_column = _only_date_field(input_path)
        options = ReportOptions(by, period, date_column, min_count, depth, seed, where, fdr)
        fmt = format_for(output, fmt)
        sample = CommentSample(options, max_comments=max_comments) if fmt == "html" and max_comments else None
        records = read_records(input_path)
        corrected = [0]
        if corrections:
            from ..corrections import correct_records, read_corrections

            records = _counted(correct_records(records, read_corrections(corrections)), corrected)
        result = make_report(sample.tap(records) if sample else records, options)
    except FeedbackError as e:
        raise fail(e) from None
    if corrections:
        click.echo(f"{corrected[0]} records corrected by hand ({corrections}).", err=True)
    document = render_html(result, comments=sample) if sample else render(result, fmt)
    with atomic_output(output) as out:
        out.write(document)
    if output != "-":
        click.echo(f"Wrote {output} ({fmt}): {result['n_comments']} comments, {len(result['themes'])} themes.",
                   err=True)



def _only_date_field(input_path: str) -> str | None:
    """The records' one date field, for `--period` without `--date-column`; None when they carry
    none (the options then say a date column is needed). RAISES (OptionsError): Several."""
    import shlex

    from ..errors import Errors, OptionsError
    from ..report.records_in import date_fields

    found = date_fields(input_path)
    if len(found) > 1:
        raise OptionsError(Errors.E541.format(n=len(found), names=", ".join(repr(f) for f in found), first=shlex.quote(found[0])))
    if found:
        click.echo(f"Trends by {found[0]!r}, the records' only date field (--date-column names another).", err=True)
    return found[0] if found else None


def _counted(records: Iterator[dict[str, Any]], corrected: list[int]) -> Iterator[dict[str, Any]]:
    for record in records:
        corrected[0] += "corrected" in record
        yield record
