"""Size and speed of the interactive HTML report for 10k and 100k comments.

    python benchmarks/report_html_size.py ANALYZED.jsonl [--sizes 10000,100000] [--by FIELD]
                                          [--max-comments 20000,100000] [--browser]

ANALYZED.jsonl is `feedback analyze` output on real comments (e.g. the 22,641 women's clothing
reviews). A size larger than the file repeats its records, ids suffixed (`#2`, `#3`, ...): the
text stays real, the volume is what is measured. For each size and --max-comments it runs
`feedback report -o report.html` as a whole process (imports included), and prints the page's
size, the embedded data's share of it, and the wall time beside the same run with
`--max-comments 0` (the static page), measured in the same run. With --browser it opens each page
in headless Chromium (/usr/bin/chromium) and times the load until the explorer is drawn and one
filter change.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write_records(source: Path, n: int, target: Path) -> None:
    """The first n records of source, repeating it (ids suffixed) when it is shorter."""
    lines = [line for line in source.read_text(encoding="utf-8").splitlines() if line.strip()]
    with target.open("w", encoding="utf-8") as out:
        for i, line in zip(range(n), itertools.cycle(lines)):
            record = json.loads(line)
            copy = i // len(lines)
            if copy:
                record["id"] = f"{record['id']}#{copy + 1}"
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def run_report(records: Path, out: Path, by: str | None, max_comments: int) -> float:
    command = [sys.executable, "-m", "feedback", "report", str(records), "-o", str(out),
               "--max-comments", str(max_comments)] + (["--by", by] if by else [])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def browser_times(page_path: Path, theme: str) -> tuple[float, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        start = time.perf_counter()
        page.goto(page_path.as_uri())
        page.wait_for_selector("#explore[data-ready]", timeout=120_000)
        load = time.perf_counter() - start
        start = time.perf_counter()
        page.evaluate(f"location.hash = 'theme={theme}&comments=1'")
        page.wait_for_selector("#explore-comment-list", timeout=120_000)
        filtered = time.perf_counter() - start
        browser.close()
    return load, filtered


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--max-comments", default="20000,100000")
    parser.add_argument("--by", default=None)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    print("| comments | --max-comments | embedded | page | data | report time | static page, time | "
          + ("load in Chromium | filter + open comments |" if args.browser else ""))
    print("|---:|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if args.browser else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.sizes.split(",")):
            records = Path(tmp) / f"records-{n}.jsonl"
            write_records(args.records, n, records)
            static = Path(tmp) / "static.html"
            static_time = run_report(records, static, args.by, 0)
            for limit in (int(x) for x in args.max_comments.split(",")):
                if limit > n and limit != int(args.max_comments.split(",")[0]):
                    continue
                page = Path(tmp) / f"report-{n}-{limit}.html"
                seconds = run_report(records, page, args.by, limit)
                html = page.read_text(encoding="utf-8")
                data = re.search(r'<script type="application/json" id="feedback-data">(.*?)</script>', html, re.S)
                embedded = json.loads(data.group(1)) if data else {"n": 0, "themes": []}
                row = (f"| {n:,} | {limit:,} | {embedded['n']:,} | {len(html.encode()) / 1e6:.1f} MB | "
                       f"{len(data.group(1).encode()) / 1e6 if data else 0:.1f} MB | {seconds:.1f} s | "
                       f"{static.stat().st_size / 1e6:.2f} MB, {static_time:.1f} s |")
                if args.browser and embedded["themes"]:
                    load, filtered = browser_times(page, embedded["themes"][0])
                    row += f" {load:.1f} s | {filtered:.2f} s |"
                print(row, flush=True)


if __name__ == "__main__":
    main()
