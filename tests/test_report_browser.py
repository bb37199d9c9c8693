"""The interactive HTML report in a real headless Chromium, on real comments.

Three reports: 40 women's clothing reviews (CC0, tests/data/golden, with star ratings and a
department) plus two hostile comments; 300 more of those reviews (tests/data/report), for charts
with enough comments per theme; and 60 CFPB complaint narratives from 2015-2020 (US public
domain, tests/data/report, with dates and a product). Every figure the page computes (tables,
redrawn charts) is compared with the JSON report `feedback report --where ...` writes for the
same filter, or with a computation here from the records; each drill-down's list of ids with the
records; every page is checked for console errors, CSP violations and requests.
"""

import json
import time
import statistics
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.config import ReportOptions
from feedback.report import make_report
from feedback.report.dates import parse_date, period_label, period_start
from feedback.report.interactive import CommentSample
from feedback.report.render_html import render_html

pytestmark = pytest.mark.slow

DATA = Path(__file__).parent / "data"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
DEPARTMENT = "Department Name"
SCRIPT_END = "</script><script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
HOSTILE_ID = 'H-1"><b>'


def hostile_records(template):
    """Two comments whose text, id and department try to break out of the page's JSON and markup."""
    text = f"The fabric {SCRIPT_END} is awful {IMG} <!-- and the price is far too high"
    mentions = [{**template["themes"][0], "theme": "quality/build", "parent": "quality", "sentiment": -0.6,
                 "label": "negative", "evidence": "fabric", "start": text.index("fabric"),
                 "end": text.index("fabric") + 6, "sentence": 0},
                {**template["themes"][0], "theme": "price", "parent": "price", "sentiment": -0.5,
                 "label": "negative", "evidence": "price", "start": text.index("price"),
                 "end": text.index("price") + 5, "sentence": 0}]
    base = {**template, "text": text, "sentences": [{"text": text, "start": 0, "end": len(text), "compound": -0.6}],
            "sentiment": {"compound": -0.6, "label": "negative"}, "themes": mentions}
    return [{**base, "id": HOSTILE_ID, "scores": {"rating": 1}, "fields": {DEPARTMENT: IMG}},
            {**base, "id": "H-2", "scores": {"rating": 2}, "fields": {DEPARTMENT: "Dresses"}}]


@pytest.fixture(scope="module")
def clothing():
    records = [json.loads(line) for line in
               (DATA / "golden" / "clothing-rules.expected.jsonl").read_text(encoding="utf-8").splitlines()]
    records += hostile_records(records[0])
    options = ReportOptions(by=DEPARTMENT)
    sample = CommentSample(options)
    report = make_report(sample.tap(records), options)
    return records, report, render_html(report, comments=sample)


@pytest.fixture(scope="module")
def complaints(tmp_path_factory):
    from feedback.cli import cli

    out = tmp_path_factory.mktemp("cfpb") / "analyzed.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(DATA / "report" / "cfpb_2015_2020_sample.csv"), "--text-column",
                                      "narrative", "--id-column", "complaint_id", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    options = ReportOptions(by="product", period="quarter", date_column="date_received")
    sample = CommentSample(options)
    report = make_report(sample.tap(records), options)
    return records, report, render_html(report, comments=sample)


