"""Runs, checkpoints and files: stale state, what `resume` compares, paths that collide, and
the file system failing under a run. Every failure is one coded line, never a short file."""

import json
import os
import shutil
import signal
import stat
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback import AnalysisOptions, OutputOptions, ReadOptions, RunOptions, run_analysis
from feedback.cli import cli
from feedback.errors import FeedbackError, Interrupted, OutputError, ResumeError
from feedback.io.files import exclusive_lock

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402

SHIPPED = ROOT / "feedback" / "data"
MODEL = ROOT / "models" / "cx-default"


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("runs") / "comments.csv"
    generate(700, str(path), seed=5)
    with open(path, "a", encoding="utf-8") as f:  # error records, so the errors partial is exercised
        f.write('X1,2025-01-01,web,"",9,5\n')
        for i in range(40):
            f.write(f'X{i + 2},2025-01-01,web,   ,9,5\n')
    assert path.stat().st_size > 1 << 16  # large enough for an edit past the first 64 KiB
    return path


def options(src, out, *, read=None, analysis=None, output=None, run=None):
    return (ReadOptions(str(src), **(read or {})), AnalysisOptions(**{"model": None, **(analysis or {})}),
            OutputOptions(str(out), **(output or {})), RunOptions(**{"checkpoint_every": 100, **(run or {})}))


def run(src, out, resume=False, **kw):
    read, analysis, output, run_options = options(src, out, **kw)
    run_options = RunOptions(**{**run_options.__dict__, "resume": resume})
    return run_analysis(read, analysis, output, run_options)


def interrupt(src, out, after=250, **kw):
    """Stop a run after `after` rows, as Ctrl-C does: the partials and checkpoint stay."""
    done = 0

    def progress(n):
        nonlocal done
        done += n
        if done >= after:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted):
        run_analysis(*options(src, out, **kw), progress=progress)
    assert Path(f"{out}.checkpoint.json").exists()


def errors_of(out):
    return Path(f"{out}.errors.jsonl")


