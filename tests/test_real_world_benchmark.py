"""benchmarks/real_world.py: its metrics on handmade cases, its loaders on the real files."""

from __future__ import annotations

import json
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# CI has ../shared beside the clone; the workstation has /work/shared.
DATA = next((p for p in (ROOT.parent / "shared" / "data", Path("/work/shared/data")) if p.is_dir()), None)
needs_data = pytest.mark.skipif(DATA is None, reason="no shared real datasets beside the repository")


def _load_benchmark():
    spec = importlib.util.spec_from_file_location("real_world", ROOT / "benchmarks" / "real_world.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_world"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


rw = _load_benchmark()


def test_sentiment_scores_on_a_handmade_confusion():
    gold = ["positive", "positive", "positive", "negative", "negative", "neutral"]
    pred = ["positive", "positive", "negative", "negative", "neutral", "neutral"]
    scores = rw.sentiment_scores(gold, pred)
    assert scores["accuracy"] == pytest.approx(4 / 6)
    # positive P 2/2 R 2/3; negative P 1/2 R 1/2; neutral P 1/2 R 1/1
    f1 = {"positive": 0.8, "negative": 0.5, "neutral": 2 / 3}
    assert scores["per_class_f1"] == pytest.approx(f1)
    assert scores["macro_f1"] == pytest.approx(sum(f1.values()) / 3)
    assert scores["predicted"] == {"negative": 2, "neutral": 2, "positive": 2}


def test_binary_gold_scores_two_classes_and_neutral_is_wrong():
    scores = rw.sentiment_scores(["positive", "negative", "negative"], ["positive", "neutral", "negative"])
    assert set(scores["per_class_f1"]) == {"negative", "positive"}
    assert scores["accuracy"] == pytest.approx(2 / 3)
    # negative P 1/1 R 1/2 -> 2/3; positive 1.0
    assert scores["macro_f1"] == pytest.approx((2 / 3 + 1.0) / 2)


def test_rank_correlation_orders_compounds_against_the_gold():
    gold = ["negative", "neutral", "positive", "positive"]
    # A score in the gold's order correlates fully, reversed fully negatively.
    assert rw.rank_correlation(gold, [-0.9, 0.0, 0.6, 0.6]) == pytest.approx(1.0)
    assert rw.rank_correlation(gold, [0.9, 0.0, -0.6, -0.6]) == pytest.approx(-1.0)
    # Two positives scored apart are a tie in the gold: less than full agreement.
    assert 0.9 < rw.rank_correlation(gold, [-0.9, 0.0, 0.4, 0.8]) < 1
    assert 0 < rw.rank_correlation(gold, [-0.2, 0.5, 0.1, 0.9]) < 0.9
    assert rw.rank_correlation(gold, [0.3] * 4) is None  # a constant score orders nothing
    assert rw.rank_correlation(["positive"] * 3, [0.1, 0.2, 0.3]) is None


def test_theme_scores_and_dropped_rule_hits():
    gold = [frozenset({"price"}), frozenset(), frozenset({"price", "customer_service"})]
    rules = [{"price"}, {"price", "quality"}, {"customer_service"}]
    model = [{"price"}, {"quality", "speed"}, {"price"}]
    scores = rw.theme_scores(gold, rules, ["customer_service", "price"])
    assert scores["price"]["precision"] == pytest.approx(0.5) and scores["price"]["recall"] == pytest.approx(0.5)
    assert scores["customer_service"]["f1"] == pytest.approx(1.0)
    assert scores["micro"]["tp"] == 2 and scores["micro"]["fp"] == 1 and scores["micro"]["fn"] == 1
    drops = rw.drop_figures(rules, model)
    assert drops == {"rule_hits": 4, "dropped": 2, "dropped_share": 0.5, "model_only": 2, "model_hits": 4}


def test_clean_text_undoes_crawl_leftovers():
    assert rw.clean_text(" Tom &amp; Jerry &#34;ok&#34; ") == 'Tom & Jerry "ok"'
    assert rw.clean_text("wait\x85 what \x96 now") == "wait\u2026 what \u2013 now"


def test_sample_is_seeded_and_keeps_file_order():
    examples = [rw.Example(str(i), f"text {i}") for i in range(100)]
    first = rw.sample(examples, 10, seed=3)
    assert [e.id for e in first] == [e.id for e in rw.sample(examples, 10, seed=3)]
    assert [int(e.id) for e in first] == sorted(int(e.id) for e in first)
    assert len(rw.sample(examples, 500, seed=3)) == 100


@needs_data
def test_labelled_sentences_loader_reads_every_line():
    # The files are tab-separated with unescaped quotes and a NEL (U+0085) inside imdb's text;
    # a default CSV reader gets 748 imdb rows, str.splitlines 1,002.
    datasets = {d.name: d for d in rw.load_labelled_sentences(DATA / "sentiment-labelled-sentences")}
    imdb = datasets["sentiment-labelled-sentences/imdb"]
    assert len(imdb.examples) == 1000 and not imdb.notes
    assert sum(e.sentiment == "positive" for e in imdb.examples) == 500
    assert all(len(d.examples) == 1000 for d in datasets.values())


@needs_data
def test_semeval_and_app_review_gold_follow_the_readme_counts():
    (restaurants,) = rw.load_semeval(DATA / "semeval2014-restaurants")
    assert len(restaurants.examples) == 800
    assert sum("price" in (e.themes or ()) for e in restaurants.examples) == 83
    assert sum("customer_service" in (e.themes or ()) for e in restaurants.examples) == 172
    (apps,) = rw.load_app_reviews(DATA / "app-review-feature-sentiment")
    gold = [e.sentiment for e in apps.examples]
    # README: neutral only 572, positive only 251, negative only 81; mixed 67, no feature 1,091.
    assert len(gold) == 2062
    assert (gold.count("neutral"), gold.count("positive"), gold.count("negative")) == (572, 251, 81)


def test_airline_posts_loader_reads_labels_and_reasons_when_the_file_is_there(tmp_path):
    # The dataset is not redistributed (CC BY-NC-SA 4.0): a file of its columns, rows made here.
    folder = tmp_path / "twitter-airline-sentiment"
    folder.mkdir()
    assert rw.load_airline_tweets(folder) == []
    (folder / "Tweets.csv").write_text(
        "tweet_id,airline_sentiment,airline_sentiment_confidence,negativereason,text\n"
        "1,negative,1,Late Flight,@Air delayed again &amp; again\n"
        "2,neutral,1,,@Air what time is the last bus?\n"
        "3,positive,0.7,,\n", encoding="utf-8")
    (posts,) = rw.load_airline_tweets(folder)
    assert [(e.sentiment, e.issue, e.text) for e in posts.examples] == [
        ("negative", "Late Flight", "@Air delayed again & again"), ("neutral", "", "@Air what time is the last bus?")]
    assert "Late Flight" in rw.ISSUE_THEMES["speed"]
    assert "twitter-airline-sentiment" in rw.LOADERS


@needs_data
def test_a_tiny_real_sample_end_to_end():
    (yelp,) = [d for d in rw.load_labelled_sentences(DATA / "sentiment-labelled-sentences")
               if d.name.endswith("yelp")]
    yelp.examples = rw.sample(yelp.examples, 25, seed=0)
    analyzers, _ = rw.build_analyzers()
    figures = rw.evaluate_dataset(yelp, analyzers, total=1000)
    gold = [e.sentiment for e in yelp.examples]
    vader = rw.vader_labels([e.text for e in yelp.examples], analyzers["vader"])
    assert figures["n"] == 25 and figures["sentiment"]["vader"]["n"] == 25
    assert figures["sentiment"]["vader"]["accuracy"] == pytest.approx(sum(g == p for g, p in zip(gold, vader)) / 25)
    for system in ("rules", "model"):
        assert 0.0 <= figures["theme_share"][system] <= 1.0
        assert sum(figures["sentiment"][system]["predicted"].values()) == 25
    assert "| plain VADER |" in rw.render_dataset(figures, seed=0)


def test_held_out_split_is_a_fixed_quarter_and_disjoint_from_training():
    examples = [rw.Example(f"id{i}", f"text number {i}", "positive") for i in range(4000)]
    dataset = rw.Dataset("womens-clothing-reviews", "reviews", examples, "stars")
    evaluation, training = rw.split(dataset, evaluation=True), rw.split(dataset, evaluation=False)
    assert 0.22 < len(evaluation) / 4000 < 0.28
    assert {e.id for e in evaluation}.isdisjoint(e.id for e in training)
    assert len(evaluation) + len(training) <= 4000
    assert [e.id for e in evaluation] == [e.id for e in rw.split(dataset, evaluation=True)]  # no seed, no drift
    never_trained = rw.Dataset("semeval2014-laptops", "sentences", examples, "terms")
    assert rw.split(never_trained, evaluation=False) == [] and len(rw.split(never_trained, evaluation=True)) == 4000


@needs_data
def test_training_data_never_holds_an_evaluated_text():
    spec = importlib.util.spec_from_file_location("real_training_data", ROOT / "scripts" / "real_training_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["real_training_data"] = module
    spec.loader.exec_module(module)
    data = module.load(DATA)
    trained = {module._normal(i.text) for i in data.items + data.sentiment_only}
    assert trained.isdisjoint(module.evaluation_texts(DATA))
    hand = [i for i in data.items if data.source_of[i.id].startswith("hand-labelled/")]
    support = [i for i in hand if data.source_of[i.id] == "hand-labelled/ibm-twitter-customer-care"]
    assert len(hand) - len(support) == 800 and len(support) == 399  # one support label is a non-answer
    # The labelled support requests of evaluation/ are never among those trained on.
    evaluated = {module._normal(json.loads(line)["text"])
                 for line in (ROOT / "evaluation" / "support_posts_labelled.jsonl").read_text(encoding="utf-8").splitlines()}
    assert evaluated and evaluated.isdisjoint(module._normal(i.text) for i in support)
    # The hand-labelled real sentences teach sentiment only, each from its dataset's training split.
    sentences = [i for i in data.sentiment_only if i.id.startswith(("sent-", "sent2-"))]
    assert len(sentences) > 1500 and all(data.source_of[i.id].startswith("hand-labelled-sentences/") for i in sentences)
    assert {i.sentiment for i in sentences} == {"negative", "neutral", "positive"}
    sources = set(data.source_of.values())
    assert {"womens-clothing-reviews", "cfpb-complaints", "hand-labelled/app-review-feature-sentiment"} <= sources
    # The app sentences' own labels are feature polarity, not a sentence's sentiment: not trained on.
    assert "app-review-feature-sentiment" not in sources


@needs_data
def test_clothing_titles_are_scored_held_out_with_their_reviews_and_never_trained_on():
    datasets, _ = rw.load_all(DATA)
    by_name = {d.name: d for d in datasets}
    reviews, titles = by_name["womens-clothing-reviews"], by_name["womens-clothing-reviews/titles"]
    assert len(titles.examples) > 19_000 and all(len(e.text) < 200 for e in titles.examples[:500])
    # A title is evaluated exactly when its review is held out, so no scored title's review trained the model.
    trained_reviews = {e.id for e in rw.split(reviews, evaluation=False)}
    assert trained_reviews.isdisjoint(e.id for e in rw.split(titles, evaluation=True))
    # Training reads LOADERS only, which have no titles.
    assert all(d.unit != "titles" for d in rw.LOADERS["womens-clothing-reviews"](DATA / "womens-clothing-reviews"))


@needs_data
def test_the_labelled_sentences_are_the_seeded_draw_from_training_splits():
    spec = importlib.util.spec_from_file_location("draw_sentences", ROOT / "scripts" / "draw_sentences.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = [json.loads(line) for line in (ROOT / "training" / "real" / "sentences_draw.jsonl").open(encoding="utf-8")]
    # Reproducible from the command training/README.md gives.
    assert module.draw(DATA, 11) == shipped
    labelled = {json.loads(line)["id"] for line in (ROOT / "training" / "real" / "sentence_labels.jsonl").open()}
    assert labelled == {row["id"] for row in shipped}
    # Single sentences as feedback splits them, none of them a text that is scored.
    held_out = sys.modules["real_training_data"].evaluation_texts(DATA)
    assert all(4 <= len(row["text"].split()) <= 40 and " ".join(row["text"].lower().split()) not in held_out
               for row in shipped)


def _load_mention_polarity():
    spec = importlib.util.spec_from_file_location("mention_polarity", ROOT / "benchmarks" / "mention_polarity.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@needs_data
def test_mention_polarity_reads_the_semeval_terms_and_scores_a_real_sentence():
    mp = _load_mention_polarity()
    sentences = mp.read_terms(DATA / "semeval2014-restaurants" / "test.xml")
    assert len(sentences) == 800 and sum(len(terms) for _, terms in sentences) > 1000
    text, terms = next((s, t) for s, t in sentences if any(s[a:b].lower() == "service" for a, b, _ in t))
    assert all(text[a:b] and polarity in ("positive", "negative", "neutral", "conflict") for a, b, polarity in terms)
    from feedback import AnalysisOptions, Analyzer

    figures = mp.score([(text, terms)], Analyzer.from_options(AnalysisOptions(model=None)))
    assert figures["n"] >= 1 and 0.0 <= figures["mention"] <= 1.0
