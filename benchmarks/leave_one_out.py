"""Leave one source out: how the shipped model's recipe does on a kind of comment it never saw.

    python benchmarks/leave_one_out.py [--data ../shared/data] [--limit 1000] [--sources a,b] [--json OUT]
                                       [--param NAME=VALUE ...]

The hidden checks are on domains we do not have, so for each real source the model is trained
by the shipped recipe (scripts/train_default_model.py, same parameters and data) without that
source, its hand-labelled comments included, and scored on it next to plain VADER and the rules
alone, all in the same run: sentiment accuracy and macro-F1 on the source's held-out split
(benchmarks/real_world.py `held_out`, at most --limit comments per dataset) and sentiment plus
theme precision/recall on its part of the hand-labelled evaluation set (evaluation/).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "scripts"))
sys.path.insert(0, str(HERE.parent))
from real_labelled import THEMES, load  # noqa: E402
from real_world import (DEFAULT_DATA, LOADERS, build_analyzers, feedback_outputs, num, sample,  # noqa: E402
                        sentiment_scores, split, theme_scores, vader_labels)

SOURCES = ("womens-clothing-reviews", "sentiment-labelled-sentences", "app-review-feature-sentiment",
           "cfpb-complaints")


def score(texts: list[str], gold: list[str | None], gold_themes: list[frozenset[str]] | None,
          analyzers: dict[str, Any]) -> dict[str, Any]:
    scored = [i for i, g in enumerate(gold) if g]
    out: dict[str, Any] = {"n": len(texts), "sentiment": {}, "themes": {}}
    vader = vader_labels(texts, analyzers["vader"])
    out["sentiment"]["vader"] = sentiment_scores([gold[i] or "" for i in scored], [vader[i] for i in scored])
    for system in ("rules", "model"):
        labels, themes, _ = feedback_outputs(texts, analyzers[system])
        out["sentiment"][system] = sentiment_scores([gold[i] or "" for i in scored], [labels[i] for i in scored])
        if gold_themes is not None:
            out["themes"][system] = theme_scores(gold_themes, themes, THEMES)["micro"]
    return out


def main() -> int:
    from train_default_model import PARAMS, fit
    from real_training_data import load as load_training

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--sources", help="Comma-separated sources (default: all four).")
    parser.add_argument("--json", help="Write every figure here.")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="A ThemeModel parameter (a JSON value) to try instead of the shipped recipe's.")
    args = parser.parse_args()
    for pair in args.param:
        name, _, value = pair.partition("=")
        PARAMS[name] = json.loads(value)
    data = Path(args.data)
    training = load_training(data)
    analyzers, _ = build_analyzers()
    labelled = load()
    results: dict[str, Any] = {}
    for source in (args.sources.split(",") if args.sources else SOURCES):
        start = time.perf_counter()
        model, _ = fit(training.without(source), test=False, quiet=True)
        analyzers["model"] = analyzers["rules"].with_model(model)
        row: dict[str, Any] = {"train_seconds": round(time.perf_counter() - start, 1), "datasets": {}}
        for dataset in LOADERS[source](data / source):
            examples = sample(split(dataset, evaluation=True), args.limit, 0)
            if any(e.sentiment for e in examples):
                row["datasets"][dataset.name] = score([e.text for e in examples], [e.sentiment for e in examples],
                                                      None, analyzers)
        items = [i for i in labelled if i["source"] == source]
        row["hand_labelled"] = score([i["text"] for i in items], [i["sentiment"] for i in items],
                                     [frozenset(i["themes"]) for i in items], analyzers)
        results[source] = row
        print(render(source, row), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


def render(source: str, row: dict[str, Any]) -> str:
    lines = [f"## without {source} (trained in {row['train_seconds']} s)", "",
             "| scored on | n | sentiment accuracy VADER / rules / model | macro-F1 VADER / rules / model | "
             "theme P/R rules | theme P/R model |", "|---|---|---|---|---|---|"]
    for name, f in [*row["datasets"].items(), ("hand-labelled (evaluation/)", row["hand_labelled"])]:
        s = f["sentiment"]
        acc = " / ".join(num(s[x]["accuracy"]) for x in ("vader", "rules", "model"))
        f1 = " / ".join(num(s[x]["macro_f1"]) for x in ("vader", "rules", "model"))
        t = f["themes"]
        pr = [f"{num(t[x]['precision'])} / {num(t[x]['recall'])}" if x in t else "-" for x in ("rules", "model")]
        lines.append(f"| {name} | {s['vader']['n']} | {acc} | {f1} | {pr[0]} | {pr[1]} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
