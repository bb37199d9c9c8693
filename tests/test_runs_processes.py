"""Runs as real processes meet them: killed, run twice at once, with their workers orphaned, in a
directory they cannot write, past a file size limit. One coded line each, and no lost row."""

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402


@pytest.fixture(scope="module")
def big_input(tmp_path_factory):
    path = tmp_path_factory.mktemp("procs") / "comments.csv"
    generate(4000, str(path), seed=11)
    with open(path, "a", encoding="utf-8") as f:
        f.write('X1,2025-01-01,web,"",9,5\n')
    return path


def analyze_cmd(src, out, *extra):
    return [sys.executable, "-m", "feedback", "analyze", str(src), "-o", str(out), "--no-model",
            "--no-progress", "--checkpoint-every", "200", *extra]


@pytest.fixture(scope="module")
def reference(big_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    subprocess.run(analyze_cmd(big_input, out), check=True, capture_output=True)
    return out.read_bytes(), Path(f"{out}.errors.jsonl").read_bytes()


def published(out):
    return out.read_bytes(), Path(f"{out}.errors.jsonl").read_bytes()


def rows_checkpointed(out) -> int:
    try:
        return json.loads(Path(f"{out}.checkpoint.json").read_text())["rows_done"]
    except (OSError, ValueError):
        return 0


def wait_for(condition, proc, timeout=120):
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, "the run ended before the moment the test waits for"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def error_lines(stderr: str) -> list[str]:
    assert "Traceback" not in stderr, stderr
    return [line for line in stderr.splitlines() if line.startswith("Error:")]


def test_the_issue_scenario_resume_refuses_instead_of_publishing_a_short_file(tmp_path, big_input, reference):
    out = tmp_path / "out.jsonl"
    first = subprocess.Popen(analyze_cmd(big_input, out), stderr=subprocess.DEVNULL)
    wait_for(lambda: rows_checkpointed(out) >= 1000, first)
    first.kill()
    first.wait()
    # Started again without --resume, and killed before its first checkpoint.
    second = subprocess.Popen(analyze_cmd(big_input, out), stderr=subprocess.PIPE, text=True)
    assert second.stderr is not None
    assert second.stderr.readline().startswith("Reading")  # said once its outputs are open
    second.kill()
    second.wait()
    resumed = subprocess.run(analyze_cmd(big_input, out, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 1
    [line] = error_lines(resumed.stderr)
    assert "[E510]" in line  # the restart removed the first run's checkpoint: nothing to resume
    assert not out.exists()
    # And a fresh run still gives the whole output.
    subprocess.run(analyze_cmd(big_input, out), check=True, capture_output=True)
    assert published(out) == reference


def test_a_second_run_on_the_same_output_is_refused_and_the_first_finishes(tmp_path, big_input, reference):
    out = tmp_path / "out.jsonl"
    first = subprocess.Popen(analyze_cmd(big_input, out), stderr=subprocess.PIPE, text=True)
    wait_for(lambda: rows_checkpointed(out) >= 200, first)
    first.send_signal(signal.SIGSTOP)  # still writing, as long as the test needs
    try:
        for extra in ((), ("--resume",)):
            second = subprocess.run(analyze_cmd(big_input, out, *extra), capture_output=True, text=True,
                                    timeout=120)
            assert second.returncode == 1
            [line] = error_lines(second.stderr)
            assert "[E529]" in line
    finally:
        first.send_signal(signal.SIGCONT)
    _, stderr = first.communicate(timeout=300)
    assert first.returncode == 0, stderr
    assert published(out) == reference
    assert not Path(f"{out}.lock").exists()


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped has let go of everything: it counts as dead)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
@pytest.mark.parametrize("when", ["busy", "starting"])
def test_workers_die_with_a_parent_killed_by_sigkill(tmp_path, big_input, when):
    out = tmp_path / "out.jsonl"
    parent = subprocess.Popen(analyze_cmd(big_input, out, "--workers", "2"), stderr=subprocess.DEVNULL)
    if when == "busy":
        wait_for(lambda: rows_checkpointed(out) >= 200 and len(_children(parent.pid)) == 2, parent)
    else:
        wait_for(lambda: len(_children(parent.pid)) == 2, parent)
    workers = _children(parent.pid)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in workers if _alive(pid)], "workers outlived their parent"


def _without_root_privileges() -> list[str]:
    """A command prefix under which the permission bits of a directory hold (root ignores them)."""
    if os.geteuid() != 0:
        return []
    if not shutil.which("setpriv"):
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def test_an_unwritable_output_directory_is_one_line(tmp_path, big_input):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        result = subprocess.run(_without_root_privileges() + analyze_cmd(big_input, locked / "out.jsonl"),
                                capture_output=True, text=True)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1
    [line] = error_lines(result.stderr)
    assert "[E530]" in line and "Permission denied" in line and str(locked) in line
    assert not list(locked.iterdir())


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash for ulimit")
def test_a_file_size_limit_stops_with_one_line_and_a_resumable_state(tmp_path, big_input, reference):
    out = tmp_path / "out.jsonl"
    cmd = " ".join(map(shlex.quote, analyze_cmd(big_input, out, "--checkpoint-every", "20")))
    limited = subprocess.run(["bash", "-c", f"ulimit -f 200; exec {cmd}"], capture_output=True, text=True)
    assert limited.returncode == 1
    [line] = error_lines(limited.stderr)
    assert "[E531]" in line and "File too large" in line and "--resume" in line
    assert not out.exists()
    done = rows_checkpointed(out)
    assert done > 0
    resumed = subprocess.run(analyze_cmd(big_input, out, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming after row {done}" in resumed.stderr
    assert published(out) == reference


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash for ulimit")
def test_a_file_size_limit_before_any_checkpoint_is_one_line(tmp_path, big_input):
    out = tmp_path / "out.jsonl"
    cmd = " ".join(map(shlex.quote, analyze_cmd(big_input, out, "--checkpoint-every", "100000")))
    limited = subprocess.run(["bash", "-c", f"ulimit -f 20; exec {cmd}"], capture_output=True, text=True)
    assert limited.returncode == 1
    [line] = error_lines(limited.stderr)
    assert "[E530]" in line and "File too large" in line
    assert not out.exists()


def test_sigxfsz_does_not_kill_a_run_that_writes_to_stdout(tmp_path, big_input):
    out = tmp_path / "stdout.jsonl"
    cmd = [sys.executable, "-m", "feedback", "analyze", str(big_input), "--no-model", "--no-progress"]
    line = " ".join(map(shlex.quote, cmd))
    limited = subprocess.run(["bash", "-c", f"ulimit -f 20; exec {line} > {shlex.quote(str(out))}"],
                             capture_output=True, text=True)
    assert limited.returncode == 1  # not killed by SIGXFSZ (-25)
    [message] = error_lines(limited.stderr)
    assert "[E530]" in message and "File too large" in message


def test_ctrl_c_to_the_whole_process_group_with_workers_is_one_line(tmp_path, big_input, reference):
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(analyze_cmd(big_input, out, "--workers", "2"), stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own group, as a terminal's foreground job is
    wait_for(lambda: rows_checkpointed(out) >= 200, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C does: every process of the group gets it
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert error_lines(stderr) == [line for line in stderr.splitlines() if line.strip()][-1:]
    assert "[E506]" in stderr
    subprocess.run(analyze_cmd(big_input, out, "--resume", "--workers", "2"), check=True, capture_output=True)
    assert published(out) == reference
