"""Saving and loading theme models: model.json plus a NumPy weights.npz, never a pickle.

The weights are read with allow_pickle=False, so loading a model from any path runs no code;
model.json records the SHA-256 of the weights file and, as `model_sha256`, of its own content
(canonical JSON of everything but that field), and a mismatch of either is refused: a theme
renamed by hand or a weight changed on disk does not load. The checksums catch edits and
corruption, not an attacker who recomputes them: they are not signatures. Arrays are checked
before they are read (numbers only, bounded sizes) and after (the shapes the model needs).
"""

from __future__ import annotations

import hashlib
import json
import math
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..checksums import file_sha256
from ..errors import Errors, ModelError
from .estimator import ThemeModel

FORMAT = "feedback-theme-model"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"
WEIGHTS_FILE = "weights.npz"
# The shipped model has ~2 million weights; a header announcing far more is not a model.
MAX_ARRAY_ITEMS = 50_000_000


def save_model(model: ThemeModel, directory: str, *, card: dict[str, Any] | None = None) -> None:
    """Write model.json and weights.npz into `directory` (created if missing).

    model (ThemeModel): A fitted model.
    directory (str): Where to write.
    card (dict | None): The model card's data (see `feedback.model.card`), kept in model.json.
    RAISES (NotFittedError): The model was not fitted.
    RAISES (ModelError): The directory cannot be written.
    """
    model._check_fitted("save_model", "coef_")
    path = Path(directory)
    arrays: dict[str, np.ndarray] = {
        "idf": model.idf_,
        "char_idf": model.char_idf_,
        "coef": model.coef_,
        "intercept": model.intercept_,
        "thresholds": model.thresholds_,
        "keep_thresholds": model.keep_thresholds_,
        "calibration": model.calibration_,
    }
    for k, theme in enumerate(model.polarity_classes_):
        arrays[f"polarity_coef_{k}"] = model.polarity_coef_[theme]
        arrays[f"polarity_intercept_{k}"] = model.polarity_intercept_[theme]
    if model.sentiment_classes_:
        arrays["sentiment_coef"] = model.sentiment_coef_
        arrays["sentiment_intercept"] = model.sentiment_intercept_
    weights = path / WEIGHTS_FILE
    try:
        path.mkdir(parents=True, exist_ok=True)
        # float32 halves the file; the predictions it changes are rounded away in the output.
        stored: dict[str, Any] = {k: v.astype(np.float32) for k, v in arrays.items()}
        np.savez_compressed(weights, **stored)
        vocabulary = sorted(model.vocabulary_, key=model.vocabulary_.__getitem__)
        char_vocabulary = sorted(model.char_vocabulary_, key=model.char_vocabulary_.__getitem__)
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "params": model.get_params(),
            "themes": model.themes_,
            "rule_themes": model.rule_themes_,
            "polarity_themes": list(model.polarity_classes_),
            "polarity_classes": model.polarity_classes_,
            "sentiment_classes": model.sentiment_classes_,
            "sentiment_temperature": model.sentiment_temperature_,
            "sentiment_cut": model.sentiment_cut_,
            "sentiment_bias": [float(b) for b in model.sentiment_bias_] if model.sentiment_classes_ else [],
            "embeddings_sha256": model.embeddings_sha256_,
            "always_one": bool(model.always_one_),
            "vocabulary": vocabulary,
            "char_vocabulary": char_vocabulary,
            "n_train": model.n_train_,
            "cv_scores": model.cv_scores_,
            "weights_sha256": file_sha256(weights),
            "card": card or {},
        }
        meta["model_sha256"] = model_checksum(meta)
        text = json.dumps(meta, indent=1, ensure_ascii=False) + "\n"
        (path / MODEL_FILE).write_text(text, encoding="utf-8")
    except OSError as e:
        raise ModelError(Errors.E213.format(path=directory, reason=e.strerror or e)) from None


