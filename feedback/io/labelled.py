"""Labelled comments for training and evaluation: reading JSONL, CSV and SemEval-2014 XML.

JSONL  {"id": ..., "text": ..., "themes": {"<theme>": "<polarity>", ...}, "sentiment": "<label>"}
       (`themes` may also be a list of theme ids when polarities are unknown)
CSV    columns text (or any name the comment-column rules find), themes ("speed:negative;price"),
       sentiment (optional). A sheet written by `feedback label` (it has predicted_themes) is
       read as a person filled it: rows whose themes and sentiment are both blank are not
       labels; "none" says no theme; "=" takes the prediction beside it as right.
       Polarities may be shortened: pos, neg, neu, +, -.
XLSX   the first sheet, read as a CSV (`feedback label -o to_label.xlsx`)
XML    SemEval-2014 Task 4: <sentence><text/><aspectCategories><aspectCategory category polarity/>
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

from ..columns import find_text_column
from ..errors import Errors, InputError
from .json_lines import read_json_lines
from ..records import ErrorRecord
from ..redact import redact_text
from ..scores import normalise_name

POLARITIES = ("positive", "negative", "neutral", "conflict")
SENTIMENTS = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class LabelledComment:
    """A comment with its gold themes (theme -> polarity or None) and overall sentiment."""

    id: str
    text: str
    themes: dict[str, str | None] = field(default_factory=dict)
    sentiment: str | None = None


def read_labelled(path: str, *, mapping: dict[str, str] | None = None, redact: bool = False) -> list[LabelledComment]:
    """Read a labelled file; the format follows the extension (.jsonl, .csv, .tsv, .xml, and
    .xlsx for a sheet from `feedback label`).

    path (str): The file.
    mapping (dict[str, str] | None): Gold theme name -> theme id ({"price": "price"}). When
        given, gold themes not in it are dropped, so a taxonomy is scored on what it covers.
    redact (bool): Mask PII in each comment's text and id (`feedback.redact`), so that a model
        trained on them keeps no email, phone or card number in its vocabulary.
    RETURNS (list[LabelledComment]): The comments in file order.
    RAISES (InputError): Unreadable file or a malformed line, with its line number.
    """
    suffix = Path(path).suffix.lower()
    if not Path(path).is_file():
        raise InputError(Errors.E001.format(path=path))
    try:
        if suffix in (".jsonl", ".ndjson", ".json"):
            items = _read_jsonl(path)
        elif suffix in (".csv", ".tsv"):
            items = _read_csv(path, "\t" if suffix == ".tsv" else ",")
        elif suffix == ".xml":
            items = _read_semeval(path)
        elif suffix in (".xlsx", ".xls", ".ods"):
            items = _read_xlsx(path)
        else:
            raise InputError(Errors.E215.format(path=path))
    except UnicodeDecodeError as e:
        raise InputError(Errors.E003.format(path=path, reason=f"not UTF-8 text ({e})")) from None
    except (OSError, csv.Error) as e:
        raise InputError(Errors.E003.format(path=path, reason=e)) from None
    if redact:
        counts: Counter[str] = Counter()
        items = [replace(c, id=redact_text(c.id, counts), text=redact_text(c.text, counts)) for c in items]
    if mapping is not None:
        items = [
            LabelledComment(c.id, c.text, {mapping[t]: p for t, p in c.themes.items() if t in mapping}, c.sentiment)
            for c in items
        ]
    # Theme ids are lowercase words joined by "_": "anecdotes/miscellaneous" would otherwise
    # read as a subtheme of "anecdotes". --map keys above are the names as written in the file.
    return [LabelledComment(c.id, c.text, {normalise_name(t) or t: p for t, p in c.themes.items()}, c.sentiment)
            for c in items]


def _check(value: object, allowed: tuple[str, ...], where: str) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InputError(Errors.E221.format(where=where, value=value, allowed=", ".join(allowed)))
    value = value.strip().lower()
    if value not in allowed:
        raise InputError(Errors.E221.format(where=where, value=value, allowed=", ".join(allowed)))
    return value


def _read_jsonl(path: str) -> list[LabelledComment]:
    items = []
    for lineno, obj in read_json_lines(path, lambda n, reason: InputError(Errors.E216.format(where=f"{path}:{n}",
                                                                                            reason=reason))):
        where = f"{path}:{lineno}"
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise InputError(Errors.E217.format(where=where))
        raw = obj.get("themes") or {}
        themes: dict[str, str | None]
        if isinstance(raw, list):
            themes = {str(t): None for t in raw}
        elif isinstance(raw, dict):
            themes = {str(t): _check(p, POLARITIES, where) for t, p in raw.items()}
        else:
            raise InputError(Errors.E218.format(where=where))
        items.append(LabelledComment(str(obj.get("id", lineno)), obj["text"], themes,
                                     _check(obj.get("sentiment"), SENTIMENTS, where)))
    return items


# Cells a spreadsheet would run as formulas; `feedback label` writes them with a leading "'".
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# What a person may type for a polarity in a sheet.
POLARITY_ALIASES = {"pos": "positive", "+": "positive", "neg": "negative", "-": "negative",
                    "neu": "neutral", "0": "neutral", "mixed": "conflict"}
# A themes cell that says the comment has no theme (a label, unlike a blank cell on a sheet).
NO_THEME = ("none", "no theme", "no themes", "-")
# A cell that accepts the model's prediction beside it.
SAME_AS_PREDICTED = ("=", "ok", "same")


def _read_csv(path: str, delimiter: str, *, require_text: bool = True) -> list[LabelledComment]:
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        return _read_rows(path, list(reader.fieldnames or []), reader, require_text=require_text)


def _read_xlsx(path: str, *, require_text: bool = True) -> list[LabelledComment]:
    """A workbook's first sheet (a `feedback label` .xlsx: "to label") read as a CSV would be."""
    from .spreadsheets import open_workbook

    table = open_workbook(path)
    rows = ({k: "" if v is None else str(v) for k, v in row.values.items()}
            for row in table.rows if not isinstance(row, ErrorRecord))
    return _read_rows(path, table.columns, rows, require_text=require_text)


