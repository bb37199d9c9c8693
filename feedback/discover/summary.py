"""What discovery found, as text for people: the report `feedback discover` prints."""

from __future__ import annotations

from ..terminal import printable
from .results import Discovery

_EXAMPLE_CHARS = 150


def format_report(found: Discovery) -> str:
    """The candidates and the dropped topics, as text for a terminal.

    found (Discovery): What `discover` returned.
    RETURNS (str): Several lines, no trailing newline.
    """
    cov = found.coverage
    which = "comments with no theme" if found.only_unthemed else "comments"
    tried = ", ".join(f"{k}: {score:.3f}" for k, score in found.k_scores.items())
    how = ("short comments: opinion and generic words left out, the largest k" if found.short_texts
           else f"mean coherence by k: {tried}")
    lines = [
        f"{cov.describe()}.",
        f"Fitted {found.n_topics} topics on {found.n_fitted:,} of {found.n_considered:,} {which} "
        f"(seed {found.seed}; {how}).",
        f"{_count(len(found.candidates), 'candidate theme')} {'covers' if len(found.candidates) == 1 else 'cover'} "
        f"{found.n_explained:,} of the {cov.n_unthemed:,} comments with no theme ({found.share_explained:.1%}); "
        f"{_count(len(found.dropped), 'topic')} dropped.",
    ]
    if found.frequent:
        among = "comments with no theme" if found.only_unthemed else "comments"
        words = ", ".join(f"{word} ({share:.1%})" for word, share in found.frequent)
        lines.append(f"Left out as too common to model (share of {among} holding each): {words}. Such a word "
                     "is most often the corpus's own subject (\"hotel\" in hotel reviews); one that names an aspect "
                     "of its own (their \"location\") can become a theme by hand (docs/discover.md).")
    for i, c in enumerate(found.candidates, 1):
        scores = "".join(f", {kind} {mean:g}" for kind, (mean, _) in c.mean_scores.items())
        lines += [
            "",
            f"{i}. {c.id}: {c.label}",
            f"   {c.n_comments:,} comments ({c.share_comments:.1%}); covers {c.n_unthemed:,} ({c.share_unthemed:.1%}) "
            f"of those with no theme; sentiment {c.mean_sentiment:+.2f}{scores}",
            f"   top terms: {', '.join(term for term, _ in c.top_terms)}",
            f"   terms written: {', '.join(c.terms)} (match {c.n_matched:,} comments)",
        ]
        if c.shared:
            lines.append("   also matched by: " + ", ".join(f"{t} ({'/'.join(th)})" for t, th in c.shared.items()))
        lines += [f"   - {_clip(e.text)}" for e in c.examples]
    if found.dropped:
        lines += ["", "Dropped:"]
        lines += [f"  - {d.label} ({d.n_comments:,} comments): {d.reason}" for d in found.dropped]
    return printable("\n".join(lines))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXAMPLE_CHARS else text[: _EXAMPLE_CHARS - 3].rstrip() + "..."

