"""Teaching the model your data: choose comments to label, then adapt a model with the labels.

The round trip, from a notebook (the CLI's `feedback label` and `feedback train --base` are
the same functions):

    >>> from feedback.labelling import label, adapt_model
    >>> sheet = label("export.csv", n=200, output="to_label.csv")    # fill its themes/sentiment
    >>> model = adapt_model("to_label.csv", base="default", output="models/mine")
    >>> sheet2 = label("export.csv", n=200, model="models/mine", exclude=["to_label.csv"],
    ...                output="round2.csv")

`feedback analyze --model models/mine` then uses the adapted model (docs/labelling.md).
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

from .config import DEFAULT_MODEL, AnalysisOptions, ReadOptions
from .errors import Errors, ModelError
from .io.label_sheet import sheet_rows, write_sheet
from .io.labelled import read_labelled
from .model.adapted import AdaptedModel, save_adapted, write_adapted_card
from .model.adapting import adapt
from .model.selection import Selection, select_for_labelling
from .pipeline import Analyzer, analyze_rows, load_theme_model, merge_prediction, model_input
from .records import AnalyzedRecord, SourceRow


def label(
    comments: str | Iterable[str | dict[str, Any]],
    n: int = 200,
    *,
    output: str | None = None,
    model: str | Any = DEFAULT_MODEL,
    taxonomy: str | None = None,
    seed: int = 0,
    exclude: Sequence[str] = (),
    read: ReadOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, str]]:
    """Choose the `n` comments whose labels would teach `model` the most, with its predictions.

    comments (str | Iterable[str | dict]): An export's path (any format `feedback analyze`
        reads), or comments as strings or dicts with a text field.
    n (int): How many to choose.
    output (str | None): Write the sheet there (.csv, or .xlsx with the `xlsx` extra) and its
        instructions beside it (`<name>.instructions.md`).
    model (str | ThemeModel | AdaptedModel): The model to improve: "default" (the shipped one),
        a model directory (e.g. the one adapted in the last round) or a loaded model.
    taxonomy (str | None): The taxonomy the model reads rule hits from (default: the shipped one).
    seed (int): The same comments, model and seed give the same sheet.
    exclude (Sequence[str]): Labelled files (e.g. earlier rounds' sheets): their comments, by id
        and by text, are not chosen again.
    read (ReadOptions | None): How to read `comments` when it is a path (columns, format).
    progress (Callable[[str], None] | None): Told what is being done, step by step.
    RETURNS (list[dict[str, str]]): The sheet's rows (`feedback.io.label_sheet.COLUMNS`).
    RAISES (FeedbackError): An unreadable input, model or excluded file; no comment to choose.
    """
    say = progress or (lambda message: None)
    theme_model = load_theme_model(model) if isinstance(model, str) else model
    if not hasattr(theme_model, "predict_proba"):
        raise ModelError(Errors.E225.format(kind=type(theme_model).__name__))
    labelled = [c for path in exclude for c in read_labelled(path)]
    rules = Analyzer.from_options(AnalysisOptions(taxonomy=taxonomy, model=None))
    say("Reading and screening the comments (spaCy, VADER, taxonomy)")
    records = [r for r in analyze_rows(_rows(comments, read), read or ReadOptions(), rules)
               if isinstance(r, AnalyzedRecord)]
    say(f"Choosing {n} of {len(records)} comments: spread over the export and (after the first round) uncertain")
    selection = choose_comments(records, theme_model, n, seed=seed, labelled_ids=[c.id for c in labelled],
                                labelled_texts=[c.text for c in labelled])
    left = ", ".join(f"{v} {k}" for k, v in selection.left_out.items() if v)
    say(f"Chose {len(selection.records)} of {selection.n_candidates} candidates" + (f" (left out: {left})" if left else ""))
    predictions = theme_model.predict([model_input(r) for r in selection.records])
    cut = getattr(theme_model, "comment_polarity_cut", None)
    predicted = [merge_prediction(r, p, theme_model.themes_, comment_polarity_cut=cut)
                 for r, p in zip(selection.records, predictions)]
    rows = sheet_rows(selection.records, predicted, selection.uncertainty)
    if output:
        instructions = write_sheet(rows, output)
        say(f"Wrote {output} and {instructions}")
    return rows


def choose_comments(records: Sequence[AnalyzedRecord], model: Any, n: int, *, seed: int = 0,
                    labelled_ids: Iterable[str] = (), labelled_texts: Iterable[str] = ()) -> Selection:
    """`feedback.model.selection.select_for_labelling`, for records already analysed."""
    return select_for_labelling(records, model, n, seed=seed, labelled_ids=labelled_ids,
                                labelled_texts=labelled_texts)


def adapt_model(
    labelled: str | Sequence[str],
    *,
    base: str | Any = DEFAULT_MODEL,
    output: str | None = None,
    taxonomy: str | None = None,
    test: str | None = None,
    params: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> AdaptedModel:
    """Adapt `base` with labelled files (filled sheets, corrections, JSONL, CSV, SemEval XML).

    labelled (str | Sequence[str]): The label files.
    base (str | ThemeModel | AdaptedModel): "default" (the shipped model), a model directory or
        a loaded model. Themes the labels do not cover keep the base's heads.
    output (str | None): Save the adapted model there (with a README.md model card).
    taxonomy (str | None): The taxonomy whose rule hits the models read.
    test (str | None): A held-out labelled file, scored once into the card.
    params (dict | None): Adapter parameters (see `feedback.model.adapted.ADAPTER_PARAMS`).
    progress (Callable[[str], None] | None): Told what is being done, step by step.
    RETURNS (AdaptedModel): The adapted model; `analyze(..., model=output)` uses it.
    RAISES (FeedbackError): An unreadable file, no labels, or labels a model cannot fit.
    """
    paths = [labelled] if isinstance(labelled, str) else list(labelled)
    items = [c for path in paths for c in read_labelled(path)]
    model, card = adapt(items, base=base, analysis=AnalysisOptions(taxonomy=taxonomy, model=None), params=params,
                        test=read_labelled(test) if test else None, sources=paths, progress=progress)
    model.card_ = card
    if output:
        save_adapted(model, output)
        write_adapted_card(output)
    return model


def _rows(comments: str | Iterable[str | dict[str, Any]], read: ReadOptions | None) -> Iterable[Any]:
    if isinstance(comments, str):
        from .io import open_input
        from dataclasses import replace

        return open_input(replace(read or ReadOptions(), path=comments)).rows
    return (SourceRow(n, n, {"text": item} if isinstance(item, str) else dict(item))
            for n, item in enumerate(comments, 1))
