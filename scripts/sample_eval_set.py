"""Draw the real evaluation sample: comments from the real datasets whose licenses allow shipping.

    python scripts/sample_eval_set.py [--data ../shared/data] [--seed 2026] -o evaluation/real_sample.jsonl

100 comments from each of four sources, drawn with a fixed seed from comments of 20-700
characters: women's clothing reviews (CC0), CFPB complaint narratives (US public domain),
app-store review sentences (Dabrowski et al., MIT) and Amazon/Yelp review sentences (Kotzias et
al., CC BY 4.0). SemEval-2014 is left out: its license does not allow redistribution. The
sample is labelled by people following docs/annotation.md (evaluation/README.md says who and
how) and is never used for training.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PER_SOURCE = 100
MIN_CHARS, MAX_CHARS = 20, 700


def _csv_texts(path: Path, column: str) -> list[str]:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start = next(i for i, line in enumerate(lines) if column in line)  # CFPB files have junk lines first
    csv.field_size_limit(1 << 30)
    return [row[column] for row in csv.DictReader(lines[start:]) if row.get(column)]


def sources(data: Path) -> dict[str, tuple[str, list[str]]]:
    """source -> (license, texts)."""
    clothing = _csv_texts(data / "womens-clothing-reviews" / "Womens Clothing E-Commerce Reviews.csv", "Review Text")
    cfpb = (_csv_texts(data / "cfpb-complaints" / "cfpb_personal_loans_2023_narratives.csv", "Consumer complaint narrative")
            + _csv_texts(data / "cfpb-complaints" / "cfpb_complaints_sample_2015_2020.csv", "Consumer complaint narrative"))
    app = _csv_texts(data / "app-review-feature-sentiment" / "ground_truth.csv", "Sentence content")
    sentences = []
    for name in ("amazon_cells_labelled.txt", "yelp_labelled.txt"):
        path = data / "sentiment-labelled-sentences" / name
        sentences += [line.rsplit("\t", 1)[0].strip() for line in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    return {
        "womens-clothing-reviews": ("CC0 1.0", clothing),
        "cfpb-complaints": ("US public domain", cfpb),
        "app-review-feature-sentiment": ("MIT (Dabrowski et al. 2020)", app),
        "sentiment-labelled-sentences": ("CC BY 4.0 (Kotzias et al. 2015)", sentences),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-source", type=int, default=PER_SOURCE)
    parser.add_argument("--exclude", action="append", default=[],
                        help="A sample already drawn (JSONL with `text`): none of its comments is drawn again.")
    parser.add_argument("--prefix", default="", help="Put before every id (e.g. 'train-'), so draws never share ids.")
    parser.add_argument("-o", "--output", default=str(ROOT / "evaluation" / "real_sample.jsonl"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    excluded: set[str] = set()
    for path in args.exclude:
        with open(path, encoding="utf-8") as f:
            excluded |= {" ".join(json.loads(line)["text"].split()) for line in f if line.strip()}
    out = []
    for source, (license_, texts) in sources(Path(args.data)).items():
        pool = sorted({" ".join(t.split()) for t in texts if MIN_CHARS <= len(t.strip()) <= MAX_CHARS} - excluded)
        for n, text in enumerate(rng.sample(pool, args.per_source), 1):
            out.append({"id": f"{args.prefix}{source.split('-')[0]}-{n:03d}", "source": source, "license": license_,
                        "text": text})
    with open(args.output, "w", encoding="utf-8") as f:
        for item in out:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(out)} comments -> {args.output}")


if __name__ == "__main__":
    main()
