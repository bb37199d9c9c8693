"""Rebuild the external evaluation sets: hand labels kept in the repository, texts read from copies you supply.

    python scripts/external_eval_set.py --data DIR -o OUT.jsonl [--set dev|test|all]

`evaluation/external/labels.jsonl` holds 600 hand labels (themes with polarity, overall
sentiment) of comments from three public datasets whose licenses do not let this repository
ship their text: reviews of US mortgage lenders (`BankReviews.xlsx`, 505 reviews with stars),
Amazon Echo reviews (`amazon_alexa.tsv`, 3,150 reviews with stars) and posts to six US airlines
(Twitter US Airline Sentiment, `Tweets.csv`, CC BY-NC-SA 4.0). Each label names its comment by
a hash of the normalised text, so any copy of those files works. Put them anywhere under DIR;
OUT is then in the format of `evaluation/real_labelled.jsonl`, for
`python benchmarks/real_labelled.py --labelled OUT`. Evaluation only: nothing is trained on it.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "evaluation" / "external" / "labels.jsonl"
# source -> (file name, how to read its texts)
FILES = {"bank-reviews": "BankReviews.xlsx", "alexa-echo-reviews": "amazon_alexa.tsv",
         "airline-posts": "Tweets.csv"}


def text_key(text: str) -> str:
    """The key of a comment: the first 16 hex digits of SHA-1 over its whitespace-normalised,
    lower-cased text (stable across copies that differ in line endings or spacing)."""
    return hashlib.sha1(" ".join(text.split()).lower().encode("utf-8")).hexdigest()[:16]


def texts(source: str, path: Path) -> Iterator[str]:
    if source == "bank-reviews":
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        column = [str(c).strip().lower() for c in rows[0]].index("reviews")
        yield from (str(row[column]) for row in rows[1:] if row[column])
    elif source == "alexa-echo-reviews":
        with open(path, encoding="utf-8-sig", newline="") as f:
            yield from (row["verified_reviews"] for row in csv.DictReader(f, delimiter="\t"))
    else:
        with open(path, encoding="utf-8", newline="") as f:
            yield from (row["text"] for row in csv.DictReader(f))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="A folder holding the three files (searched recursively).")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--set", choices=["dev", "test", "all"], default="all",
                        help="dev: the 300 the taxonomy 1.6.0 fixes were found on; test: the 300 kept blind (default: all).")
    args = parser.parse_args()
    labels = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = [label for label in labels if args.set in ("all", label["set"])]
    found: dict[str, str] = {}
    for source, name in FILES.items():
        paths = sorted(args.data.rglob(name))
        if not paths:
            print(f"error: no {name} under {args.data} (the {source} texts)", file=sys.stderr)
            return 1
        for text in texts(source, paths[0]):
            found.setdefault(text_key(text), text.strip())
    missing = [label["key"] for label in labels if label["key"] not in found]
    if missing:
        print(f"error: {len(missing)} labelled comments are not in these copies (first: {missing[0]})", file=sys.stderr)
        return 1
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for label in labels:
            f.write(json.dumps({"id": label["id"], "text": found[label["key"]], "themes": label["themes"],
                                "sentiment": label["sentiment"], "source": label["source"], "set": label["set"]},
                               ensure_ascii=False) + "\n")
    tmp.replace(args.output)
    print(f"Wrote {len(labels)} labelled comments to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
