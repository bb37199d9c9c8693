"""Reproduce the SemEval-2014 Task 4 (restaurants) figures in the README with one command.

    python benchmarks/semeval.py [--data ../shared/data/semeval2014-restaurants] [--json out.json]

Trains on train.xml only (hyper-parameters chosen by cross-validation on train), scores test.xml
once, and prints a table next to the best system of 2014 (NRC-Canada, Kiritchenko et al. 2014):
  1. aspect category detection, 5 categories, micro-F1;
  2. aspect category polarity on the gold categories of each test sentence (the task's scoring),
     and end to end on the categories the model detects;
  3. zero-shot: the default CX taxonomy and model, no training, --map price=price
     --map service=customer_service, per-theme F1.
Cite: Pontiki et al., "SemEval-2014 Task 4: Aspect Based Sentiment Analysis", SemEval 2014.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.config import AnalysisOptions  # noqa: E402
from feedback.io.labelled import read_labelled  # noqa: E402
from feedback.model import evaluate, load_model, save_model, train  # noqa: E402
from feedback.pipeline import Analyzer  # noqa: E402

NRC = {"detection_micro_f1": 0.8858, "polarity_accuracy": 0.8292}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "semeval2014-restaurants"))
    parser.add_argument("--json", help="Write the figures here.")
    args = parser.parse_args()
    data = Path(args.data)
    train_items = read_labelled(str(data / "train.xml"))
    test_items = read_labelled(str(data / "test.xml"))
    start = time.perf_counter()
    # Every SemEval sentence has at least one category; the model learns that from the data.
    model, card = train(train_items, params={"threshold_beta": 1.0}, sources=[str(data / "train.xml")])
    with tempfile.TemporaryDirectory() as tmp:
        save_model(model, tmp, card=card)
        rules = Analyzer.from_options(AnalysisOptions(model=None))
        trained = evaluate(rules.with_model(load_model(tmp), model_mode="model"), test_items)
    train_seconds = time.perf_counter() - start
    mapping = {"price": "price", "service": "customer_service"}
    zero_items = read_labelled(str(data / "test.xml"), mapping=mapping)
    zero_shot = evaluate(Analyzer.from_options(), zero_items)
    zero_rules = evaluate(Analyzer.from_options(AnalysisOptions(model=None)), zero_items)
    figures = {
        "detection_micro_f1": trained["micro_f1"],
        "detection_micro_precision": trained["micro_precision"],
        "detection_micro_recall": trained["micro_recall"],
        "detection_per_category_f1": {t: s["f1"] for t, s in trained["per_theme"].items()},
        "polarity_accuracy_gold_categories": trained["polarity_accuracy_gold"],
        "polarity_accuracy_end_to_end": trained["polarity_accuracy"],
        "zero_shot_f1": {t: s["f1"] for t, s in zero_shot["per_theme"].items()},
        "zero_shot_rules_only_f1": {t: s["f1"] for t, s in zero_rules["per_theme"].items()},
        "cv_on_train": model.cv_scores_.get("micro"),
        "seconds": round(train_seconds, 1),
    }
    rows = [
        ("Category detection, micro-F1 (5 categories)", figures["detection_micro_f1"], NRC["detection_micro_f1"]),
        ("Category polarity accuracy, gold categories", figures["polarity_accuracy_gold_categories"], NRC["polarity_accuracy"]),
        ("Category polarity accuracy, end to end", figures["polarity_accuracy_end_to_end"], None),
    ]
    print(f"| SemEval-2014 Task 4, restaurants test (n={len(test_items)}) | feedback | NRC-Canada 2014 |")
    print("|---|---|---|")
    for name, ours, nrc in rows:
        print(f"| {name} | {ours:.4f} | {'' if nrc is None else f'{nrc:.4f}'} |")
    for theme, f1 in figures["detection_per_category_f1"].items():
        print(f"| detection F1: {theme} | {f1:.4f} | |")
    for theme, f1 in figures["zero_shot_f1"].items():
        rules = figures["zero_shot_rules_only_f1"].get(theme, 0.0)
        print(f"| zero-shot CX taxonomy F1: {theme} (rules only {rules:.4f}) | {f1:.4f} | |")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