def load_model(directory: str) -> ThemeModel:
    """Load a saved model. Reads only JSON and a pickle-free .npz: no code runs.

    directory (str): A directory written by `save_model` / `feedback train`.
    RETURNS (ThemeModel): The fitted model, its card data in `card_`.
    RAISES (ModelError): Missing files, unknown format, or weights that do not match their hash.
    """
    path = Path(directory)
    meta_path, weights = path / MODEL_FILE, path / WEIGHTS_FILE
    if not meta_path.is_file() or not weights.is_file():
        raise ModelError(Errors.E201.format(path=directory,
                                            reason=f"expected {MODEL_FILE} and {WEIGHTS_FILE} in it"))
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise ModelError(Errors.E202.format(path=meta_path, reason=e)) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        found = meta if isinstance(meta, dict) else {}
        raise ModelError(Errors.E203.format(path=meta_path, format=found.get("format"),
                                            version=found.get("format_version"), expected=FORMAT,
                                            expected_version=FORMAT_VERSION))
    if meta.get("model_sha256") != model_checksum(meta):
        raise ModelError(Errors.E222.format(path=meta_path))
    if file_sha256(weights) != meta.get("weights_sha256"):
        raise ModelError(Errors.E204.format(path=weights, meta=MODEL_FILE))
    try:
        arrays = _read_arrays(weights, directory)
        model = _restore(meta, arrays)
        _check_shapes(model, directory)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError, zipfile.BadZipFile) as e:
        if isinstance(e, ModelError):
            raise
        raise ModelError(Errors.E206.format(path=directory, reason=_short(e))) from None
    if len(model.idf_) != len(model.vocabulary_) or len(model.char_idf_) != len(model.char_vocabulary_):
        raise ModelError(Errors.E206.format(path=directory, reason="vocabulary and IDF lengths differ"))
    n_features = len(model.vocabulary_) + len(model.char_vocabulary_) + len(model.rule_themes_)
    if model.detection_embeddings and model.embeddings:  # detection reads the mean word vector too
        from .embeddings import load_embeddings

        n_features += load_embeddings(model.embeddings, model.embeddings_sha256_).dims
    if model.coef_.shape != (len(model.themes_), n_features):
        raise ModelError(Errors.E205.format(path=directory, shape=model.coef_.shape,
                                            expected=(len(model.themes_), n_features)))
    return model


def model_checksum(meta: dict[str, Any]) -> str:
    """The SHA-256 of model.json's content, less its `model_sha256` field (canonical JSON)."""
    content = {k: v for k, v in meta.items() if k != "model_sha256"}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def seal_model_file(directory: str) -> None:
    """Write model.json's `model_sha256` again after a deliberate edit (e.g. of its card).

    directory (str): A model directory.
    """
    meta_path = Path(directory) / MODEL_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["model_sha256"] = model_checksum(meta)
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _read_arrays(weights: Path, directory: str) -> dict[str, np.ndarray]:
    """The arrays of weights.npz, each checked from its header before its data is read.

    RAISES (ModelError): An array that is not numbers (strings, objects) or is implausibly big.
    """
    arrays = {}
    with zipfile.ZipFile(weights) as archive:
        for info in archive.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(member)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(member)
                else:
                    raise _inconsistent(directory, f"array {name!r} is in .npy format {version}, which feedback does not write")
                if dtype.kind not in "fiu" or dtype.hasobject:
                    raise _inconsistent(directory, f"array {name!r} holds {dtype}, not numbers")
                if len(shape) > 2 or math.prod(shape) > MAX_ARRAY_ITEMS:
                    raise _inconsistent(directory, f"array {name!r} has the implausible shape {shape}")
            with archive.open(info) as member:
                arrays[name] = np.lib.format.read_array(member, allow_pickle=False)
    return arrays


