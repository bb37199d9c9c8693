"""The `feedback` command line: a thin layer over feedback.io and feedback.pipeline."""

from __future__ import annotations

import itertools
import json
import os
import signal
import sys
import threading
from collections import Counter
from contextlib import ExitStack
from typing import Any, Callable

import click

from .. import __version__
from ..checkpoint import CheckpointedOutput, input_fingerprint
from .options import parse_map, parse_scores
from ..columns import resolve_columns
from ..errors import FeedbackError, TaxonomyError
from ..io import FORMATS, atomic_output, open_table
from ..pipeline import DEFAULT_MODEL, AnalyzerConfig, run
from ..themes import load_taxonomy


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


@cli.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="JSONL file for the records; '-' is stdout.")
@click.option("--format", "input_format", type=click.Choice([*FORMATS, "parquet"]),
              help="Input format (default: from the extension).")
@click.option("--encoding", help="Input text encoding (default UTF-8; a BOM wins).")
@click.option("--text-column", help="Column with the comment (default: found by name).")
@click.option("--id-column", help="Column with the id (default: 'id' or '*_id', else the row number).")
@click.option("--score", "score_options", multiple=True, metavar="KIND=COLUMN",
              help="A score column: nps (0-10), csat (1-5), ces (1-7), ttr (hours), rating, or any name. Repeatable.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="A taxonomy TOML file instead of the default.")
@click.option("--lexicon", type=click.Path(exists=True, dir_okay=False), help="A sentiment lexicon TSV instead of the default.")
@click.option("--model", type=click.Path(exists=True, file_okay=False),
              help="A trained theme model directory (default: the shipped cx-default model; see `feedback train`).")
@click.option("--no-model", is_flag=True, help="Taxonomy rules only, no trained model (the default with --taxonomy).")
@click.option("--model-mode", type=click.Choice(["combine", "model"]), default="combine", show_default=True,
              help="combine: the model decides, reading rule hits as evidence; model: the model's themes only.")
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, allow_dash=True),
              help="JSONL file for rows that could not be analysed (default: OUTPUT.errors.jsonl, or stderr when OUTPUT is stdout).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, os.cpu_count() or 64),
              help="Worker processes. Output is identical for any number.")
@click.option("--redact", is_flag=True,
              help="Mask emails, URLs, IBANs, card and phone numbers as [EMAIL] ... before anything is analysed or written.")
