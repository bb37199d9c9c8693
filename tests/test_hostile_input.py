"""Input that breaks or stalls a run (issue 12): every comment costs bounded time, hostile
patterns are refused at load, odd values give an error record or a problem, never a crash."""

import time

import pytest


# Runs of affixes without a space: spaCy strips them one at a time, in time quadratic in the run.
AFFIX_RUNS = ["!", "#", "(", '"', "\U0001F600", ":)", "_", "'s", "US$", "\u00b0", "\U0001F44D\U0001F3FD",
              "\U0001F468\u200d\U0001F469\u200d\U0001F467", "x\U0001F600"]


@pytest.mark.parametrize("unit", AFFIX_RUNS)
def test_a_long_run_of_affixes_tokenises_in_bounded_time(nlp, unit):
    text = "Service was " + unit * (12_000 // len(unit)) + " slow"
    started = time.perf_counter()
    doc = nlp(text)
    assert time.perf_counter() - started < 1.5  # several seconds each before
    assert doc.text == text
    assert all(text[t.idx : t.idx + len(t)] == t.text for t in doc)
    assert [t.text for t in doc[:2]] == ["Service", "was"] and doc[-1].text == "slow"


@pytest.mark.slow
@pytest.mark.parametrize("unit", ["!", "\U0001F600", ":)", "_"])
def test_a_comment_at_the_length_limit_is_analysed_in_seconds(analyzer, unit):
    from feedback import analyze

    text = ("The delivery was slow " + unit * 100_000)[:100_000]
    started = time.perf_counter()
    record = next(analyze([text], analyzer=analyzer))
    assert time.perf_counter() - started < 5  # ~18 minutes before
    assert record["text"] == text
    (mention,) = [m for m in record["themes"] if m["parent"] == "speed"]
    assert record["text"][mention["start"] : mention["end"]] == mention["evidence"]


NORMAL = [
    "Delivery was slow but the staff were lovely!!! :) #fail (again) \"great\" \U0001F600\U0001F600",
    "Ugh...... why?!?! The app's login doesn't work -- https://example.com/a/b?c=d&e=f#frag",
    "----------------------------------------------------------------\nSent from my phone",
    "I'd say it's US$40 too much; 5km away, 30\u00b0C, e.g. the U.S. store's staff n't",
]


@pytest.mark.parametrize("text", NORMAL)
def test_ordinary_text_tokenises_as_spacy_does(nlp, text):
    import spacy

    plain = spacy.blank("en")
    assert [(t.text, t.idx) for t in nlp(text)] == [(t.text, t.idx) for t in plain(text)]


def test_evidence_spans_index_the_original_text_after_a_cut(analyze_one):
    text = "!" * 5000 + " the delivery was slow " + "\U0001F600" * 3000 + " and the staff rude"
    started = time.perf_counter()
    record = analyze_one(text)
    assert time.perf_counter() - started < 1.5
    assert record["text"] == text
    assert {"speed", "customer_service"} <= {m["parent"] for m in record["themes"]}
    for m in record["themes"]:
        assert text[m["start"] : m["end"]] == m["evidence"]
    for s in record["sentences"]:
        assert text[s["start"] : s["end"]] == s["text"]


# --- ReDoS: a taxonomy REGEX that backtracks exponentially is refused at load ---------------

TAXONOMY = """name = "t"
version = "1"
[themes.speed]
label = "Speed"
terms = ["slow"]
patterns = [[{{LOWER = {{REGEX = '{regex}'}}}}]]
"""


@pytest.mark.parametrize("regex", ["(a+)+$", "^(a*)*b", "(a|ab)+$", "(\\w+\\s?)+$", "(x+x+)+y", "([a-z]+)*!",
                                   "(.*a){12}", "((ab)*)+c"])
def test_a_catastrophic_regex_is_refused_with_a_coded_problem(tmp_path, regex):
    from click.testing import CliRunner

    from feedback.cli import cli
    from feedback.errors import TaxonomyError
    from feedback.themes import load_taxonomy

    path = tmp_path / "t.toml"
    path.write_text(TAXONOMY.format(regex=regex))
    with pytest.raises(TaxonomyError, match=r"\[E112\] \[themes\.speed\]\.patterns\[0\]"):
        load_taxonomy(str(path))
    result = CliRunner().invoke(cli, ["themes", "--check", str(path)])
    assert result.exit_code == 1 and "[E112]" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("regex", ["^(deliver|ship)(y|ed|ing)?$", "colou?r", "\\d{3}-\\d+", "(?:\\d{3}-)+x",
                                   "[a-z]+ing$", "(a|b)+", "(?:ab|cd)+", "(?>a+)+"])
def test_ordinary_regexes_still_load(tmp_path, regex):
    from feedback.themes import load_taxonomy

    path = tmp_path / "t.toml"
    path.write_text(TAXONOMY.format(regex=regex))
    assert load_taxonomy(str(path)).theme_ids == ["speed"]


# --- Lexicon and taxonomy files that cannot be read: one coded line each --------------------

@pytest.mark.parametrize("valence", ["nan", "NaN", "inf", "-Infinity", "1e308", "4.5"])
def test_a_lexicon_valence_that_is_not_a_small_number_is_refused(tmp_path, valence):
    from feedback.errors import LexiconError
    from feedback.sentiment import load_lexicon

    path = tmp_path / "lex.tsv"
    path.write_text(f"slow\t-1.5\nbroken\t{valence}\n")
    with pytest.raises(LexiconError, match=r"^\[E114\] .* line 2"):
        load_lexicon(str(path))


def test_a_latin1_lexicon_or_a_nan_valence_is_one_line_in_the_cli(tmp_path):
    from click.testing import CliRunner

    from feedback.cli import cli

    data = tmp_path / "a.csv"
    data.write_text("comment\nslow delivery\n")
    for name, content, code in (("nan.tsv", b"slow\tnan\n", "[E114]"), ("latin1.tsv", "caf\u00e9\t1.0\n".encode("latin-1"), "[E111]")):
        (tmp_path / name).write_bytes(content)
        result = CliRunner().invoke(cli, ["analyze", str(data), "--no-model", "--lexicon", str(tmp_path / name)])
        assert result.exit_code == 1, result.output
        assert code in result.stderr and "Traceback" not in result.stderr
        assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


@pytest.mark.parametrize("nested", ["a = " + "[" * 3000 + "]" * 3000, "a = " + "{b = " * 3000 + "1" + "}" * 3000])
def test_a_deeply_nested_taxonomy_is_one_coded_problem(tmp_path, nested):
    from click.testing import CliRunner

    from feedback.cli import cli

    path = tmp_path / "deep.toml"
    path.write_text(nested)
    result = CliRunner().invoke(cli, ["themes", "--check", str(path)])
    assert result.exit_code == 1 and "[E113]" in result.output
    assert "Traceback" not in result.output and len(result.output) < 400
