"""Kill a run again and again with SIGKILL, `--resume` it each time, and check the result.

An export of N generated comments is analysed once without interruption (the reference), then
again with `--workers`, killed with SIGKILL at random moments K times (while it starts, while its
workers are busy, around checkpoints) and resumed after each kill; the final output and errors
file must be byte-identical to the reference, no worker may outlive its killed parent, and no
resume may be refused (a kill before the first checkpoint leaves nothing to resume: the loop then
starts afresh, as a user would). A run that completes before its kill is checked against the
reference too, and the loop starts over until it has killed K runs.

    python scripts/kill_resume_loop.py --rows 20000 --kills 20 --workers 2 [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
from generate import generate  # noqa: E402


def analyze_cmd(src: Path, out: Path, args: argparse.Namespace, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "feedback", "analyze", str(src), "-o", str(out), "--no-progress",
           "--checkpoint-every", str(args.checkpoint_every), *extra]
    return cmd + (["--no-model"] if args.no_model else [])


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def rows_checkpointed(out: Path) -> int | None:
    try:
        return int(json.loads(Path(f"{out}.checkpoint.json").read_text())["rows_done"])
    except (OSError, ValueError, KeyError):
        return None


def same_as_reference(out: Path, ref: Path) -> bool:
    return (out.read_bytes() == ref.read_bytes()
            and Path(f"{out}.errors.jsonl").read_bytes() == Path(f"{ref}.errors.jsonl").read_bytes())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--checkpoint-every", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-model", action="store_true", help="rules only (faster)")
    parser.add_argument("--json", help="write the figures to this file too")
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="kill-resume-") as tmp:
        src, ref, out = Path(tmp) / "comments.csv", Path(tmp) / "reference.jsonl", Path(tmp) / "out.jsonl"
        generate(args.rows, str(src), seed=args.seed)
        with open(src, "a", encoding="utf-8") as f:  # some error records too
            f.writelines(f'E{i},2025-01-01,web,"",9,5\n' for i in range(25))
        started = time.monotonic()
        subprocess.run(analyze_cmd(src, ref, args, "--workers", str(args.workers)), check=True, capture_output=True)
        reference_seconds = time.monotonic() - started

        kills: list[dict[str, object]] = []
        orphans = refusals = fresh_starts = completed = 0
        mismatches = 0
        started = time.monotonic()
        while len(kills) < args.kills:
            resume = rows_checkpointed(out) is not None
            fresh_starts += not resume
            cmd = analyze_cmd(src, out, args, "--workers", str(args.workers), *(["--resume"] if resume else []))
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            delay = rng.uniform(0.2, max(1.0, reference_seconds * 0.6))
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
            workers = children(proc.pid)
            if proc.poll() is not None:  # finished before its kill: check it, then start over
                _, stderr = proc.communicate()
                if proc.returncode != 0:
                    refusals += 1
                    print(f"the run ended with {proc.returncode}: {stderr.decode()[-300:]}")
                completed += 1
                mismatches += not same_as_reference(out, ref)
                print(f"run completed before its kill ({'resumed' if resume else 'fresh'}); "
                      f"{'identical' if same_as_reference(out, ref) else 'DIFFERENT'}; starting over", flush=True)
                out.unlink()
                Path(f"{out}.errors.jsonl").unlink(missing_ok=True)
                continue
            proc.kill()
            proc.wait()
            time.sleep(1.0)
            left = [pid for pid in workers if alive(pid)]
            orphans += len(left)
            kills.append({"delay_s": round(delay, 2), "resumed": resume, "workers_seen": len(workers),
                          "workers_left": len(left), "rows_checkpointed": rows_checkpointed(out)})
            print(f"kill {len(kills)}: after {delay:.1f} s, {'resumed' if resume else 'fresh'} run; "
                  f"checkpoint at {rows_checkpointed(out)} rows; {len(workers)} workers, {len(left)} left alive",
                  flush=True)
        resume = rows_checkpointed(out) is not None
        final = subprocess.run(analyze_cmd(src, out, args, "--workers", str(args.workers),
                                           *(["--resume"] if resume else [])), capture_output=True, text=True)
        total_seconds = time.monotonic() - started
        identical = final.returncode == 0 and same_as_reference(out, ref) and not mismatches
        figures = {
            "rows": args.rows + 25, "workers": args.workers, "checkpoint_every": args.checkpoint_every,
            "model": not args.no_model, "seed": args.seed, "kills": len(kills),
            "kills_while_workers_ran": sum(1 for k in kills if k["workers_seen"]),
            "fresh_starts": fresh_starts, "runs_completed_between_kills": completed,
            "resumes_refused": refusals, "workers_left_alive": orphans,
            "final_exit": final.returncode, "final_resumed": resume, "byte_identical": identical,
            "reference_seconds": round(reference_seconds, 1), "loop_seconds": round(total_seconds, 1),
            "kill_log": kills,
        }
        if final.returncode != 0:
            print(final.stderr[-500:])
    print(json.dumps({k: v for k, v in figures.items() if k != "kill_log"}, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if identical and not orphans and not refusals else 1


if __name__ == "__main__":
    raise SystemExit(main())
