"""What discovery returns: candidate themes, the topics dropped and why, and the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .corpus import Coverage


@dataclass(frozen=True, slots=True)
class Example:
    """A comment that shows what a candidate is about."""

    id: str
    row: int
    text: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    """A discovered topic, ready to become a taxonomy theme."""

    id: str
    label: str
    description: str
    terms: tuple[str, ...]  # what the taxonomy entry matches, as people write it
    top_terms: tuple[tuple[str, float], ...]  # the topic's strongest features, with weights
    n_comments: int  # comments in the topic
    n_unthemed: int  # of those, comments with no theme
    share_comments: float  # of the comments considered
    share_unthemed: float  # of all the comments with no theme
    mean_sentiment: float
    mean_scores: dict[str, tuple[float, int]]  # kind -> (mean, comments with that score)
    examples: tuple[Example, ...]
    coherence: float
    n_matched: int  # comments (of all read) the terms match
    overlap: dict[str, float]  # existing theme -> share of the topic's comments it tags
    shared: dict[str, list[str]] = field(default_factory=dict)  # term -> existing themes matching its words

    def to_table(self) -> dict[str, Any]:
        """RETURNS (dict): The [themes.<id>] table: label, description, terms."""
        return {"label": self.label, "description": self.description, "terms": list(self.terms)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "label": self.label, "description": self.description, "terms": list(self.terms),
            "top_terms": [[term, weight] for term, weight in self.top_terms],
            "n_comments": self.n_comments, "n_unthemed": self.n_unthemed,
            "share_comments": self.share_comments, "share_unthemed": self.share_unthemed,
            "mean_sentiment": self.mean_sentiment,
            "mean_scores": {kind: {"mean": mean, "n": n} for kind, (mean, n) in self.mean_scores.items()},
            "examples": [{"id": e.id, "row": e.row, "text": e.text} for e in self.examples],
            "coherence": self.coherence, "n_matched": self.n_matched, "overlap": self.overlap,
            "shared": self.shared,
        }


@dataclass(frozen=True, slots=True)
class Dropped:
    """A topic that did not become a candidate, and why."""

    label: str
    reason: str
    n_comments: int

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "reason": self.reason, "n_comments": self.n_comments}


@dataclass(frozen=True)
class Discovery:
    """What `discover` found: candidates, the topics dropped, and how much they explain."""

    candidates: list[Candidate]
    dropped: list[Dropped]
    coverage: Coverage  # of every comment read
    n_considered: int  # comments modelled: all, or those with no theme
    n_fitted: int  # comments in the fitting sample
    n_topics: int  # k
    k_scores: dict[int, float]  # mean coherence for each k tried
    n_explained: int  # comments with no theme that are in some candidate
    only_unthemed: bool
    seed: int
    taxonomy: str  # "name version" of the taxonomy the comments were compared with
    short_texts: bool = False  # modelled as short comments (`features.is_short`)
    # Words too common to model on short comments that may still name a subject (`frequent_subjects`).
    frequent: tuple[tuple[str, float], ...] = ()

    @property
    def share_explained(self) -> float:
        """The share of the comments with no theme that some candidate covers."""
        return self.n_explained / self.coverage.n_unthemed if self.coverage.n_unthemed else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidates": [c.to_dict() for c in self.candidates],
            "dropped": [d.to_dict() for d in self.dropped],
            "coverage": self.coverage.to_dict(),
            "n_considered": self.n_considered, "n_fitted": self.n_fitted, "n_topics": self.n_topics,
            "k_scores": {str(k): score for k, score in self.k_scores.items()},
            "n_explained": self.n_explained, "share_explained": round(self.share_explained, 4),
            "only_unthemed": self.only_unthemed, "short_texts": self.short_texts,
            "frequent_words": [{"word": word, "share": share} for word, share in self.frequent],
            "seed": self.seed, "taxonomy": self.taxonomy,
        }