def cli_report(records, tmp_path, *args):
    """`feedback report` on these records, as a file: the JSON report, or with `-o X.html` the page."""
    from feedback.cli import cli

    path = tmp_path / "records.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / ("report.html" if "html" in args else "report.json")
    args = tuple(a for a in args if a != "html")
    result = CliRunner().invoke(cli, ["report", str(path), "-o", str(out), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    return text if out.suffix == ".html" else json.loads(text)


CLOTHING_300 = ("--by", "department", "--min-count", "5")


@pytest.fixture(scope="module")
def clothing_300(tmp_path_factory):
    """300 real clothing reviews with star ratings and a department: the records and the page."""
    from feedback.cli import cli

    folder = tmp_path_factory.mktemp("clothing300")
    out = folder / "analyzed.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(DATA / "report" / "clothing_300_sample.csv"), "--text-column",
                                      "text", "--id-column", "review_id", "--score", "rating=rating", "-o", str(out)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return records, cli_report(records, folder, *CLOTHING_300, "html")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Loaded:
    """A page opened from a file, recording console messages, page errors and requests."""

    def __init__(self, browser, html, tmp_path, hash_="", *, wait=True):
        path = tmp_path / "report.html"
        path.write_text(html, encoding="utf-8")
        self.file = path.as_uri()
        self.page = browser.new_page(viewport={"width": 1100, "height": 1300})
        self.messages, self.errors, self.requests = [], [], []
        self.page.on("console", lambda m: self.messages.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.file + hash_)
        if wait:
            self.page.wait_for_selector("#explore[data-ready]", timeout=10_000)

    def assert_clean(self):
        # A CSP violation, a blocked script or a Trusted Types error is logged to the console.
        assert [m for m in self.messages if m[0] in ("error", "warning")] == [] and self.errors == []
        assert {url.split("#")[0] for url in self.requests} == {self.file}  # nothing but the file itself
        assert self.page.evaluate("typeof window.__pwned") == "undefined"

    def themes(self):
        """The page's theme table: theme -> {count, share, sentiment, ...} as the cells' data-value."""
        return self.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#explore-themes tr[data-theme]')]
            .map(tr => [tr.dataset.theme, Object.fromEntries([...tr.querySelectorAll('td[data-key]')]
                .map(td => [td.dataset.key, td.dataset.value === undefined ? null : Number(td.dataset.value)]))]))""")

    def summary(self):
        return self.page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('#explore-summary span')]
            .map(s => [s.dataset.key, s.dataset.value === undefined ? null : Number(s.dataset.value)]))""")

    def comment_ids(self, timeout=5.0):
        """The ids of the comments listed, once the list has drawn (a click sets the URL first and
        draws the list after it: polled from Python, as `wait_for_hash` explains)."""
        deadline = time.monotonic() + timeout
        while True:
            ids = self.page.evaluate("() => [...document.querySelectorAll('#explore-comment-list blockquote')]"
                                     ".map(b => b.dataset.id)")
            if ids or time.monotonic() > deadline:
                return ids
            self.page.wait_for_timeout(25)

    def marks(self, selector, *keys):
        """Per mark of a chart (e.g. "#explore-trend-chart circle"): its data-* values, numbers as numbers."""
        return self.page.evaluate("""([selector, keys]) => [...document.querySelectorAll(selector)].map(node =>
            Object.fromEntries(keys.map(k => [k, node.dataset[k] === undefined ? null
                : isNaN(Number(node.dataset[k])) ? node.dataset[k] : Number(node.dataset[k])])))""", [selector, list(keys)])

    def hash(self):
        return self.page.evaluate("() => decodeURIComponent(location.hash)")

    def wait_for_hash(self, part, timeout=10.0):
        """Wait until the URL's hash holds `part`. Polled from Python: Playwright's
        wait_for_function would evaluate a string inside the page, which the page's CSP forbids."""
        deadline = time.monotonic() + timeout
        while part not in self.page.evaluate("() => location.hash"):
            assert time.monotonic() < deadline, f"no {part!r} in the URL's hash"
            self.page.wait_for_timeout(25)


@pytest.fixture
def load(browser, tmp_path):
    opened = []

    def open_page(html, hash_="", *, wait=True):
        opened.append(Loaded(browser, html, tmp_path, hash_, wait=wait))
        return opened[-1]

    yield open_page
    for loaded in opened:
        loaded.page.close()


# --- the figures, computed here from the records -----------------------------------------------


def select(records, *, column=None, segment=None, theme=None, sentiment=None, date_column=None, period=None):
    """The records a filter keeps, in input order."""
    out = []
    for r in records:
        if column and (r["fields"].get(column) or "(missing)") != segment:
            continue
        if theme and theme not in {m["parent"] for m in r["themes"]}:
            continue
        if sentiment and (r.get("skipped") or r["sentiment"]["label"] != sentiment):
            continue
        if period:
            day = parse_date(r["fields"].get(date_column))
            if day is None or period_label(period_start(day, "quarter"), "quarter") != period:
                continue
        out.append(r)
    return out


