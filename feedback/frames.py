"""Records as DataFrames and Arrow tables, for notebooks, BI tools and SQL.

    >>> import pandas as pd, feedback
    >>> df = pd.read_csv("reviews.csv", index_col="review_id")
    >>> comments = feedback.analyze_frame(df, text_column="Review Text")  # same index as df
    >>> mentions = feedback.to_mentions(feedback.analyze(df, text_column="Review Text"))

`to_frame` gives one row per comment (the layout of `feedback.io.tables`: sentiment, scores,
one `theme_<id>` column per theme holding the mean sentiment of its mentions, the input's
other columns); `to_mentions` one row per theme mention. pandas is an optional dependency (the
`pandas` extra), pyarrow too (`parquet`); neither is imported before one of these is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .config import AUTO_MODEL
from .errors import Errors, MissingExtraError
from .io.tables import COMMENT_COLUMNS, MENTION_COLUMNS, CommentLayout, layout_for, mention_rows

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from .pipeline import Analyzer

# Column types of the tables' own columns; carried columns get whatever their values are.
_INTEGERS = frozenset({"row", "start", "end", "sentence"})
_FLOATS = frozenset({"sentiment", "probability"})
_BOOLEANS = frozenset({"negated"})


def require_pandas() -> Any:
    """Import pandas, or fail with one line that says how to install it."""
    try:
        import pandas
    except ImportError:
        raise MissingExtraError(Errors.E025.format(what="DataFrames", package="pandas",
                                                   hint="pip install 'feedback[pandas]'")) from None
    return pandas


def to_frame(records: Iterable[dict[str, Any]], *, themes: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per record: a DataFrame for a notebook.

    Columns: id, row, text, language, skipped, sentiment (the compound, -1 to 1),
    sentiment_label, themes (every theme and subtheme mentioned, "; "-joined), problems (their
    codes), error and error_message (set only for rows that could not be analysed), then
    `score_<kind>` per score, `theme_<id>` per top-level theme (the mean sentiment of the
    comment's mentions of it; empty where not mentioned), then the input's other columns
    (lists and objects as JSON text; a name that is taken gets a `field_` prefix).

    records (Iterable[dict]): Records and error records, as `feedback.analyze` yields them.
    themes (Sequence[str] | None): The theme columns, e.g. `analyzer.taxonomy.theme_ids`;
        None: the themes mentioned, sorted.
    RETURNS (pd.DataFrame): A RangeIndex; `analyze_frame` keeps the input's index instead.
    RAISES (MissingExtraError): pandas is not installed.
    """
    pd = require_pandas()
    records = list(records)
    layout = layout_for(records, themes=themes)
    return pd.DataFrame(_columns(layout.columns, [layout.row(r) for r in records], layout))


