"""Interrupted runs: a killed run leaves no file under the final name, and --resume finishes it
with exactly the records an uninterrupted run writes."""

import json
import os
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
    path = tmp_path_factory.mktemp("resume") / "comments.csv"
    generate(6000, str(path), seed=3)
    # A few rows that become error records, so the errors file is resumed too.
    with open(path, "a", encoding="utf-8") as f:
        f.write('X1,2025-01-01,web,"",9,5\nX2,2025-01-01,web,   ,9,5\n')
    return path


def analyze_cmd(src, out, *extra):
    return [sys.executable, "-m", "feedback", "analyze", str(src), "-o", str(out), "--no-model",
            "--no-progress", "--checkpoint-every", "300", *extra]


@pytest.fixture(scope="module")
def reference(big_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "out.jsonl"
    subprocess.run(analyze_cmd(big_input, out), check=True, capture_output=True)
    return out.read_bytes(), Path(str(out) + ".errors.jsonl").read_bytes()


def interrupt(cmd, checkpoint: Path, sig: int) -> subprocess.CompletedProcess:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if checkpoint.exists() and json.loads(checkpoint.read_text())["rows_done"] >= 900:
            break
        if proc.poll() is not None:
            pytest.fail("the run finished before it could be interrupted")
        time.sleep(0.05)
    proc.send_signal(sig)
    stdout, stderr = proc.communicate(timeout=60)
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM])
def test_resume_after_interruption_gives_identical_output(tmp_path, big_input, reference, sig):
    out = tmp_path / "out.jsonl"
    checkpoint = Path(str(out) + ".checkpoint.json")
    killed = interrupt(analyze_cmd(big_input, out), checkpoint, sig)
    assert killed.returncode != 0
    assert not out.exists()  # never a half file under the final name
    assert Path(str(out) + ".partial").exists()
    if sig != signal.SIGKILL:
        assert b"--resume" in killed.stderr
    done = json.loads(checkpoint.read_text())["rows_done"]
    assert 0 < done < 6002
    resumed = subprocess.run(analyze_cmd(big_input, out, "--resume"), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert "Resuming after row" in resumed.stderr
    assert "Read 6002 rows: 6000 analysed" in resumed.stderr
    records, errors = reference
    assert out.read_bytes() == records
    assert Path(str(out) + ".errors.jsonl").read_bytes() == errors
    assert not checkpoint.exists() and not Path(str(out) + ".partial").exists()


def test_resume_refuses_changed_input_or_missing_checkpoint(tmp_path, big_input):
    out = tmp_path / "out.jsonl"
    result = subprocess.run(analyze_cmd(big_input, out, "--resume"), capture_output=True, text=True)
    assert result.returncode == 1
    assert "Nothing to resume" in result.stderr
    checkpoint = Path(str(out) + ".checkpoint.json")
    interrupt(analyze_cmd(big_input, out), checkpoint, signal.SIGKILL)
    other = tmp_path / "other.csv"
    other.write_bytes(big_input.read_bytes().replace(b"G00000001", b"G99999999"))
    result = subprocess.run(analyze_cmd(other, out, "--resume"), capture_output=True, text=True)
    assert result.returncode == 1
    assert "differ from the interrupted run" in result.stderr


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to find the workers")
def test_a_killed_worker_stops_the_run_with_a_reason_and_resume_finishes_it(tmp_path, big_input, reference):
    out = tmp_path / "out.jsonl"
    checkpoint = Path(str(out) + ".checkpoint.json")
    proc = subprocess.Popen(analyze_cmd(big_input, out, "--workers", "2"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (checkpoint.exists() and _children(proc.pid)):
        assert proc.poll() is None, "the run finished before a worker could be killed"
        time.sleep(0.05)
    os.kill(_children(proc.pid)[0], signal.SIGKILL)  # as the kernel's out-of-memory killer would
    _, stderr = proc.communicate(timeout=60)  # it must stop, not wait for the dead worker
    assert proc.returncode == 1
    assert b"worker process died" in stderr and b"--resume" in stderr
    assert not out.exists()
    subprocess.run(analyze_cmd(big_input, out, "--resume", "--workers", "2"), check=True, capture_output=True)
    assert (out.read_bytes(), Path(str(out) + ".errors.jsonl").read_bytes()) == reference
