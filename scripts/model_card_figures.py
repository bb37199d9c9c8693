"""Put the real-data figures into a model's card: model.json's card (re-sealed) and README.md.

    python scripts/model_card_figures.py models/cx-default REAL_WORLD.json REAL_LABELLED.json

The JSON files are the `--json` outputs of benchmarks/real_world.py and
benchmarks/real_labelled.py, run on the model just trained (scripts/train_default_model.sh).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedback.model.card import write_card  # noqa: E402
from feedback.model.persist import MODEL_FILE, seal_model_file  # noqa: E402

SYSTEMS = ("vader", "rules", "model")


def _three(figures: dict[str, Any], key: str) -> str:
    return " / ".join(f"{figures[s][key]:.3f}" for s in SYSTEMS)


def rows(real_world: dict[str, Any], labelled: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for f in real_world["datasets"]:
        row: dict[str, Any] = {"dataset": f["name"], "n": f["n"], "accuracy": "no gold", "macro_f1": "-"}
        if f.get("sentiment"):
            row |= {"accuracy": _three(f["sentiment"], "accuracy"), "macro_f1": _three(f["sentiment"], "macro_f1")}
        if f.get("themes"):
            row["recall"] = " / ".join(f"{f['themes'][s]['micro']['recall']:.3f}" for s in ("rules", "model"))
        elif f.get("issue_themes"):
            recall = [(r["rules_recall"], r["model_recall"]) for r in f["issue_themes"].values() if r["n_issue"]]
            row["recall"] = "; ".join(f"{a:.3f} / {b:.3f}" for a, b in recall) + " (issue-mapped price; service)"
        out.append(row)
    for name, f in labelled.items():
        micro = {s: f["themes"][s]["micro"] for s in ("rules", "model")}
        out.append({"dataset": f"hand-labelled real ({name})", "n": f["n"],
                    "accuracy": _three(f["sentiment"], "accuracy"), "macro_f1": _three(f["sentiment"], "macro_f1"),
                    "recall": " / ".join(f"{micro[s]['recall']:.3f}" for s in ("rules", "model"))})
    return out


def main() -> int:
    directory, real_world_path, labelled_path = sys.argv[1:4]
    real_world = json.loads(Path(real_world_path).read_text(encoding="utf-8"))
    labelled = json.loads(Path(labelled_path).read_text(encoding="utf-8"))
    meta_path = Path(directory) / MODEL_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["card"]["real_data"] = {
        "how": ("`python benchmarks/real_world.py` (held-out quarter of each dataset the model may be trained on, "
                f"at most {real_world.get('limit')} comments, seed {real_world.get('seed')}; SemEval test split) and "
                "`python benchmarks/real_labelled.py` (400 hand-labelled real comments, never trained on)."),
        "rows": rows(real_world, labelled),
    }
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    seal_model_file(directory)
    write_card(directory)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
