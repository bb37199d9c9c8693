"""Input that breaks or stalls a run (issue 12): every comment costs bounded time, hostile
patterns are refused at load, odd values give an error record or a problem, never a crash."""

import json
import time

import pytest


# Runs of affixes without a space: spaCy strips them one at a time, in time quadratic in the run.
AFFIX_RUNS = ["!", "#", "(", '"', "\U0001F600", ":)", "_", "'s", "US$", "\u00b0", "\U0001F44D\U0001F3FD",
              "\U0001F468\u200d\U0001F469\u200d\U0001F467", "x\U0001F600"]


NORMAL = [
    "Delivery was slow but the staff were lovely!!! :) #fail (again) \"great\" \U0001F600\U0001F600",
    "Ugh...... why?!?! The app's login doesn't work -- https://example.com/a/b?c=d&e=f#frag",
    "----------------------------------------------------------------\nSent from my phone",
    "I'd say it's US$40 too much; 5km away, 30\u00b0C, e.g. the U.S. store's staff n't",
]


@pytest.mark.parametrize("unit", AFFIX_RUNS)
def test_a_long_run_of_affixes_tokenises_in_bounded_time(nlp, unit):
    text = "Service was " + unit * (12_000 // len(unit)) + " slow"
    started = time.perf_counter()
    doc = nlp(text)
    assert time.perf_counter() - started < 1.5  # several seconds each before
    assert doc.text == text
    assert all(text[t.idx : t.idx + len(t)] == t.text for t in doc)
    assert [t.text for t in doc[:2]] == ["Service", "was"] and doc[-1].text == "slow"
    # Ordinary text, runs of punctuation and URLs included, is tokenised as spaCy does.
    import spacy

    plain = spacy.blank("en")
    for normal in NORMAL:
        assert [(t.text, t.idx) for t in nlp(normal)] == [(t.text, t.idx) for t in plain(normal)]


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


ORDINARY_REGEXES = ["^(deliver|ship)(y|ed|ing)?$", "colou?r", "\\d{3}-\\d+", "(?:\\d{3}-)+x", "[a-z]+ing$",
                    "(a|b)+", "(?:ab|cd)+", "(?>a+)+"]


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
    # Patterns that cannot backtrack exponentially still load.
    for ordinary in ORDINARY_REGEXES:
        path.write_text(TAXONOMY.format(regex=ordinary))
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


# --- Values that used to crash the whole run: now an error record or a problem --------------

def analyze_file(tmp_path, name, content, *args):
    from click.testing import CliRunner

    from feedback.cli import cli

    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    out, errors = tmp_path / "out.jsonl", tmp_path / "errors.jsonl"
    out.unlink(missing_ok=True)
    errors.unlink(missing_ok=True)
    result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out), "--errors", str(errors), "--no-model", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()] if out.exists() else []
    error_records = [json.loads(line) for line in errors.read_text().splitlines()] if errors.exists() else []
    return result, records, error_records


def test_nan_and_infinity_in_carried_fields_are_written_as_null_with_a_problem(tmp_path, record_validator):
    content = ('{"text": "good service", "x": NaN, "nps": 9}\n{"text": "slow", "y": [Infinity], "z": {"a": -Infinity}}\n'
               '{"text": "fine", "nps": NaN}\n{"text": "ok"}\n')
    result, records, errors = analyze_file(tmp_path, "a.jsonl", content)
    assert result.exit_code == 0 and not errors
    assert [r["fields"] for r in records[:2]] == [{"x": None}, {"y": [None], "z": {"a": None}}]
    assert [[p["code"] for p in r["problems"]] for r in records] == [
        ["not_a_finite_number"], ["not_a_finite_number"], ["score_not_a_number"], []]
    for record in records:
        record_validator.validate(record)


def test_nan_in_an_error_record_or_a_python_value_is_written_as_null(tmp_path):
    from feedback import analyze
    from feedback.io.files import dumps

    result, records, errors = analyze_file(tmp_path, "a.jsonl", 'NaN\n{"text": {"a": Infinity}}\n{"text": "ok"}\n')
    assert result.exit_code == 0 and len(records) == 1 and [e["values"] for e in errors] == [
        {"raw": None}, {"text": {"a": None}}]
    (record,) = analyze([{"text": "fine", "when": float("inf")}], model=None)
    assert json.loads(dumps(record))["fields"] == {"when": None}