def theme_figures(records, kind=None):
    """Per top-level theme: count, share, mean sentiment, shares negative/positive, mean score."""
    per = {}
    for r in records:
        grouped = {}
        for m in r["themes"]:
            grouped.setdefault(m["parent"], []).append(m["sentiment"])
        for theme, values in grouped.items():
            per.setdefault(theme, []).append((sum(values) / len(values), r["scores"].get(kind)))
    out = {}
    for theme, rows in per.items():
        sentiments = [s for s, _ in rows]
        scores = [v for _, v in rows if v is not None]
        out[theme] = {"count": len(rows), "share": len(rows) / len(records), "sentiment": statistics.mean(sentiments),
                      "share_negative": sum(s <= -0.05 for s in sentiments) / len(rows),
                      "share_positive": sum(s >= 0.05 for s in sentiments) / len(rows)}
        if kind:
            out[theme]["score_" + kind] = statistics.mean(scores) if scores else None
    return out


def report_figures(themes, kind=None):
    """The same figures from a JSON report's theme list (overall, a segment's or a period's)."""
    out = {}
    for t in themes:
        out[t["theme"]] = {k: t[k] for k in ("count", "share", "sentiment", "share_negative", "share_positive")
                           if k in t}
        if kind:
            out[t["theme"]]["score_" + kind] = t["scores"][kind]["value"]
    return out


def assert_same(page_figures, expected):
    assert set(page_figures) == set(expected)
    for theme, figures in expected.items():
        for key, value in figures.items():
            assert page_figures[theme][key] == pytest.approx(value, abs=2e-4), (theme, key)


# --- scenarios -----------------------------------------------------------------------------------


@needs_chromium
def test_unfiltered_page_matches_the_json_report(clothing, load):
    records, report, html = clothing
    page = load(html)
    page.assert_clean()
    assert_same(page.themes(), report_figures(report["themes"], "rating"))
    assert_same(page.themes(), theme_figures(records, "rating"))
    summary = page.summary()
    assert summary["n"] == report["n_comments"] == 42
    assert summary["score_rating"] == pytest.approx(report["overall"]["rating"]["value"], abs=1e-4)
    assert page.page.locator("#explore-comment-list").count() == 0  # comments open on demand
    assert page.page.locator("script").count() == 2  # the data block and the page's script; nothing injected


@needs_chromium
def test_subthemes_at_depth_2_match_the_json_report(clothing, load):
    records = clothing[0]
    options = ReportOptions(by=DEPARTMENT, depth=2)
    sample = CommentSample(options)
    report = make_report(sample.tap(records), options)
    page = load(render_html(report, comments=sample), "#theme=quality")
    page.assert_clean()
    assert any("/" in theme for theme in page.themes())
    group = [r for r in records if any(m["parent"] == "quality" for m in r["themes"])]
    assert page.summary()["n"] == len(group)
    # Under the theme filter, every row is computed over the comments that mention quality.
    full = make_report(group, ReportOptions(depth=2))
    assert_same(page.themes(), report_figures(full["themes"], "rating"))


@needs_chromium
def test_segment_filter_from_the_url_matches_the_report_segment(clothing, load):
    records, report, html = clothing
    page = load(html, "#segment=Dresses")
    page.assert_clean()
    group = next(g for g in report["segments"]["groups"] if g["segment"] == "Dresses")
    assert page.summary()["n"] == group["n_comments"]
    assert page.summary()["score_rating"] == pytest.approx(group["overall"]["rating"]["value"], abs=1e-4)
    assert_same(page.themes(), report_figures(group["themes"], "rating"))
    # The segment table compares Dresses with its siblings: every department, Dresses marked.
    rows = page.page.locator("#explore-segments tr[data-segment]")
    expected = {g["segment"]: g["n_comments"] for g in report["segments"]["groups"]}
    shown = {rows.nth(i).get_attribute("data-segment"): int(rows.nth(i).locator("td[data-key=count]").inner_text())
             for i in range(rows.count())}
    assert shown == expected
    assert page.page.locator("#explore-segments tr.selected").get_attribute("data-segment") == "Dresses"
    assert page.page.locator("select[data-filter='segment.Department Name']").input_value() == "Dresses"


