"""Labelled comments for training and evaluation: reading JSONL, CSV and SemEval-2014 XML.

JSONL  {"id": ..., "text": ..., "themes": {"<theme>": "<polarity>", ...}, "sentiment": "<label>"}
       (`themes` may also be a list of theme ids when polarities are unknown)
CSV    columns text (or any name found by --text-column rules), themes ("speed:negative;price"),
       sentiment (optional)
XML    SemEval-2014 Task 4: <sentence><text/><aspectCategories><aspectCategory category polarity/>
"""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from .columns import find_text_column
from .scores import normalise_name
from .errors import InputError

POLARITIES = ("positive", "negative", "neutral", "conflict")
SENTIMENTS = ("positive", "negative", "neutral")


@dataclass(frozen=True)
class LabelledComment:
    """A comment with its gold themes (theme -> polarity or None) and overall sentiment."""

    id: str
    text: str
    themes: dict[str, str | None] = field(default_factory=dict)
    sentiment: str | None = None


def read_labelled(path: str, *, mapping: dict[str, str] | None = None) -> list[LabelledComment]:
    """Read a labelled file; the format follows the extension (.jsonl, .csv, .xml).

    path (str): The file.
    mapping (dict[str, str] | None): Gold theme name -> theme id (`--map price=price`). When
        given, gold themes not in it are dropped, so a taxonomy is scored on what it covers.
    RETURNS (list[LabelledComment]): The comments in file order.
    RAISES (InputError): Unreadable file or a malformed line, with its line number.
    """
    suffix = Path(path).suffix.lower()
    if not Path(path).is_file():
        raise InputError(f"No such file: {path}")
    if suffix in (".jsonl", ".ndjson", ".json"):
        items = _read_jsonl(path)
    elif suffix in (".csv", ".tsv"):
        items = _read_csv(path, "\t" if suffix == ".tsv" else ",")
    elif suffix == ".xml":
        items = _read_semeval(path)
    else:
        raise InputError(f"Cannot read labelled data from {path!r}: use .jsonl, .csv, .tsv or SemEval .xml")
    if mapping is not None:
        items = [
            LabelledComment(c.id, c.text, {mapping[t]: p for t, p in c.themes.items() if t in mapping}, c.sentiment)
            for c in items
        ]
    # Theme ids are lowercase words joined by "_": "anecdotes/miscellaneous" would otherwise
    # read as a subtheme of "anecdotes". --map keys above are the names as written in the file.
    return [LabelledComment(c.id, c.text, {normalise_name(t) or t: p for t, p in c.themes.items()}, c.sentiment)
            for c in items]


def _check(value: str | None, allowed: tuple[str, ...], where: str) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip().lower()
    if value not in allowed:
        raise InputError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _read_jsonl(path: str) -> list[LabelledComment]:
    items = []
    with open(path, encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = json.loads(line)
            except ValueError as e:
                raise InputError(f"{where}: not valid JSON ({e})") from None
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                raise InputError(f"{where}: expected an object with a 'text' string")
            raw = obj.get("themes") or {}
            if isinstance(raw, list):
                themes = {str(t): None for t in raw}
            elif isinstance(raw, dict):
                themes = {str(t): _check(p, POLARITIES, where) for t, p in raw.items()}
            else:
                raise InputError(f"{where}: 'themes' must be an object or a list")
            items.append(LabelledComment(str(obj.get("id", lineno)), obj["text"], themes,
                                         _check(obj.get("sentiment"), SENTIMENTS, where)))
    return items


def _read_csv(path: str, delimiter: str) -> list[LabelledComment]:
    items = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        columns = reader.fieldnames or []
        text_column = find_text_column(columns)
        if text_column is None or "themes" not in columns:
            raise InputError(f"{path}: needs a text column and a 'themes' column; found {columns}")
        for n, row in enumerate(reader, 1):
            where = f"{path} row {n}"
            themes: dict[str, str | None] = {}
            for part in (row.get("themes") or "").replace("|", ";").split(";"):
                if part.strip():
                    theme, _, polarity = part.partition(":")
                    themes[theme.strip()] = _check(polarity, POLARITIES, where)
            items.append(LabelledComment(row.get("id") or str(n), row[text_column] or "", themes,
                                         _check(row.get("sentiment"), SENTIMENTS, where)))
    return items


def _read_semeval(path: str) -> list[LabelledComment]:
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        raise InputError(f"{path}: not valid XML ({e})") from None
    items = []
    for sentence in root.iter("sentence"):
        text = sentence.findtext("text") or ""
        themes: dict[str, str | None] = {}
        for category in sentence.iter("aspectCategory"):
            themes[category.get("category", "")] = _check(category.get("polarity"), POLARITIES, path)
        items.append(LabelledComment(sentence.get("id", str(len(items) + 1)), text, themes))
    return items
