"""HTML building blocks of the self-contained report page: escaping, the page, tables, quotes.

The static page needs no script and no network, and the charts (feedback.report.charts) are
inline SVG. Every string that reaches the markup goes through `esc`, so comment text, theme ids
and segment names can never become markup. The Content-Security-Policy is defence in depth behind
`esc`: nothing may be fetched, and the only style and script allowed are the page's own inline
ones, named by their SHA-256 hashes (computed here, as the page is written); no style attribute,
event-handler attribute or eval can run, and Trusted Types make string-to-HTML sinks (innerHTML)
throw.
"""

from __future__ import annotations

import base64
import hashlib
import html
from typing import Iterable, Sequence

STYLE = """
*{box-sizing:border-box}
body{margin:0;background:#f8fafc;color:#1e293b;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 8px;border-bottom:2px solid #e2e8f0;padding-bottom:4px}
h3{font-size:15px;margin:18px 0 6px}p.sub,p.note,.muted{color:#64748b}p.note{font-size:12.5px;margin:4px 0 10px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{flex:1 1 180px;border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px}
.card .name{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:#64748b}
.card .value{font-size:28px;font-weight:650}.card .ci{font-size:12.5px;color:#64748b}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}td.r{white-space:nowrap}
tr.sub td:first-child{padding-left:22px;color:#475569}
svg.bar{display:inline-block;vertical-align:middle;height:9px}svg.bar rect{fill:#0072B2}
.tag{display:inline-block;font-size:11px;padding:0 6px;border-radius:9px;background:#fee2e2;color:#991b1b}
.tag.pos{background:#ccfbf1;color:#115e59}.tag.dim{background:#f1f5f9;color:#475569}
figure{margin:10px 0 18px}figcaption{font-size:12.5px;color:#64748b}svg{max-width:100%;height:auto}
blockquote{margin:6px 0;padding:6px 12px;border-left:4px solid #cbd5e1;background:#f8fafc;
white-space:pre-wrap;overflow-wrap:anywhere}
blockquote.neg{border-color:#c2410c}blockquote.pos{border-color:#0f766e}
blockquote .meta{display:block;font-size:12px;color:#64748b;white-space:normal}
mark{background:#fde68a;padding:0 1px;border-radius:2px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:0 20px}
@media (max-width:760px){.grid2{grid-template-columns:1fr}}
@media print{body{background:#fff;font-size:11px}main{max-width:none;padding:0}
figure,table,blockquote,.card{break-inside:avoid}h2{break-after:avoid}
table{font-size:9.5px}th,td{padding:2px 4px}}
"""


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute (quotes included).

    value (object): Anything; None becomes "".
    RETURNS (str): Safe text.
    """
    return html.escape("" if value is None else str(value), quote=True)


def source_hash(source: str) -> str:
    """The CSP source expression allowing one inline <script> or <style> with this exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def csp(scripts: Sequence[str] = (), styles: Sequence[str] = ()) -> str:
    """The page's Content-Security-Policy: nothing fetched, only these inline scripts and styles.

    scripts (Sequence[str]): The text of each inline <script> that may run.
    styles (Sequence[str]): The text of each inline <style> that may apply.
    RETURNS (str): The policy (`frame-ancestors` and `sandbox` are left out: a <meta> policy ignores them).
    """
    parts = ["default-src 'none'"]
    if scripts:
        parts.append("script-src " + " ".join(source_hash(s) for s in scripts))
        parts.append("require-trusted-types-for 'script'")
        parts.append("trusted-types 'none'")
    parts.append("style-src " + " ".join(source_hash(s) for s in styles))
    parts += ["base-uri 'none'", "form-action 'none'"]
    return "; ".join(parts)


def page(title: str, body: str, *, scripts: Sequence[str] = (), styles: Sequence[str] = ()) -> str:
    """A complete, self-contained HTML document.

    title (str): The document title (escaped here).
    body (str): Inner HTML of <main>, already safe.
    scripts (Sequence[str]): Inline scripts to run at the end of the body (trusted code, not data).
    styles (Sequence[str]): Inline styles added after the page's own.
    RETURNS (str): The page, its CSP allowing exactly these scripts and styles.
    """
    styles = (STYLE, *styles)
    head_styles = "".join(f"<style>{s}</style>" for s in styles)
    tail = "".join(f"<script>{s}</script>\n" for s in scripts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{esc(csp(scripts, styles))}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{esc(title)}</title>\n{head_styles}\n</head>\n<body>\n<main>\n{body}\n</main>\n{tail}</body>\n</html>\n"
    )


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    align: str = "",
    raw_columns: frozenset[int] = frozenset(),
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table; cells are escaped except those in `raw_columns` (already-safe markup).

    headers (Sequence[str]): Column titles.
    rows (Iterable[Sequence[str]]): Cell text.
    align (str): One letter per column, "l" or "r".
    raw_columns (frozenset[int]): Columns whose cells are trusted HTML built by this module.
    row_classes (Sequence[str] | None): A CSS class per row.
    RETURNS (str): The table.
    """
    def cls(i: int) -> str:
        return ' class="r"' if i < len(align) and align[i] == "r" else ""

    # Theme ids as column titles ("customer_service") may break after an underscore, so a wide
    # table of themes still fits the page in print.
    head = "".join(f"<th{cls(i)}>{esc(h).replace('_', '_<wbr>')}</th>" for i, h in enumerate(headers))
    body = []
    for n, row in enumerate(rows):
        cells = "".join(f"<td{cls(i)}>{c if i in raw_columns else esc(c)}</td>" for i, c in enumerate(row))
        row_class = f' class="{esc(row_classes[n])}"' if row_classes and row_classes[n] else ""
        body.append(f"<tr{row_class}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def highlighted(text: str, spans: Sequence[Sequence[int]]) -> str:
    """Comment text, escaped, with the evidence spans wrapped in <mark>.

    text (str): The quote.
    spans (Sequence): [start, end] character offsets into `text`.
    RETURNS (str): Safe HTML.
    """
    out, position = [], 0
    for start, end in sorted((int(s), int(e)) for s, e in spans):
        if start < position or end > len(text):
            continue  # overlapping or out-of-range spans: show the text, not broken markup
        out.append(esc(text[position:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        position = end
    out.append(esc(text[position:]))
    return "".join(out)


def share_bar(fraction: float, width: int = 90) -> str:
    """A small inline bar for a fraction in [0, 1]."""
    pixels = max(0, min(width, round(fraction * width)))
    # SVG attributes, not a style attribute: the CSP allows no inline style attributes.
    return f'<svg class="bar" width="{pixels}" height="9" aria-hidden="true"><rect width="{pixels}" height="9" rx="2"/></svg>'
