"""How a theme model is combined with the rules and VADER: calibrated probabilities, rule hits
kept unless the model is confidently against them, precise model-only themes, a sentiment head
that abstains where it is not confident or read no word it knows; training in parallel threads
gives the same model, and `feedback train` reports its stages on stderr."""

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from feedback import analyze
from feedback.cli import cli
from feedback.io.labelled import LabelledComment, read_labelled
from feedback.model import ModelInput, load_model, save_model, train
from feedback.model.linear import (NEVER, add_threshold, class_bias, confidence_cut, drop_threshold, macro_f1, platt,
                                   sigmoid, temperature)
from feedback.model.persist import seal_model_file

ROOT = Path(__file__).parent.parent
TRAIN = ROOT / "training" / "cx_train_a.jsonl"
FAST = {"char_ngram_range": None, "cv": 3}
# Real comments (women's clothing reviews, CC0; Kotzias et al. Amazon/Yelp sentences, CC BY 4.0).
REAL = [
    "Love this dress! it's sooo pretty. i happened to find it in a store, and i'm glad i did bc i never would have ordered it online bc it's petite.",
    "The material is very thin and it shrank after one wash.",
    "Great for the jawbone.",
    "The food was terrible and the service slow.",
    "Customer service was very helpful when I called about the refund.",
    "Way too expensive for what you get.",
]


@pytest.fixture(scope="module")
def fitted():
    items = read_labelled(str(TRAIN))[:400]
    model, _ = train(items, params=FAST)
    return model


def test_platt_scaling_recovers_a_known_slope():
    rng = np.random.default_rng(0)
    z = rng.normal(0, 3, 4000)
    y = rng.random(4000) < sigmoid(0.5 * z - 1.0)
    a, b = platt(z, y)
    assert a == pytest.approx(0.5, abs=0.08) and b == pytest.approx(-1.0, abs=0.15)


def test_platt_scaling_converges_on_wide_overlapping_decision_values():
    # A rare theme (20 of 200) whose cross-validated scores are wide and overlap: plain Newton
    # steps from a = 1 ran to a slope of 6e9 here (a theme then never found, or always).
    rng = np.random.default_rng(0)
    z = np.concatenate([rng.normal(1, 4, 20), rng.normal(-3, 4, 180)])
    y = np.arange(200) < 20
    a, b = platt(z, y)
    assert 0.05 < a < 1.0 and -4.0 < b < 0.0
    p = sigmoid(a * z + b)
    assert p[y].mean() > p[~y].mean() and 0.05 < p.mean() < 0.2  # ordered, and near the base rate


def test_thresholds_follow_the_precision_asked():
    proba = np.array([0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.4, 0.35])
    y = np.array([1, 1, 1, 1, 0, 0, 1, 0], dtype=bool)
    assert add_threshold(proba, y, 0.8) == 0.55  # the lowest: 4 of the 5 from 0.55 are right
    assert add_threshold(proba, y, 0.85) == 0.65  # 4 of 4
    assert add_threshold(proba, ~y, 0.8) == NEVER  # never precise: left to the rules
    # Dropping a rule hit only where drops are wrong hits often enough; never otherwise.
    low = np.array([0.01, 0.03, 0.04, 0.06, 0.12, 0.6])
    assert drop_threshold(low, np.array([0, 0, 0, 1, 1, 1], dtype=bool), 0.9) == 0.05
    assert drop_threshold(low, np.array([0, 0, 0, 0, 1, 1], dtype=bool), 0.9) == 0.1
    assert drop_threshold(low, np.array([1, 1, 0, 1, 1, 1], dtype=bool), 0.9) == 0.0


def test_temperature_softens_an_overconfident_head_and_the_cut_prefers_the_better_labeller():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 3000)
    z = rng.normal(0, 1, (3000, 3))
    z[np.arange(3000), y] += 1.0
    assert temperature(z * 4, y) > 2.0  # scores four times too sharp
    proba = np.array([[0.9, 0.05, 0.05], [0.5, 0.3, 0.2], [0.4, 0.3, 0.3]])
    assert confidence_cut(proba, np.array([True, False, False]), np.array([False, True, True])) == 0.9
    assert confidence_cut(proba, np.array([False] * 3), np.array([True] * 3)) == NEVER


