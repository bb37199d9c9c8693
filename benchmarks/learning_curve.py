"""Learning curve: what 50, 100, 200, 500 labels buy, guided (`feedback label`) or random.

    PYTHONPATH=. python benchmarks/learning_curve.py [--data ../shared/data] [--budgets 50,100,200,500]
                                                  [--seeds 3] [--datasets a,b] [--json OUT]

For each real labelled dataset, comments are split once (seeded) into a labelling pool and a
held-out test split (SemEval-2014 restaurants and laptops: train.xml is the pool, test.xml the
test). The hidden checks label a dataset the shipped model never saw, so each dataset is
measured with a base that never saw it: the shipped model for the SemEval sets, and for the
datasets the shipped model was trained on (real_world.TRAINED_ON) the shipped recipe trained
without that dataset (`leave_one_out_base`, ~2 minutes each on 2 shared cores; --base-cache
keeps them). A simulated labeller answers from the gold labels (`SimulatedLabeller`): it is asked for the
comments a strategy picks, and answers with their gold themes, polarities and sentiment, as a
person filling `feedback label`'s sheet would. Strategies, each at every budget:

  - guided: labelling in rounds as a person would (50, then 50 more, 100 more, 300 more): each
    round `select_for_labelling` picks with the model adapted so far (first: the shipped one);
  - random: the same number of comments drawn at random from the pool.

Systems measured on the held-out split, through the pipeline's own merge of model and rules:
  - base: that base model, no labels (the shipped cx-default on SemEval);
  - labels only: a ThemeModel trained on the labels alone (`feedback train LABELLED`);
  - adapted: the base adapted with them (`feedback train LABELLED --base default`).
Figures: sentiment accuracy and macro-F1 over the classes the gold uses (a neutral answer on
binary gold is wrong), and for SemEval the macro-F1 of its five categories (themes the shipped
model does not know: new themes learned from the labels). Means over --seeds seeds, and the
spread (population standard deviation over the seeds) of each figure.

Datasets are read in place; nothing is copied. SemEval is used for evaluation only.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "benchmarks"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from real_world import (TRAINED_ON, clean_text, load_airline_tweets, load_app_reviews,  # noqa: E402
                        load_clothing, load_labelled_sentences, parse_semeval)

from feedback.io.labelled import LabelledComment, read_labelled  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data"
BUDGETS = (50, 100, 200, 500)
POOL_LIMIT = 1500  # comments in a labelling pool at most (the clothing reviews are 22k)
TEST_LIMIT = 600


class SimulatedLabeller:
    """A person who labels from the gold: asked for comment ids, answers with their labels."""

    def __init__(self, gold: Sequence[LabelledComment]) -> None:
        self.gold = {c.id: c for c in gold}
        self.asked = 0

    def label(self, ids: Sequence[str]) -> list[LabelledComment]:
        self.asked += len(ids)
        return [self.gold[i] for i in ids]


def _sentence_gold(themes: dict[str, str | None]) -> str | None:
    polarities = {p for p in themes.values() if p}
    return polarities.pop() if len(polarities) == 1 and "conflict" not in polarities else None


def load_datasets(data: Path, seed: int) -> list[tuple[str, list[LabelledComment], list[LabelledComment]]]:
    """(name, pool, test) per dataset, each comment with gold labels.

    The SemEval sets: train.xml is the pool, test.xml the test split (laptops: sentence
    sentiment from its aspect terms, no themes). The others are split once, seeded; the shipped
    model was trained on part of them, so they are measured with a base trained by the
    shipped recipe without them (`leave_one_out_base`).
    """
    out = []
    simple = [("app-review-feature-sentiment", load_app_reviews),
              ("sentiment-labelled-sentences", load_labelled_sentences),
              ("womens-clothing-reviews", load_clothing),
              # Not in ../shared/data: scored when its Tweets.csv is put in a folder of that name
              # (real_world.load_airline_tweets); the adapted models are measured, never shipped.
              ("twitter-airline-sentiment", load_airline_tweets)]
    for folder, loader in simple:
        if not (data / folder).is_dir():
            continue
        examples = [LabelledComment(e.id, e.text, {}, e.sentiment)
                    for d in loader(data / folder) for e in d.examples if e.sentiment and e.text]
        rng = random.Random(seed)
        rng.shuffle(examples)
        n_test = min(TEST_LIMIT, len(examples) // 3)
        out.append((folder, examples[n_test : n_test + POOL_LIMIT], examples[:n_test]))
    semeval = data / "semeval2014-restaurants"
    if semeval.is_dir():
        def read(name: str) -> list[LabelledComment]:
            return [LabelledComment(c.id, clean_text(c.text), c.themes, _sentence_gold(c.themes))
                    for c in read_labelled(str(semeval / name))]
        pool = read("train.xml")
        random.Random(seed).shuffle(pool)
        out.append(("semeval2014-restaurants", pool[:POOL_LIMIT], read("test.xml")))
    laptops = data / "semeval2014-laptops"
    if laptops.is_dir():
        def terms(name: str) -> list[LabelledComment]:
            found = [LabelledComment(sid, clean_text(text), {}, _sentence_gold(dict(enumerate(polarities))))
                     for sid, text, polarities, _ in parse_semeval(laptops / name)]
            return [c for c in found if c.sentiment and c.text]
        pool = terms("train.xml")
        random.Random(seed).shuffle(pool)
        out.append(("semeval2014-laptops", pool[:POOL_LIMIT], terms("test.xml")))
    return out


def leave_one_out_base(name: str, data: Path, cache: Path | None = None) -> Any:
    """The shipped recipe's model trained without dataset `name` (scripts/train_default_model.py,
    same data and parameters less that source): the base for a dataset the shipped model was
    trained on, so the labels are new to it as a person's would be. Saved in / read from
    `cache` when given (a model directory per dataset)."""
    import os

    from feedback.model.persist import load_model, save_model

    if cache is not None and (cache / name).is_dir():
        return load_model(str(cache / name))
    sys.path.insert(0, str(ROOT / "scripts"))
    from real_training_data import load as load_training
    from train_default_model import fit

    here = os.getcwd()
    os.chdir(ROOT)  # the recipe names its training files relative to the repository
    try:
        model, card = fit(load_training(data).without(name), test=False, quiet=True)
    finally:
        os.chdir(here)
    if cache is not None:
        save_model(model, str(cache / name), card=card)
    return model


def scores(items: Sequence[LabelledComment], records: Sequence[Any]) -> dict[str, float | None]:
    """Sentiment accuracy and macro-F1 (gold classes), theme macro-F1 (gold themes)."""
    pairs = [(c.sentiment, r.label or "neutral") for c, r in zip(items, records) if c.sentiment]
    out: dict[str, float | None] = {"accuracy": None, "macro_f1": None, "theme_macro_f1": None}
    if pairs:
        out["accuracy"] = round(sum(a == b for a, b in pairs) / len(pairs), 4)
        out["macro_f1"] = _macro_f1(pairs, sorted({a for a, _ in pairs}))
    gold_themes = sorted({t for c in items for t in c.themes})
    if gold_themes:
        predicted = [{m.parent for m in r.themes} for r in records]
        f1s = []
        for theme in gold_themes:
            tp = sum(theme in c.themes and theme in p for c, p in zip(items, predicted))
            fp = sum(theme not in c.themes and theme in p for c, p in zip(items, predicted))
            fn = sum(theme in c.themes and theme not in p for c, p in zip(items, predicted))
            f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
        out["theme_macro_f1"] = round(sum(f1s) / len(f1s), 4)
    return out


def _macro_f1(pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> float:
    f1s = []
    for label in labels:
        tp = sum(a == label and b == label for a, b in pairs)
        fp = sum(a != label and b == label for a, b in pairs)
        fn = sum(a == label and b != label for a, b in pairs)
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return round(sum(f1s) / len(f1s), 4)


class Bench:
    """One dataset analysed once by the rules; models are then fitted and scored on its inputs."""

    def __init__(self, rules: Any, base: Any, pool: Sequence[LabelledComment], test: Sequence[LabelledComment]) -> None:
        from feedback.model.training import analyze_labelled
        from feedback.pipeline import model_input

        self.rules, self.base = rules, base
        pool_records = analyze_labelled(rules, pool)
        keep = [i for i, r in enumerate(pool_records) if r.skipped is None]  # a person skips non-answers too
        self.pool = [pool[i] for i in keep]
        self.pool_records = [pool_records[i] for i in keep]
        self.pool_inputs = [model_input(r) for r in self.pool_records]
        self.index = {c.id: i for i, c in enumerate(self.pool)}
        self.test = list(test)
        self.test_records = analyze_labelled(rules, test)
        self.scored = [i for i, r in enumerate(self.test_records) if r.skipped is None]
        self.test_inputs = [model_input(self.test_records[i]) for i in self.scored]

    def score(self, model: Any) -> dict[str, float | None]:
        from feedback.pipeline import merge_prediction

        records = list(self.test_records)
        predictions = model.predict(self.test_inputs) if model is not None else []
        for i, p in zip(self.scored, predictions):
            records[i] = merge_prediction(records[i], p, model.themes_)
        return scores(self.test, records)

    def fit(self, labels: Sequence[LabelledComment], adapted: bool) -> Any:
        from feedback.model import ThemeModel
        from feedback.model.adapted import fit_adapter

        inputs = [self.pool_inputs[self.index[c.id]] for c in labels]
        themes = [dict(c.themes) for c in labels]
        sentiments = [c.sentiment for c in labels]
        rule_themes = self.rules.taxonomy.theme_ids
        if adapted:
            return fit_adapter(self.base, inputs, themes, sentiments, rule_themes=rule_themes)
        return ThemeModel().fit(inputs, themes, sentiments if any(sentiments) else None,
                                rule_themes=rule_themes, theme_order=rule_themes)

    def guided(self, labeller: SimulatedLabeller, budgets: Sequence[int], seed: int) -> dict[int, Any]:
        """Label in rounds: each round picks with the model adapted on the labels so far."""
        from feedback.model.selection import select_for_labelling

        labels: list[LabelledComment] = []
        model: Any = self.base
        out = {}
        for budget in budgets:
            selection = select_for_labelling(self.pool_records, model, budget - len(labels), seed=seed,
                                             labelled_ids=[c.id for c in labels])
            labels += labeller.label([r.id for r in selection.records])
            model = self.fit(labels, adapted=True)
            out[budget] = (labels[:], model)
        return out


def run_dataset(name: str, pool: Sequence[LabelledComment], test: Sequence[LabelledComment], rules: Any, base: Any,
                budgets: Sequence[int], seeds: int, base_name: str = "shipped") -> dict[str, Any]:
    started = time.perf_counter()
    bench = Bench(rules, base, pool, test)
    print(f"{name}: pool {len(bench.pool)}, test {len(test)} (analysed in {time.perf_counter() - started:.0f} s)",
          file=sys.stderr)
    budgets = [b for b in budgets if b <= len(bench.pool)]
    figures: dict[str, Any] = {"dataset": name, "pool": len(bench.pool), "test": len(test), "base": base_name,
                               "shipped": bench.score(base), "rules_only": bench.score(None), "budgets": {}}
    runs: dict[int, dict[str, list[dict[str, float | None]]]] = {b: {} for b in budgets}
    for seed in range(seeds):
        labeller = SimulatedLabeller(bench.pool)
        guided = bench.guided(labeller, budgets, seed)
        order = list(range(len(bench.pool)))
        random.Random(1000 + seed).shuffle(order)
        for budget in budgets:
            random_labels = labeller.label([bench.pool[i].id for i in order[:budget]])
            guided_labels, guided_model = guided[budget]
            results = {
                "adapted_guided": bench.score(guided_model),
                "adapted_random": bench.score(bench.fit(random_labels, adapted=True)),
                "labels_only_guided": bench.score(bench.fit(guided_labels, adapted=False)),
                "labels_only_random": bench.score(bench.fit(random_labels, adapted=False)),
            }
            for system, s in results.items():
                runs[budget].setdefault(system, []).append(s)
            print(f"  seed {seed} budget {budget}: " + ", ".join(
                f"{k} {v['accuracy']}/{v['macro_f1']}/{v['theme_macro_f1']}" for k, v in results.items()),
                file=sys.stderr)
    for budget, systems in runs.items():
        figures["budgets"][str(budget)] = {system: _mean(values) for system, values in systems.items()}
        for system, values in systems.items():
            figures["budgets"][str(budget)][system]["per_seed"] = values
    figures["seconds"] = round(time.perf_counter() - started, 1)
    return figures


# What each comparison asks of the same labels: is guided picking better than random picking, and
# is adapting the shipped model better than training on the labels alone?
COMPARISONS = (("adapted_guided", "adapted_random"), ("labels_only_guided", "labels_only_random"),
               ("adapted_guided", "labels_only_guided"), ("adapted_random", "labels_only_random"))


def paired(all_figures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each comparison over every (dataset, budget, seed): the two systems saw the same held-out
    comments, so their difference is paired. Mean difference, how often the first is ahead and
    behind, and the one-sided sign test's p-value (ties left out): the seeds, not just the
    means, show whether one is better."""
    out = []
    for metric in ("accuracy", "macro_f1", "theme_macro_f1"):
        for first, second in COMPARISONS:
            diffs = [a[metric] - b[metric]
                     for f in all_figures for systems in f["budgets"].values()
                     for a, b in zip(systems[first]["per_seed"], systems[second]["per_seed"])
                     if a[metric] is not None and b[metric] is not None]
            if not diffs:
                continue
            ahead, behind = sum(d > 1e-9 for d in diffs), sum(d < -1e-9 for d in diffs)
            n = ahead + behind
            p = sum(math.comb(n, k) for k in range(ahead, n + 1)) / 2 ** n if n else 1.0
            out.append({"metric": metric, "first": first, "second": second, "pairs": len(diffs),
                        "mean_difference": round(sum(diffs) / len(diffs), 4), "ahead": ahead, "behind": behind,
                        "sign_test_p": round(p, 4)})
    return out


