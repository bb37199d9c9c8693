"""Key driver analysis: which themes, split by mention sentiment, explain a score.

Every (theme, sentiment) pair is a 0/1 feature per comment ("mentions speed negatively"). A
ridge regression fitted with scikit-learn explains the per-comment score (NPS as +100/0/-100,
CSAT as 100/0, other scores as they are) with those features. A driver's effect is its
coefficient: the expected change in the score, in the score's units, for a comment that has
the feature, other features held fixed. Its share is its part of the mean absolute linear SHAP
value (|coef| x mean |x - mean(x)|), which is the exact Shapley attribution of a linear
model's prediction when features are independent: a way to rank drivers that weighs both how
strong and how common each one is. Beside them, Johnson's relative weights split the explained
variance of an ordinary least squares fit among the features in a way that stays meaningful when
they are correlated (the "relative importance" of Qualtrics Stats iQ and the R package rwa).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..sentiment import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from ..stats import Z95

METHOD = (
    "ridge regression (scikit-learn RidgeCV, alpha chosen by efficient leave-one-out) of the "
    "per-comment score on 0/1 indicators of theme x mention sentiment; effect = coefficient in "
    "the score's units with a 95% interval from the ridge sandwich covariance; share = mean "
    "|linear SHAP value| (|coef| x mean|x - mean x|) as a fraction of the sum over drivers; "
    "relative weight = Johnson's (2000) relative weight of the indicator, its part of the variance "
    "an ordinary least squares fit on all indicators explains (they add up to ols_r2), and "
    "relative_share = relative weight / ols_r2"
)
ALPHAS = np.logspace(-2, 3, 11)
POLARITIES = ("negative", "neutral", "positive")


def driver_features(theme_ids: list[str], sentiment: np.ndarray) -> tuple[list[tuple[str, str]], np.ndarray]:
    """Split each theme's indicator by the comment's mean mention sentiment for it.

    theme_ids (list[str]): Theme ids, one per column of `sentiment`.
    sentiment (np.ndarray): (comments x themes) mean mention sentiment, NaN when not mentioned.
    RETURNS (tuple): [(theme, polarity), ...] and a bool (comments x features) matrix.
    """
    with np.errstate(invalid="ignore"):  # NaN compares False: not mentioned, no feature
        blocks = {
            "negative": sentiment <= NEGATIVE_THRESHOLD,
            "neutral": (sentiment > NEGATIVE_THRESHOLD) & (sentiment < POSITIVE_THRESHOLD),
            "positive": sentiment >= POSITIVE_THRESHOLD,
        }
    names = [(theme_id, polarity) for theme_id in theme_ids for polarity in POLARITIES]
    matrix = np.stack([blocks[polarity][:, j] for j in range(len(theme_ids)) for polarity in POLARITIES],
                      axis=1) if theme_ids else np.zeros((sentiment.shape[0], 0), dtype=bool)
    return names, matrix


def fit_drivers(
    features: np.ndarray, y: np.ndarray, names: list[tuple[str, str]], *, min_count: int = 10
) -> dict[str, Any]:
    """Fit the driver model for one score.

    features (np.ndarray): Bool (comments x features), rows of comments that have the score.
    y (np.ndarray): The per-comment score in its units (see stats.to_units).
    names (list[tuple[str, str]]): (theme, polarity) per feature column.
    min_count (int): Features present in fewer comments are left out of the fit.
    RETURNS (dict): n, r2, alpha, intercept and drivers [{theme, sentiment, count, effect, ci95,
        share, uncertain}], largest share first; a "note" instead when there is too little data.
    """
    counts = features.sum(axis=0)
    keep = np.flatnonzero(counts >= max(min_count, 1))
    n, p = len(y), len(keep)
    result: dict[str, Any] = {"n": n}
    if p == 0 or n < p + 3 or float(np.var(y)) == 0.0:
        result.update(drivers=[], note=f"not fitted: {n} comments, {p} features with at least {min_count} comments "
                                       "and a score that varies are needed")
        return result
    fit = _fit_ridge_cv(features[:, keep], np.asarray(y, dtype=np.float64))
    se = _ridge_standard_errors(fit.gram, fit.ss_residual, fit.alpha, n)
    raw_weights, ols_r2 = _relative_weights(fit.gram / n, fit.xty / n - fit.mean_x * fit.mean_y, float(np.var(y)))
    coef = fit.coef
    weight = np.abs(coef) * fit.spread
    total = float(weight.sum()) or 1.0
    drivers: list[dict[str, Any]] = []
    for j, column in enumerate(keep):
        theme_id, polarity = names[column]
        ci = None if not math.isfinite(se[j]) else (coef[j] - Z95 * se[j], coef[j] + Z95 * se[j])
        drivers.append({
            "theme": theme_id, "sentiment": polarity, "count": int(counts[column]),
            "effect": float(coef[j]), "ci95": ci, "share": float(weight[j] / total),
            "uncertain": True if ci is None else bool(ci[0] <= 0 <= ci[1]),
            "relative_weight": float(raw_weights[j]),
            "relative_share": float(raw_weights[j] / ols_r2) if ols_r2 > 0 else 0.0,
        })
    drivers.sort(key=lambda d: (-d["share"], d["theme"], d["sentiment"]))
    result.update(r2=fit.r2, ols_r2=ols_r2, alpha=fit.alpha, intercept=fit.intercept, drivers=drivers)
    return result


@dataclass(frozen=True)
class _RidgeFit:
    """A ridge fit with what the driver table needs of the data (all from grouped rows)."""

    alpha: float
    coef: np.ndarray
    intercept: float
    r2: float
    ss_residual: float  # sum of squared residuals of the fit
    gram: np.ndarray  # centred X'X
    xty: np.ndarray  # X'y
    mean_x: np.ndarray
    mean_y: float
    spread: np.ndarray  # mean |x - mean x| per feature


def _fit_ridge_cv(features: np.ndarray, y: np.ndarray) -> _RidgeFit:
    """What scikit-learn's RidgeCV(alphas=ALPHAS) fits (intercept, alpha by efficient
    leave-one-out squared error, its "cov" mode), computed on the distinct rows of 0/1 features.

    A million comments have a few thousand distinct feature rows; the leave-one-out error of
    every comment of a row follows from the row and the sum and spread of its comments' scores.
    RidgeCV on the comments themselves held several float64 copies of the (comments x features)
    matrix and took seconds at a million comments; this holds the rows and per-comment integers.

    features (np.ndarray): Bool (comments x features).
    y (np.ndarray): Float64 score per comment.
    RETURNS (_RidgeFit): The fit.
    """
    n, p = features.shape
    rows, group, m = _distinct_rows(features)
    x = rows.astype(np.float64)
    counts = m.astype(np.float64)
    sums = np.bincount(group, weights=y, minlength=len(m))
    group_mean = sums / counts
    # Squares about each row's own mean, summed: stable where raw sums of squares are not.
    within = np.bincount(group, weights=(y - group_mean[group]) ** 2, minlength=len(m))
    mean_x = counts @ x / n
    mean_y = float(y.mean())
    centred = x - mean_x
    cov = centred.T @ (centred * counts[:, None])
    xty_centred = centred.T @ (sums - counts * mean_y)
    xt_ones = centred.T @ counts
    eigvals, vectors = np.linalg.eigh(cov)
    best: tuple[float, float, np.ndarray] | None = None
    for alpha in map(float, ALPHAS):
        inverse = (vectors / (eigvals + alpha)) @ vectors.T
        coef = inverse @ xty_centred
        fitted = centred @ coef  # centred prediction per row
        leverage = np.sum((centred @ inverse) * centred, axis=1)
        denominator = 1.0 - leverage - (1.0 - centred @ (inverse @ xt_ones)) / n
        squared = (within + counts * (group_mean - mean_y - fitted) ** 2) / denominator ** 2
        score = -float(squared.sum()) / n
        if best is None or score > best[0]:  # the first alpha of the best score, as RidgeCV
            best = (score, alpha, coef)
    assert best is not None
    _, alpha, coef = best
    predicted = mean_y + centred @ coef
    ss_residual = float((within + counts * (group_mean - predicted) ** 2).sum())
    ss_total = float(((y - mean_y) ** 2).sum())
    return _RidgeFit(
        alpha=alpha, coef=coef, intercept=float(mean_y - mean_x @ coef), r2=1.0 - ss_residual / ss_total,
        ss_residual=ss_residual, gram=x.T @ (x * counts[:, None]) - n * np.outer(mean_x, mean_x),
        xty=x.T @ sums, mean_x=mean_x, mean_y=mean_y, spread=counts @ np.abs(centred) / n)


def _distinct_rows(features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of a bool matrix, each row's index among them, and their counts."""
    n, p = features.shape
    packed = np.packbits(features, axis=1)
    width = -(-packed.shape[1] // 8) * 8
    if width != packed.shape[1]:
        packed = np.pad(packed, ((0, 0), (0, width - packed.shape[1])))
    keys = np.ascontiguousarray(packed).view(np.uint64 if width == 8 else np.dtype((np.void, width))).ravel()
    unique, group, counts = np.unique(keys, return_inverse=True, return_counts=True)
    rows = np.unpackbits(unique.view(np.uint8).reshape(len(unique), width), axis=1, count=p).astype(bool)
    return rows, group.ravel(), counts


def _ridge_standard_errors(gram: np.ndarray, ss_residual: float, alpha: float, n: int) -> np.ndarray:
    """Standard errors of ridge coefficients: sqrt(diag(s2 (G + aI)^-1 G (G + aI)^-1)).

    G is the centred Gram matrix (the intercept is fitted on centred data, as scikit-learn does)
    and s2 the residual variance on n - 1 - tr(hat matrix) degrees of freedom.
    """
    inverse = np.linalg.pinv(gram + alpha * np.eye(gram.shape[0]))
    dof = n - 1 - float(np.trace(gram @ inverse))
    if dof <= 0:
        return np.full(gram.shape[0], np.nan)
    s2 = ss_residual / dof
    covariance = s2 * inverse @ gram @ inverse
    return np.sqrt(np.clip(np.diag(covariance), 0, None))


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's (2000) relative weights: each predictor's share of the explained variance.

    The predictors are replaced by their closest orthogonal counterparts Z (in least squares,
    Z = X R^(-1/2) on standardised data); y is regressed on Z (weights beta) and each Z on the
    X (weights Lambda = R^(1/2)). A predictor's raw weight is sum_k Lambda_jk^2 beta_k^2; the raw
    weights add up to the R² of ordinary least squares, and they stay meaningful when the
    predictors are correlated, where regression coefficients are not. This is the "relative
    importance" Qualtrics Stats iQ and the R package rwa report.

    x (np.ndarray): (observations x predictors) numbers.
    y (np.ndarray): The outcome.
    RETURNS (tuple): (raw weight per predictor, R² of the OLS fit); constant predictors get 0.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    # Correlations from the Gram matrix, not from a standardised copy of x: a million comments
    # by 40 features is 320 MB per copy.
    mean_x = x.mean(axis=0)
    return _relative_weights(x.T @ x / n - np.outer(mean_x, mean_x), x.T @ y / n - mean_x * float(y.mean()),
                             float(y.var()))


def _relative_weights(cov_xx: np.ndarray, cov_xy: np.ndarray, var_y: float) -> tuple[np.ndarray, float]:
    """Relative weights from the (population) covariances of the predictors and with the outcome."""
    weights = np.zeros(cov_xx.shape[0])
    sd, sd_y = np.sqrt(np.clip(np.diag(cov_xx), 0, None)), math.sqrt(max(var_y, 0.0))
    varying = np.flatnonzero(sd > 1e-12)
    if len(varying) == 0 or sd_y == 0.0:
        return weights, 0.0
    sd_v = sd[varying]
    rxx = cov_xx[np.ix_(varying, varying)] / np.outer(sd_v, sd_v)
    rxy = cov_xy[varying] / (sd_v * sd_y)
    values, vectors = np.linalg.eigh(rxx)
    lam = vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T
    beta = np.linalg.pinv(lam) @ rxy
    weights[varying] = (lam ** 2) @ (beta ** 2)
    return weights, float(weights.sum())