@pytest.mark.parametrize("digits", [400, 4000])
def test_a_huge_integer_score_is_a_score_problem(tmp_path, digits):
    from feedback.scores import kind_of, parse_score

    number, problem = parse_score(10**digits, kind_of("nps"), "nps")
    assert number is None and problem.code == "score_out_of_range" and f"{digits + 1}-digit" in problem.message
    content = '{"text": "good", "nps": %s, "ttr": 1}\n{"text": "ok", "nps": 1, "ttr": -%s}\n' % ("9" * 400, "9" * 400)
    result, records, errors = analyze_file(tmp_path, "a.jsonl", content)
    assert result.exit_code == 0 and not errors
    assert [[p["code"] for p in r["problems"]] for r in records] == [["score_out_of_range"]] * 2


DEEP = {
    "array_5000": '{"text": "good", "x": ' + "[" * 5000 + "]" * 5000 + "}",
    "object_5000": '{"text": "good", "x": ' + '{"a": ' * 5000 + "1" + "}" * 5000 + "}",
    "array_900": '{"text": "good", "x": ' + "[" * 900 + "]" * 900 + "}",
    "object_150": '{"text": "good", "x": ' + '{"a": ' * 150 + "1" + "}" * 150 + "}",
    "line_itself": "[" * 5000 + "]" * 5000,
}


@pytest.mark.parametrize("args", [[], ["--redact"]])
@pytest.mark.parametrize("case", list(DEEP))
def test_json_nested_too_deep_is_an_error_record_for_that_row(tmp_path, case, args, error_validator):
    content = '{"text": "first"}\n' + DEEP[case] + '\n{"text": "last", "x": [[[1]]]}\n'
    result, records, errors = analyze_file(tmp_path, "a.jsonl", content, *args)
    assert result.exit_code == 0, result.stderr
    assert [r["row"] for r in records] == [1, 3]
    assert [(e["row"], e["error"]["code"]) for e in errors] == [(2, "nested_too_deep")]
    error_validator.validate(errors[0])


def test_deep_values_given_to_the_python_api_are_an_error_record_with_or_without_redaction():
    from feedback import analyze
    from feedback.redact import redact_value

    deep: list = []
    cursor = deep
    for _ in range(5000):
        cursor.append([])
        cursor = cursor[0]
    cursor.append("mail me at jane@example.com")
    for redact in (False, True):
        first, second = analyze([{"text": "fine", "x": deep}, {"text": "ok"}], model=None, redact=redact)
        assert first["error"]["code"] == "nested_too_deep" and first["values"]["x"] is None
        assert "error" not in second
    from collections import Counter

    counts: Counter = Counter()
    copied = redact_value({"a": deep}, counts)
    assert counts == {"EMAIL": 1}
    while isinstance(copied, (dict, list)) and copied:
        copied = copied["a"] if isinstance(copied, dict) else copied[0]
    assert copied == "mail me at [EMAIL]"


def test_a_nan_comment_is_missing_but_the_word_nan_is_text(tmp_path):
    from feedback import analyze

    nan_float, inf_float, word = analyze([{"text": float("nan")}, {"text": float("inf")}, {"text": "nan"}], model=None)
    assert nan_float["error"]["code"] == "empty_text" and inf_float["error"]["code"] == "empty_text"
    assert word["text"] == "nan"
    result, records, errors = analyze_file(tmp_path, "a.csv", "comment,nps\nnan,9\nNaN,3\n,5\n")
    assert [r["text"] for r in records] == ["nan", "NaN"] and [e["error"]["code"] for e in errors] == ["empty_text"]


# --- Reports over placeholder dates ----------------------------------------------------------

def records_with_dates(analyze_one, dates):
    lines = []
    for i, day in enumerate(dates):
        record = analyze_one("The delivery was slow" if i % 2 else "Lovely staff")
        record["scores"], record["fields"] = {"nps": 3 if i % 2 else 9}, {"submitted": day}
        lines.append(json.dumps(record))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("period", ["day", "week", "month", "quarter"])