def _mean(values: Sequence[dict[str, float | None]]) -> dict[str, Any]:
    """The mean of each figure over the seeds, and its spread (standard deviation)."""
    out: dict[str, Any] = {"seeds": len(values), "spread": {}}
    for key in values[0]:
        found = [float(v[key]) for v in values if v[key] is not None]  # type: ignore[arg-type]
        mean = sum(found) / len(found) if found else None
        out[key] = round(mean, 4) if mean is not None else None
        out["spread"][key] = (round((sum((x - mean) ** 2 for x in found) / len(found)) ** 0.5, 4)
                              if mean is not None else None)
    return out


def render(all_figures: Sequence[dict[str, Any]]) -> str:
    lines = ["## Paired over datasets, budgets and seeds", "",
             "| metric | comparison | pairs | mean difference | ahead | behind | one-sided sign test p |",
             "|---|---|---|---|---|---|---|"]
    for c in paired(all_figures):
        lines.append(f"| {c['metric']} | {c['first']} vs {c['second']} | {c['pairs']} | {c['mean_difference']:+.4f} | "
                     f"{c['ahead']} | {c['behind']} | {c['sign_test_p']:.3f} |")
    lines.append("")
    for f in all_figures:
        metric = "theme_macro_f1" if f["shipped"]["accuracy"] is None else "accuracy"
        lines += [f"## {f['dataset']} (pool {f['pool']}, held-out {f['test']})", "",
                  f"base: {f.get('base', 'shipped')}", "",
                  "| labels | base | labels only (random) | labels only (guided) | adapted (random) | adapted (guided) |",
                  "|---|---|---|---|---|---|"]
        keys = ["labels_only_random", "labels_only_guided", "adapted_random", "adapted_guided"]
        for budget, systems in f["budgets"].items():
            cells = [_cell(f["shipped"])] + [_cell(systems[k]) for k in keys]
            lines.append(f"| {budget} | " + " | ".join(cells) + " |")
        lines += ["", f"cells: sentiment accuracy / macro-F1{' / theme macro-F1' if f['shipped']['theme_macro_f1'] is not None else ''}"
                  f" ({metric} first)", ""]
    return "\n".join(lines)


