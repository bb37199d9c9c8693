"""Discovery on short real comments: 300 app-review sentences (tests/data/APP_REVIEW_SENTENCES.md).

One-sentence comments are mostly opinion and generic words ("great app, works well"); discovery
must still return several specific candidates, about what users name, whose terms do not match
every comment."""

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli

SAMPLE = Path(__file__).parent / "data" / "app_review_sentences.csv"
MIN_CANDIDATES = 5
MAX_TERM_SHARE = 0.15  # no candidate's terms may match more of the comments than this
# What every app review says, whatever it is about: never a candidate's term.
NOT_A_SUBJECT = {"app", "apps", "great", "good", "love", "easy", "use", "work", "works", "really", "nice"}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def discovered(tmp_path_factory):
    out = tmp_path_factory.mktemp("short")
    result = invoke("discover", SAMPLE, "--text-column", "sentence", "-o", out / "c.toml", "--json", out / "c.json")
    assert result.exit_code == 0, result.output
    return json.loads((out / "c.json").read_text(encoding="utf-8")), out / "c.toml"


def test_discover_short_comments_several_specific_candidates(discovered):
    found, _ = discovered
    n = found["coverage"]["n_comments"]
    candidates = found["candidates"]
    assert found["short_texts"] and n == 300
    assert len(candidates) >= MIN_CANDIDATES, [c["label"] for c in candidates]
    leads = [c["terms"][0].lower() for c in candidates]
    assert len(set(leads)) == len(leads), leads
    written = [{t.lower() for t in c["terms"]} for c in candidates]
    for i, terms in enumerate(written):
        assert not terms & NOT_A_SUBJECT, (candidates[i]["label"], terms)
        assert not any(terms & other for other in written[i + 1:]), candidates[i]["label"]
    for c in candidates:
        assert c["n_matched"] <= MAX_TERM_SHARE * n, (c["label"], c["n_matched"])


def test_discover_short_comments_find_what_users_name(discovered):
    """Most candidates lead with a word the annotators marked as an app feature somewhere in the
    sample ("update", "version", "photos"): they are about something users talk about."""
    found, _ = discovered
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        marked = {word for row in csv.DictReader(f) for word in row["features"].lower().replace(";", " ").split()}
    leads = [c["terms"][0].lower() for c in found["candidates"]]
    about_features = [lead for lead in leads if lead in marked or lead.rstrip("s") in marked]
    assert leads and len(about_features) >= len(leads) / 2, (leads, about_features)


def test_discover_short_comments_file_is_a_taxonomy(discovered):
    _, toml_path = discovered
    result = invoke("themes", "--check", toml_path)
    assert result.exit_code == 0, result.output


def test_discover_file_read_once_gives_what_a_list_gives(tmp_path, nlp):
    """From a file, pass 2 reads the spill pass 1 wrote instead of the file: same result as
    from the same records in memory, which are read twice."""
    from feedback.discover import AnalyzedFile, discover

    analysed = tmp_path / "a.jsonl"
    result = invoke("analyze", SAMPLE, "--text-column", "sentence", "-o", analysed)
    assert result.exit_code == 0, result.output
    from_file = discover(AnalyzedFile(str(analysed)), sample=150, nlp=nlp)  # sampled: pass 2 reads all
    from_list = discover(list(AnalyzedFile(str(analysed))), sample=150, nlp=nlp)
    assert from_file.n_fitted == 150 and from_file.candidates
    assert from_file.to_dict() == from_list.to_dict()


def test_featurizer_memo_gives_the_same_features_and_spellings(nlp):
    from collections import Counter

    from feedback.discover import Featurizer

    with open(SAMPLE, newline="", encoding="utf-8") as f:
        texts = [row["sentence"] for row in csv.DictReader(f)]
    texts = texts + texts[:100] + ["Good", "Good", "Good app", "Good"]  # repeats, as real exports have
    featurizer = Featurizer(nlp)
    plain = list(featurizer.pipe(texts))
    keys = {f for fs in plain for f in fs}
    spelled_plain: dict[str, Counter[str]] = {k: Counter() for k in keys}
    spelled_memo: dict[str, Counter[str]] = {k: Counter() for k in keys}
    assert list(featurizer.pipe(texts, surfaces=spelled_plain)) == plain
    memo: dict = {}
    assert list(featurizer.pipe(texts, surfaces=spelled_memo, memo=memo)) == plain
    assert spelled_memo == spelled_plain
    assert 0 < len(memo) < len(texts)


def test_discover_short_comments_name_the_words_left_out_as_too_common(discovered):
    """"app" is in a fifth of the sentences: too common to model, so never a topic, but the
    report names it with its share (a hotel's "location" would be left out the same way, and an
    analyst must see it)."""
    found, _ = discovered
    frequent = {f["word"]: f["share"] for f in found["frequent_words"]}
    with open(SAMPLE, newline="", encoding="utf-8") as f:
        sentences = [row["sentence"].lower() for row in csv.DictReader(f)]
    holding = sum(any(w.strip(".,!?;:'\"()") in ("app", "apps") for w in s.split()) for s in sentences) / len(sentences)
    assert "app" in frequent and abs(frequent["app"] - holding) < 0.02, (frequent, holding)
    assert not NOT_A_SUBJECT - {"app"} & set(frequent)  # opinion and generic words are not listed
    result = invoke("discover", SAMPLE, "--text-column", "sentence")
    assert result.exit_code == 0 and "Left out as too common to model" in result.output
    assert f"app ({frequent['app']:.1%})" in result.output
