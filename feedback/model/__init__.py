"""Theme models: features, the ThemeModel estimator, saving and loading, training, evaluation.

    types       ModelInput, ThemePrediction, Prediction, banded (light: what the pipeline imports)
    base        scikit-learn's estimator conventions (get_params, set_params, the fitted check)
    features    tokens, negation-marked word n-grams, character n-grams, TF-IDF
    linear      the arithmetic of the linear heads (scores, thresholds, cross-validated figures)
    estimator   ThemeModel: theme detection, per-theme polarity, overall sentiment
    persist     save_model / load_model: model.json and a pickle-free weights.npz, checksummed
    adapted     AdaptedModel: a base model adapted with a person's labels (`train --base`)
    card        the model card: what a model records about itself, and its README.md
    training    train and evaluate against labelled comments

The names below are imported on first use (PEP 562), so importing `feedback.model.types` (as
the pipeline does) loads neither NumPy's sparse maths nor scikit-learn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_exports

# Public name -> the module of this package that defines it.
_EXPORTS = {
    "ModelInput": "types",
    "ThemePrediction": "types",
    "Prediction": "types",
    "banded": "types",
    "ThemeModel": "estimator",
    "negation_ngrams": "features",
    "char_ngrams": "features",
    "save_model": "persist",
    "load_model": "persist",
    "write_card": "card",
    "AdaptedModel": "adapted",
    "load_any_model": "adapted",
    "train": "training",
    "evaluate": "training",
    "analyze_labelled": "training",
}

if TYPE_CHECKING:
    from .adapted import AdaptedModel, load_any_model
    from .card import write_card
    from .estimator import ThemeModel
    from .features import char_ngrams, negation_ngrams
    from .persist import load_model, save_model
    from .training import analyze_labelled, evaluate, train
    from .types import ModelInput, Prediction, ThemePrediction, banded


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


__all__ = list(_EXPORTS)
