"""Discovery: plant a topic the bundled example does not have (a loyalty points programme) and
check that `feedback discover` finds it, names it, writes it as a taxonomy entry that tags those
comments, and does so reproducibly."""

import csv
from collections import Counter
import json
import random
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.cli import cli
from feedback.cli.discover import discover as discover_command
from feedback.discover import (
    AnalyzedFile,
    Candidate,
    CorpusDoc,
    Coverage,
    Discovery,
    Featurizer,
    TopicModel,
    candidates_toml,
    covered_words,
    discover,
    merge_toml,
    open_corpus,
    taxonomy_text,
    theme_coverage,
    to_corpus_doc,
)
from feedback.errors import DiscoveryError, InputError, NotFittedError
from feedback.records import AnalyzedRecord, ThemeMention
from feedback.themes import load_taxonomy

EXAMPLE = Path(__file__).parent.parent / "examples" / "comments.csv"
PLANTED_PREFIX = "L-"
N_PLANTED = 60
PLANTED_WORDS = re.compile(r"\b(points?|rewards?|loyalty|redeem\w*)\b", re.IGNORECASE)

# Comments about a loyalty programme in the voice of the example's customers, recombined from
# parts with a seeded RNG: who or what, what happened, and the odd aside. Few parts use the
# taxonomy's words, as a new topic would not.
_OPENERS = ["", "", "", "", "Honestly, ", "To be fair, ", "As a customer of six years, ", "One thing: ", "Hmm. ",
            "Not a big deal but ", "FYI "]
_SUBJECTS = ["my loyalty points", "the rewards points", "my points balance", "the points I collected",
             "my reward points", "the loyalty rewards", "our family points", "the bonus points",
             "my points from the rewards scheme", "the loyalty programme points"]
_PREDICATES = [
    "expired before I had a chance to use them", "took weeks to show up in the account",
    "vanished when I upgraded my plan", "barely buy anything in the rewards catalogue",
    "were easy to redeem for a month of extra data", "doubled on the bonus weekend",
    "never match what the app says", "can't be pooled with my partner's",
    "got me cinema tickets, which was a nice surprise", "are worth collecting if you top up every month",
    "need thousands before any reward is worth having", "reset after the scheme changed its rules",
]
_ASIDES = ["", "", "", " and nobody could explain why", ", which is silly", " but I still like the scheme",
           ", please sort it out", " :)", " - so much for loyalty", ", great perk"]


def planted_comments(n: int, seed: int) -> list[str]:
    """`n` comments about a loyalty programme, built from parts with a seeded RNG."""
    rng = random.Random(seed)
    comments = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.choice((1, 1, 2))):
            clause = f"{rng.choice(_SUBJECTS)} {rng.choice(_PREDICATES)}{rng.choice(_ASIDES)}"
            sentences.append(clause[0].upper() + clause[1:] + rng.choice((".", ".", "!")))
        opener = rng.choice(_OPENERS)
        text = " ".join(sentences)
        comments.append(opener + text[0].lower() + text[1:] if opener else text)
    return comments


def write_planted(path: Path, *, n: int = N_PLANTED, seed: int = 7) -> None:
    """The bundled example with `n` loyalty comments inserted at random rows (ids L-0001...)."""
    with open(EXAMPLE, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rng = random.Random(seed)
    for i, text in enumerate(planted_comments(n, seed)):
        row = dict(rng.choice(rows))  # scores and fields from a real row
        row["response_id"] = f"{PLANTED_PREFIX}{i + 1:04d}"
        row["comment"] = text
        rows.insert(rng.randrange(len(rows) + 1), row)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def invoke(command, *args):
    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=False)


def read_jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def planted_candidate(found: Discovery) -> Candidate:
    for candidate in found.candidates:
        top = {term for term, _ in candidate.top_terms[:5]}
        if len(top & {"points", "rewards", "loyalty", "point", "reward"}) >= 2:
            return candidate
    raise AssertionError(f"no loyalty candidate in {[c.label for c in found.candidates]}")


@pytest.fixture(scope="module")
def planted_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("discover") / "planted.csv"
    write_planted(path)
    return path


