// The "Explore" section of the feedback report: filters, tables and charts (themes, impact,
// volume x sentiment, trends) redrawn from the comments embedded in the page, and the comments
// behind any bar, point or row, here or in the static report below.
// Runs under a strict CSP (this script is allowed by its hash; Trusted Types are enforced), so it
// builds every node with createElement and puts comment text in with textContent only: text
// from the data never becomes markup. The filter state lives in the URL hash (#theme=price&...).
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var PAGE = 50;
  var COLOURS = { negative: "#c2410c", neutral: "#94a3b8", positive: "#0f766e" };
  var LABELS = ["negative", "neutral", "positive"];
  var NEGATIVE = -0.05, POSITIVE = 0.05; // VADER's thresholds, as the report uses them
  // As feedback/report/charts.py and render_html.py draw the static charts.
  var INK = "#1e293b", MUTED = "#64748b", GRID = "#e2e8f0", SHADE = "#f1f5f9", GOOD = "#0f766e", BAD = "#c2410c";
  var PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"];
  var MAX_NAMED_DOTS = 8, N_TREND_LINES = 6;
  var Z95 = 1.959963984540054;
  var block = document.getElementById("feedback-data");
  var root = document.getElementById("explore");
  if (!block || !root) return;
  var data = JSON.parse(block.textContent);
  var comments = data.comments;
  var themeIndex = {};
  data.themes.forEach(function (id, i) { themeIndex[id] = i; });
  var state = null;
  var scrollToComments = false;

  // --- DOM helpers: text only ---------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(NS, tag);
    setAttrs(node, attrs);
    return node;
  }
  function setAttrs(node, attrs) {
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function fixed(v, digits, sign) {
    if (v === null || v === undefined || isNaN(v)) return "-";
    var text = Number(v).toFixed(digits);
    if (Number(text) === 0) text = Number(0).toFixed(digits);
    return (sign && Number(text) > 0 ? "+" : "") + text;
  }
  function thousands(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function percent(v, digits) { return v === null ? "-" : fixed(100 * v, digits) + "%"; }
  function scoreDigits(kind) { return kind.statistic === "mean" ? 2 : 1; }

  // --- state <-> URL hash -------------------------------------------------------------------
  function readHash() {
    var p = new URLSearchParams(location.hash.replace(/^#/, ""));
    var s = { theme: p.get("theme") || "", also: p.get("also") || "", sentiment: p.get("sentiment") || "",
              period: p.get("period") || "",
              seg: {}, show: p.get("comments") === "1", limit: Number(p.get("limit")) || PAGE };
    data.columns.forEach(function (c, n) {
      var v = p.get("segment." + c.name);
      if (v === null && n === 0) v = p.get("segment"); // #segment=X names the first --by column
      if (v !== null && v !== "") s.seg[c.name] = v;
    });
    return s;
  }
  function hashOf(s) {
    var p = new URLSearchParams();
    if (s.theme) p.set("theme", s.theme);
    if (s.also) p.set("also", s.also);
    data.columns.forEach(function (c) { if (s.seg[c.name] !== undefined) p.set("segment." + c.name, s.seg[c.name]); });
    if (s.period) p.set("period", s.period);
    if (s.sentiment) p.set("sentiment", s.sentiment);
    if (s.show) p.set("comments", "1");
    if (s.show && s.limit > PAGE) p.set("limit", String(s.limit));
    return p.toString();
  }
  function go(change) {
    var next = readHash();
    change(next);
    var hash = hashOf(next);
    if (hash === location.hash.replace(/^#/, "")) render();
    else location.hash = hash; // "hashchange" renders, and the back button steps through views
  }

  // --- filtering and figures ------------------------------------------------------------------
  function mentions(c, id) {
    var t = themeIndex[id];
    for (var i = 0; i < c[7].length; i++) if (c[7][i][0] === t) return true;
    return false;
  }
  function matches(c, s) {
    if (s.theme && !mentions(c, s.theme)) return false;
    if (s.also && !mentions(c, s.also)) return false;
    if (s.sentiment && (c[2] === null || LABELS[c[2]] !== s.sentiment)) return false;
    if (s.period && (c[6] < 0 || data.periods.labels[c[6]] !== s.period)) return false;
    for (var n = 0; n < data.columns.length; n++) {
      var wanted = s.seg[data.columns[n].name];
      if (wanted !== undefined && data.columns[n].values[c[5][n]] !== wanted) return false;
    }
    return true;
  }
  function perComment(statistic, v) {
    if (statistic === "nps") return v >= 9 ? 100 : v <= 6 ? -100 : 0;
    if (statistic === "top2") return v >= 4 ? 100 : 0;
    if (statistic === "yes") return v >= 1 ? 100 : 0;
    return v;
  }
  // The same statistics as feedback.stats: NPS, top-2-box and yes shares and means are means of
  // a per-comment value; TTR is a median.
  function metric(kind, values) {
    if (!values.length) return null;
    if (kind.statistic === "median") {
      var sorted = values.slice().sort(function (a, b) { return a - b; });
      var mid = sorted.length >> 1;
      return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
    var sum = 0;
    values.forEach(function (v) { sum += perComment(kind.statistic, v); });
    return sum / values.length;
  }
  function scoreValues(rows) {
    return data.kinds.map(function (kind, k) {
      var values = [];
      rows.forEach(function (c) { if (c[4][k] !== null && c[4][k] !== undefined) values.push(c[4][k]); });
      return { value: metric(kind, values), n: values.length };
    });
  }
  function themeStats(rows) {
    var stats = {};
    rows.forEach(function (c) {
      c[7].forEach(function (entry) {
        var s = stats[entry[0]] || (stats[entry[0]] = { rows: [], sum: 0, neg: 0, pos: 0 });
        s.rows.push(c);
        s.sum += entry[1];
        if (entry[1] <= NEGATIVE) s.neg += 1; else if (entry[1] >= POSITIVE) s.pos += 1;
      });
    });
    var out = [];
    Object.keys(stats).forEach(function (key) {
      var s = stats[key], count = s.rows.length, id = data.themes[key];
      out.push({ id: id, parent: id.split("/")[0], sub: id.indexOf("/") >= 0, count: count,
                 share: count / rows.length, sentiment: s.sum / count, neg: s.neg / count, pos: s.pos / count,
                 neutral: (count - s.neg - s.pos) / count, scores: scoreValues(s.rows) });
    });
    var order = function (a, b) { return b.count - a.count || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); };
    var parents = out.filter(function (t) { return !t.sub; }).sort(order);
    var rowsOut = [];
    parents.forEach(function (p) {
      rowsOut.push(p);
      out.filter(function (t) { return t.sub && t.parent === p.id; }).sort(order)
        .forEach(function (t) { rowsOut.push(t); });
    });
    return rowsOut;
  }
  function sentimentStats(rows) {
    var labelled = rows.filter(function (c) { return c[2] !== null; });
    var sum = 0, counts = [0, 0, 0];
    labelled.forEach(function (c) { sum += c[3]; counts[c[2]] += 1; });
    var n = labelled.length;
    return { n: n, mean: n ? sum / n : null, shares: counts.map(function (k) { return n ? k / n : null; }) };
  }

  // --- drawing ------------------------------------------------------------------------------
  function table(headers, numeric) {
    var t = el("table"), head = el("tr");
    headers.forEach(function (h, i) { head.appendChild(el("th", numeric[i] ? { class: "r" } : {}, h)); });
    t.appendChild(el("thead")).appendChild(head);
    t.appendChild(el("tbody"));
    return t;
  }
  function cell(row, text, value, key) {
    var td = el("td", { class: "r", "data-key": key }, text);
    if (value !== null && value !== undefined) td.setAttribute("data-value", String(value));
    row.appendChild(td);
  }
  function drillable(node, label, action) {
    setAttrs(node, { tabindex: "0", role: "button", "aria-label": label });
    node.classList.add("drill");
    // The children of role="img" are presentational to assistive technology: a chart with
    // buttons in it is a group (named by its <title>).
    var owner = node.ownerSVGElement;
    if (owner && owner.getAttribute("role") === "img") owner.setAttribute("role", "group");
    // A tooltip on chart marks (not inside <text>: its title would join the label's text).
    if (node.namespaceURI === NS && node.tagName !== "text" && !node.querySelector("title")) {
      node.appendChild(svg("title")).textContent = label;
    }
    node.addEventListener("click", action);
    node.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); action(); } });
  }
  // A drill-down narrows the current view to the clicked group and opens its comments.
  function opener(change) {
    return function () { scrollToComments = true; go(function (s) { change(s); s.show = true; s.limit = PAGE; }); };
  }
  function openTheme(id) { return opener(function (s) { s.theme = id; s.also = ""; }); }
  function openSegment(column, value) { return opener(function (s) { s.seg[column] = value; }); }
  function openPeriod(period) { return opener(function (s) { s.period = period; }); }
  function openThemePeriod(id, period) { return opener(function (s) { s.theme = id; s.also = ""; s.period = period; }); }
  function openPair(a, b) { return opener(function (s) { s.theme = a; s.also = b; }); }

  function drawControls(s) {
    var box = document.getElementById("explore-controls");
    clear(box);
    function select(label, key, options, current, apply) {
      var wrap = el("label", {}, label + " ");
      var sel = el("select", { "data-filter": key });
      sel.appendChild(el("option", { value: "" }, "all"));
      options.forEach(function (o) { sel.appendChild(el("option", { value: o }, o)); });
      if (current && options.indexOf(current) < 0) sel.appendChild(el("option", { value: current }, current));
      sel.value = current || "";
      sel.addEventListener("change", function () { var v = sel.value; go(function (n) { apply(n, v); }); });
      wrap.appendChild(sel);
      box.appendChild(wrap);
    }
    data.columns.forEach(function (c) {
      select(c.name, "segment." + c.name, c.values, s.seg[c.name], function (n, v) {
        if (v) n.seg[c.name] = v; else delete n.seg[c.name];
      });
    });
    if (data.periods) {
      select(data.periods.unit, "period", data.periods.labels, s.period, function (n, v) { n.period = v; });
    }
    select("theme", "theme", data.themes, s.theme, function (n, v) { n.theme = v; n.also = ""; });
    select("sentiment", "sentiment", LABELS, s.sentiment, function (n, v) { n.sentiment = v; });
    var show = el("button", { type: "button", id: "explore-show" }, s.show ? "Hide comments" : "Read the comments");
    show.addEventListener("click", function () { go(function (n) { n.show = !n.show; n.limit = PAGE; }); });
    box.appendChild(show);
    var reset = el("button", { type: "button", id: "explore-reset" }, "Clear filters");
    reset.addEventListener("click", function () { go(function (n) { n.theme = n.also = n.sentiment = n.period = ""; n.seg = {}; }); });
    box.appendChild(reset);
  }

  function describe(s) {
    var parts = [];
    data.columns.forEach(function (c) { if (s.seg[c.name] !== undefined) parts.push(c.name + " = " + s.seg[c.name]); });
    if (s.period) parts.push(data.periods.unit + " = " + s.period);
    if (s.theme) parts.push("theme = " + s.theme);
    if (s.also) parts.push("and theme = " + s.also);
    if (s.sentiment) parts.push("sentiment = " + s.sentiment);
    return parts.length ? parts.join(" · ") : "no filter";
  }

  function drawSummary(rows, s) {
    var box = document.getElementById("explore-summary");
    clear(box);
    var st = sentimentStats(rows);
    function part(key, label, text, value) {
      var span = el("span", { "data-key": key }, text);
      if (value !== null && value !== undefined) span.setAttribute("data-value", String(value));
      box.appendChild(document.createTextNode(label));
      box.appendChild(span);
    }
    part("n", "", thousands(rows.length), rows.length);
    box.appendChild(document.createTextNode(" of " + thousands(comments.length) + (data.sampled ? " sampled" : "")
                                            + " comments (" + describe(s) + ")"));
    part("sentiment", " · mean sentiment ", fixed(st.mean, 2, true), st.mean);
    LABELS.forEach(function (label, i) { part("share_" + label, " · " + label + " ", percent(st.shares[i], 0), st.shares[i]); });
    scoreValues(rows).forEach(function (v, k) {
      var kind = data.kinds[k];
      part("score_" + kind.kind, " · " + kind.name + " ", fixed(v.value, scoreDigits(kind)), v.value);
      box.appendChild(document.createTextNode(" (n " + v.n + ")"));
    });
  }

  function drawChart(themes) {
    var box = document.getElementById("explore-chart");
    clear(box);
    var top = themes.filter(function (t) { return !t.sub; }).slice(0, 15);
    if (!top.length) return;
    var width = 760, labelW = 170, countW = 60, rowH = 22, plotW = width - labelW - countW;
    var max = Math.max.apply(null, top.map(function (t) { return t.count; }));
    var chart = svg("svg", { width: width, height: rowH * top.length + 8, viewBox: "0 0 " + width + " " + (rowH * top.length + 8),
                             role: "img", id: "explore-bars" });
    chart.appendChild(svg("title")).textContent = "Comments per theme, split by the sentiment of the mention";
    top.forEach(function (t, i) {
      var y = 4 + i * rowH, g = svg("g", { "data-theme": t.id });
      var label = svg("text", { x: labelW - 8, y: y + 15, "text-anchor": "end", "font-size": 12, fill: "#1e293b" });
      label.textContent = t.id;
      g.appendChild(label);
      var x = labelW, full = plotW * t.count / max;
      [["negative", t.neg], ["neutral", t.neutral], ["positive", t.pos]].forEach(function (part) {
        var w = full * part[1];
        if (w <= 0) return;
        g.appendChild(svg("rect", { x: x.toFixed(1), y: y + 4, width: Math.max(w, 0.5).toFixed(1), height: rowH - 8,
                                    fill: COLOURS[part[0]] }));
        x += w;
      });
      var count = svg("text", { x: (labelW + full + 6).toFixed(1), y: y + 15, "font-size": 12, fill: "#64748b" });
      count.textContent = String(t.count);
      g.appendChild(count);
      drillable(g, "Comments about " + t.id, openTheme(t.id));
      chart.appendChild(g);
    });
    box.appendChild(chart);
    box.appendChild(el("p", { class: "note" },
      "Comments per theme under the filter; red, grey and green: negative, neutral and positive mentions. Click a bar for its comments."));
  }

  // --- charts under the filter: ports of feedback/report/charts.py, so they read as the static ones
  function niceTicks(low, high, count) {
    count = count || 5;
    if (high <= low) high = low + 1;
    var raw = (high - low) / Math.max(count - 1, 1);
    var magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * magnitude; }).filter(function (v) { return v >= raw; })[0];
    var ticks = [], value = Math.floor(low / step) * step;
    while (value < high + step * 1e-9) { ticks.push(Number(value.toFixed(10))); value += step; }
    if (ticks[ticks.length - 1] < high - step * 1e-9) ticks.push(Number(value.toFixed(10)));
    return ticks;
  }
  function tickDigits(ticks) {
    var step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) : 1;
    return step > 0 ? Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) : 0;
  }
  function signed(v, digits, sign) { return fixed(v, digits, sign).replace("-", "\u2212"); }
  function label(x, y, content, opts) {
    opts = opts || {};
    var t = svg("text", { x: x.toFixed(1), y: y.toFixed(1), "text-anchor": opts.anchor || "start",
                          "font-size": opts.size || 12, fill: opts.fill || INK });
    if (opts.bold) t.setAttribute("font-weight", "600");
    t.textContent = content;
    return t;
  }
  function line(x1, y1, x2, y2, stroke) {
    return svg("line", { x1: x1.toFixed(1), y1: y1.toFixed(1), x2: x2.toFixed(1), y2: y2.toFixed(1), stroke: stroke });
  }
  function chartBox(id, width, height, title) {
    var node = svg("svg", { id: id, width: width, height: Math.round(height), role: "img",
                            viewBox: "0 0 " + width + " " + Math.round(height) });
    node.appendChild(svg("title")).textContent = title;
    return node;
  }
  function figure(box, chart, caption) {
    var fig = el("figure");
    fig.appendChild(chart);
    fig.appendChild(el("figcaption", {}, caption));
    box.appendChild(fig);
  }
  // Themes the static report shows (at least min_count comments), in the theme table's order.
  function visible(themes) { return themes.filter(function (t) { return t.count >= data.min_count; }); }

  // feedback.stats.impact for medians: median of all minus median without the theme's comments
  // (the report's interval is a bootstrap, not repeated here).
  function medianImpact(kind, values, inTheme) {
    var rest = values.filter(function (_, i) { return !inTheme[i]; });
    if (!rest.length || rest.length === values.length) return { value: rest.length ? 0 : null, low: null, high: null };
    return { value: metric(kind, values) - metric(kind, rest), low: null, high: null };
  }

  // feedback.stats.impact of every theme at once: score of all comments minus score without the
  // theme's; for means of a per-comment value (NPS, CSAT, CES, ratings) w * (mean(theme) -
  // mean(rest)) with its normal 95% interval, w the theme's share of the answers. One pass of sums
  // over the comments (one pass per theme took most of a second on a 100,000-comment page).
  // members[i]: the theme slots of comment i.
  function impactsOf(kind, values, members, n) {
    if (kind.statistic === "median") {
      var out = [];
      for (var m = 0; m < n; m++) {
        out.push(medianImpact(kind, values, members.map(function (slots) { return slots.indexOf(m) >= 0; })));
      }
      return out;
    }
    var total = values.length, sum = 0, sq = 0, tSum = [], tSq = [], tN = [];
    for (var j = 0; j < n; j++) { tSum.push(0); tSq.push(0); tN.push(0); }
    values.forEach(function (v, i) {
      var u = perComment(kind.statistic, v);
      sum += u; sq += u * u;
      members[i].forEach(function (slot) { tSum[slot] += u; tSq[slot] += u * u; tN[slot] += 1; });
    });
    var ddof = kind.statistic === "mean" ? 1 : 0;
    var variance = function (s1, s2, k) { return Math.max(0, s2 - s1 * s1 / k) / (k - ddof); };
    return tN.map(function (nTheme, slot) {
      var nRest = total - nTheme;
      if (!nRest || !nTheme) return { value: nRest ? 0 : null, low: null, high: null };
      var rSum = sum - tSum[slot], rSq = sq - tSq[slot], w = nTheme / total;
      var value = w * (tSum[slot] / nTheme - rSum / nRest);
      if (Math.min(nTheme, nRest) <= ddof) return { value: value, low: null, high: null };
      var se = w * Math.sqrt(variance(tSum[slot], tSq[slot], nTheme) / nTheme + variance(rSum, rSq, nRest) / nRest);
      return { value: value, low: value - Z95 * se, high: value + Z95 * se };
    });
  }

  function drawImpact(rows, themes) {
    var box = document.getElementById("explore-impact");
    clear(box);
    var shown = visible(themes), slotOf = {};
    shown.forEach(function (t, j) { slotOf[themeIndex[t.id]] = j; });
    data.kinds.forEach(function (kind, k) {
      var values = [], members = [];
      rows.forEach(function (c) {
        if (c[4][k] === null || c[4][k] === undefined) return;
        values.push(c[4][k]);
        var slots = [];
        c[7].forEach(function (e) { if (slotOf[e[0]] !== undefined) slots.push(slotOf[e[0]]); });
        members.push(slots);
      });
      var scored = values, bars = [];
      impactsOf(kind, values, members, shown.length).forEach(function (effect, j) {
        if (effect.value === null) return;
        effect.theme = shown[j];
        effect.uncertain = effect.low === null || (effect.low <= 0 && 0 <= effect.high);
        bars.push(effect);
      });
      if (!bars.length) return;
      var width = 460, labelW = 150, valueW = 52, rowH = 22, top = 8, plotW = width - labelW - valueW;
      var extent = [0];
      bars.forEach(function (b) { extent.push(b.value); if (b.low !== null) extent.push(b.low, b.high); });
      var lo = Math.min.apply(null, extent), hi = Math.max.apply(null, extent), span = (hi - lo) || 1;
      var ticks = niceTicks(lo - span * 0.05, hi + span * 0.05);
      lo = Math.min(lo - span * 0.05, ticks[0]); hi = Math.max(hi + span * 0.05, ticks[ticks.length - 1]);
      var x = function (v) { return labelW + (v - lo) / (hi - lo) * plotW; };
      var height = top + rowH * bars.length + 26, title = "Impact on " + kind.title + " under the filter";
      var chart = chartBox("explore-impact-" + kind.kind, width, height, title);
      ticks.forEach(function (t) {
        chart.appendChild(line(x(t), top, x(t), height - 20, GRID));
        chart.appendChild(label(x(t), height - 6, signed(t, tickDigits(ticks)), { anchor: "middle", size: 11, fill: MUTED }));
      });
      chart.appendChild(line(x(0), top, x(0), height - 20, INK));
      bars.forEach(function (b, i) {
        var y = top + i * rowH, t = b.theme, good = (b.value >= 0) === (kind.better === "higher");
        var g = svg("g", { "data-theme": t.id, "data-value": b.value, "data-count": scored.length });
        if (b.low !== null) setAttrs(g, { "data-low": b.low, "data-high": b.high });
        g.appendChild(label(labelW - 8, y + 15, (t.sub ? "  " + t.id.split("/").slice(1).join("/") : t.id),
                            { anchor: "end", fill: t.sub ? MUTED : INK }));
        var x0 = Math.min(x(0), x(b.value)), x1 = Math.max(x(0), x(b.value));
        g.appendChild(svg("rect", { x: x0.toFixed(1), y: y + 4, width: Math.max(x1 - x0, 1).toFixed(1), height: rowH - 8, rx: 2,
                                    fill: good ? GOOD : BAD, "fill-opacity": b.uncertain ? 0.35 : 0.9 }));
        if (b.low !== null) {
          var a = x(b.low), c = x(b.high), mid = y + rowH / 2;
          g.appendChild(svg("path", { d: "M" + a.toFixed(1) + " " + mid + "H" + c.toFixed(1) + "M" + a.toFixed(1) + " " + (mid - 4)
                                         + "V" + (mid + 4) + "M" + c.toFixed(1) + " " + (mid - 4) + "V" + (mid + 4),
                                      stroke: INK, "stroke-width": 1.2, fill: "none" }));
        }
        g.appendChild(label(width - 4, y + 15, signed(b.value, kind.impact_digits, true),
                            { anchor: "end", fill: b.uncertain ? MUTED : INK }));
        drillable(g, "Comments about " + t.id + ": impact " + fixed(b.value, kind.impact_digits, true), openTheme(t.id));
        chart.appendChild(g);
      });
      figure(box, chart, title + ", computed here from the " + thousands(scored.length) + " filtered comments with a "
             + kind.name + ": whiskers are 95% intervals" + (kind.statistic === "median" ? " (none for medians: the report's are bootstrapped)" : "")
             + "; pale bars include 0. Unlike the static chart below, no false-discovery-rate control across themes."
             + (kind.better === "lower" ? " Lower is better." : ""));
    });
  }

  // _place_labels of charts.py: each text beside its dot where it overlaps no dot and no label;
  // null when one finds no room (the caller numbers the dots); with force, rings further out.
  function placeLabels(texts, dots, left, width, bottom, force) {
    var boxes = dots.map(function (d) { return [d[0] - 6, d[1] - 6, d[0] + 6, d[1] + 6]; });
    var near = [[9, 4, "start"], [-9, 4, "end"], [0, -10, "middle"], [0, 18, "middle"]], far = [];
    [22, 34, 48].forEach(function (r) {
      [[1, 0], [-1, 0], [0, -1], [0, 1], [0.7, -0.7], [-0.7, -0.7], [0.7, 0.7], [-0.7, 0.7]].forEach(function (d) {
        far.push([d[0] * r, d[1] * r + 4, "middle"]);
      });
    });
    var tries = force ? near.concat(far) : near, placed = [];
    var overlap = function (a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; };
    var order = texts.map(function (_, i) { return i; }).sort(function (a, b) { return dots[b][0] - dots[a][0]; });
    for (var n = 0; n < order.length; n++) {
      var i = order[n], cx = dots[i][0], cy = dots[i][1], w = 7 * texts[i].length, found = null;
      for (var k = 0; k < tries.length && !found; k++) {
        var x = cx + tries[k][0], y = cy + tries[k][1], anchor = tries[k][2];
        var x0 = anchor === "start" ? x : anchor === "end" ? x - w : x - w / 2, box = [x0 - 1, y - 11, x0 + w + 1, y + 3];
        if (x0 >= left && box[2] <= width && box[1] >= 0 && box[3] <= bottom + 4
            && !boxes.some(function (b) { return overlap(box, b); })) found = [x, y, anchor, box, k >= near.length];
      }
      if (!found) {
        if (!force) return null;
        found = [cx + 9, cy + 4, "start", [cx + 9, cy - 7, cx + 9 + w, cy + 7], false];
      }
      boxes.push(found[3]);
      placed.push({ i: i, x: found[0], y: found[1], anchor: found[2], leader: found[4] ? [cx, cy, found[0], found[1] - 4] : null });
    }
    return placed;
  }

  function drawScatter(themes) {
    var box = document.getElementById("explore-scatter");
    clear(box);
    var points = visible(themes).filter(function (t) { return !t.sub; });
    if (!points.length) return;
    var width = 760, height = 340, left = 52, right = 130, top = 12, bottom = 40;
    var plotW = width - left - right, plotH = height - top - bottom;
    var xTicks = niceTicks(0, Math.min(1, Math.max.apply(null, points.map(function (p) { return p.share; }).concat([0.05])) * 1.08));
    var yExt = Math.max.apply(null, points.map(function (p) { return Math.abs(p.sentiment); }).concat([0.2])) * 1.15;
    var yTicks = niceTicks(-yExt, yExt, 7);
    var xHi = xTicks[xTicks.length - 1], yLo = yTicks[0], yHi = yTicks[yTicks.length - 1];
    var px = function (v) { return left + v / xHi * plotW; };
    var py = function (v) { return top + (yHi - v) / (yHi - yLo) * plotH; };
    var title = "Share of comments and mean sentiment per theme, under the filter";
    var chart = chartBox("explore-scatter-chart", width, height, title);
    xTicks.forEach(function (t) {
      chart.appendChild(line(px(t), top, px(t), top + plotH, GRID));
      chart.appendChild(label(px(t), top + plotH + 16, (t * 100).toFixed(0) + "%", { anchor: "middle", size: 11, fill: MUTED }));
    });
    yTicks.forEach(function (t) {
      chart.appendChild(line(left, py(t), left + plotW, py(t), t === 0 ? INK : GRID));
      chart.appendChild(label(left - 6, py(t) + 4, signed(t, tickDigits(yTicks), t !== 0), { anchor: "end", size: 11, fill: MUTED }));
    });
    chart.appendChild(label(left + plotW / 2, height - 4, "share of comments mentioning the theme", { anchor: "middle", fill: MUTED }));
    var dots = points.map(function (p) { return [px(p.share), py(p.sentiment)]; });
    points.forEach(function (p, i) {
      var dot = svg("circle", { cx: dots[i][0].toFixed(1), cy: dots[i][1].toFixed(1), r: 6, "fill-opacity": 0.85,
                                fill: p.sentiment >= POSITIVE ? GOOD : p.sentiment <= NEGATIVE ? BAD : MUTED,
                                "data-theme": p.id, "data-x": p.share, "data-y": p.sentiment, "data-count": p.count });
      drillable(dot, "Comments about " + p.id + ": " + percent(p.share, 1) + " of comments, sentiment " + fixed(p.sentiment, 2, true),
                openTheme(p.id));
      chart.appendChild(dot);
    });
    var texts = points.map(function (p) { return p.id; }), numbered = points.length > MAX_NAMED_DOTS;
    var placed = numbered ? null : placeLabels(texts, dots, left, width, top + plotH, false);
    if (placed === null) {
      // Too many names to fit without overlap: numbers by the dots, the names in a legend.
      numbered = true;
      var order = points.map(function (_, i) { return i; })
        .sort(function (a, b) { return points[b].share - points[a].share || (points[a].id < points[b].id ? -1 : 1); });
      order.forEach(function (i, k) { texts[i] = String(k + 1); });
      placed = placeLabels(texts, dots, left, width, top + plotH, true);
      order.forEach(function (i, k) {
        var legend = label(left + (k % 4) * (plotW + right - 20) / 4, height + 14 + Math.floor(k / 4) * 16,
                           (k + 1) + "  " + points[i].id, { size: 11 });
        drillable(legend, "Comments about " + points[i].id, openTheme(points[i].id));
        chart.appendChild(legend);
      });
      height += 20 + 16 * Math.ceil(points.length / 4);
      setAttrs(chart, { height: height, viewBox: "0 0 " + width + " " + height });
    }
    placed.forEach(function (p) {
      if (p.leader) chart.appendChild(setStroke(line(p.leader[0], p.leader[1], p.leader[2], p.leader[3], MUTED)));
      var name = label(p.x, p.y, texts[p.i], { anchor: p.anchor });
      name.setAttribute("data-label", points[p.i].id);
      chart.appendChild(name);
    });
    figure(box, chart, "Each theme's share of the filtered comments (right: talked about more) and the mean sentiment "
           + "of its mentions (up: said more warmly); themes with at least " + data.min_count + " comments. Click a dot.");
  }
  function setStroke(node) { node.setAttribute("stroke-width", "0.8"); return node; }

  // Share of comments per period mentioning each of the biggest themes, from the comments that
  // pass every filter but the period's (the chosen period is marked, as a segment row is).
  function drawTrend(s) {
    var box = document.getElementById("explore-trend");
    clear(box);
    if (!data.periods || !data.periods.labels.length) return;
    var others = { theme: s.theme, also: s.also, sentiment: s.sentiment, period: "", seg: s.seg };
    var rows = comments.filter(function (c) { return matches(c, others); });
    var chosen = visible(themeStats(rows)).filter(function (t) { return !t.sub; }).slice(0, N_TREND_LINES);
    if (!chosen.length) return;
    var labels = data.periods.labels, n = labels.map(function () { return 0; });
    var counts = chosen.map(function () { return labels.map(function () { return 0; }); });
    var index = chosen.map(function (t) { return themeIndex[t.id]; });
    rows.forEach(function (c) {
      if (c[6] < 0) return;
      n[c[6]] += 1;
      c[7].forEach(function (e) { var j = index.indexOf(e[0]); if (j >= 0) counts[j][c[6]] += 1; });
    });
    var few = n.map(function (k) { return k < data.min_count; });
    var series = counts.map(function (row) { return row.map(function (k, i) { return n[i] ? k / n[i] : null; }); });
    var width = 900, height = 280, left = 52, right = 40, top = 12;
    var plotW = width - left - right, plotH = height - top - 36, total = height + Math.ceil(chosen.length / 3) * 18;
    var readable = [];
    series.forEach(function (v) { v.forEach(function (x, i) { if (x !== null && !few[i]) readable.push(x); }); });
    if (!readable.length) series.forEach(function (v) { v.forEach(function (x) { if (x !== null) readable.push(x); }); });
    var yTicks = niceTicks(0, Math.max.apply(null, readable.concat([0.01])) * 1.05);
    var yHi = yTicks[yTicks.length - 1], step = plotW / Math.max(labels.length - 1, 1);
    var px = function (i) { return left + (labels.length > 1 ? i * step : plotW / 2); };
    var py = function (v) { return top + (yHi - Math.min(Math.max(v, 0), yHi)) / yHi * plotH; };
    var title = "Share of comments per " + data.periods.unit + " under the filter";
    var chart = chartBox("explore-trend-chart", width, total, title);
    var half = labels.length > 1 ? step / 2 : plotW / 2;
    labels.forEach(function (p, i) {
      if (!few[i] && p !== s.period) return;
      var x0 = Math.max(left, px(i) - half), x1 = Math.min(left + plotW, px(i) + half);
      chart.appendChild(svg("rect", { x: x0.toFixed(1), y: top, width: (x1 - x0).toFixed(1), height: plotH,
                                      fill: p === s.period ? "#e0f2fe" : SHADE }));
    });
    yTicks.forEach(function (t) {
      chart.appendChild(line(left, py(t), left + plotW, py(t), GRID));
      chart.appendChild(label(left - 6, py(t) + 4, (t * 100).toFixed(0) + "%", { anchor: "end", size: 11, fill: MUTED }));
    });
    var every = Math.max(1, Math.ceil(labels.length / 12)), last = labels.length - 1;
    labels.forEach(function (p, i) {
      if (!(i === last || (i % every === 0 && (every === 1 || last - i >= every * 0.75)))) return;
      var tick = label(px(i), top + plotH + 16, p, { size: 11, fill: MUTED, anchor: i === last && i ? "end" : "middle" });
      tick.setAttribute("data-period", p);
      drillable(tick, "Comments in " + p + " (" + n[i] + ")", openPeriod(p));
      chart.appendChild(tick);
    });
    chosen.forEach(function (t, j) {
      var colour = PALETTE[j % PALETTE.length], values = series[j];
      for (var i = 0; i + 1 < values.length; i++) {
        if (values[i] === null || values[i + 1] === null) continue;
        var path = svg("path", { d: "M" + px(i).toFixed(1) + " " + py(values[i]).toFixed(1) + " L" + px(i + 1).toFixed(1) + " "
                                    + py(values[i + 1]).toFixed(1), fill: "none", stroke: colour, "stroke-width": 1.6, "stroke-linecap": "round" });
        if (few[i] || few[i + 1]) setAttrs(path, { "stroke-dasharray": "4 4", "stroke-opacity": 0.5 });
        chart.appendChild(path);
      }
      values.forEach(function (v, i) {
        if (v === null) return;
        var point = svg("circle", { cx: px(i).toFixed(1), cy: py(v).toFixed(1), r: few[i] ? 3 : 2.5, "data-theme": t.id,
                                    "data-period": labels[i], "data-value": v, "data-count": counts[j][i], "data-n": n[i],
                                    fill: few[i] ? "#fff" : colour, stroke: colour, "stroke-width": few[i] ? 1.2 : 0 });
        drillable(point, "Comments about " + t.id + " in " + labels[i] + ": " + counts[j][i] + " of " + n[i]
                  + " (" + percent(v, 1) + ")", openThemePeriod(t.id, labels[i]));
        chart.appendChild(point);
      });
      var lx = left + (j % 3) * (plotW / 3), ly = height + Math.floor(j / 3) * 18;
      chart.appendChild(svg("rect", { x: lx.toFixed(1), y: ly - 9, width: 14, height: 3, fill: colour }));
      var name = label(lx + 20, ly - 2, t.id);
      name.setAttribute("data-theme", t.id);
      drillable(name, "Comments about " + t.id, openTheme(t.id));
      chart.appendChild(name);
    });
    figure(box, chart, "Share of the filtered comments per " + data.periods.unit + " that mention each of the "
           + chosen.length + " biggest themes" + (s.period ? " (every " + data.periods.unit + " shown; " + s.period + " marked)" : "")
           + ". Shaded: fewer than " + data.min_count + " comments, hollow points and dashed lines. Click a point for its comments, a "
           + data.periods.unit + " for all of its.");
  }

  function drawThemes(themes) {
    var box = document.getElementById("explore-themes");
    clear(box);
    box.appendChild(el("h3", {}, "Themes under the filter"));
    if (!themes.length) { box.appendChild(el("p", { class: "note" }, "No theme is mentioned in these comments.")); return; }
    var headers = ["Theme", "Comments", "Share", "Sentiment", "Negative", "Positive"];
    data.kinds.forEach(function (k) { headers.push(k.name); });
    var t = table(headers, headers.map(function (_, i) { return i > 0; }));
    var body = t.querySelector("tbody");
    themes.forEach(function (th) {
      var row = el("tr", { "data-theme": th.id, class: th.sub ? "sub" : "" });
      var name = el("td", {}, th.sub ? th.id.split("/").slice(1).join("/") : th.id);
      if (th.count < data.min_count) name.appendChild(el("span", { class: "tag dim" }, "few"));
      row.appendChild(name);
      cell(row, String(th.count), th.count, "count");
      cell(row, percent(th.share, 1), th.share, "share");
      cell(row, fixed(th.sentiment, 2, true), th.sentiment, "sentiment");
      cell(row, percent(th.neg, 0), th.neg, "share_negative");
      cell(row, percent(th.pos, 0), th.pos, "share_positive");
      th.scores.forEach(function (v, k) { cell(row, fixed(v.value, scoreDigits(data.kinds[k])), v.value, "score_" + data.kinds[k].kind); });
      drillable(row, "Comments about " + th.id, openTheme(th.id));
      body.appendChild(row);
    });
    box.appendChild(t);
  }

  // Each segment table ignores its own column's filter (the others apply), so the chosen
  // segment is compared with its siblings; its row is marked.
  function drawSegments(s) {
    var box = document.getElementById("explore-segments");
    clear(box);
    data.columns.forEach(function (c, n) {
      var others = { theme: s.theme, also: s.also, sentiment: s.sentiment, period: s.period, seg: {} };
      Object.keys(s.seg).forEach(function (k) { if (k !== c.name) others.seg[k] = s.seg[k]; });
      var rows = comments.filter(function (r) { return matches(r, others); });
      box.appendChild(el("h3", {}, "By " + c.name + (describe(others) === "no filter" ? "" : " (" + describe(others) + ")")));
      var headers = ["Segment", "Comments", "Share", "Sentiment", "Negative"];
      data.kinds.forEach(function (k) { headers.push(k.name); });
      var t = table(headers, headers.map(function (_, i) { return i > 0; }));
      var body = t.querySelector("tbody");
      var groups = c.values.map(function () { return []; });
      rows.forEach(function (r) { groups[r[5][n]].push(r); }); // one pass, not one per segment
      c.values.forEach(function (value, v) {
        var members = groups[v];
        if (!members.length) return;
        var st = sentimentStats(members);
        var row = el("tr", { "data-column": c.name, "data-segment": value, class: s.seg[c.name] === value ? "selected" : "" });
        row.appendChild(el("td", {}, value));
        cell(row, String(members.length), members.length, "count");
        cell(row, percent(members.length / rows.length, 1), members.length / rows.length, "share");
        cell(row, fixed(st.mean, 2, true), st.mean, "sentiment");
        cell(row, percent(st.shares[0], 0), st.shares[0], "share_negative");
        scoreValues(members).forEach(function (sv, k) { cell(row, fixed(sv.value, scoreDigits(data.kinds[k])), sv.value, "score_" + data.kinds[k].kind); });
        drillable(row, "Comments in " + value, openSegment(c.name, value));
        body.appendChild(row);
      });
      box.appendChild(t);
    });
  }

  function highlighted(c, s) {
    var node = el("span", { class: "text" });
    var text = c[1], spans = [];
    var wanted = [s.theme, s.also].filter(Boolean).map(function (id) { return themeIndex[id]; });
    c[7].forEach(function (entry) {
      var id = data.themes[entry[0]];
      if (wanted.length ? wanted.indexOf(entry[0]) < 0 : id.indexOf("/") >= 0) return;
      for (var i = 2; i + 1 < entry.length; i += 2) spans.push([entry[i], entry[i + 1]]);
    });
    spans.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
    var position = 0;
    spans.forEach(function (sp) {
      if (sp[0] < position || sp[1] > text.length) return; // overlapping or cut off: text, not broken marks
      node.appendChild(document.createTextNode(text.slice(position, sp[0])));
      node.appendChild(el("mark", {}, text.slice(sp[0], sp[1])));
      position = sp[1];
    });
    node.appendChild(document.createTextNode(text.slice(position)));
    return node;
  }

  function drawComments(rows, s) {
    var box = document.getElementById("explore-comments");
    clear(box);
    if (!s.show) return;
    var head = el("h3", { id: "explore-comments-title" }, thousands(rows.length) + " comments: " + describe(s));
    box.appendChild(head);
    var list = el("div", { id: "explore-comment-list" });
    rows.slice(0, s.limit).forEach(function (c) {
      var quote = el("blockquote", { "data-id": c[0], class: c[2] === 0 ? "neg" : c[2] === 2 ? "pos" : "" });
      quote.appendChild(highlighted(c, s));
      var meta = [c[0]];
      if (c[2] !== null) meta.push("sentiment " + fixed(c[3], 2, true) + " (" + LABELS[c[2]] + ")");
      data.kinds.forEach(function (k, i) { if (c[4][i] !== null && c[4][i] !== undefined) meta.push(k.kind + " " + c[4][i]); });
      data.columns.forEach(function (col, n) { meta.push(col.name + ": " + col.values[c[5][n]]); });
      if (data.periods && c[6] >= 0) meta.push(data.periods.labels[c[6]]);
      var names = c[7].map(function (e) { return data.themes[e[0]]; }).filter(function (id) { return id.indexOf("/") < 0; });
      if (names.length) meta.push("themes: " + names.join(", "));
      quote.appendChild(el("span", { class: "meta" }, meta.join(" · ")));
      list.appendChild(quote);
    });
    box.appendChild(list);
    if (rows.length > s.limit) {
      var more = el("button", { type: "button", id: "explore-more" }, "Show " + Math.min(rows.length - s.limit, 200) + " more");
      more.addEventListener("click", function () { go(function (n) { n.show = true; n.limit = s.limit + 200; }); });
      box.appendChild(more);
    }
    if (!rows.length) box.appendChild(el("p", { class: "note" }, "No comment matches these filters."));
  }

  // A theme named by a static table cell or chart label: its id, a subtheme's short name
  // (when only one theme has it), else null.
  function themeNamed(text) {
    var found = data.themes.filter(function (t) { return t === text || t.split("/").slice(1).join("/") === text; });
    return found.length === 1 ? found[0] : null;
  }

  // The static parts of the page open the same drill-down: the charts' marks (bars, dots, trend
  // points and periods, carrying data-theme / data-period), their theme labels, and the rows of
  // the static tables by what their first column names: a segment (one table per --by column,
  // headed by its name; in "Theme share by" tables each cell opens segment and theme), a period,
  // a pair of themes ("a + b") or a theme. Key-driver rows are left out: their counts are of
  // mentions of a given sentiment, which no filter here reproduces.
  function enhanceStatic() {
    var marks = document.querySelectorAll("main figure svg [data-theme], main figure svg [data-period]");
    Array.prototype.forEach.call(marks, function (mark) {
      var id = mark.getAttribute("data-theme"), period = mark.getAttribute("data-period");
      if (id !== null && themeIndex[id] === undefined) return; // too rare to be embedded
      if (id !== null && period !== null) drillable(mark, "Comments about " + id + " in " + period, openThemePeriod(id, period));
      else if (id !== null) drillable(mark, "Comments about " + id, openTheme(id));
      else if (data.periods && data.periods.labels.indexOf(period) >= 0) drillable(mark, "Comments in " + period, openPeriod(period));
    });
    Array.prototype.forEach.call(document.querySelectorAll("main figure svg text"), function (text) {
      if (text.closest("[data-theme], [data-period]")) return;
      var id = themeNamed(text.textContent.trim());
      if (id !== null) drillable(text, "Comments about " + id, openTheme(id));
    });
    Array.prototype.forEach.call(document.querySelectorAll("main > table"), function (node) {
      var heads = Array.prototype.map.call(node.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      var column = data.columns.filter(function (c) { return c.name === heads[0]; })[0];
      var byPeriod = data.periods && heads[0] === data.periods.unit;
      var isDrivers = heads.indexOf("relative weight") >= 0 || heads.indexOf("effect") >= 0;
      if (isDrivers) return;
      Array.prototype.forEach.call(node.querySelectorAll("tbody tr"), function (row) {
        var first = row.cells[0] ? row.cells[0].textContent.trim() : "";
        if (column) {
          if (column.values.indexOf(first) < 0) return;
          drillable(row, "Comments in " + first, openSegment(column.name, first));
          Array.prototype.forEach.call(row.cells, function (td, i) {
            var theme = i > 1 && themeIndex[heads[i]] !== undefined ? heads[i] : null;
            if (theme === null) return;
            drillable(td, "Comments in " + first + " about " + theme, opener(function (s) {
              s.seg[column.name] = first; s.theme = theme; s.also = "";
            }));
            td.addEventListener("click", function (e) { e.stopPropagation(); });
            td.addEventListener("keydown", function (e) { e.stopPropagation(); });
          });
          return;
        }
        if (byPeriod) {
          var period = first.replace(/ \(few\)$/, "");
          if (data.periods.labels.indexOf(period) >= 0) drillable(row, "Comments in " + period, openPeriod(period));
          return;
        }
        var pair = first.split(" + ");
        if (pair.length === 2 && themeIndex[pair[0]] !== undefined && themeIndex[pair[1]] !== undefined) {
          drillable(row, "Comments about both " + pair[0] + " and " + pair[1], openPair(pair[0], pair[1]));
          return;
        }
        var id = themeNamed(first);
        if (id !== null) drillable(row, "Comments about " + id, openTheme(id));
      });
    });
  }

  function render() {
    state = readHash();
    var rows = comments.filter(function (c) { return matches(c, state); });
    var themes = themeStats(rows);
    root.classList.toggle("filtered", hashOf(state) !== "");
    drawControls(state);
    drawSummary(rows, state);
    drawChart(themes);
    drawImpact(rows, themes);
    drawScatter(themes);
    drawTrend(state);
    drawThemes(themes);
    drawSegments(state);
    drawComments(rows, state);
    if (scrollToComments && state.show) document.getElementById("explore-comments").scrollIntoView();
    scrollToComments = false;
    root.setAttribute("data-ready", "1");
  }

  root.hidden = false;
  enhanceStatic();
  window.addEventListener("hashchange", render);
  scrollToComments = readHash().show; // a link that opens comments shows them
  render();
})();