@needs_chromium
def test_combined_filter_and_drill_down_list_exactly_the_right_comments(clothing, load):
    records, _, html = clothing
    page = load(html, "#segment=Dresses&theme=quality&sentiment=positive&comments=1")
    page.assert_clean()
    kept = select(records, column=DEPARTMENT, segment="Dresses", theme="quality", sentiment="positive")
    assert len(kept) >= 3
    assert page.comment_ids() == [r["id"] for r in kept]
    assert page.summary()["n"] == len(kept)
    assert_same(page.themes(), theme_figures(kept, "rating"))
    # Each comment's evidence for the theme is marked, and only that.
    for r in kept:
        marks = page.page.locator(f"#explore-comment-list blockquote[data-id='{r['id']}'] mark").all_inner_texts()
        assert sorted(marks) == sorted(r["text"][m["start"]:m["end"]] for m in r["themes"]
                                       if m["parent"] == "quality" and m["evidence"])


@needs_chromium
def test_clicking_a_theme_row_bar_or_static_row_opens_its_comments_and_the_url_keeps_it(clothing, load):
    records, report, html = clothing
    page = load(html)
    theme = report["themes"][0]["theme"]
    expected = [r["id"] for r in select(records, theme=theme)]
    page.page.locator(f"#explore-themes tr[data-theme='{theme}']").click()
    page.page.wait_for_selector("#explore-comment-list")
    assert page.hash() == f"#theme={theme}&comments=1"
    assert page.comment_ids() == expected
    page.page.locator("#explore-reset").click()
    page.page.locator("#explore-show").click()  # hide
    assert page.hash() == "#" or page.hash() == ""
    # A bar of the chart.
    page.page.locator(f"#explore-bars g[data-theme='{theme}'] rect").first.click()
    page.page.wait_for_selector("#explore-comment-list")
    assert page.comment_ids() == expected
    # A row of the static theme table further down the page, and a segment row.
    page.page.goto(page.file + "#")
    # The Themes table (segment tables above it may name the theme in a cell too).
    static_row = page.page.locator("xpath=//main/h2[normalize-space()='Themes']/following-sibling::table[1]"
                                   "//tr[contains(@class, 'drill')]").filter(has_text=theme).first
    static_row.click()
    page.wait_for_hash(f"theme={theme}")
    assert page.comment_ids() == expected
    # A theme's label in a static chart (impact on rating, volume x sentiment).
    page.page.goto(page.file + "#")
    page.page.locator("main figure svg text.drill", has_text=theme).first.click()
    page.wait_for_hash(f"theme={theme}")
    assert page.comment_ids() == expected
    # A row of the static segment table.
    page.page.goto(page.file + "#")
    page.page.locator("main > h2 ~ table tr.drill", has_text="Intimate").first.click()
    page.wait_for_hash("Intimate")
    assert page.comment_ids() == [r["id"] for r in select(records, column=DEPARTMENT, segment="Intimate")]
    page.page.goto(page.file + f"#theme={theme}")
    page.page.locator("#explore-segments tr[data-segment='Tops']").click()
    page.wait_for_hash("Tops")
    assert page.comment_ids() == [r["id"] for r in select(records, column=DEPARTMENT, segment="Tops", theme=theme)]
    # A select changes the hash and the figures.
    page.page.locator("select[data-filter='sentiment']").select_option("negative")
    page.wait_for_hash("sentiment=negative")
    kept = select(records, column=DEPARTMENT, segment="Tops", theme=theme, sentiment="negative")
    assert page.summary()["n"] == len(kept) and page.comment_ids() == [r["id"] for r in kept]
    page.assert_clean()