@click.option("--strict", is_flag=True, help="Exit with 1 when any row had a problem or could not be analysed.")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run from its last checkpoint (same INPUT, OUTPUT and options).")
@click.option("--checkpoint-every", default=5000, show_default=True, type=click.IntRange(1),
              help="Rows between checkpoints of a file output (also every 10 s).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: only on a terminal).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="dask: analyse partitions on a Dask cluster; OUTPUT is then a directory (pip install 'feedback[dask]').")
@click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: the scheduler (default: a local cluster).")
@click.option("--partition-rows", default=20_000, show_default=True, type=click.IntRange(1),
              help="With --engine dask: rows per partition.")
@click.option("--output-format", type=click.Choice(["jsonl", "parquet"]),
              help="Output format (default: from OUTPUT's extension; .parquet needs 'feedback[parquet]').")
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
    no_model: bool,
    model_mode: str,
    errors_path: str | None,
    workers: int,
    redact: bool,
    strict: bool,
    resume: bool,
    checkpoint_every: int,
    progress: bool | None,
    engine: str,
    scheduler: str | None,
    partition_rows: int,
    output_format: str | None,
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
    scores = parse_scores(score_options)
    if resume and (input_path == "-" or output == "-"):
        raise click.UsageError("--resume needs an input file and -o OUTPUT file (not stdin/stdout)")
    if no_model:
        model = None
    elif model is None and taxonomy is None:
        model = DEFAULT_MODEL
    config = AnalyzerConfig(taxonomy=taxonomy, lexicon=lexicon, model=model, model_mode=model_mode)
    if engine == "dask":
        unused = [flag for flag, value in (("--errors", errors_path), ("--resume", resume), ("--workers", workers > 1)) if value]
        if unused:
            raise click.UsageError(f"{', '.join(unused)} do not apply with --engine dask (partitions are the unit of work)")
        from .distributed import run_dask_cli

        try:
            run_dask_cli(input_path, output, input_format=input_format, encoding=encoding, text_column=text_column,
                         id_column=id_column, scores=scores, config=config, scheduler=scheduler,
                         output_format=output_format or "jsonl", partition_rows=partition_rows, redact=redact,
                         strict=strict, progress=progress)
        except FeedbackError as e:
            raise _fail(e) from None
        return
    if output_format is None:
        output_format = "parquet" if output.lower().endswith(".parquet") else "jsonl"
    if output_format == "parquet" and (output == "-" or resume):
        raise click.UsageError("Parquet output needs -o FILE and cannot be resumed; use JSONL for --resume")
    try:
        if taxonomy:
            load_taxonomy(taxonomy)  # fail before reading any input
        if model and model != DEFAULT_MODEL:
            from .model import load_model

            load_model(model)
        if input_format == "parquet" or (input_format is None and input_path.lower().endswith(".parquet")):
            from .parquet_io import open_input

            table = open_input(input_path, fmt=input_format, encoding=encoding)
        else:
            table = open_table(input_path, fmt=input_format, encoding=encoding)
        spec = resolve_columns(table.columns, text_column=text_column, id_column=id_column, scores=scores)
    except (FeedbackError, LookupError) as e:
        raise _fail(e) from None
    if errors_path is None:
        errors_path = "-" if output == "-" else output + ".errors.jsonl"
    score_note = ", ".join(f"{kind}={column}" for column, (kind, _) in spec.scores.items()) or "none"
    themes_by = "rules only" if not model else f"rules + model {'cx-default' if model == DEFAULT_MODEL else model}"
    click.echo(f"Reading {table.name}: text={spec.text!r}, id={spec.id or 'row number'!r}, scores: {score_note}; "
               f"themes: {themes_by}", err=True)

    bar = _progress(progress)
    redaction: Counter | None = Counter() if redact else None
    try:
        if output == "-":
            counts = _write_stream(table, spec, config, workers, errors_path, bar, redaction,
                                   lambda line: sys.stdout.write(line + "\n"))
            sys.stdout.flush()
        elif output_format == "parquet":
            from .parquet_io import ParquetRecordWriter

            with ParquetRecordWriter(output) as parquet:
                counts = _write_stream(table, spec, config, workers, errors_path, bar, redaction,
                                       lambda line: parquet.write(json.loads(line)))
        else:
            identity = {
                "input": input_fingerprint(input_path),
                "options": {"format": input_format, "encoding": encoding, "text": spec.text, "id": spec.id,
                            "scores": sorted((c, k) for c, (k, _) in spec.scores.items()), "taxonomy": taxonomy,
                            "lexicon": lexicon, "model": model, "model_mode": model_mode, "redact": redact,
                            "version": __version__},
            }
            counts = _write_resumable(table, spec, config, workers, output, errors_path, identity, resume, bar,
                                      checkpoint_every, redaction)
    except FeedbackError as e:
        raise _fail(e) from None
    finally:
        bar.close()
    summary = (
        f"Read {counts['rows']} rows: {counts['analysed']} analysed "
        f"({counts['with_problems']} with problems noted in the record), "
        f"{counts['errors']} could not be analysed"
    )
    if counts["errors"] and errors_path != "-":
        summary += f" (see {errors_path})"
    if counts["analysed"]:
        summary += (f"; {counts['unthemed']} ({100 * counts['unthemed'] / counts['analysed']:.1f}%) "
                    "have no theme (`feedback discover` finds what they talk about)")
    click.echo(summary + ".", err=True)
    if redaction is not None:
        masked = ", ".join(f"{n} {kind}" for kind, n in sorted(redaction.items())) or "nothing"
        note = " (this run only; rows before the checkpoint were counted when first written)" if resume else ""
        click.echo(f"Redacted: {masked}{note}.", err=True)
    if strict and (counts["errors"] or counts["with_problems"]):
        raise click.ClickException("--strict: some rows had problems (see the summary above)")


# Our JSON lines always write the themes list as '"themes": [...], "scores"'; inside a string a
# quote would be escaped, so this text can only be the empty themes list of a record.
_NO_THEMES = '"themes": [], "scores"'


def _counts(by_status: dict[str, int]) -> dict[str, int]:
    ok, problems, errors = by_status.get("ok", 0), by_status.get("problems", 0), by_status.get("error", 0)
    return {"rows": ok + problems + errors, "analysed": ok + problems, "with_problems": problems, "errors": errors,
            "unthemed": by_status.get("unthemed", 0)}


def _write_stream(table: Any, spec: Any, config: AnalyzerConfig, workers: int, errors_path: str, bar: Any,
                  redaction: Counter | None, write_record: Callable[[str], None]) -> dict[str, int]:
    """Analyse and hand each record line to `write_record`; error records go to errors_path."""
    by_status: dict[str, int] = {}
    with ExitStack() as stack:
        err_out = sys.stderr if errors_path == "-" else None
        for status, line in run(table.rows, spec, config=config, workers=workers, redaction=redaction):
            by_status[status] = by_status.get(status, 0) + 1
            bar.update()
            if status == "error":
                if err_out is None:
                    err_out = stack.enter_context(atomic_output(errors_path))
                err_out.write(line + "\n")
            else:
                if _NO_THEMES in line:
                    by_status["unthemed"] = by_status.get("unthemed", 0) + 1
                write_record(line)
    return _counts(by_status)


def _write_resumable(table: Any, spec: Any, config: AnalyzerConfig, workers: int, output: str, errors_path: str,
                     identity: dict[str, Any], resume: bool, bar: Any, every: int,
                     redaction: Counter | None) -> dict[str, int]:
    writer = CheckpointedOutput(output, errors_path if errors_path != "-" else output + ".errors.jsonl", identity,
                                every_rows=every)
    done = writer.start(resume=resume)
    if done:
        click.echo(f"Resuming after row {done} (checkpoint {writer.checkpoint_path}).", err=True)
        bar.update(done)
    rows = itertools.islice(table.rows, done, None)
    # SIGTERM (a scheduler stopping the job) should checkpoint like Ctrl-C does.
    previous = signal.signal(signal.SIGTERM, _raise_interrupt) if threading.current_thread() is threading.main_thread() else None
    try:
        for status, line in run(rows, spec, config=config, workers=workers, redaction=redaction):
            if status == "error" and errors_path == "-":
                sys.stderr.write(line + "\n")
                writer.rows_done += 1
                writer.counts["error"] = writer.counts.get("error", 0) + 1
            else:
                if _NO_THEMES in line:
                    writer.counts["unthemed"] = writer.counts.get("unthemed", 0) + 1
                writer.write(status, line)
            bar.update()
    except KeyboardInterrupt:
        writer.abandon()
        raise click.ClickException(
            f"Interrupted after {writer.rows_done} rows; the finished part is in {writer.partial}. "
            "Run the same command with --resume to continue."
        ) from None
    except BaseException:
        writer.abandon()
        raise
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    writer.finish()
    return _counts(writer.counts)


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


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




@cli.command()
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Taxonomy whose rule hits the model reads.")
@click.option("--map", "map_options", multiple=True, metavar="GOLD=THEME", help="Rename gold categories (keeps only mapped ones).")
@click.option("--also", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="More labelled files to train on. Repeatable.")
@click.option("--test", "test_path", type=click.Path(exists=True, dir_okay=False), help="Held-out labelled file, scored once.")
@click.option("--C", "c", type=float, default=30.0, show_default=True, help="Inverse regularisation of theme detection.")
@click.option("--beta", type=float, default=0.85, show_default=True,
              help="Per-theme thresholds maximise F-beta in cross-validation; below 1 favours precision.")
@click.option("--rule-weight", type=float, default=3.0, show_default=True, help="Weight of rule hits as features (0: words only).")
@click.option("--seed", type=int, default=0, show_default=True, help="random_state: the same data and seed give the same model.")
def train(labelled: str, output: str, taxonomy: str | None, map_options: tuple[str, ...], extra: tuple[str, ...],
          test_path: str | None, c: float, beta: float, rule_weight: float, seed: int) -> None:
    """Train a theme model (themes, their polarity, sentiment) on labelled comments.

    LABELLED is JSONL ({"text", "themes": {theme: polarity}, "sentiment"}), CSV (text, themes
    "speed:negative;price", sentiment) or SemEval-2014 XML. The model directory gets model.json,
    weights.npz (no pickle) and a README.md model card.

    \b
    Example:
      feedback train training/cx_train_a.jsonl --also training/cx_train_b.jsonl -o models/my-model
    """
    from ..labelled import read_labelled
    from ..training import train as train_model

    mapping = parse_map(map_options)
    try:
        items = [c for path in (labelled, *extra) for c in read_labelled(path, mapping=mapping)]
        test = read_labelled(test_path, mapping=mapping) if test_path else None
        model, card = train_model(
            items,
            config=AnalyzerConfig(taxonomy=taxonomy),
            params={"C": c, "threshold_beta": beta, "rule_weight": rule_weight, "random_state": seed},
            test=test,
            sources=(labelled, *extra),
        )
    except FeedbackError as e:
        raise _fail(e) from None
    card["command"] = " ".join(
        ["feedback train", labelled, *(f"--also {e}" for e in extra), "-o", output]
        + ([f"--taxonomy {taxonomy}"] if taxonomy else [])
        + [f"--map {m}" for m in map_options]
        + ([f"--test {test_path}"] if test_path else [])
        + [f"--C {c:g} --beta {beta:g} --rule-weight {rule_weight:g} --seed {seed}"]
    )
    model.save(output, card=card)
    from ..model_card import write_card

    write_card(output)
    micro = model.cv_scores_.get("micro", {})
    click.echo(f"Trained on {len(items)} comments, {len(model.themes_)} themes -> {output}", err=True)
    click.echo(f"Cross-validated: micro P={micro.get('precision')} R={micro.get('recall')} F1={micro.get('f1')}, "
               f"sentiment accuracy={model.cv_scores_.get('sentiment_accuracy')}", err=True)
    if test:
        held = card["held_out"]
        click.echo(f"Held-out ({len(test)}): micro F1={held['micro_f1']}, polarity accuracy={held['polarity_accuracy']}, "
                   f"sentiment accuracy={held.get('sentiment_accuracy')}", err=True)


@cli.command()
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False))
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Taxonomy to evaluate (default: the built-in one).")
@click.option("--model", type=click.Path(exists=True, file_okay=False),
              help="Evaluate this trained model with the rules (default: the rules alone).")
