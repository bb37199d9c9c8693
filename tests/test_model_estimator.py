"""ThemeModel follows scikit-learn's estimator conventions, and model failures are coded.

Fast: the models here are fitted on a few hand-made inputs, without the rules pipeline.
"""

import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from feedback.errors import InputError, ModelError, NotFittedError
from feedback.io.labelled import read_labelled
from feedback.model import ModelInput, ThemeModel, load_model, save_model
from feedback.model.persist import model_checksum

TEXTS = [
    ("The delivery was slow and late", {"speed": "negative"}),
    ("Very slow reply from support", {"speed": "negative", "customer_service": "negative"}),
    ("Quick delivery, arrived fast", {"speed": "positive"}),
    ("Fast and friendly staff", {"speed": "positive", "customer_service": "positive"}),
    ("The staff were rude to me", {"customer_service": "negative"}),
    ("Support staff were helpful", {"customer_service": "positive"}),
    ("Too expensive for what it is", {"price": "negative"}),
    ("Fair price and good value", {"price": "positive"}),
    ("Expensive and slow delivery", {"price": "negative", "speed": "negative"}),
    ("Cheap price, friendly support", {"price": "positive", "customer_service": "positive"}),
    ("Nothing to say really", {}),
    ("It was fine I suppose", {}),
]
DEV = Path(__file__).parent / "data" / "labelled_cx.jsonl"
TINY = {"char_ngram_range": None, "min_df": 1, "cv": 2}


def _inputs():
    return [ModelInput(text, 0.0) for text, _ in TEXTS]


def _fitted(**params):
    return ThemeModel(**{**TINY, **params}).fit(_inputs(), [labels for _, labels in TEXTS])


def test_estimator_get_params_reads_the_signature():
    model = ThemeModel(C=1.5, cv=3)
    params = model.get_params()
    # No hand-kept list: exactly the keyword arguments of __init__, in order.
    assert list(params) == [name for name in inspect.signature(ThemeModel.__init__).parameters if name != "self"]
    assert params["C"] == 1.5 and params["cv"] == 3 and params["ngram_range"] == (1, 2)
    assert ThemeModel(**params).get_params() == params
    assert repr(model) == "ThemeModel(C=1.5, cv=3)"

    class Wider(ThemeModel):
        def __init__(self, *, extra: int = 7, C: float = 30.0) -> None:
            super().__init__(C=C)
            self.extra = extra

    assert Wider(extra=9).get_params() == {"extra": 9, "C": 30.0}


def test_estimator_set_params_and_clone():
    from sklearn.base import clone

    model = ThemeModel()
    assert model.set_params(C=2.0, random_state=4) is model
    assert model.C == 2.0 and model.random_state == 4
    with pytest.raises(ModelError, match=r"\[E208\].*'Cee'"):
        model.set_params(Cee=1.0)
    copy = clone(model)  # scikit-learn rebuilds it from get_params()
    assert copy.get_params() == model.get_params() and copy is not model


def test_estimator_learned_state_only_from_fit_or_load(tmp_path):
    model = ThemeModel(**TINY)
    assert not [k for k in vars(model) if k.endswith("_")]
    model.set_params(C=3.0)
    assert not [k for k in vars(model) if k.endswith("_")]
    model.fit(_inputs(), [labels for _, labels in TEXTS])
    learned = {k for k in vars(model) if k.endswith("_") and not k.startswith("_")}
    assert {"themes_", "coef_", "vocabulary_", "thresholds_", "polarity_coef_", "n_train_"} <= learned
    assert set(model.get_params()).isdisjoint(learned)
    save_model(model, str(tmp_path / "m"))
    loaded = load_model(str(tmp_path / "m"))
    assert learned <= {k for k in vars(loaded) if k.endswith("_")}
    assert loaded.get_params() == model.get_params()


def test_estimator_unfitted_model_raises_not_fitted(tmp_path):
    model = ThemeModel()
    with pytest.raises(NotFittedError, match=r"\[E207\] This ThemeModel is not fitted yet.*`predict`"):
        model.predict([ModelInput("slow delivery", 0.0)])
    with pytest.raises(NotFittedError, match=r"\[E207\].*`predict_polarity`"):
        model.predict_polarity([ModelInput("slow delivery", 0.0)], [["speed"]])
    with pytest.raises(NotFittedError, match=r"\[E207\].*`save_model`"):
        save_model(model, str(tmp_path / "m"))
    assert not (tmp_path / "m").exists()


def test_estimator_fitted_model_predicts():
    model = _fitted()
    assert model.themes_ == ["customer_service", "price", "speed"]
    (prediction,) = model.predict([ModelInput("The delivery was slow", 0.0)])
    assert "speed" in [t.theme for t in prediction.themes]
    assert model.predict([]) == []


def test_estimator_fit_failures_are_coded():
    labels = [labels for _, labels in TEXTS]
    with pytest.raises(ModelError, match=r"\[E209\] 12 inputs but 11 theme labels"):
        ThemeModel(**TINY).fit(_inputs(), labels[:-1])
    with pytest.raises(ModelError, match=r"\[E210\]"):
        ThemeModel(**TINY).fit([], [])
    with pytest.raises(ModelError, match=r"\[E211\].*`min_df`"):
        ThemeModel(**{**TINY, "min_df": 50}).fit(_inputs(), labels)
    with pytest.raises(ModelError, match=r"\[E212\] Theme 'speed'"):
        ThemeModel(**TINY).fit(_inputs(), [{"speed": None, **labels} for labels in labels])


def test_estimator_train_rejects_unknown_params_and_no_items():
    from feedback.model import train

    with pytest.raises(ModelError, match=r"\[E210\]"):
        train([])
    with pytest.raises(ModelError, match=r"\[E208\] Invalid parameter 'c'"):
        train(read_labelled(str(DEV))[:5], params={"c": 1.0})


