"""The hand-labelled real evaluation set (evaluation/) is complete, consistent and readable."""

import json
import subprocess
import sys
from pathlib import Path

from feedback.io.labelled import read_labelled

ROOT = Path(__file__).parent.parent
EVAL = ROOT / "evaluation"
THEMES = {"speed", "price", "personalization", "convenience", "customer_service", "automation",
          "proactive_service", "channels", "quality"}


def test_the_set_has_400_labelled_real_comments_from_four_sources():
    items = [json.loads(line) for line in (EVAL / "real_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == len({i["id"] for i in items}) == 400
    assert {i["source"] for i in items} == {"womens-clothing-reviews", "cfpb-complaints",
                                            "app-review-feature-sentiment", "sentiment-labelled-sentences"}
    for item in items:
        assert item["sentiment"] in {"positive", "neutral", "negative"}
        assert set(item["themes"]) <= THEMES and set(item["themes"].values()) <= {"positive", "neutral", "negative"}
    assert len(read_labelled(str(EVAL / "real_labelled.jsonl"))) == 400


def test_labels_match_the_sample_and_the_agreement_script_runs():
    sample = [json.loads(line)["text"] for line in (EVAL / "real_sample.jsonl").read_text(encoding="utf-8").splitlines()]
    merged = [json.loads(line)["text"] for line in (EVAL / "real_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sample == merged
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "annotation_agreement.py"),
                             str(EVAL / "labels_a.jsonl"), str(EVAL / "labels_b.jsonl")],
                            capture_output=True, text=True, check=True)
    agreement = json.loads(result.stdout)
    assert agreement["n"] == 120 and agreement["sentiment"]["kappa"] > 0.8


def test_the_external_labels_name_their_comments_and_rebuild_from_copies(tmp_path):
    """evaluation/external/labels.jsonl: 433 dev and 417 test labels, no texts; the script joins
    them to the texts of copies it is given, by a hash that ignores case and spacing."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from external_eval_set import text_key

    labels = [json.loads(line) for line in (EVAL / "external" / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert (sum(label["set"] == "dev" for label in labels), sum(label["set"] == "test" for label in labels)) == (433, 417)
    assert {label["source"] for label in labels} == {"bank-reviews", "alexa-echo-reviews", "airline-posts",
                                                     "ride-hailing-app-reviews", "hotel-review-titles",
                                                     "telecom-complaint-titles", "music-app-reviews"}
    for label in labels:
        assert "text" not in label and len(label["key"]) == 16
        assert label["sentiment"] in {"positive", "neutral", "negative"}
        assert set(label["themes"]) <= THEMES and set(label["themes"].values()) <= {"positive", "neutral", "negative"}
    assert text_key("Great  service,\nthank you!") == text_key("great service, thank you!")
    assert text_key("Great service") != text_key("Great service!")
    # Without any of the files, the script names what is missing and exits non-zero.
    script = [sys.executable, str(ROOT / "scripts" / "external_eval_set.py"), "--data", str(tmp_path)]
    result = subprocess.run([*script, "-o", str(tmp_path / "out.jsonl")], capture_output=True, text=True)
    assert result.returncode == 1 and "BankReviews.xlsx" in result.stderr and not (tmp_path / "out.jsonl").exists()
    # With one source's file, the other sources are left out with a warning, and labelled
    # comments not in that copy are counted and the run fails rather than scoring fewer.
    complaints = [label for label in labels if label["source"] == "telecom-complaint-titles"]
    assert len(complaints) == 50
    with open(tmp_path / "Comcast_telecom_complaints_data.csv", "w", encoding="utf-8", newline="") as f:
        f.write("Ticket #\tCustomer Complaint\r\n1\tA title nobody labelled\r\n")
    result = subprocess.run([*script, "-o", str(tmp_path / "out.jsonl"), "--set", "test"], capture_output=True, text=True)
    assert "warning: no BankReviews.xlsx" in result.stderr and "Comcast_telecom" not in result.stderr
    test_complaints = [label for label in complaints if label["set"] == "test"]
    assert result.returncode == 1 and f"{len(test_complaints)} labelled comments are not in these copies" in result.stderr


def test_the_support_posts_are_labelled_real_requests_with_their_license():
    """evaluation/support_posts_labelled.jsonl: 100 customers' first messages to support accounts
    (IBM's Twitter customer care set, Apache 2.0, so the texts are shipped), labelled by the guideline."""
    items = [json.loads(line) for line in (EVAL / "support_posts_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) == len({i["id"] for i in items}) == 100
    assert {i["set"] for i in items} == {"dev", "test"}
    for item in items:
        assert item["source"] == "ibm-twitter-customer-care" and item["text"].strip()
        assert item["sentiment"] in {"positive", "neutral", "negative"}
        assert set(item["themes"]) <= THEMES and set(item["themes"].values()) <= {"positive", "neutral", "negative"}
    assert len(read_labelled(str(EVAL / "support_posts_labelled.jsonl"))) == 100
    assert "Apache" in (EVAL / "README.md").read_text(encoding="utf-8")


def test_the_second_round_of_labels_names_new_kinds_of_comment(tmp_path):
    """Taxonomy 1.11's dev2-dev5 rounds: 410 labels of streaming-app, airline and restaurant
    reviews, and fresh airline posts, ride-hailing and Echo reviews, hotel and broadband complaint
    titles, keyed by text hash (their texts are not shipped; the script rebuilds them from copies,
    stripping the review site's "Trip Verified |" tag) and 110 more support requests with their
    texts (Apache 2.0), none of them in the first 100 or in the training requests."""
    sys.path.insert(0, str(ROOT / "scripts"))
    from external_eval_set import text_key

    labels = [json.loads(line) for line in (EVAL / "external" / "labels_2.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(labels) == len({label["key"] for label in labels}) == 410
    assert {label["source"] for label in labels} == {"streaming-app-reviews", "airline-reviews", "restaurant-reviews",
                                                     "airline-posts", "ride-hailing-app-reviews", "alexa-echo-reviews",
                                                     "hotel-review-titles", "telecom-complaint-titles"}
    assert {label["set"] for label in labels} == {"dev2", "dev3", "dev4", "dev5"}
    # dev4's and dev5's comments are new: none is among the first 850 labels.
    first = {json.loads(line)["key"] for line in (EVAL / "external" / "labels.jsonl").read_text(encoding="utf-8").splitlines()}
    assert not first & {label["key"] for label in labels}
    for label in labels:
        assert set(label["themes"]) <= THEMES and label["sentiment"] in {"positive", "neutral", "negative"}
    review = "A smooth flight and the crew were lovely."
    with open(tmp_path / "BA_reviews.csv", "w", encoding="utf-8", newline="") as f:
        f.write(f',reviews\n0,"✅ Trip Verified |  {review}"\n')
    out = tmp_path / "out.jsonl"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "external_eval_set.py"), "--data", str(tmp_path),
                             "-o", str(out), "--set", "dev2"], capture_output=True, text=True)
    # The one copied review is no labelled one: the run names the 50 it cannot find and fails.
    assert result.returncode == 1 and "50 labelled comments are not in these copies" in result.stderr
    assert text_key(review) != text_key(f"✅ Trip Verified |  {review}")
    support = [json.loads(line) for line in (EVAL / "support_posts_labelled_2.jsonl").read_text(encoding="utf-8").splitlines()]
    first = {json.loads(line)["text"] for line in (EVAL / "support_posts_labelled.jsonl").read_text(encoding="utf-8").splitlines()}
    trained = {json.loads(line)["text"] for line in (ROOT / "training" / "real" / "support_draw.jsonl").read_text(encoding="utf-8").splitlines()}
    assert len(support) == len({i["id"] for i in support}) == 110
    assert not ({i["text"] for i in support} & (first | trained))
    assert len(read_labelled(str(EVAL / "support_posts_labelled_2.jsonl"))) == 110
