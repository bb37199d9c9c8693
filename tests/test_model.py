import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from feedback import Analyzer, AnalysisOptions, analyze
from feedback.cli import cli
from feedback.errors import ModelError
from feedback.io.labelled import read_labelled
from feedback.model.persist import model_checksum
from feedback.model import (ModelInput, ThemeModel, banded, evaluate, load_model, negation_ngrams, save_model,
                            train)
from feedback.pipeline import default_model_path

from .conftest import mention, themes_of

ROOT = Path(__file__).parent.parent
TRAIN = ROOT / "training" / "cx_train_a.jsonl"
DEV = Path(__file__).parent / "data" / "labelled_cx.jsonl"
# Small and fast: words only, 3 folds.
FAST = {"char_ngram_range": None, "cv": 3}


@pytest.fixture(scope="module")
def small_model():
    items = read_labelled(str(TRAIN))[:400]
    model, card = train(items, params=FAST, sources=[str(TRAIN)])
    return model, card


def test_model_banded_label_agrees_with_vader_thresholds():
    assert banded({"positive": 0.5, "neutral": 0.3, "negative": 0.2}) == ("positive", 0.3)
    assert banded({"positive": 0.4, "neutral": 0.2, "negative": 0.38})[1] == 0.05
    label, value = banded({"positive": 0.3, "neutral": 0.5, "negative": 0.2})
    assert label == "neutral" and -0.05 < value < 0.05
    assert banded({"positive": 0.1, "neutral": 0.2, "negative": 0.7}) == ("negative", -0.6)


def test_model_negation_ngrams_mark_scope():
    grams = negation_ngrams("Not fast at all. Quick reply!", ngram_range=(1, 1))
    assert grams == ["not", "NOT_fast", "NOT_at", "NOT_all", "quick", "reply"]
    assert "NOT_helpful" in negation_ngrams("They weren't helpful")


def test_model_question_marks_are_a_feature_of_the_shipped_model():
    # A question asks more often than it judges; without the mark the n-grams cannot tell.
    assert negation_ngrams("Why? Not fast?", ngram_range=(1, 2), questions=True)[:2] == ["?", "?"]
    assert "?" not in negation_ngrams("Why? Not fast?", ngram_range=(1, 2))
    shipped = load_model(str(default_model_path()))
    assert shipped.question_marks and "?" in shipped.vocabulary_
    words, _ = shipped._tfidf_blocks(["How do I change my seat", "How do I change my seat?"])
    assert words[1, shipped.vocabulary_["?"]] > 0 and words[0, shipped.vocabulary_["?"]] == 0


def test_model_fit_is_reproducible(small_model):
    model, _ = small_model
    items = read_labelled(str(TRAIN))[:400]
    again, _ = train(items, params=FAST)
    assert np.array_equal(model.coef_, again.coef_)
    assert np.array_equal(model.thresholds_, again.thresholds_)
    assert model.themes_ == again.themes_


def test_model_save_load_roundtrip(tmp_path, small_model):
    model, card = small_model
    save_model(model, str(tmp_path / "m"), card=card)
    loaded = load_model(str(tmp_path / "m"))
    texts = ["The chatbot was useless and I waited an hour on hold.", "Lovely staff, fair prices."]
    rules = Analyzer.from_options(AnalysisOptions(model=None))
    from feedback.pipeline import model_input
    from feedback.io.labelled import LabelledComment
    from feedback.model.training import analyze_labelled

    inputs = [model_input(r) for r in analyze_labelled(rules, [LabelledComment(str(i), t) for i, t in enumerate(texts)])]
    before, after = model.predict(inputs), loaded.predict(inputs)
    assert [[t.theme for t in p.themes] for p in before] == [[t.theme for t in p.themes] for p in after]
    for p, q in zip(before, after):
        for a, b in zip(p.themes, q.themes):
            assert a.polarity == b.polarity
            assert abs(a.probability - b.probability) < 1e-3  # weights are stored as float32
    assert json.loads((tmp_path / "m" / "model.json").read_text())["card"]["training_data"][0]["sha256"]


