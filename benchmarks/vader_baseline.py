"""The baseline: VADER alone scoring the same comments (whole process: read CSV, score, exit).

    python benchmarks/vader_baseline.py EXPORT.csv [TEXT_COLUMN]   # default column: comment

Scores each comment's text in one polarity_scores call, the way VADER is usually run, and writes
nothing, so the ratio against `feedback analyze` is the full cost of everything else we do.
"""

import csv
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

csv.field_size_limit(2**31 - 1)
column = sys.argv[2] if len(sys.argv) > 2 else "comment"
analyzer = SentimentIntensityAnalyzer()
total = 0.0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        total += analyzer.polarity_scores(row[column] or "")["compound"]
print(f"{total:.3f}")