@needs_chromium
def test_hostile_comment_text_stays_inert_text(clothing, load):
    _, _, html = clothing
    assert html.count("</script>") == 2  # the data block's and the script's own: the comment's is escaped
    page = load(html, "#theme=price&comments=1")
    page.assert_clean()
    quote = page.page.locator(f"#explore-comment-list blockquote[data-id='{HOSTILE_ID}']")
    text = quote.locator(".text").text_content()
    assert SCRIPT_END in text and IMG in text and "<!--" in text
    assert quote.locator("mark").all_inner_texts() == ["price"]
    assert page.page.locator("img").count() == 0 and page.page.locator("b").count() == 0
    # Drill-down labels built from the hostile department are attribute text, not markup.
    assert page.page.locator(f"main > table tr[aria-label='Comments in {IMG}']").count() >= 1
    assert page.page.locator("script").count() == 2
    # The hostile department is an option of the filter, as text.
    options = page.page.locator("select[data-filter='segment.Department Name'] option").all_text_contents()
    assert IMG in options
    page.page.locator("select[data-filter='segment.Department Name']").select_option(IMG)
    page.wait_for_hash("segment.")
    assert page.comment_ids() == [HOSTILE_ID]
    page.assert_clean()


@needs_chromium
def test_period_filter_matches_the_report_period(complaints, load):
    records, report, html = complaints
    series = [p for p in report["periods"]["series"] if p["n_comments"]]
    busiest = max(series, key=lambda p: p["n_comments"])
    page = load(html, f"#period={busiest['period']}&comments=1")
    page.assert_clean()
    assert page.summary()["n"] == busiest["n_comments"]
    expected = {theme: {k: v[k] for k in ("count", "share", "sentiment")} for theme, v in busiest["themes"].items()
                if "/" not in theme}
    assert_same({t: {k: v[k] for k in ("count", "share", "sentiment")} for t, v in page.themes().items()}, expected)
    kept = select(records, date_column="date_received", period=busiest["period"])
    assert page.comment_ids() == [r["id"] for r in kept]
    # Period and product together, against a computation from the records.
    product = "Credit reporting, credit repair services, or other personal consumer reports"
    page.page.locator("select[data-filter='segment.product']").select_option(product)
    page.wait_for_hash("segment.product")
    kept = select(records, column="product", segment=product, date_column="date_received", period=busiest["period"])
    assert page.comment_ids() == [r["id"] for r in kept]
    assert_same(page.themes(), theme_figures(kept))
    page.assert_clean()


@needs_chromium
def test_a_script_that_is_not_the_hashed_one_is_blocked(clothing, load):
    """The CSP is enforced, not decorative: add one statement to the script and it does not run."""
    _, _, html = clothing
    tampered = html.replace('"use strict";', '"use strict"; window.__pwned = 3;', 1)
    assert tampered != html
    page = load(tampered, wait=False)
    page.page.wait_for_load_state("load")
    assert page.page.evaluate("typeof window.__pwned") == "undefined"
    assert page.page.locator("#explore").is_hidden()  # the static report is still there, without the explorer
    assert any(kind == "error" and "Content Security Policy" in text for kind, text in page.messages)


@needs_chromium
def test_print_hides_the_controls_and_keeps_the_static_report(clothing, load):
    _, _, html = clothing
    page = load(html, "#theme=quality")
    page.page.emulate_media(media="print")
    assert not page.page.locator("#explore-controls").is_visible()
    assert page.page.locator("#explore-themes").is_visible()  # a filtered view prints with its figures
    assert page.page.locator("#explore-scatter-chart").is_visible() and page.page.locator("#explore-bars").is_visible()
    assert page.page.locator("h2", has_text="Themes").first.is_visible()
    page.page.goto(page.file + "#")
    page.page.emulate_media(media="print")
    assert not page.page.locator("#explore").is_visible()  # unfiltered, the static tables say it all


# --- charts redrawn from the filtered comments, and their drill-down -----------------------------


def visible_top(report):
    """Top-level themes the report shows (at least its min count), in its order."""
    return [t for t in report["themes"] if t["level"] == 1 and not t["below_min_count"]]


