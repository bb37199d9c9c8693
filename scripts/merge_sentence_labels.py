"""Settle the two annotators' sentence labels into one file, and measure how far they agree.

    python scripts/merge_sentence_labels.py training/real/sentence_labels_a.jsonl \
        training/real/sentence_labels_b.jsonl -o training/real/sentence_labels.jsonl

Annotator A labelled the first half of training/real/sentences_draw.jsonl and annotator B the
second; each also labelled the first 40 sentences of the other's half on their own. The label
kept is the half's own annotator's; on the sentences both labelled, Cohen's kappa and raw
agreement are printed (training/README.md records them).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parents[1]
DRAW = ROOT / "training" / "real" / "sentences_draw.jsonl"
LABELS = ("negative", "neutral", "positive")


def read(path: str | Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    ids = [row["id"] for row in read(DRAW)]
    half = len(ids) // 2
    a = {row["id"]: row for row in read(args.a)}
    b = {row["id"]: row for row in read(args.b)}
    settled = []
    for k, sid in enumerate(ids):
        row = (a if k < half else b)[sid]
        if row["sentiment"] not in LABELS:
            raise SystemExit(f"{sid}: label {row['sentiment']!r} is not one of {', '.join(LABELS)}")
        settled.append({"id": sid, "sentiment": row["sentiment"], "note": row.get("note", ""),
                        "annotator": "A" if k < half else "B"})
    Path(args.output).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in settled), encoding="utf-8")
    both = [sid for sid in ids if sid in a and sid in b]
    first, second = [a[s]["sentiment"] for s in both], [b[s]["sentiment"] for s in both]
    agree = sum(x == y for x, y in zip(first, second)) / len(both) if both else 0.0
    print(json.dumps({"settled": len(settled), "labels": dict(Counter(r["sentiment"] for r in settled)),
                      "both_labelled": len(both), "raw_agreement": round(agree, 3),
                      "kappa": round(float(cohen_kappa_score(first, second)), 3) if both else None}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