@click.option("--mode", type=click.Choice(["combine", "model"]), default="combine", show_default=True, help="How the model combines with rules.")
@click.option("--map", "map_options", multiple=True, metavar="GOLD=THEME", help="Map gold categories to theme ids (zero-shot).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), help="Write the full report as JSON.")
def evaluate(labelled: str, taxonomy: str | None, model: str | None, mode: str, map_options: tuple[str, ...],
             output: str | None) -> None:
    """Measure themes, theme polarity and sentiment against labelled comments.

    \b
    Examples:
      feedback evaluate tests/data/labelled_cx.jsonl
      feedback evaluate test.xml --map price=price --map service=customer_service
      feedback evaluate test.xml --model models/semeval-restaurants -o report.json
    """
    from ..labelled import read_labelled
    from ..pipeline import Analyzer
    from ..training import evaluate as evaluate_analyzer

    try:
        items = read_labelled(labelled, mapping=parse_map(map_options))
        analyzer = Analyzer(AnalyzerConfig(taxonomy=taxonomy, model=model, model_mode=mode))  # model None: rules
        report = evaluate_analyzer(analyzer, items)
    except FeedbackError as e:
        raise _fail(e) from None
    report["labelled"] = labelled
    report["analyzer"] = {"taxonomy": taxonomy or "<default>", "model": model, "mode": mode if model else "rules"}
    click.echo(_format_evaluation(report))
    if output:
        with atomic_output(output) as f:
            f.write(json.dumps(report, indent=2) + "\n")


def _format_evaluation(report: dict[str, Any]) -> str:
    lines = [f"{'theme':<22}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
    for theme, s in report["per_theme"].items():
        lines.append(f"{theme:<22}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['f1']:>8.3f}{s['support']:>9}")
    lines.append(f"{'micro':<22}{report['micro_precision']:>10.3f}{report['micro_recall']:>8.3f}{report['micro_f1']:>8.3f}")
    lines.append(f"{'macro':<22}{'':>10}{'':>8}{report['macro_f1']:>8.3f}")
    lines.append(f"theme polarity accuracy: {report['polarity_accuracy']} on {report['polarity_n']} detected gold themes; "
                 f"{report['polarity_accuracy_gold']} on all {report['polarity_gold_n']} gold themes")
    if "sentiment_accuracy" in report:
        lines.append(f"overall sentiment: accuracy {report['sentiment_accuracy']}, macro-F1 {report['sentiment_macro_f1']}")
    return "\n".join(lines)


def _register_commands() -> None:
    """Commands that live in their own modules, so this file stays a thin layer."""
    from .discover import discover
    from .report import report

    cli.add_command(report)
    cli.add_command(discover)


_register_commands()
