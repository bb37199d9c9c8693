"""Draw real sentences to label with their own sentiment: the plain statements the model lacked.

    python scripts/draw_sentences.py [--data ../shared/data] [--seed 11] -o training/real/sentences_draw.jsonl
    python scripts/draw_sentences.py --seed 12 --scale 3 --prefix sent2 --exclude training/real/sentences_draw.jsonl \
        -o training/real/sentences_draw_2.jsonl

The sentiment head learnt "neutral" from three-star clothing reviews (mixed, not neutral) and the
project's own comments, so on real narrative sentences it almost never says neutral ("I had roast
chicken and a salad." read as negative; models/README.md). This draws single sentences, as
`feedback` splits them, with a fixed seed from the training split of three licensed real sources
(benchmarks/real_world.py `split`; nothing held out for evaluation, nothing equal to a text of
evaluation/): women's clothing reviews (CC0), CFPB complaint narratives (US public domain) and
app-store review sentences (Dabrowski et al., MIT). Sentences of 4-40 words only (no fragments,
no run-on narratives). They are labelled by hand with their own sentiment following
docs/annotation.md (training/README.md says who and how) and read by
scripts/real_training_data.py as sentiment-only training comments.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))
from real_training_data import DEFAULT_DATA, LICENSES, _normal, evaluation_texts  # noqa: E402
from real_world import LOADERS, split  # noqa: E402

# Source folder -> sentences drawn.
PER_SOURCE = {"womens-clothing-reviews": 130, "cfpb-complaints": 130, "app-review-feature-sentiment": 140}
MIN_WORDS, MAX_WORDS = 4, 40
SHORT_NAMES = {"womens-clothing-reviews": "clothing", "cfpb-complaints": "cfpb", "app-review-feature-sentiment": "app"}


def sentences_of(nlp: Any, text: str) -> list[str]:
    """The text's sentences as `feedback analyze` splits them, of MIN_WORDS-MAX_WORDS words."""
    from feedback.language import make_docs

    doc = make_docs(nlp, [text])[0]
    return [s.text.strip() for s in doc.sents if MIN_WORDS <= len(s.text.split()) <= MAX_WORDS]


def draw(data: Path, seed: int, scale: int = 1, prefix: str = "sent",
         exclude: set[str] | None = None) -> list[dict[str, str]]:
    from feedback.config import AnalysisOptions
    from feedback.pipeline import Analyzer

    nlp = Analyzer.from_options(AnalysisOptions(model=None)).nlp
    excluded = evaluation_texts(data) | (exclude or set())
    rng = random.Random(seed)
    rows = []
    for folder, n in PER_SOURCE.items():
        n *= scale
        texts = sorted({e.text for dataset in LOADERS[folder](data / folder)
                        for e in split(dataset, evaluation=False) if _normal(e.text) not in excluded})
        # Comments first, then one sentence from each: a long narrative does not fill the draw.
        comments = rng.sample(texts, min(len(texts), n * 3))
        seen: set[str] = set()
        picked: list[str] = []
        for comment in comments:
            candidates = [s for s in sentences_of(nlp, comment) if _normal(s) not in excluded | seen]
            if candidates:
                sentence = rng.choice(candidates)
                seen.add(_normal(sentence))
                picked.append(sentence)
            if len(picked) == n:
                break
        for k, sentence in enumerate(picked, 1):
            rows.append({"id": f"{prefix}-{SHORT_NAMES[folder]}-{k:03d}", "source": folder,
                         "license": LICENSES[folder], "text": sentence})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT_DATA))
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--scale", type=int, default=1, help="Draw this many times PER_SOURCE.")
    parser.add_argument("--prefix", default="sent", help="Id prefix: sent-clothing-001...")
    parser.add_argument("--exclude", action="append", default=[], help="An earlier draw whose sentences are left out.")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    exclude = {_normal(json.loads(line)["text"]) for path in args.exclude
               for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()}
    rows = draw(Path(args.data), args.seed, args.scale, args.prefix, exclude)
    Path(args.output).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(rows)} sentences -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