def wait_for_count(page, n, timeout=10.0):
    """Wait until the page has redrawn for a filter with `n` comments (it draws after the URL changes)."""
    deadline = time.monotonic() + timeout
    while page.summary().get("n") != n:
        assert time.monotonic() < deadline, f"the page did not redraw to {n} comments"
        page.page.wait_for_timeout(25)


def check_impact_and_scatter(page, report, kind="rating"):
    """The page's redrawn impact bars and volume x sentiment dots against a JSON report (--no-fdr)."""
    expected = [t for t in report["themes"] if not t["below_min_count"] and t["scores"][kind]["impact"] is not None]
    bars = page.marks(f"#explore-impact-{kind} g[data-theme]", "theme", "value", "low", "high", "count")
    assert [b["theme"] for b in bars] == [t["theme"] for t in expected] and bars
    uncertain = page.page.evaluate(f"""() => [...document.querySelectorAll('#explore-impact-{kind} g[data-theme] rect')]
        .map(r => r.getAttribute('fill-opacity') === '0.35')""")
    for bar, t, pale in zip(bars, expected, uncertain):
        s = t["scores"][kind]
        assert bar["value"] == pytest.approx(s["impact"], abs=2e-4), t["theme"]
        assert [bar["low"], bar["high"]] == pytest.approx(s["impact_ci95"], abs=2e-4), t["theme"]
        assert bar["count"] == report["overall"][kind]["n"]
        assert pale == s["impact_uncertain"], t["theme"]  # without FDR control: the interval includes 0
    dots = page.marks("#explore-scatter-chart circle[data-theme]", "theme", "x", "y", "count")
    assert {d["theme"]: [d["x"], d["y"], d["count"]] for d in dots} == {
        t["theme"]: [pytest.approx(t["share"], abs=2e-4), pytest.approx(t["sentiment"], abs=2e-4), t["count"]]
        for t in visible_top(report)}


def check_trend(page, report):
    """The page's redrawn trend points (share per period of the 6 biggest themes) against a JSON report."""
    lines = [t["theme"] for t in visible_top(report)][:6]
    assert lines
    points = page.marks("#explore-trend-chart circle[data-theme]", "theme", "period", "value", "n", "count")
    hollow = page.page.evaluate("""() => [...document.querySelectorAll('#explore-trend-chart circle[data-theme]')]
        .map(c => c.getAttribute('fill') === '#fff')""")
    shown = {(p["theme"], p["period"]): [p["value"], p["n"], h] for p, h in zip(points, hollow)}
    expected = {(theme, p["period"]): [pytest.approx(p["themes"].get(theme, {}).get("share", 0.0), abs=2e-4),
                                       p["n_comments"], p["below_min_count"]]
                for p in report["periods"]["series"] if p["n_comments"] for theme in lines}
    assert shown == expected


def no_overlap(page, chart):
    """The boxes of a scatter's labels, as drawn, overlap no other label and no dot."""
    boxes = page.page.evaluate("""(chart) => {
        const box = n => { const b = n.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
        return { labels: [...document.querySelectorAll(chart + ' text[data-label]')].map(box),
                 dots: [...document.querySelectorAll(chart + ' circle[data-theme]')].map(box) }; }""", chart)
    labels, dots = boxes["labels"], boxes["dots"]
    assert len(labels) == len(dots) > 0

    def overlap(a, b, slack=0.5):
        return a[0] + slack < b[2] and b[0] + slack < a[2] and a[1] + slack < b[3] and b[1] + slack < a[3]

    for i, a in enumerate(labels):
        assert not any(overlap(a, b) for b in labels[i + 1:] + dots), (i, a)


