"""Inline-SVG charts of the report page: impact bars, volume x sentiment scatter, trend lines.

Charts are SVG written here in Python rather than drawn by a plotting library: the page needs
no script and no network (its Content-Security-Policy forbids both), the output is small and
byte-for-byte reproducible, and it prints sharply. Every label goes through `esc`. A mark given
a `key` (a theme id) carries it as `data-theme` (trend points also `data-period`), so the
interactive page can open the comments behind it; the static page ignores them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

from .page import esc

GOOD, BAD, NEUTRAL, INK, MUTED, GRID = "#0f766e", "#c2410c", "#64748b", "#1e293b", "#64748b", "#e2e8f0"
SHADE = "#f1f5f9"  # background of periods with too few comments
# Okabe-Ito colours (distinguishable with colour-vision deficiencies), yellow left out: unreadable on white.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
# A presentation attribute, not a style attribute: the page's CSP allows no inline style attributes.
_FONT = "font-family=\"system-ui,-apple-system,'Segoe UI',Roboto,sans-serif\""


@dataclass(frozen=True)
class Bar:
    """One row of an impact chart."""

    label: str
    value: float
    low: float | None
    high: float | None
    uncertain: bool
    indent: bool = False
    key: str | None = None  # the theme id, for the page's drill-down


def impact_chart(bars: Sequence[Bar], *, title: str, better: str, digits: int = 1, width: int = 460) -> str:
    """Horizontal bars around zero with 95% interval whiskers.

    bars (Sequence[Bar]): One per theme, drawn in order.
    title (str): Accessible title (read by screen readers, shown as a tooltip).
    better (str): "higher" or "lower": which sign is coloured as good.
    digits (int): Decimals of the value labels.
    width (int): Width in pixels.
    RETURNS (str): An <svg> element.
    """
    label_w, value_w, row_h, top = 150, 52, 22, 8
    plot_w = width - label_w - value_w
    extent = [0.0] + [b.value for b in bars] + [x for b in bars for x in (b.low, b.high) if x is not None]
    lo, hi = _padded(min(extent), max(extent))
    ticks = nice_ticks(lo, hi)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])

    def x(v: float) -> float:
        return label_w + (v - lo) / (hi - lo) * plot_w

    height = top + row_h * len(bars) + 26
    parts = [_svg_open(width, height, title)]
    for t in ticks:
        parts.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{height - 20}" stroke="{GRID}"/>')
        parts.append(_text(x(t), height - 6, _fmt(t, tick_digits(ticks)), anchor="middle", size=11, fill=MUTED))
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top}" y2="{height - 20}" stroke="{INK}"/>')
    for i, bar in enumerate(bars):
        y = top + i * row_h
        good = (bar.value >= 0) == (better == "higher")
        colour = GOOD if good else BAD
        opacity = 0.35 if bar.uncertain else 0.9
        x0, x1 = sorted((x(0), x(bar.value)))
        if bar.key is not None:
            parts.append(f'<g{_data(theme=bar.key)}>')
        parts.append(_text(label_w - 8, y + 15, ("  " if bar.indent else "") + bar.label, anchor="end", size=12,
                           fill=MUTED if bar.indent else INK))
        parts.append(f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 8}" '
                     f'fill="{colour}" fill-opacity="{opacity}" rx="2"/>')
        if bar.low is not None and bar.high is not None:
            a, b, mid = x(bar.low), x(bar.high), y + row_h / 2
            parts.append(f'<path d="M{a:.1f} {mid:.1f}H{b:.1f}M{a:.1f} {mid - 4:.1f}V{mid + 4:.1f}'
                         f'M{b:.1f} {mid - 4:.1f}V{mid + 4:.1f}" stroke="{INK}" stroke-width="1.2" fill="none"/>')
        parts.append(_text(width - 4, y + 15, _fmt(bar.value, digits, sign=True), anchor="end", size=12,
                           fill=MUTED if bar.uncertain else INK))
        if bar.key is not None:
            parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Point:
    """One theme on the volume x sentiment chart."""

    label: str
    x: float  # share of comments, 0-1
    y: float  # mean mention sentiment, -1..1
    key: str | None = None  # the theme id, for the page's drill-down


def scatter_chart(points: Sequence[Point], *, title: str, width: int = 760, height: int = 340) -> str:
    """Share of comments (x) against mean mention sentiment (y), one labelled dot per theme.

    points (Sequence[Point]): The themes.
    title (str): Accessible title.
    RETURNS (str): An <svg> element.
    """
    left, right, top, bottom = 52, 130, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    x_hi = min(1.0, max([p.x for p in points] + [0.05]) * 1.08)  # a share: the axis ends at 100% at most
    y_ext = max([abs(p.y) for p in points] + [0.2]) * 1.15
    x_ticks = nice_ticks(0, x_hi)
    y_ticks = nice_ticks(-y_ext, y_ext, count=7)
    x_hi, y_lo, y_hi = x_ticks[-1], y_ticks[0], y_ticks[-1]

    def px(v: float) -> float:
        return left + v / x_hi * plot_w

    def py(v: float) -> float:
        return top + (y_hi - v) / (y_hi - y_lo) * plot_h

    parts = [_svg_open(width, height, title)]
    for t in x_ticks:
        parts.append(f'<line x1="{px(t):.1f}" x2="{px(t):.1f}" y1="{top}" y2="{top + plot_h}" stroke="{GRID}"/>')
        parts.append(_text(px(t), top + plot_h + 16, f"{t * 100:.0f}%", anchor="middle", size=11, fill=MUTED))
    for t in y_ticks:
        stroke = INK if t == 0 else GRID
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{stroke}"/>')
        parts.append(_text(left - 6, py(t) + 4, _fmt(t, tick_digits(y_ticks), sign=t != 0), anchor="end", size=11,
                           fill=MUTED))
    parts.append(_text(left + plot_w / 2, height - 4, "share of comments mentioning the theme", anchor="middle",
                       size=12, fill=MUTED))
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" transform="rotate(-90 12 {top + plot_h / 2:.1f})" '
                 f'text-anchor="middle" font-size="12" fill="{MUTED}" {_FONT}>mean sentiment</text>')
    dots = [(px(p.x), py(p.y)) for p in points]
    for p, (cx, cy) in zip(points, dots):
        colour = GOOD if p.y >= 0.05 else BAD if p.y <= -0.05 else NEUTRAL
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{colour}" fill-opacity="0.85"'
                     f'{_data(theme=p.key)}/>')
    labels = (_place_labels([p.label for p in points], dots, width, top + plot_h, left=left)
              if len(points) <= MAX_NAMED_DOTS else None)
    if labels is None:
        # Too many names to fit without overlap: each dot gets a number, placed where it overlaps
        # nothing (with a leader line when it had to move away), and the names go in a legend.
        order = sorted(range(len(points)), key=lambda i: (-points[i].x, points[i].label))
        numbers = {i: str(k + 1) for k, i in enumerate(order)}
        labels = _place_labels([numbers[i] for i in range(len(points))], dots, width, top + plot_h, left=left,
                               force=True) or []
        columns = 4
        for k, i in enumerate(order):
            lx = left + (k % columns) * (plot_w + right - 20) / columns
            ly = height + 14 + (k // columns) * 16
            parts.append(_text(lx, ly, f"{k + 1}  {points[i].label}", size=11, fill=INK, data=_data(theme=points[i].key)))
        height += 20 + 16 * math.ceil(len(points) / columns)
        parts[0] = _svg_open(width, height, title)
    for x, y, anchor, text, leader in labels:
        if leader is not None:
            parts.append(f'<line x1="{leader[0]:.1f}" y1="{leader[1]:.1f}" x2="{leader[2]:.1f}" y2="{leader[3]:.1f}" '
                         f'stroke="{MUTED}" stroke-width="0.8"/>')
        parts.append(_text(x, y, text, anchor=anchor, size=12, fill=INK))
    parts.append("</svg>")
    return "".join(parts)


MAX_NAMED_DOTS = 8  # more themes than this are numbered, with their names in a legend

_Label = tuple[float, float, str, str, "tuple[float, float, float, float] | None"]


def _place_labels(texts: Sequence[str], dots: Sequence[tuple[float, float]], width: float, bottom: float,
                  *, left: float = 0.0, force: bool = False) -> list[_Label] | None:
    """Put each text next to its dot where it overlaps no dot and no other label.

    Tries right, left, above and below the dot, then (with `force`) rings further out, drawn with
    a leader line back to the dot. Returns None when a label finds no free spot and not `force`
    (then the caller numbers the dots instead); with `force` a label that finds none sits right
    of its dot. Labels stay right of `left` (the plot's edge), clear of the axis's tick labels.
    """
    boxes: list[tuple[float, float, float, float]] = [(x - 6, y - 6, x + 6, y + 6) for x, y in dots]
    placed: list[_Label] = []
    near = [(9, 4, "start"), (-9, 4, "end"), (0, -10, "middle"), (0, 18, "middle")]
    far = [(dx * r, dy * r + 4, "middle") for r in (22, 34, 48) for dx, dy in
           ((1, 0), (-1, 0), (0, -1), (0, 1), (0.7, -0.7), (-0.7, -0.7), (0.7, 0.7), (-0.7, 0.7))]
    for i in sorted(range(len(texts)), key=lambda i: dots[i][0], reverse=True):
        cx, cy = dots[i]
        label_w = 7.0 * len(texts[i])  # about 7 px per character at 12 px
        found = None
        for k, (dx, dy, anchor) in enumerate(near + (far if force else [])):
            x, y = cx + dx, cy + dy
            x0 = x if anchor == "start" else x - label_w if anchor == "end" else x - label_w / 2
            box = (x0 - 1, y - 11, x0 + label_w + 1, y + 3)
            if x0 >= left and box[2] <= width and box[1] >= 0 and box[3] <= bottom + 4 \
                    and not any(_overlap(box, b) for b in boxes):
                found = (x, y, anchor, box, k >= len(near))
                break
        if found is None:
            if not force:
                return None
            found = (cx + 9, cy + 4, "start", (cx + 9, cy - 7, cx + 9 + label_w, cy + 7), False)
        x, y, anchor, box, moved = found
        boxes.append(box)
        leader = (cx, cy, x, y - 4) if moved else None
        placed.append((x, y, anchor, texts[i], leader))
    return placed


@dataclass(frozen=True)
class Series:
    """One line of a trend chart; None values are gaps."""

    label: str
    values: Sequence[float | None]
    emphasis: bool = False
    key: str | None = None  # the theme id, for the page's drill-down


def line_chart(categories: Sequence[str], series: Sequence[Series], *, title: str, percent: bool = True,
               width: int = 900, height: int = 280, uncertain: Sequence[bool] = ()) -> str:
    """Lines over periods, with a legend below; emphasised series are thicker.

    categories (Sequence[str]): Period labels, in order.
    series (Sequence[Series]): The lines.
    title (str): Accessible title.
    percent (bool): Values are fractions to show as percentages.
    uncertain (Sequence[bool]): Per category, too few comments to read: the period is shaded, its
        points hollow and the line into or out of it dashed and pale.
    RETURNS (str): An <svg> element.
    """
    few = list(uncertain) + [False] * (len(categories) - len(uncertain))
    left, right, top = 52, 40, 12
    legend_rows = math.ceil(len(series) / 3)
    plot_w, plot_h = width - left - right, height - top - 36
    total_h = height + legend_rows * 18
    # The scale follows the periods that can be read: one comment in a small period would
    # otherwise stretch it to 100% and flatten every real line; small periods' points are clamped.
    values = [v for s in series for i, v in enumerate(s.values) if v is not None and not few[i]] or \
        [v for s in series for v in s.values if v is not None]
    y_lo = 0.0 if percent else _padded(min(values + [0.0]), 0)[0]
    y_ticks = nice_ticks(y_lo, max(values + [0.01]) * 1.05)
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    step = plot_w / max(len(categories) - 1, 1)

    def px(i: int) -> float:
        return left + (i * step if len(categories) > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + (y_hi - min(max(v, y_lo), y_hi)) / (y_hi - y_lo) * plot_h

    parts = [_svg_open(width, total_h, title)]
    for i, small in enumerate(few):
        if small:
            half = step / 2 if len(categories) > 1 else plot_w / 2
            x0, x1 = max(left, px(i) - half), min(left + plot_w, px(i) + half)
            parts.append(f'<rect x="{x0:.1f}" y="{top}" width="{x1 - x0:.1f}" height="{plot_h}" fill="{SHADE}"/>')
    for t in y_ticks:
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="{GRID}"/>')
        tick = f"{t * 100:.0f}%" if percent else _fmt(t, tick_digits(y_ticks))
        parts.append(_text(left - 6, py(t) + 4, tick, anchor="end", size=11, fill=MUTED))
    every = max(1, math.ceil(len(categories) / 12))
    for i, category in enumerate(categories):
        last = len(categories) - 1
        if i == last or (i % every == 0 and (every == 1 or last - i >= every * 0.75)):
            parts.append(_text(px(i), top + plot_h + 16, category, size=11, fill=MUTED,
                               anchor="end" if i == len(categories) - 1 and i else "middle",
                               data=_data(period=category) if any(s.key for s in series) else ""))
    for n, s in enumerate(series):
        colour = PALETTE[n % len(PALETTE)]
        width_px = 3.2 if s.emphasis else 1.6
        # Periods without comments (None) break the line rather than pretend a value; a step into
        # or out of a period with too few comments is dashed and pale, not drawn as certain.
        points = [(i, px(i), py(v)) for i, v in enumerate(s.values) if v is not None]
        for (i, x0, y0), (j, x1, y1) in zip(points, points[1:]):
            if j != i + 1:
                continue
            style = (' stroke-dasharray="4 4" stroke-opacity="0.5"' if few[i] or few[j] else "")
            parts.append(f'<path d="M{x0:.1f} {y0:.1f} L{x1:.1f} {y1:.1f}" fill="none" stroke="{colour}" '
                         f'stroke-width="{width_px}" stroke-linecap="round"{style}/>')
        for i, x0, y0 in points:
            alone = not any(abs(i - j) == 1 for j, _, _ in points)
            if s.key is not None:  # a target for the pointer, invisible: the line shows the value
                parts.append(f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="5" fill="{colour}" fill-opacity="0"'
                             f'{_data(theme=s.key, period=categories[i])}/>')
            if few[i]:
                parts.append(f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="3" fill="#fff" stroke="{colour}" '
                             'stroke-width="1.2"/>')
            elif alone:
                parts.append(f'<circle cx="{x0:.1f}" cy="{y0:.1f}" r="2.5" fill="{colour}"/>')
        lx = left + (n % 3) * (plot_w / 3)
        ly = height + (n // 3) * 18
        parts.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="14" height="{5 if s.emphasis else 3}" fill="{colour}"/>')
        parts.append(_text(lx + 20, ly - 2, s.label, size=12, fill=INK, bold=s.emphasis, data=_data(theme=s.key)))
    parts.append("</svg>")
    return "".join(parts)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering [low, high]: steps of 1, 2 or 5 times a power of ten.

    low (float): Smallest value to cover.
    high (float): Largest value to cover.
    count (int): About how many ticks.
    RETURNS (list[float]): Ticks from at or below `low` to at or above `high`.
    """
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high - step * 1e-9:
        ticks.append(round(value, 10))
    return ticks


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def tick_digits(ticks: Sequence[float]) -> int:
    """Decimals needed to tell ticks apart: 0 for steps of 1 or more, 1 for 0.5, 2 for 0.05."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    return max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0


def _padded(low: float, high: float) -> tuple[float, float]:
    span = (high - low) or 1.0
    return low - span * 0.05, high + span * 0.05


def _data(**values: str | None) -> str:
    """`data-*` attributes for the given values (None: left out), escaped."""
    return "".join(f' data-{name}="{esc(value)}"' for name, value in values.items() if value is not None)


def _svg_open(width: int, height: float, title: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
            f'viewBox="0 0 {width} {height:.0f}" role="img" {_FONT}><title>{esc(title)}</title>')


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 12, fill: str = INK,
          bold: bool = False, data: str = "") -> str:
    weight = ' font-weight="600"' if bold else ""
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}"{weight}{data}>'
            f"{esc(content)}</text>")


def _fmt(value: float, digits: int, sign: bool = False) -> str:
    value = 0.0 if round(value, digits) == 0 else value  # no "-0.0"
    text = f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"
    return text.replace("-", "\u2212")  # a real minus sign reads better than a hyphen in charts
