"""The HTML report: self-contained, escaped, and checked in a real headless Chromium."""

import re
from pathlib import Path

import pytest

from feedback.report import make_report, render
from feedback.report.charts import nice_ticks
from feedback.report.page import STYLE, csp, esc, highlighted, source_hash

from .report_data import example_records, record

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]
SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=2">'
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")


def hostile_records():
    """The bundled example plus comments, ids, segments and themes that try to inject markup."""
    records = example_records()
    nasty = f"The chatbot {SCRIPT} ignored me {IMG} and I waited forever"
    start = nasty.index("chatbot")
    records.append({**records[0], "id": 'X-1"><b>', "text": nasty,
                    "themes": [{**records[0]["themes"][0], "theme": "automation/chatbot", "parent": "automation",
                                "sentiment": -0.999, "label": "negative", "evidence": "chatbot",
                                "start": start, "end": start + 7, "sentence": 0}],
                    "sentiment": {"compound": -0.99, "label": "negative"}, "scores": {"nps": 10},
                    "fields": {**records[0]["fields"], "channel": IMG}})
    return records


@pytest.fixture(scope="module")
def page_html():
    report = make_report(hostile_records(), by="channel", period="quarter", date_column="submitted_at")
    return render(report, "html")


def test_report_html_is_self_contained_with_a_strict_csp(page_html):
    assert f'<meta http-equiv="Content-Security-Policy" content="{esc(csp(styles=[STYLE]))}">' in page_html
    # No script at all; the one style allowed by its hash, no inline style attribute.
    assert csp(styles=[STYLE]) == f"default-src 'none'; style-src {source_hash(STYLE)}; base-uri 'none'; form-action 'none'"
    assert not re.search(r"<[^>]*\sstyle\s*=", page_html)
    assert "<script" not in page_html.lower()
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", page_html.replace("&quot;", '"').split("<main>")[0])
    # The only URL is the SVG namespace, which is an identifier, never fetched.
    assert set(re.findall(r"https?://[^\s\"'<>]+", page_html)) == {"http://www.w3.org/2000/svg"}
    assert page_html.count('role="img"') >= 6  # four impact charts, volume x sentiment, the trend


def test_report_html_escapes_every_comment_text(page_html):
    assert SCRIPT not in page_html and IMG not in page_html
    assert esc(SCRIPT) in page_html and esc(IMG) in page_html
    assert "X-1&quot;&gt;&lt;b&gt;" in page_html  # the id too


def test_report_html_highlight_escapes_inside_and_outside_the_mark():
    text = "<b>slow</b> & <i>rude</i>"
    assert highlighted(text, [[3, 7]]) == "&lt;b&gt;<mark>slow</mark>&lt;/b&gt; &amp; &lt;i&gt;rude&lt;/i&gt;"
    assert highlighted("abc", [[1, 9], [0, 1]]) == "<mark>a</mark>bc"  # an out-of-range span is ignored


@pytest.mark.parametrize("low,high,expected", [
    (0, 1, [0, 0.5, 1.0]), (-7.2, 4.1, [-10, -5, 0, 5]), (0, 0.27, [0, 0.1, 0.2, 0.3]),
])
def test_report_html_nice_ticks(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_report_html_without_periods_or_scores_still_renders():
    report = make_report([record("a", [("price", -0.5)], {}), record("b", [], {})])
    html = render(report, "html")
    assert html.startswith("<!DOCTYPE html>") and "Trends" not in html


# --- in Chromium ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def loaded(browser, page_html, tmp_path_factory):
    """The report opened from a file, with every console message and request recorded."""
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(page_html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1100, "height": 1400})
    messages, requests, errors = [], [], []
    page.on("console", lambda m: messages.append((m.type, m.text)))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    yield page, path, messages, requests, errors
    page.close()


@needs_chromium
def test_report_html_loads_without_console_errors_or_requests(loaded):
    _, path, messages, requests, errors = loaded
    assert [m for m in messages if m[0] in ("error", "warning")] == []  # a CSP violation would show here
    assert errors == []
    assert requests == [path.as_uri()]  # nothing but the file itself, not even the <img src=x>


@needs_chromium
def test_report_html_injected_script_does_not_run_and_shows_as_text(loaded):
    page = loaded[0]
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("script").count() == 0 and page.locator("main img").count() == 0
    body = page.inner_text("body")
    assert SCRIPT in body and IMG in body
    assert page.locator("mark", has_text="chatbot").count() >= 1


@needs_chromium
def test_report_html_screenshot_shows_the_charts(loaded, tmp_path):
    page = loaded[0]
    charts = page.locator("svg:not(.bar)")  # share bars in tables are small SVGs too
    assert charts.count() >= 6
    for i in range(charts.count()):
        box = charts.nth(i).bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100
    assert page.locator("svg rect").count() > 20 and page.locator("svg circle").count() >= 9
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 30_000
