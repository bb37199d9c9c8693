"""Generate a CSV of N realistic comments for benchmarks, seeded and reproducible.

Comments are recombined from the sentences of the bundled example export (CC0): each generated
comment takes 1-4 sentences from different real-looking comments, with scores and fields drawn
the same way. Length and vocabulary stay those of real survey answers; no file is ever repeated
line for line, so caches cannot flatter the figures.

    python benchmarks/generate.py 100000 -o /tmp/comments_100k.csv
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "comments.csv"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def load_pool() -> tuple[list[str], list[dict[str, str]]]:
    with open(EXAMPLE, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.DictReader(f) if r["comment"].strip()]
    sentences = [s for r in rows for s in _SENTENCE_END.split(r["comment"].strip()) if s]
    return sentences, rows


def generate(n: int, path: str, seed: int = 0) -> None:
    rng = random.Random(seed)
    sentences, rows = load_pool()
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["response_id", "submitted_at", "channel", "comment", "nps", "csat"])
        for i in range(1, n + 1):
            k = rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]
            text = " ".join(rng.choice(sentences) for _ in range(k))
            donor = rng.choice(rows)
            writer.writerow([f"G{i:08d}", donor["submitted_at"], donor["channel"], text, donor["nps"], donor["csat"]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int)
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    generate(args.n, args.output, args.seed)


if __name__ == "__main__":
    main()
