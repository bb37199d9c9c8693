"""The static word vectors (models/minilm-static) and the sentiment head that reads them."""

import json
import shutil

import numpy as np
import pytest

from feedback.errors import ModelError
from feedback.model import ModelInput, ThemeModel, load_model, save_model
from feedback.model import embeddings as embeddings_module
from feedback.model.embeddings import load_embeddings, models_dir

SENTIMENT = [
    ("The dress is lovely and I love the colour", "positive"),
    ("Great fit, really happy with it", "positive"),
    ("Wonderful quality and beautiful fabric", "positive"),
    ("Excellent service, very pleased", "positive"),
    ("Awful fabric, it ripped after one wash", "negative"),
    ("Terrible fit and poor quality", "negative"),
    ("I hate the colour, very disappointed", "negative"),
    ("Bad service and a horrible experience", "negative"),
    ("I ordered a medium in blue", "neutral"),
    ("It arrived on Tuesday in a box", "neutral"),
    ("The sleeves are three quarter length", "neutral"),
    ("I wear it with jeans at the weekend", "neutral"),
]


def test_shipped_table_is_small_int8_and_as_its_card_says():
    folder = models_dir() / "minilm-static"
    card = json.loads((folder / "card.json").read_text())
    table = load_embeddings("minilm-static", card["vectors_sha256"])
    assert np.load(folder / "vectors.npy").dtype == np.int8
    assert (folder / "vectors.npy").stat().st_size + (folder / "scales.npy").stat().st_size < 5_000_000
    assert len(table.index) == card["words"] and table.dims == card["dims"]


def test_similar_words_are_near_and_unknown_text_is_zero():
    table = load_embeddings("minilm-static")
    good, great, awful, delivery = table.mean(["good", "great", "awful", "delivery"])
    # Distilled from MiniLM: near-synonyms are closer than unrelated words.
    assert good @ great > good @ delivery
    assert good @ great > awful @ delivery
    assert np.allclose(np.linalg.norm(table.mean(["Fabulous dress!"]), axis=1), 1.0)
    # No word it knows (emoji, another script, digits): no evidence, a zero vector.
    assert not table.mean(["👍", "非常好", "12345"]).any()


def test_negated_words_leave_the_sentiment_mean_but_not_detections():
    # "without any failures" averaged as it is points where "failures" does: negative. The
    # sentiment head's mean leaves the negated words out; detection's keeps them (the comment is
    # still about failures, i.e. how the thing works).
    from feedback.model.features import negated_words

    assert negated_words("It never freezes, works great") == [
        ("it", False), ("never", False), ("freezes", True), ("works", False), ("great", False)]
    assert [w for w, negated in negated_words("I don't miss it. Nice") if negated] == ["miss", "it"]
    table = load_embeddings("minilm-static")
    text = "I have used it many times without any failures"
    plain, skipped = table.mean([text])[0], table.mean([text], skip_negated=True)[0]
    failures = table.mean(["failures"])[0]
    assert skipped @ failures < plain @ failures
    assert np.allclose(table.mean(["I have used it many times without"])[0], skipped)
    model = ThemeModel(embeddings="minilm-static", sentiment_skips_negated=True, detection_embeddings=True)
    model.embeddings_sha256_ = None
    inputs = [ModelInput(text, 0.0)]
    assert np.allclose(model._sentiment_extra(inputs)[0, 1:], skipped)
    assert np.allclose(model._mean_vectors(inputs)[0], plain)
    from feedback.pipeline import default_model_path

    assert load_model(str(default_model_path())).sentiment_skips_negated


