"""Agreement between two annotators of the real evaluation set (docs/annotation.md).

    python scripts/annotation_agreement.py evaluation/labels_a.jsonl evaluation/labels_b.jsonl

On the comments both labelled: Cohen's kappa and raw agreement for overall sentiment; for each
theme, agreement on whether the comment is about it (kappa over presence), and the polarity
agreement where both marked it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from sklearn.metrics import cohen_kappa_score

THEMES = ("speed", "price", "personalization", "convenience", "customer_service", "automation",
          "proactive_service", "channels", "quality")


def read(path: str) -> dict[str, dict[str, Any]]:
    with open(path, encoding="utf-8") as f:
        return {item["id"]: item for item in map(json.loads, filter(str.strip, f))}


def agreement(a: dict[str, dict[str, Any]], b: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ids = sorted(a.keys() & b.keys())
    sa, sb = [a[i]["sentiment"] for i in ids], [b[i]["sentiment"] for i in ids]
    out: dict[str, Any] = {"n": len(ids), "sentiment": {
        "agreement": sum(x == y for x, y in zip(sa, sb)) / len(ids), "kappa": cohen_kappa_score(sa, sb)}}
    both = either = 0
    polarity_same = polarity_n = 0
    per_theme = {}
    for theme in THEMES:
        xa = [theme in a[i]["themes"] for i in ids]
        xb = [theme in b[i]["themes"] for i in ids]
        both += sum(x and y for x, y in zip(xa, xb))
        either += sum(x or y for x, y in zip(xa, xb))
        kappa = cohen_kappa_score(xa, xb) if any(xa) or any(xb) else None
        per_theme[theme] = {"a": sum(xa), "b": sum(xb), "both": sum(x and y for x, y in zip(xa, xb)), "kappa": kappa}
        for i in ids:
            if theme in a[i]["themes"] and theme in b[i]["themes"]:
                polarity_n += 1
                polarity_same += a[i]["themes"][theme] == b[i]["themes"][theme]
    out["themes"] = {"jaccard": both / either if either else None, "per_theme": per_theme,
                     "polarity_agreement": polarity_same / polarity_n if polarity_n else None,
                     "polarity_n": polarity_n}
    return out


def main() -> int:
    result = agreement(read(sys.argv[1]), read(sys.argv[2]))
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
