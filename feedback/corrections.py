"""Corrections a person made: comment id -> themes (with polarity) and sentiment, as ground truth.

`feedback analyze --corrections FILE` applies them to the records it writes (and so on every
re-analysis: a correction is never lost), `feedback report --corrections FILE` to the records it
reads, and `feedback train` reads the same file as labels when it carries the comments' text.

CSV/TSV  columns id, themes ("price:negative; quality:positive", "none" for no theme),
         sentiment; a blank cell leaves that part as analysed. A filled `feedback label`
         sheet is a corrections file.
JSONL    {"id": "...", "themes": {"price": "negative"}, "sentiment": "negative"}; a missing key
         leaves that part as analysed; "themes": {} says no theme.
A corrected theme mention and a corrected sentiment carry "source": "person"; a corrected
record lists what was corrected in "corrected".
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from .errors import Errors, InputError
from .io.json_lines import read_json_lines
from .io.labelled import POLARITY_ALIASES, SENTIMENTS, _check, parse_themes
from .records import AnalyzedRecord, ThemeMention
from .scores import normalise_name

PERSON = "person"
# The compound a corrected label gets when the analysed one disagrees with it: VADER's band's
# middle, so the label and the number agree (|compound| >= 0.05 is positive or negative).
LABEL_COMPOUND = {"positive": 0.5, "negative": -0.5, "neutral": 0.0, "conflict": 0.0}


@dataclass(frozen=True)
class Correction:
    """What a person set for one comment; None leaves that part as analysed."""

    id: str
    themes: dict[str, str | None] | None = None
    sentiment: str | None = None


def read_corrections(path: str) -> dict[str, Correction]:
    """Read a corrections file (CSV, TSV or JSONL, by extension); a later line for the same id wins.

    path (str): The file.
    RETURNS (dict[str, Correction]): Comment id -> correction.
    RAISES (InputError): A missing or unreadable file, or a malformed line (with its number).
    """
    file = Path(path)
    if not file.is_file():
        raise InputError(Errors.E001.format(path=path))
    suffix = file.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson", ".json"):
            items = _read_jsonl(path)
        elif suffix in (".csv", ".tsv"):
            items = _read_csv(path, "\t" if suffix == ".tsv" else ",")
        else:
            raise InputError(Errors.E034.format(path=path))
    except UnicodeDecodeError as e:
        raise InputError(Errors.E003.format(path=path, reason=f"not UTF-8 text ({e})")) from None
    except (OSError, csv.Error) as e:
        raise InputError(Errors.E003.format(path=path, reason=e)) from None
    return {c.id: c for c in items}


def _read_csv(path: str, delimiter: str) -> list[Correction]:
    items = []
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        columns = list(reader.fieldnames or [])
        if "id" not in columns or not ({"themes", "sentiment"} & set(columns)):
            raise InputError(Errors.E035.format(path=path, columns=columns))
        for row in reader:
            where = f"{path} line {reader.line_num}"
            identifier = (row.get("id") or "").strip()
            cell, sentiment = (row.get("themes") or "").strip(), (row.get("sentiment") or "").strip()
            if not cell and not sentiment:
                continue  # nothing corrected (e.g. a sheet row left blank)
            if not identifier:
                raise InputError(Errors.E036.format(where=where))
            items.append(Correction(identifier, _themes(parse_themes(cell, where), where) if cell else None,
                                    _check(POLARITY_ALIASES.get(sentiment.lower(), sentiment), SENTIMENTS, where)))
    return items


def _read_jsonl(path: str) -> list[Correction]:
    items = []
    for lineno, obj in read_json_lines(path, lambda n, reason: InputError(Errors.E037.format(where=f"{path} line {n}",
                                                                                            reason=reason))):
        where = f"{path} line {lineno}"
        if not isinstance(obj, dict):
            raise InputError(Errors.E037.format(where=where, reason="not a JSON object"))
        identifier = obj.get("id")
        if identifier is None or str(identifier).strip() == "":
            raise InputError(Errors.E036.format(where=where))
        themes: dict[str, str | None] | None = None
        raw = obj.get("themes")
        if isinstance(raw, list):
            themes = {str(t): None for t in raw}
        elif isinstance(raw, dict):
            themes = {str(t): _check(p, SENTIMENTS, where) for t, p in raw.items()}
        elif raw is not None:
            raise InputError(Errors.E037.format(where=where, reason="'themes' must be an object or a list"))
        items.append(Correction(str(identifier), _themes(themes, where) if themes is not None else None,
                                _check(obj.get("sentiment"), SENTIMENTS, where)))
    return items


def _themes(themes: dict[str, str | None], where: str) -> dict[str, str | None]:
    """Theme ids as records spell them ("Delivery Speed" -> "delivery_speed"); a person's polarity
    is positive, negative or neutral (a record's mention has no "conflict").

    RAISES (InputError): A theme name with no letter or digit, or a "conflict" polarity.
    """
    out: dict[str, str | None] = {}
    for theme, polarity in themes.items():
        parent, _, sub = theme.partition("/")
        name = "/".join(n for n in (normalise_name(parent), normalise_name(sub)) if n)
        if not normalise_name(parent):
            raise InputError(Errors.E038.format(where=where, theme=theme))
        out[name] = _check(polarity, SENTIMENTS, where)
    return out


def apply_correction(record: AnalyzedRecord, correction: Correction) -> AnalyzedRecord:
    """The record with a person's correction: their themes and sentiment replace the analysed ones.

    A corrected theme keeps the analysed mentions' evidence where the analysis found it (their
    polarity set by the person, "source": "person"); one the analysis missed gets a mention
    without evidence. Themes the person left out are dropped.
    """
    themes = record.themes
    corrected: list[str] = []
    if correction.themes is not None:
        corrected.append("themes")
        themes = []
        for theme, polarity in correction.themes.items():
            found = [m for m in record.themes if m.parent == theme or m.theme == theme]
            if not found:
                label = polarity or "neutral"
                themes.append(ThemeMention(theme, LABEL_COMPOUND[label], label, "", 0, 0, 0, False, PERSON, None))
            for m in found:
                label = polarity or m.label
                value = m.sentiment if label == m.label else LABEL_COMPOUND[label]
                themes.append(ThemeMention(m.theme, value, label, m.evidence, m.start, m.end, m.sentence, m.negated,
                                           PERSON, None))
    compound, label_ = record.compound, record.label
    if correction.sentiment is not None:
        corrected.append("sentiment")
        if label_ != correction.sentiment or compound is None:
            compound, label_ = LABEL_COMPOUND[correction.sentiment], correction.sentiment
    r = record
    return AnalyzedRecord(r.id, r.row, r.text, compound, label_, r.sentences, themes, r.scores, r.fields, r.problems,
                          r.redacted, r.language, r.skipped, r.text_fields, r.duplicate_of, tuple(corrected))


def apply_corrections(record: AnalyzedRecord, corrections: Mapping[str, Correction] | None) -> AnalyzedRecord:
    """The record corrected when `corrections` has its id, else as it is."""
    if not corrections:
        return record
    correction = corrections.get(record.id)
    return apply_correction(record, correction) if correction is not None else record


def correct_records(records: Iterable[dict[str, Any]],
                    corrections: Mapping[str, Correction] | None) -> Iterator[dict[str, Any]]:
    """Records as JSON objects (what `feedback report` reads), each corrected when
    `corrections` has its id; error records and the rest pass as they are."""
    for record in records:
        correction = corrections.get(str(record.get("id"))) if corrections and "error" not in record else None
        yield correct_record_dict(record, correction) if correction is not None else record


def correct_record_dict(record: dict[str, Any], correction: Correction) -> dict[str, Any]:
    """A JSON record with a person's correction, as `apply_correction` does to an AnalyzedRecord."""
    out = dict(record)
    corrected = list(record.get("corrected") or [])
    if correction.themes is not None:
        mentions = []
        analysed = [m for m in record.get("themes") or [] if isinstance(m, dict)]
        for theme, polarity in correction.themes.items():
            found = [m for m in analysed if m.get("parent") == theme or m.get("theme") == theme]
            if not found:
                new_label = polarity or "neutral"
                mentions.append({"theme": theme, "parent": theme.split("/", 1)[0],
                                 "sentiment": LABEL_COMPOUND[new_label], "label": new_label, "evidence": "", "start": 0, "end": 0, "sentence": 0,
                                 "negated": False, "source": PERSON})
            for m in found:
                label = polarity or str(m.get("label"))
                value = m.get("sentiment") if label == m.get("label") else LABEL_COMPOUND.get(label, 0.0)
                mention = {k: v for k, v in m.items() if k != "confidence"}
                mentions.append(mention | {"label": label, "sentiment": value, "source": PERSON})
        out["themes"] = mentions
        corrected.append("themes")
    if correction.sentiment is not None:
        sentiment = dict(record.get("sentiment") or {})
        if sentiment.get("label") != correction.sentiment or sentiment.get("compound") is None:
            sentiment["compound"] = LABEL_COMPOUND[correction.sentiment]
        sentiment |= {"label": correction.sentiment, "source": PERSON}
        out["sentiment"] = sentiment
        corrected.append("sentiment")
    out["corrected"] = list(dict.fromkeys(corrected))
    return out
