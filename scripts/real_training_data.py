"""The shipped model's training data: the project's labelled comments plus real comments whose
licenses allow shipping a model trained on them, read in place and never copied into the repo.

    python scripts/real_training_data.py [--data ../shared/data] [--summary]

Theme-labelled (themes and sentiment; `items`):
  - training/cx_train_*.jsonl: written and labelled for this project (CC0);
  - training/real/draw.jsonl + training/real/labels_*.jsonl: 800 real comments (clothing, CFPB,
    app-review and Amazon/Yelp sentences) hand-labelled following docs/annotation.md;
  - training/real/support_draw.jsonl + training/real/support_labels.jsonl: 400 customers' first
    messages to companies' support accounts on Twitter (IBM's Twitter customer care set, Apache
    2.0), none of them in evaluation/support_posts_labelled.jsonl, labelled the same way.
Sentiment only (`sentiment_only`; themes not labelled, so theme detection does not read them):
  - training/real/sentences_draw*.jsonl + training/real/sentence_labels*.jsonl: 1,600 real
    sentences (clothing, CFPB, app-review) hand-labelled with their own sentiment, the plain statements
    ("I ordered a size 8.") from which the head learns what neutral looks like in real text;
  - women's clothing reviews (CC0): Rating 1-2 negative, 3 neutral, 4-5 positive;
  - Kotzias et al. sentences, Amazon / Yelp / IMDb (CC BY 4.0): the file's 0/1 labels;
  - CFPB complaint narratives (US public domain): negative (a weak label: every one is a complaint;
    the hand-labelled CFPB comments are 98% negative).
Not the app-review sentences' own labels (Dabrowski et al.): they give the polarity towards each
app feature a sentence names, not the sentence's sentiment ("I use it all the time." is a neutral
mention of "use" and a positive sentence), and trained as overall sentiment they taught the head to
call app remarks neutral: on the same sentences judged whole by our annotators (evaluation/), the
head trained without them is right on 0.74 where with them 0.59 (models/README.md). The 200
hand-labelled app sentences above stay.
Every real comment comes from the training split of benchmarks/real_world.py (`held_out` is
False) and no text equal to one of the hand-labelled evaluation set (evaluation/) or of any
held-out comment is used. Per-source caps and one seeded draw keep the sources balanced and the
training under a minute; the same seed gives the same data.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from real_world import DEFAULT_DATA, LOADERS, TRAINED_ON, split  # noqa: E402

from feedback.io.labelled import LabelledComment, read_labelled  # noqa: E402

# Source -> (loader folder, most comments drawn, license). Each Kotzias file is its own source.
SOURCES = {
    "womens-clothing-reviews": ("womens-clothing-reviews", 2500, "CC0 1.0"),
    "sentiment-labelled-sentences/amazon": ("sentiment-labelled-sentences", 1000, "CC BY 4.0"),
    "sentiment-labelled-sentences/yelp": ("sentiment-labelled-sentences", 1000, "CC BY 4.0"),
    "sentiment-labelled-sentences/imdb": ("sentiment-labelled-sentences", 1000, "CC BY 4.0"),
    "cfpb-complaints": ("cfpb-complaints", 400, "US public domain"),
}
# The license of every dataset a training comment may come from (the hand-labelled draws included).
LICENSES = {folder: license for folder, _, license in SOURCES.values()} | {"app-review-feature-sentiment": "MIT",
                                                                         "ibm-twitter-customer-care": "Apache 2.0"}
PROJECT_FILES = sorted((ROOT / "training").glob("cx_train_*.jsonl"))
DRAW = ROOT / "training" / "real" / "draw.jsonl"
# The hand labels of the draw: the copies in training/real once complete, else the annotators'
# working files (growing while they label).
LABEL_FILES = [ROOT / "training" / "real" / "labels_part1.jsonl", ROOT / "training" / "real" / "labels_part2.jsonl"]
# (drawn sentences, their settled labels): scripts/draw_sentences.py, then labelled by hand.
SENTENCE_FILES = [(ROOT / "training" / "real" / "sentences_draw.jsonl", ROOT / "training" / "real" / "sentence_labels.jsonl"),
                  (ROOT / "training" / "real" / "sentences_draw_2.jsonl",
                   ROOT / "training" / "real" / "sentence_labels_2.jsonl")]
DRAFT_LABEL_FILES = [Path("/work/notes/train_labels_part1.jsonl"), Path("/work/notes/train_labels_part2.jsonl")]
# Requests to support accounts (Apache 2.0), drawn apart from evaluation/support_posts_labelled.jsonl.
SUPPORT_DRAW = ROOT / "training" / "real" / "support_draw.jsonl"
SUPPORT_LABELS = ROOT / "training" / "real" / "support_labels.jsonl"
EVALUATION_FILES = [ROOT / "evaluation" / "real_labelled.jsonl", ROOT / "evaluation" / "real_sample.jsonl",
                    ROOT / "evaluation" / "real_labelled_2.jsonl", ROOT / "evaluation" / "support_posts_labelled.jsonl"]
MAX_CHARS = 2000  # longer narratives are cut: the model reads the analysed prefix anyway


@dataclass
class TrainingData:
    """Theme-labelled and sentiment-only comments, with where each came from."""

    items: list[LabelledComment] = field(default_factory=list)
    sentiment_only: list[LabelledComment] = field(default_factory=list)
    source_of: dict[str, str] = field(default_factory=dict)  # comment id -> source
    notes: list[str] = field(default_factory=list)

    def without(self, source: str) -> TrainingData:
        """The same data less one source, its hand-labelled comments included (by prefix:
        "sentiment-labelled-sentences" drops all three files)."""
        def keep(item: LabelledComment) -> bool:
            origin = self.source_of.get(item.id, "")
            return not (origin.startswith(source) or origin.startswith("hand-labelled/" + source)
                        or origin.startswith("hand-labelled-sentences/" + source))
        return TrainingData([i for i in self.items if keep(i)], [i for i in self.sentiment_only if keep(i)],
                            self.source_of, self.notes)

    def without_sentiment(self, source: str) -> TrainingData:
        """The same data, the sentiment labels of one source's comments (by prefix) dropped:
        their themes still teach theme detection."""
        def strip(item: LabelledComment) -> LabelledComment:
            return replace(item, sentiment=None) if self.source_of.get(item.id, "").startswith(source) else item
        return TrainingData([strip(i) for i in self.items],
                            [i for i in self.sentiment_only if not self.source_of.get(i.id, "").startswith(source)],
                            self.source_of, self.notes)

    def counts(self) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for kind, group in (("themes+sentiment", self.items), ("sentiment only", self.sentiment_only)):
            for item in group:
                out.setdefault(self.source_of[item.id], Counter())[kind] += 1
        return {k: dict(v) for k, v in sorted(out.items())}


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def evaluation_texts(data: Path) -> set[str]:
    """Texts that must never be trained on: the hand-labelled evaluation set and every comment
    of a held-out split."""
    texts = set()
    for path in EVALUATION_FILES:
        if path.is_file():
            texts |= {_normal(json.loads(line)["text"]) for line in path.open(encoding="utf-8") if line.strip()}
    for folder in TRAINED_ON:
        if (data / folder).is_dir():
            for dataset in LOADERS[folder](data / folder):
                texts |= {_normal(e.text) for e in split(dataset, evaluation=True)}
    return texts


def hand_labelled(label_files: list[Path], excluded: set[str],
                  draw_file: Path = DRAW) -> tuple[list[LabelledComment], dict[str, str], int]:
    """The drawn real comments with their hand labels (answers in English only), the source of
    each, and how many were left out because their text is held out."""
    draw = {}
    for line in draw_file.open(encoding="utf-8"):
        if line.strip():
            row = json.loads(line)
            draw[row["id"]] = row
    items, sources, held = [], {}, 0
    for path in label_files:
        if not path.is_file():
            continue
        for line in path.open(encoding="utf-8"):
            if not line.strip():
                continue
            label = json.loads(line)
            row = draw.get(label.get("id"))
            if row is None or not label.get("answer", True) or not label.get("english", True):
                continue
            if _normal(row["text"]) in excluded:
                held += 1
                continue
            themes = {str(t): p for t, p in (label.get("themes") or {}).items()}
            items.append(LabelledComment(row["id"], row["text"], themes, label.get("sentiment") or None))
            sources[row["id"]] = "hand-labelled/" + row["source"]
    return items, sources, held


def load(data: Path = DEFAULT_DATA, *, seed: int = 0, label_files: list[Path] | None = None) -> TrainingData:
    """Every training comment (see the module docstring)."""
    out = TrainingData()
    for path in PROJECT_FILES:
        for item in read_labelled(str(path)):
            item = LabelledComment(f"{path.stem}:{item.id}", item.text, item.themes, item.sentiment)
            out.items.append(item)
            out.source_of[item.id] = "project/" + path.stem
    excluded = evaluation_texts(data)
    if label_files is None:
        label_files = LABEL_FILES if all(p.is_file() for p in LABEL_FILES) else DRAFT_LABEL_FILES
    for draw_file, files in [(DRAW, label_files), (SUPPORT_DRAW, [SUPPORT_LABELS])]:
        if not draw_file.is_file():
            continue
        labelled, sources, held = hand_labelled(files, excluded, draw_file)
        out.items += labelled
        out.source_of.update(sources)
        out.notes.append(f"{len(labelled)} hand-labelled real comments from {', '.join(str(p) for p in files)}"
                         + (f"; {held} left out (text held out for evaluation)" if held else ""))
        excluded |= {_normal(item.text) for item in labelled}
    sentences, sentence_sources = labelled_sentences(excluded)
    out.sentiment_only += sentences
    out.source_of.update(sentence_sources)
    if sentences:
        out.notes.append(f"{len(sentences)} hand-labelled real sentences from "
                         + ", ".join(str(labels.relative_to(ROOT)) for _, labels in SENTENCE_FILES if labels.is_file()))
    rng = random.Random(seed)
    datasets = {}
    for folder in {folder for folder, _, _ in SOURCES.values()}:
        if (data / folder).is_dir():
            for dataset in LOADERS[folder](data / folder):
                datasets[dataset.name] = dataset
    for source, (folder, cap, _) in SOURCES.items():
        chosen = [d for name, d in sorted(datasets.items()) if name == source or (name.startswith(folder + "/")
                                                                               and source == folder)]
        pool = []
        for dataset in chosen:
            for e in split(dataset, evaluation=False):
                sentiment = "negative" if folder == "cfpb-complaints" else e.sentiment
                if sentiment and _normal(e.text) not in excluded:
                    pool.append((f"{dataset.name}:{e.id}", e.text[:MAX_CHARS], sentiment))
        for key, text, sentiment in sorted(rng.sample(pool, min(cap, len(pool)))):
            out.sentiment_only.append(LabelledComment(key, text, {}, sentiment))
            out.source_of[key] = source
    return out


def labelled_sentences(excluded: set[str]) -> tuple[list[LabelledComment], dict[str, str]]:
    """The drawn real sentences with their hand-labelled sentiment (a draw not yet labelled is
    skipped), and the source of each ("hand-labelled/<dataset>", so `without` drops them with
    their dataset)."""
    items, sources = [], {}
    for draw, label_file in SENTENCE_FILES:
        if not (draw.is_file() and label_file.is_file()):
            continue
        with label_file.open(encoding="utf-8") as f:
            labels = {row["id"]: row["sentiment"] for row in map(json.loads, filter(str.strip, f))}
        with draw.open(encoding="utf-8") as f:
            for row in map(json.loads, filter(str.strip, f)):
                if row["id"] in labels and _normal(row["text"]) not in excluded:
                    items.append(LabelledComment(row["id"], row["text"], {}, labels[row["id"]]))
                    sources[row["id"]] = "hand-labelled-sentences/" + row["source"]
    return items, sources


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = load(Path(args.data), seed=args.seed)
    print(json.dumps({"counts": data.counts(), "notes": data.notes,
                      "sentiment": dict(Counter(i.sentiment for i in data.items + data.sentiment_only))}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
