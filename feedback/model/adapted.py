"""AdaptedModel: a base theme model (e.g. the shipped cx-default) adapted with a person's labels.

Composition, not retraining: the base model is kept whole, and a small ThemeModel (the adapter)
is fitted on the person's labels with the base's opinion as features, stacked:
  - the base's theme detections are extra detection columns ("base:price"), beside the rule
    hits, so a labelled theme the base already knows starts from what the base finds;
  - sentiment is a mixture of the base's class probabilities and the adapter's, weighted by
    how well each does on the labels (the adapter's judged by cross-validation): a base that
    reads the person's comments well keeps most of the say while labels are few, one that
    does not (another domain) hands over to the labels. The mixture speaks only from a
    confidence (also chosen on the labels); below it the comment keeps what the base model
    said in the pipeline (its head where confident, else VADER's label), so with a share and
    confidence that the labels do not support, the adapted model answers exactly as the base.
Predictions then take, theme by theme, the adapter's heads for the themes the labels cover and
the base's for the rest (what the base knows about themes nobody labelled is kept); sentiment
is the mixture when the labels carry sentiment, else the base's.

Saved as a directory: model.json (format "feedback-adapted-model", the card, and the
`model_sha256` of both parts, sealed like a ThemeModel's), base/ and adapter/ (each an ordinary
saved ThemeModel: JSON and a pickle-free weights.npz). Nothing is pickled.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ..errors import Errors, ModelError
from .estimator import ThemeModel
from .persist import MODEL_FILE, load_model, model_checksum, save_model
from .types import ModelInput, Prediction, banded, polarity_label

FORMAT = "feedback-adapted-model"
FORMAT_VERSION = 1
BASE_DIR, ADAPTER_DIR = "base", "adapter"
# The detection column that says "the base model found this theme".
BASE_PREFIX = "base:"
# Adapter parameters for a few hundred labels: word weights regularised harder than a model
# trained on thousands of comments needs, and theme detection reading the base's word vectors,
# which carry a new theme past the words its few labels used (200 guided SemEval restaurant
# labels, new themes' macro-F1 0.791 against 0.740 for the labels alone; without the vectors
# the adapter trailed the labels alone by 0.01; benchmarks/learning_curve.py). Its detection
# fits with liblinear's primal solver: the same learning curve within the seeds' noise, and
# adapting on 10,000 labels 3x faster (ThemeModel's `detection_dual`).
ADAPTER_PARAMS: dict[str, Any] = {"sentiment_C": 3.0, "C": 10.0, "detection_embeddings": True, "detection_dual": False}
# The word vectors help a theme learned from few labels; with many, its words suffice, and the
# dense columns slow liblinear (10,000 labels, the primal solver: 59 s with them, 31 s without;
# the dual one: 250 s and 83 s).
VECTORS_UP_TO = 2000
# The adapter's share of the sentiment mixture is chosen among these, and the confidence from
# which the mixture replaces the base's pipeline answer among CUTS (NEVER: the base's answer
# always). Coarse on purpose: the choice is made on a few hundred labels.
WEIGHTS = tuple(k / 4 for k in range(5))
NEVER = 2.0
CUTS = (NEVER, 0.9, 0.8, 0.7, 0.6, 0.5, 0.0)
# A blend replaces the base's answer only when it is right more often on the labels by at least
# this many standard errors of the paired difference, with no loss of macro-F1: on a domain the
# base already reads well, a gain of a few comments in 200 is chance (and guided labels are
# the comments the base finds hard, which flatters any alternative); chasing it cost up to
# 0.03 macro-F1 on held-out SemEval sentences with 1 SE (benchmarks/learning_curve.py).
MIN_GAIN_SE = 2.0


class AdaptedModel:
    """A base ThemeModel with an adapter fitted on a person's labels (see the module docstring).

    base (ThemeModel): The model adapted (kept unchanged).
    adapter (ThemeModel): Fitted by `fit_adapter` on inputs from `stacked_inputs`.
    card (dict | None): The model card's data.
    sentiment_weight (float): The adapter's share of the sentiment mixture (0: the base's).
    sentiment_cut (float): The mixture's top probability from which it gives the sentiment;
        below it the base's pipeline answer stands (0: the mixture always; above 1: never).
    """

    def __init__(self, base: Any, adapter: ThemeModel, card: dict[str, Any] | None = None, *,
                 sentiment_weight: float = 1.0, sentiment_cut: float = 0.0,
                 adapter_themes: Sequence[str] | None = None) -> None:
        self.base = base
        self.adapter = adapter
        self.card_ = card or {}
        self.sentiment_weight = sentiment_weight
        self.sentiment_cut = sentiment_cut
        # The labelled themes the adapter decides: those it detects better than the base on the
        # labels (cross-validated), and every theme the base does not know.
        self.adapter_themes = list(adapter.themes_ if adapter_themes is None else adapter_themes)
        covered = set(self.adapter_themes)
        self.themes_: list[str] = list(self.adapter_themes) + [t for t in base.themes_ if t not in covered]

    @property
    def covered_themes(self) -> list[str]:
        """The themes whose detection and polarity come from the labels."""
        return list(self.adapter_themes)

    @property
    def sentiment_source(self) -> str:
        """"adapter" when the labels carried sentiment, else "base"."""
        return "adapter" if self.adapter.sentiment_classes_ else "base"

    @property
    def sentiment_rule(self) -> str:
        """In words, when the labels decide the sentiment (for the model card and the CLI)."""
        if not self.adapter.sentiment_classes_:
            return "the base's sentiment"
        if self.sentiment_cut > 1.0:
            return "the base's answer kept: the labels did not improve on it"
        where = "always" if self.sentiment_cut <= 0.0 else f"where its top probability is >= {self.sentiment_cut:g}"
        return f"labels' share {self.sentiment_weight:g} of the mixture, {where}; else the base's answer"

    @property
    def n_train_(self) -> int:
        return int(self.adapter.n_train_)

    def predict(self, inputs: Sequence[ModelInput]) -> list[Prediction]:
        """Themes, their polarity, and sentiment: the adapter's for what the labels cover.

        inputs (Sequence[ModelInput]): The comments, as the rules pipeline saw them.
        RETURNS (list[Prediction]): One per input, in order.
        """
        if not inputs:
            return []
        base_predictions = self.base.predict(inputs)
        stacked = stacked_inputs(inputs, base_predictions)
        adapted = self.adapter.predict(stacked)
        sentiments = [b.sentiment for b in base_predictions]
        if self.adapter.sentiment_classes_:
            classes, mixed = self._sentiment_proba(inputs, stacked)
            sentiments = [banded(dict(zip(classes, p))) if p.max() >= self.sentiment_cut else s
                          for p, s in zip(mixed, sentiments)]
        covered = set(self.adapter_themes)
        return [Prediction([p for p in a.themes if p.theme in covered] + [p for p in b.themes if p.theme not in covered],
                           sentiment)
                for b, a, sentiment in zip(base_predictions, adapted, sentiments)]

    def _sentiment_proba(self, inputs: Sequence[ModelInput], stacked: Sequence[ModelInput]) -> tuple[list[str], np.ndarray]:
        """The sentiment classes and their mixed probabilities (base and adapter)."""
        adapter = self.adapter.predict_proba(stacked)[1]
        base = _base_sentiment_proba(self.base, inputs)
        return mix(base, adapter, self.adapter.sentiment_classes_, self.sentiment_weight)

    @property
    def sentiment_classes_(self) -> list[str]:
        classes = list(getattr(self.base, "sentiment_classes_", []) or [])
        return sorted(set(classes) | set(self.adapter.sentiment_classes_))

    def predict_proba(self, inputs: Sequence[ModelInput]) -> tuple[np.ndarray, np.ndarray | None]:
        """Theme probabilities (comments x `themes_`) and sentiment class probabilities
        (comments x `sentiment_classes_`, None without a sentiment head)."""
        base_theme, base_sentiment = self.base.predict_proba(inputs)
        stacked = stacked_inputs(inputs, self.base.predict(inputs))
        theme = self.adapter.predict_proba(stacked)[0]
        index = {t: j for j, t in enumerate(self.base.themes_)}
        own = {t: j for j, t in enumerate(self.adapter.themes_)}
        columns = [theme[:, own[t]] for t in self.adapter_themes]
        columns += [base_theme[:, index[t]] for t in self.themes_[len(self.adapter_themes):]]
        themes = np.column_stack(columns) if columns else np.zeros((len(inputs), 0))
        if not self.adapter.sentiment_classes_:
            return themes, base_sentiment
        return themes, self._sentiment_proba(inputs, stacked)[1]

    def predict_polarity(self, inputs: Sequence[ModelInput], themes: Sequence[Sequence[str]]) -> list[dict[str, str]]:
        """The polarity of given themes in each comment (see ThemeModel.predict_polarity)."""
        covered = set(self.adapter_themes)
        from_base = self.base.predict_polarity(inputs, [[t for t in want if t not in covered] for want in themes])
        stacked = stacked_inputs(inputs, self.base.predict(inputs))
        from_adapter = self.adapter.predict_polarity(stacked, [[t for t in want if t in covered] for want in themes])
        return [b | a for b, a in zip(from_base, from_adapter)]


def stacked_inputs(inputs: Sequence[ModelInput], base_predictions: Sequence[Prediction]) -> list[ModelInput]:
    """The inputs as the adapter reads them: the base's detections as extra rule hits
    ("base:<theme>")."""
    return [item._replace(rule_themes=item.rule_themes | frozenset(BASE_PREFIX + p.theme for p in prediction.themes))
            for item, prediction in zip(inputs, base_predictions)]


def _base_sentiment_proba(base: Any, inputs: Sequence[ModelInput]) -> tuple[list[str], np.ndarray | None]:
    """The base's sentiment classes and probabilities (None when it has no sentiment head)."""
    classes = list(getattr(base, "sentiment_classes_", []) or [])
    if not classes or not hasattr(base, "predict_proba"):
        return [], None
    return classes, base.predict_proba(inputs)[1]


