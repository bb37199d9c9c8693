"""`feedback evaluate`: measure themes, theme polarity and sentiment against labelled comments."""

from __future__ import annotations

import json
from typing import Any

import click

from ..config import AnalysisOptions
from ..errors import FeedbackError
from ..io.files import atomic_output
from ..terminal import printable
from .options import fail, parse_map


@click.command("evaluate")
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
    from ..io.labelled import read_labelled
    from ..model.training import evaluate as evaluate_analyzer
    from ..pipeline import Analyzer

    try:
        items = read_labelled(labelled, mapping=parse_map(map_options))
        analyzer = Analyzer.from_options(AnalysisOptions(taxonomy=taxonomy, model=model, model_mode=mode))  # model None: rules
        report = evaluate_analyzer(analyzer, items)
    except FeedbackError as e:
        raise fail(e) from None
    report["labelled"] = labelled
    report["analyzer"] = {"taxonomy": taxonomy or "<default>", "model": model, "mode": mode if model else "rules"}
    click.echo(printable(_format_evaluation(report)))
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
