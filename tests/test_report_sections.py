"""Report sections that fit the data: segments with tests, filters, FDR, co-occurrence, quotes, relative weights."""

import csv
import html
import io
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import false_discovery_control, ttest_ind

from feedback.config import ReportOptions
from feedback.errors import InputError, OptionsError
from feedback.report import ReportAccumulator, charts, make_report, read_records, render
from feedback.report.drivers import ALPHAS, driver_features, fit_drivers, relative_weights
from feedback.report.quotes import Mention, highlight_spans
from feedback.report.records_in import unescape_entities
from feedback.stats import benjamini_hochberg, proportion_difference, welch_difference

from .report_data import record

# mtcars (Henderson and Velleman 1981, from Motor Trend 1974): mpg, cyl, disp, hp, gear.
MTCARS = """21.0 6 160.0 110 4|21.0 6 160.0 110 4|22.8 4 108.0 93 4|21.4 6 258.0 110 3|18.7 8 360.0 175 3
18.1 6 225.0 105 3|14.3 8 360.0 245 3|24.4 4 146.7 62 4|22.8 4 140.8 95 4|19.2 6 167.6 123 4|17.8 6 167.6 123 4
16.4 8 275.8 180 3|17.3 8 275.8 180 3|15.2 8 275.8 180 3|10.4 8 472.0 205 3|10.4 8 460.0 215 3|14.7 8 440.0 230 3
32.4 4 78.7 66 4|30.4 4 75.7 52 4|33.9 4 71.1 65 4|21.5 4 120.1 97 3|15.5 8 318.0 150 3|15.2 8 304.0 150 3
13.3 8 350.0 245 3|19.2 8 400.0 175 3|27.3 4 79.0 66 4|26.0 4 120.3 91 5|30.4 4 95.1 113 5|15.8 8 351.0 264 5
19.7 6 145.0 175 5|15.0 8 301.0 335 5|21.4 4 121.0 109 4"""


def test_relative_weights_reproduce_the_textbook_mtcars_case():
    """mpg on cyl, disp, hp, gear: the figures the R package rwa (Johnson's method) publishes."""
    rows = np.array([[float(v) for v in row.split()] for row in MTCARS.replace("\n", "|").split("|")])
    assert rows.shape == (32, 5) and rows[:, 0].mean() == pytest.approx(20.090625)
    weights, r2 = relative_weights(rows[:, 1:], rows[:, 0])
    assert weights == pytest.approx([0.2284797, 0.2221469, 0.2321744, 0.0963886], abs=1e-6)
    assert r2 == pytest.approx(0.7791896, abs=1e-6)  # the raw weights add up to the OLS R²
    # Uncorrelated predictors: each weight is the predictor's squared correlation with y.
    rng = np.random.default_rng(3)
    x = np.linalg.qr(rng.normal(size=(200, 3)) - 0)[0]
    x -= x.mean(axis=0)
    x = np.linalg.qr(x)[0]
    y = x @ [3.0, 1.0, 0.0] + rng.normal(size=200) * 0.1
    weights, _ = relative_weights(x, y)
    r = [np.corrcoef(x[:, j], y)[0, 1] ** 2 for j in range(3)]
    assert weights == pytest.approx(r, abs=0.01)