def mix(base: tuple[list[str], np.ndarray | None], adapter: np.ndarray | None, adapter_classes: Sequence[str],
        weight: float) -> tuple[list[str], np.ndarray]:
    """weight x the adapter's probabilities + (1 - weight) x the base's, over both class sets.

    RETURNS (tuple): The classes (sorted) and the mixed probabilities (comments x classes).
    """
    base_classes, base_proba = base
    classes = sorted(set(base_classes) | set(adapter_classes))
    n = len(adapter) if adapter is not None else len(base_proba) if base_proba is not None else 0
    out = np.zeros((n, len(classes)))
    for share, names, proba in ((weight, adapter_classes, adapter), (1.0 - weight, base_classes, base_proba)):
        if proba is None or not share:
            continue
        for k, name in enumerate(names):
            out[:, classes.index(name)] += share * proba[:, k]
    if base_proba is None and adapter is not None:
        out = np.zeros((n, len(classes)))
        for k, name in enumerate(adapter_classes):
            out[:, classes.index(name)] = adapter[:, k]
    return classes, out


def fit_adapter(
    base: Any,
    inputs: Sequence[ModelInput],
    themes: Sequence[dict[str, str | None]],
    sentiments: Sequence[str | None] | None,
    *,
    rule_themes: Sequence[str],
    params: dict[str, Any] | None = None,
    card: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> AdaptedModel:
    """Fit an adapter on labelled comments and compose it with `base`.

    base (ThemeModel | AdaptedModel): The model to adapt; adapting an adapted model adapts its
        base again (the labels of both rounds should then be given together).
    inputs (Sequence[ModelInput]): The labelled comments, as the rules pipeline saw them.
    themes (Sequence[dict]): Gold theme -> polarity (or None) per comment.
    sentiments (Sequence[str | None] | None): Gold overall sentiment per comment.
    rule_themes (Sequence[str]): The taxonomy's theme ids (rule-hit features).
    params (dict | None): Adapter parameters over ADAPTER_PARAMS.
    card (dict | None): The model card's data.
    progress (Callable[[str], None] | None): Told each stage as it ends ("theme speed"; the
        sentiment blend last).
    RETURNS (AdaptedModel): The composed model.
    RAISES (ModelError): Labels a model cannot be fitted on (see ThemeModel.fit).
    """
    if isinstance(base, AdaptedModel):
        base = base.base
    adapter = ThemeModel()
    # The adapter reads the same word vectors as its base's sentiment head, if any, and the
    # question marks if its base does.
    vectors = {"embeddings": base.embeddings} if getattr(base, "embeddings", None) else {}
    marks = {"question_marks": True} if getattr(base, "question_marks", False) else {}
    adapter.set_params(**(ADAPTER_PARAMS | vectors | marks | (params or {})))
    if "char_ngram_range" not in (params or {}) and {t for labels in themes for t in labels} <= set(rule_themes):
        # As `train` does: themes the rules can find need no character n-grams, which made
        # adapting on 10,000 labels take ~9 minutes (`feedback.model.training.train`).
        adapter.set_params(char_ngram_range=None)
    if "detection_embeddings" not in (params or {}) and len(inputs) > VECTORS_UP_TO:
        adapter.set_params(detection_embeddings=False)
    stacked = stacked_inputs(inputs, base.predict(inputs))
    labelled = sentiments if sentiments and any(sentiments) else None
    extended = [*rule_themes, *(BASE_PREFIX + t for t in base.themes_)]
    adapter.fit(stacked, themes, labelled, rule_themes=extended, theme_order=list(dict.fromkeys([*rule_themes, *base.themes_])),
                progress=progress)
    weight, cut = 1.0, 0.0
    if labelled and adapter.sentiment_classes_:
        weight, cut = sentiment_blend(base, adapter.get_params(), inputs, stacked, labelled, extended,
                                      adapter_proba=(adapter.sentiment_classes_, adapter.sentiment_cv_proba_))
        if progress is not None:
            progress("sentiment blend")
    return AdaptedModel(base, adapter, card, sentiment_weight=weight, sentiment_cut=cut,
                        adapter_themes=better_themes(base, adapter, inputs, themes))


def better_themes(base: Any, adapter: ThemeModel, inputs: Sequence[ModelInput],
                  themes: Sequence[dict[str, str | None]]) -> list[str]:
    """The adapter's themes it should decide: new ones, and known ones whose cross-validated F1 on
    the labels beats the base's F1 on them (the base never saw these labels) by more than chance.
    A strong base is not replaced by an adapter fitted on a few dozen examples of a theme it
    already finds well: with k labelled examples of a theme, an F1 measured on them moves by
    about 1/sqrt(k) from one sample to the next (4 examples: 0.5; 100: 0.1), so the adapter must
    win by that much."""
    known = set(base.themes_)
    found = [{p.theme for p in prediction.themes} for prediction in base.predict(inputs)]
    chosen = []
    for theme in adapter.themes_:
        if theme not in known:
            chosen.append(theme)
            continue
        gold = [theme in labels for labels in themes]
        tp = sum(g and theme in f for g, f in zip(gold, found))
        fp = sum(not g and theme in f for g, f in zip(gold, found))
        fn = sum(g and theme not in f for g, f in zip(gold, found))
        base_f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        noise = 1.0 / np.sqrt(max(tp + fn, 1))
        if adapter.cv_scores_.get("themes", {}).get(theme, {}).get("f1", 0.0) > base_f1 + noise:
            chosen.append(theme)
    return chosen


def sentiment_blend(base: Any, params: dict[str, Any], inputs: Sequence[ModelInput], stacked: Sequence[ModelInput],
                    sentiments: Sequence[str | None], rule_themes: Sequence[str],
                    adapter_proba: tuple[list[str], np.ndarray | None] | None = None) -> tuple[float, float]:
    """The adapter's share of the sentiment mixture and the confidence from which the mixture
    speaks that score best on the labels: the adapter's sentiment probabilities out of fold
    (cross-validated), mixed with the base's at each of WEIGHTS, the mixture's label taken
    where its top probability reaches each of CUTS and the base's pipeline answer elsewhere;
    among the blends that beat the base's answer by more than chance (MIN_GAIN_SE), the sum of
    accuracy and macro-F1 decides; if none does, the base's answer stands (NEVER).

    adapter_proba (tuple | None): The fitted adapter's classes and out-of-fold sentiment
        probabilities (`ThemeModel.sentiment_cv_proba_`), used when there are: fitting the
        folds again here doubled the time of adapting on 10,000 labels.
    RETURNS (tuple[float, float]): The weight and the cut.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    rows = [i for i, s in enumerate(sentiments) if s]
    gold = np.array([sentiments[i] for i in rows])
    base_proba = _base_sentiment_proba(base, [inputs[i] for i in rows])
    counts = np.unique(gold, return_counts=True)[1]
    n_splits = min(int(params.get("cv", 5)), len(rows))
    if n_splits < 2 or len(counts) < 2:
        return 1.0, 0.0
    seed = int(params.get("random_state", 0))
    # Stratified when every class can be in every fold; a class rarer than that still counts.
    folds = (StratifiedKFold(n_splits, shuffle=True, random_state=seed) if counts.min() >= n_splits
             else KFold(n_splits, shuffle=True, random_state=seed))
    adapter_classes = sorted(set(gold))
    out_of_fold = np.full((len(rows), len(adapter_classes)), 1.0 / len(adapter_classes))
    fitted_classes, fitted_proba = adapter_proba if adapter_proba is not None else ([], None)
    if fitted_proba is not None:
        for k, name in enumerate(fitted_classes):
            out_of_fold[:, adapter_classes.index(name)] = fitted_proba[:, k]
    for train, test in folds.split(np.zeros(len(rows)), gold) if fitted_proba is None else []:
        # Sentiment only, and character n-grams feed theme detection only: neither is needed.
        fold = ThemeModel(**(params | {"char_ngram_range": None, "cv": 1}))
        try:
            fold.fit([stacked[rows[i]] for i in train], [{} for _ in train], list(gold[train]), rule_themes=rule_themes)
        except ModelError:  # too few comments in this fold to keep any n-gram
            continue
        if not fold.sentiment_classes_:
            continue  # one class in this fold's training part: it says nothing (uniform)
        proba = fold.predict_proba([stacked[rows[i]] for i in test])[1]
        assert proba is not None
        out_of_fold[test] = 0.0
        for k, name in enumerate(fold.sentiment_classes_):
            out_of_fold[test, adapter_classes.index(name)] = proba[:, k]
    # What the pipeline says with the base alone: its head where it speaks, else VADER's label.
    answers = [p.sentiment for p in base.predict([inputs[i] for i in rows])]
    fallback = np.array([a[0] if a is not None else polarity_label(inputs[i].compound) for a, i in zip(answers, rows)])
    base_right = (fallback == gold).astype(float)
    base_f1 = _macro_f1(gold, fallback)
    best, best_score = (0.0, NEVER), float(np.mean(base_right)) + base_f1
    for weight in WEIGHTS if base_proba[1] is not None else (1.0,):
        classes, mixed = mix(base_proba, out_of_fold, adapter_classes, weight)
        labels = np.array([banded(dict(zip(classes, p)))[0] for p in mixed])
        top = mixed.max(axis=1)
        for cut in CUTS[1:]:
            predicted = np.where(top >= cut, labels, fallback)
            gain = (predicted == gold).astype(float) - base_right
            error = float(np.std(gain, ddof=1)) / np.sqrt(len(gain))
            f1 = _macro_f1(gold, predicted)
            if float(np.mean(gain)) <= MIN_GAIN_SE * error or f1 < base_f1:
                continue
            score = float(np.mean(predicted == gold)) + f1
            if score > best_score + 1e-9:
                best, best_score = (weight, cut), score
    return best


def _macro_f1(gold: np.ndarray, predicted: np.ndarray) -> float:
    f1s = []
    for label in np.unique(gold):
        tp = float(np.sum((gold == label) & (predicted == label)))
        fp = float(np.sum((gold != label) & (predicted == label)))
        fn = float(np.sum((gold == label) & (predicted != label)))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return float(np.mean(f1s))


def is_adapted(directory: str) -> bool:
    """Whether `directory` holds an adapted model (its model.json says so)."""
    meta_path = Path(directory) / MODEL_FILE
    try:
        return json.loads(meta_path.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def load_any_model(directory: str) -> ThemeModel | AdaptedModel:
    """A saved ThemeModel or AdaptedModel, whichever `directory` holds (no pickle, checksummed).

    RAISES (ModelError): As `load_model`, for either model or its parts.
    """
    return load_adapted(directory) if is_adapted(directory) else load_model(directory)


def save_adapted(model: AdaptedModel, directory: str) -> None:
    """Write model.json, base/ and adapter/ into `directory` (created if missing).

    RAISES (ModelError): The directory cannot be written.
    """
    path = Path(directory)
    for part, sub in ((model.base, BASE_DIR), (model.adapter, ADAPTER_DIR)):
        target = path / sub
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        save_model(part, str(target), card=getattr(part, "card_", None) if sub == BASE_DIR else {})
    meta: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "themes": model.themes_,
        "covered_themes": model.covered_themes,
        "sentiment_source": model.sentiment_source,
        "sentiment_weight": model.sentiment_weight,
        "sentiment_cut": model.sentiment_cut,
        "adapter_themes": model.adapter_themes,
        "parts": {sub: _part_checksum(path / sub) for sub in (BASE_DIR, ADAPTER_DIR)},
        "card": model.card_,
    }
    meta["model_sha256"] = model_checksum(meta)
    try:
        (path / MODEL_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    except OSError as e:
        raise ModelError(Errors.E213.format(path=directory, reason=e.strerror or e)) from None


def load_adapted(directory: str) -> AdaptedModel:
    """Load an adapted model, checking its seal and that its parts are the ones it was saved with.

    RAISES (ModelError): A part missing or changed, or model.json modified.
    """
    path = Path(directory)
    meta_path = path / MODEL_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(Errors.E202.format(path=meta_path, reason=e)) from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(Errors.E203.format(path=meta_path, format=meta.get("format"),
                                            version=meta.get("format_version"), expected=FORMAT,
                                            expected_version=FORMAT_VERSION))
    if meta.get("model_sha256") != model_checksum(meta):
        raise ModelError(Errors.E222.format(path=meta_path))
    parts = meta.get("parts") or {}
    for sub in (BASE_DIR, ADAPTER_DIR):
        if _part_checksum(path / sub) != parts.get(sub):
            raise ModelError(Errors.E223.format(path=directory, part=sub))
    base, adapter = load_model(str(path / BASE_DIR)), load_model(str(path / ADAPTER_DIR))
    return AdaptedModel(base, adapter, meta.get("card") or {}, sentiment_weight=float(meta.get("sentiment_weight", 1.0)),
                        sentiment_cut=float(meta.get("sentiment_cut", 0.0)),
                        adapter_themes=meta.get("adapter_themes"))


def write_adapted_card(directory: str) -> Path:
    """Render README.md for an adapted model: what it was adapted from and with.

    RETURNS (Path): The README written.
    """
    meta = json.loads((Path(directory) / MODEL_FILE).read_text(encoding="utf-8"))
    card = meta.get("card", {})
    base = card.get("base", {})
    lines = [
        f"# Model card: {Path(directory).name} (adapted)",
        "",
        "A `feedback` theme model adapted with a person's labels (`feedback train --base`): the base",
        "model (`base/`, unchanged) plus an adapter (`adapter/`) fitted on the labels with the base's",
        "detections as features. Themes the labels cover come from the adapter, the others from the",
        "base; sentiment mixes the base's and the adapter's, weighted by how each does on the labels",
        "(the labels' share below). No pickle: JSON and NumPy arrays, each part sealed with its",
        "SHA-256 in model.json.",
        "",
        f"- Created: {card.get('created', '?')}",
        f"- Themes from the labels: {', '.join(meta.get('covered_themes', [])) or '(none)'}",
        f"- Themes kept from the base: {', '.join(t for t in meta.get('themes', []) if t not in meta.get('covered_themes', [])) or '(none)'}",
        f"- Sentiment from: {meta.get('sentiment_source')} (labels' share {meta.get('sentiment_weight')},"
        f" from a top probability of {meta.get('sentiment_cut', 0.0)}; below it, the base's answer)",
        f"- Reproduce: `{card.get('command') or 'see the README'}`",
        "",
        "## Data sets",
        "",
        f"Base model `{base.get('path', '?')}` ({base.get('n_train', '?')} training comments):",
        "",
    ]
    lines += [f"- `{s['path']}` (sha256 `{s['sha256'][:16]}...`)" for s in base.get("training_data", [])]
    lines += ["", f"Labels ({card.get('n_train', '?')} comments):", ""]
    lines += [f"- `{s['path']}` (sha256 `{s['sha256'][:16]}...`)" for s in card.get("training_data", [])]
    counts = card.get("theme_counts", {})
    if counts:
        lines += ["", "| theme | labelled comments |", "|---|---|"] + [f"| {t} | {n} |" for t, n in counts.items()]
    if card.get("sentiment_counts"):
        lines += ["", "Sentiment labels: " + ", ".join(f"{k} {v}" for k, v in card["sentiment_counts"].items())]
    out = Path(directory) / "README.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def _part_checksum(directory: Path) -> str | None:
    try:
        return json.loads((directory / MODEL_FILE).read_text(encoding="utf-8")).get("model_sha256")
    except (OSError, ValueError, AttributeError):
        return None
