"""Training and evaluating theme models against labelled comments.

`train()` fits a ThemeModel on labelled comments as the rules pipeline sees them (rule hits and
VADER scores are model features); `evaluate()` scores any Analyzer, rules-only or with a model,
on labelled comments: per-theme precision/recall/F1, theme polarity, overall sentiment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any, Callable, Sequence

from ..checksums import file_sha256
from ..config import AnalysisOptions
from ..errors import Errors, ModelError
from ..io.labelled import LabelledComment
from ..pipeline import Analyzer, model_input
from ..records import AnalyzedRecord, Comment
from .card import library_versions, today
from .estimator import ThemeModel

SENTIMENT_LABELS = ("positive", "neutral", "negative")


def analyze_labelled(analyzer: Analyzer, items: Sequence[LabelledComment], *,
                     screen: bool = True) -> list[AnalyzedRecord]:
    """Run an Analyzer over labelled comments (their text only), in order.

    screen (bool): Keep non-answers and other languages unanalysed, as `analyze` does (for
        evaluation); training reads every labelled comment as a person labelled it.
    """
    comments = [Comment(item.id or str(n), n, n, item.text or " ", {}, {}) for n, item in enumerate(items, 1)]
    return [r for r in analyzer.pipe(comments, screen=screen) if isinstance(r, AnalyzedRecord)]


def train(
    items: Sequence[LabelledComment],
    *,
    analysis: AnalysisOptions | None = None,
    params: dict[str, Any] | None = None,
    test: Sequence[LabelledComment] | None = None,
    sources: Sequence[str] = (),
    sentiment_only: Sequence[LabelledComment] = (),
    progress: Callable[[str, int, int], None] | None = None,
    groups: Sequence[str] | None = None,
) -> tuple[ThemeModel, dict[str, Any]]:
    """Fit a ThemeModel on labelled comments.

    items (Sequence[LabelledComment]): Training comments, their themes labelled (an empty
        dict is "no theme").
    analysis (AnalysisOptions | None): The rules pipeline (taxonomy, lexicon) whose output the
        model reads; its model setting is ignored.
    params (dict | None): ThemeModel parameters. Unless they set `char_ngram_range`, character
        n-grams are read only when some labelled theme is not a taxonomy theme.
    test (Sequence[LabelledComment] | None): Held-out comments to score once after fitting.
    sources (Sequence[str]): Training file paths, hashed into the model card.
    sentiment_only (Sequence[LabelledComment]): More comments whose overall sentiment is known
        but whose themes were not labelled (star-rated reviews): the sentiment head and the
        vocabulary read them, theme detection does not.
    progress (Callable[[str, int, int], None] | None): Told each stage as it ends: its name
        ("rules", "theme speed"), the stages done and their expected total.
    groups (Sequence[str] | None): The source of each comment (items, then sentiment_only):
        the sentiment head is trusted only where no source loses accuracy against VADER.
    RETURNS (tuple): The fitted model and its card (a dict saved with it).
    RAISES (ModelError): No comments, an unknown parameter, labels a model cannot be fitted
        on, or a source that cannot be read.
    """
    if not items:
        raise ModelError(Errors.E210)
    n_themes = len({t for item in items for t in item.themes})
    report = _counter(progress, total=3 + 2 * n_themes + bool(test))
    model = ThemeModel()
    model.set_params(**(params or {}))
    rules = Analyzer.from_options(replace(analysis or AnalysisOptions(), model=None))
    if "char_ngram_range" not in (params or {}) and {t for item in items for t in item.themes} <= set(
            rules.taxonomy.theme_ids):
        # Every labelled theme is one the rules can find: their hits and the words carry it, and
        # character n-grams (most of the features) cost 4-5x the training time and a quarter of
        # the model's prediction time for nothing measurable on real data (shipped model: theme
        # F1 0.697 with them, 0.695 without, on 400 hand-labelled real comments). Themes only
        # words can find keep them (SemEval-14 categories: detection F1 0.861 with, 0.841 without).
        model.set_params(char_ngram_range=None)
    every = [*items, *sentiment_only]
    inputs = [model_input(r) for r in analyze_labelled(rules, every, screen=False)]
    report("rules")
    themes: list[dict[str, str | None] | None] = [dict(item.themes) for item in items]
    themes += [None] * len(sentiment_only)
    sentiments = [item.sentiment for item in every]
    model.fit(
        inputs,
        themes,
        sentiments if any(sentiments) else None,
        rule_themes=rules.taxonomy.theme_ids,
        theme_order=rules.taxonomy.theme_ids,
        progress=report,
        groups=groups,
    )
    card: dict[str, Any] = {
        "created": today(),
        "training_data": [{"path": str(p), "sha256": _file_sha256(p)} for p in sources],
        "n_train": len(every),
        "n_theme_labelled": len(items),
        "n_sentiment_only": len(sentiment_only),
        "theme_counts": dict(Counter(t for item in items for t in item.themes)),
        "sentiment_counts": dict(Counter(s for s in sentiments if s)),
        "taxonomy": {"name": rules.taxonomy.name, "version": rules.taxonomy.version, "sha256": rules.taxonomy.sha256},
        "library_versions": library_versions(),
        "cv_scores": model.cv_scores_,
    }
    if test:
        card["held_out"] = evaluate(rules.with_model(model), test)
        report("held-out evaluation")
    return model, card


def _counter(progress: Callable[[str, int, int], None] | None, total: int) -> Callable[[str], None]:
    """A stage reporter that counts the stages done (a bar's length is `total`)."""
    done = 0

    def report(stage: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(stage, min(done, total), total)

    return report


def evaluate(analyzer: Analyzer, items: Sequence[LabelledComment]) -> dict[str, Any]:
    """Score an Analyzer's themes, theme polarity and sentiment against gold labels.

    analyzer (Analyzer): Rules only, or with a theme model.
    items (Sequence[LabelledComment]): Gold comments.
    RETURNS (dict): Plainly named figures: micro_precision, micro_recall, micro_f1, macro_f1,
        per_theme, polarity_accuracy (on detected gold themes), polarity_accuracy_gold (on the
        gold themes, as SemEval-2014 scored it), sentiment_accuracy, sentiment_macro_f1,
        theme_confusion and sentiment_confusion.
    """
    records = analyze_labelled(analyzer, items)
    gold_sets = [set(item.themes) for item in items]
    evaluated = sorted({t for s in gold_sets for t in s})
    predicted: list[dict[str, list[str]]] = []
    for record in records:
        by_theme: dict[str, list[str]] = {}
        for m in record.themes:
            by_theme.setdefault(m.parent, []).append(m.label)
        predicted.append(by_theme)
    per_theme: dict[str, dict[str, float]] = {}
    tp_all = fp_all = fn_all = 0
    for theme in evaluated:
        tp = sum(1 for g, p in zip(gold_sets, predicted) if theme in g and theme in p)
        fp = sum(1 for g, p in zip(gold_sets, predicted) if theme not in g and theme in p)
        fn = sum(1 for g, p in zip(gold_sets, predicted) if theme in g and theme not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        per_theme[theme] = _scores(tp, fp, fn) | {"support": tp + fn}
    report: dict[str, Any] = {"n_comments": len(items), "themes_evaluated": evaluated}
    report.update({f"micro_{k}": v for k, v in _scores(tp_all, fp_all, fn_all).items()})
    report["macro_f1"] = round(sum(s["f1"] for s in per_theme.values()) / len(per_theme), 4) if per_theme else 0.0
    report["per_theme"] = per_theme

    # Polarity of detected themes that are also gold: what a user of the output gets.
    pairs = [(item.themes[t], _mention_polarity(p[t])) for item, p in zip(items, predicted)
             for t in item.themes if t in p and item.themes[t]]
    report["polarity_accuracy"] = _accuracy(pairs)
    report["polarity_n"] = len(pairs)
    # Polarity on every gold theme, whether detected or not (SemEval-2014 subtask 4 scoring).
    gold_pairs = _gold_polarity_pairs(analyzer, items, records, predicted)
    report["polarity_accuracy_gold"] = _accuracy(gold_pairs)
    report["polarity_gold_n"] = len(gold_pairs)

    # A comment left unscored (another language, a non-answer) counts as a neutral prediction.
    sentiment_pairs = [(item.sentiment, r.label or "neutral") for item, r in zip(items, records) if item.sentiment]
    if sentiment_pairs:
        report["sentiment_accuracy"] = _accuracy(sentiment_pairs)
        report["sentiment_macro_f1"] = _macro_f1(sentiment_pairs, SENTIMENT_LABELS)
        report["sentiment_confusion"] = {
            g: {p: sum(1 for a, b in sentiment_pairs if a == g and b == p) for p in SENTIMENT_LABELS}
            for g in SENTIMENT_LABELS
        }
    confusion: dict[str, Counter] = {}
    for g, p in zip(gold_sets, predicted):
        for theme in g or {"(none)"}:
            row = confusion.setdefault(theme, Counter())
            for q in set(p) or {"(none)"}:
                row[q] += 1
    report["theme_confusion"] = {g: dict(c.most_common()) for g, c in sorted(confusion.items())}
    return report


def _mention_polarity(labels: list[str]) -> str:
    """One polarity for a theme mentioned several times: mixed signs make a conflict."""
    kinds = set(labels) - {"neutral"}
    if not kinds:
        return "neutral"
    if len(kinds) == 1:
        return kinds.pop()
    return "conflict"


def _gold_polarity_pairs(analyzer: Analyzer, items: Sequence[LabelledComment], records: list[AnalyzedRecord],
                         predicted: list[dict[str, list[str]]]) -> list[tuple[str, str]]:
    # Gold theme -> polarity, for the gold themes that have one.
    wanted = [{t: pol for t, pol in item.themes.items() if pol} for item in items]
    # A model that can judge the polarity of themes it was told about (ThemeModel can); other
    # model kinds fall back to the themes they detected.
    predict_polarity = getattr(analyzer.theme_model, "predict_polarity", None)
    by_model: list[dict[str, str]] = [{} for _ in items]
    if predict_polarity is not None:
        by_model = predict_polarity([model_input(r) for r in records], [list(w) for w in wanted])
    pairs = []
    for want, record, pred, from_model in zip(wanted, records, predicted, by_model):
        for theme, gold in want.items():
            if theme in from_model:
                guess = from_model[theme]
            elif theme in pred:
                guess = _mention_polarity(pred[theme])
            else:
                guess = record.label or "neutral"
            pairs.append((gold, guess))
    return pairs


def _file_sha256(path: str) -> str:
    try:
        return file_sha256(path)
    except OSError as e:
        raise ModelError(Errors.E214.format(path=path, reason=e.strerror or e)) from None


def _scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _accuracy(pairs: list[tuple[Any, Any]]) -> float | None:
    return round(sum(1 for a, b in pairs if a == b) / len(pairs), 4) if pairs else None


def _macro_f1(pairs: list[tuple[str, str]], labels: Sequence[str]) -> float:
    f1s = []
    for label in labels:
        tp = sum(1 for a, b in pairs if a == label and b == label)
        fp = sum(1 for a, b in pairs if a != label and b == label)
        fn = sum(1 for a, b in pairs if a == label and b != label)
        f1s.append(_scores(tp, fp, fn)["f1"])
    return round(sum(f1s) / len(f1s), 4)