def test_head_with_embeddings_reads_words_it_never_saw():
    inputs = [ModelInput(text, 0.0) for text, _ in SENTIMENT]
    labels = [label for _, label in SENTIMENT]
    params = {"char_ngram_range": None, "min_df": 1, "cv": 2}
    model = ThemeModel(embeddings="minilm-static", **params).fit(inputs, [None] * len(inputs), labels)
    plain = ThemeModel(**params).fit(inputs, [None] * len(inputs), labels)
    # "superb"/"dreadful" are in no training comment: only the vectors can read them.
    unseen = [ModelInput("Superb, gorgeous, stunning", 0.0), ModelInput("Dreadful, shoddy rubbish", 0.0)]
    _, with_vectors = model.predict_proba(unseen)
    _, without = plain.predict_proba(unseen)
    assert with_vectors is not None and without is not None
    positive, negative = model.sentiment_classes_.index("positive"), model.sentiment_classes_.index("negative")
    assert with_vectors[0, positive] > with_vectors[0, negative]
    assert with_vectors[1, negative] > with_vectors[1, positive]
    # The plain head has no word to go on: the same probabilities for both.
    assert np.allclose(without[0], without[1])
    assert model.embeddings_sha256_ == load_embeddings("minilm-static").sha256


def test_model_with_embeddings_round_trips_and_checks_its_table(tmp_path, monkeypatch):
    inputs = [ModelInput(text, 0.0) for text, _ in SENTIMENT]
    themes = [{"quality": "positive"} if "quality" in t or "fabric" in t else {} for t, _ in SENTIMENT]
    model = ThemeModel(embeddings="minilm-static", char_ngram_range=None, min_df=1, cv=2).fit(
        inputs, themes, [label for _, label in SENTIMENT])
    save_model(model, str(tmp_path / "m"))
    loaded = load_model(str(tmp_path / "m"))
    assert loaded.embeddings == "minilm-static"
    assert [p.sentiment for p in loaded.predict(inputs)] == [p.sentiment for p in model.predict(inputs)]
    # Another table under the same name (rebuilt with other settings) is refused, not misread.
    fake = tmp_path / "models"
    shutil.copytree(models_dir() / "minilm-static", fake / "minilm-static")
    vectors = np.load(fake / "minilm-static" / "vectors.npy")
    np.save(fake / "minilm-static" / "vectors.npy", vectors[:, :64])
    monkeypatch.setattr(embeddings_module, "models_dir", lambda: fake)
    embeddings_module._load.cache_clear()
    try:
        with pytest.raises(ModelError, match="E227"):
            load_model(str(tmp_path / "m"))
        with pytest.raises(ModelError, match="E227"):
            load_embeddings("../cx-default")
    finally:
        embeddings_module._load.cache_clear()


FOOD = [
    ("The pizza was delicious", True), ("Best pasta in town", True), ("The burger was dry and cold", True),
    ("Lovely soup and fresh bread", True), ("The steak was overcooked", True), ("Great salad, tasty dressing", True),
    ("The waiter was rude to us", False), ("We waited an hour for a table", False), ("Nice music and decor", False),
    ("Parking was impossible", False), ("The staff were friendly", False), ("Too noisy to talk", False),
]


def test_detection_with_vectors_finds_a_theme_by_words_no_label_used(tmp_path):
    # How an adapter learns a user's new theme from a few labels (ADAPTER_PARAMS): "sushi" and
    # "noodles" are in no labelled comment, so only the vectors carry "food" to them.
    inputs = [ModelInput(text, 0.0) for text, _ in FOOD]
    themes = [{"food": None} if food else {"other": None} for _, food in FOOD]
    params = {"embeddings": "minilm-static", "char_ngram_range": None, "min_df": 1, "cv": 2}
    model = ThemeModel(detection_embeddings=True, **params).fit(inputs, themes)
    plain = ThemeModel(**params).fit(inputs, themes)
    unseen = [ModelInput("sushi and noodles", 0.0), ModelInput("receptionist and manager", 0.0)]
    food = model.themes_.index("food")
    with_vectors, _ = model.predict_proba(unseen)
    without, _ = plain.predict_proba(unseen)
    assert with_vectors[0, food] > with_vectors[1, food] + 0.2
    assert abs(without[0, food] - without[1, food]) < 1e-9  # no known word: nothing to tell them apart
    save_model(model, str(tmp_path / "m"))
    loaded = load_model(str(tmp_path / "m"))
    assert np.allclose(loaded.predict_proba(unseen)[0], with_vectors, atol=1e-3)
