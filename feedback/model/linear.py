"""The arithmetic of linear heads: scores, link functions, thresholds and cross-validated figures."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp


def linear(X: sp.csr_matrix, extra: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """hstack([X, extra]) @ coef.T + intercept, without building the stacked matrix (a scipy
    call per theme and batch). The extra columns are added after X's, in the order the sparse
    product would add them, so the result is the same to the last bit."""
    n = X.shape[1]
    z = np.asarray(X @ coef[:, :n].T, dtype=np.float64)
    for k in range(extra.shape[1]):
        z += extra[:, k : k + 1] * coef[:, n + k].astype(np.float64)
    return z + intercept


def sigmoid(z: Any) -> np.ndarray:
    z = np.asarray(z)
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z: Any) -> np.ndarray:
    z = np.asarray(z)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def binary_as_two_rows(coef: np.ndarray, intercept: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """A fitted LogisticRegression's weights with one row per class: a binary one has a single
    row (for the second class), which becomes (-w, w) so softmax gives the same probabilities."""
    if n_classes > 2:
        return coef, intercept
    return np.vstack([-coef[0], coef[0]]), np.array([-intercept[0], intercept[0]])


def best_threshold(proba: np.ndarray, y: np.ndarray, beta: float) -> float:
    """The probability threshold (0.15 to 0.90 by 0.05) that maximises F-beta on `y`."""
    best, best_score = 0.5, -1.0
    b2 = beta * beta
    for t in np.arange(0.15, 0.91, 0.05):
        predicted = proba >= t
        tp = float((predicted & y).sum())
        denom = (1 + b2) * tp + b2 * float((~predicted & y).sum()) + float((predicted & ~y).sum())
        score = (1 + b2) * tp / denom if denom else 0.0
        if score > best_score + 1e-9:
            best, best_score = float(round(t, 2)), score
    return best


def prf(predicted: np.ndarray, gold: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of boolean predictions, rounded to 4 places."""
    tp = float((predicted & gold).sum())
    p = tp / predicted.sum() if predicted.sum() else 0.0
    r = tp / gold.sum() if gold.sum() else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}
