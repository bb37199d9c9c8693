"""The baseline: VADER alone scoring the same comments (whole process: read CSV, score, exit).

Scores each comment's text in one polarity_scores call, the way VADER is usually run, and writes
nothing, so the ratio against `feedback analyze` is the full cost of everything else we do.
"""

import csv
import sys

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

csv.field_size_limit(2**31 - 1)
analyzer = SentimentIntensityAnalyzer()
total = 0.0
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        total += analyzer.polarity_scores(row["comment"])["compound"]
print(f"{total:.3f}")
