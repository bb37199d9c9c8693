"""Real data as the evaluation standard: sentiment and themes on every labelled real dataset.

    python benchmarks/real_world.py [--data ../shared/data] [--limit 2000] [--seed 0]
                                    [--datasets a,b] [--json OUT]

For each real dataset in the data folder that carries labels or stars, one seeded sample of
comments (at most --limit per dataset) is scored in the same run by three systems:
  - plain VADER: vaderSentiment's `polarity_scores(text)["compound"]`, >= 0.05 positive,
    <= -0.05 negative, neutral between (the thresholds VADER's authors recommend);
  - feedback, rules only: `analyze(..., model=None)`, the record's sentiment.label and themes;
  - feedback with the shipped model: `model="default"`.
It prints one Markdown section per dataset: sentiment accuracy and macro-F1 against the gold,
the predicted label mix, the share of comments with at least one theme, how many of the rules'
theme hits the model dropped, the wall time of each system, and theme precision/recall/F1
where gold themes exist (SemEval-2014 restaurants: price and service categories) or issue
labels can be mapped honestly (CFPB complaints and the airline posts' negative reasons: recall
only, see ISSUE_THEMES). A summary table closes the output. A folder
`twitter-airline-sentiment` holding Twitter US Airline Sentiment's Tweets.csv (social-media
posts to brands; CC BY-NC-SA 4.0, so not in ../shared/data and never trained on) is scored too
when present. Each dataset's gold rule is printed with it (see LOADERS).

Macro-F1 is the mean F1 over the classes the gold uses: on the binary sentiment-labelled
sentences (positive/negative only) a neutral prediction is simply wrong, and the number of
neutral predictions is shown beside it. Theme hits are counted per (comment, parent theme).
The texts are cleaned the same way for all three systems (HTML entities and Windows-1252
control characters left by the source crawls); nothing else is changed.

Datasets are read in place; nothing is copied. The SemEval files are used for their test split
only (the train split is for training, `benchmarks/semeval.py`). The datasets the shipped model
may be trained on (TRAINED_ON) are scored on their held-out split only: the comments whose
(dataset, id) hash puts them in the evaluation quarter (`held_out`); the training recipe
(scripts/real_training_data.py) takes the other three quarters and never a text of this one.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import os
import random
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_LIMIT = 3000  # every dataset whole except the 22,641 clothing reviews; ~40 s on 2 cores
SENTIMENTS = ("negative", "neutral", "positive")
SYSTEMS = ("vader", "rules", "model")
SYSTEM_NAMES = {"vader": "plain VADER", "rules": "feedback, rules only", "model": "feedback + shipped model"}
VADER_THRESHOLD = 0.05

# SemEval-2014 restaurant categories scored against the default taxonomy; the others (food,
# ambience, anecdotes/miscellaneous) have no counterpart theme and are not scored.
SEMEVAL_THEMES = {"price": "price", "service": "customer_service"}

# CFPB issue labels are chosen by the consumer from a fixed list; only issues whose name says
# what the complaint is about in our themes' terms are mapped. "Communication tactics" (debt
# collectors' calls and language) is left out: it is about collection practice as much as about
# service. The mapping supports recall only (a fee complaint may also be about service), so no
# precision is reported; the theme's rate on the other complaints is shown as the base rate.
ISSUE_THEMES = {
    "price": (
        "Charged fees or interest you didn't expect",
        "Charged fees or interest I didn't expect",
        "Fees or interest",
        "Unexpected or other fees",
    ),
    "customer_service": (
        "Can't contact lender or servicer",
        "Problem with customer service",
        # Twitter US Airline Sentiment's negative reasons (a "Customer Service Issue" is often a
        # phone hold, which the taxonomy reads as speed and channels: recall only, as above).
        "Customer Service Issue",
        "Flight Attendant Complaints",
    ),
    "speed": (
        "Late Flight",
        "longlines",
    ),
}

csv.field_size_limit(2**31 - 1)

# Folders whose comments the shipped model may be trained on: only their held-out quarter is
# scored here. SemEval-2014 is evaluation only (its test split; never trained on for cx-default).
TRAINED_ON = ("womens-clothing-reviews", "sentiment-labelled-sentences", "app-review-feature-sentiment",
              "cfpb-complaints")
HELD_OUT_BUCKETS = 4  # one bucket in four is held out


def held_out(dataset: str, example_id: str) -> bool:
    """Whether a comment is in the evaluation split: a fixed hash of its dataset name and id,
    so the split is the same on every machine and run, whatever the sample size."""
    digest = hashlib.sha256(f"{dataset}|{example_id}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % HELD_OUT_BUCKETS == 0


# Real comments drawn for hand labelling and training (scripts/sample_eval_set.py --prefix train-):
# always training, so never scored here, whichever split their hash gives.
TRAINING_DRAW = ROOT / "training" / "real" / "draw.jsonl"


def normal_text(text: str) -> str:
    return " ".join(text.lower().split())


def training_draw_texts() -> frozenset[str]:
    if not TRAINING_DRAW.is_file():
        return frozenset()
    with open(TRAINING_DRAW, encoding="utf-8") as f:
        return frozenset(normal_text(json.loads(line)["text"]) for line in f if line.strip())


def split(dataset: Dataset, evaluation: bool) -> list[Example]:
    """The dataset's evaluation split (held out from training: its `held_out` quarter less the
    comments drawn for hand-labelled training) or its training split (the other three
    quarters); a dataset never trained on is all evaluation."""
    if dataset.name.split("/")[0] not in TRAINED_ON:
        return list(dataset.examples) if evaluation else []
    name = dataset.split_as or dataset.name
    if not evaluation:
        return [e for e in dataset.examples if not held_out(name, e.id)]
    drawn = training_draw_texts()
    return [e for e in dataset.examples if held_out(name, e.id) and normal_text(e.text) not in drawn]


@dataclass
class Example:
    """One comment: its text, gold sentiment (None if unknown), gold themes or source issue."""

    id: str
    text: str
    sentiment: str | None = None
    themes: frozenset[str] | None = None
    issue: str | None = None


@dataclass
class Dataset:
    """The comments of one dataset, with how the gold was derived and what was skipped."""

    name: str
    unit: str
    examples: list[Example]
    gold_rule: str
    notes: list[str] = field(default_factory=list)
    binary: bool = False
    # Split as this dataset: the titles of the clothing reviews are held out with their reviews.
    split_as: str | None = None


# ---------------------------------------------------------------------------- reading files

_C1 = re.compile("[\x80-\x9f]")


def clean_text(text: str) -> str:
    """The text with crawl leftovers undone: HTML entities, cp1252 characters read as Latin-1."""
    if "&" in text:
        text = html.unescape(text)
    if _C1.search(text):
        text = _C1.sub(lambda m: m.group().encode("latin-1").decode("cp1252", errors="replace"), text)
    return text.strip()


def read_text(path: Path) -> str:
    """A file's text: UTF-8 (BOM dropped), else Windows-1252, never failing on a stray byte."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def read_csv_rows(path: Path, header_starts: str) -> list[dict[str, str]]:
    """CSV rows as dicts, starting at the first line that begins with `header_starts`.

    Some exports carry junk above the header (the CFPB sample starts with two lines of unzip
    output). Quoted fields may hold newlines and CRLFs, so lines are split by the csv module.
    """
    text = read_text(path)
    start = 0 if text.startswith(header_starts) else text.find("\n" + header_starts) + 1
    if start == 0 and not text.startswith(header_starts):
        raise SystemExit(f"{path}: no header line starting with {header_starts!r}")
    return list(csv.DictReader(io.StringIO(text[start:], newline="")))