def _check_shapes(model: ThemeModel, directory: str) -> None:
    """RAISES (ModelError): An array whose shape does not fit the themes it serves."""
    n_themes = len(model.themes_)
    for name in ("intercept_", "thresholds_", "keep_thresholds_"):
        if getattr(model, name).shape != (n_themes,):
            raise _inconsistent(directory, f"{name.rstrip('_')} has shape {getattr(model, name).shape}, expected ({n_themes},)")
    if model.calibration_.shape != (n_themes, 2):
        raise _inconsistent(directory, f"calibration has shape {model.calibration_.shape}, expected ({n_themes}, 2)")
    if model.coef_.ndim != 2:
        raise _inconsistent(directory, f"coef has {model.coef_.ndim} dimensions, expected 2")
    for theme, coef in model.polarity_coef_.items():
        if coef.ndim != 2 or model.polarity_intercept_[theme].shape != (coef.shape[0],):
            raise _inconsistent(directory, f"the polarity weights of {theme!r} have inconsistent shapes")
    if model.sentiment_classes_ and (model.sentiment_coef_.ndim != 2
                                    or model.sentiment_coef_.shape[0] != len(model.sentiment_intercept_)):
        raise _inconsistent(directory, "the sentiment weights have inconsistent shapes")
    if model.embeddings and model.sentiment_classes_:
        # The word vectors the head was fitted with, checked now rather than at the first batch.
        from .embeddings import load_embeddings

        width = len(model.vocabulary_) + 1 + load_embeddings(model.embeddings, model.embeddings_sha256_).dims
        if model.sentiment_coef_.shape[1] != width:
            raise _inconsistent(directory, f"the sentiment weights have {model.sentiment_coef_.shape[1]} columns, "
                                           f"expected {width}")


def _inconsistent(directory: str, reason: str) -> ModelError:
    return ModelError(Errors.E206.format(path=directory, reason=reason))


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _restore(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> ThemeModel:
    """A ThemeModel with the parameters and learned state that model.json and the weights hold.

    RAISES (KeyError, TypeError, ValueError): A field or array is missing or of the wrong kind.
    """
    params = dict(meta["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    if params.get("char_ngram_range"):
        params["char_ngram_range"] = tuple(params["char_ngram_range"])
    model = ThemeModel(**params)
    vocabulary = {term: i for i, term in enumerate(meta["vocabulary"])}
    char_vocabulary = {term: i for i, term in enumerate(meta["char_vocabulary"])}
    model.vocabulary_, model.idf_ = vocabulary, arrays["idf"].astype(np.float64)
    model.char_vocabulary_, model.char_idf_ = char_vocabulary, arrays["char_idf"].astype(np.float64)
    model.themes_ = list(meta["themes"])
    model.rule_themes_ = list(meta["rule_themes"])
    model.coef_ = arrays["coef"]
    model.intercept_ = arrays["intercept"]
    model.thresholds_ = arrays["thresholds"]
    # Models saved before calibration: raw probabilities, and one threshold for rule hits and
    # model-only themes alike (what they were fitted with).
    model.keep_thresholds_ = arrays.get("keep_thresholds", model.thresholds_)
    model.calibration_ = arrays.get("calibration", np.tile([1.0, 0.0], (len(model.themes_), 1)))
    model.polarity_classes_ = {t: list(c) for t, c in meta["polarity_classes"].items()}
    polarity_themes = meta["polarity_themes"]
    model.polarity_coef_ = {t: arrays[f"polarity_coef_{k}"] for k, t in enumerate(polarity_themes)}
    model.polarity_intercept_ = {t: arrays[f"polarity_intercept_{k}"] for k, t in enumerate(polarity_themes)}
    model.sentiment_classes_ = list(meta["sentiment_classes"])
    if model.sentiment_classes_:
        model.sentiment_coef_ = arrays["sentiment_coef"]
        model.sentiment_intercept_ = arrays["sentiment_intercept"]
    model.sentiment_temperature_ = float(meta.get("sentiment_temperature", 1.0))
    model.sentiment_cut_ = float(meta.get("sentiment_cut", 0.0))
    model.sentiment_cv_proba_ = None  # kept in memory after fit only
    model.sentiment_bias_ = np.array(meta.get("sentiment_bias") or np.zeros(len(model.sentiment_classes_)), float)
    model.embeddings_sha256_ = meta.get("embeddings_sha256")
    model.n_train_ = meta["n_train"]
    model.always_one_ = bool(meta.get("always_one", False))
    model.cv_scores_ = meta["cv_scores"]
    model.card_ = meta.get("card", {})
    return model


