"""Benchmark `feedback discover` on 100k comments, whole processes, against VADER alone in the same run.

    python benchmarks/discover_speed.py                       # 100k generated comments
    python benchmarks/discover_speed.py --clothing "../shared/data/womens-clothing-reviews/Womens Clothing E-Commerce Reviews.csv" \
        --raw --json discover-speed.json

Corpora: `generated` (benchmarks/generate.py: the example's survey sentences recombined, 1-4 per
comment) and, with --clothing, `clothing` (real reviews, CC0: each comment a review drawn with a
seed, one of its sentences swapped for a sentence of another review, so that 100k comments keep
real length and vocabulary without repeating 23k lines). Each is analysed first (`feedback
analyze --workers 2`, timed but not the target), then timed as separate processes: VADER alone
on the same texts (the baseline), `feedback discover` on the analysed JSONL (the target: under
20 s on 100k, issue 16) and, with --raw, `feedback discover` on the raw CSV (analysis included).

For each it prints wall seconds, CPU seconds (user + sys of the process and its children: on a
machine shared with other jobs the wall time also measures the wait for a core, the CPU time
only the work), the ratio of VADER's time to it (as bench_analyze.py: 0.5 means twice VADER's
time), and peak RSS. --json writes the figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from generate import generate  # noqa: E402

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def measure(cmd: list[str]) -> dict[str, float]:
    """Run a command; return its wall seconds, CPU seconds (user + sys) and peak RSS in MiB."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "rss_mib": round(usage.ru_maxrss / 1024)}


def clothing_corpus(source: str, n: int, path: str, seed: int = 0) -> None:
    """`n` comments from the clothing reviews: a review drawn with a seed, one of its sentences
    (when it has two or more) swapped for a sentence of another review."""
    with open(source, newline="", encoding="utf-8") as f:
        reviews = [(r["Review Text"] or "").strip() for r in csv.DictReader(f)]
    reviews = [_SENTENCE_END.split(text) for text in reviews if text]
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["response_id", "comment"])
        for i in range(1, n + 1):
            sentences = list(rng.choice(reviews))
            if len(sentences) > 1:
                sentences[rng.randrange(len(sentences))] = rng.choice(rng.choice(reviews))
            writer.writerow([f"C{i:08d}", " ".join(sentences)])


def bench(name: str, data: str, n: int, tmp: str, raw: bool) -> dict[str, object]:
    feedback = [sys.executable, "-m", "feedback"]
    analysed = os.path.join(tmp, f"{name}.jsonl")
    row: dict[str, object] = {"corpus": name, "n": n}
    row["vader"] = measure([sys.executable, str(HERE / "vader_baseline.py"), data])
    row["analyze_w2"] = measure([*feedback, "analyze", data, "-o", analysed, "--workers", "2", "--no-progress"])
    row["discover"] = measure([*feedback, "discover", analysed, "-o", os.path.join(tmp, "c.toml")])
    if raw:
        row["discover_raw_w2"] = measure([*feedback, "discover", data, "-o", os.path.join(tmp, "c.toml"),
                                          "--workers", "2"])
    vader = row["vader"]
    assert isinstance(vader, dict)
    for key, figures in row.items():
        if isinstance(figures, dict) and key != "vader":
            figures["vs_vader_wall"] = round(vader["wall_s"] / figures["wall_s"], 3)
            figures["vs_vader_cpu"] = round(vader["cpu_s"] / figures["cpu_s"], 3)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--clothing", help="The clothing reviews CSV: also benchmark real review text.")
    parser.add_argument("--no-generated", action="store_true", help="Only the clothing corpus.")
    parser.add_argument("--raw", action="store_true", help="Also time discover on the raw CSV (analysis included).")
    parser.add_argument("--json", help="Write the figures to this JSON file.")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        corpora = []
        if not args.no_generated:
            generated = os.path.join(tmp, "generated.csv")
            generate(args.n, generated)
            corpora.append(("generated", generated))
        if args.clothing:
            clothing = os.path.join(tmp, "clothing.csv")
            clothing_corpus(args.clothing, args.n, clothing)
            corpora.append(("clothing", clothing))
        for name, data in corpora:
            row = bench(name, data, args.n, tmp, args.raw)
            results.append(row)
            print(_describe(row), flush=True)
    if args.json:
        meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                "load_average": os.getloadavg()}
        Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")


def _describe(row: dict[str, object]) -> str:
    lines = [f"{row['corpus']} ({row['n']:,} comments):"]
    for key, figures in row.items():
        if isinstance(figures, dict):
            ratio = f", {figures['vs_vader_wall']:.2f}x VADER (CPU {figures['vs_vader_cpu']:.2f}x)" if key != "vader" else ""
            lines.append(f"  {key:<16} {figures['wall_s']:>7.2f} s wall, {figures['cpu_s']:>7.2f} s CPU, "
                         f"{figures['rss_mib']:>4} MiB{ratio}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
