"""What a theme model reads and says: the types the pipeline shares with every model kind.

Light on purpose (no NumPy, SciPy or scikit-learn): `feedback.pipeline` imports these, and a
rules-only analysis must not pay for a model's imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping, NamedTuple, Sequence

# The band a compound must leave to count as positive or negative (VADER's README).
BAND = 0.05


class ModelInput(NamedTuple):
    """What a model reads about one comment, all computed by the rules pipeline first.

    A NamedTuple, not a frozen dataclass: one is built per comment, and this is 5x cheaper.
    """

    text: str
    compound: float
    sentences: tuple[tuple[int, int, float], ...] = ()  # (start, end, compound)
    rule_themes: frozenset[str] = frozenset()
    rule_sentiment: Mapping[str, float] = MappingProxyType({})  # theme -> mean mention compound


@dataclass(frozen=True)
class ThemePrediction:
    """A theme the model finds in a comment."""

    theme: str
    probability: float
    polarity: str  # positive | negative | neutral | conflict
    sentiment: float  # expected polarity in [-1, 1], banded to agree with `polarity`
    sentence: int  # index of the sentence that speaks most for the theme, -1 if none


@dataclass(frozen=True)
class Prediction:
    """Everything a model says about one comment."""

    themes: list[ThemePrediction]
    sentiment: tuple[str, float] | None  # (label, compound) when the model has a sentiment head


def polarity_label(compound: float) -> str:
    """VADER's label for a compound: positive from +0.05, negative from -0.05, else neutral."""
    return "positive" if compound >= BAND else "negative" if compound <= -BAND else "neutral"


def banded(probabilities: Mapping[str, float]) -> tuple[str, float]:
    """Turn class probabilities into (label, compound) that agree at VADER's +-0.05 thresholds.

    The compound is the expected polarity P(positive) - P(negative), moved into the band its most
    likely label implies: at least +0.05 when "positive" is most likely, at most -0.05 for
    "negative", strictly inside (-0.05, 0.05) for "neutral" or "conflict".
    """
    return banded_rows(list(probabilities), [list(probabilities.values())])[0]


def banded_rows(classes: Sequence[str], rows: Iterable[Sequence[float]]) -> list[tuple[str, float]]:
    """`banded` for many rows of class probabilities, each in the order of `classes` (a model's
    head gives one row per comment): the same labels and values, without a dict per row.

    classes (Sequence[str]): The class of each column.
    rows (Iterable[Sequence[float]]): Probabilities, e.g. `probs.tolist()`.
    RETURNS (list[tuple[str, float]]): (label, compound) per row, as `banded` gives them.
    """
    columns = range(len(classes))
    positive = classes.index("positive") if "positive" in classes else -1
    negative = classes.index("negative") if "negative" in classes else -1
    out = []
    for row in rows:
        best = max(columns, key=row.__getitem__)  # the first of equal maxima, as `banded`'s max
        label = classes[best]
        d = (row[positive] if positive >= 0 else 0.0) - (row[negative] if negative >= 0 else 0.0)
        if label == "positive":
            value = max(BAND, d)
        elif label == "negative":
            value = min(-BAND, d)
        else:
            value = d * (BAND - 0.001)
        out.append((label, round(float(value), 4)))
    return out
