"""Domain packs on real text: what each validated pack adds, and a sample of its mentions to judge.

    python benchmarks/packs.py [--data ../shared/data] [--external DIR] [--limit 2000] [--seed 0]
                               [--sample 40] [--json OUT] [--samples-out FILE]

Each pack validated on a real dataset (docs/packs.md) is run on a seeded sample of that dataset
twice, with the default taxonomy and with `default+<pack>`, in the same run. Printed per pack:
the share of comments that gain a theme or subtheme, mentions of each theme or subtheme the pack
adds, and the change in mentions of the default themes (a pack must not take mentions away).
`--samples-out` writes a seeded sample of the pack's mentions (comment, evidence, theme) as JSONL
for a person to judge; the judged precision is recorded in docs/packs.md.

`--external DIR` adds the public datasets whose texts this repository may not ship (the copies
`scripts/external_eval_set.py` reads): travel on posts to airlines and hotel review titles,
telecom on complaint titles about a broadband provider, apps on ride-hailing app reviews.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data"


def _csv_column(path: Path, column: str) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start = next(i for i, line in enumerate(lines) if column in line)  # CFPB files have junk lines first
    csv.field_size_limit(1 << 30)
    return [row[column] for row in csv.DictReader(lines[start:]) if (row.get(column) or "").strip()]


# pack -> (dataset, loader)
DATASETS = {
    "retail": ("womens-clothing-reviews",
               lambda d: _csv_column(d / "womens-clothing-reviews" / "Womens Clothing E-Commerce Reviews.csv",
                                     "Review Text")),
    "banking": ("cfpb-complaints",
                lambda d: _csv_column(d / "cfpb-complaints" / "cfpb_personal_loans_2023_narratives.csv",
                                      "Consumer complaint narrative")
                + _csv_column(d / "cfpb-complaints" / "cfpb_complaints_sample_2015_2020.csv",
                              "Consumer complaint narrative")),
    "apps": ("app-review-feature-sentiment",
             lambda d: _csv_column(d / "app-review-feature-sentiment" / "ground_truth.csv", "Sentence content")),
}

# pack -> the external sources (scripts/external_eval_set.py FILES) it is validated on
EXTERNAL = {"travel": ("airline-posts", "hotel-review-titles"), "telecom": ("telecom-complaint-titles",),
            "apps": ("ride-hailing-app-reviews",)}


def _external(folder: Path, source: str) -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from external_eval_set import FILES, texts

    path = next(folder.rglob(FILES[source]), None)
    return list(texts(source, path)) if path else []


def _runs(args: argparse.Namespace) -> list[tuple[str, str, Any]]:
    """(pack, dataset, loader) for every pack and dataset asked for, shared data first."""
    packs = args.packs.split(",")
    runs = [(pack, *DATASETS[pack]) for pack in packs if pack in DATASETS]
    if args.external:
        folder = Path(args.external)
        runs += [(pack, source, lambda _, s=source: _external(folder, s))
                 for pack in packs for source in EXTERNAL.get(pack, ())]
    return runs


def _themes(record: dict[str, Any]) -> list[dict[str, Any]]:
    return record.get("themes") or []


def run_pack(pack: str, texts: list[str], sample: int, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from feedback import analyze
    from feedback.pipeline import Analyzer
    from feedback.config import AnalysisOptions

    base = list(analyze(texts, analyzer=Analyzer.from_options(AnalysisOptions(None, None, None))))
    packed = list(analyze(texts, analyzer=Analyzer.from_options(AnalysisOptions(f"default+{pack}", None, None))))
    default_ids = {t for r in base for t in (m["theme"] for m in _themes(r))}
    before = Counter(m["theme"].split("/")[0] for r in base for m in _themes(r))
    after = Counter(m["theme"].split("/")[0] for r in packed for m in _themes(r))
    added: Counter[str] = Counter()
    new_mentions = []
    gained = 0
    for b, p in zip(base, packed):
        old = {(m["start"], m["end"], m["theme"]) for m in _themes(b)}
        fresh = [m for m in _themes(p) if (m["start"], m["end"], m["theme"]) not in old]
        if fresh:
            gained += 1
        for m in fresh:
            added[m["theme"]] += 1
            new_mentions.append({"id": p["id"], "theme": m["theme"], "evidence": m["evidence"],
                                 "text": p["text"][max(0, m["start"] - 80): m["end"] + 80]})
    picked = rng.sample(new_mentions, min(sample, len(new_mentions)))
    summary = {
        "pack": pack, "comments": len(texts), "gained_share": round(gained / max(len(texts), 1), 3),
        "added_mentions": dict(added.most_common()),
        "default_theme_mentions": {t: [before[t], after[t]] for t in sorted(before | after) if t in
                                   {x.split("/")[0] for x in default_ids}},
    }
    return summary, picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--packs", default="apps,banking,retail,telecom,travel")
    parser.add_argument("--external", help="folder holding copies of the external sources")
    parser.add_argument("--json", dest="json_out")
    parser.add_argument("--samples-out")
    args = parser.parse_args()
    results, samples = [], []
    for pack, dataset, load in _runs(args):
        texts = load(Path(args.data))
        if not texts:
            print(f"## {pack} on {dataset}: file not found, skipped\n")
            continue
        rng = random.Random(args.seed)
        texts = rng.sample(texts, min(args.limit, len(texts)))
        summary, picked = run_pack(pack, texts, args.sample, rng)
        summary["dataset"] = dataset
        results.append(summary)
        samples += [{"pack": pack, "dataset": dataset, **m} for m in picked]
        print(f"## {pack} on {dataset} ({summary['comments']} comments)")
        print(f"comments gaining a theme or subtheme: {summary['gained_share']:.1%}")
        print("added mentions: " + ", ".join(f"{k} {v}" for k, v in summary["added_mentions"].items()))
        changed = {t: v for t, v in summary["default_theme_mentions"].items() if v[0] > v[1]}
        print(f"default themes losing mentions: {changed or 'none'}\n")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.samples_out:
        with open(args.samples_out, "w", encoding="utf-8") as f:
            for m in samples:
                f.write(json.dumps(m, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