def test_model_tampered_weights_are_refused(tmp_path, small_model):
    model, card = small_model
    save_model(model, str(tmp_path / "m"), card=card)
    weights = tmp_path / "m" / "weights.npz"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="modified"):
        load_model(str(tmp_path / "m"))


def test_model_pickled_arrays_are_refused(tmp_path, small_model):
    import hashlib

    model, card = small_model
    save_model(model, str(tmp_path / "m"), card=card)
    weights = tmp_path / "m" / "weights.npz"
    # An object array needs pickle to load: a booby-trapped model must not get that far,
    # even with a checksum that matches.
    np.savez(weights, idf=np.array([object()], dtype=object))
    meta_path = tmp_path / "m" / "model.json"
    meta = json.loads(meta_path.read_text())
    meta["weights_sha256"] = hashlib.sha256(weights.read_bytes()).hexdigest()
    meta["model_sha256"] = model_checksum(meta)
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="inconsistent"):
        load_model(str(tmp_path / "m"))


def test_model_not_a_model_directory(tmp_path):
    with pytest.raises(ModelError, match="not a feedback model"):
        load_model(str(tmp_path))
    (tmp_path / "model.json").write_text('{"format": "other"}')
    (tmp_path / "weights.npz").write_bytes(b"")
    with pytest.raises(ModelError, match="unknown model format"):
        load_model(str(tmp_path))


def test_model_shipped_default_loads_with_card():
    model = load_model(default_model_path())
    assert model.themes_ == ["speed", "price", "personalization", "convenience", "customer_service",
                             "automation", "proactive_service", "channels", "quality"]
    card = model.card_
    # Project-written held-out comments: 0.84 before the model left the themes whose finds were
    # mostly wrong on unseen real sources to the rules (models/README.md); the rules alone: 0.69.
    assert card["held_out"]["micro_f1"] > 0.72
    assert card["command"].startswith(("feedback train", "bash scripts/train_default_model.sh"))


@pytest.mark.parametrize(
    "text,parent,label",
    [
        ("It's expensive but the staff make it worth it.", "price", "negative"),
        ("It's expensive but the staff make it worth it.", "customer_service", "positive"),
        ("The delivery was not fast at all.", "speed", "negative"),
        ("I was on hold for an hour, then the bot hung up on me.", "automation", "negative"),
    ],
)
def test_model_default_analysis(model_analyze_one, text, parent, label):
    assert mention(model_analyze_one(text), parent)["label"] == label


def test_model_keeps_rule_hits_and_an_idiom_is_no_speed(model_analyze_one, analyze_one):
    # A real film review sentence (Kotzias et al., IMDb, CC BY 4.0): "thick and fast" is how the
    # cliches come. The shipped model used to veto the rules' "fast" here; it keeps every rule
    # hit now (tests/test_model_unseen_adds.py), so the idiom is the taxonomy's to ignore (1.5.5).
    text = "I am so tired of clichés that is just lazy writing, and here they come in thick and fast."
    assert "speed" not in themes_of(analyze_one(text))
    assert "speed" not in themes_of(model_analyze_one(text))
    assert "speed" in themes_of(analyze_one("The delivery was fast."))


def test_model_beats_rules_on_held_out_labels(analyzer, rules_analyzer):
    items = read_labelled(str(DEV))
    with_model, rules_only = evaluate(analyzer, items), evaluate(rules_analyzer, items)
    # By less than before (0.15): themes whose finds were mostly wrong on unseen real sources, or
    # too few there to tell (speed since taxonomy 1.8.0: 2 finds), are left to the rules, implicit
    # mentions in these project-written comments included (0.730 against 0.703).
    assert with_model["micro_f1"] > rules_only["micro_f1"] + 0.02
    assert with_model["sentiment_accuracy"] > rules_only["sentiment_accuracy"] + 0.2
    for key in ("micro_precision", "micro_recall", "macro_f1", "polarity_accuracy", "sentiment_macro_f1"):
        assert 0 <= with_model[key] <= 1