@pytest.mark.parametrize("placeholder", ["9999-12-31", "0001-01-01", "1900-01-01", "2999-01-01"])
def test_a_placeholder_date_is_undated_with_a_note(tmp_path, analyze_one, period, placeholder):
    from click.testing import CliRunner

    from feedback.cli import cli

    path = tmp_path / "r.jsonl"
    path.write_text(records_with_dates(analyze_one, ["2025-03-01", "2025-03-02", placeholder, "2025-03-20"]))
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["report", str(path), "--period", period, "--date-column", "submitted",
                                      "--format", "json"])
    assert time.perf_counter() - started < 10
    assert result.exit_code == 0, result.output
    periods = json.loads(result.stdout)["periods"]
    assert periods["n_undated"] == 1 and periods["n_placeholder_dates"] == 1
    assert all(p["start"].startswith("2025-") for p in periods["series"])
    text = CliRunner().invoke(cli, ["report", str(path), "--period", period, "--date-column", "submitted"])
    assert text.exit_code == 0 and "placeholder date" in text.stdout


def test_too_many_periods_is_one_coded_line(tmp_path, analyze_one):
    from click.testing import CliRunner

    from feedback.cli import cli

    path = tmp_path / "r.jsonl"
    path.write_text(records_with_dates(analyze_one, ["1950-01-01", "2025-03-02"]))
    result = CliRunner().invoke(cli, ["report", str(path), "--period", "day", "--date-column", "submitted"])
    assert result.exit_code == 1 and "[E311]" in result.stderr and "--period" in result.stderr
    assert CliRunner().invoke(cli, ["report", str(path), "--period", "month", "--date-column", "submitted"]).exit_code == 0


# --- Hand-edited or foreign records given to `report`: one coded line ------------------------

EDITS = {
    "parent_is_a_number": lambda r: r["themes"][0].update(parent=7),
    "theme_is_a_list": lambda r: r["themes"][0].update(theme=["speed"], parent=None),
    "theme_not_an_object": lambda r: r["themes"].append("speed"),
    "themes_a_string": lambda r: r.update(themes="speed"),
    "sentiment_a_word": lambda r: r["themes"][0].update(sentiment="bad"),
    "sentiment_nan": lambda r: r["themes"][0].update(sentiment=float("nan")),
    "compound_huge": lambda r: r["sentiment"].update(compound=10**400),
    "compound_a_list": lambda r: r["sentiment"].update(compound=[1]),
    "compound_infinite": lambda r: r["sentiment"].update(compound=float("inf")),
    "score_huge": lambda r: r["scores"].update(nps=10**400),
    "sentiment_not_an_object": lambda r: r.update(sentiment="negative"),
    "fields_a_list": lambda r: r.update(fields=["web"]),
}


@pytest.mark.parametrize("fmt", ["text", "json"])
@pytest.mark.parametrize("edit", list(EDITS))
def test_a_hand_edited_record_is_one_coded_line(tmp_path, analyze_one, edit, fmt):
    from click.testing import CliRunner

    from feedback.cli import cli

    records = [json.loads(line) for line in records_with_dates(analyze_one, ["2025-03-01"] * 4).splitlines()]
    EDITS[edit](records[1])
    path = tmp_path / "r.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = CliRunner().invoke(cli, ["report", str(path), "--format", fmt, "--by", "submitted"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:  # a value the report can use as it is (the score is left out)
        assert edit == "score_huge"
        assert "Infinity" not in result.stdout and "NaN" not in result.stdout
        return
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Record 2 " in lines[0] and ("[E310]" in lines[0] or "[E302]" in lines[0])


# --- Rows merged by a quote that a later row's quote closes ----------------------------------

