"""Model cards: what a saved model records about itself, and the README.md rendered from it."""

from __future__ import annotations

import datetime as _dt
import json
import platform
from pathlib import Path
from typing import Any


def library_versions() -> dict[str, str]:
    """Versions that a model card records, so a model can be reproduced."""
    import numpy as np
    import sklearn
    import spacy
    import vaderSentiment

    from .. import __version__

    return {
        "feedback": __version__,
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "spacy": spacy.__version__,
        "vaderSentiment": getattr(vaderSentiment, "__version__", "3.3.2"),
    }


def today() -> str:
    """The date a card records as `created` (ISO format)."""
    return _dt.date.today().isoformat()


def write_card(directory: str) -> Path:
    """Render README.md for the model in `directory` from its model.json.

    RETURNS (Path): The README written.
    """
    meta = json.loads((Path(directory) / "model.json").read_text(encoding="utf-8"))
    card = meta.get("card", {})
    cv = meta.get("cv_scores", {})
    chars = bool(meta.get("params", {}).get("char_ngram_range"))
    lines = [
        f"# Model card: {Path(directory).name}",
        "",
        "A `feedback` theme model: one logistic regression per theme on TF-IDF word 1-2-grams"
        + (" and" if chars else ""),
        ("character n-grams plus the taxonomy rules' hits" if chars else "plus the taxonomy rules' hits")
        + ", its probabilities calibrated (Platt) on",
        "cross-validated predictions; a per-theme polarity classifier; an overall sentiment classifier",
        "that also reads VADER's compound (temperature-scaled). Combined with the rules, a rule hit is",
        "kept unless the model's probability is below the theme's drop threshold, a theme the rules did",
        "not find is added only above a threshold chosen for precision, and the sentiment head replaces",
        "VADER's label only where it is confident and read a word it knows (thresholds below, all chosen",
        "in cross-validation). Files: `model.json` (parameters, vocabulary, this card's data) and",
        "`weights.npz` (NumPy arrays, loaded with `allow_pickle=False`; its SHA-256 is in model.json).",
        "",
        *([f"The sentiment head also reads each comment's mean word vector from the static table "
           f"`models/{meta['params']['embeddings']}/` (distilled from all-MiniLM-L6-v2, its own card there; "
           f"SHA-256 `{str(meta.get('embeddings_sha256'))[:16]}...`), so words it never saw in training count "
           "by their meaning.", ""] if meta.get("params", {}).get("embeddings") else []),
        f"- Created: {card.get('created', '?')}",
        f"- Themes: {', '.join(meta['themes'])}",
        f"- Training comments: {meta.get('n_train')}",
        f"- Taxonomy read as features: {card.get('taxonomy', {}).get('name', '?')} {card.get('taxonomy', {}).get('version', '')}",
        f"- Reproduce: `{card.get('command') or 'see the README'}`",
        "",
        "## Training data",
        "",
    ]
    sources = card.get("sources", [])
    if sources:
        lines += ["| source | license | themes + sentiment labelled | sentiment only |", "|---|---|---|---|"]
        lines += [f"| {row['source']} | {row['license']} | {row.get('themes+sentiment', 0)} | "
                  f"{row.get('sentiment only', 0)} |" for row in sources]
        lines.append("")
    lines += [f"- {note}" for note in card.get("data_notes", [])]
    for source in card.get("training_data", []):
        lines.append(f"- `{source['path']}` (sha256 `{source['sha256'][:16]}...`)")
    counts = card.get("theme_counts", {})
    if counts:
        lines += ["", "| theme | training comments |", "|---|---|"]
        lines += [f"| {t} | {n} |" for t, n in counts.items()]
    lines += ["", "## Parameters", "", "```json", json.dumps(meta.get("params", {}), indent=1), "```", ""]
    lines += ["## Thresholds (calibrated probabilities, chosen in cross-validation)", "",
              "| theme | model-only theme from | rule hit dropped below |", "|---|---|---|"]
    lines += [f"| {t} | {s.get('add_above', '-')} | {s.get('drop_below', '-')} |" for t, s in cv.get("themes", {}).items()]
    lines += ["", f"Sentiment head: temperature {meta.get('sentiment_temperature', 1.0)}, replaces VADER's label from a "
              f"top class probability of {meta.get('sentiment_cut', 0.0)} (above 1: never).", ""]
    lines += ["## Cross-validated scores (on the training data)", ""]
    lines += _scores_table(cv.get("themes", {}))
    micro = cv.get("micro", {})
    lines += [
        "",
        f"- micro precision {micro.get('precision')}, recall {micro.get('recall')}, F1 {micro.get('f1')}",
        f"- theme polarity accuracy (gold themes): {cv.get('polarity_accuracy_on_gold_themes')}",
        f"- overall sentiment accuracy: {cv.get('sentiment_accuracy')} (head alone), "
        f"{cv.get('sentiment_accuracy_combined')} (head where confident, else VADER), "
        f"{cv.get('sentiment_accuracy_vader')} (VADER alone)",
        "",
    ]
    held = card.get("held_out")
    if held:
        lines += ["## Held-out scores", ""]
        lines += _scores_table(held.get("per_theme", {}))
        lines += [
            "",
            f"- micro precision {held['micro_precision']}, recall {held['micro_recall']}, F1 {held['micro_f1']}; macro F1 {held['macro_f1']}",
            f"- theme polarity accuracy: {held['polarity_accuracy']} (detected), {held['polarity_accuracy_gold']} (gold themes)",
            f"- overall sentiment accuracy: {held.get('sentiment_accuracy')}, macro-F1 {held.get('sentiment_macro_f1')}",
            "",
        ]
    lines += _real_data(card.get("real_data", {}))
    lines += ["## Library versions", ""]
    lines += [f"- {k} {v}" for k, v in card.get("library_versions", {}).items()]
    path = Path(directory) / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _scores_table(per_theme: dict[str, Any]) -> list[str]:
    rows = ["| theme | precision | recall | F1 |", "|---|---|---|---|"]
    for theme, s in per_theme.items():
        rows.append(f"| {theme} | {s.get('precision')} | {s.get('recall')} | {s.get('f1')} |")
    return rows


def _real_data(figures: dict[str, Any]) -> list[str]:
    """The real-data figures the training recipe measured after fitting (benchmarks/)."""
    if not figures:
        return []
    lines = ["## On real data (held out, measured in one run with plain VADER and the rules alone)", ""]
    lines += [f"{figures.get('how', '')}", "",
              "| dataset | n | sentiment accuracy VADER / rules / model | macro-F1 VADER / rules / model | "
              "theme recall rules / model |", "|---|---|---|---|---|"]
    for row in figures.get("rows", []):
        lines.append(f"| {row['dataset']} | {row['n']} | {row['accuracy']} | {row['macro_f1']} | {row.get('recall', '-')} |")
    return lines + [""]
