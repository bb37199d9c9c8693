"""The sheet a person labels (`feedback label`): CSV or .xlsx, with its instructions.

Columns, in order:
    id                   the comment's id (as `feedback analyze` gives it)
    text                 the comment
    predicted_themes     the model's themes with polarity: "price:negative; quality:positive"
    predicted_sentiment  the model's overall sentiment: positive, neutral or negative
    themes               to fill: the themes as the person reads them, same format
    sentiment            to fill: positive, neutral or negative
    uncertainty          how unsure the model was, 0 to 1 (from the second round, part of why it was chosen)
`feedback.io.labelled.read_labelled` reads the filled sheet back (blank rows are not labels).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Sequence

from ..errors import Errors, InputError
from .files import atomic_output

COLUMNS = ("id", "text", "predicted_themes", "predicted_sentiment", "themes", "sentiment", "uncertainty")
# Spreadsheets turn a cell starting with these into a formula (OWASP "CSV injection"): such a
# comment is written with a leading "'", which `read_labelled` takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

INSTRUCTIONS = """\
# How to label {name}

{n} comments were chosen because the model is unsure about them and they differ from each other:
your labels on these teach it the most. Fill two columns per row; leave the others as they are.

- **themes**: what the comment is about, each theme with the comment's feeling about it,
  separated by semicolons: `price:negative; quality:positive`. Polarity is positive, negative,
  neutral or conflict (short forms: pos, neg, neu). A theme without a polarity (`price`) is
  allowed. Write `none` if the comment is about no theme, or `=` if the prediction beside it
  (`predicted_themes`) is right. Use the theme names you want to see in reports: new ones are
  learned from a few dozen examples each.
- **sentiment**: the comment's overall feeling: positive, neutral or negative (`=` takes
  `predicted_sentiment`).
- A row whose themes and sentiment are both left blank is skipped, not read as "no theme":
  you can stop at any point and train on what you have.

Then adapt the shipped model (or yours) with your labels, and label the next round:

    feedback train {file} --base default -o models/mine
    feedback evaluate {file} --model models/mine
    feedback label INPUT -n {n} --model models/mine --exclude {file} -o round2.{suffix}

Themes you did not label keep what the base model knows. Details: docs/labelling.md.
"""


def sheet_rows(records: Sequence[Any], predictions: Sequence[Any], uncertainty: Sequence[float]) -> list[dict[str, str]]:
    """The sheet's rows: each record with the model's prediction pre-filled.

    records (Sequence[AnalyzedRecord]): The chosen comments.
    predictions (Sequence[AnalyzedRecord]): The same comments as the model analysed them.
    uncertainty (Sequence[float]): How unsure the model was about each.
    RETURNS (list[dict[str, str]]): One dict per row, keyed by COLUMNS.
    """
    rows = []
    for record, predicted, u in zip(records, predictions, uncertainty):
        polarity: dict[str, list[str]] = {}
        for m in predicted.themes:
            polarity.setdefault(m.parent, []).append(m.label)
        themes = "; ".join(f"{t}:{_one_polarity(labels)}" for t, labels in polarity.items())
        rows.append({"id": record.id, "text": record.text, "predicted_themes": themes,
                     "predicted_sentiment": predicted.label or "", "themes": "", "sentiment": "",
                     "uncertainty": f"{u:.3f}"})
    return rows


def _one_polarity(labels: list[str]) -> str:
    kinds = set(labels) - {"neutral"}
    return kinds.pop() if len(kinds) == 1 else "conflict" if kinds else "neutral"


def write_sheet(rows: Sequence[dict[str, str]], path: str) -> Path:
    """Write the sheet (.csv, or .xlsx with the instructions as a second sheet) and, beside it,
    the instructions as Markdown (`<name>.instructions.md`).

    rows (Sequence[dict[str, str]]): From `sheet_rows`.
    path (str): Where; the extension picks the format.
    RETURNS (Path): The instructions file written.
    RAISES (InputError): An .xlsx asked for without xlsxwriter (the `xlsx` extra).
    """
    target = Path(path)
    suffix = target.suffix.lower().lstrip(".") or "csv"
    text = INSTRUCTIONS.format(name=target.name, n=len(rows), file=target.name, suffix=suffix)
    instructions = target.with_name(target.stem + ".instructions.md")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if suffix == "xlsx":
            _write_xlsx(rows, path, text)
        else:
            with atomic_output(path) as f:
                writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
                writer.writeheader()
                writer.writerows({k: _safe(v) for k, v in row.items()} for row in rows)
        with atomic_output(str(instructions)) as f:
            f.write(text)
    except OSError as e:
        raise InputError(Errors.E226.format(path=path, reason=e.strerror or e)) from None
    return instructions


def _safe(value: str) -> str:
    return "'" + value if value.lstrip().startswith(FORMULA_START) else value


def _write_xlsx(rows: Sequence[dict[str, str]], path: str, instructions: str) -> None:
    try:
        import xlsxwriter
    except ImportError:
        raise InputError(Errors.E033.format(path=path)) from None
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    workbook = xlsxwriter.Workbook(str(partial), {"strings_to_formulas": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet("to label")
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    for c, name in enumerate(COLUMNS):
        sheet.write_string(0, c, name, bold)
    for r, row in enumerate(rows, 1):
        for c, name in enumerate(COLUMNS):
            sheet.write_string(r, c, row[name], wrap if name == "text" else None)
    sheet.set_column(1, 1, 70)
    sheet.set_column(2, 5, 24)
    sheet.freeze_panes(1, 0)
    help_sheet = workbook.add_worksheet("instructions")
    help_sheet.set_column(0, 0, 110)
    for r, line in enumerate(instructions.splitlines()):
        help_sheet.write_string(r, 0, line)
    workbook.close()
    partial.replace(target)
