"""`feedback train`: fit a theme model on labelled comments and save it with its model card."""

from __future__ import annotations

import sys
import time
from typing import Callable

import click

from ..config import AnalysisOptions
from ..errors import FeedbackError
from ..terminal import printable
from .options import fail, parse_map


def stage_printer(width: int = 24) -> Callable[[str, int, int], None]:
    """Training progress on stderr (stdout stays clean): a bar redrawn in place on a terminal,
    one line per stage otherwise (logs, CI), each with the seconds since the start."""
    start = time.perf_counter()
    tty = sys.stderr.isatty()

    def show(stage: str, done: int, total: int) -> None:
        filled = width * done // max(total, 1)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {time.perf_counter() - start:5.1f} s  {stage}"
        if tty:
            click.echo(f"\r{line:<79}", err=True, nl=False)
        else:
            click.echo(line, err=True)

    return show


@click.command("train")
@click.argument("labelled", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="Model directory to write.")
@click.option("--taxonomy", type=click.Path(exists=True, dir_okay=False), help="Taxonomy whose rule hits the model reads.")
@click.option("--map", "map_options", multiple=True, metavar="GOLD=THEME", help="Rename gold categories (keeps only mapped ones).")
@click.option("--also", "extra", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="More labelled files to train on. Repeatable.")
@click.option("--test", "test_path", type=click.Path(exists=True, dir_okay=False), help="Held-out labelled file, scored once.")
@click.option("--C", "c", type=float, default=30.0, show_default=True, help="Inverse regularisation of theme detection.")
@click.option("--beta", type=float, default=0.85, show_default=True,
              help="Thresholds of themes no rule can find maximise F-beta in cross-validation; below 1 favours "
                   "precision. (Rule themes: hits kept unless confidently wrong, additions 80% precise.)")
@click.option("--rule-weight", type=float, default=3.0, show_default=True, help="Weight of rule hits as features (0: words only).")
@click.option("--comment-polarity-cut", "comment_cut", type=click.FloatRange(0.0, 1.0), default=None,
              help="A theme mention whose polarity disagrees with its comment's keeps it only from this strength, "
                   "else takes the comment's (the shipped model: 0.8, as its polarity head learnt from comment-level "
                   "labels). Leave it unset when your labels judge each theme apart (SemEval-like aspect polarity).")
@click.option("--seed", type=int, default=0, show_default=True, help="random_state: the same data and seed give the same model.")
@click.option("--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Threads fitting cross-validation folds and themes at once (0: every core). With 1 the same "
                   "data and seed give the same model to the last bit; with more, to liblinear's tolerance.")
@click.option("--base", metavar="MODEL",
              help="Adapt this model with the labels instead of training from them alone: 'default' (the shipped "
                   "model) or a model directory. Themes the labels do not cover keep the base's (docs/labelling.md).")
@click.option("--redact", is_flag=True,
              help="Mask emails, URLs, IBANs, card, SSN, IP, account and phone numbers in the comments first, "
                   "so the model's vocabulary holds none of them (docs/security.md).")
