"""The Python API for notebooks: DataFrames in (rows, not column names; the index as id; NaN as
missing), DataFrames and Arrow tables out (one row per comment, one row per theme mention).

The notebook test runs on real reviews: tests/data/golden/clothing.csv, 40 rows of the Women's
Clothing E-Commerce Reviews (Kaggle, nicapotato; CC0 1.0; see tests/data/golden/README.md)."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from feedback import analyze, analyze_frame, to_arrow, to_frame, to_mentions
from feedback.errors import InputError, MissingExtraError

from .conftest import DATA


@pytest.fixture(scope="module")
def reviews():
    """The real reviews as a notebook would have them: indexed by review id, with a date."""
    df = pd.read_csv(DATA / "golden" / "clothing.csv", index_col="review_id")
    df["submitted"] = pd.Timestamp("2025-03-01 09:30") + pd.to_timedelta(np.arange(len(df)), unit="h")
    df.loc[df.index[3], "Review Text"] = np.nan  # a row without a comment
    df.loc[df.index[5], "Rating"] = np.nan  # a question not answered
    df["Rating"] = df["Rating"].astype("Int64")  # pandas' nullable integers: pd.NA, numpy ints
    return df


@pytest.fixture(scope="module")
def review_records(reviews, rules_analyzer):
    return list(analyze(reviews, text_column="Review Text", scores={"rating": "Rating"}, analyzer=rules_analyzer))


def test_frames_notebook_dataframe_to_records_to_tables(reviews, review_records):
    records = review_records
    # One record per row, ids following the (non-default) index; the header is never a comment.
    assert len(records) == len(reviews)
    assert [r["id"] for r in records] == [str(i) for i in reviews.index]
    assert not {r.get("text") for r in records} & {*reviews.columns, "Review Text"}
    for record in records:
        json.dumps(record, allow_nan=False)  # Timestamps, numpy and pandas values all converted
    # The NaN comment is an error record, as an empty CSV cell is; the row is not lost.
    missing = records[3]
    assert missing["error"]["code"] == "empty_text" and missing["id"] == str(reviews.index[3])
    # The NaN score is a question not answered, not a problem; the others are read as numbers.
    unanswered = records[5]
    assert "rating" not in unanswered["scores"] and unanswered["problems"] == []
    analysed = [r for r in records if "error" not in r]
    assert len(analysed) == len(reviews) - 1
    expected = {str(i): int(v) for i, v in reviews["Rating"].items() if not pd.isna(v)}
    assert {r["id"]: r["scores"]["rating"] for r in analysed if "rating" in r["scores"]} == {
        i: v for i, v in expected.items() if i != missing["id"]}
    assert records[0]["fields"]["submitted"] == "2025-03-01T09:30:00"
    assert records[0]["fields"]["Title"] == reviews["Title"].iloc[0]
    assert "Title" not in records[2]["fields"] or records[2]["fields"]["Title"] is None  # NaN title: null
    # Real reviews: the sentiment follows the stars.
    by_stars = {}
    for r in analysed:
        if "rating" in r["scores"] and r["sentiment"]["compound"] is not None:
            by_stars.setdefault(r["scores"]["rating"] >= 4, []).append(r["sentiment"]["compound"])
    assert np.mean(by_stars[True]) > np.mean(by_stars[False])

    frame = to_frame(records)
    assert len(frame) == len(records) and list(frame["id"]) == [r["id"] for r in records]
    assert frame.loc[3, "error"] == "empty_text" and frame["error"].isna().sum() == len(records) - 1
    assert math.isnan(frame.loc[5, "score_rating"]) and frame.loc[0, "score_rating"] == reviews["Rating"].iloc[0]
    theme_columns = [c for c in frame.columns if c.startswith("theme_")]
    assert theme_columns, "real reviews mention themes"
    for i, record in enumerate(records):
        parents = {t["parent"] for t in record.get("themes", [])}
        assert {c[len("theme_"):] for c in theme_columns if pd.notna(frame.loc[i, c])} == parents
        for parent in parents:
            values = [t["sentiment"] for t in record["themes"] if t["parent"] == parent]
            assert frame.loc[i, f"theme_{parent}"] == pytest.approx(sum(values) / len(values))
    assert frame.loc[0, "submitted"] == "2025-03-01T09:30:00" and frame.loc[0, "Department Name"] == "Dresses"

    mentions = to_mentions(records)
    assert len(mentions) == sum(len(r.get("themes", [])) for r in records) > 0
    assert mentions.groupby("id").size().to_dict() == {
        r["id"]: len(r["themes"]) for r in analysed if r["themes"]}
    first = records[0]["themes"][0]
    row = mentions.iloc[0]
    assert (row["id"], row["theme"], row["evidence"], row["start"], row["end"]) == (
        records[0]["id"], first["parent"], first["evidence"], first["start"], first["end"])
    assert records[0]["text"][row["start"]:row["end"]] == row["evidence"]
    for _, m in mentions.iterrows():
        assert (m["theme"] if pd.isna(m["subtheme"]) else f"{m['theme']}/{m['subtheme']}") in {
            t["theme"] for r in analysed if r["id"] == m["id"] for t in r["themes"]}


def test_frames_analyze_frame_keeps_the_index_and_every_theme_column(reviews, rules_analyzer):
    table = analyze_frame(reviews, text_column="Review Text", analyzer=rules_analyzer)
    assert table.index.equals(reviews.index)
    joined = reviews.join(table[["sentiment", "themes", "error"]])
    assert len(joined) == len(reviews) and joined["error"].notna().sum() == 1
    assert joined.loc[reviews.index[0], "sentiment"] == table["sentiment"].iloc[0]
    assert [f"theme_{t}" for t in rules_analyzer.taxonomy.theme_ids] == [c for c in table.columns if c.startswith("theme_")]


def test_frames_a_series_and_lists_with_missing_values(rules_analyzer):
    series = pd.Series(["The delivery was late and support never answered.", np.nan, None, pd.NA, "nan"],
                       index=pd.Index(["a", "b", "c", "d", "e"], name="ticket"), dtype=object)
    records = list(analyze(series, analyzer=rules_analyzer))
    assert [r["id"] for r in records] == ["a", "b", "c", "d", "e"]
    assert [r.get("error", {}).get("code") for r in records] == [None, "empty_text", "empty_text", "empty_text", None]
    assert records[0]["text"].startswith("The delivery") and records[4]["text"] == "nan"  # the word is text
    # A column turned into a list keeps its NaN as a missing comment, not the word "nan".
    listed = list(analyze(list(series), analyzer=rules_analyzer))
    assert [r.get("error", {}).get("code") for r in listed][:4] == [None, "empty_text", "empty_text", "empty_text"]


def test_frames_named_id_column_wins_over_the_index(rules_analyzer):
    df = pd.DataFrame({"ticket": [np.int64(7), np.int64(9)], "comment": ["Great price.", "Too expensive."],
                       "nps": [np.float64(9.0), np.nan], "opened": pd.to_datetime(["2025-01-02", None])})
    records = list(analyze(df, id_column="ticket", analyzer=rules_analyzer))
    assert [r["id"] for r in records] == ["7", "9"]
    assert records[0]["scores"] == {"nps": 9} and records[1]["scores"] == {} and records[1]["problems"] == []
    assert records[0]["fields"] == {"opened": "2025-01-02T00:00:00"} and records[1]["fields"] == {"opened": None}
    default = list(analyze(df, analyzer=rules_analyzer))
    assert [r["id"] for r in default] == ["0", "1"] and default[0]["fields"]["ticket"] == 7


def test_frames_refuses_what_is_not_a_collection_of_comments():
    with pytest.raises(InputError, match=r"\[E023\].*str"):
        analyze("one comment")
    with pytest.raises(InputError, match=r"\[E023\].*dict"):
        analyze({"text": "one comment"})
    df = pd.DataFrame([["a", "b"]], columns=["comment", "comment"])
    with pytest.raises(InputError, match=r"\[E024\].*'comment'"):
        analyze(df)


def test_frames_arrow_tables_match_the_frames(review_records, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    comments = to_arrow(review_records)
    mentions = to_arrow(review_records, table="mentions")
    frame, long = to_frame(review_records), to_mentions(review_records)
    assert comments.column_names == list(frame.columns) and comments.num_rows == len(frame)
    assert mentions.column_names == list(long.columns) and mentions.num_rows == len(long)
    assert str(comments.schema.field("row").type) == "int64" and str(comments.schema.field("sentiment").type) == "double"
    pq.write_table(mentions, tmp_path / "mentions.parquet")
    back = pq.read_table(tmp_path / "mentions.parquet").to_pandas()
    assert back["evidence"].tolist() == long["evidence"].tolist()


def test_frames_without_pandas_is_one_coded_line(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MissingExtraError, match=r"\[E025\] DataFrames needs pandas: pip install 'feedback\[pandas\]'"):
        to_frame([])


def test_frames_polars_rows_are_read_like_pandas_rows(rules_analyzer):
    pl = pytest.importorskip("polars")
    import datetime as dt

    df = pl.DataFrame({"comment": ["Great price and fast delivery.", None, "Support was rude."],
                       "nps": [9, None, 2], "opened": [dt.datetime(2025, 1, 1, 9), None, None]})
    records = list(analyze(df, analyzer=rules_analyzer))
    assert [r["id"] for r in records] == ["1", "2", "3"]  # no index: rows are numbered, as in a file
    assert records[1]["error"]["code"] == "empty_text" and records[1]["values"]["comment"] is None
    assert records[0]["scores"] == {"nps": 9} and records[0]["fields"] == {"opened": "2025-01-01T09:00:00"}
    assert records[2]["scores"] == {"nps": 2} and records[2]["problems"] == []
    for record in records:
        json.dumps(record, allow_nan=False)
    assert [r["id"] for r in analyze(df["comment"], analyzer=rules_analyzer)] == ["1", "2", "3"]
    assert list(analyze_frame(df, analyzer=rules_analyzer)["error"].isna()) == [True, False, True]


def test_frames_dicts_columns_come_from_the_first_items_not_the_first_alone(rules_analyzer):
    rows = [{"id": "a", "comment": "Support was slow."},
            {"id": "b", "comment": "Great price, would recommend.", "nps": 10},
            {"id": "c", "comment": "Fine.", "nps": "7"}]
    records = list(analyze(rows, analyzer=rules_analyzer))
    assert [r["scores"] for r in records] == [{}, {"nps": 10}, {"nps": 7}]
    assert all(r["problems"] == [] and r["fields"] == {} for r in records)


def test_frames_numbered_columns_are_named_by_their_labels(rules_analyzer):
    df = pd.DataFrame([["Support was slow to answer.", 3], ["Great price.", 9]])  # columns 0 and 1
    records = list(analyze(df, text_column=0, scores={"nps": 1}, analyzer=rules_analyzer))
    assert [r["text"] for r in records] == list(df[0]) and [r["scores"] for r in records] == [{"nps": 3}, {"nps": 9}]


def test_frames_carried_columns_keep_their_own_types(rules_analyzer):
    pytest.importorskip("pyarrow")
    df = pd.DataFrame({"comment": ["Great price.", "Slow delivery."], "start": ["monday", "tuesday"],
                       "probability": ["high", None], "code": [1, "x"]})
    records = list(analyze(df, analyzer=rules_analyzer))
    table = to_arrow(records)
    assert table.column("start").to_pylist() == ["monday", "tuesday"]
    assert table.column("probability").to_pylist() == ["high", None]
    assert table.column("code").to_pylist() == ["1", "x"]  # mixed types: text
    frame = to_frame(records)
    assert list(frame["start"]) == ["monday", "tuesday"] and frame.loc[0, "probability"] == "high"
