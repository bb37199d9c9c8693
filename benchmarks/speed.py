"""Every speed figure of issue 16 (`analyze`, `report`, `discover`), with one command, written to a JSON.

    python benchmarks/speed.py                       # ~10-15 min on 2 idle cores
    python benchmarks/speed.py --million             # also 1M comments for memory (many minutes)
    python benchmarks/speed.py --sections report discover   # only the report and discover figures
    python benchmarks/speed.py --sections train             # `feedback train` on 10k labelled comments
    python benchmarks/speed.py --sections analyze --vs-vader-only --n 20000   # only the ratios to VADER
    python benchmarks/speed.py --n 40000 --scale-n 100000 --json benchmarks/results-speed.json

Whole processes, each ratio measured within one run (this machine is shared: the load average
is printed beside every figure, and timings vary by 10-20% between runs):

- one worker against VADER alone (`vader_baseline.py`: read the CSV, `polarity_scores` per
  comment) on the same texts: N generated comments of realistic length (benchmarks/generate.py),
  with the rules alone and with the shipped model; and the real exports of the shared data when
  present: the 22,641 Women's Clothing reviews, their 19,676 titles (real short answers that
  repeat: 13,993 distinct) and the 2,062 app-review sentences; each row says how many of its
  comments are distinct;
- `--workers 2` against `--workers 1` on SCALE_N generated comments;
- peak memory (RSS of the analysing process) on 10k comments against the largest size run;
- `feedback report` on REPORT_N records (the SCALE_N analysed records repeated; 1M by default)
  and on the first 10k, against json.loads alone on the same file (`jsonl_baseline.py`: the
  least any reader of the records pays), with peak memory for both sizes;
- `feedback train` on TRAIN_N labelled comments (the project's, and clothing reviews whose stars
  give the sentiment), one thread and every core;
- `feedback discover` on DISCOVER_N real-length reviews (the clothing reviews recombined as
  `discover_speed.py` does: each a review with one sentence swapped for another review's),
  analysed first with two workers (timed, not the target), against VADER alone on the same texts.

Each figure is given as wall time and as CPU time (user + system, workers included): on a
shared machine CPU time is the steadier of the two, and for two workers it tells what two free
cores would give.

A ratio to VADER above 1 is faster than VADER alone. Outputs are not compared here: byte
identity for any number of workers is the tests' and `cmp`'s job.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from discover_speed import clothing_corpus  # noqa: E402
from generate import generate  # noqa: E402

DATA = Path(os.environ.get("FEEDBACK_DATA", "/work/shared/data"))
CLOTHING = DATA / "womens-clothing-reviews" / "Womens Clothing E-Commerce Reviews.csv"
# Real exports: (name, CSV path, text column). The review titles are the real short answers
# that repeat ("Love it!" 136 times, "Beautiful" 95): 19,676 titles, 13,993 distinct, as a
# title field comes out of a store's export, nothing added or repeated here.
REAL = [
    ("clothing reviews", CLOTHING, "Review Text"),
    ("clothing review titles", CLOTHING, "Title"),
    ("app-review sentences", DATA / "app-review-feature-sentiment" / "ground_truth.csv", "Sentence content"),
]


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """Run a command; return wall seconds, CPU seconds (user + system, its worker processes
    included) and the peak RSS in MiB of its largest process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode()[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def load() -> float:
    return round(os.getloadavg()[0], 1)


def run(cmd: list[str]) -> dict:
    """A whole-process measurement: wall and CPU seconds, peak MiB, and the load before it."""
    load_before = load()
    seconds, cpu, rss = measure(cmd)
    return {"s": round(seconds, 2), "cpu_s": round(cpu, 2), "rss_mib": round(rss), "load": load_before}


def distinct_texts(path: Path, column: str) -> dict:
    """How many comments a CSV holds in a column, and how many distinct ones: `analyze` does
    the text's work once per distinct comment, so this says how much repetition a figure had."""
    csv.field_size_limit(2**31 - 1)
    with open(path, newline="", encoding="utf-8") as f:
        texts = [text for row in csv.DictReader(f) if (text := (row[column] or "").strip())]
    return {"comments": len(texts), "distinct": len(set(texts))}


def vader(path: str, column: str = "comment") -> dict:
    return run([sys.executable, str(HERE / "vader_baseline.py"), path, column])


def analyze(path: str, out: str, *, workers: int = 1, model: str | None = None, column: str | None = None,
            rules: bool = False) -> dict:
    """One `feedback analyze` run: the shipped model (the default), `model`, or the rules alone."""
    cmd = [sys.executable, "-m", "feedback", "analyze", path, "-o", out, "--workers", str(workers), "--no-progress"]
    if rules:
        cmd += ["--no-model"]
    elif model:
        cmd += ["--model", model]
    if column:
        cmd += ["--text-column", column]
    return run(cmd)


SECTIONS = ("analyze", "report", "discover", "train")


def analyze_section(args: argparse.Namespace, sizes: list[int], tmp: str, results: dict) -> str | None:
    """The `analyze` figures; returns the analysed records of the SCALE_N comments (None with
    --vs-vader-only, which stops after the ratios to VADER)."""
    out = os.path.join(tmp, "out.jsonl")
    records = os.path.join(tmp, "records.jsonl")  # kept for the report figures
    generated = os.path.join(tmp, f"generated_{args.n}.csv")
    generate(args.n, generated)
    rows = []
    base = vader(generated)
    rules = analyze(generated, out, rules=True)
    model = analyze(generated, out, model=args.model)
    rows.append({"data": f"generated, {args.n:,} comments", "n": args.n, "vader": base, "rules": rules,
                 "model": model, **distinct_texts(Path(generated), "comment")})
    _print_vader_row(rows[-1])
    for name, path, column in REAL:
        if not path.exists():
            print(f"{name}: {path} not found, skipped")
            continue
        base = vader(str(path), column)
        rules = analyze(str(path), out, column=column, rules=True)
        model = analyze(str(path), out, column=column, model=args.model)
        rows.append({"data": name, "vader": base, "rules": rules, "model": model, **distinct_texts(path, column)})
        _print_vader_row(rows[-1])
    results["vs_vader"] = rows
    if args.vs_vader_only:
        return None

    scale = os.path.join(tmp, f"generated_{args.scale_n}.csv")
    generate(args.scale_n, scale)
    one = analyze(scale, records, workers=1)
    two = analyze(scale, out, workers=2)
    # On a loaded machine two workers cannot have two cores; the CPU they spend in all tells
    # what two free cores would give: the run's CPU time spread over both.
    ideal = one["cpu_s"] / (two["cpu_s"] / 2)
    results["workers"] = {"n": args.scale_n, "w1": one, "w2": two, "speedup": round(one["s"] / two["s"], 2),
                          "speedup_two_free_cores": round(ideal, 2)}
    print(f"workers, {args.scale_n:,} generated comments, shipped model: 1 worker {one['s']} s (CPU {one['cpu_s']} s, "
          f"load {one['load']}), 2 workers {two['s']} s (CPU {two['cpu_s']} s, load {two['load']}): "
          f"{one['s'] / two['s']:.2f}x wall; {ideal:.2f}x on two free cores (CPU time / 2)", flush=True)

    memory = []
    for n in sizes:
        path = scale if n == args.scale_n else os.path.join(tmp, f"generated_{n}.csv")
        if n != args.scale_n:
            generate(n, path)
        figures = one if n == args.scale_n else analyze(path, out)
        memory.append({"n": n, **figures})
        print(f"memory, {n:,} comments, 1 worker: peak {figures['rss_mib']} MiB ({figures['s']} s, "
              f"load {figures['load']})", flush=True)
        if n != args.scale_n:
            os.remove(path)
    smallest, largest = memory[0], memory[-1]
    growth = largest["rss_mib"] / smallest["rss_mib"] - 1
    results["memory"] = {"runs": memory, "growth": round(growth, 3)}
    print(f"memory, {largest['n']:,} vs {smallest['n']:,} comments: {growth:+.1%}")
    return records


def report_section(records: str, n: int, tmp: str) -> dict:
    """`feedback report` on the first 10k records and on `n` (the file repeated), against
    json.loads alone on the large file."""
    small, large = os.path.join(tmp, "records_10k.jsonl"), os.path.join(tmp, f"records_{n}.jsonl")
    # Streamed, not read into this process: a child starts as a copy of it, and its peak RSS
    # would count a large parent's pages.
    with open(records, "rb") as f, open(small, "wb") as out:
        out.writelines(islice(f, 10_000))
    with open(large, "wb") as out:
        written = 0
        while written < n:
            with open(records, "rb") as f:
                for line in islice(f, n - written):
                    out.write(line)
                    written += 1
    base = run([sys.executable, str(HERE / "jsonl_baseline.py"), large])
    out = os.path.join(tmp, "report.json")
    on_small = run([sys.executable, "-m", "feedback", "report", small, "-o", out])
    on_large = run([sys.executable, "-m", "feedback", "report", large, "-o", out])
    os.remove(large)
    row = {"n": n, "json_loads": base, "report_10k": on_small, "report": on_large,
           "vs_json_loads_wall": round(base["s"] / on_large["s"], 3),
           "vs_json_loads_cpu": round(base["cpu_s"] / on_large["cpu_s"], 3),
           "memory_growth": round(on_large["rss_mib"] / on_small["rss_mib"] - 1, 3)}
    print(f"report, {n:,} records: {on_large['s']} s (CPU {on_large['cpu_s']} s, {on_large['rss_mib']} MiB, load "
          f"{on_large['load']}); json.loads alone {base['s']} s (CPU {base['cpu_s']} s): report = "
          f"{row['vs_json_loads_wall']:.2f}x json.loads (CPU {row['vs_json_loads_cpu']:.2f}x); 10,000 records "
          f"{on_small['s']} s, {on_small['rss_mib']} MiB: memory {row['memory_growth']:+.1%}", flush=True)
    return row


def discover_section(n: int, tmp: str) -> dict | None:
    """`feedback discover` on `n` real-length reviews, against VADER alone on the same texts."""
    source = REAL[0][1]
    if not source.exists():
        print(f"discover: {source} not found, skipped")
        return None
    data, analysed = os.path.join(tmp, f"clothing_{n}.csv"), os.path.join(tmp, f"clothing_{n}.jsonl")
    clothing_corpus(str(source), n, data)
    base = vader(data)
    analysis = run([sys.executable, "-m", "feedback", "analyze", data, "-o", analysed, "--workers", "2",
                    "--no-progress"])
    found = run([sys.executable, "-m", "feedback", "discover", analysed, "-o", os.path.join(tmp, "candidates.toml")])
    row = {"n": n, "data": "clothing reviews, recombined", "vader": base, "analyze_w2": analysis, "discover": found,
           "vs_vader_wall": round(base["s"] / found["s"], 3), "vs_vader_cpu": round(base["cpu_s"] / found["cpu_s"], 3)}
    print(f"discover, {n:,} real-length reviews: {found['s']} s (CPU {found['cpu_s']} s, {found['rss_mib']} MiB, "
          f"load {found['load']}); VADER alone {base['s']} s (CPU {base['cpu_s']} s): discover = "
          f"{row['vs_vader_wall']:.2f}x VADER (CPU {row['vs_vader_cpu']:.2f}x); analysing them first, 2 workers: "
          f"{analysis['s']} s (CPU {analysis['cpu_s']} s)", flush=True)
    return row


def train_section(n: int, tmp: str) -> dict | None:
    """`feedback train` on `n` labelled comments: the project's 3,200 theme-labelled ones
    (training/) and real clothing reviews whose stars give the sentiment, with one thread and
    with every core (--jobs 0), and adapting the shipped model with them (--base default)."""
    if not CLOTHING.exists():
        print(f"train: {CLOTHING} not found, skipped")
        return None
    import random

    path = os.path.join(tmp, "labelled.jsonl")
    project = [line for f in sorted((HERE.parent / "training").glob("cx_train_*.jsonl"))
               for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    csv.field_size_limit(2**31 - 1)
    with open(CLOTHING, newline="", encoding="utf-8") as f:
        reviews = [r for r in csv.DictReader(f) if (r["Review Text"] or "").strip()]
    random.Random(0).shuffle(reviews)
    with open(path, "w", encoding="utf-8") as out:
        for line in project[:n]:
            out.write(line + "\n")
        for r in reviews[:max(0, n - len(project))]:
            stars = int(r["Rating"])
            sentiment = "negative" if stars <= 2 else "neutral" if stars == 3 else "positive"
            out.write(json.dumps({"text": r["Review Text"], "sentiment": sentiment}) + "\n")
    row: dict = {"n": n, "data": "project comments (themes) + clothing reviews (stars as sentiment)"}
    for jobs in (1, 0):
        row[f"jobs_{jobs}"] = run([sys.executable, "-m", "feedback", "train", path, "-o",
                                   os.path.join(tmp, f"model_{jobs}"), "--jobs", str(jobs)])
    row["adapt"] = run([sys.executable, "-m", "feedback", "train", path, "--base", "default", "-o",
                        os.path.join(tmp, "adapted")])
    print(f"train, {n:,} labelled comments: {row['jobs_1']['s']} s with one thread (CPU {row['jobs_1']['cpu_s']} s, "
          f"{row['jobs_1']['rss_mib']} MiB, load {row['jobs_1']['load']}); {row['jobs_0']['s']} s with --jobs 0 "
          f"(CPU {row['jobs_0']['cpu_s']} s, load {row['jobs_0']['load']}); adapting the shipped model "
          f"(--base default): {row['adapt']['s']} s (CPU {row['adapt']['cpu_s']} s, {row['adapt']['rss_mib']} MiB, "
          f"load {row['adapt']['load']})", flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40000, help="Generated comments for the VADER ratio.")
    parser.add_argument("--scale-n", type=int, default=100000, help="Generated comments for 2 vs 1 worker.")
    parser.add_argument("--memory-sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--million", action="store_true", help="Add 1,000,000 to the memory sizes.")
    parser.add_argument("--model", default="default", help="The model for the 'shipped model' rows.")
    parser.add_argument("--report-n", type=int, default=1_000_000, help="Records for the report figure.")
    parser.add_argument("--discover-n", type=int, default=100_000, help="Real-length reviews for discover.")
    parser.add_argument("--train-n", type=int, default=10_000, help="Labelled comments for the train figure.")
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS))
    parser.add_argument("--vs-vader-only", action="store_true",
                        help="Of the analyze figures, only the ratios to VADER (not workers, not memory).")
    parser.add_argument("--json", default=str(HERE / "results-speed.json"))
    args = parser.parse_args()
    sizes = sorted(set(args.memory_sizes + ([1_000_000] if args.million else [])))
    results: dict = {}
    if (set(args.sections) != set(SECTIONS) or args.vs_vader_only) and Path(args.json).exists():
        # Some sections only: the others' figures stay as the file has them (each says its load).
        results = json.loads(Path(args.json).read_text())
    results["meta"] = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                       "load_at_start": load()}
    with tempfile.TemporaryDirectory() as tmp:
        records = None
        if "analyze" in args.sections:
            records = analyze_section(args, sizes, tmp, results)
        if "report" in args.sections:
            if records is None:
                records = os.path.join(tmp, "records.jsonl")
                scale = os.path.join(tmp, f"generated_{args.scale_n}.csv")
                generate(args.scale_n, scale)
                run([sys.executable, "-m", "feedback", "analyze", scale, "-o", records, "--workers", "2", "--no-progress"])
            results["report"] = report_section(records, args.report_n, tmp)
        if "discover" in args.sections:
            results["discover"] = discover_section(args.discover_n, tmp)
        if "train" in args.sections:
            results["train"] = train_section(args.train_n, tmp)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.json}")


def _print_vader_row(row: dict) -> None:
    v = row["vader"]
    parts = [f"{row['data']} ({row['comments']:,} comments, {row['distinct']:,} distinct): VADER alone {v['s']} s "
             f"(CPU {v['cpu_s']} s, load {v['load']})"]
    for kind in ("rules", "model"):
        r = row[kind]
        parts.append(f"analyze {kind} {r['s']} s = {v['s'] / r['s']:.2f}x VADER (CPU {r['cpu_s']} s = "
                     f"{v['cpu_s'] / r['cpu_s']:.2f}x; load {r['load']}, {r['rss_mib']} MiB)")
    print("; ".join(parts), flush=True)


if __name__ == "__main__":
    main()