def test_driver_fit_on_distinct_rows_is_scikit_learns_ridgecv():
    """The fit on grouped rows gives RidgeCV's alpha, coefficients, intercept and R² on the comments,
    and the sandwich standard errors computed from the full matrix."""
    from sklearn.linear_model import RidgeCV

    rng = np.random.default_rng(7)
    n, themes = 6000, 6
    sentiment = np.where(rng.random((n, themes)) < 0.25, rng.uniform(-1, 1, (n, themes)), np.nan)
    names, features = driver_features([f"t{j}" for j in range(themes)], sentiment)
    nps = np.clip(np.round(7 + 3 * np.nan_to_num(sentiment[:, 0]) - 2 * (sentiment[:, 1] < -0.05)
                           + rng.normal(0, 2, n)), 0, 10)
    y = 100.0 * (nps >= 9) - 100.0 * (nps <= 6)
    fit = fit_drivers(features, y, names, min_count=10)
    keep = [names.index((d["theme"], d["sentiment"])) for d in fit["drivers"]]
    assert len(keep) == len(names)  # every (theme, polarity) is common enough to be fitted
    x = features[:, keep].astype(float)
    reference = RidgeCV(alphas=ALPHAS).fit(x, y)
    assert fit["alpha"] == reference.alpha_
    assert [d["effect"] for d in fit["drivers"]] == pytest.approx(list(reference.coef_), abs=1e-9)
    assert fit["intercept"] == pytest.approx(reference.intercept_, abs=1e-9)
    assert fit["r2"] == pytest.approx(reference.score(x, y), abs=1e-12)
    gram = x.T @ x - n * np.outer(x.mean(axis=0), x.mean(axis=0))
    inverse = np.linalg.pinv(gram + reference.alpha_ * np.eye(len(keep)))
    residuals = y - reference.predict(x)
    s2 = residuals @ residuals / (n - 1 - np.trace(gram @ inverse))
    se = np.sqrt(np.diag(s2 * inverse @ gram @ inverse))
    half_widths = [(d["ci95"][1] - d["ci95"][0]) / 2 for d in fit["drivers"]]
    assert half_widths == pytest.approx(list(1.959963984540054 * se), rel=1e-9)


def test_benjamini_hochberg_matches_scipy_and_a_hand_example():
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005, None]) == pytest.approx([0.02, 0.04, 0.04, 0.02, None])
    p = list(np.random.default_rng(0).uniform(size=40) ** 3)
    assert benjamini_hochberg(p) == pytest.approx(list(false_discovery_control(p)), abs=1e-12)


def test_welch_and_two_proportion_tests_match_references():
    rng = np.random.default_rng(1)
    a, b = rng.normal(0.2, 1, 50), rng.normal(0, 2, 80)
    diff, p = welch_difference(a, b)
    assert diff == pytest.approx(a.mean() - b.mean())
    assert p == pytest.approx(ttest_ind(a, b, equal_var=False).pvalue, rel=1e-6)
    # 30/100 against 20/100: pooled p 0.25, z = 0.1 / sqrt(0.25 * 0.75 * 0.02) = 1.633, p = 0.1025.
    diff, p = proportion_difference(30, 100, 20, 100)
    assert (diff, p) == (pytest.approx(0.1), pytest.approx(0.1025, abs=1e-4))


def planted_segments():
    """App comments complain about login far more often than the rest; sentiment follows."""
    records = []
    plans = np.random.default_rng(0).choice(["pro", "free"], size=300)
    for i in range(300):
        channel = "app" if i % 3 == 0 else "web" if i % 3 == 1 else "phone"
        login = channel == "app" and i % 2 == 0 or i % 17 == 0
        themes = [("login", -0.6)] if login else [("price", 0.4)] if i % 5 == 0 else []
        records.append(record(f"r{i}", themes, {}, text=f"comment {i} about login and price",
                              compound=-0.6 if login else 0.3, fields={"channel": channel, "plan": str(plans[i])}))
    return records


def test_segments_carry_sentiment_theme_shares_and_tests_against_the_rest():
    report = make_report(planted_segments(), by=("channel", "plan"), min_count=5)
    assert [s["by"] for s in report["segmentations"]] == ["channel", "plan"]
    assert report["segments"] is report["segmentations"][0] or report["segments"] == report["segmentations"][0]
    app = next(g for g in report["segments"]["groups"] if g["segment"] == "app")
    login = app["versus_rest"]["themes"]["login"]
    assert login["value"] > login["rest"] and login["significant"] and login["q"] <= 0.05
    assert app["versus_rest"]["sentiment"]["significant"] and app["sentiment"]["mean"] < report["sentiment"]["mean"]
    assert len(app["sentiment"]["ci95"]) == 2
    # Plan is unrelated to login: nothing there survives the FDR control.
    plan = report["segmentations"][1]
    assert not any(t["significant"] for g in plan["groups"] for t in g["versus_rest"]["themes"].values())
    assert "Benjamini-Hochberg" in plan["tests"]
    text = render(report, "text")
    assert "Segments by channel" in text and "Segments by plan" in text


