"""Check feedback.vader.VaderCompound against vaderSentiment on every text of the shared datasets.

    python benchmarks/vader_equivalence.py [--data ../shared/data]

Scores each review/sentence text whole and split into sentences, with VADER's own lexicon and
with feedback's domain lexicon added, and prints how many texts were compared, how many differ
(must be 0) and the speed of each. Exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import time
from pathlib import Path

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from feedback.sentiment import SentimentScorer  # noqa: E402
from feedback.vader import VaderCompound  # noqa: E402


def shared_texts(data: Path) -> list[str]:
    texts: list[str] = []
    for path in sorted(data.glob("womens-clothing-reviews/*.csv")):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                texts += [row.get("Review Text") or "", row.get("Title") or ""]
    for path in sorted(data.glob("semeval2014-*/*.xml")):
        texts += re.findall(r"<text>(.*?)</text>", path.read_text(encoding="utf-8"), flags=re.S)
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t)]
    return texts + sentences


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = parser.parse_args()
    texts = shared_texts(Path(args.data))
    if not texts:
        raise SystemExit(f"no texts found under {args.data}")
    failed = False
    for name, analyzer in [("VADER lexicon", SentimentIntensityAnalyzer()),
                           ("VADER + domain lexicon", SentimentScorer().analyzer)]:
        fast = VaderCompound(analyzer)
        start = time.perf_counter()
        reference = [analyzer.polarity_scores(t)["compound"] for t in texts]
        middle = time.perf_counter()
        ours = [fast(t) for t in texts]
        end = time.perf_counter()
        differ = [t for t, a, b in zip(texts, reference, ours) if a != b]
        failed |= bool(differ)
        print(f"{name}: {len(texts):,} texts, {len(differ)} differ; polarity_scores {middle - start:.2f} s, "
              f"VaderCompound {end - middle:.2f} s ({(middle - start) / (end - middle):.1f}x)")
        for t in differ[:5]:
            print(f"  differs: {t[:120]!r}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