@needs_chromium
def test_filtered_impact_and_scatter_match_the_json_report_for_the_same_filter(clothing_300, load, tmp_path):
    records, html = clothing_300
    page = load(html)
    full = cli_report(records, tmp_path, *CLOTHING_300, "--no-fdr")
    check_impact_and_scatter(page, full)
    no_overlap(page, "#explore-scatter-chart")
    # A segment chosen in the page redraws both charts, as the report for the same --where.
    page.page.locator("select[data-filter='segment.department']").select_option("Dresses")
    page.wait_for_hash("segment.department=Dresses")
    dresses = cli_report(records, tmp_path, *CLOTHING_300, "--no-fdr", "--where", "department=Dresses")
    wait_for_count(page, dresses["n_comments"])
    check_impact_and_scatter(page, dresses)
    no_overlap(page, "#explore-scatter-chart")
    # The note says what the page leaves out: the FDR control the static chart applies.
    assert "no false-discovery-rate control" in page.page.locator("#explore-impact figcaption").first.inner_text()
    page.assert_clean()


@needs_chromium
def test_filtered_trend_matches_the_json_report_for_the_same_filter(complaints, load, tmp_path):
    records = complaints[0]
    # 60 complaints over 23 quarters: themes from 3 comments up, so the filtered trend has lines.
    args = ("--by", "product", "--period", "quarter", "--date-column", "date_received", "--min-count", "3")
    page = load(cli_report(records, tmp_path, *args, "html"))
    check_trend(page, cli_report(records, tmp_path, *args))
    no_overlap(page, "#explore-scatter-chart")  # 9 themes: numbered dots, names in a legend
    product = "Credit reporting, credit repair services, or other personal consumer reports"
    page.page.locator("select[data-filter='segment.product']").select_option(product)
    page.wait_for_hash("segment.product")
    filtered = cli_report(records, tmp_path, *args, "--where", f"product={product}")
    wait_for_count(page, filtered["n_comments"])
    check_trend(page, filtered)
    dots = page.marks("#explore-scatter-chart circle[data-theme]", "theme", "x", "y")
    assert {d["theme"]: [d["x"], d["y"]] for d in dots} == {
        t["theme"]: [pytest.approx(t["share"], abs=2e-4), pytest.approx(t["sentiment"], abs=2e-4)]
        for t in visible_top(filtered)}
    assert page.page.locator("#explore-impact svg").count() == 0  # no scores, no impact chart
    # A period chosen keeps every period in the trend (the chosen one marked): the lines stay comparable.
    period = next(p["period"] for p in filtered["periods"]["series"] if p["n_comments"])
    page.page.locator("select[data-filter='period']").select_option(period)
    page.wait_for_hash("period=")
    kept = select(records, column="product", segment=product, date_column="date_received", period=period)
    wait_for_count(page, len(kept))
    check_trend(page, filtered)
    page.assert_clean()


@needs_chromium
def test_clicking_an_impact_bar_a_dot_or_a_segment_theme_cell_lists_exactly_its_comments(clothing_300, load):
    records, html = clothing_300
    page = load(html)
    theme = "price"
    expected = [r["id"] for r in select(records, theme=theme)]
    assert 0 < len(expected) <= 50  # one page of comments
    page.page.locator(f"#explore-impact-rating g[data-theme='{theme}'] rect").click()
    page.wait_for_hash(f"theme={theme}")
    assert page.hash() == f"#theme={theme}&comments=1"
    assert page.comment_ids() == expected
    # The static impact chart's bar, from the keyboard: focus, Enter.
    page.page.goto(page.file + "#")
    bar = page.page.locator(f"main > div figure g[data-theme='{theme}']")
    assert bar.get_attribute("tabindex") == "0" and bar.get_attribute("role") == "button"
    # A chart with buttons in it is a group, not an image (whose children assistive technology skips).
    assert page.page.locator("main > div figure svg").first.get_attribute("role") == "group"
    bar.focus()
    page.page.keyboard.press("Enter")
    page.wait_for_hash(f"theme={theme}")
    assert page.comment_ids() == expected
    # A dot of the redrawn scatter and of the static one.
    for dot in ("#explore-scatter-chart circle[data-theme='convenience']", "main > figure circle[data-theme='speed']"):
        theme = dot.split("'")[1]
        page.page.goto(page.file + "#")
        page.page.locator(dot).click()
        page.wait_for_hash(f"theme={theme}")
        assert page.comment_ids() == [r["id"] for r in select(records, theme=theme)]
    # A cell of the static "Theme share by department" table: that segment and that theme.
    page.page.goto(page.file + "#")
    page.page.locator("main > table td[aria-label='Comments in Dresses about price']").click()
    page.wait_for_hash("theme=price")
    assert page.hash() == "#theme=price&segment.department=Dresses&comments=1"
    assert page.comment_ids() == [r["id"] for r in select(records, column="department", segment="Dresses", theme="price")]
    page.assert_clean()