def load_clothing(folder: Path) -> list[Dataset]:
    rows = read_csv_rows(folder / "Womens Clothing E-Commerce Reviews.csv", ",Clothing ID")
    examples, empty = [], 0
    for n, row in enumerate(rows):
        text = clean_text(row.get("Review Text") or "")
        if not text:
            empty += 1
            continue
        examples.append(Example(row.get("") or str(n), text, STARS.get((row.get("Rating") or "").strip())))
    return [Dataset("womens-clothing-reviews", "reviews", examples,
                    "Rating 1-2 negative, 3 neutral, 4-5 positive; text = Review Text (title not used)",
                    [f"{empty:,} rows without review text skipped"] if empty else [])]


STARS = {"1": "negative", "2": "negative", "3": "neutral", "4": "positive", "5": "positive"}


def load_clothing_titles(folder: Path) -> list[Dataset]:
    """The reviews' titles: the short answers real exports are full of ("Love it!", "Runs
    small"). Scored here only: no training recipe reads them, and they are held out with their
    reviews (`split_as`)."""
    rows = read_csv_rows(folder / "Womens Clothing E-Commerce Reviews.csv", ",Clothing ID")
    examples = [Example(row.get("") or str(n), title, STARS.get((row.get("Rating") or "").strip()))
                for n, row in enumerate(rows) if (title := clean_text(row.get("Title") or ""))]
    return [Dataset("womens-clothing-reviews/titles", "titles", examples,
                    "Rating 1-2 negative, 3 neutral, 4-5 positive; text = the review's Title (short answers)",
                    [f"{len(rows) - len(examples):,} rows without a title skipped"], split_as="womens-clothing-reviews")]


