"""The interactive HTML report without a browser: the embedded data, its escaping, the sample, the CSP.

The page itself is driven in Chromium by tests/test_report_browser.py.
"""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedback.config import ReportOptions
from feedback.report import make_report, render
from feedback.report.interactive import CommentSample, script_json
from feedback.report.page import source_hash
from feedback.report.render_html import render_html

GOLDEN = Path(__file__).parent / "data" / "golden"
CLOTHING = GOLDEN / "clothing-rules.expected.jsonl"  # 40 real reviews (CC0), analysed by the rules


def clothing_records():
    return [json.loads(line) for line in CLOTHING.read_text(encoding="utf-8").splitlines()]


def build(records, options, **kwargs):
    sample = CommentSample(options, **kwargs)
    report = make_report(sample.tap(records), options)
    return report, sample


def embedded(html):
    """The JSON data block of a page, parsed as the page's script parses it."""
    match = re.search(r'<script type="application/json" id="feedback-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_script_json_cannot_close_its_element_and_reads_back_unchanged():
    hostile = {"text": "</script><script>alert(1)</script><!-- & \u2028 </SCRIPT >"}
    text = script_json(hostile)
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile


def test_sample_keeps_every_comment_below_the_limit_with_its_evidence():
    records = clothing_records()
    options = ReportOptions(by="Department Name")
    report, sample = build(records, options)
    data = sample.payload(report)
    assert data["n"] == data["n_total"] == len(records) and not data["sampled"]
    assert [c[0] for c in data["comments"]] == [r["id"] for r in records]  # input order
    by_id = {r["id"]: r for r in records}
    for row in data["comments"]:
        record = by_id[row[0]]
        assert row[1] == record["text"]  # golden texts are under the cut
        assert data["columns"][0]["values"][row[5][0]] == record["fields"]["Department Name"]
        assert row[4] == [record["scores"].get("rating")]
        parents = {}
        for m in record["themes"]:
            parents.setdefault(m["parent"], []).append(m)
        assert {data["themes"][t[0]] for t in row[7]} == set(parents)
        for entry in row[7]:
            mentions = parents[data["themes"][entry[0]]]
            assert entry[1] == pytest.approx(sum(m["sentiment"] for m in mentions) / len(mentions), abs=1e-4)
            spans = list(zip(entry[2::2], entry[3::2]))
            assert sorted(spans) == sorted((m["start"], m["end"]) for m in mentions if m["evidence"])
            assert all(record["text"][a:b] for a, b in spans)


def test_sample_beyond_the_limit_is_seeded_and_the_report_stays_exact():
    records = clothing_records()
    options = ReportOptions(by="Department Name", seed=3)
    report, sample = build(records, options, max_comments=10)
    exact = make_report(records, options)
    assert report == exact  # the tap changes nothing the report computes
    data = sample.payload(report)
    ids = [c[0] for c in data["comments"]]
    assert data["n"] == 10 and data["n_total"] == 40 and data["sampled"]
    assert len(set(ids)) == 10 and set(ids) <= {r["id"] for r in records}
    assert ids == [r["id"] for r in records if r["id"] in set(ids)]  # still in input order
    _, again = build(records, options, max_comments=10)
    assert [c[0] for c in again.payload(report)["comments"]] == ids
    _, other = build(records, ReportOptions(by="Department Name", seed=4), max_comments=10)
    assert [c[0] for c in other.payload(report)["comments"]] != ids
    html = render_html(report, comments=sample)
    assert "random sample of 10 of the 40 comments" in html


def test_sample_cuts_long_texts_and_drops_evidence_beyond_the_cut():
    record = clothing_records()[0]
    text = record["text"]
    _, sample = build([record], ReportOptions(), text_chars=120)
    row = sample.payload(make_report([record]))["comments"][0]
    assert row[1].endswith("…") and len(row[1]) <= 121 and text.startswith(row[1][:-1])
    for entry in row[7]:
        assert all(end <= len(row[1]) - 1 for end in entry[3::2])


def test_page_csp_allows_its_own_script_and_style_by_hash_only():
    records = clothing_records()
    options = ReportOptions(by="Department Name")
    report, sample = build(records, options)
    html = render_html(report, comments=sample)
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1).replace("&#x27;", "'")
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 2
    assert policy == (f"default-src 'none'; script-src {source_hash(scripts[0])}; require-trusted-types-for 'script'; "
                      f"trusted-types 'none'; style-src {' '.join(source_hash(s) for s in styles)}; "
                      "base-uri 'none'; form-action 'none'")
    assert "unsafe" not in policy
    # No inline event handlers, style attributes or javascript: URLs anywhere in the markup.
    assert not re.search(r"<[^>]*\s(on\w+|style)\s*=", html, re.I) and "javascript:" not in html.lower()
    script = scripts[0]
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setTimeout("):
        assert sink not in script
    assert embedded(html)["n"] == len(records)


def test_static_page_has_no_script_at_all():
    html = render(make_report(clothing_records()), "html")
    assert "<script" not in html and "script-src" not in html


def test_cli_embeds_comments_in_html_unless_max_comments_is_zero(tmp_path):
    from feedback.cli import cli

    out = tmp_path / "r.html"
    args = ["report", str(CLOTHING), "-o", str(out), "--by", "Department Name"]
    result = CliRunner().invoke(cli, args + ["--max-comments", "7"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = embedded(out.read_text(encoding="utf-8"))
    assert data["n"] == 7 and data["n_total"] == 40 and data["columns"][0]["name"] == "Department Name"
    result = CliRunner().invoke(cli, args + ["--max-comments", "0"], catch_exceptions=False)
    assert result.exit_code == 0 and "<script" not in out.read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(ReportOptions(), "filters"), reason="needs `feedback report --where` (issue 15)")
def test_sample_embeds_only_the_comments_that_where_filters_let_through():
    records = clothing_records()
    options = ReportOptions(by="Department Name", where=("Department Name!=Dresses",))  # type: ignore[call-arg]
    report, sample = build(records, options)
    data = sample.payload(report)
    kept = [r["id"] for r in records if r["fields"]["Department Name"] != "Dresses"]
    assert [c[0] for c in data["comments"]] == kept and data["n_total"] == report["n_comments"] == len(kept)
    assert "Dresses" not in data["columns"][0]["values"]