@needs_chromium
def test_trend_points_periods_and_theme_pairs_drill_down_from_the_keyboard(complaints, load):
    records, report, html = complaints
    page = load(html)
    # A point of the redrawn trend: its theme in its period.
    point = page.marks("#explore-trend-chart circle[data-theme]", "theme", "period", "count")
    point = max(point, key=lambda p: p["count"])
    page.page.locator(f"#explore-trend-chart circle[data-theme='{point['theme']}'][data-period='{point['period']}']").focus()
    page.page.keyboard.press("Enter")
    page.wait_for_hash("period=")
    kept = select(records, theme=point["theme"], date_column="date_received", period=point["period"])
    assert len(kept) == point["count"] and page.comment_ids() == [r["id"] for r in kept]
    # A point of the static trend chart, and a period on its axis.
    page.page.goto(page.file + "#")
    page.page.locator(f"main > figure circle[data-theme='{point['theme']}'][data-period='{point['period']}']").focus()
    page.page.keyboard.press("Enter")
    page.wait_for_hash("period=")
    assert page.comment_ids() == [r["id"] for r in kept]
    page.page.goto(page.file + "#")
    label = page.page.locator("main > figure text[data-period]").first
    period = label.get_attribute("data-period")
    label.focus()
    page.page.keyboard.press("Enter")
    page.wait_for_hash("period=")
    assert page.comment_ids() == [r["id"] for r in select(records, date_column="date_received", period=period)]
    # A row of the static table per quarter (a period with few comments is marked "(few)" there).
    page.page.goto(page.file + "#")
    rows = page.page.locator("xpath=//main/table[thead/tr/th[1][normalize-space()='quarter']]/tbody/tr")
    row = next(rows.nth(i) for i in range(1, rows.count()) if int(rows.nth(i).locator("td").nth(1).inner_text()) > 0)
    period = row.locator("td").first.inner_text().replace(" (few)", "").strip()
    row.click()
    page.wait_for_hash(f"period={period}")
    kept = [r["id"] for r in select(records, date_column="date_received", period=period)]
    assert kept and page.comment_ids() == kept
    # A row of the static "Themes mentioned together" table: comments that mention both.
    page.page.goto(page.file + "#")
    pair = next(p for p in report["cooccurrence"]["pairs"] if p["significant"] and p["lift"] > 1)["themes"]
    page.page.locator("main > table tr.drill", has_text=f"{pair[0]} + {pair[1]}").click()
    page.wait_for_hash("also=")
    both = [r["id"] for r in records if {m["parent"] for m in r["themes"]} >= set(pair)]
    assert both and page.comment_ids() == both
    page.assert_clean()


@needs_chromium
def test_filtered_impact_of_a_share_metric_matches_the_json_report(clothing_300, load, tmp_path):
    """The same real star ratings read as CSAT (% of 4-5 answers): a share, whose interval uses the
    population variance, unlike a mean's."""
    records = [{**r, "scores": {"csat": r["scores"]["rating"]}} for r in clothing_300[0]]
    page = load(cli_report(records, tmp_path, *CLOTHING_300, "html"))
    check_impact_and_scatter(page, cli_report(records, tmp_path, *CLOTHING_300, "--no-fdr"), kind="csat")
    page.page.locator("select[data-filter='segment.department']").select_option("Tops")
    tops = cli_report(records, tmp_path, *CLOTHING_300, "--no-fdr", "--where", "department=Tops")
    wait_for_count(page, tops["n_comments"])
    check_impact_and_scatter(page, tops, kind="csat")
    page.assert_clean()