def load_labelled_sentences(folder: Path) -> list[Dataset]:
    datasets = []
    for source in ("amazon_cells", "yelp", "imdb"):
        path = folder / f"{source}_labelled.txt"
        if not path.is_file():
            continue
        examples, bad = [], 0
        # sentence<TAB>label, no quoting: a quote inside a sentence is just a character.
        # Split on LF only: str.splitlines would also break at the U+0085 (NEL) left in imdb's text.
        for n, line in enumerate(read_text(path).split("\n"), 1):
            line = line.rstrip("\r")
            sentence, tab, label = line.rpartition("\t")
            if not tab or label.strip() not in ("0", "1") or not sentence.strip():
                bad += line.strip() != ""
                continue
            examples.append(Example(f"{source}:{n}", clean_text(sentence),
                                    "positive" if label.strip() == "1" else "negative"))
        notes = [f"{bad:,} malformed lines skipped"] if bad else []
        datasets.append(Dataset(f"sentiment-labelled-sentences/{source.split('_')[0]}", "sentences", examples,
                                "the file's labels, 1 positive / 0 negative (no neutral gold)", notes, binary=True))
    return datasets


def load_app_reviews(folder: Path) -> list[Dataset]:
    rows = read_csv_rows(folder / "ground_truth.csv", "App id")
    columns = {"positive": "Feature (Positive)", "neutral": "Feature (Neutral)", "negative": "Feature (Negative)"}
    examples, mixed, no_feature = [], 0, 0
    for row in rows:
        polarities = {p for p, column in columns.items() if (row.get(column) or "").strip()}
        if len(polarities) > 1:
            mixed += 1
        no_feature += not polarities
        gold = next(iter(polarities)) if len(polarities) == 1 else None
        key = f"{row.get('App id')}|{row.get('Review id')}|{row.get('Sentence id')}"
        examples.append(Example(key, clean_text(row.get("Sentence content") or ""), gold))
    examples = [e for e in examples if e.text]
    return [Dataset("app-review-feature-sentiment", "sentences", examples,
                    "per sentence, the polarity of its annotated features when they all agree "
                    "(the labels are sentiment towards app features, not the whole sentence)",
                    [f"{mixed:,} sentences whose features disagree and {no_feature:,} without a feature "
                     "have no sentiment gold (scored for themes only)"])]


def parse_semeval(path: Path) -> list[tuple[str, str, list[str], list[tuple[str, str]]]]:
    """(id, text, aspect-term polarities, (category, polarity) pairs) per sentence of a SemEval XML.

    Parsed here rather than with feedback's read_labelled, which reads the categories only: the
    laptop domain has aspect terms and no categories.
    """
    root = ET.fromstring(read_text(path))
    out = []
    for sentence in root.iter("sentence"):
        terms = [t.get("polarity", "") for t in sentence.iter("aspectTerm")]
        categories = [(c.get("category", ""), c.get("polarity", "")) for c in sentence.iter("aspectCategory")]
        out.append((sentence.get("id", ""), sentence.findtext("text") or "", terms, categories))
    return out