def train(labelled: str, output: str, taxonomy: str | None, map_options: tuple[str, ...], extra: tuple[str, ...],
          test_path: str | None, c: float, beta: float, rule_weight: float, comment_cut: float | None, seed: int,
          jobs: int, base: str | None, redact: bool) -> None:
    """Train a theme model (themes, their polarity, sentiment) on labelled comments.

    LABELLED is JSONL ({"text", "themes": {theme: polarity}, "sentiment"}), CSV (text, themes
    "speed:negative;price", sentiment), a sheet filled from `feedback label` (.csv or .xlsx) or
    SemEval-2014 XML. The model directory gets model.json, weights.npz (no pickle) and a
    README.md model card. With --base, the base model is adapted with the labels (a few hundred
    are enough) and saved with them (base/ and adapter/ inside the directory).

    \b
    Examples:
      feedback train training/cx_train_a.jsonl --also training/cx_train_b.jsonl -o models/my-model
      feedback train to_label.csv --base default -o models/mine
    """
    if base:
        if comment_cut is not None:
            raise click.UsageError("--comment-polarity-cut is for a model trained from the labels alone, not with --base.")
        _adapt(labelled, extra, output, base, taxonomy, map_options, test_path, redact)
        return
    from ..io.labelled import read_labelled
    from ..model.card import write_card
    from ..model.persist import save_model
    from ..model.training import train as train_model

    mapping = parse_map(map_options)
    click.echo(f"Reading labelled comments and running the rules over them ({labelled}"
               f"{f' and {len(extra)} more' if extra else ''})...", err=True)
    try:
        items = [c for path in (labelled, *extra) for c in read_labelled(path, mapping=mapping, redact=redact)]
        test = read_labelled(test_path, mapping=mapping, redact=redact) if test_path else None
        model, card = train_model(
            items,
            analysis=AnalysisOptions(taxonomy=taxonomy, model=None),
            params={"C": c, "threshold_beta": beta, "rule_weight": rule_weight, "random_state": seed,
                    "n_jobs": jobs or None, "comment_polarity_cut": comment_cut},
            test=test,
            sources=(labelled, *extra),
            progress=stage_printer(),
        )
    except FeedbackError as e:
        raise fail(e) from None
    finally:
        if sys.stderr.isatty():
            click.echo(err=True)  # end the bar's line
    card["command"] = " ".join(
        ["feedback train", labelled, *(f"--also {e}" for e in extra), "-o", output]
        + ([f"--taxonomy {taxonomy}"] if taxonomy else [])
        + [f"--map {m}" for m in map_options]
        + ([f"--test {test_path}"] if test_path else [])
        + [f"--C {c:g} --beta {beta:g} --rule-weight {rule_weight:g} --seed {seed}"]
        + ([f"--comment-polarity-cut {comment_cut:g}"] if comment_cut is not None else [])
        + ([f"--jobs {jobs}"] if jobs != 1 else [])
        + (["--redact"] if redact else [])
    )
    try:
        save_model(model, output, card=card)
    except FeedbackError as e:
        raise fail(e) from None
    write_card(output)
    micro = model.cv_scores_.get("micro", {})
    click.echo(f"Trained on {len(items)} comments, {len(model.themes_)} themes -> {output}", err=True)
    click.echo(f"Cross-validated: micro P={micro.get('precision')} R={micro.get('recall')} F1={micro.get('f1')}, "
               f"sentiment accuracy={model.cv_scores_.get('sentiment_accuracy')}", err=True)
    if test:
        held = card["held_out"]
        click.echo(f"Held-out ({len(test)}): micro F1={held['micro_f1']}, polarity accuracy={held['polarity_accuracy']}, "
                   f"sentiment accuracy={held.get('sentiment_accuracy')}", err=True)


def _adapt(labelled: str, extra: tuple[str, ...], output: str, base: str, taxonomy: str | None,
           map_options: tuple[str, ...], test_path: str | None, redact: bool) -> None:
    """`train --base`: adapt a model with the labels (feedback.model.adapting)."""
    from ..io.labelled import read_labelled
    from ..model.adapted import save_adapted, write_adapted_card
    from ..model.adapting import adapt

    bar = stage_printer()
    drawn = False

    def stage(name: str, done: int, total: int) -> None:
        nonlocal drawn
        bar(name, done, total)
        drawn = True

    def say(message: str) -> None:
        nonlocal drawn
        if drawn and sys.stderr.isatty():
            click.echo(err=True)  # end the bar's line
        drawn = False
        click.echo(printable(message), err=True)

    mapping = parse_map(map_options)
    try:
        items = [c for path in (labelled, *extra) for c in read_labelled(path, mapping=mapping, redact=redact)]
        test = read_labelled(test_path, mapping=mapping, redact=redact) if test_path else None
        model, card = adapt(items, base=base, analysis=AnalysisOptions(taxonomy=taxonomy, model=None), test=test,
                            sources=(labelled, *extra), progress=say, stages=stage)
        card["command"] = " ".join(
            ["feedback train", labelled, *(f"--also {e}" for e in extra), "--base", base, "-o", output]
            + ([f"--taxonomy {taxonomy}"] if taxonomy else []) + [f"--map {m}" for m in map_options]
            + ([f"--test {test_path}"] if test_path else []) + (["--redact"] if redact else []))
        model.card_ = card
        save_adapted(model, output)
    except FeedbackError as e:
        if drawn and sys.stderr.isatty():
            click.echo(err=True)  # end the bar's line before the error
        raise fail(e) from None
    write_adapted_card(output)
    covered = ", ".join(model.covered_themes) or "none"
    say(f"Adapted {base} with {len(items)} labelled comments -> {output} (themes from the labels: {covered}; "
        f"sentiment: {model.sentiment_source}, {model.sentiment_rule})")
    if test:
        held = card["held_out"]
        say(f"Held-out ({len(test)}): micro F1={held['micro_f1']}, polarity accuracy={held['polarity_accuracy']}, "
            f"sentiment accuracy={held.get('sentiment_accuracy')}")
