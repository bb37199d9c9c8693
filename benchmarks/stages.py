"""Where `feedback analyze` spends its time, stage by stage, against VADER alone (one process).

    python benchmarks/stages.py [--n 20000] [--no-model] [--input EXPORT.csv [--text-column NAME]]

Generates N comments (benchmarks/generate.py), then times each stage of the pipeline on all of
them in turn, after imports and model loading: reading the CSV, rows to comments, spaCy
(tokeniser, sentences), sentence sentiment (feedback.vader), theme matching, mentions and clause
sentiment, the model, and writing JSON; then `Analyzer.pipe` as `analyze` runs it (screening,
and the text's work once per distinct text), with JSON, on the same comments. VADER's
polarity_scores on the same comments is the
yardstick: each stage is printed as seconds of CPU time (this process's: steadier than wall
time on a shared machine) and as a multiple of it. Indented rows are parts of
the row above them, timed again on their own. The garbage collector is off while it runs (all
stages' outputs are held at once; the CLI streams, and freezes its build-once state instead).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from generate import generate  # noqa: E402

from feedback.columns import resolve_columns, to_comment  # noqa: E402
from feedback.io import dumps, open_table  # noqa: E402
from feedback.config import AnalysisOptions  # noqa: E402
from feedback.language import make_docs  # noqa: E402
from feedback.pipeline import PIPE_BATCH, Analyzer, merge_prediction, model_input  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--no-model", action="store_true")
    parser.add_argument("--input", help="Time this CSV export instead of N generated comments.")
    parser.add_argument("--text-column", help="The comments' column of --input (else found as analyze finds it).")
    args = parser.parse_args()
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    # MODEL: a model directory to time instead of the shipped one.
    analyzer = Analyzer.from_options(AnalysisOptions(model=None if args.no_model else os.environ.get("MODEL") or "default"))
    # Every stage's output for all N comments is held at once here, unlike the streaming CLI;
    # the garbage collector would then bill later stages for scanning earlier ones' objects.
    gc.freeze()
    gc.disable()
    stages: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = args.input or os.path.join(tmp, "comments.csv")
        if not args.input:
            generate(args.n, path)
        clock = time.process_time()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.process_time()
            stages.append((name, now - clock))
            clock = now

        rows = list(open_table(path).rows)
        lap("read CSV")
        spec = resolve_columns(list(rows[0].values), text_column=args.text_column)
        comments = [c for c in (to_comment(r, spec) for r in rows if hasattr(r, "values")) if hasattr(c, "text")]
        lap("rows -> comments")
        vader = SentimentIntensityAnalyzer()
        clock = time.process_time()
        for c in comments:
            vader.polarity_scores(c.text)
        baseline = time.process_time() - clock
        clock = time.process_time()
        docs = make_docs(analyzer.nlp, [c.text for c in comments])
        lap("spaCy: tokens, sentences")
        records = [analyzer._analyze_doc(c, d) for c, d in zip(comments, docs)]
        lap("records: sentence sentiment, theme matching, clauses")
        # The two largest parts of that stage, timed again on their own.
        sentences = [s.text for d in docs for s in d.sents]
        clock = time.process_time()
        for s in sentences:
            analyzer.scorer.score(s)
        lap(f"  of which sentence sentiment ({len(sentences):,} sentences)")
        for d in docs:
            analyzer.matcher.find(d)
        lap("  of which theme matching")
        if analyzer.theme_model is not None:
            clock = time.process_time()
            inputs = [model_input(r) for r in records]
            predictions = []
            for i in range(0, len(inputs), PIPE_BATCH):  # as Analyzer.pipe batches them
                predictions.extend(analyzer.theme_model.predict(inputs[i : i + PIPE_BATCH]))
            cut = getattr(analyzer.theme_model, "comment_polarity_cut", None)
            records = [merge_prediction(r, p, analyzer.theme_model.themes_, comment_polarity_cut=cut)
                       for r, p in zip(records, predictions)]
            lap("model: predict and merge")
        for r in records:
            dumps(r.to_dict())
        lap("JSON lines")
        # The stages above analyse every comment; `analyze` does a text's work once per distinct
        # text (a bounded cache) and screens first, so its own cost is timed too, on a new
        # Analyzer of the same parts (empty caches; spaCy's vocabulary is already warm).
        fresh = Analyzer(analyzer.nlp, analyzer.scorer, analyzer.matcher, analyzer.theme_model,
                         screener=analyzer.screener)
        clock = time.process_time()
        for r in fresh.pipe(comments):
            dumps(r.to_dict())
        lap("as analyze runs it: Analyzer.pipe (screening, text cache) and JSON lines")
    distinct = len({c.text for c in comments})
    print(f"{len(comments):,} comments ({distinct:,} distinct texts); VADER alone (polarity_scores per comment): "
          f"{baseline:.2f} s")
    print("| stage | seconds | x VADER alone |")
    print("| --- | --- | --- |")
    for name, seconds in stages:
        print(f"| {name} | {seconds:.2f} | {seconds / baseline:.2f} |")
    timed = [(name, seconds) for name, seconds in stages if not name.startswith("  ")]
    total = sum(seconds for _, seconds in timed[:-1])
    print(f"| total of the stages (every comment, no cache) | {total:.2f} | {total / baseline:.2f} |")
    piped = sum(seconds for _, seconds in timed[:2]) + timed[-1][1]
    print(f"| total as analyze runs it (read, rows -> comments, pipe and JSON) | {piped:.2f} | {piped / baseline:.2f} |")


if __name__ == "__main__":
    main()
