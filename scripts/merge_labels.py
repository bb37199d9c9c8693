"""Join the sampled comments with their settled labels into the evaluation file.

    python scripts/merge_labels.py evaluation/real_sample.jsonl evaluation/labels_final.jsonl \
        -o evaluation/real_labelled.jsonl

The output is the JSONL that `feedback evaluate` and `benchmarks/real_labelled.py` read:
{"id", "text", "themes": {theme: polarity}, "sentiment", "source", "license"}.
"""

from __future__ import annotations

import argparse
import json


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample")
    parser.add_argument("labels")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    with open(args.labels, encoding="utf-8") as f:
        labels = {item["id"]: item for item in map(json.loads, filter(str.strip, f))}
    with open(args.sample, encoding="utf-8") as f, open(args.output, "w", encoding="utf-8") as out:
        for item in map(json.loads, filter(str.strip, f)):
            label = labels[item["id"]]
            out.write(json.dumps({"id": item["id"], "text": item["text"], "themes": label["themes"],
                                  "sentiment": label["sentiment"], "source": item["source"],
                                  "license": item["license"]}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