def _cell(s: dict[str, float | None]) -> str:
    parts = [s["accuracy"], s["macro_f1"]] + ([s["theme_macro_f1"]] if s["theme_macro_f1"] is not None else [])
    return " / ".join("-" if p is None else f"{p:.3f}" for p in parts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--datasets", default="")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--base-cache", type=Path, help="Keep the leave-one-out bases here (reused when present).")
    args = parser.parse_args(argv)
    from feedback.config import AnalysisOptions
    from feedback.pipeline import Analyzer, load_theme_model

    budgets = sorted(int(b) for b in args.budgets.split(","))
    wanted = {d for d in args.datasets.split(",") if d}
    rules = Analyzer.from_options(AnalysisOptions(model=None))
    base = load_theme_model("default")
    all_figures = []
    for name, pool, test in load_datasets(args.data, seed=0):
        if wanted and name not in wanted:
            continue
        if name in TRAINED_ON:
            started = time.perf_counter()
            own, base_name = leave_one_out_base(name, args.data, args.base_cache), f"shipped recipe without {name}"
            print(f"{name}: base trained without it in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        else:
            own, base_name = base, "shipped"
        all_figures.append(run_dataset(name, pool, test, rules, own, budgets, args.seeds, base_name))
    print(render(all_figures))
    if args.json:
        args.json.write_text(json.dumps({"budgets": budgets, "seeds": args.seeds, "paired": paired(all_figures),
                                         "datasets": all_figures}, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
