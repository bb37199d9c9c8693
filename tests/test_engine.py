"""The engine on inputs and outputs that are not plain files, and on paths that collide."""

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback import AnalysisOptions, OutputOptions, ReadOptions, RunOptions, run_analysis
from feedback.cli import cli
from feedback.errors import OptionsError

DATA = Path(__file__).parent / "data"
SAMPLE = DATA / "sample_export.csv"  # 12 rows, one of them an empty comment


def analyze(*args, input=None):
    return CliRunner().invoke(cli, ["analyze", *map(str, args), "--no-progress"], input=input)


@pytest.fixture(scope="module")
def from_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("file") / "out.jsonl"
    assert analyze(SAMPLE, "-o", out, "--no-model").exit_code == 0
    return out.read_bytes()


def test_stdin_to_a_file_is_written_whole_and_not_resumable(tmp_path, from_file):
    out = tmp_path / "out.jsonl"
    result = analyze("-", "-o", out, "--no-model", input=SAMPLE.read_bytes())
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == from_file
    assert not list(tmp_path.glob("*.checkpoint.json")) and not list(tmp_path.glob("*.partial"))
    result = analyze("-", "-o", out, "--no-model", "--resume", input=SAMPLE.read_bytes())
    assert result.exit_code == 2 and "[E505]" in result.stderr


def test_a_fifo_input_loses_no_row(tmp_path, from_file):
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    feeder = threading.Thread(target=lambda: fifo.write_bytes(SAMPLE.read_bytes()))
    feeder.start()
    out = tmp_path / "out.jsonl"
    counts = run_analysis(ReadOptions(str(fifo)), AnalysisOptions(model=None), OutputOptions(str(out)))
    feeder.join()
    assert out.read_bytes() == from_file
    assert counts.rows == 12 and counts.errors == 1


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_dev_null_is_written_to_not_replaced(tmp_path):
    result = analyze(SAMPLE, "-o", "/dev/null", "--errors", "/dev/null", "--no-model")
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    result = analyze(SAMPLE, "-o", "/dev/null", "--output-format", "parquet", "--no-model")
    assert result.exit_code == 2 and "[E509]" in result.stderr


def test_outputs_that_would_overwrite_the_input_or_each_other_are_refused(tmp_path):
    export = tmp_path / "export.csv"
    export.write_bytes(SAMPLE.read_bytes())
    for args in (("-o", export), ("-o", tmp_path / "out.jsonl", "--errors", export)):
        result = analyze(export, *args, "--no-model")
        assert result.exit_code == 2 and "[E516]" in result.stderr and "destroy" in result.stderr
        assert export.read_bytes() == SAMPLE.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(export)
    assert analyze(export, "-o", link, "--no-model").exit_code == 2
    out = tmp_path / "out.jsonl"
    result = analyze(export, "-o", out, "--errors", out, "--no-model")
    assert result.exit_code == 2 and "[E517]" in result.stderr and "--errors" in result.stderr
    assert not out.exists()


def test_options_refused_by_the_library_name_parameters():
    with pytest.raises(OptionsError, match=r"\[E505\] `resume` needs an input file"):
        run_analysis(ReadOptions("-"), AnalysisOptions(), OutputOptions("out.jsonl"), RunOptions(resume=True))
    with pytest.raises(OptionsError, match=r"\[E503\] `workers` must be at least 1"):
        RunOptions(workers=0)
    with pytest.raises(OptionsError, match=r"\[E502\] `model_mode` must be one of combine, model"):
        AnalysisOptions(model_mode="rules")


def test_the_default_model_rule_is_decided_once():
    assert AnalysisOptions().resolved().model == "default"  # the shipped model
    assert AnalysisOptions(taxonomy="default+retail").resolved().model == "default"
    assert AnalysisOptions(taxonomy="mine.toml").resolved().model is None
    assert AnalysisOptions(taxonomy="mine.toml", model="default").resolved().model == "default"
    assert AnalysisOptions(model=None).resolved().model is None