def test_model_load_failures_are_coded(tmp_path):
    with pytest.raises(ModelError, match=r"\[E201\] .* is not a feedback model directory"):
        load_model(str(tmp_path))
    (tmp_path / "weights.npz").write_bytes(b"")
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"\[E202\]"):
        load_model(str(tmp_path))
    (tmp_path / "model.json").write_text("[1, 2]")
    with pytest.raises(ModelError, match=r"\[E203\] .*unknown model format"):
        load_model(str(tmp_path))
    model_dir = tmp_path / "m"
    save_model(_fitted(), str(model_dir))
    meta = json.loads((model_dir / "model.json").read_text())
    meta["vocabulary"] = meta["vocabulary"][:-1]
    (model_dir / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"\[E222\] .*model_sha256"):
        load_model(str(model_dir))
    # With its checksum made to match, the edit is still caught: the files disagree.
    meta["model_sha256"] = model_checksum(meta)
    (model_dir / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"\[E206\] .*inconsistent"):
        load_model(str(model_dir))


def test_model_save_into_a_file_is_coded(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(ModelError, match=r"\[E213\] Cannot write the model"):
        save_model(_fitted(), str(target))


def test_model_weights_are_float32_and_roundtrip(tmp_path):
    model = _fitted()
    save_model(model, str(tmp_path / "m"))
    loaded = load_model(str(tmp_path / "m"))
    assert np.allclose(loaded.coef_, model.coef_, atol=1e-5)
    with np.load(tmp_path / "m" / "weights.npz", allow_pickle=False) as npz:
        assert npz["coef"].dtype == np.float32


@pytest.mark.parametrize(
    "name,content,code",
    [
        ("a.txt", "x", "E215"),
        ("a.jsonl", "{bad\n", "E216"),
        ("a.jsonl", '{"id": 1}\n', "E217"),
        ("a.jsonl", '{"text": "x", "themes": "speed"}\n', "E218"),
        ("a.csv", "comment,rating\nslow,1\n", "E219"),  # neither themes nor sentiment: no labels
        ("a.xml", "<sentences><sentence>", "E220"),
        ("a.jsonl", '{"text": "x", "themes": {"speed": "awful"}}\n', "E221"),
        ("a.jsonl", '{"text": "x", "themes": {"speed": 1}}\n', "E221"),
    ],
)
def test_labelled_reading_failures_are_coded(tmp_path, name, content, code):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=rf"\[{code}\]"):
        read_labelled(str(path))


def test_labelled_jsonl_errors_name_the_line_blank_lines_included(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text('\ufeff{"text": "fine", "sentiment": "positive"}\n\n{"text": broken}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[E216\] .*labels.jsonl:3: "):
        read_labelled(str(path))
    path.write_text('{"text": "fine", "sentiment": "positive"}\n\n{"text": "ok", "themes": 3}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[E218\] .*labels.jsonl:3"):
        read_labelled(str(path))


def test_labelled_missing_and_undecodable_files(tmp_path):
    with pytest.raises(InputError, match=r"\[E001\] No such file"):
        read_labelled(str(tmp_path / "none.jsonl"))
    path = tmp_path / "latin.jsonl"
    path.write_bytes('{"text": "caf\u00e9"}\n'.encode("latin-1"))
    with pytest.raises(InputError, match=r"\[E003\] .*not UTF-8"):
        read_labelled(str(path))


def test_model_pipeline_imports_only_the_light_types():
    code = ("import sys, feedback.pipeline; "
            "heavy = [m for m in ('feedback.model.estimator', 'feedback.model.persist', 'sklearn') if m in sys.modules]; "
            "assert not heavy, heavy")
    proc = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("classes", [["negative", "neutral", "positive"], ["negative", "positive"],
                                     ["conflict", "negative", "neutral", "positive"], ["neutral", "positive"]])
def test_model_banded_rows_equal_banded_row_by_row(classes):
    from feedback.model.linear import softmax
    from feedback.model.types import banded, banded_rows

    rng = np.random.default_rng(0)
    probs = softmax(rng.normal(scale=3.0, size=(300, len(classes))))
    probs[0] = 1.0 / len(classes)  # ties: the first class wins, as in `banded`
    expected = [banded(dict(zip(classes, p))) for p in probs]
    assert banded_rows(classes, probs.tolist()) == expected


def test_model_transposed_heads_give_the_same_products_to_the_bit():
    import scipy.sparse as sp

    from feedback.model.linear import linear, transposed

    rng = np.random.default_rng(1)
    coef = rng.normal(size=(4, 50)).astype(np.float32)
    X = sp.random(30, 48, density=0.2, format="csr", random_state=2)
    extra = rng.normal(size=(30, 2))
    assert transposed(coef) is transposed(coef)  # made once
    assert transposed(coef, 48).flags["C_CONTIGUOUS"]
    expected = np.asarray(X @ coef[:, :48].T, dtype=np.float64)
    for k in range(2):
        expected += extra[:, k : k + 1] * coef[:, 48 + k].astype(np.float64)
    assert np.array_equal(linear(X, extra, coef, np.zeros(4)), expected + np.zeros(4))


def test_model_transposed_heads_are_forgotten_with_their_model():
    import gc

    from feedback.model import linear as heads

    rng = np.random.default_rng(3)
    coef = rng.normal(size=(3, 10))
    kept = len(heads._TRANSPOSED)
    heads.transposed(coef)
    assert len(heads._TRANSPOSED) == kept + 1
    del coef
    gc.collect()
    assert len(heads._TRANSPOSED) == kept  # training's fold models leave nothing behind
