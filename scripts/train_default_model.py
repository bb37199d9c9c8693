"""Train the shipped model models/cx-default from the project's and the licensed real data.

    python scripts/train_default_model.py [--data ../shared/data] [-o models/cx-default] [--seed 0]
                                          [--without SOURCE] [--neutral-prior]

The data and its splits are scripts/real_training_data.py's (real comments are read in place
from the data folder, only their training split). Progress goes to stderr. The same data and
seed give the same model. `--without` leaves one source out (leave-one-source-out evaluation,
benchmarks/leave_one_out.py).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
from real_training_data import DEFAULT_DATA, LICENSES, PROJECT_FILES, TrainingData, load  # noqa: E402

from feedback.config import AnalysisOptions  # noqa: E402
from feedback.io.labelled import read_labelled  # noqa: E402
from feedback.model.card import write_card  # noqa: E402
from feedback.model.persist import save_model  # noqa: E402
from feedback.model.training import train  # noqa: E402
from feedback.redact import redact_text  # noqa: E402

# The shipped model's parameters (ThemeModel's defaults otherwise). The sentiment head is
# regularised ten times harder than ThemeModel's default (sentiment_C 3, not 30): trained
# without one source and scored on it (benchmarks/leave_one_out.py), it was right more often on
# the sources it never saw (mean accuracy 0.694 -> 0.714 over nine sets), level where it had
# seen them; with C 30 it had learnt words of one domain as sentiment ("food" negative).
# A theme is found without a rule hit only if such finds were right at least half the time on
# the real sources left out in turn (`unseen_add_precision`): trained without the hand-labelled
# real comments, the recipe's finds on them were right 7 times in 42. Only quality and speed
# now pass; the other themes are left to the rules (models/README.md).
# Theme detection reads each comment's mean word vector too (`detection_embeddings`): mean
# theme F1 on the four real sources left out in turn 0.689 -> 0.706, the 400 hand-labelled
# 0.716 -> 0.735. It then dropped explicit "great service" hits on SemEval restaurants (recall
# below the rules'); a rule hit is now dropped only where such drops were wrong 99% of the
# time in cross-validation (`drop_precision`, 0.95 before).
# Each "?" is a feature (`question_marks`): a question asks more often than it judges. On real
# data never trained on, sentiment macro-F1 rose on SemEval-14 laptops 0.547 -> 0.584 and
# restaurants 0.561 -> 0.577; the sources left out in turn were level (mean accuracy 0.716 ->
# 0.715); the 588 hand-labelled 0.864 -> 0.859 (models/README.md).
# A rule hit is dropped only for a theme whose drops were right 3 times in 4 on the real sources
# left out in turn (`unseen_drop_precision`). Dropped hits were right 10 times in 12 on the
# hand-labelled comments (sources it trained on) but about 1 time in 3 on airline posts, a kind
# of comment it never saw ("my flight was delayed" lost speed); left out in turn, the sources
# gave 5 drops in all, too few to trust, so no theme now drops a rule hit: theme recall is never
# below the rules' (models/README.md).
# A mention's polarity that disagrees with its comment's stands only from 0.8
# (`comment_polarity_cut`): the polarity head, learnt from comment-level labels, was right less
# often than the comment's label; theme polarity on the hand-labelled real sets 0.80-0.89 ->
# 0.86-0.93, chosen on the dev sets (models/README.md).
PARAMS = {"random_state": 0, "min_df": 3, "cv": 4, "embeddings": "minilm-static", "sentiment_C": 3.0,
          "unseen_add_precision": 0.5, "detection_embeddings": True, "drop_precision": 0.99,
          "question_marks": True, "unseen_drop_precision": 0.75, "sentiment_skips_negated": True,
          "comment_polarity_cut": 0.8}
HELD_OUT = ROOT / "tests" / "data" / "labelled_cx.jsonl"
LONG_NUMBER = re.compile(r"\d{5,}")


def cleaned(data: TrainingData) -> TrainingData:
    """The comments as a model may learn them: masked first (emails, phone and card numbers...),
    so none is in a vocabulary or a model's weights; long digit runs (amounts, what is left of
    an identifier) become "0000"."""
    counts: Counter[str] = Counter()

    def clean(text: str) -> str:
        return LONG_NUMBER.sub("0000", redact_text(text, counts))

    return TrainingData([replace(i, text=clean(i.text)) for i in data.items],
                        [replace(i, text=clean(i.text)) for i in data.sentiment_only], data.source_of, data.notes)


def fit(data: TrainingData, *, seed: int = 0, test: bool = True, quiet: bool = False):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    data = cleaned(data)

    def progress(stage: str, done: int, total: int) -> None:
        if not quiet:
            print(f"[{done:>2}/{total}] {time.perf_counter() - start:6.1f} s  {stage}", file=sys.stderr, flush=True)

    return train(data.items, analysis=AnalysisOptions(model=None), params=PARAMS | {"random_state": seed},
                 test=read_labelled(str(HELD_OUT)) if test else None, sentiment_only=data.sentiment_only,
                 progress=progress, sources=[str(p.relative_to(ROOT)) for p in PROJECT_FILES],
                 groups=[source_group(data.source_of[i.id]) for i in [*data.items, *data.sentiment_only]])


def license_of(source: str) -> str:
    if source.startswith("project/"):
        return "CC0 1.0 (written for this project)"
    folder = source.removeprefix("hand-labelled/").removeprefix("hand-labelled-sentences/").split("/", 1)[0]
    return LICENSES.get(folder, "?")


def source_group(source: str) -> str:
    """The kind of comment a source is, for the sentiment head's per-source check and source
    effects: the hand-labelled comments count with their dataset, the project's files as one,
    the hand-labelled single sentences as one (their mix of classes is their own)."""
    if source.startswith("hand-labelled-sentences/"):
        return "real sentences"
    source = source.removeprefix("hand-labelled/")
    return "project" if source.startswith("project/") else source


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("-o", "--output", default=str(ROOT / "models" / "cx-default"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--without", help="Leave this source out (a name of real_training_data.SOURCES or a prefix).")
    parser.add_argument("--without-sentiment", metavar="SOURCE",
                        help="Drop this source's sentiment labels, keep its theme labels (an experiment).")
    parser.add_argument("--neutral-prior", action="store_true",
                        help="Fit with ThemeModel(neutral_prior=True) (not the shipped recipe: see models/README.md).")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="Another ThemeModel parameter (a JSON value), for experiments: not the shipped recipe.")
    args = parser.parse_args()
    for pair in args.param:
        name, _, value = pair.partition("=")
        PARAMS[name] = json.loads(value)
    if args.neutral_prior:
        PARAMS["neutral_prior"] = True
    data = load(Path(args.data), seed=args.seed)
    if args.without:
        data = data.without(args.without)
    if args.without_sentiment:
        data = data.without_sentiment(args.without_sentiment)
    counts = data.counts()
    print(f"Training on {len(data.items)} theme-labelled and {len(data.sentiment_only)} sentiment-only comments",
          file=sys.stderr)
    model, card = fit(data, seed=args.seed)
    card["sources"] = [{"source": source, "license": license_of(source), **kinds} for source, kinds in counts.items()]
    card["data_notes"] = [note.replace(str(ROOT) + "/", "") for note in data.notes]
    card["command"] = "bash scripts/train_default_model.sh" + "".join(
        f" ({flag})" for flag, on in ((f"--without {args.without}", args.without),
                                      (f"--without-sentiment {args.without_sentiment}", args.without_sentiment),
                                      ("--neutral-prior", args.neutral_prior),
                                      *((f"--param {pair}", True) for pair in args.param)) if on)
    save_model(model, args.output, card=card)
    write_card(args.output)
    cv = model.cv_scores_
    print(f"Saved {args.output}: cross-validated theme micro F1 {cv['micro']['f1']}, sentiment accuracy "
          f"{cv.get('sentiment_accuracy')} (head), {cv.get('sentiment_accuracy_combined')} (head where confident, "
          f"else VADER; VADER alone {cv.get('sentiment_accuracy_vader')})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