def test_a_stdin_pipe_from_a_process(tmp_path, from_file):
    """`cat export.csv | feedback analyze - -o out.jsonl`, as a shell runs it."""
    out = tmp_path / "out.jsonl"
    cat = subprocess.Popen(["cat", str(SAMPLE)], stdout=subprocess.PIPE)
    proc = subprocess.run([sys.executable, "-m", "feedback", "analyze", "-", "-o", str(out), "--no-model"],
                          stdin=cat.stdout, capture_output=True, text=True)
    cat.wait()
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert out.read_bytes() == from_file


def test_repeated_comments_are_analysed_once_with_identical_records(rules_analyzer):
    """Exports repeat short answers: they come from the analyzer's bounded cache, record for record
    the same as a first analysis (real review titles from tests/data/golden/clothing.csv, CC0)."""
    import csv

    from feedback import Analyzer, analyze
    from feedback.pipeline import CACHED_TEXTS

    with open(DATA / "golden" / "clothing.csv", encoding="utf-8") as f:
        titles = [row["Title"] for row in csv.DictReader(f) if row["Title"].strip()]
    texts = (titles + ["Love it!", "Love it!", "The delivery was slow"] * 3) * 2
    cached = list(analyze(texts, analyzer=rules_analyzer))
    fresh = Analyzer.from_options(AnalysisOptions(model=None))
    for text, record in zip(texts, cached):
        alone = next(analyze([text], analyzer=fresh))
        fresh._cache.clear()
        assert {**record, "id": "", "row": 0} == {**alone, "id": "", "row": 0}
    assert 0 < len(rules_analyzer._cache) <= CACHED_TEXTS


def test_repeated_sentences_reuse_their_scores_and_screenings_with_identical_records(rules_analyzer):
    """Real review sentences (tests/data/golden/clothing.csv, CC0) recombined, so that sentences
    and short answers repeat across different comments: every record equals a first analysis
    by an analyzer with empty caches, and the caches stay within their bounds."""
    import csv
    import random
    import re

    from feedback import Analyzer, analyze
    from feedback.pipeline import CACHED_SENTENCES, CACHED_TEXTS

    with open(DATA / "golden" / "clothing.csv", encoding="utf-8") as f:
        reviews = [row["Review Text"] for row in csv.DictReader(f) if row["Review Text"].strip()]
    sentences = [s for r in reviews for s in re.split(r"(?<=[.!?])\s+", r.strip()) if s][:60]
    rng = random.Random(3)
    texts = [" ".join(rng.sample(sentences, rng.randint(1, 3))) for _ in range(120)]
    texts += ["n/a", "Love it!", "n/a", "Love it!"]
    analyzer = Analyzer.from_options(AnalysisOptions(model=None))
    records = list(analyze(texts, analyzer=analyzer))
    assert len(analyzer._scores) < sum(len(r["sentences"]) for r in records)  # sentences did repeat
    fresh = Analyzer.from_options(AnalysisOptions(model=None))
    for text, record in zip(texts, records):
        alone = next(analyze([text], analyzer=fresh))
        fresh._cache.clear()
        fresh._scores.clear()
        fresh._screenings.clear()
        assert {**record, "id": "", "row": 0} == {**alone, "id": "", "row": 0}
    assert 0 < len(analyzer._scores) <= CACHED_SENTENCES
    assert 0 < len(analyzer._screenings) <= CACHED_TEXTS


def test_make_docs_gives_the_docs_nlp_pipe_gives(rules_analyzer):
    """The pipeline's own batch loop and Language.pipe agree token for token and sentence for
    sentence, line breaks (one, two, wrapped) and long affix runs included."""
    import csv

    from spacy.attrs import IS_SPACE, NORM, ORTH, SENT_START

    from feedback.language import make_docs

    with open(DATA / "golden" / "clothing.csv", encoding="utf-8") as f:
        texts = [row["Review Text"] for row in csv.DictReader(f) if row["Review Text"].strip()]
    texts += ["Slow delivery\nGreat staff", "Line one\n\nline two", "wrapped\nline goes on", "!" * 300 + "ok", ""]
    assert any("\n" in t for t in texts[:-5])
    nlp = rules_analyzer.nlp
    attrs = [ORTH, NORM, SENT_START, IS_SPACE]
    for made, piped in zip(make_docs(nlp, texts), nlp.pipe(texts), strict=True):
        assert made.text == piped.text
        assert made.to_array(attrs).tolist() == piped.to_array(attrs).tolist()