def test_model_cli_train_then_analyze(tmp_path):
    runner = CliRunner()
    small = tmp_path / "small.jsonl"
    small.write_text("".join(TRAIN.read_text(encoding="utf-8").splitlines(keepends=True)[:300]), encoding="utf-8")
    out = tmp_path / "m"
    result = runner.invoke(cli, ["train", str(small), "-o", str(out), "--test", str(DEV)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} == {"model.json", "weights.npz", "README.md"}
    card = (out / "README.md").read_text()
    assert "Held-out scores" in card and "feedback train" in card
    records = list(analyze(["Waited 40 minutes on hold."], model=str(out)))
    assert records[0]["themes"] and all(t["source"] in ("rules+model", "model") for t in records[0]["themes"])


def test_model_cli_evaluate_writes_plain_keys(tmp_path):
    report_path = tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["evaluate", str(DEV), "-o", str(report_path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "micro" in result.output and "overall sentiment" in result.output
    report = json.loads(report_path.read_text())
    for key in ("micro_f1", "macro_f1", "per_theme", "polarity_accuracy", "sentiment_accuracy", "theme_confusion"):
        assert key in report
    assert report["analyzer"]["mode"] == "rules"


def test_model_labelled_readers(tmp_path):
    xml = tmp_path / "s.xml"
    xml.write_text(
        '<sentences><sentence id="1"><text>Great food, slow service.</text><aspectCategories>'
        '<aspectCategory category="food" polarity="positive"/><aspectCategory category="service" polarity="negative"/>'
        "</aspectCategories></sentence></sentences>"
    )
    (item,) = read_labelled(str(xml))
    assert item.themes == {"food": "positive", "service": "negative"}
    (mapped,) = read_labelled(str(xml), mapping={"service": "customer_service"})
    assert mapped.themes == {"customer_service": "negative"}
    csv_path = tmp_path / "l.csv"
    csv_path.write_text("comment,themes,sentiment\n\"Slow, rude\",speed:negative;customer_service:negative,negative\n")
    (row,) = read_labelled(str(csv_path))
    assert row.themes == {"speed": "negative", "customer_service": "negative"} and row.sentiment == "negative"


def test_model_refit_forgets_the_previous_vocabulary():
    # Per-word character n-gram counts are cached on the model; a refit on other comments has
    # other n-gram columns, so it must not read counts cached for the first fit.
    items = read_labelled(str(TRAIN))
    probe = [ModelInput(item.text, 0.0) for item in read_labelled(str(DEV))[:60]]

    def fit(model, part):
        return model.fit([ModelInput(item.text, 0.0) for item in part], [item.themes for item in part])

    reused = fit(ThemeModel(cv=2), items[:150])
    reused.predict(probe)
    fit(reused, items[150:300])
    fresh = fit(ThemeModel(cv=2), items[150:300])
    assert [p.themes for p in reused.predict(probe)] == [p.themes for p in fresh.predict(probe)]
    assert any(p.themes for p in fresh.predict(probe))


def test_character_ngrams_only_where_some_theme_has_no_rule():
    from dataclasses import replace

    items = read_labelled(str(TRAIN))[:150]
    # Every label a taxonomy theme: rule hits and words carry them, no character n-grams.
    rules_only, _ = train(items, params={"cv": 2})
    assert rules_only.char_ngram_range is None and not rules_only.char_vocabulary_
    # A theme no rule can find (SemEval's "food", say): words alone, so character n-grams too.
    relabelled = [replace(i, themes={"food": "positive"}) if n % 5 == 0 else i for n, i in enumerate(items)]
    learned, _ = train(relabelled, params={"cv": 2})
    assert learned.char_ngram_range == (2, 5) and learned.char_vocabulary_
    # An explicit setting wins.
    forced, _ = train(items, params={"cv": 2, "char_ngram_range": (2, 4)})
    assert forced.char_ngram_range == (2, 4) and forced.char_vocabulary_
