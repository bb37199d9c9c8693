"""Adapting a theme model with a person's labels: the Python API behind `feedback train --base`.

    from feedback.io.labelled import read_labelled
    from feedback.model.adapting import adapt
    model, card = adapt(read_labelled("to_label.csv"), base="default")
    save_adapted(model, "models/mine")            # feedback.model.adapted

See `feedback.model.adapted` for what the adapted model is and why it is composed rather than
retrained.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any, Callable, Sequence

from ..config import DEFAULT_MODEL, AnalysisOptions
from ..errors import Errors, ModelError
from ..io.labelled import LabelledComment
from ..pipeline import Analyzer, load_theme_model, model_input
from .adapted import AdaptedModel, fit_adapter
from .card import library_versions, today
from .training import _counter, _file_sha256, analyze_labelled, evaluate


def adapt(
    items: Sequence[LabelledComment],
    *,
    base: Any = DEFAULT_MODEL,
    analysis: AnalysisOptions | None = None,
    params: dict[str, Any] | None = None,
    test: Sequence[LabelledComment] | None = None,
    sources: Sequence[str] = (),
    progress: Callable[[str], None] | None = None,
    stages: Callable[[str, int, int], None] | None = None,
) -> tuple[AdaptedModel, dict[str, Any]]:
    """Adapt a model with labelled comments: the labels' themes and sentiment are learned, the
    base's other themes are kept.

    items (Sequence[LabelledComment]): The person's labels (e.g. `read_labelled("to_label.csv")`).
    base (str | ThemeModel | AdaptedModel): A model directory, "default" for the shipped one, or
        a loaded model.
    analysis (AnalysisOptions | None): The rules pipeline (taxonomy, lexicon) the models read;
        its model setting is ignored.
    params (dict | None): Adapter parameters (ThemeModel's) over `adapted.ADAPTER_PARAMS`.
    test (Sequence[LabelledComment] | None): Held-out labels to score once after fitting.
    sources (Sequence[str]): The label files, hashed into the model card.
    progress (Callable[[str], None] | None): Told what is being done, step by step.
    stages (Callable[[str, int, int], None] | None): Told each fitting stage as it ends: its
        name ("theme speed"), the stages done and their expected total (a progress bar).
    RETURNS (tuple): The adapted model and its card (a dict saved with it).
    RAISES (ModelError): No labels, a base that cannot be loaded, or labels a model cannot be
        fitted on.
    """
    say = progress or (lambda message: None)
    if not items:
        raise ModelError(Errors.E210)
    base_path = base if isinstance(base, str) else getattr(base, "card_", {}).get("path", "<in memory>")
    if isinstance(base, str):
        say(f"Loading the base model {base}")
        base = load_theme_model(base)
    if isinstance(base, AdaptedModel):
        base = base.base
    rules = Analyzer.from_options(replace(analysis or AnalysisOptions(), model=None))
    say(f"Reading {len(items)} labelled comments with the rules (spaCy, VADER, taxonomy)")
    inputs = [model_input(r) for r in analyze_labelled(rules, items, screen=False)]
    themes = [dict(item.themes) for item in items]
    sentiments = [item.sentiment for item in items]
    covered = sorted({t for labels in themes for t in labels})
    say(f"Fitting the adapter: {len(covered)} labelled themes"
        f"{' and sentiment' if any(sentiments) else ''}; the base's other themes are kept")
    base_card = getattr(base, "card_", {}) or {}
    card: dict[str, Any] = {
        "created": today(),
        "base": {"path": str(base_path), "n_train": getattr(base, "n_train_", None),
                 "training_data": base_card.get("training_data", []),
                 "created": base_card.get("created")},
        "training_data": [{"path": str(p), "sha256": _file_sha256(p)} for p in sources],
        "n_train": len(items),
        "theme_counts": dict(Counter(t for labels in themes for t in labels)),
        "sentiment_counts": dict(Counter(s for s in sentiments if s)),
        "taxonomy": {"name": rules.taxonomy.name, "version": rules.taxonomy.version, "sha256": rules.taxonomy.sha256},
        "library_versions": library_versions(),
    }
    model = fit_adapter(base, inputs, themes, sentiments, rule_themes=rules.taxonomy.theme_ids, params=params,
                        card=card, progress=_counter(stages, total=2 + 2 * len(covered) + bool(any(sentiments))))
    card["cv_scores"] = model.adapter.cv_scores_
    if test:
        say(f"Scoring {len(test)} held-out comments")
        card["held_out"] = evaluate(rules.with_model(model), test)
    say("Done")
    return model, card
