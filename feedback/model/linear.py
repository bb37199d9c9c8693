"""The arithmetic of linear heads: scores, link functions, thresholds and cross-validated figures."""

from __future__ import annotations

import weakref
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np
import scipy.sparse as sp


def one_vs_rest(binary: Any) -> Any:
    """A classifier for any number of classes from a binary one (liblinear's, one per class)."""
    from sklearn.multiclass import OneVsRestClassifier

    return OneVsRestClassifier(binary)


def coefficients(clf: Any) -> tuple[np.ndarray, np.ndarray]:
    """(coef, intercept) of a fitted one-vs-rest classifier: one row per class, or a single row
    for two classes, as LogisticRegression has them."""
    estimators = clf.estimators_
    coef = np.vstack([e.coef_ for e in estimators])
    intercept = np.concatenate([np.ravel(e.intercept_) for e in estimators])
    return coef, intercept


# Heads' coefficient blocks, transposed and C-contiguous, by (id of the coefficients, columns).
# A sparse matrix times a dense one hands SciPy `dense.ravel()`, which copies a transposed
# (Fortran-ordered) array: for a detection head that is megabytes copied on every batch. An
# entry lives as long as its coefficients (a weak reference), so the folds fitted in training
# leave nothing behind.
_TRANSPOSED: dict[tuple[int, int], tuple[weakref.ref[np.ndarray], np.ndarray]] = {}
# A bound besides: more entries than this start the table afresh.
MAX_TRANSPOSED = 256


def transposed(coef: np.ndarray, n_columns: int | None = None) -> np.ndarray:
    """coef[:, :n_columns].T as a C-contiguous array, made once per coefficient array.

    The values are the same, so a product with it is the same to the last bit; only SciPy's
    copy of the transposed view on every call is saved. Keyed by the array's identity: fitting
    makes new arrays, so a refitted head gets its own entry (an array changed in place after
    a prediction would not be seen: coefficients are never changed in place after fitting).
    """
    n = coef.shape[1] if n_columns is None else n_columns
    key = (id(coef), n)
    found = _TRANSPOSED.get(key)
    if found is not None and found[0]() is coef:
        return found[1]
    block = np.ascontiguousarray(coef[:, :n].T)
    if len(_TRANSPOSED) >= MAX_TRANSPOSED:
        _TRANSPOSED.clear()
    table = _TRANSPOSED  # held here: at interpreter exit the module's globals are gone first

    def forget(_: weakref.ref[np.ndarray]) -> None:
        table.pop(key, None)

    try:
        ref = weakref.ref(coef, forget)
    except TypeError:  # pragma: no cover - an array type without weak references: not kept
        return block
    _TRANSPOSED[key] = (ref, block)
    return block


def linear(X: sp.csr_matrix, extra: np.ndarray, coef: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """hstack([X, extra]) @ coef.T + intercept, without building the stacked matrix (a scipy
    call per theme and batch). A few extra columns (VADER's compounds) are added one by one, in
    the order the sparse product would add them, so the result is the same to the last bit;
    many (a mean word vector) as one dense product."""
    n = X.shape[1]
    z = np.asarray(X @ transposed(coef, n), dtype=np.float64)
    if extra.shape[1] > 2:
        return z + extra @ coef[:, n:].T.astype(np.float64) + intercept
    for k in range(extra.shape[1]):
        z += extra[:, k : k + 1] * coef[:, n + k].astype(np.float64)
    return z + intercept


def sigmoid(z: Any) -> np.ndarray:
    z = np.asarray(z)
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500.0, 500.0)))


