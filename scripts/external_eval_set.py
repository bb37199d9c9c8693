"""Rebuild the external evaluation sets: hand labels kept in the repository, texts read from copies you supply.

    python scripts/external_eval_set.py --data DIR -o OUT.jsonl [--set dev|test|all]

`evaluation/external/labels.jsonl` holds 850 hand labels (themes with polarity, overall
sentiment) of comments from public datasets whose licenses do not let this repository ship
their text: reviews of US mortgage lenders (`BankReviews.xlsx`, 505 reviews with stars), Amazon
Echo reviews (`amazon_alexa.tsv`, 3,150 reviews with stars), posts to six US airlines (Twitter
US Airline Sentiment, `Tweets.csv`, CC BY-NC-SA 4.0), Google Play reviews of a ride-hailing app
(`uber_reviews_without_reviewid.csv`, 12,000 with stars), hotel review titles (Datafiniti,
`Datafiniti_Hotel_Reviews.csv`, 10,000 with ratings) and titles of complaints about a broadband
provider filed with the US regulator (`Comcast_telecom_complaints_data.csv`, 2,224) and Google
Play reviews of a music-streaming app (`spotify_reviews.csv`, 199 with stars). Each label
names its comment by a hash of the normalised text, so any copy of those files works. Put them
anywhere under DIR (a source whose file is missing is left out, with a warning); OUT is then in
the format of `evaluation/real_labelled.jsonl`, for `python benchmarks/real_labelled.py
--labelled OUT`. Evaluation only: nothing is trained on it.

`evaluation/external/labels_2.jsonl` (set `dev2`, 2026-12-08) adds 110 labels of two more kinds:
Google Play reviews of a video-streaming app (`netflix_reviews.csv`, 5,997 with stars) and
reviews of a British airline from airlinequality.com (`BA_reviews.csv`, 3,531, whose "Trip
Verified |" prefix is not part of the text). Set `dev3` adds 60 reviews of restaurants in
Hyderabad from Zomato (`Restaurant reviews.csv`, 10,000 with ratings; an Excel-for-Mac export
with CR line ends and bytes that are not UTF-8, read as Windows-1252). Set `dev4` adds 120
fresh comments of the three kinds the blind half reads worst (40 each of airline posts,
ride-hailing and Echo reviews), none of them among the first 850; `dev5` 60 more airline posts,
30 hotel review titles and 30 broadband complaint titles.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
import sys
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
LABELS = (ROOT / "evaluation" / "external" / "labels.jsonl", ROOT / "evaluation" / "external" / "labels_2.jsonl")
# source -> (file name, how to read its texts)
FILES = {"bank-reviews": "BankReviews.xlsx", "alexa-echo-reviews": "amazon_alexa.tsv",
         "airline-posts": "Tweets.csv", "ride-hailing-app-reviews": "uber_reviews_without_reviewid.csv",
         "hotel-review-titles": "Datafiniti_Hotel_Reviews.csv",
         "telecom-complaint-titles": "Comcast_telecom_complaints_data.csv",
         "music-app-reviews": "spotify_reviews.csv", "streaming-app-reviews": "netflix_reviews.csv",
         "airline-reviews": "BA_reviews.csv", "restaurant-reviews": "Restaurant reviews.csv"}
# source -> (delimiter, text column) for the CSV and TSV files
COLUMNS = {"alexa-echo-reviews": ("\t", "verified_reviews"), "airline-posts": (",", "text"),
           "ride-hailing-app-reviews": (",", "content"), "hotel-review-titles": (",", "reviews"),
           "telecom-complaint-titles": ("\t", "Customer Complaint"), "music-app-reviews": (",", "Review"),
           "streaming-app-reviews": (",", "content"), "airline-reviews": (",", "reviews"),
           "restaurant-reviews": (",", "Review")}
# airlinequality.com reviews open with whether the trip was verified: a site's tag, not the text.
VERIFIED = re.compile(r"^\s*(?:✅\s*)?(?:Trip Verified|Not Verified|Verified Review)\s*\|\s*")


def text_key(text: str) -> str:
    """The key of a comment: the first 16 hex digits of SHA-1 over its whitespace-normalised,
    lower-cased text (stable across copies that differ in line endings or spacing)."""
    return hashlib.sha1(" ".join(text.split()).lower().encode("utf-8")).hexdigest()[:16]


def texts(source: str, path: Path) -> Iterator[str]:
    if source == "bank-reviews":
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
        column = [str(c).strip().lower() for c in rows[0]].index("reviews")
        yield from (str(row[column]) for row in rows[1:] if row[column])
    else:
        delimiter, column = COLUMNS[source]
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
        with io.StringIO(text, newline="") as f:
            for row in csv.DictReader(f, delimiter=delimiter):
                if row.get(column):
                    yield VERIFIED.sub("", row[column]) if source == "airline-reviews" else row[column]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="A folder holding the three files (searched recursively).")
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--set", choices=["dev", "test", "dev2", "dev3", "dev4", "dev5", "all"], default="all",
                        help="dev: the 433 the taxonomy fixes were found on; test: the 417 kept blind; dev2: the 110 "
                             "streaming-app and airline reviews of taxonomy 1.11.0; dev3: the 60 restaurant reviews of 1.11.1; "
                             "dev4: the 120 airline posts, ride-hailing and Echo reviews of 1.11.2; dev5: the 120 airline "
                             "posts, hotel and broadband complaint titles of 1.11.3 (default: all).")
    args = parser.parse_args()
    labels = [json.loads(line) for path in LABELS for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    labels = [label for label in labels if args.set in ("all", label["set"])]
    found: dict[str, str] = {}
    for source, name in FILES.items():
        paths = sorted(args.data.rglob(name))
        if not paths:
            print(f"warning: no {name} under {args.data}: the {source} labels are left out", file=sys.stderr)
            labels = [label for label in labels if label["source"] != source]
            continue
        for text in texts(source, paths[0]):
            found.setdefault(text_key(text), text.strip())
    if not labels:
        print(f"error: none of the labelled sources' files is under {args.data}", file=sys.stderr)
        return 1
    missing = [label["key"] for label in labels if label["key"] not in found]
    if missing:
        print(f"error: {len(missing)} labelled comments are not in these copies (first: {missing[0]})", file=sys.stderr)
        return 1
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        for label in labels:
            f.write(json.dumps({"id": label["id"], "text": found[label["key"]], "themes": label["themes"],
                                "sentiment": label["sentiment"], "source": label["source"], "set": label["set"]},
                               ensure_ascii=False) + "\n")
    tmp.replace(args.output)
    print(f"Wrote {len(labels)} labelled comments to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
