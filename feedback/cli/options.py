"""What the commands share: option decorators that build the option objects of feedback.config,
and `fail`, which turns a library error into the one line a person reads.

A group of flags is declared once here (as sqlite-utils' `output_options` does) and every command
that takes it gets the same flags, help and defaults.
"""

from __future__ import annotations

import re
from typing import Any, Callable, TypeVar

import click

from ..config import AUTO_MODEL, MODEL_MODES, AnalysisOptions, ReadOptions
from ..errors import Errors, FeedbackError, OptionsError
from ..terminal import printable

F = TypeVar("F", bound=Callable[..., Any])

INPUT_FORMATS = ("csv", "tsv", "jsonl", "parquet")  # feedback.io.INPUT_FORMATS, without importing io
# feedback.io.vendors.SOURCES' names, without importing io (a test checks they agree).
SOURCE_NAMES = ("qualtrics", "surveymonkey", "typeform", "google-forms", "medallia", "zendesk", "freshdesk",
                "intercom", "google-play", "app-store", "delighted", "hotjar", "trustpilot")


def _stack(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    def apply(fn: F) -> F:
        for decorator in reversed(decorators):
            fn = decorator(fn)
        return fn

    return apply


def _list_sources(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """`--source help` (or `list`): print the built-in sources and the user's presets, and stop."""
    if value is None or value.strip().lower() not in ("help", "list"):
        return value
    from ..io.presets import describe_sources

    try:
        click.echo(describe_sources(ctx.params.get("source_file")))
    except FeedbackError as e:
        raise fail(e) from None
    ctx.exit(0)


def read_options(*, formats: tuple[str, ...] = INPUT_FORMATS, prefix: str = "") -> Callable[[F], F]:
    """--format, --encoding, --sheet, --member, --source, --header-rows, --skip-rows, --limit, --text-column,
    --id-column, --score, --score-map, --date-format: how to read an export."""
    return _stack(
        click.option("--format", "input_format", type=click.Choice(formats),
                     help="Input format (default: from the extension; .gz files are decompressed; "
                          "xlsx reads any workbook: .xlsx, .xls, .ods)."),
        click.option("--encoding", help="Input text encoding (default: detected; a BOM wins)."),
        click.option("--sheet", metavar="NAME", help="In a workbook, the sheet to read (default: the first)."),
        click.option("--member", metavar="NAME", help="In a .zip, the file to read (default: its only one)."),
        click.option("--source-file", type=click.Path(dir_okay=False), metavar="FILE", is_eager=True,
                     help="A TOML file of your own source presets, [sources.NAME] tables (default: feedback.toml "
                          "in the working directory, if there)."),
        click.option("--source", metavar="NAME", is_eager=True, callback=_list_sources,
                     help="The export's vendor, instead of detecting it (" + ", ".join(SOURCE_NAMES) + "), or a "
                          "preset of your own (--source-file); '--source help' lists them."),
        click.option("--header-rows", type=click.IntRange(1), metavar="N",
                     help="Rows the header takes; the 2nd and later are read as question text, not comments "
                          "(default: known survey layouts detected)."),
        click.option("--skip-rows", type=click.IntRange(0), default=0, metavar="N",
                     help="Lines above the header to leave out (a title over the table)."),
        click.option("--limit", type=click.IntRange(1), metavar="N",
                     help="Read only the first N rows (a trial run on a large export)."),
        click.option("--text-column", "text_columns", multiple=True,
                     help=f"{prefix}The column with the comment (default: found by name and content). Repeat it "
                          "to join several (a title and a body) into one comment; the record's text_fields say "
                          "where each one is."),
        click.option("--id-column", help=f"{prefix}The column with the id (default: 'id' or '*_id', else the row number)."),
        click.option("--score", "score_options", multiple=True, metavar="KIND=COLUMN",
                     help=f"{prefix}A score column: nps (0-10), csat (1-5), ces (1-7), ttr (hours), rating, "
                          "or any name. Nested JSON fields by dotted path (satisfaction_rating.score). Repeatable."),
        click.option("--score-map", "score_maps", multiple=True, metavar="LABEL=NUMBER|FILE",
                     help="An answer label read as a score, or a CSV file of LABEL,NUMBER lines; beside the "
                          "built-in labels (Very satisfied, Strongly agree, good/bad...). Repeatable."),
        click.option("--date-format", metavar="FORMAT",
                     help="A strptime format for the date columns, e.g. '%d/%m/%Y %H:%M' (default: chosen per "
                          "column from its values)."),
    )


def read_from(input_path: str, options: dict[str, Any], *, redact: bool = False) -> ReadOptions:
    """ReadOptions from the flags `read_options` added."""
    texts = tuple(options["text_columns"])
    return ReadOptions.make(input_path, format=options["input_format"], encoding=options["encoding"],
                            text_column=texts[0] if len(texts) == 1 else None, text_columns=texts if len(texts) > 1 else (),
                            id_column=options["id_column"], scores=parse_scores(options["score_options"]),
                            redact=redact, sheet=options["sheet"], member=options["member"],
                            source=options["source"], source_file=options["source_file"],
                            header_rows=options["header_rows"],
                            skip_rows=options["skip_rows"], date_format=options["date_format"],
                            limit=options["limit"], score_map=parse_score_map(options["score_maps"]))


def parse_score_map(values: tuple[str, ...]) -> tuple[tuple[str, float], ...]:
    """--score-map LABEL=NUMBER or FILE options -> ((label, number), ...).

    A FILE holds one LABEL,NUMBER per line (CSV; a header line without a number is skipped).
    """
    import csv
    import os

    pairs: list[tuple[str, float]] = []
    for value in values:
        if os.path.isfile(value):
            try:
                with open(value, encoding="utf-8-sig", newline="") as f:
                    lines = [row for row in csv.reader(f) if row and any(cell.strip() for cell in row)]
            except (OSError, UnicodeDecodeError, csv.Error) as e:
                raise click.BadParameter(Errors.E032.format(value=value, reason=e), param_hint="--score-map") from None
            for n, row in enumerate(lines):
                number = _number(row[-1]) if len(row) >= 2 else None
                if number is None:
                    if n == 0:
                        continue  # a header line
                    raise click.BadParameter(Errors.E032.format(value=value, reason=f"line {n + 1}: {row!r}"),
                                             param_hint="--score-map")
                pairs.append((",".join(row[:-1]).strip(), number))
            continue
        label, sep, number_text = value.rpartition("=")
        number = _number(number_text)
        if not sep or not label.strip() or number is None:
            raise click.BadParameter(Errors.E032.format(value=value, reason="not LABEL=NUMBER, and no such file"),
                                     param_hint="--score-map")
        pairs.append((label.strip(), number))
    return tuple(pairs)


def _number(text: str) -> float | None:
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def analysis_options(fn: F) -> F:
    """--taxonomy, --lexicon, --model, --no-model, --model-mode: what to analyse with."""
    return _stack(
        click.option("--taxonomy", metavar="SPEC",
                     help="A taxonomy TOML file instead of the default, optionally with domain packs: "
                          "'default+retail', 'mine.toml+travel' (`feedback themes --packs` lists them)."),
        click.option("--lexicon", type=click.Path(exists=True, dir_okay=False),
                     help="A sentiment lexicon TSV instead of the default."),
        click.option("--model", type=click.Path(file_okay=False),
                     help="A trained theme model directory (see `feedback train`), 'default' for the "
                          "shipped cx-default model, or 'accurate' for its slower, more accurate sentiment (a "
                          "fine-tuned transformer: pip install 'feedback[accurate]'). Default: the shipped model with the taxonomy rules (with "
                          "your own --taxonomy file: the rules alone)."),
        click.option("--no-model", is_flag=True, help="Taxonomy rules only, no trained model."),
        click.option("--model-mode", type=click.Choice(MODEL_MODES), default="combine", show_default=True,
                     help="combine: the model decides, reading rule hits as evidence; model: the model's themes only."),
    )(fn)


def analysis_from(options: dict[str, Any]) -> AnalysisOptions:
    """AnalysisOptions from the flags `analysis_options` added."""
    model = None if options["no_model"] else (options["model"] or AUTO_MODEL)
    return AnalysisOptions(taxonomy=options["taxonomy"], lexicon=options["lexicon"], model=model,
                           model_mode=options["model_mode"])


def workers_option(help: str = "Worker processes (more than one per core does not help). Output is identical "
                                "for any number.") -> Callable[[F], F]:
    return click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help=help)


def parse_scores(values: tuple[str, ...]) -> dict[str, str]:
    """--score KIND=COLUMN options -> {kind: column}."""
    scores = {}
    for value in values:
        kind, sep, column = value.partition("=")
        if not sep or not kind.strip() or not column:
            raise click.BadParameter(Errors.E522.format(value=value), param_hint="--score")
        scores[kind.strip().lower()] = column
    return scores


def parse_map(values: tuple[str, ...]) -> dict[str, str] | None:
    """--map GOLD=THEME options -> {gold: theme}, or None when none were given."""
    if not values:
        return None
    mapping = {}
    for value in values:
        gold, sep, theme = value.partition("=")
        if not sep or not gold or not theme:
            raise click.BadParameter(Errors.E523.format(value=value), param_hint="--map")
        mapping[gold] = theme
    return mapping


# Library parameters whose flag is not simply the name with dashes.
_FLAG_FOR = {"scores": "--score", "score_map": "--score-map", "format": "--format", "errors": "--errors", "input_format": "--format", "fmt": "--format",
             "text_column": "--text-column", "text_columns": "--text-column", "id_column": "--id-column", "min_count": "--min-count",
             "date_column": "--date-column", "partition_rows": "--partition-rows", "model_mode": "--model-mode"}
_PARAMETER = re.compile(r"`([a-z][a-z_]*)`")


def flags_for(message: str) -> str:
    """A library message as the command line says it: `text_column` becomes --text-column.

    Only names that are options of the running command are replaced (others, such as
    `feedback train` in a hint, stay as they are).
    """
    context = click.get_current_context(silent=True)
    flags: dict[str, str] = {}
    if context is not None:
        for param in context.command.params:
            if isinstance(param, click.Option) and param.name:
                long_flags = [o for o in param.opts if o.startswith("--")]
                flags[param.name] = long_flags[0] if long_flags else param.opts[0]
    flags.update({name: flag for name, flag in _FLAG_FOR.items() if name not in flags})

    def replace(match: re.Match[str]) -> str:
        return flags.get(match.group(1), match.group(0))

    return _PARAMETER.sub(replace, message)


def fail(error: FeedbackError) -> click.ClickException:
    """The click exception that prints `error` as one line: a usage error (exit 2) for options
    that do not go together, else an error (exit 1)."""
    message = printable(" ".join(flags_for(str(error)).split("\n")))
    if isinstance(error, OptionsError):
        return click.UsageError(message)
    return click.ClickException(message)
