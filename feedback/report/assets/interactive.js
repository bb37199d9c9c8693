// The "Explore" section of the feedback report: filters, tables and a chart redrawn from the
// comments embedded in the page, and the comments behind any theme or segment.
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
    var s = { theme: p.get("theme") || "", sentiment: p.get("sentiment") || "", period: p.get("period") || "",
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
  function matches(c, s) {
    if (s.theme) {
      var t = themeIndex[s.theme], found = false;
      for (var i = 0; i < c[7].length; i++) if (c[7][i][0] === t) { found = true; break; }
      if (!found) return false;
    }
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
    node.addEventListener("click", action);
    node.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); action(); } });
  }
  function openTheme(id) {
    return function () { scrollToComments = true; go(function (s) { s.theme = id; s.show = true; s.limit = PAGE; }); };
  }
  function openSegment(column, value) {
    return function () { scrollToComments = true; go(function (s) { s.seg[column] = value; s.show = true; s.limit = PAGE; }); };
  }

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
    select("theme", "theme", data.themes, s.theme, function (n, v) { n.theme = v; });
    select("sentiment", "sentiment", LABELS, s.sentiment, function (n, v) { n.sentiment = v; });
    var show = el("button", { type: "button", id: "explore-show" }, s.show ? "Hide comments" : "Read the comments");
    show.addEventListener("click", function () { go(function (n) { n.show = !n.show; n.limit = PAGE; }); });
    box.appendChild(show);
    var reset = el("button", { type: "button", id: "explore-reset" }, "Clear filters");
    reset.addEventListener("click", function () { go(function (n) { n.theme = n.sentiment = n.period = ""; n.seg = {}; }); });
    box.appendChild(reset);
  }

  function describe(s) {
    var parts = [];
    data.columns.forEach(function (c) { if (s.seg[c.name] !== undefined) parts.push(c.name + " = " + s.seg[c.name]); });
    if (s.period) parts.push(data.periods.unit + " = " + s.period);
    if (s.theme) parts.push("theme = " + s.theme);
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
      var others = { theme: s.theme, sentiment: s.sentiment, period: s.period, seg: {} };
      Object.keys(s.seg).forEach(function (k) { if (k !== c.name) others.seg[k] = s.seg[k]; });
      var rows = comments.filter(function (r) { return matches(r, others); });
      box.appendChild(el("h3", {}, "By " + c.name + (describe(others) === "no filter" ? "" : " (" + describe(others) + ")")));
      var headers = ["Segment", "Comments", "Share", "Sentiment", "Negative"];
      data.kinds.forEach(function (k) { headers.push(k.name); });
      var t = table(headers, headers.map(function (_, i) { return i > 0; }));
      var body = t.querySelector("tbody");
      c.values.forEach(function (value, v) {
        var members = rows.filter(function (r) { return r[5][n] === v; });
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
    var wanted = s.theme ? themeIndex[s.theme] : null;
    c[7].forEach(function (entry) {
      var id = data.themes[entry[0]];
      if (wanted !== null ? entry[0] !== wanted : id.indexOf("/") >= 0) return;
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

  // The static parts of the page (Themes and Segments tables, the charts' theme labels) open
  // the same drill-down.
  function enhanceStaticTables() {
    Array.prototype.forEach.call(document.querySelectorAll("main figure svg text"), function (label) {
      var id = themeNamed(label.textContent.trim());
      if (id !== null) drillable(label, "Comments about " + id, openTheme(id));
    });
    Array.prototype.forEach.call(document.querySelectorAll("main > h2"), function (h2) {
      var title = h2.textContent.trim();
      if (title !== "Themes" && title !== "Segments") return;
      for (var node = h2.nextElementSibling; node && node.tagName !== "H2"; node = node.nextElementSibling) {
        if (node.tagName !== "TABLE") continue;
        // A segment table's first header names its column (one table per --by column).
        var header = node.querySelector("thead th");
        var column = data.columns.filter(function (c) { return header && c.name === header.textContent.trim(); })[0];
        Array.prototype.forEach.call(node.querySelectorAll("tbody tr"), function (row) {
          var first = row.cells[0] ? row.cells[0].textContent.trim() : "";
          if (title === "Themes") {
            var id = themeNamed(first);
            if (id !== null) drillable(row, "Comments about " + id, openTheme(id));
          } else if (column && column.values.indexOf(first) >= 0) {
            drillable(row, "Comments in " + first, openSegment(column.name, first));
          }
        });
      }
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
    drawThemes(themes);
    drawSegments(state);
    drawComments(rows, state);
    if (scrollToComments && state.show) document.getElementById("explore-comments").scrollIntoView();
    scrollToComments = false;
    root.setAttribute("data-ready", "1");
  }

  root.hidden = false;
  enhanceStaticTables();
  window.addEventListener("hashchange", render);
  scrollToComments = readHash().show; // a link that opens comments shows them
  render();
})();
