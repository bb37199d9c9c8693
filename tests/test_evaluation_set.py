"""The hand-labelled real evaluation set (evaluation/) is complete, consistent and readable."""

import json
import subprocess
import sys
from pathlib import Path

from feedback.io.labelled import read_labelled

ROOT = Path(__file__).parent.parent
EVAL = ROOT / "evaluation"
THEMES = {"speed", "price", "personalization", "convenience", "customer_service", "automation",
          "proactive_service", "channels", "quality"}


def test_the_set_has_400_labelled_real_comments_from_four_sources():
    items = [json.loads(line) for line in (EVAL / "real_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == len({i["id"] for i in items}) == 400
    assert {i["source"] for i in items} == {"womens-clothing-reviews", "cfpb-complaints",
                                            "app-review-feature-sentiment", "sentiment-labelled-sentences"}
    for item in items:
        assert item["sentiment"] in {"positive", "neutral", "negative"}
        assert set(item["themes"]) <= THEMES and set(item["themes"].values()) <= {"positive", "neutral", "negative"}
    assert len(read_labelled(str(EVAL / "real_labelled.jsonl"))) == 400


def test_labels_match_the_sample_and_the_agreement_script_runs():
    sample = [json.loads(line)["text"] for line in (EVAL / "real_sample.jsonl").read_text(encoding="utf-8").splitlines()]
    merged = [json.loads(line)["text"] for line in (EVAL / "real_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sample == merged
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "annotation_agreement.py"),
                             str(EVAL / "labels_a.jsonl"), str(EVAL / "labels_b.jsonl")],
                            capture_output=True, text=True, check=True)
    agreement = json.loads(result.stdout)
    assert agreement["n"] == 120 and agreement["sentiment"]["kappa"] > 0.8