def test_class_bias_restores_a_class_the_head_names_too_rarely_and_leaves_a_fair_head_alone():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, 4000)
    z = rng.normal(0, 1, (4000, 3))
    z[np.arange(4000), y] += 2.0
    assert class_bias(z, y, 1).tolist() == [0.0, 0.0, 0.0]  # calibrated: nothing to correct
    assert class_bias(z, y, None).tolist() == [0.0, 0.0, 0.0]
    shy = z.copy()
    shy[:, 1] -= 1.0  # neutral under-called everywhere
    bias = class_bias(shy, y, 1)
    assert bias[0] == bias[2] == 0.0 and 0.75 <= bias[1] <= 1.25
    assert macro_f1((shy + bias).argmax(axis=1), y, 3) > macro_f1(shy.argmax(axis=1), y, 3)
    # Each source counts alike: a large source with no neutral does not outvote a smaller one
    # where neutral is common and the head misses it.
    polar = y != 1
    groups = np.where(np.arange(4000) < 3000, "big", "small")
    keep = (groups == "small") | polar
    assert class_bias(shy[keep], y[keep], 1, groups[keep])[1] > 0.0
    assert macro_f1(np.array([0, 0, 2]), np.array([0, 2, 2]), 3) == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_sentiment_bias_moves_the_heads_labels_and_is_saved(tmp_path, fitted):
    assert fitted.sentiment_bias_.tolist() == [0.0] * len(fitted.sentiment_classes_)  # neutral_prior is opt-in
    inputs = [ModelInput(text, 0.0) for text in REAL]
    bias, cut = fitted.sentiment_bias_.copy(), fitted.sentiment_cut_
    try:
        fitted.sentiment_cut_ = 0.0
        fitted.sentiment_bias_[fitted.sentiment_classes_.index("neutral")] = 50.0
        assert [p.sentiment[0] for p in fitted.predict(inputs)] == ["neutral"] * len(REAL)
        save_model(fitted, str(tmp_path / "m"))
        assert load_model(str(tmp_path / "m")).sentiment_bias_.tolist() == fitted.sentiment_bias_.tolist()
    finally:
        fitted.sentiment_bias_, fitted.sentiment_cut_ = bias, cut


def test_rule_hits_are_kept_unless_the_model_is_confidently_against_them(fitted):
    j = fitted.themes_.index("price")
    inputs = [ModelInput(text, 0.0, rule_themes=frozenset({"price"})) for text in REAL]
    found = ["price" in {t.theme for t in p.themes} for p in fitted.predict(inputs)]
    X = fitted._detection_features(fitted._tfidf_blocks(REAL)[1], inputs)
    a, b = fitted.calibration_[j]
    proba = sigmoid((X @ fitted.coef_[j] + fitted.intercept_[j]) * a + b)
    assert found == list(proba >= min(fitted.keep_thresholds_[j], fitted.thresholds_[j]))
    fitted_keep = fitted.keep_thresholds_.copy()
    try:
        fitted.keep_thresholds_[:] = 0.0  # never confident enough to drop: every rule hit stays
        assert all("price" in {t.theme for t in p.themes} for p in fitted.predict(inputs))
    finally:
        fitted.keep_thresholds_[:] = fitted_keep


def test_sentiment_head_abstains_without_known_words_or_confidence(fitted):
    unknown = fitted.predict([ModelInput("asdfgh qwzxv", 0.0), ModelInput("👍", 0.0)])
    assert [p.sentiment for p in unknown] == [None, None]
    inputs = [ModelInput(text, 0.0) for text in REAL]
    cut = fitted.sentiment_cut_
    try:
        fitted.sentiment_cut_ = NEVER
        assert all(p.sentiment is None for p in fitted.predict(inputs))
        fitted.sentiment_cut_ = 0.0
        assert all(p.sentiment is not None for p in fitted.predict(inputs))
        # Calibrated class probabilities, not summed evidence: a long comment does not peg at 0.99.
        assert all(abs(p.sentiment[1]) < 0.99 for p in fitted.predict(inputs))
    finally:
        fitted.sentiment_cut_ = cut


def test_no_known_word_is_neutral_with_a_model(tmp_path, fitted):
    save_model(fitted, str(tmp_path / "m"))
    for record in analyze(["asdfgh", "zzzzzz qqqq"], model=str(tmp_path / "m")):
        assert record["sentiment"]["label"] in (None, "neutral")


def test_sentiment_only_comments_train_the_head_not_the_detector():
    items = read_labelled(str(TRAIN))[:300]
    stars = [LabelledComment(f"s{i}", text, {}, label)
             for i, (text, label) in enumerate([(REAL[0], "positive"), (REAL[1], "negative"), (REAL[2], "positive"),
                                                (REAL[3], "negative")] * 5)]
    model, card = train(items, params=FAST, sentiment_only=stars)
    alone, _ = train(items, params=FAST)
    assert card["n_train"] == 320 and card["n_sentiment_only"] == 20
    assert card["theme_counts"] == _["theme_counts"]
    assert model.cv_scores_["themes"]["price"]["n"] == alone.cv_scores_["themes"]["price"]["n"]
    assert "jawbone" in model.vocabulary_ and "jawbone" not in alone.vocabulary_