def _read_rows(path: str, columns: list[str], rows: Iterable[dict[str, Any]], *,
               require_text: bool = True) -> list[LabelledComment]:
    items = []
    text_column = find_text_column(columns)
    if (text_column is None and require_text) or not ({"themes", "sentiment"} & set(columns)):
        raise InputError(Errors.E219.format(path=path, columns=columns))
    # A sheet from `feedback label`: blank rows were left unlabelled, not labelled "no theme".
    sheet = "predicted_themes" in columns
    for n, row in enumerate(rows, 1):
        where = f"{path} row {n}"
        cell, sentiment = (row.get("themes") or "").strip(), (row.get("sentiment") or "").strip()
        if sheet and not cell and not sentiment:
            continue
        if cell.lower() in SAME_AS_PREDICTED:
            cell = row.get("predicted_themes") or ""
        if sentiment.lower() in SAME_AS_PREDICTED:
            sentiment = row.get("predicted_sentiment") or ""
        text = (row.get(text_column) if text_column else None) or ""
        identifier = (row.get("id") or "").strip()
        if sheet:  # the sheet's guard against spreadsheet formulas comes off
            text, identifier = _unguard(text), _unguard(identifier)
        items.append(LabelledComment(identifier or str(n), text, parse_themes(cell, where),
                                     _check(POLARITY_ALIASES.get(sentiment.lower(), sentiment), SENTIMENTS, where)))
    return items


def _unguard(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].lstrip().startswith(FORMULA_START) else value


def parse_themes(cell: str, where: str) -> dict[str, str | None]:
    """A themes cell ("price:negative; quality:positive", "price", "none") as theme -> polarity.

    RAISES (InputError): A polarity that is not one (with `where`).
    """
    themes: dict[str, str | None] = {}
    if cell.strip().lower() in NO_THEME:
        return themes
    for part in cell.replace("|", ";").replace(",", ";").split(";"):
        if part.strip():
            theme, _, polarity = part.partition(":")
            polarity = polarity.strip()
            themes[theme.strip()] = _check(POLARITY_ALIASES.get(polarity.lower(), polarity), POLARITIES, where)
    return themes


def _read_semeval(path: str) -> list[LabelledComment]:
    import xml.etree.ElementTree as ET  # here: `analyze` loads this module but reads no XML

    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise InputError(Errors.E220.format(path=path, reason=e)) from None
    items: list[LabelledComment] = []
    for sentence in root.iter("sentence"):
        text = sentence.findtext("text") or ""
        themes: dict[str, str | None] = {}
        for category in sentence.iter("aspectCategory"):
            themes[category.get("category", "")] = _check(category.get("polarity"), POLARITIES, path)
        items.append(LabelledComment(sentence.get("id", str(len(items) + 1)), text, themes))
    return items
