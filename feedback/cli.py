"""The `feedback` command line: a thin layer over feedback.io and feedback.pipeline."""

from __future__ import annotations

import json
import os
import sys
from contextlib import ExitStack
from typing import Any

import click

from . import __version__
from .columns import resolve_columns
from .errors import FeedbackError, TaxonomyError
from .io import FORMATS, atomic_output, open_table
from .pipeline import AnalyzerConfig, run
from .themes import load_taxonomy


def _fail(error: Exception) -> click.ClickException:
    return click.ClickException(str(error))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="feedback")
def cli() -> None:
    """Turn exported customer comments into evidence: sentiment, themes, and what moves scores.

    \b
    Quick start:
      feedback analyze examples/comments.csv -o analyzed.jsonl
      feedback themes
    """


def _parse_scores(values: tuple[str, ...]) -> dict[str, str]:
    scores = {}
    for value in values:
        kind, sep, column = value.partition("=")
        if not sep or not kind.strip() or not column:
            raise click.BadParameter(
                f"{value!r} is not KIND=COLUMN, e.g. nps=likelihood_to_recommend", param_hint="--score"
            )
        scores[kind.strip().lower()] = column
    return scores


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="JSONL file for the records; '-' is stdout.")
@click.option("--format", "input_format", type=click.Choice(FORMATS), help="Input format (default: from the extension).")
@click.option("--encoding", help="Input text encoding (default UTF-8; a BOM wins).")
@click.option("--text-column", help="Column with the comment (default: found by name).")
@click.option("--id-column", help="Column with the id (default: 'id' or '*_id', else the row number).")
@click.option("--score", "score_options", multiple=True, metavar="KIND=COLUMN",
              help="A score column: nps (0-10), csat (1-5), ces (1-7), ttr (hours), rating, or any name. Repeatable.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="A taxonomy TOML file instead of the default.")
@click.option("--lexicon", type=click.Path(exists=True, dir_okay=False), help="A sentiment lexicon TSV instead of the default.")
@click.option("--model", type=click.Path(exists=True, file_okay=False), help="A trained theme model directory (see `feedback train`).")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="JSONL file for rows that could not be analysed (default: OUTPUT.errors.jsonl, or stderr when OUTPUT is stdout).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, os.cpu_count() or 64),
              help="Worker processes. Output is identical for any number.")
@click.option("--strict", is_flag=True, help="Exit with 1 when any row had a problem or could not be analysed.")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: only on a terminal).")
def analyze(
    input_path: str,
    output: str,
    input_format: str | None,
    encoding: str | None,
    text_column: str | None,
    id_column: str | None,
    score_options: tuple[str, ...],
    taxonomy: str | None,
    lexicon: str | None,
    model: str | None,
    errors_path: str | None,
    workers: int,
    strict: bool,
    progress: bool | None,
) -> None:
    """Analyse comments: one JSONL record per row with sentiment, themes and scores.

    INPUT is a .csv, .tsv or .jsonl file, or '-' for stdin. Every row ends as exactly one
    record in OUTPUT or one error record (with its reason and line number) in the errors file.

    \b
    Examples:
      feedback analyze examples/comments.csv -o analyzed.jsonl
      feedback analyze tickets.jsonl --text-column body --score csat=satisfaction
      cat export.csv | feedback analyze - --workers 2 > analyzed.jsonl
    """
    scores = _parse_scores(score_options)
    config = AnalyzerConfig(taxonomy=taxonomy, lexicon=lexicon, model=model)
    try:
        if taxonomy:
            load_taxonomy(taxonomy)  # fail before reading any input
        table = open_table(input_path, fmt=input_format, encoding=encoding)
        spec = resolve_columns(table.columns, text_column=text_column, id_column=id_column, scores=scores)
    except (FeedbackError, LookupError) as e:
        raise _fail(e) from None
    if errors_path is None:
        errors_path = "-" if output == "-" else output + ".errors.jsonl"
    score_note = ", ".join(f"{kind}={column}" for column, (kind, _) in spec.scores.items()) or "none"
    click.echo(f"Reading {table.name}: text={spec.text!r}, id={spec.id or 'row number'!r}, scores: {score_note}", err=True)

    counts = {"rows": 0, "analysed": 0, "with_problems": 0, "errors": 0}
    with ExitStack() as stack:
        out = stack.enter_context(atomic_output(output))
        err_out = sys.stderr if errors_path == "-" else None
        bar = _progress(progress)
        stack.callback(bar.close)
        try:
            for status, line in run(table.rows, spec, config=config, workers=workers):
                counts["rows"] += 1
                bar.update()
                if status == "error":
                    counts["errors"] += 1
                    if err_out is None:
                        err_out = stack.enter_context(atomic_output(errors_path))
                    err_out.write(line + "\n")
                else:
                    counts["analysed"] += 1
                    if status == "problems":
                        counts["with_problems"] += 1
                    out.write(line + "\n")
        except FeedbackError as e:
            raise _fail(e) from None
    summary = (
        f"Read {counts['rows']} rows: {counts['analysed']} analysed "
        f"({counts['with_problems']} with problems noted in the record), "
        f"{counts['errors']} could not be analysed"
    )
    if counts["errors"] and errors_path != "-":
        summary += f" (see {errors_path})"
    click.echo(summary + ".", err=True)
    if strict and (counts["errors"] or counts["with_problems"]):
        raise click.ClickException("--strict: some rows had problems (see the summary above)")


def _progress(enabled: bool | None) -> Any:
    from tqdm import tqdm

    # tqdm's disable=None means "only when stderr is a terminal", so pipes and CI stay quiet.
    return tqdm(unit=" comments", file=sys.stderr, disable=None if enabled is None else not enabled,
                mininterval=0.5, leave=False)


@cli.command()
@click.option("--taxonomy", type=click.Path(dir_okay=False), help="Show this taxonomy instead of the default.")
@click.option("--check", "check_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Validate a taxonomy file and report every problem.")
@click.option("--json", "as_json", is_flag=True, help="Print the taxonomy as JSON.")
def themes(taxonomy: str | None, check_path: str | None, as_json: bool) -> None:
    """List the themes of the taxonomy in use, or check a taxonomy file.

    \b
    Examples:
      feedback themes
      feedback themes --check my_taxonomy.toml
    """
    try:
        tax = load_taxonomy(check_path or taxonomy)
    except TaxonomyError as e:
        raise _fail(e) from None
    if check_path:
        n_sub = sum(len(t.subthemes) for t in tax.themes)
        click.echo(f"OK: {check_path} ({tax.name} {tax.version}): {len(tax.themes)} themes, {n_sub} subthemes")
        return
    if as_json:
        data = {
            "name": tax.name,
            "version": tax.version,
            "source": tax.source,
            "sha256": tax.sha256,
            "themes": [
                {
                    "id": t.id,
                    "label": t.label,
                    "description": t.description,
                    "n_rules": len(t.terms) + len(t.exact) + len(t.patterns),
                    "subthemes": [{"id": s.id, "label": s.label} for s in t.subthemes],
                }
                for t in tax.themes
            ],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    click.echo(f"{tax.name} {tax.version} ({tax.source})")
    for t in tax.themes:
        n_rules = len(t.terms) + len(t.exact) + len(t.patterns)
        click.echo(f"\n{t.id:<20} {t.label}  [{n_rules} rules]")
        if t.description:
            click.echo(f"{'':<20} {t.description}")
        for s in t.subthemes:
            click.echo(f"  {s.id:<28} {s.label}")


def main() -> None:  # pragma: no cover - console entry point helper
    cli(prog_name="feedback")
