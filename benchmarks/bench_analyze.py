"""Benchmark `feedback analyze` against VADER alone, whole processes, measured in the same run.

    python benchmarks/bench_analyze.py                 # 20k comments, workers 1 and 2
    python benchmarks/bench_analyze.py --sizes 10000 100000 --workers 1 2 --json out.json

For each size it generates comments (benchmarks/generate.py), then times, as separate processes:
VADER alone on the same texts, and `feedback analyze` (read, clean, sentences, sentiment, themes,
scores, JSON writing). It prints comments per second, the ratio to VADER, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402


def measure(cmd: list[str]) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MiB of it and its children)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    children = usage.ru_maxrss
    return elapsed, children / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--json", help="Write the figures to this JSON file.")
    parser.add_argument("--model", help="Also pass --model DIR to analyze.")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            data = os.path.join(tmp, f"comments_{n}.csv")
            generate(n, data)
            vader_s, vader_rss = measure([sys.executable, str(HERE / "vader_baseline.py"), data])
            row = {"n": n, "vader_s": round(vader_s, 2), "vader_per_s": round(n / vader_s), "vader_rss_mib": round(vader_rss)}
            for w in args.workers:
                cmd = [sys.executable, "-m", "feedback", "analyze", data, "-o", os.path.join(tmp, "out.jsonl"),
                       "--workers", str(w), "--no-progress"]
                if args.model:
                    cmd += ["--model", args.model]
                secs, rss = measure(cmd)
                row[f"analyze_w{w}_s"] = round(secs, 2)
                row[f"analyze_w{w}_per_s"] = round(n / secs)
                row[f"analyze_w{w}_vs_vader"] = round(vader_s / secs, 3)
                row[f"analyze_w{w}_rss_mib"] = round(rss)
            results.append(row)
            print(_table_row(row, args.workers), flush=True)
    if args.json:
        meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count()}
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2))


def _table_row(row: dict, workers: list[int]) -> str:
    parts = [f"n={row['n']:>8}", f"VADER alone {row['vader_per_s']:>6}/s ({row['vader_s']}s, {row['vader_rss_mib']} MiB)"]
    for w in workers:
        parts.append(
            f"analyze w={w}: {row[f'analyze_w{w}_per_s']:>6}/s ({row[f'analyze_w{w}_s']}s) "
            f"= {row[f'analyze_w{w}_vs_vader']:.2f}x VADER, {row[f'analyze_w{w}_rss_mib']} MiB"
        )
    return " | ".join(parts)


if __name__ == "__main__":
    main()
