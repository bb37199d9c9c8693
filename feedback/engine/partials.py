"""Partial aggregates: counts and sums per partition that add up across partitions.

A partition's partial is computed where its records are (on a Dask worker), and only the
partials travel; `combine_partials` adds them and `summarize_partial` turns the total into NPS,
CSAT and per-theme figures. The layout is described in docs/distributed.md.
"""

from __future__ import annotations

from typing import Any, Iterable

from ..scores import kind_of

# --- partial aggregates --------------------------------------------------------------------


def partial_aggregate(records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Sum up records into a partial aggregate: counts and sums that add across partitions.

    Combine partials with `combine_partials` and turn the total into figures with
    `summarize_partial`; the layout is described in docs/distributed.md.

    records (Iterable[dict]): Records as `feedback analyze` writes them; error records (with an
        "error" key) are counted as errors.
    RETURNS (dict): The partial aggregate (JSON-serialisable).
    """
    partial: dict[str, Any] = {
        "n_records": 0, "n_errors": 0, "n_with_problems": 0,
        "sentiment": {"n": 0, "sum": 0.0, "labels": {}},
        "scores": {}, "themes": {}, "subthemes": {},
    }
    sentiment, score_totals, themes, subthemes = (partial["sentiment"], partial["scores"], partial["themes"],
                                                   partial["subthemes"])
    for record in records:
        if "error" in record:
            partial["n_errors"] += 1
            continue
        partial["n_records"] += 1
        partial["n_with_problems"] += bool(record.get("problems"))
        if record.get("skipped"):  # a non-answer or another language: its scores count, nothing else
            _bump(partial.setdefault("not_analysed", {}), str(record["skipped"]))
            for kind, value in record["scores"].items():
                _add_score(score_totals.setdefault(kind, _score_total(kind)), kind, value)
            continue
        compound = float(record["sentiment"]["compound"])
        sentiment["n"] += 1
        sentiment["sum"] += compound
        _bump(sentiment["labels"], record["sentiment"]["label"])
        scores = record["scores"]
        for kind, value in scores.items():
            _add_score(score_totals.setdefault(kind, _score_total(kind)), kind, value)
        by_theme: dict[str, list[float]] = {}
        for mention in record["themes"]:
            by_theme.setdefault(mention["parent"], []).append(float(mention["sentiment"]))
            if "/" in mention["theme"]:
                sub = subthemes.setdefault(mention["theme"], {"comments": 0, "mentions": 0})
                sub["mentions"] += 1
        for theme_id in {m["theme"] for m in record["themes"] if "/" in m["theme"]}:
            subthemes[theme_id]["comments"] += 1
        for parent, sentiments in by_theme.items():
            theme = themes.setdefault(parent, {"comments": 0, "mentions": 0, "sentiment_sum": 0.0, "scores": {}})
            theme["comments"] += 1
            theme["mentions"] += len(sentiments)
            theme["sentiment_sum"] += sum(sentiments) / len(sentiments)
            for kind, value in scores.items():
                _add_score(theme["scores"].setdefault(kind, _score_total(kind)), kind, value)
    return partial


def _bump(counts: dict[str, int], key: str, n: int = 1) -> None:
    counts[key] = counts.get(key, 0) + n


def _score_total(kind: str) -> dict[str, Any]:
    total: dict[str, Any] = {"n": 0, "sum": 0.0, "sum_sq": 0.0, "min": None, "max": None}
    if kind_of(kind).integer:
        total["counts"] = {}  # answers on a short integer scale: enough for NPS, top-2 box, medians
    return total


def _add_score(total: dict[str, Any], kind: str, value: float) -> None:
    total["n"] += 1
    total["sum"] += value
    total["sum_sq"] += value * value
    total["min"] = value if total["min"] is None else min(total["min"], value)
    total["max"] = value if total["max"] is None else max(total["max"], value)
    if "counts" in total:
        _bump(total["counts"], str(int(value)))


def combine_partials(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Add two partial aggregates: numbers add, `min`/`max` keep the extreme, dicts merge.

    a, b (dict): Partials from `partial_aggregate` (or earlier combinations).
    RETURNS (dict): A new partial, as if the records of both had been summed at once.
    """
    out: dict[str, Any] = {}
    for key in a.keys() | b.keys():
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            out[key] = y if x is None else x
        elif isinstance(x, dict):
            out[key] = combine_partials(x, y)
        elif key == "min":
            out[key] = min(x, y)
        elif key == "max":
            out[key] = max(x, y)
        else:
            out[key] = x + y
    return out


def summarize_partial(total: dict[str, Any]) -> dict[str, Any]:
    """The overall figures a combined partial gives: NPS, CSAT, means, per-theme counts.

    NPS is % promoters (9-10) minus % detractors (0-6); CSAT the % of answers 4-5 (top-2 box);
    other kinds get their mean. A theme's sentiment is the mean over the comments mentioning
    it of their mean mention sentiment.

    total (dict): A partial aggregate, usually the combination of every partition's.
    RETURNS (dict): The figures (JSON-serialisable).
    """
    n_records = total["n_records"]
    sentiment = total["sentiment"]
    return {
        "n_records": n_records,
        "n_errors": total["n_errors"],
        "n_with_problems": total["n_with_problems"],
        "not_analysed": dict(sorted(total.get("not_analysed", {}).items())),
        "sentiment": {"mean": _ratio(sentiment["sum"], sentiment["n"]), "labels": dict(sorted(sentiment["labels"].items()))},
        "scores": {kind: _score_figures(kind, t) for kind, t in sorted(total["scores"].items())},
        "themes": {
            theme_id: {
                "comments": t["comments"],
                "share": _ratio(t["comments"], n_records),
                "mentions": t["mentions"],
                "sentiment": _ratio(t["sentiment_sum"], t["comments"]),
                "scores": {kind: _score_figures(kind, s) for kind, s in sorted(t["scores"].items())},
            }
            for theme_id, t in sorted(total["themes"].items(), key=lambda kv: (-kv[1]["comments"], kv[0]))
        },
        "subthemes": dict(sorted(total["subthemes"].items())),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 6) if b else None


def _score_figures(kind: str, total: dict[str, Any]) -> dict[str, Any]:
    n = total["n"]
    figures: dict[str, Any] = {"n": n, "mean": _ratio(total["sum"], n)}
    if "min" in total:
        figures["min"], figures["max"] = total["min"], total["max"]
    counts = {int(k): v for k, v in total.get("counts", {}).items()}
    if kind == "nps" and n:
        promoters = sum(v for k, v in counts.items() if k >= 9)
        detractors = sum(v for k, v in counts.items() if k <= 6)
        figures["nps"] = round(100.0 * (promoters - detractors) / n, 4)
    if kind == "csat" and n:
        figures["top2"] = round(100.0 * sum(v for k, v in counts.items() if k >= 4) / n, 4)
    return figures

