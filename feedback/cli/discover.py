"""`feedback discover`: a thin command over feedback.discover (registered in `main`). It maps
flags to the library's parameters, prints what the library returns, and shows its errors as
one line."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from ..discover import DEFAULT_SAMPLE, DEFAULT_SEED
from ..errors import Errors, FeedbackError
from ..io import atomic_output
from .options import fail, read_from, read_options, workers_option


@click.command("discover")
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-k", "--topics", "n_topics", type=click.IntRange(2, 200),
              help="Number of topics to fit (default: the most coherent of 5-30).")
@click.option("--only-unthemed", is_flag=True,
              help="Model only the comments with no theme, leaving out the words the taxonomy already matches.")
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="TOML file for the candidates; '-' is stdout.")
@click.option("--merge-with", "merge_with", metavar="default|FILE",
              help="Write this taxonomy (or the default one) plus the candidates: a complete file for --taxonomy.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False),
              help="The taxonomy the comments were (or are to be) analysed with (default: the built-in one).")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int,
              help="Seeds the sample and NMF: the same input and seed give the same candidates.")
@click.option("--sample", default=DEFAULT_SAMPLE, show_default=True, type=click.IntRange(100, None),
              help="Fit on at most this many comments (a seeded sample); every comment is then assigned.")
@click.option("--examples", "n_examples", default=3, show_default=True, type=click.IntRange(0, 20),
              help="Example comments per candidate.")
@click.option("--min-size", type=click.IntRange(1, None),
              help="Fewest comments in a candidate (default: 5 or 0.2% of the comments, whichever is more).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="Also write everything found (candidates, dropped topics and why) as JSON.")
@click.option("--redact", is_flag=True,
              help="Mask emails, URLs, IBANs, card, SSN, IP, account and phone numbers in the comments (and "
                   "column names) before anything is read from them: examples and terms hold none (docs/security.md).")
@read_options(prefix="Raw input: ")
@workers_option("Raw input: analysis processes.")
def discover(
    input_path: str,
    n_topics: int | None,
    only_unthemed: bool,
    output: str,
    merge_with: str | None,
    taxonomy: str | None,
    seed: int,
    sample: int,
    n_examples: int,
    min_size: int | None,
    json_path: str | None,
    redact: bool,
    workers: int,
    **read: Any,
) -> None:
    """Find recurring topics the taxonomy misses and write them as candidate themes.

    INPUT is the JSONL that `feedback analyze` wrote, or a raw export (.csv, .tsv, .jsonl, or
    '-' for stdin), which is analysed first. Topics come from TF-IDF over lemmas and short
    phrases, factorised by NMF; those that are coherent, about something, new and distinct
    become candidates, each a [themes.<id>] table in taxonomy format, with its size, the share
    of comments with no theme it covers, mean sentiment and scores, and example comments.

    \b
    Examples:
      feedback discover analyzed.jsonl -o candidates.toml
      feedback discover analyzed.jsonl --only-unthemed -k 10
      feedback discover analyzed.jsonl --merge-with default -o merged.toml
      feedback analyze export.csv --taxonomy merged.toml -o reanalyzed.jsonl
    """
    # Imported here: registering the command must not load spaCy and scikit-learn.
    from ..discover import (
        candidates_toml,
        format_report,
        merge_toml,
        open_corpus,
        taxonomy_text,
    )
    from ..discover import discover as discover_topics
    from ..themes import load_taxonomy

    base_path = None if merge_with in (None, "default") else merge_with
    if base_path is not None and not os.path.isfile(base_path):
        raise click.BadParameter(Errors.E524.format(value=base_path), param_hint="--merge-with")
    try:
        # Candidates are compared with the taxonomy the comments were analysed with: --taxonomy,
        # else the one they are to be merged into, else the default.
        analysed_with = taxonomy or base_path
        tax = load_taxonomy(analysed_with)
        base_text = taxonomy_text(base_path) if merge_with else None
        corpus, analysing = open_corpus(read_from(input_path, read, redact=redact), taxonomy=analysed_with, workers=workers)
        if analysing:
            themes_by = f"the rules of {analysed_with}" if analysed_with else "the default rules and model"
            click.echo(f"{_name(input_path)} is not `feedback analyze` output: analysing it first, "
                       f"with {themes_by}.", err=True)
        found = discover_topics(corpus, taxonomy=tax, n_topics=n_topics, only_unthemed=only_unthemed,
                                sample=sample, seed=seed, n_examples=n_examples, min_size=min_size)
        source = _name(input_path)
        if base_text is not None:
            text: str | None = merge_toml(found, base_text, source=source)
        else:
            text = candidates_toml(found, source=source) if found.candidates else None
    except FeedbackError as e:
        raise fail(e) from None
    # The report is for people: on stdout, unless the TOML goes there.
    report_to_stderr = output == "-"
    click.echo(format_report(found), err=report_to_stderr)
    if text is None:
        click.echo("No candidate themes found, so no taxonomy file was written.", err=True)
    else:
        with atomic_output(output) as f:
            f.write(text)
        if output != "-":
            what = "taxonomy with the candidates" if merge_with else "candidates"
            click.echo(f"Wrote the {what} to {output}; check it with `feedback themes --check {output}`.", err=True)
    if json_path:
        with atomic_output(json_path) as f:
            f.write(json.dumps(found.to_dict(), indent=2, ensure_ascii=False) + "\n")


def _name(path: str) -> str:
    return "<stdin>" if path == "-" else Path(path).name