def test_where_filters_are_anded_and_refuse_bad_input():
    records = planted_segments()
    report = make_report(records, where=("channel=app", "plan!=free"))
    assert report["n_comments"] == sum(1 for r in records if r["fields"]["channel"] == "app"
                                       and r["fields"]["plan"] != "free")
    assert report["n_filtered_out"] == len(records) - report["n_comments"]
    with pytest.raises(OptionsError, match="E540"):
        ReportOptions(where=("channel",))
    with pytest.raises(InputError, match="E303"):
        make_report(records, where=("chanel=app",))
    with pytest.raises(InputError, match="E313"):
        make_report(records, where=("channel=App",))


def test_without_scores_no_empty_score_sections_but_a_sentence_on_how_to_add_them():
    report = make_report(planted_segments(), by="channel", min_count=5)
    assert report["metrics"] == {}
    for fmt in ("text", "md", "html"):
        out = render(report, fmt)
        for heading in ("What moves the scores", "Key drivers", "Drivers of", "Text and score disagree",
                        "high score, complaint"):
            assert heading not in out, (fmt, heading)
        assert "--score" in out
        assert "Themes mentioned together" in out


def test_cooccurring_themes_have_lift_and_fdr():
    records = [record(f"r{i}", [("login", -0.5), ("password", -0.5)] if i % 4 == 0 else
                      [("login", -0.5)] if i % 4 == 1 else [("price", 0.5)] if i % 4 == 2 else [],
                      text=f"login password price {i}") for i in range(200)]
    report = make_report(records, min_count=5)
    pair = next(p for p in report["cooccurrence"]["pairs"] if set(p["themes"]) == {"login", "password"})
    # login in 100 of 200, password in 50, together 50: lift = 50 * 200 / (100 * 50) = 2.
    assert pair["count"] == 50 and pair["lift"] == pytest.approx(2.0) and pair["significant"]


def test_emerging_themes_are_controlled_across_themes_and_say_so():
    records = []
    for i in range(400):
        month = "2025-01-15" if i < 200 else "2025-02-15"
        rising = i >= 200 and i % 4 == 0 or i < 200 and i % 20 == 0
        records.append(record(f"r{i}", [("refund", -0.5)] if rising else [(f"noise{i % 30}", 0.3)],
                              fields={"at": month}, text=f"refund noise{i % 30} {i}"))
    report = make_report(records, period="month", date_column="at", min_count=3)
    emerging = {e["theme"]: e for e in report["periods"]["emerging"]}
    assert emerging["refund"]["emerging"] and emerging["refund"]["q"] <= 0.05
    assert "Benjamini-Hochberg" in report["periods"]["emerging_method"]
    assert all(e["q"] >= e["p"] for e in emerging.values() if e["p"] is not None)
    assert "Benjamini-Hochberg" in render(report, "text")


def test_small_periods_are_marked():
    records = [record(f"r{i}", [("price", -0.5)], fields={"at": "2025-01-10" if i < 3 else "2025-02-10"})
               for i in range(40)]
    report = make_report(records, period="month", date_column="at", min_count=10)
    assert [p["below_min_count"] for p in report["periods"]["series"]] == [True, False]
    assert "fewer than 10 comments" in render(report, "text")


def test_entities_are_decoded_once_with_offsets_moved():
    text = "I can&#39;t get a refund &amp;amp; the app &quot;crashes&quot; at&t"
    rec = record("r1", [("refund", -0.6)], text=text, compound=-0.5)
    decoded = unescape_entities(rec)
    assert decoded["text"] == "I can't get a refund &amp; the app \"crashes\" at&t"
    mention = decoded["themes"][0]
    assert decoded["text"][mention["start"]:mention["end"]] == "refund"
    assert decoded["sentences"][0]["end"] == len(decoded["text"])
    assert unescape_entities(record("r2", text="AT&T and R&D")) is None  # no reference: untouched
    report = make_report([rec], min_count=1)
    assert report["n_entities_decoded"] == 1
    quote = report["quotes"]["refund"]["negative"][0]
    assert "&#39;" not in quote["text"] and quote["text"][slice(*quote["evidence"][0])] == "refund"


