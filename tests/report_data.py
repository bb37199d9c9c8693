"""Shared inputs of the report tests: hand-made records and the analysed bundled example."""

from __future__ import annotations

import functools
import json
import tempfile
from pathlib import Path
from typing import Any

from click.testing import CliRunner

EXAMPLE = Path(__file__).parent.parent / "examples" / "comments.csv"


def record(
    rid: str,
    themes: list[tuple[str, float]] | None = None,
    scores: dict[str, float] | None = None,
    *,
    text: str | None = None,
    compound: float = 0.0,
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A minimal analysed record; a theme's evidence is its last id part, found in the text."""
    words = [theme.split("/")[-1] for theme, _ in themes or []]
    body = text if text is not None else (" ".join(words) or "nothing to say")
    mentions = []
    for (theme, sentiment), word in zip(themes or [], words):
        start = body.find(word)
        mentions.append({"theme": theme, "parent": theme.split("/")[0], "sentiment": sentiment,
                         "label": "positive" if sentiment >= 0.05 else "negative" if sentiment <= -0.05 else "neutral",
                         "evidence": word if start >= 0 else "", "start": max(start, 0),
                         "end": start + len(word) if start >= 0 else 0, "sentence": 0,
                         "negated": False, "source": "rules"})
    return {"schema_version": "1.0", "id": rid, "row": 1, "text": body,
            "sentiment": {"compound": compound, "label": "neutral"},
            "sentences": [{"text": body, "start": 0, "end": len(body), "compound": compound}],
            "themes": mentions, "scores": scores or {}, "fields": fields or {}, "problems": []}


@functools.lru_cache(maxsize=1)
def example_jsonl() -> Path:
    """examples/comments.csv analysed once per test session by the real `feedback analyze`."""
    from feedback.cli import cli

    out = Path(tempfile.mkdtemp(prefix="feedback-report-")) / "analyzed.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(EXAMPLE), "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def example_records() -> list[dict[str, Any]]:
    """The analysed example records (a fresh list each call)."""
    return [json.loads(line) for line in example_jsonl().read_text(encoding="utf-8").splitlines()]