def test_models_saved_before_calibration_still_load(tmp_path, fitted):
    path = tmp_path / "old"
    save_model(fitted, str(path))
    weights = dict(np.load(path / "weights.npz"))
    del weights["keep_thresholds"], weights["calibration"]
    np.savez_compressed(path / "weights.npz", **weights)
    meta = json.loads((path / "model.json").read_text())
    import hashlib

    meta["weights_sha256"] = hashlib.sha256((path / "weights.npz").read_bytes()).hexdigest()
    del meta["sentiment_temperature"], meta["sentiment_cut"], meta["sentiment_bias"]
    (path / "model.json").write_text(json.dumps(meta))
    seal_model_file(str(path))
    old = load_model(str(path))
    assert np.array_equal(old.keep_thresholds_, old.thresholds_)  # one threshold, as it was fitted
    assert old.calibration_.tolist() == [[1.0, 0.0]] * len(old.themes_)
    assert old.sentiment_bias_.tolist() == [0.0] * len(old.sentiment_classes_)  # no prior correction
    assert len(old.predict([ModelInput(REAL[4], 0.3, rule_themes=frozenset({'customer_service'}))])) == 1


def test_cli_train_reports_stages_on_stderr_only(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_text("".join(TRAIN.read_text(encoding="utf-8").splitlines(keepends=True)[:200]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", str(small), "-o", str(tmp_path / "m")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    for stage in ("rules", "features", "theme price", "polarity price", "sentiment"):
        assert f"  {stage}" in result.stderr
    assert "[########################]" in result.stderr


# Women's clothing reviews (CC0), hand-labelled in evaluation/real_labelled_2.jsonl.
CAPE = ("I saw this initially in the store and thought it was nice but did not purchase because i thought the price "
        "was too high. i saw it again and it was on sale but the store had sold out of my size. i checked online and "
        "my size was available so i ordered. i was afraid this cape would be to long and make me look frumpy but it "
        "wasn't and i didn't. it looked great. i tie the belt a little higher than the model to make me look taller. "
        "i can't wait to wear it on cool fall days.")
TOP = "I'm 5'1\" and this top was too long for me. it's pretty but expensive for what it is."


@pytest.fixture(scope="module")
def shipped():
    from feedback.config import shipped_models_dir

    return load_model(str(Path(shipped_models_dir()) / "cx-default"))


def test_a_weak_mention_polarity_follows_the_comment_a_strong_one_stays(shipped):
    cut = shipped.comment_polarity_cut
    assert cut == 0.8
    cape, top = analyze([CAPE, TOP], model="default")
    # The cape's fit ("afraid ... frumpy but it wasn't", "looked great") is praise, as the
    # annotators read it; the polarity head alone called it negative (-0.25).
    assert cape["sentiment"]["label"] == "positive"
    assert {m["label"] for m in cape["themes"] if m["parent"] == "quality"} == {"positive"}
    # "expensive for what it is" stays a price complaint in a comment read as mildly positive.
    price = [m for m in top["themes"] if m["parent"] == "price"]
    assert price and all(m["label"] == "negative" and m["sentiment"] <= -cut for m in price)
    assert top["sentiment"]["label"] == "positive"


def test_every_mention_against_its_comment_is_confident(shipped):
    for record in analyze([*REAL, CAPE, TOP], model="default"):
        for m in record["themes"]:
            if m["label"] != record["sentiment"]["label"]:
                assert abs(m["sentiment"]) >= shipped.comment_polarity_cut, (record["text"], m)


def test_a_model_without_the_cut_keeps_its_polarity_heads_reading(shipped):
    # A user's model (SemEval's aspect polarity head is better than the comment's label) sets no
    # cut: its mentions keep the head's reading, however weak.
    from feedback import AnalysisOptions, Analyzer
    from feedback.model.estimator import ThemeModel

    assert ThemeModel().comment_polarity_cut is None
    shipped.comment_polarity_cut = None
    try:
        analyzer = Analyzer.from_options(AnalysisOptions(model=None)).with_model(shipped)
        (cape,) = analyze([CAPE], analyzer=analyzer)
    finally:
        shipped.comment_polarity_cut = 0.8
    assert cape["sentiment"]["label"] == "positive"
    assert "negative" in {m["label"] for m in cape["themes"] if m["parent"] == "quality"}


def test_the_rules_alone_keep_each_clauses_own_reading():
    # The baseline is left as it is: a mention may disagree with its comment however weakly.
    (record,) = analyze([CAPE], model=None)
    assert any(m["label"] != record["sentiment"]["label"] and abs(m["sentiment"]) < 0.8 for m in record["themes"])


def test_cli_train_sets_the_comment_polarity_cut_and_saves_it(tmp_path):
    small = tmp_path / "small.jsonl"
    small.write_text("".join(TRAIN.read_text(encoding="utf-8").splitlines(keepends=True)[:200]), encoding="utf-8")
    result = CliRunner().invoke(cli, ["train", str(small), "-o", str(tmp_path / "m"), "--comment-polarity-cut", "0.7"])
    assert result.exit_code == 0, result.output
    model = load_model(str(tmp_path / "m"))
    assert model.comment_polarity_cut == 0.7
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert "--comment-polarity-cut 0.7" in meta["card"]["command"]
    refused = CliRunner().invoke(cli, ["train", str(small), "-o", str(tmp_path / "a"), "--base", "default",
                                       "--comment-polarity-cut", "0.7"])
    assert refused.exit_code == 2 and "--comment-polarity-cut" in refused.output and "Traceback" not in refused.output