def test_highlights_fall_on_word_boundaries_and_model_sentences_are_not_marked():
    text = "They won't refund me."
    start = text.index("n't")
    spans = highlight_spans(text, [Mention(start, text.index(" me"), 0, -0.6, True, None)])
    assert [text[s:e] for s, e, _ in spans] == ["won't refund"]
    assert highlight_spans(text, [Mention(0, len(text), 0, -0.6, False, 0.9)]) == []


def test_quotes_are_deduplicated_and_chosen_from_confident_agreeing_mentions():
    sarcastic = record("s1", [("waiting", -0.7)], {"rating": 1}, text="Oh great, waiting an hour. Just wonderful.",
                       compound=0.9)
    sarcastic["themes"][0]["sentiment"] = 0.9  # the comment's compound puts the mention on the positive side
    plain = [record(f"p{i}", [("waiting", 0.5)], {"rating": 5}, text="No waiting at all, great service.",
                    compound=0.6) for i in range(4)]
    other = record("o1", [("waiting", 0.4)], {"rating": 4}, text="Short waiting time, nice.", compound=0.4)
    quotes = ReportAccumulator().update([sarcastic, *plain, other]).finish().quotes["waiting"]["positive"]
    ids = [q["id"] for q in quotes]
    assert ids[:2] == ["p0", "o1"]  # the duplicate text once; confident quotes first
    assert [q["confident"] for q in quotes[:2]] == [True, True]
    # The sarcastic one (low score, positive-scored text) is only a fallback, marked as not confident.
    assert ids[2:] in ([], ["s1"]) and all(not q["confident"] for q in quotes[2:])


def test_csv_keeps_a_row_per_theme_without_scores_and_segment_tests():
    report = make_report(planted_segments(), by="channel", min_count=5)
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    overall = [r for r in rows if r["segment"] == ""]
    assert {r["theme"] for r in overall} == {t["theme"] for t in report["themes"]} and all(r["score"] == "" for r in overall)
    app_login = next(r for r in rows if r["segment"] == "app" and r["theme"] == "login")
    assert app_login["share_differs"] == "true" and float(app_login["share_rest"]) < float(app_login["share"])


def _label_boxes(svg):
    """(x0, y0, x1, y1) of every <text> label inside the plot (not the axes), about 7 px per character."""
    boxes = []
    for x, y, anchor, _size, text in re.findall(
            r'<text x="([\d.]+)" y="([\d.]+)" text-anchor="(\w+)" font-size="(\d+)"[^>]*>([^<]*)</text>', svg):
        width = 7.0 * len(html.unescape(text))
        x0 = float(x) - (width if anchor == "end" else width / 2 if anchor == "middle" else 0)
        boxes.append((x0, float(y) - 11, x0 + width, float(y) + 3, text))
    return boxes


@pytest.mark.parametrize("n_themes", [5, 9, 14, 24])
def test_scatter_labels_never_overlap(n_themes):
    rng = np.random.default_rng(n_themes)
    # Crowded on purpose: most themes small and lukewarm, as on real data.
    points = [charts.Point(f"theme_number_{i}", float(rng.uniform(0.01, 0.06)), float(rng.uniform(0.1, 0.3)))
              for i in range(n_themes)]
    svg = charts.scatter_chart(points, title="t")
    dots = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="6"', svg)]
    labels = [b for b in _label_boxes(svg) if not b[4].startswith(("share of", "−", "+", "0")) and "%" not in b[4]
              and b[1] < 300]
    assert len(dots) == n_themes
    assert len(labels) == n_themes  # a name or a number per dot
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
        for cx, cy in dots:
            assert not (a[0] < cx + 5 and cx - 5 < a[2] and a[1] < cy + 5 and cy - 5 < a[3]), (a, (cx, cy))
        assert a[0] >= 52, a  # right of the plot's left edge: clear of the sentiment axis's tick labels
    if n_themes > 8:
        assert all(f"theme_number_{i}" in svg for i in range(n_themes))  # the legend names every theme


