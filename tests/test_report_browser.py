"""The interactive HTML report in a real headless Chromium, on real comments.

Two reports: 40 women's clothing reviews (CC0, tests/data/golden, with star ratings and a
department) plus two hostile comments, and 60 CFPB complaint narratives from 2015-2020 (US public
domain, tests/data/report, with dates and a product). Every figure the page computes is compared
with the JSON report for the same filter, or with a computation here from the records; each
scenario is one page load; every page is checked for console errors, CSP violations and requests.
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
    assert page.page.locator("h2", has_text="Themes").first.is_visible()
    page.page.goto(page.file + "#")
    page.page.emulate_media(media="print")
    assert not page.page.locator("#explore").is_visible()  # unfiltered, the static tables say it all
