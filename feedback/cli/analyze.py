"""`feedback analyze`: flags -> option objects -> `feedback.engine.run_analysis` -> a summary."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import click

from ..config import DEFAULT_PARTITION_ROWS, ENGINES, OUTPUT_FORMATS, OutputOptions, RunCounts, RunOptions
from ..errors import Errors, FeedbackError
from ..terminal import printable
from .options import analysis_from, analysis_options, fail, read_from, read_options, workers_option

if TYPE_CHECKING:
    from ..columns import ColumnSpec


@click.command("analyze")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(allow_dash=True),
              help="File for the records: .jsonl, .parquet, .csv (one row per comment, Excel-safe) or .xlsx (and a "
                   "sheet of theme mentions); '-' is stdout (JSONL); with --engine dask, a directory.")
@read_options()
@analysis_options
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="JSONL file for rows that could not be analysed (default: OUTPUT.errors.jsonl, or stderr when "
                   "OUTPUT is stdout).")
@click.option("--mentions", "mentions_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="With a .csv OUTPUT: also write one row per theme mention (theme, subtheme, polarity, sentiment, "
                   "evidence, offsets) to this CSV file, for BI tools and SQL.")
@workers_option()
@click.option("--redact", is_flag=True,
              help="Mask emails, URLs, IBANs, card, SSN, IP, account and phone numbers as [EMAIL] ... before "
                   "anything is analysed or written (docs/security.md).")
@click.option("--strict", is_flag=True, help="Exit with 1 when any row had a problem or could not be analysed.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run from its last checkpoint (same INPUT, OUTPUT and options).")
@click.option("--checkpoint-every", default=5000, show_default=True, type=click.IntRange(1),
              help="Rows between checkpoints of a file output (also every 10 s).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: only on a terminal).")
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
              help="dask: analyse partitions on a Dask cluster; OUTPUT is then a directory (pip install "
                   "'feedback[dask]').")
@click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: the scheduler (default: a local cluster).")
@click.option("--partition-rows", default=DEFAULT_PARTITION_ROWS, show_default=True, type=click.IntRange(1),
              help="With --engine dask: rows per partition.")
@click.option("--output-format", type=click.Choice(OUTPUT_FORMATS),
              help="Output format (default: from OUTPUT's extension; .parquet needs 'feedback[parquet]', .xlsx "
                   "'feedback[xlsx]').")
@click.option("--corrections", type=click.Path(exists=True, dir_okay=False),
              help="A person's corrections (CSV/JSONL: id, themes, sentiment; a filled `feedback label` sheet "
                   "works): applied to those comments' records as ground truth, marked source 'person'.")
def analyze(input_path: str, output: str, errors_path: str | None, mentions_path: str | None, redact: bool,
            progress: bool | None, output_format: str | None, corrections: str | None, **options: Any) -> None:
    """Analyse comments: one JSONL record per row with sentiment, themes and scores.

    INPUT is a .csv, .tsv, .jsonl or .parquet file, or '-' for stdin. Every row ends as exactly
    one record in OUTPUT or one error record (with its reason and line number) in the errors file.

    \b
    Examples:
      feedback analyze examples/comments.csv -o analyzed.jsonl
      feedback analyze examples/comments.csv -o analyzed.xlsx
      feedback analyze tickets.jsonl --text-column body --score csat=satisfaction
      cat export.csv | feedback analyze - --workers 2 > analyzed.jsonl
    """
    from ..engine import RunStart, run_analysis

    read = read_from(input_path, options, redact=redact)
    analysis = replace(analysis_from(options), corrections=corrections)
    out = OutputOptions(output, format=output_format, errors=errors_path, mentions=mentions_path)
    run = RunOptions(engine=options["engine"], workers=options["workers"], resume=options["resume"],
                     checkpoint_every=options["checkpoint_every"], strict=options["strict"],
                     scheduler=options["scheduler"], partition_rows=options["partition_rows"])
    bar = _progress_bar(progress)

    def announce(start: RunStart) -> None:
        spec = start.spec
        score_note = ", ".join(f"{kind}={column}" for column, (kind, _) in spec.scores.items()) or "none"
        engine = f"; engine: dask, {start.partition_rows:,} rows per partition" if start.engine == "dask" else ""
        text = " + ".join(repr(column) for column in spec.texts)
        click.echo(printable(f"Reading {start.input_name}: text={text}, id={spec.id or 'row number'!r}, "
                             f"scores: {score_note}; themes: {start.analysis.themes_by}{engine}"), err=True)
        picked = _picked_note(spec)
        if picked:
            click.echo(printable(f"Columns: {picked}."), err=True)
        if start.resumed_after:
            click.echo(f"Resuming after row {start.resumed_after} (checkpoint {start.checkpoint}).", err=True)

    try:
        counts = run_analysis(read, analysis, out, run, on_start=announce, progress=bar.update)
    except FeedbackError as e:
        raise fail(e) from None
    finally:
        bar.close()
    click.echo(_summary(counts, out, run), err=True)
    if redact:
        masked = ", ".join(f"{n} {kind}" for kind, n in sorted(counts.redacted.items())) or "nothing"
        note = (" (this run only; rows before the checkpoint were counted when first written)"
                if run.resume and run.engine == "local" else "")
        click.echo(f"Redacted: {masked}{note}.", err=True)
    if run.strict and not counts.clean:
        raise fail(FeedbackError(Errors.E515))


def _picked_note(spec: ColumnSpec) -> str:
    """Why detection picked a column, for the picks a plain name match does not explain."""
    columns = {"text": spec.text, "id": spec.id,
               **{f"score {kind}": column for column, (kind, _) in spec.scores.items()}}
    def said(role: str, why: str) -> str:
        if role.startswith("note"):
            return why
        return f"{role} {columns[role]!r} {why}" if columns.get(role) is not None else f"{role}: {why}"

    return "; ".join(said(role, why) for role, why in spec.why.items() if why and why != "by name" and role != "title")


def _summary(counts: RunCounts, output: OutputOptions, run: RunOptions) -> str:
    if counts.rows == 0:
        return "Read 0 rows: the input has no rows under its header; nothing was analysed (the output is empty)."
    summary = (
        f"Read {counts.rows} rows: {counts.analysed} analysed "
        f"({counts.with_problems} with problems noted in the record), "
        f"{counts.errors} could not be analysed"
    )
    if counts.errors and run.engine == "dask":
        summary += f" (see the {counts.error_files} part-*.errors.jsonl files)"
    elif counts.errors and output.errors_path != "-":
        summary += f" (see {output.errors_path})"
    if counts.duplicates:
        summary += f"; {counts.duplicates} repeat an earlier comment (duplicate_of in the record)"
    scored = counts.analysed - counts.no_answer - counts.not_english
    if counts.no_answer or counts.not_english:
        summary += (f"; {counts.no_answer} non-answers and {counts.not_english} comments not in English were "
                    "kept without sentiment or themes")
    if scored:
        summary += (f"; {counts.unthemed} ({100 * counts.unthemed / scored:.1f}%) "
                    "have no theme (`feedback discover` finds what they talk about)")
    if counts.corrected:
        summary += f"; {counts.corrected} corrected by hand (--corrections)"
    summary += "."
    if run.engine == "dask":
        import os

        summary += f" {counts.partitions} partitions in {os.path.abspath(output.path)} (see manifest.json)."
    return summary


def _progress_bar(enabled: bool | None) -> Any:
    from tqdm import tqdm

    # tqdm's disable=None means "only when stderr is a terminal", so pipes and CI stay quiet.
    return tqdm(unit=" comments", file=sys.stderr, disable=None if enabled is None else not enabled,
                mininterval=0.5, leave=False)
