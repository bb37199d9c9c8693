"""Theme mention polarity against SemEval-2014's aspect terms (restaurants and laptops, test).

    python benchmarks/mention_polarity.py [--data ../shared/data] [--models rules,default,accurate]

SemEval-2014 Task 4 gives every aspect term of a test sentence ("the service", "battery life")
its span and its polarity (positive, negative, neutral, conflict). Each feedback system analyses
the sentences; a theme mention whose span overlaps a gold term is scored against that term's
polarity. Which terms a system's mentions reach differs (the model adds mentions), so the number
scored is printed beside each accuracy, and so is the same score for the sentence's own label
(what a mention would say if it always took its comment's). Nothing is trained here: the shipped
taxonomy and models, as `feedback analyze` runs them. `accurate` needs the `accurate` extra and
is skipped without it.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from real_world import DEFAULT_DATA  # noqa: E402

from feedback import AnalysisOptions, Analyzer, analyze  # noqa: E402
from feedback.errors import FeedbackError  # noqa: E402

DATASETS = ("semeval2014-restaurants", "semeval2014-laptops")


def read_terms(path: Path) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """(sentence, [(start, end, polarity)]) for each test sentence."""
    out = []
    for sentence in ET.parse(path).getroot().iter("sentence"):
        text = sentence.findtext("text") or ""
        terms = [(int(t.get("from", 0)), int(t.get("to", 0)), t.get("polarity", "")) for t in sentence.iter("aspectTerm")]
        out.append((text, terms))
    return out


def score(sentences: list[tuple[str, list[tuple[int, int, str]]]], analyzer: Analyzer) -> dict[str, float]:
    mention_right = comment_right = n = 0
    for (_, terms), record in zip(sentences, analyze([s for s, _ in sentences], analyzer=analyzer)):
        comment = (record.get("sentiment") or {}).get("label") or "neutral"
        for mention in record.get("themes") or []:
            for start, end, polarity in terms:
                if start < mention["end"] and mention["start"] < end:
                    n += 1
                    mention_right += mention["label"] == polarity
                    comment_right += comment == polarity
    return {"n": n, "mention": mention_right / n if n else 0.0, "comment": comment_right / n if n else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--models", default="rules,default,accurate", help="Comma-separated: rules, default, accurate.")
    args = parser.parse_args(argv)
    data = {name: read_terms(Path(args.data) / name / "test.xml") for name in DATASETS
            if (Path(args.data) / name / "test.xml").is_file()}
    if not data:
        parser.error(f"no SemEval-2014 test.xml under {args.data}")
    print("| system | " + " | ".join(f"{name}: mention / its sentence's label (terms)" for name in data) + " |")
    print("| --- |" + " --- |" * len(data))
    for system in args.models.split(","):
        try:
            analyzer = Analyzer.from_options(AnalysisOptions(model=None if system == "rules" else system))
        except FeedbackError as e:
            print(f"| {system} | skipped: {e} |")
            continue
        cells = []
        for sentences in data.values():
            s = score(sentences, analyzer)
            cells.append(f"{s['mention']:.3f} / {s['comment']:.3f} ({s['n']})")
        print(f"| {system} | " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