def load_semeval(folder: Path) -> list[Dataset]:
    name = folder.name
    examples, mixed, unlabelled = [], 0, 0
    for sid, text, terms, categories in parse_semeval(folder / "test.xml"):
        polarities = set(terms) | {p for _, p in categories}
        if "conflict" in polarities or len(polarities) > 1:
            mixed += 1
        unlabelled += not polarities
        gold = next(iter(polarities)) if len(polarities) == 1 and "conflict" not in polarities else None
        themes = frozenset(SEMEVAL_THEMES[c] for c, _ in categories if c in SEMEVAL_THEMES) if categories else None
        examples.append(Example(sid, clean_text(text), gold, themes))
    sources = "aspect-term and category polarities" if "restaurants" in name else "aspect-term polarities"
    notes = [f"{mixed:,} sentences with conflict or disagreeing polarities skipped for sentiment"]
    if unlabelled:
        notes.append(f"{unlabelled:,} sentences without an aspect have no sentiment gold (scored for themes only)")
    return [Dataset(name, "test sentences", examples,
                    f"sentence polarity = its {sources} when all agree (test.xml)", notes)]


def load_cfpb(folder: Path) -> list[Dataset]:
    files = {"personal-loans-2023": "cfpb_personal_loans_2023_narratives.csv",
             "sample-2015-2020": "cfpb_complaints_sample_2015_2020.csv"}
    datasets = []
    for short, filename in files.items():
        if not (folder / filename).is_file():
            continue
        rows = read_csv_rows(folder / filename, "Date received")
        examples = [Example(row.get("Complaint ID") or str(n), clean_text(row["Consumer complaint narrative"]),
                            issue=(row.get("Issue") or "").strip())
                    for n, row in enumerate(rows) if (row.get("Consumer complaint narrative") or "").strip()]
        datasets.append(Dataset(f"cfpb-complaints/{short}", "narratives", examples,
                                "no sentiment gold (complaints); themes from the consumer-chosen Issue "
                                "(ISSUE_THEMES, recall only)",
                                [f"{len(rows) - len(examples):,} rows without a narrative skipped"]
                                if len(rows) > len(examples) else []))
    return datasets


def load_airline_tweets(folder: Path) -> list[Dataset]:
    """Twitter US Airline Sentiment (Figure Eight's "Data for Everyone", CC BY-NC-SA 4.0): posts
    to six US airlines, each labelled negative / neutral / positive by contributors, with the
    reason of a negative one. Not in ../shared/data: put its Tweets.csv in a folder of that name
    to score it; evaluation only (the license forbids shipping a model trained on it)."""
    path = folder / "Tweets.csv"
    if not path.is_file():
        return []
    rows = read_csv_rows(path, "tweet_id")
    examples = [Example(row.get("tweet_id") or str(n), clean_text(row.get("text") or ""),
                        (row.get("airline_sentiment") or "").strip() or None,
                        issue=(row.get("negativereason") or "").strip())
                for n, row in enumerate(rows) if (row.get("text") or "").strip()]
    return [Dataset("twitter-airline-sentiment", "posts", examples,
                    "the contributors' label of each post (negative / neutral / positive); themes from the "
                    "negative reason (ISSUE_THEMES, recall only)")]


# Folder -> loader. Every folder of the data directory is listed in the output, with or without one.
LOADERS: dict[str, Callable[[Path], list[Dataset]]] = {
    "womens-clothing-reviews": load_clothing,
    "sentiment-labelled-sentences": load_labelled_sentences,
    "app-review-feature-sentiment": load_app_reviews,
    "semeval2014-restaurants": load_semeval,
    "semeval2014-laptops": load_semeval,
    "cfpb-complaints": load_cfpb,
    "twitter-airline-sentiment": load_airline_tweets,
}


# Folder -> more datasets this benchmark scores (never read by a training recipe).
SCORED_ONLY: dict[str, Callable[[Path], list[Dataset]]] = {
    "womens-clothing-reviews": load_clothing_titles,
}


def load_all(data: Path) -> tuple[list[Dataset], list[str]]:
    """Every dataset found under `data`, and the folders skipped with the reason."""
    datasets, skipped = [], []
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        loader = LOADERS.get(folder.name)
        if loader is None:
            skipped.append(f"{folder.name}: no loader (no labels or stars known)")
            continue
        datasets += loader(folder)
        if folder.name in SCORED_ONLY:
            datasets += SCORED_ONLY[folder.name](folder)
    return datasets, skipped


