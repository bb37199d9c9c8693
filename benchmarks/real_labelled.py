"""feedback against the project's hand-labelled real comments (evaluation/real_labelled.jsonl).

    python benchmarks/real_labelled.py [--json OUT]

400 real comments (clothing reviews, CFPB complaint narratives, app-store review sentences,
Amazon/Yelp review sentences; licenses in evaluation/README.md), labelled by two annotators
following docs/annotation.md, never trained on. Prints overall sentiment accuracy and macro-F1
for plain VADER, feedback with the rules alone (the default) and with the shipped model, and
theme precision/recall/F1 (top-level themes) for the rules and the model, overall and per
source, all measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from real_world import (  # noqa: E402
    build_analyzers,
    feedback_outputs,
    label_of,
    num,
    rank_correlation,
    sentiment_scores,
    theme_scores,
    vader_compounds,
)

LABELLED = HERE.parent / "evaluation" / "real_labelled.jsonl"
THEMES = ("speed", "price", "personalization", "convenience", "customer_service", "automation",
          "proactive_service", "channels", "quality")


def load(path: Path = LABELLED) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def evaluate(items: list[dict[str, Any]], analyzers: dict[str, Any]) -> dict[str, Any]:
    texts = [item["text"] for item in items]
    gold_sentiment = [item["sentiment"] for item in items]
    gold_themes = [frozenset(item["themes"]) for item in items]
    figures: dict[str, Any] = {"n": len(items), "sentiment": {}, "themes": {}}
    vader = vader_compounds(texts, analyzers["vader"])
    figures["sentiment"]["vader"] = sentiment_scores(gold_sentiment, [label_of(c) for c in vader]) | {
        "rank_correlation": rank_correlation(gold_sentiment, vader)}
    for system in ("rules", "model"):
        compounds: list[float] = []
        labels, themes, _ = feedback_outputs(texts, analyzers[system], compounds)
        figures["sentiment"][system] = sentiment_scores(gold_sentiment, labels) | {
            "rank_correlation": rank_correlation(gold_sentiment, compounds)}
        figures["themes"][system] = theme_scores(gold_themes, themes, THEMES)
    return figures


def render(name: str, f: dict[str, Any]) -> str:
    s, t = f["sentiment"], f["themes"]
    lines = [f"## {name} (n = {f['n']})", "",
             "| system | sentiment accuracy | macro-F1 | compound's rank correlation | theme P | theme R | theme F1 |",
             "|---|---|---|---|---|---|---|"]
    names = {"vader": "plain VADER", "rules": "feedback, rules only (--no-model)", "model": "feedback + shipped model (default)"}
    for system in ("vader", "rules", "model"):
        micro = t.get(system, {}).get("micro")
        theme_cells = " | ".join(num(micro[k]) for k in ("precision", "recall", "f1")) if micro else "- | - | -"
        lines.append(f"| {names[system]} | {num(s[system]['accuracy'])} | {num(s[system]['macro_f1'])} | "
                     f"{num(s[system]['rank_correlation'])} | {theme_cells} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", default=str(LABELLED), help="The labelled JSONL (default: %(default)s).")
    parser.add_argument("--json", help="Write every figure to this file.")
    args = parser.parse_args()
    items = load(Path(args.labelled))
    analyzers, _ = build_analyzers()
    results = {"all": evaluate(items, analyzers)}
    for source in sorted({item["source"] for item in items}):
        results[source] = evaluate([i for i in items if i["source"] == source], analyzers)
    print("# feedback on the hand-labelled real comments\n")
    print("\n\n".join(render(name, f) for name, f in results.items()))
    print("\n## Per theme, all sources (gold n; rules P/R; model P/R)\n")
    print("| theme | gold | rules P | rules R | model P | model R |\n|---|---|---|---|---|---|")
    for theme in THEMES:
        r, m = results["all"]["themes"]["rules"][theme], results["all"]["themes"]["model"][theme]
        print(f"| {theme} | {r['gold']} | {num(r['precision'])} | {num(r['recall'])} | {num(m['precision'])} | "
              f"{num(m['recall'])} |")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
