"""`NgramTfidf`: a model's text features, word n-grams (negations marked) and character n-grams,
weighted by TF-IDF, with the vocabularies learned in fit."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import Errors, ModelError
from .base import Estimator
from .features import WordGrams, char_analyzer, char_tfidf, fit_vocabulary, negation_ngrams, tfidf_from_indices


class NgramTfidf(Estimator):
    """The TF-IDF blocks a model's heads read; the subclass's parameters name the n-grams."""

    ngram_range: tuple[int, int]
    mark_negation: bool
    question_marks: bool
    char_ngram_range: tuple[int, int] | None
    min_df: int
    vocabulary_: dict[str, int]
    idf_: np.ndarray
    char_vocabulary_: dict[str, int]
    char_idf_: np.ndarray

    def _word_ngrams(self, text: str) -> list[str]:
        low, high = self.ngram_range
        return negation_ngrams(text, ngram_range=(low, high), mark=self.mark_negation,
                               questions=self.question_marks)

    def _char_range(self) -> tuple[int, int]:
        low, high = self.char_ngram_range or (2, 5)
        return low, high

    def _fit_tfidf(self, texts: Sequence[str]) -> None:
        """Fit the word and character vocabularies and their IDF (ModelError: no n-gram is frequent enough)."""
        try:
            vocabulary, idf = fit_vocabulary(texts, self._word_ngrams, self.min_df)
        except ValueError:  # scikit-learn: "empty vocabulary" or "no terms remain"
            raise ModelError(Errors.E211.format(kind="word", min_df=self.min_df)) from None
        char_vocabulary: dict[str, int] = {}
        char_idf = np.zeros(0)
        if self.char_ngram_range:
            # Character n-grams are many; a higher floor keeps the model small.
            try:
                char_vocabulary, char_idf = fit_vocabulary(texts, char_analyzer(self._char_range()),
                                                           self.min_df + 1)
            except ValueError:
                raise ModelError(Errors.E211.format(kind="character", min_df=self.min_df + 1)) from None
        self.vocabulary_, self.idf_ = vocabulary, idf
        self.char_vocabulary_, self.char_idf_ = char_vocabulary, char_idf

    def _tfidf_blocks(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(word block, all features): the heads that read words only get their block as it is,
        rather than slicing it back out of the wide matrix. Word n-gram TF-IDF (negations
        marked), plus character n-grams (robust to typos)."""
        words = tfidf_from_indices([self._word_indices(t) for t in texts], len(self.vocabulary_), self.idf_)
        if not self.char_vocabulary_:
            return words, words
        return words, sp.hstack([words, self._char_tfidf(texts)], format="csr")

    def _word_indices(self, text: str) -> list[int]:
        # One look-up per n-gram (get), in C (map), rather than `in` and then `[]`.
        return [i for i in map(self.vocabulary_.get, self._word_ngrams(text)) if i is not None]

    def _char_tfidf(self, texts: Sequence[str]) -> sp.csr_matrix:
        # Each word's n-gram counts are kept between batches, for the vocabulary they index.
        store: WordGrams | None = self.__dict__.get("_char_store")
        if store is None or not store.serves(self.char_vocabulary_, self._char_range()):
            store = self.__dict__["_char_store"] = WordGrams(self.char_vocabulary_, self._char_range())
        return char_tfidf(texts, store, self.char_idf_)
