"""The report's baseline: json.loads on every line of a JSONL file (whole process: read, parse, exit).

    python benchmarks/jsonl_baseline.py RECORDS.jsonl

Any reader of analysed records pays at least this, so the ratio against `feedback report` on
the same file is the cost of everything the report does beyond parsing with the standard library.
"""

import json
import sys

n = 0
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if line.strip():
            json.loads(line)
            n += 1
print(n)