def to_mentions(records: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """One row per theme mention: a long table for BI tools and SQL.

    Columns: id, row, theme (top-level), subtheme (None for the theme itself), polarity
    (positive, negative or neutral), sentiment (the clause's, -1 to 1), evidence (the words),
    start and end (character offsets into the comment's text), sentence (its index), negated,
    source (rules, model, rules+model) and probability (the model's, None for the rules alone).
    Comments without a theme, and error records, have no rows.

    records (Iterable[dict]): Records as `feedback.analyze` yields them.
    RETURNS (pd.DataFrame): As many rows as the records have theme mentions.
    RAISES (MissingExtraError): pandas is not installed.
    """
    pd = require_pandas()
    rows = [row for record in records for row in mention_rows(record)]
    return pd.DataFrame(_columns(list(MENTION_COLUMNS), rows))


def to_arrow(records: Iterable[dict[str, Any]], *, table: str = "comments",
             themes: Sequence[str] | None = None) -> pa.Table:
    """The same tables as Arrow, for DuckDB, Polars or Parquet (`pyarrow.parquet.write_table`).

    records (Iterable[dict]): Records and error records, as `feedback.analyze` yields them.
    table (str): "comments" (`to_frame`'s columns) or "mentions" (`to_mentions`').
    themes (Sequence[str] | None): As in `to_frame`.
    RETURNS (pa.Table): Typed columns; a carried column whose values mix types is text.
    RAISES (MissingExtraError): pyarrow is not installed.
    RAISES (OptionsError): `table` is neither.
    """
    from .errors import OptionsError
    from .io.parquet import require_pyarrow

    pa = require_pyarrow()
    if table not in ("comments", "mentions"):
        raise OptionsError(Errors.E502.format(name="table", value=table, allowed="comments, mentions"))
    records = list(records)
    if table == "mentions":
        data = _columns(list(MENTION_COLUMNS), [row for r in records for row in mention_rows(r)])
        own = set(MENTION_COLUMNS)
    else:
        layout = layout_for(records, themes=themes)
        data = _columns(layout.columns, [layout.row(r) for r in records], layout)
        own = set(COMMENT_COLUMNS)
    # Only the tables' own columns have fixed types: a carried column named `start` is the input's.
    return pa.table({name: _arrow_array(pa, name if name in own else "", values) for name, values in data.items()})


def analyze_frame(
    frame: Any,
    *,
    text_column: str | None = None,
    id_column: str | None = None,
    scores: dict[str, str] | None = None,
    taxonomy: str | None = None,
    lexicon: str | None = None,
    model: str | None = AUTO_MODEL,
    redact: bool = False,
    analyzer: Analyzer | None = None,
) -> pd.DataFrame:
    """`analyze` and `to_frame` in one call: a DataFrame in, a DataFrame out, row for row.

    Every input row gives one output row (rows that could not be analysed, such as a missing
    comment, have `error` set), and a pandas input's index is kept, so
    `df.join(result[["sentiment", "themes"]])` puts the results beside the input. Every
    theme of the taxonomy (and of the model) has its column, mentioned or not.

    frame (DataFrame | Series | Iterable): What `feedback.analyze` takes.
    The other parameters are `feedback.analyze`'s.
    RETURNS (pd.DataFrame): `to_frame`'s columns.
    """
    from .config import AnalysisOptions
    from .pipeline import Analyzer, analyze

    require_pandas()
    analyzer = analyzer or Analyzer.from_options(AnalysisOptions(taxonomy, lexicon, model))
    themes = list(analyzer.taxonomy.theme_ids)
    if analyzer.theme_model is not None:
        themes += [t for t in analyzer.theme_model.themes_ if t not in themes]
    records = list(analyze(frame, text_column=text_column, id_column=id_column, scores=scores, redact=redact,
                           analyzer=analyzer))
    result = to_frame(records, themes=themes)
    index = getattr(frame, "index", None)
    if index is not None and type(frame).__module__.startswith("pandas") and len(index) == len(result):
        result.index = index
    return result


def _columns(names: list[str], rows: list[list[Any]], layout: CommentLayout | None = None) -> dict[str, list[Any]]:
    """Rows as columns, numbers as floats where a column can be empty (NaN, as pandas has it)."""
    data = {name: [row[i] for row in rows] for i, name in enumerate(names)}
    floats = set(_FLOATS) & set(MENTION_COLUMNS if layout is None else COMMENT_COLUMNS)
    if layout is not None:
        own = len(COMMENT_COLUMNS)
        floats |= set(names[own:own + len(layout.scores) + len(layout.themes)])
    for name in floats & set(data):
        data[name] = [float("nan") if v is None else float(v) for v in data[name]]
    return data


def _arrow_array(pa: Any, name: str, values: list[Any]) -> Any:
    if name in _INTEGERS:
        return pa.array(values, type=pa.int64())
    if name in _BOOLEANS:
        return pa.array(values, type=pa.bool_())
    if values and all(isinstance(v, float) for v in values):
        return pa.array([None if v != v else v for v in values], type=pa.float64())  # NaN is missing
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a carried column of mixed types
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())