def select(datasets: list[Dataset], wanted: set[str]) -> list[Dataset]:
    """The datasets named in `wanted`, by full name ("cfpb-complaints/sample-2015-2020") or folder."""
    unknown = {w for w in wanted if not any(d.name == w or d.name.split("/")[0] == w for d in datasets)}
    if unknown:
        raise SystemExit(f"unknown dataset(s) {sorted(unknown)}; found: {', '.join(d.name for d in datasets)}")
    return [d for d in datasets if d.name in wanted or d.name.split("/")[0] in wanted]


def sample(examples: Sequence[Example], limit: int | None, seed: int) -> list[Example]:
    """At most `limit` examples drawn with `seed`, in file order."""
    if limit is None or len(examples) <= limit:
        return list(examples)
    keep = sorted(random.Random(seed).sample(range(len(examples)), limit))
    return [examples[i] for i in keep]


# ---------------------------------------------------------------------------- metrics


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def sentiment_scores(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy and macro-F1 over the classes the gold uses; predictions of other classes are errors."""
    classes = [c for c in SENTIMENTS if c in set(gold)]
    per_class = {}
    for c in classes:
        tp = sum(g == c and p == c for g, p in zip(gold, predicted))
        fp = sum(g != c and p == c for g, p in zip(gold, predicted))
        fn = sum(g == c and p != c for g, p in zip(gold, predicted))
        per_class[c] = prf(tp, fp, fn)
    n = len(gold)
    return {
        "n": n,
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / n if n else 0.0,
        "macro_f1": sum(s["f1"] for s in per_class.values()) / len(classes) if classes else 0.0,
        "per_class_f1": {c: s["f1"] for c, s in per_class.items()},
        "predicted": {c: sum(p == c for p in predicted) for c in SENTIMENTS},
    }


def theme_scores(gold: Sequence[frozenset[str]], predicted: Sequence[set[str]],
                 themes: Iterable[str]) -> dict[str, Any]:
    """Per-theme and micro precision/recall/F1 over the given themes only."""
    out: dict[str, Any] = {}
    total = Counter[str]()
    for theme in themes:
        tp = sum(theme in g and theme in p for g, p in zip(gold, predicted))
        fp = sum(theme not in g and theme in p for g, p in zip(gold, predicted))
        fn = sum(theme in g and theme not in p for g, p in zip(gold, predicted))
        out[theme] = {**prf(tp, fp, fn), "gold": tp + fn}
        total.update(tp=tp, fp=fp, fn=fn)
    out["micro"] = {**prf(total["tp"], total["fp"], total["fn"]), "gold": total["tp"] + total["fn"]}
    return out


def drop_figures(rules: Sequence[set[str]], model: Sequence[set[str]]) -> dict[str, Any]:
    """Rule theme hits (comment, parent theme) the model removed, and themes only the model found."""
    hits = sum(len(r) for r in rules)
    dropped = sum(len(r - m) for r, m in zip(rules, model))
    added = sum(len(m - r) for r, m in zip(rules, model))
    return {"rule_hits": hits, "dropped": dropped, "dropped_share": dropped / hits if hits else 0.0,
            "model_only": added, "model_hits": sum(len(m) for m in model)}


# ---------------------------------------------------------------------------- running the systems


def vader_labels(texts: Sequence[str], analyzer: Any) -> list[str]:
    """Plain VADER's label per text from a vaderSentiment SentimentIntensityAnalyzer."""
    return [label_of(c) for c in vader_compounds(texts, analyzer)]


def vader_compounds(texts: Sequence[str], analyzer: Any) -> list[float]:
    """Plain VADER's compound per text."""
    return [analyzer.polarity_scores(text)["compound"] for text in texts]


def label_of(compound: float) -> str:
    return "positive" if compound >= VADER_THRESHOLD else "negative" if compound <= -VADER_THRESHOLD else "neutral"


def rank_correlation(gold: Sequence[str], compounds: Sequence[float]) -> float | None:
    """Spearman's rho between the compound and the gold read as -1 / 0 / +1: how well the score
    orders comments, whatever thresholds make its labels (None when either is constant)."""
    from scipy.stats import spearmanr

    order = {"negative": -1, "neutral": 0, "positive": 1}
    if len(set(gold)) < 2 or len(set(compounds)) < 2:
        return None
    return float(spearmanr([order[g] for g in gold], compounds).statistic)


def feedback_outputs(texts: Sequence[str], analyzer: Any,
                     compounds: list[float] | None = None) -> tuple[list[str], list[set[str]], int]:
    """(sentiment labels, parent themes per comment, error records) from feedback's records;
    each record's compound is appended to `compounds` when given (0 for one not scored)."""
    from feedback import analyze

    labels: list[str] = []
    themes: list[set[str]] = []
    errors = 0
    for record in analyze(list(texts), analyzer=analyzer):
        if "error" in record:  # counted, and scored as a neutral comment with no theme
            errors += 1
            labels.append("neutral")
            themes.append(set())
            if compounds is not None:
                compounds.append(0.0)
            continue
        labels.append(record["sentiment"]["label"] or "neutral")  # skipped (no answer, not English): no opinion
        themes.append({t["parent"] for t in record["themes"]})
        if compounds is not None:
            compounds.append(record["sentiment"]["compound"] or 0.0)
    return labels, themes, errors


def build_analyzers() -> tuple[dict[str, Any], dict[str, float]]:
    """The three systems, each built once: VADER's analyzer, feedback rules only, with the model."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    from feedback import AnalysisOptions, Analyzer

    start = time.perf_counter()
    analyzers: dict[str, Any] = {"vader": SentimentIntensityAnalyzer()}
    seconds = {"vader": time.perf_counter() - start}
    # MODEL: another model directory to score as "the shipped model" (the training recipe scores
    # the model it has just written before it is shipped).
    for system, model in (("rules", None), ("model", os.environ.get("MODEL") or "default")):
        start = time.perf_counter()
        analyzers[system] = Analyzer.from_options(AnalysisOptions(model=model))
        seconds[system] = time.perf_counter() - start
    return analyzers, seconds


def evaluate_dataset(dataset: Dataset, analyzers: dict[str, Any], total: int) -> dict[str, Any]:
    """Every figure for one dataset's (already sampled) examples."""
    texts = [e.text for e in dataset.examples]
    labels: dict[str, list[str]] = {}
    themes: dict[str, list[set[str]]] = {}
    seconds: dict[str, float] = {}
    errors: dict[str, int] = {}
    start = time.perf_counter()
    compounds: dict[str, list[float]] = {"vader": vader_compounds(texts, analyzers["vader"])}
    labels["vader"] = [label_of(c) for c in compounds["vader"]]
    seconds["vader"] = time.perf_counter() - start
    for system in ("rules", "model"):
        start = time.perf_counter()
        compounds[system] = []
        labels[system], themes[system], errors[system] = feedback_outputs(texts, analyzers[system], compounds[system])
        seconds[system] = time.perf_counter() - start
    n = len(texts)
    figures: dict[str, Any] = {
        "name": dataset.name, "unit": dataset.unit, "n": n, "available": total, "gold_rule": dataset.gold_rule,
        "notes": dataset.notes, "binary_gold": dataset.binary, "seconds": seconds, "errors": errors,
        "theme_share": {s: sum(bool(t) for t in themes[s]) / n if n else 0.0 for s in ("rules", "model")},
        "model_vs_rules": drop_figures(themes["rules"], themes["model"]),
    }
    scored = [i for i, e in enumerate(dataset.examples) if e.sentiment is not None]
    gold = [dataset.examples[i].sentiment or "" for i in scored]
    figures["sentiment"] = {s: sentiment_scores(gold, [labels[s][i] for i in scored]) |
                            {"rank_correlation": rank_correlation(gold, [compounds[s][i] for i in scored])}
                            for s in SYSTEMS} if scored else None
    figures["predicted_all"] = {s: {c: labels[s].count(c) for c in SENTIMENTS} for s in SYSTEMS}
    with_themes = [i for i, e in enumerate(dataset.examples) if e.themes is not None]
    if with_themes:
        gold_themes = [dataset.examples[i].themes or frozenset() for i in with_themes]
        figures["themes"] = {s: theme_scores(gold_themes, [themes[s][i] for i in with_themes],
                                             sorted(set(SEMEVAL_THEMES.values()))) for s in ("rules", "model")}
        figures["themes_n"] = len(with_themes)
    if any(e.issue is not None for e in dataset.examples):
        figures["issue_themes"] = issue_theme_figures(dataset.examples, themes)
    return figures


def issue_theme_figures(examples: Sequence[Example], themes: dict[str, list[set[str]]]) -> dict[str, Any]:
    """Per mapped theme: share of complaints with a mapped issue that get it, and of the others."""
    out = {}
    for theme, issues in ISSUE_THEMES.items():
        mapped = {i.lower() for i in issues}
        inside = [i for i, e in enumerate(examples) if (e.issue or "").lower() in mapped]
        outside = [i for i, e in enumerate(examples) if (e.issue or "").lower() not in mapped]
        row: dict[str, Any] = {"n_issue": len(inside), "n_other": len(outside), "issues": list(issues)}
        for system in ("rules", "model"):
            row[f"{system}_recall"] = sum(theme in themes[system][i] for i in inside) / len(inside) if inside else None
            row[f"{system}_other_rate"] = (sum(theme in themes[system][i] for i in outside) / len(outside)
                                           if outside else None)
        out[theme] = row
    return out


# ---------------------------------------------------------------------------- printing


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def render_dataset(f: dict[str, Any], seed: int) -> str:
    lines = [f"## {f['name']}", ""]
    sampled = f"seeded sample (seed {seed}) of {f['available']:,}" if f["n"] < f["available"] else "all"
    lines.append(f"n = {f['n']:,} {f['unit']} ({sampled}). Gold: {f['gold_rule']}.")
    for note in f["notes"]:
        lines.append(f"Note: {note}.")
    sentiment = f["sentiment"]
    if sentiment:
        n_gold = sentiment["vader"]["n"]
        over = "the 2 gold classes; a neutral prediction counts as wrong" if f["binary_gold"] else "the gold's classes"
        lines.append(f"Sentiment scored on {n_gold:,} {f['unit']} with gold; macro-F1 over {over}.")
        if f["binary_gold"]:
            lines.append("Neutral predictions: " + ", ".join(
                f"{SYSTEM_NAMES[s]} {sentiment[s]['predicted']['neutral']:,}" for s in SYSTEMS) + ".")
    lines += ["", "| system | sentiment accuracy | macro-F1 | F1 neg / neu / pos | compound's rank correlation with "
              "the gold | predicted neg / neu / pos | >=1 theme | wall time (s) |", "|---|---|---|---|---|---|---|---|"]
    for s in SYSTEMS:
        mix = sentiment[s]["predicted"] if sentiment else f["predicted_all"][s]
        total = sum(mix.values()) or 1
        mix_text = " / ".join(f"{100 * mix[c] / total:.0f}%" for c in SENTIMENTS)
        acc = num(sentiment[s]["accuracy"]) if sentiment else "no gold"
        f1 = num(sentiment[s]["macro_f1"]) if sentiment else "-"
        per_class = " / ".join(num(sentiment[s]["per_class_f1"].get(c)) for c in SENTIMENTS) if sentiment else "-"
        share = "-" if s == "vader" else pct(f["theme_share"][s])
        rho = num(sentiment[s]["rank_correlation"]) if sentiment else "-"
        lines.append(f"| {SYSTEM_NAMES[s]} | {acc} | {f1} | {per_class} | {rho} | {mix_text} | {share} | "
                     f"{f['seconds'][s]:.2f} |")
    d = f["model_vs_rules"]
    lines += ["", f"Model vs rules (per comment and parent theme): the model dropped {d['dropped']:,} of "
              f"{d['rule_hits']:,} rule theme hits ({pct(d['dropped_share'])}); {d['model_only']:,} of its "
              f"{d['model_hits']:,} theme hits are model-only."]
    if sum(f["errors"].values()):
        lines.append(f"Error records (scored neutral, no theme): {f['errors']}.")
    if "themes" in f:
        lines += ["", f"Themes against gold categories (price -> price, service -> customer_service; other "
                  f"categories not scored), {f['themes_n']:,} sentences:", "",
                  "| theme (gold n) | rules P | rules R | rules F1 | model P | model R | model F1 |",
                  "|---|---|---|---|---|---|---|"]
        for theme in f["themes"]["rules"]:
            r, m = f["themes"]["rules"][theme], f["themes"]["model"][theme]
            lines.append(f"| {theme} ({r['gold']}) | {num(r['precision'])} | {num(r['recall'])} | {num(r['f1'])} | "
                         f"{num(m['precision'])} | {num(m['recall'])} | {num(m['f1'])} |")
    if "issue_themes" in f:
        lines += ["", "Themes against the consumer-chosen Issue (ISSUE_THEMES; recall only: share of complaints "
                  "with a mapped issue that get the theme, and the same share on all other complaints):", "",
                  "| theme | complaints with mapped issue | rules | model | rules, other issues | model, other issues |",
                  "|---|---|---|---|---|---|"]
        for theme, row in f["issue_themes"].items():
            lines.append(f"| {theme} | {row['n_issue']:,} | {pct(row['rules_recall'])} | {pct(row['model_recall'])} | "
                         f"{pct(row['rules_other_rate'])} | {pct(row['model_other_rate'])} |")
    return "\n".join(lines)


def render_summary(all_figures: list[dict[str, Any]]) -> str:
    lines = ["## Summary", "",
             "| dataset | n | accuracy VADER / rules / model | macro-F1 VADER / rules / model | "
             "compound rank correlation VADER / rules / model | >=1 theme rules / model | rule hits dropped by model |",
             "|---|---|---|---|---|---|---|"]
    for f in all_figures:
        s = f["sentiment"]
        acc = " / ".join(num(s[x]["accuracy"]) for x in SYSTEMS) if s else "no gold"
        f1 = " / ".join(num(s[x]["macro_f1"]) for x in SYSTEMS) if s else "-"
        rho = " / ".join(num(s[x]["rank_correlation"]) for x in SYSTEMS) if s else "-"
        share = f"{pct(f['theme_share']['rules'])} / {pct(f['theme_share']['model'])}"
        lines.append(f"| {f['name']} | {f['n']:,} | {acc} | {f1} | {rho} | {share} | "
                     f"{pct(f['model_vs_rules']['dropped_share'])} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="Folder of datasets (default: %(default)s).")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT,
                        help="Comments per dataset, a seeded sample; 0 for all (default: %(default)s).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--datasets", help="Comma-separated dataset or folder names (default: all).")
    parser.add_argument("--json", help="Write every figure to this JSON file.")
    args = parser.parse_args(argv)
    data = Path(args.data)
    if not data.is_dir():
        parser.error(f"no data folder at {data}")
    datasets, skipped = load_all(data)
    if args.datasets:
        datasets = select(datasets, {w.strip() for w in args.datasets.split(",") if w.strip()})
    if not datasets:
        parser.error(f"no dataset found in {data}")
    limit = args.limit or None
    analyzers, build_seconds = build_analyzers()
    import feedback

    print("# feedback on real data\n")
    print(f"Data: {data}; limit {limit or 'none'} per dataset (seeded sample, seed {args.seed}); "
          f"feedback {feedback.__version__}; {os.cpu_count()} CPUs; analyzers built in "
          f"{build_seconds['rules']:.2f} s (rules) and {build_seconds['model']:.2f} s (model), VADER in "
          f"{build_seconds['vader']:.2f} s, not in the times below. "
          f"VADER: compound >= {VADER_THRESHOLD} positive, <= -{VADER_THRESHOLD} negative.")
    for line in skipped:
        print(f"Skipped {line}.")
    results = []
    for dataset in datasets:
        if dataset.name.split("/")[0] in TRAINED_ON:
            dataset.notes.append("held-out quarter only (benchmarks/real_world.py `held_out`): never trained on")
        dataset.examples = split(dataset, evaluation=True)
        available = len(dataset.examples)
        dataset.examples = sample(dataset.examples, limit, args.seed)
        figures = evaluate_dataset(dataset, analyzers, available)
        results.append(figures)
        print()
        print(render_dataset(figures, args.seed), flush=True)
    print()
    print(render_summary(results))
    if args.json:
        payload = {"data": str(data), "limit": limit, "seed": args.seed, "feedback_version": feedback.__version__,
                   "build_seconds": build_seconds, "skipped": skipped, "datasets": results,
                   "issue_themes": {t: list(i) for t, i in ISSUE_THEMES.items()}, "semeval_themes": SEMEVAL_THEMES}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