@pytest.fixture(scope="module")
def planted_jsonl(planted_csv):
    """The planted export analysed as `feedback analyze` does by default."""
    out = planted_csv.with_suffix(".jsonl")
    result = invoke(cli, "analyze", planted_csv, "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def planted_rules_jsonl(planted_csv):
    """The planted export analysed by the taxonomy rules alone: most loyalty comments have no theme."""
    out = planted_csv.with_name("planted_rules.jsonl")
    result = invoke(cli, "analyze", planted_csv, "--no-model", "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def found(planted_jsonl, nlp):
    return discover(AnalyzedFile(str(planted_jsonl)), seed=0, nlp=nlp)


def test_discover_example_has_no_loyalty_topic():
    # The premise of the planted test: the example never talks about points or rewards.
    assert not PLANTED_WORDS.search(re.sub(r"what was the point|the (whole )?point", "", EXAMPLE.read_text().lower()))


def test_discover_surfaces_planted_topic(found, planted_jsonl):
    candidate = planted_candidate(found)
    assert candidate.id in {"points_rewards", "rewards_points", "loyalty_points", "points_loyalty"}
    assert {"points", "rewards", "loyalty"} <= set(candidate.terms)
    assert 50 <= candidate.n_comments <= 80
    assert all(e.id.startswith(PLANTED_PREFIX) for e in candidate.examples)
    assert len(candidate.examples) == 3
    # The figures are those of the comments in the topic.
    planted = [r for r in read_jsonl(planted_jsonl) if r["id"].startswith(PLANTED_PREFIX)]
    mean = sum(r["sentiment"]["compound"] for r in planted) / len(planted)
    assert candidate.mean_sentiment == pytest.approx(mean, abs=0.1)
    assert set(candidate.mean_scores) == {"nps", "csat", "ces", "ttr"}
    assert candidate.mean_scores["nps"][1] == candidate.n_comments  # every row has an NPS


def test_discover_drops_topics_with_reasons(found):
    assert found.dropped, "the example's broad topics should not all pass"
    reasons = ("too small", "incoherent", "evaluative", "already a theme", "no precise terms", "duplicate")
    assert all(d.reason.startswith(reasons) for d in found.dropped), [d.reason for d in found.dropped]
    assert found.n_topics in found.k_scores
    assert len(found.candidates) + len(found.dropped) == found.n_topics


def test_discover_cli_writes_a_valid_taxonomy(planted_jsonl, tmp_path):
    out = tmp_path / "candidates.toml"
    result = invoke(discover_command, planted_jsonl, "-o", out, "--json", tmp_path / "report.json")
    assert result.exit_code == 0, result.output
    assert "Points, rewards" in result.output or "Rewards, points" in result.output
    taxonomy = load_taxonomy(str(out))
    assert taxonomy.name == "discovered"
    report = json.loads((tmp_path / "report.json").read_text())
    ids = [c["id"] for c in report["candidates"]]
    assert taxonomy.theme_ids == ids
    assert invoke(cli, "themes", "--check", out).exit_code == 0


def test_discover_merged_taxonomy_tags_the_planted_comments(planted_csv, planted_jsonl, tmp_path):
    merged = tmp_path / "merged.toml"
    result = invoke(discover_command, planted_jsonl, "--merge-with", "default", "-o", merged)
    assert result.exit_code == 0, result.output
    taxonomy = load_taxonomy(str(merged))
    default = load_taxonomy()
    assert taxonomy.name == "cx-default+discovered" and taxonomy.version == f"{default.version}+discovered"
    assert taxonomy.theme_ids[: len(default.theme_ids)] == default.theme_ids
    new_id = next(t.id for t in taxonomy.themes if t.id not in default.theme_ids and "points" in t.terms)

    out = tmp_path / "reanalysed.jsonl"
    assert invoke(cli, "analyze", planted_csv, "--taxonomy", merged, "-o", out).exit_code == 0
    records = read_jsonl(out)
    planted = [r for r in records if r["id"].startswith(PLANTED_PREFIX)]
    others = [r for r in records if not r["id"].startswith(PLANTED_PREFIX)]
    tagged = [r for r in planted if any(m["parent"] == new_id for m in r["themes"])]
    assert len(planted) == N_PLANTED and len(tagged) == N_PLANTED
    # The new entry is about the planted topic, not a net over everything.
    assert sum(any(m["parent"] == new_id for m in r["themes"]) for r in others) <= 0.05 * len(others)


def test_discover_is_reproducible(planted_jsonl, tmp_path):
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}.toml"
        # --sample below the corpus size: fitted on a seeded sample, all assigned in a second pass.
        result = invoke(discover_command, planted_jsonl, "--seed", 3, "--sample", 400, "-o", out,
                        "--json", tmp_path / f"run{run}.json")
        assert result.exit_code == 0, result.output
        outputs.append((out.read_bytes(), (tmp_path / f"run{run}.json").read_bytes()))
    assert outputs[0] == outputs[1]
    report = json.loads(outputs[0][1])
    # 659 comments, of which two non-answers ("nothing to add", "No comment.") are kept out, not analysed.
    assert report["n_fitted"] == 400 and report["n_considered"] == 657 and report["seed"] == 3
    assert any(c["id"].startswith(("points", "rewards", "loyalty")) for c in report["candidates"])


def test_discover_seed_chooses_the_sample(planted_jsonl, nlp):
    corpus = list(AnalyzedFile(str(planted_jsonl)))
    first = discover(corpus, sample=300, seed=1, n_topics=5, nlp=nlp)
    again = discover(list(reversed(corpus)), sample=300, seed=1, n_topics=5, nlp=nlp)
    other = discover(corpus, sample=300, seed=2, n_topics=5, nlp=nlp)
    # The sample is chosen by a keyed hash of each comment, not by its position in the file.
    def terms(found):
        return [[term for term, _ in c.top_terms] for c in found.candidates]

    assert terms(first) == terms(again)
    assert terms(first) != terms(other)


def test_discover_only_unthemed(planted_csv, planted_rules_jsonl, nlp, tmp_path):
    taxonomy = load_taxonomy()
    found = discover(AnalyzedFile(str(planted_rules_jsonl)), only_unthemed=True, seed=0, nlp=nlp)
    assert found.only_unthemed and found.n_considered == found.coverage.n_unthemed
    covered = covered_words(taxonomy, nlp)
    for candidate in found.candidates:
        assert candidate.n_unthemed == candidate.n_comments
        assert candidate.share_unthemed == pytest.approx(candidate.n_comments / found.coverage.n_unthemed, abs=1e-4)
        assert not candidate.overlap and not candidate.shared
        for term, _ in candidate.top_terms:  # the taxonomy's own words are left out
            lemmas = [t.norm_ for t in nlp.tokenizer(term)]
            assert " ".join(lemmas) not in covered and not any(w in covered for w in lemmas), term
    # On so few comments (the loyalty ones are a third of them) the topic may come out as one
    # candidate or as a few facets of it ("double points weekends", "points lost on upgrade");
    # together they must find the loyalty comments that have no theme.
    loyalty = [c for c in found.candidates if {"points", "rewards", "loyalty"} & {t for t, _ in c.top_terms}]
    assert loyalty
    merged = tmp_path / "merged.toml"
    merged.write_text(merge_toml(replace(found, candidates=loyalty), taxonomy_text()), encoding="utf-8")
    out = tmp_path / "reanalysed.jsonl"
    assert invoke(cli, "analyze", planted_csv, "--taxonomy", merged, "-o", out).exit_code == 0
    new_ids = {c.id for c in loyalty}
    unthemed_planted = {r["id"] for r in read_jsonl(planted_rules_jsonl)
                        if r["id"].startswith(PLANTED_PREFIX) and not r["themes"]}
    tagged = {r["id"] for r in read_jsonl(out) if any(m["parent"] in new_ids for m in r["themes"])}
    assert len(unthemed_planted) >= 30
    # When the topic splits into facets, a word they share ("points") belongs to none of them
    # alone and is not written as a term, so a few comments holding only it stay untagged
    # (45 of 52 with taxonomy 1.6.0, whose rules theme more of the example's comments).
    assert len(unthemed_planted & tagged) >= 0.85 * len(unthemed_planted)


def test_discover_raw_export_is_analysed_first(planted_csv, tmp_path):
    # With --taxonomy the analysis uses that taxonomy's rules alone, as `feedback analyze` does.
    default_file = Path(__file__).parent.parent / "feedback" / "data" / "cx_taxonomy.toml"
    out = tmp_path / "candidates.toml"
    result = invoke(discover_command, planted_csv, "--taxonomy", default_file, "--only-unthemed", "-o", out,
                    "--json", tmp_path / "report.json")
    assert result.exit_code == 0, result.output
    assert "planted.csv is not `feedback analyze` output: analysing it first" in result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["only_unthemed"] and report["n_considered"] == report["coverage"]["n_unthemed"]
    assert any({"points", "rewards", "loyalty"} & {t for t, _ in c["top_terms"]} for c in report["candidates"])
    assert load_taxonomy(str(out)).theme_ids == [c["id"] for c in report["candidates"]]


def test_discover_reads_analysed_records_from_stdin(planted_jsonl):
    result = CliRunner().invoke(discover_command, ["-", "-k", "5"], input=planted_jsonl.read_bytes(),
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "analysing it first" not in result.output
    assert "[themes.points_rewards]" in result.stdout
    assert "Fitted 5 topics on 657 of 657 comments" in result.stderr


def test_discover_cli_errors(planted_jsonl, tmp_path):
    result = CliRunner().invoke(discover_command, [str(planted_jsonl), "--merge-with", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "'nope.toml'" in result.output or "nope.toml" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n', encoding="utf-8")
    result = CliRunner().invoke(discover_command, [str(planted_jsonl), "--merge-with", str(bad)])
    assert result.exit_code == 1
    assert "Error: [E101] Invalid taxonomy" in result.output and "no themes" in result.output


def test_discover_too_few_comments(tmp_path, nlp):
    docs = [CorpusDoc(str(i), i, "The app keeps logging me out.", frozenset(), 0.0) for i in range(1, 6)]
    with pytest.raises(DiscoveryError, match=r"\[E401\] Only 5 comments"):
        discover(docs, nlp=nlp)
    path = tmp_path / "few.csv"
    path.write_text("comment\nfine\ngreat service\n", encoding="utf-8")
    result = CliRunner().invoke(discover_command, [str(path), "--taxonomy", str(
        Path(__file__).parent.parent / "feedback" / "data" / "cx_taxonomy.toml")])
    assert result.exit_code == 1
    assert "Error: [E401] Only 2 comments to look for topics in; discovery needs at least 30." in result.output


def test_discover_errors_are_coded(tmp_path, nlp):
    docs = [CorpusDoc(str(i), i, "The app keeps logging me out.", frozenset(), 0.0) for i in range(1, 40)]
    with pytest.raises(DiscoveryError, match=r"\[E406\] `sample` must be 1 or more, not 0"):
        discover(docs, sample=0, nlp=nlp)
    with pytest.raises(DiscoveryError, match=r"\[E402\] No word occurs in 3 or more of the 2 comments"):
        TopicModel().fit([["app"], ["bill"]])
    with pytest.raises(NotFittedError, match=r"\[E407\]"):
        TopicModel().transform([["app"]])
    with pytest.raises(InputError, match=r"\[E403\] Record 'r1' is not an analysed record"):
        to_corpus_doc({"id": "r1", "text": "fine", "row": "first", "themes": [], "sentiment": {}})
    with pytest.raises(InputError, match=r"\[E404\]"):
        theme_coverage(["not json"])
    # The command shows a malformed analysed file as one line, not a traceback.
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"schema_version": "1", "id": "r1", "row": 1, "text": "fine", "themes": [],
                               "sentiment": {"compound": "high"}}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(discover_command, [str(bad)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: [E403] Record 'r1'") and len(result.output.splitlines()) == 1


def test_discover_raw_export_same_comments_with_workers(planted_csv):
    # One process analyses into typed records; worker processes send JSON lines back. Same comments.
    alone, analysing = open_corpus(str(planted_csv), workers=1)
    pooled, _ = open_corpus(str(planted_csv), workers=2)
    docs = list(alone)
    assert analysing and len(docs) == 657  # of 659: two are kept out unanalysed (see test_discover_is_reproducible)
    assert docs == list(pooled)


def test_discover_coverage_counts_comments_without_themes():
    mention = ThemeMention("price", -0.5, "negative", "expensive", 0, 9, 0)
    records = [
        {"id": "1", "text": "a", "themes": []},
        {"id": "2", "text": "b", "themes": [mention.to_dict()]},
        json.dumps({"id": "3", "text": "c", "themes": []}),
        {"error": {"code": "empty_text", "message": "the comment is empty"}, "row": 4},
        AnalyzedRecord("5", 5, "expensive", -0.5, "negative", [], [mention], {}, {}),
    ]
    coverage = theme_coverage(records)
    assert (coverage.n_comments, coverage.n_unthemed, coverage.n_themed) == (4, 2, 2)
    assert coverage.share_unthemed == 0.5
    assert coverage.describe() == "2 of 4 comments (50.0%) have no theme"
    assert Coverage().share_unthemed == 0.0


def test_discover_featurizer_lemma_phrases(nlp):
    featurizer = Featurizer(nlp)
    features = next(featurizer.pipe(["It runs small, so size up. True to size otherwise!"]))
    assert {"run", "small", "run small", "size up", "true to size"} <= set(features)
    assert not {"it", "so", "otherwise"} & set(features)  # stop words
    assert not any("," in f for f in features)
    excluded = next(Featurizer(nlp, exclude={"small"}).pipe(["It runs small, so size up."]))
    assert "small" not in excluded and "run small" not in excluded and "size up" in excluded


def test_discover_spellings_kept_with_the_sample_are_those_pass_2_counts(nlp):
    """`pipe_spelled` (the fitting sample, featurized once) counts the spellings that `pipe` with
    `surfaces` would, on real app-review sentences and on odd spacing and case."""
    path = Path(__file__).parent / "data" / "app_review_sentences.csv"
    with open(path, newline="", encoding="utf-8") as f:
        texts = [row["sentence"] for row in csv.DictReader(f)]
    texts += ["It RUNS small,  so Sizing up.\nTrue   to size!", "Loves the pair of jeans\tbut runs big"]
    featurizer = Featurizer(nlp)
    spelled = list(featurizer.pipe_spelled(texts))
    every = {f: Counter() for features, _ in spelled for f in features}
    expected = list(featurizer.pipe(texts, surfaces=every))
    assert [features for features, _ in spelled] == expected
    counted = {f: Counter() for f in every}
    for features, written in spelled:
        for j, feature in enumerate(features):
            counted[feature][written.get(j, feature)] += 1
    assert counted == every
    assert sum(len(written) for _, written in spelled) > 50  # plurals, verb forms, capitals: not all lemmas


def _candidate(theme_id: str, label: str, terms: tuple[str, ...]) -> Candidate:
    return Candidate(theme_id, label, 'A "quoted" \\ description', terms, ((terms[0], 1.0),), 10, 5, 0.1, 0.5,
                     0.25, {"nps": (7.5, 10)}, (), 0.3, 12, {})


def _discovery(*candidates: Candidate) -> Discovery:
    return Discovery(list(candidates), [], Coverage(100, 10), 100, 100, 5, {5: 0.1}, 5, False, 0, "cx-default 1.0.0")


def test_discover_toml_escapes_and_renames_clashing_ids(tmp_path):
    terms = ('"xs"', "café au lait", "tab\tbed")
    odd = _candidate("price", 'Size "XS" \\ petite', terms)
    path = tmp_path / "candidates.toml"
    path.write_text(candidates_toml(_discovery(odd), source="export.csv"), encoding="utf-8")
    theme = load_taxonomy(str(path)).get("price")
    assert (theme.label, theme.terms) == ('Size "XS" \\ petite', terms)
    path.write_text(merge_toml(_discovery(odd), taxonomy_text()), encoding="utf-8")
    merged = load_taxonomy(str(path))
    # "price" is a default theme: the candidate gets a free id and the default one is untouched.
    assert merged.get("price_2").terms == terms
    assert merged.get("price") == load_taxonomy().get("price")


def test_discover_no_candidates_writes_no_taxonomy():
    with pytest.raises(DiscoveryError, match=r"\[E405\] No candidates"):
        candidates_toml(_discovery())


def test_discover_features_of_a_comment_are_its_sentences_features(nlp):
    """With a memo a comment is featurized sentence by sentence (each distinct one once): the
    features and spellings are those of the whole comment, on real reviews and complaints (the
    golden samples: clothing CC0, CFPB public domain) and on odd spacing and marks."""
    golden = Path(__file__).parent / "data" / "golden"
    with open(golden / "clothing.csv", newline="", encoding="utf-8") as f:
        texts = [row["Review Text"] for row in csv.DictReader(f)]
    with open(golden / "complaints.jsonl", encoding="utf-8") as f:
        texts += [record["narrative"] for line in f if (record := _json_object(line)) and record.get("narrative")]
    texts += ["Runs small!!  Size up.\n\nTrue to size?No. Loyalty points... e.g. Mr. Smith's U.S. store. ",
              "Love it.Size up. [EMAIL] sent me a refund. Call back?  Yes!", "Great. Great. Great."]
    featurizer = Featurizer(nlp)
    whole = list(featurizer.pipe_spelled(texts))
    memo: dict = {}
    by_sentence = list(featurizer.pipe_spelled(texts + texts, memo=memo))
    assert by_sentence == whole + whole
    assert sum(len(written) for _, written in whole) > 20 and len(memo) > len(texts)


def _json_object(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except ValueError:
        return None  # the sample's broken lines
    return value if isinstance(value, dict) else None