@pytest.fixture(scope="module")
def reference(source, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    run(source, out)
    return out.read_bytes(), errors_of(out).read_bytes()


def published(out):
    return out.read_bytes(), errors_of(out).read_bytes()


# --- stale state: a checkpoint belongs to one run and one pair of partial files --------------


def test_a_restarted_run_killed_before_its_first_checkpoint_cannot_be_resumed_into_a_short_file(
        tmp_path, source):
    out = tmp_path / "out.jsonl"
    interrupt(source, out)  # a checkpoint at row 250
    read, analysis, output, run_options = options(source, out)

    def killed(start):  # the restart without resume dies right after opening its outputs
        raise SystemExit(137)

    with pytest.raises(SystemExit):
        run_analysis(read, analysis, output, run_options, on_start=killed)
    with pytest.raises(ResumeError, match=r"^\[E5\d\d\]"):
        run(source, out, resume=True)
    assert not out.exists()


def test_a_fresh_run_removes_the_state_an_earlier_run_left(tmp_path, source, reference):
    out = tmp_path / "out.jsonl"
    interrupt(source, out)
    tmp = Path(f"{out}.checkpoint.json.tmp")
    tmp.write_text("{}")
    half_written = tmp_path / ".out.jsonl.checkpoint.json.k3j_x1.tmp"  # a checkpoint being written when killed
    half_written.write_text("{")
    seen = {}

    def at_start(start):
        seen["checkpoint"] = Path(f"{out}.checkpoint.json").exists()
        seen["tmp"] = tmp.exists() or half_written.exists()
        seen["partial"] = Path(f"{out}.partial").stat().st_size

    read, analysis, output, run_options = options(source, out)
    run_analysis(read, analysis, output, run_options, on_start=at_start)
    assert seen == {"checkpoint": False, "tmp": False, "partial": 0}
    assert published(out) == reference


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_in_the_middle_of_writing_a_record_stops_after_that_record(tmp_path, source, reference,
                                                                          monkeypatch, sig):
    """Ctrl-C or SIGTERM while a record is being written: the checkpoint's counts, row count and
    file agree (no row counted twice or written twice on resume). An interrupt landing between
    the write and the row count once made a resumed run repeat a row."""
    from feedback.io.checkpoint import CheckpointedOutput

    out = tmp_path / "out.jsonl"
    write = CheckpointedOutput._write
    calls = 0

    def write_then_signal(self, f, name, line):
        nonlocal calls
        calls += 1
        if calls == 150:
            f.write(line + "\n")
            os.kill(os.getpid(), sig)  # arrives after the bytes, before the row is counted as done
            f.file.flush()
            self.advance()
            return
        write(self, f, name, line)

    monkeypatch.setattr(CheckpointedOutput, "_write", write_then_signal)
    with pytest.raises(Interrupted):
        run(source, out)
    monkeypatch.undo()
    state = json.loads(Path(f"{out}.checkpoint.json").read_text())
    assert state["rows_done"] == 150
    assert state["counts"]["analysed"] + state["counts"]["errors"] == 150
    assert Path(f"{out}.partial").read_bytes().count(b"\n") == state["rows_done"]
    counts = run(source, out, resume=True)
    assert (counts.rows, counts.analysed) == (741, 700)
    assert published(out) == reference


def test_a_non_resumable_run_to_the_same_output_removes_the_earlier_state(tmp_path, source):
    out = tmp_path / "out.jsonl"
    interrupt(source, out)
    result = CliRunner().invoke(cli, ["analyze", "-", "-o", str(out), "--no-model", "--no-progress"],
                                input=source.read_bytes())
    assert result.exit_code == 0, result.output
    assert not Path(f"{out}.checkpoint.json").exists() and not Path(f"{out}.partial").exists()
    with pytest.raises(ResumeError, match=r"\[E510\]"):
        run(source, out, resume=True)


@pytest.mark.parametrize("which", ["partial", "errors.jsonl.partial"])
def test_resume_refuses_a_partial_shorter_than_its_checkpoint_and_never_pads_it(tmp_path, source, which):
    out = tmp_path / "out.jsonl"
    interrupt(source, out, after=720)  # past the rows that become error records
    partial = Path(f"{out}.{which}")
    assert partial.stat().st_size > 10
    with open(partial, "r+b") as f:
        f.truncate(partial.stat().st_size // 2)
    size = partial.stat().st_size
    with pytest.raises(ResumeError, match=r"^\[E526\]"):
        run(source, out, resume=True)
    assert partial.stat().st_size == size and b"\0" not in partial.read_bytes()
    assert not out.exists() and not errors_of(out).exists()


@pytest.mark.parametrize("which", ["partial", "errors.jsonl.partial"])
def test_resume_refuses_a_partial_that_is_not_the_one_checkpointed(tmp_path, source, which):
    out = tmp_path / "out.jsonl"
    interrupt(source, out, after=720)
    partial = Path(f"{out}.{which}")
    data = bytearray(partial.read_bytes())
    data[5] ^= 1  # same size, another byte: another run's file
    partial.write_bytes(bytes(data))
    with pytest.raises(ResumeError, match=r"^\[E527\]"):
        run(source, out, resume=True)
    assert not out.exists()


def test_a_checkpoint_without_its_run_is_refused(tmp_path, source):
    out = tmp_path / "out.jsonl"
    interrupt(source, out)
    checkpoint = Path(f"{out}.checkpoint.json")
    import json

    state = json.loads(checkpoint.read_text())
    del state["run_id"]
    checkpoint.write_text(json.dumps(state))
    with pytest.raises(ResumeError, match=r"^\[E511\]"):
        run(source, out, resume=True)


# --- what resume compares: every option that shapes the output, and content -----------------


def _copy(src: Path, dst: Path) -> str:
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copy(src, dst)
    return str(dst)


def _append(path, text):
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


@pytest.mark.parametrize("change", ["taxonomy", "lexicon", "model"])
def test_resume_refuses_a_taxonomy_lexicon_or_model_edited_since_the_interruption(tmp_path, source, change):
    out = tmp_path / "out.jsonl"
    paths = {"taxonomy": _copy(SHIPPED / "cx_taxonomy.toml", tmp_path / "taxonomy.toml"),
             "lexicon": _copy(SHIPPED / "domain_lexicon.tsv", tmp_path / "lexicon.tsv")}
    if change == "model":
        paths = {"model": _copy(MODEL, tmp_path / "model")}
    interrupt(source, out, analysis=paths)
    edited = Path(paths[change]) / "README.md" if change == "model" else Path(paths[change])
    _append(edited, {"taxonomy": "\n# edited\n", "lexicon": "\nsluggish\t-1.5\n", "model": "\nretrained\n"}[change])
    with pytest.raises(ResumeError, match=r"^\[E525\]") as refused:
        run(source, out, resume=True, analysis=paths)
    assert f"the content of `{change}`" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert not out.exists()


def test_resume_refuses_an_input_edited_past_its_first_bytes(tmp_path, source):
    src = Path(_copy(source, tmp_path / "input.csv"))
    out = tmp_path / "out.jsonl"
    interrupt(src, out)
    stat = src.stat()
    data = bytearray(src.read_bytes())
    at = data.index(b"G00000600")
    assert at > 1 << 16
    data[at:at + 9] = b"G99999999"  # same size, same modification time
    src.write_bytes(bytes(data))
    os.utime(src, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    with pytest.raises(ResumeError, match=r"^\[E525\].*the input file"):
        run(src, out, resume=True)


@pytest.mark.parametrize("name, before, after", [
    ("encoding", {"read": {}}, {"read": {"encoding": "utf-8"}}),
    ("format", {"read": {}}, {"read": {"format": "csv"}}),
    ("text_column", {"read": {}}, {"read": {"text_column": "comment"}}),
    ("redact", {"read": {}}, {"read": {"redact": True}}),
    ("model_mode", {"analysis": {}}, {"analysis": {"model_mode": "model"}}),
])
def test_resume_refuses_any_option_that_shapes_the_output_and_names_it(tmp_path, source, name, before, after):
    out = tmp_path / "out.jsonl"
    interrupt(source, out, **before)
    with pytest.raises(ResumeError, match=r"^\[E525\]") as refused:
        run(source, out, resume=True, **after)
    assert f"`{name}`" in str(refused.value)


def test_resume_with_another_errors_file_is_refused_and_writes_nothing(tmp_path, source, reference):
    out = tmp_path / "out.jsonl"
    interrupt(source, out, after=720)
    other = tmp_path / "other-errors.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(source), "-o", str(out), "--no-model", "--no-progress",
                                      "--resume", "--errors", str(other)])
    assert result.exit_code == 1
    assert "[E525]" in result.stderr and "--errors" in result.stderr
    assert not other.exists() and not Path(f"{other}.partial").exists()
    # The interrupted run's own files are untouched: resuming as it was (how it runs, such as
    # chunk and checkpoint sizes, may change: they do not shape the output) still finishes it.
    run(source, out, resume=True, run={"checkpoint_every": 7, "chunk_size": 33})
    assert published(out) == reference


# --- paths that collide: one run per output, side files never through links ------------------


def test_a_second_run_on_an_output_being_written_is_refused(tmp_path, source):
    out = tmp_path / "out.jsonl"
    with exclusive_lock(str(out)):  # what a first run holds while it writes
        result = CliRunner().invoke(cli, ["analyze", str(source), "-o", str(out), "--no-model", "--no-progress"])
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and "[E529]" in result.stderr
        assert not list(tmp_path.glob("out.jsonl.partial*"))
    assert not Path(f"{out}.lock").exists()


def test_an_errors_file_another_run_writes_is_refused(tmp_path, source):
    errors = tmp_path / "errors.jsonl"
    with exclusive_lock(str(errors)):
        with pytest.raises(OutputError, match=r"^\[E529\]"):
            run(source, tmp_path / "out.jsonl", output={"errors": str(errors)})


def test_side_files_are_not_written_through_links_planted_at_their_names(tmp_path, source, reference):
    out = tmp_path / "out.jsonl"
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    names = [f"{out}.partial", f"{out}.errors.jsonl.partial", f"{out}.checkpoint.json",
             f"{out}.checkpoint.json.tmp", f"{out}.lock"]
    for name in names:
        os.symlink(victim, name)
    run(source, out)
    assert victim.read_text() == "precious\n"
    assert published(out) == reference
    assert not any(os.path.lexists(name) for name in names)


def test_resume_does_not_follow_a_link_at_the_partial(tmp_path, source):
    out = tmp_path / "out.jsonl"
    interrupt(source, out)
    partial = Path(f"{out}.partial")
    victim = tmp_path / "victim.jsonl"
    victim.write_bytes(partial.read_bytes() + b"precious\n")  # would even pass the size and hash checks
    partial.unlink()
    os.symlink(victim, partial)
    before = victim.read_bytes()
    with pytest.raises(FeedbackError, match=r"^\[E532\]"):
        run(source, out, resume=True)
    assert victim.read_bytes() == before


# --- environment failures: one coded line, never a traceback ---------------------------------


def analyze_cli(*args, input=None):
    return CliRunner().invoke(cli, ["analyze", *map(str, args), "--no-model", "--no-progress"], input=input)


def one_coded_line(result, code):
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # no traceback
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and f"[{code}]" in errors[0], result.stderr
    return errors[0]


@pytest.mark.parametrize("how", ["file", "stdin", "errors"])
def test_a_missing_output_directory_is_one_line(tmp_path, source, how):
    missing = tmp_path / "no" / "such"
    if how == "file":
        result = analyze_cli(source, "-o", missing / "out.jsonl")
    elif how == "stdin":
        result = analyze_cli("-", "-o", missing / "out.jsonl", input=source.read_bytes())
    else:
        result = analyze_cli(source, "-o", tmp_path / "out.jsonl", "--errors", missing / "errors.jsonl")
    line = one_coded_line(result, "E530")
    assert str(missing) in line and "No such file or directory" in line
    assert not (tmp_path / "out.jsonl").exists()


def test_an_output_under_a_file_is_one_line(tmp_path, source):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    line = one_coded_line(analyze_cli(source, "-o", blocker / "out.jsonl"), "E530")
    assert "Not a directory" in line


def test_parquet_to_a_missing_directory_is_one_line(tmp_path, source):
    pytest.importorskip("pyarrow")
    one_coded_line(analyze_cli(source, "-o", tmp_path / "no" / "out.parquet"), "E530")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_device_that_is_full_is_one_line(source):
    line = one_coded_line(analyze_cli(source, "-o", "/dev/full"), "E530")
    assert "No space left on device" in line


def test_an_errors_pipe_is_written_in_place_and_not_resumable(tmp_path, source):
    out = tmp_path / "out.jsonl"
    fifo = tmp_path / "errors.fifo"
    os.mkfifo(fifo)
    received = []

    def read_pipe():
        with open(fifo, "rb") as f:
            received.append(f.read())

    import threading

    reader = threading.Thread(target=read_pipe, daemon=True)
    reader.start()
    result = analyze_cli(source, "-o", out, "--errors", fifo)
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert received and received[0].count(b"\n") == 41  # every error record, through the pipe
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # never renamed over
    assert not os.path.exists(f"{fifo}.partial")
    result = analyze_cli(source, "-o", out, "--errors", fifo, "--resume")
    assert result.exit_code == 2 and "[E505]" in result.stderr


def test_something_else_at_a_side_file_name_is_one_line(tmp_path, source):
    out = tmp_path / "out.jsonl"
    Path(f"{out}.lock").mkdir()
    line = one_coded_line(analyze_cli(source, "-o", out), "E530")
    assert f"{out}.lock" in line and "Is a directory" in line
