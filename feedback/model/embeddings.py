"""Static word vectors distilled from all-MiniLM-L6-v2: a comment's mean vector as features.

A model trained on a few thousand comments knows only their words; the vectors place words it
never saw near the ones it did ("fabulous" near "great"), so a head that reads them generalises
to comments from other domains. The table (`models/minilm-static/`: int8 `vectors.npy` with
one float32 scale per word in `scales.npy`, `words.txt`, `card.json`) is built once by
scripts/distill_embeddings.py; here it is only read, with NumPy (`allow_pickle=False`), and
checked against the SHA-256 a model recorded. int8 with a scale per row keeps each word's
direction to within 1/254 of its largest component at half float16's size (4.3 MB, not 8.6).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import Errors, ModelError
from .features import may_negate, negated_words, strip_accents_lower

# The words the table was distilled for (scripts/distill_embeddings.py WORD): no digits.
_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
# A table bigger than this is not one of ours (the shipped one has ~37k x 128).
MAX_WORDS = 500_000
MAX_DIMS = 1024


def models_dir() -> Path:
    """Where the shipped tables are (`feedback.config.shipped_models_dir`)."""
    from ..config import shipped_models_dir

    return Path(shipped_models_dir())


class StaticEmbeddings:
    """A word -> vector table and the mean vector of a text's words.

    name (str): The table's folder name under the shipped models (e.g. "minilm-static").
    words (Sequence[str]): One word per row of `vectors`.
    vectors (np.ndarray): Rows of word vectors (their SIF weights already applied).
    sha256 (str): The SHA-256 of vectors.npy (then scales.npy, if any), which a model records
        and checks.
    """

    def __init__(self, name: str, words: Sequence[str], vectors: np.ndarray, sha256: str) -> None:
        self.name = name
        self.index = {w: i for i, w in enumerate(words)}
        self.vectors = vectors.astype(np.float32)
        self.sha256 = sha256

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def mean(self, texts: Sequence[str], skip_negated: bool = False) -> np.ndarray:
        """Each text's mean word vector, L2-normalised (model2vec's sentence vector); zeros for
        a text with no known word.

        texts (Sequence[str]): The texts.
        skip_negated (bool): Leave out the words in a negation's scope (`features.negated_words`).
            A word's vector does not know it was negated: "never freezes" and "without any
            failures" averaged as they are point where "freezes" and "failures" do.
        RETURNS (np.ndarray): len(texts) x dims, float64.
        """
        return self.means(texts, skip_negated)[skip_negated]

    def means(self, texts: Sequence[str], skip_negated: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """(`mean` of all words, `mean` without the negated words: the same array unless
        `skip_negated`), tokenising once: a model's detection reads the first, sentiment the second."""
        lowered = [strip_accents_lower(text) for text in texts]
        words = [_WORD_RE.findall(text) for text in lowered]
        plain = self._means(words)
        # Scoped only where a negation can be: most comments have none, and scoping costs.
        negating = [i for i, found in enumerate(words) if may_negate(lowered[i], found)] if skip_negated else []
        if not negating:
            return plain, plain
        skipped = plain.copy()
        skipped[negating] = self._means([[w for w, negated in negated_words(texts[i]) if not negated] for i in negating])
        return plain, skipped

    def _means(self, texts: Sequence[Sequence[str]]) -> np.ndarray:
        # One sparse product (texts x words) @ (words x dims) for the batch: a NumPy call per
        # comment would cost more than the rest of the sentiment head.
        get = self.index.get
        columns: list[int] = []
        indptr = [0]
        for words in texts:
            columns.extend(i for i in map(get, words) if i is not None)
            indptr.append(len(columns))
        counts = sp.csr_matrix((np.ones(len(columns), dtype=np.float32), columns, indptr),
                               shape=(len(texts), len(self.vectors)))
        sums = np.asarray(counts @ self.vectors, dtype=np.float64)
        # The mean's direction is the sum's: normalising the sum gives model2vec's sentence vector.
        norms = np.sqrt(np.einsum("ij,ij->i", sums, sums))
        norms[norms == 0] = 1.0
        return sums / norms[:, None]


def load_embeddings(name: str, sha256: str | None = None) -> StaticEmbeddings:
    """The shipped table `name`, read once per process.

    name (str): Its folder under the shipped models.
    sha256 (str | None): The SHA-256 of the table's files that a model was trained with.
    RETURNS (StaticEmbeddings): The table.
    RAISES (ModelError): The table is missing, malformed, or not the one the model expects.
    """
    table = _load(name)
    if sha256 is not None and table.sha256 != sha256:
        raise ModelError(Errors.E227.format(name=name, reason="it is not the table the model was trained with "
                                                              "(SHA-256 differs)"))
    return table


@lru_cache(maxsize=4)
def _load(name: str) -> StaticEmbeddings:
    folder = models_dir() / name
    if "/" in name or "\\" in name or name.startswith("."):
        raise ModelError(Errors.E227.format(name=name, reason="not a table name"))
    try:
        raw = (folder / "vectors.npy").read_bytes()
        raw_scales = (folder / "scales.npy").read_bytes() if (folder / "scales.npy").exists() else b""
        words = (folder / "words.txt").read_text(encoding="utf-8").split("\n")
    except OSError as e:
        raise ModelError(Errors.E227.format(name=name, reason=e.strerror or e)) from None
    if words and words[-1] == "":
        words.pop()
    try:
        import io

        vectors = np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
        scales = np.lib.format.read_array(io.BytesIO(raw_scales), allow_pickle=False) if raw_scales else None
    except ValueError as e:
        raise ModelError(Errors.E227.format(name=name, reason=e)) from None
    quantised = vectors.dtype == np.int8 and scales is not None and scales.shape == (len(vectors),)
    if (vectors.ndim != 2 or not (vectors.dtype.kind == "f" or quantised) or len(vectors) != len(words)
            or len(words) > MAX_WORDS or vectors.shape[1] > MAX_DIMS):
        raise ModelError(Errors.E227.format(name=name, reason=f"{vectors.shape} {vectors.dtype} vectors for "
                                                              f"{len(words)} words"))
    if quantised:
        assert scales is not None
        vectors = vectors.astype(np.float32) * scales.astype(np.float32)[:, None]
    return StaticEmbeddings(name, words, vectors, hashlib.sha256(raw + raw_scales).hexdigest())