MERGES = {
    "next_row_quoted": ('id,comment,nps\n1,fine,9\n2,"never closes,5\n3,"quoted comment",7\n4,ok,8\n',
                        ["fine", "quoted comment", "ok"], [2]),
    "two_rows_swallowed": ('id,comment,nps\n1,fine,9\n2,"never closes,5\n3,ok,7\n4,"quoted",8\n5,last,1\n',
                           ["fine", "ok", "quoted", "last"], [2]),
    "quoted_score": ('id,comment,nps\n1,"opens here,9\n2,slow,"3"\n3,ok,8\n', ["slow", "ok"], [1]),
    "tsv": ('id\tcomment\tnps\n1\t"never closes\t5\n2\t"tabbed"\t7\n3\tok\t8\n', ["tabbed", "ok"], [1]),
}
LEGIT = {
    "multi_line_comment": ('id,comment,nps\n1,"line one\nline two\nline three",9\n2,ok,8\n',
                           ["line one\nline two\nline three", "ok"]),
    "a_line_like_a_row": ('id,comment,nps\n1,"first line\n3,""x"",7",9\n2,ok,8\n', ['first line\n3,"x",7', "ok"]),
    "last_row_like_a_row": ('id,comment,nps\n1,fine,9\n2,"a comment\n1,2,3"\n', ["fine", "a comment\n1,2,3"]),
}


@pytest.mark.parametrize("case", list(MERGES))
def test_a_quote_closed_by_a_later_rows_quote_is_an_error_record(tmp_path, case):
    content, texts, broken = MERGES[case]
    name = "a.tsv" if case == "tsv" else "a.csv"
    result, records, errors = analyze_file(tmp_path, name, content)
    assert result.exit_code == 0
    assert [r["text"] for r in records] == texts
    assert [(e["row"], e["error"]["code"]) for e in errors] == [(row, "unbalanced_quote") for row in broken]
    n_rows = len(texts) + len(broken)
    assert sorted(r["row"] for r in records + errors) == list(range(1, n_rows + 1))
    # No row is credited with another row's score.
    by_text = {r["text"]: r["scores"].get("nps") for r in records}
    assert by_text.get("quoted comment", 7) == 7 and by_text.get("slow", 3) == 3
    # Legitimate multi-line comments are read as before.
    for legit_content, legit_texts in LEGIT.values():
        _, legit, legit_errors = analyze_file(tmp_path, "b.csv", legit_content)
        assert [r["text"] for r in legit] == legit_texts and not legit_errors


@pytest.mark.parametrize("deep", ["[" * 5000 + "]" * 5000, '{"themes": [], "scores": {}, "x": ' + "[" * 5000 + "]" * 5000 + "}"])
def test_a_report_line_nested_too_deep_is_one_coded_line(tmp_path, analyze_one, deep):
    from click.testing import CliRunner

    from feedback.cli import cli

    path = tmp_path / "r.jsonl"
    path.write_text(records_with_dates(analyze_one, ["2025-03-01", "2025-03-02"]) + deep + "\n")
    result = CliRunner().invoke(cli, ["report", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "[E308]" in lines[0] and "line 3" in lines[0]


@pytest.mark.parametrize("text", [
    "wordsgluedtogether," * 150 + "end. Next sentence here.",  # cut before a comma: same tokens
    "a:" * 10_000,  # slow in spaCy without being a run of affixes
    "Iwasmakingtrialpayments.Shellpoint" * 60 + " and then!!!" + "!" * 500 + " done. Fine.",
])
def test_cuts_in_long_space_free_runs_keep_time_bounded_and_sentences_as_they_were(nlp, text):
    from feedback.language import make_nlp

    reference = make_nlp()
    reference.tokenizer = reference.tokenizer.tokenizer  # spaCy's own, uncut
    started = time.perf_counter()
    doc = nlp(text)
    assert time.perf_counter() - started < 1.0
    assert doc.text == text
    if "!" * 100 not in text:  # else a cut falls inside a glued word: that token differs, nothing else
        expected = reference(text)
        assert [t.text for t in doc] == [t.text for t in expected]
        assert [s.start_char for s in doc.sents] == [s.start_char for s in expected.sents]
    else:
        assert [s.text for s in doc.sents][-1] == "Fine."


def test_hostile_input_only_plain_cells_skip_the_nesting_and_nan_scans():
    from feedback.json_values import all_plain

    class Text(str):
        pass

    assert all_plain({"comment": "Fine", "nps": 9, "flag": True, "note": None})
    for odd in (float("nan"), 1.5, {"a": 1}, [1], (1,), Text("x")):
        assert not all_plain({"comment": "Fine", "other": odd})