def softmax(z: Any) -> np.ndarray:
    z = np.asarray(z)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def binary_as_two_rows(coef: np.ndarray, intercept: np.ndarray, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """A fitted LogisticRegression's weights with one row per class: a binary one has a single
    row (for the second class), which becomes (-w/2, w/2), so softmax gives the same
    probabilities, sigmoid(w . x)."""
    if n_classes > 2:
        return coef, intercept
    return np.vstack([-coef[0] / 2, coef[0] / 2]), np.array([-intercept[0] / 2, intercept[0] / 2])


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


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) so that sigmoid(a * z + b) is a calibrated probability, fitted on
    cross-validated decision values `z` against the gold `y` (Platt 1999, with his smoothed
    targets so a separable fold does not give an infinite slope).

    Newton's method with a backtracking line search, from the class prior (Lin, Lin and Weng
    2007, "A note on Platt's probabilistic outputs"): plain Newton steps from a = 1 overshoot
    on decision values of large magnitude and once ran to a = -4e8, a theme never found.
    """
    n_pos, n_neg = float(y.sum()), float((~y).sum())
    if not n_pos or not n_neg:
        return 1.0, 0.0
    target = np.where(y, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(a: float, b: float) -> float:
        t = a * z + b
        # softplus(t) - target * t: the cross-entropy, stable for any t.
        return float((np.logaddexp(0.0, t) - target * t).sum())

    a, b = 0.0, float(np.log((n_pos + 1) / (n_neg + 1)))
    current = loss(a, b)
    for _ in range(100):
        p = sigmoid(a * z + b)
        g = p - target
        grad = np.array([float((g * z).sum()), float(g.sum())])
        if abs(grad).max() < 1e-5:
            break
        w = np.maximum(p * (1 - p), 1e-12)
        hess = np.array([[float((w * z * z).sum()) + 1e-12, float((w * z).sum())],
                         [float((w * z).sum()), float(w.sum()) + 1e-12]])
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size >= 1e-10:
            a_new, b_new = a - size * float(step[0]), b - size * float(step[1])
            trial = loss(a_new, b_new)
            if trial < current + 1e-4 * size * float(grad @ -step):
                break
            size /= 2
        else:
            break  # no step lowers the loss: at the optimum within rounding
        a, b, current = a_new, b_new, trial
    return round(a, 6), round(b, 6)


# The thresholds a calibrated probability is compared with, for adding and for dropping a theme.
ADD_GRID = np.round(np.arange(0.30, 0.96, 0.05), 2)
DROP_GRID = np.array([0.02, 0.05, 0.1, 0.15])
NEVER = 1.01  # a threshold no probability reaches


def add_threshold(proba: np.ndarray, y: np.ndarray, precision: float, min_found: int = 3) -> float:
    """The lowest threshold at which comments the rules did not flag, found by the model alone,
    are right at least `precision` of the time (on cross-validated probabilities); NEVER if no
    threshold gets there, so a theme the model cannot find precisely is left to the rules."""
    for t in ADD_GRID:
        found = proba >= t
        if found.sum() >= min_found and (found & y).sum() >= precision * found.sum():
            return float(t)
    return NEVER


def drop_threshold(proba: np.ndarray, y: np.ndarray, precision: float, min_dropped: int = 3) -> float:
    """The highest threshold below which a rule hit can be dropped while the hits dropped are
    wrong at least `precision` of the time (cross-validated); 0.0 (never drop) otherwise."""
    best = 0.0
    for t in DROP_GRID:
        dropped = proba < t
        if dropped.sum() >= min_dropped and (dropped & ~y).sum() >= precision * dropped.sum():
            best = float(t)
    return best


def temperature(z: np.ndarray, y: np.ndarray) -> float:
    """The temperature T minimising the log-loss of softmax(z / T) against class indices `y`
    (temperature scaling, Guo et al. 2017): T > 1 softens an over-confident head."""
    best, best_loss = 1.0, np.inf
    rows = np.arange(len(y))
    for t in np.round(np.arange(0.5, 4.01, 0.1), 2):
        p = softmax(z / t)
        loss = -float(np.log(np.maximum(p[rows, y], 1e-12)).mean())
        if loss < best_loss - 1e-9:
            best, best_loss = float(t), loss
    return best


def confidence_cut(proba: np.ndarray, model_right: np.ndarray, fallback_right: np.ndarray,
                   groups: np.ndarray | None = None, min_group: int = 50) -> float:
    """The confidence above which a head's label beats the fallback's (cross-validated): the cut
    maximising the accuracy of 'head where its top probability reaches the cut, else fallback'.
    Scanned from high to low, a lower cut must do strictly better to be chosen. With `groups`
    (the source of each comment), a cut must also leave no group of at least `min_group`
    comments less accurate than the fallback alone: a kind of comment the head reads worse
    than VADER gets VADER."""
    top = proba.max(axis=1)
    best, best_right = NEVER, int(fallback_right.sum())
    names = [] if groups is None else [g for g in set(groups.tolist()) if (groups == g).sum() >= min_group]
    for t in np.round(np.arange(0.95, 0.32, -0.05), 2):
        use = top >= t
        combined = np.where(use, model_right, fallback_right)
        if any(combined[groups == g].sum() < fallback_right[groups == g].sum() for g in names):
            continue
        right = int(combined.sum())
        if right > best_right:
            best, best_right = float(t), right
    return best


def macro_f1(predicted: np.ndarray, gold: np.ndarray, n_classes: int) -> float:
    """Unweighted mean F1 over the classes the gold uses (class indices), as
    benchmarks/real_world.py scores it: predicting a class the gold never uses costs recall."""
    scores = []
    for k in range(n_classes):
        tp = int(((predicted == k) & (gold == k)).sum())
        if (gold == k).any():
            scores.append(2 * tp / (int((predicted == k).sum()) + int((gold == k).sum())))
    return float(np.mean(scores)) if scores else 0.0


def class_bias(logits: np.ndarray, gold: np.ndarray, column: int | None, groups: np.ndarray | None = None,
               min_group: int = 50) -> np.ndarray:
    """Per class, the amount added to its logit (zero but for `column`, none if None): the amount
    added to one class's (cross-validated, calibrated) logit that maximises the
    mean macro-F1 over the sources (`groups`, each of at least `min_group` comments; all rows as
    one without): a prior correction for a class a head names too rarely. A head fitted to
    minimise log-loss on sources where neutral is rare under-calls it wherever neutral is
    common; each source counting equally keeps the largest ones from deciding alone. Scanned
    from 0 up, a larger bias must do strictly better to be chosen."""
    names = [None] if groups is None else [g for g in sorted(set(groups.tolist())) if (groups == g).sum() >= min_group]
    masks = [np.ones(len(gold), bool) if g is None else groups == g for g in names]
    bias = np.zeros(logits.shape[1])
    if column is None:
        return bias
    best, best_score = 0.0, -1.0
    for b in np.round(np.arange(0.0, 1.51, 0.125), 3):
        shifted = logits.copy()
        shifted[:, column] += b
        predicted = shifted.argmax(axis=1)
        score = float(np.mean([macro_f1(predicted[m], gold[m], logits.shape[1]) for m in masks]))
        if score > best_score + 1e-9:
            best, best_score = float(b), score
    bias[column] = best
    return bias


def unseen_finds(make: Callable[[], Any], X: sp.csr_matrix, gold: np.ndarray, hits: np.ndarray, groups: np.ndarray,
                 columns: Sequence[int], calibration: np.ndarray, thresholds: np.ndarray,
                 pool: ThreadPoolExecutor, keep_thresholds: np.ndarray | None = None) -> dict[int, tuple[int, int, int, int]]:
    """Per theme column: (finds, right ones) among the comments without a rule hit for it, and
    (drops, right ones) among those with one, each source's comments judged by a head fitted
    without that source (`make()`, Platt-calibrated as the theme's, at its add threshold and,
    given `keep_thresholds`, its drop threshold), pooled. Every source is left out but the
    largest: without it too little is left to learn from, and the check would judge a different
    model."""
    sizes = Counter(groups.tolist())
    largest = max(sizes, key=lambda name: (sizes[name], name))
    names = sorted(name for name in sizes if name != largest)

    def fit_without(name: str, j: int) -> Any:
        return make().fit(X[groups != name], gold[groups != name, j])

    jobs = {(j, name): pool.submit(fit_without, name, j)
            for j in columns for name in names if len(set(gold[groups != name, j].tolist())) == 2}
    out = {}
    for j in columns:
        found = right = dropped = dropped_right = 0
        a, b = calibration[j]
        for name in names:
            if (j, name) not in jobs:
                continue
            head = jobs[(j, name)].result()
            rows = np.flatnonzero((groups == name) & ~hits[:, j])
            if len(rows):
                finds = sigmoid(a * head.decision_function(X[rows]) + b) >= thresholds[j]
                found += int(finds.sum())
                right += int((finds & gold[rows, j]).sum())
            rows = np.flatnonzero((groups == name) & hits[:, j])
            if keep_thresholds is not None and len(rows):
                drops = sigmoid(a * head.decision_function(X[rows]) + b) < keep_thresholds[j]
                dropped += int(drops.sum())
                dropped_right += int((drops & ~gold[rows, j]).sum())
        out[j] = (found, right, dropped, dropped_right)
    return out


def cross_fit(make: Callable[[], Any], X: sp.csr_matrix, y: np.ndarray, folds: Sequence[tuple[np.ndarray, np.ndarray]],
              pool: ThreadPoolExecutor) -> Callable[[], tuple[Any, np.ndarray | None]]:
    """Start fitting a classifier (`make()`) on every fold and on all rows, in parallel threads
    (liblinear spends its time outside the GIL); the function returned waits for (the fitted
    classifier, its cross-validated decision values or None without folds, e.g. a class too
    rare to fold). Submitted all at once, so one theme's folds run beside another's."""

    def fit(rows: np.ndarray | None) -> Any:
        return make().fit(X if rows is None else X[rows], y if rows is None else y[rows])

    futures = [pool.submit(fit, train) for train, _ in folds]
    final = pool.submit(fit, None)

    def result() -> tuple[Any, np.ndarray | None]:
        z = None
        if folds:
            n_classes = len(set(y))
            z = np.zeros((len(y), n_classes if n_classes > 2 else 1))
            for (_, test), future in zip(folds, futures):
                z[test] = future.result().decision_function(X[test]).reshape(len(test), -1)
            z = z[:, 0] if z.shape[1] == 1 else z
        return final.result(), z

    return result