def test_scatter_label_of_a_dot_at_the_left_edge_stays_in_the_plot():
    """A rare theme's dot near 0%, its right side taken by a neighbour: its label (a name, or a
    number when no name fits) never lands on the sentiment axis's tick labels."""
    svg = charts.scatter_chart([charts.Point("fit", 0.001, 0.2), charts.Point("size", 0.004, 0.2)], title="t")
    labels = [b for b in _label_boxes(svg) if b[4] in ("fit", "size", "1", "2") and b[1] < 300]
    assert len(labels) == 2 and all(b[0] >= 52 for b in labels), labels


def test_scatter_share_axis_ends_at_100_percent_at_most():
    """A theme in 97% of the comments (quality, in real clothing reviews) does not stretch the axis to 150%."""
    svg = charts.scatter_chart([charts.Point("quality", 0.97, 0.3), charts.Point("price", 0.12, -0.2)], title="t")
    ticks = re.findall(r">(\d+)%</text>", svg)
    assert ticks and max(int(t) for t in ticks) == 100


GOLDEN = Path(__file__).parent / "data" / "golden"


def test_real_reviews_with_ratings_quote_nothing_their_score_contradicts():
    """40 real clothing reviews (CC0, tests/data/golden): exemplars agree with the star rating."""
    report = make_report(read_records(str(GOLDEN / "clothing-rules.expected.jsonl")), min_count=2)
    assert "rating" in report["metrics"] and report["drivers"]["scores"]["rating"]
    quotes = [(side, q) for entry in report["quotes"].values() for side in entry for q in entry[side]]
    assert quotes
    for side, q in quotes:
        rating = q["scores"].get("rating")
        if q["confident"]:
            assert not (side == "positive" and rating <= 2) and not (side == "negative" and rating >= 4), q
        for start, end in q["evidence"]:
            assert not (start > 0 and q["text"][start - 1].isalnum()) and not (end < len(q["text"])
                                                                               and q["text"][end].isalnum()), q
    assert "Key drivers" in render(report, "html") and "--score" not in render(report, "text")


def test_real_complaints_without_scores_get_no_empty_score_sections():
    """20 real CFPB narratives (public domain): no scores, so no score sections, and a pointer to --score."""
    report = make_report(read_records(str(GOLDEN / "complaints-rules-redact.expected.jsonl")), min_count=2)
    assert report["metrics"] == {} and report["sentiment"]["n"] == report["n_comments"] - report["n_no_answer"] \
        - report["n_not_english"]
    page = render(report, "html")
    assert "What moves the scores" not in page and "Key drivers" not in page and "Text and score disagree" not in page
    assert "--score" in page and "Volume and sentiment" in page and "Themes mentioned together" in page


def test_chart_marks_carry_their_theme_and_period_escaped():
    """The page's script finds a mark's comments by data-theme / data-period: attribute text, never markup."""
    hostile = 'x"><img src=y onerror=alert(1)>'
    escaped = 'data-theme="x&quot;&gt;&lt;img src=y onerror=alert(1)&gt;"'
    impact = charts.impact_chart([charts.Bar(hostile, 0.5, 0.1, 0.9, False, key=hostile)], title="t", better="higher")
    scatter = charts.scatter_chart([charts.Point(hostile, 0.3, 0.2, key=hostile)], title="t")
    trend = charts.line_chart(["2025-Q1", hostile], [charts.Series(hostile, [0.2, 0.3], key=hostile)], title="t")
    for svg in (impact, scatter, trend):
        assert escaped in svg and "<img" not in svg
    assert trend.count(escaped) == 3  # two points and the legend
    assert 'data-period="x&quot;&gt;&lt;img' in trend and 'data-period="2025-Q1"' in trend
    # Without keys: no data attributes at all.
    assert "data-" not in charts.scatter_chart([charts.Point("price", 0.3, 0.2)], title="t")
