"""Survey exports whose header takes more than one row: recognised, and their extra rows set aside.

    Qualtrics     row 1 field ids (`ResponseId`, `QID4`, `Q3_1`), row 2 the question text, row 3
                  (newer exports) `{"ImportId":"QID4"}` per column; the legacy export has `V1`,
                  `V2`... over `ResponseID`, `ResponseSet`... and the question text
    SurveyMonkey  row 1 the question text (blank over the 2nd and later options of a question),
                  row 2 sub-headers: "Response", "Open-Ended Response" or the option's label

The extra header rows are never analysed as comments: they are read, turned into `Table.labels`
(column -> question text, what `columns.resolve_columns` reads when a column name is an opaque
id), and the rows after them are numbered from 1 again. Each row keeps its physical line.
"""

from __future__ import annotations

import dataclasses
from itertools import chain
from typing import Any, Iterator

from ..records import ErrorRecord, SourceRow
from .table import Table

# How many rows are looked at to recognise a layout: the longest known header has 3 rows.
_HEADER_ROWS = 2
_QUALTRICS_FIELDS = frozenset({"responseid", "response_id", "startdate", "enddate", "recordeddate",
                               "ipaddress", "distributionchannel", "userlanguage", "finished"})
_QUALTRICS_LABELS = frozenset({"response id", "start date", "end date", "recorded date", "ip address",
                               "response type", "distribution channel", "user language", "finished"})
_SURVEYMONKEY_SUBHEADERS = frozenset({"response", "open-ended response"})
_SURVEYMONKEY_FIELDS = frozenset({"respondent id", "collector id", "start date", "end date", "ip address"})


def set_aside_header_rows(table: Table, *, header_rows: int | None = None, layout: str | None = None) -> Table:
    """The table with a survey export's extra header rows taken out and read as column labels.

    table (Table): As a reader opened it (its first row still in `rows`).
    header_rows (int | None): Rows the header takes (--header-rows): rows 2 to N are read as
        labels, whatever the layout; None recognises the known layouts.
    layout (str | None): "Qualtrics" or "SurveyMonkey" to read the file as that layout even
        when it is not recognised (--source).
    RETURNS (Table): The same table when no known layout is recognised; otherwise one whose
        `labels` hold each column's question text, whose `layout` names the export, and whose
        rows start at the first answer.
    """
    head: list[SourceRow | ErrorRecord] = []
    rows = iter(table.rows)
    wanted = max(_HEADER_ROWS, (header_rows or 1) - 1)
    for row in rows:
        head.append(row)
        if len(head) == wanted or not isinstance(row, SourceRow):
            break
    values = [row.values for row in head if isinstance(row, SourceRow)]
    skip, labels = 0, {}
    if header_rows is not None:
        if header_rows > 1:
            skip = min(header_rows - 1, len(head))
            labels = _joined_labels(table.columns, [row.values for row in head[:skip] if isinstance(row, SourceRow)])
            layout = f"{header_rows}-row header"
        else:
            layout = None
    elif len(values) == len(head) and values:
        if layout == "Qualtrics" or (layout is None and _is_qualtrics(table.columns, values[0])):
            layout, labels = "Qualtrics", _texts(table.columns, values[0])
            skip = 2 if len(values) > 1 and _is_import_ids(values[1]) else 1
        elif layout == "SurveyMonkey" or (layout is None and _is_surveymonkey(table.columns, values[0])):
            layout, labels = "SurveyMonkey", _surveymonkey_labels(table.columns, values[0])
            skip = 1
        else:
            layout = None
    else:
        layout = None
    if layout is None:
        return dataclasses.replace(table, rows=chain(head, rows))
    renames = _renames(table.columns, labels) if layout == "SurveyMonkey" else {}
    columns = [renames.get(column, column) for column in table.columns]
    labels = {renames.get(column, column): label for column, label in labels.items()}
    rest = chain(head[skip:], rows)
    name = f"{table.name} ({layout} export, {skip + 1} header rows)"
    return dataclasses.replace(table, columns=columns, rows=_renumbered(rest, skip, renames), labels=labels,
                               layout=layout, name=name)


def _joined_labels(columns: list[str], rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each column's label from the header's later rows, their texts joined with " - "."""
    labels: dict[str, str] = {}
    for column in columns:
        texts = [_text(values.get(column)) for values in rows]
        label = " - ".join(text for text in texts if text)
        if label:
            labels[column] = label
    return labels


def _is_qualtrics(columns: list[str], first: dict[str, Any]) -> bool:
    """Row 1 holds Qualtrics' field ids and row 2 their labels ("ResponseId" over "Response ID")."""
    fields = {column.strip().lower() for column in columns}
    labels = {_text(first.get(column)).lower() for column in columns}
    if {"v1", "v2"} <= fields and "responseid" in labels:
        return True  # the legacy export: V1, V2... over ResponseID, ResponseSet...
    if len(fields & _QUALTRICS_FIELDS) < 2:
        return False
    return len(labels & _QUALTRICS_LABELS) >= 2 or _is_import_ids(first)


def _is_import_ids(values: dict[str, Any]) -> bool:
    cells = [_text(value) for value in values.values() if _text(value)]
    return bool(cells) and all(cell.startswith('{"ImportId"') or cell.startswith("{'ImportId'") for cell in cells)


def _is_surveymonkey(columns: list[str], first: dict[str, Any]) -> bool:
    """Row 2 holds SurveyMonkey's sub-headers ("Response", "Open-Ended Response", option labels)."""
    cells = [_text(first.get(column)).lower() for column in columns]
    if "open-ended response" in cells:
        return True
    fields = {column.strip().lower() for column in columns}
    return "response" in cells and "respondent id" in fields and not _text(first.get("Respondent ID"))


def _texts(columns: list[str], values: dict[str, Any]) -> dict[str, str]:
    return {column: _text(values.get(column)) for column in columns if _text(values.get(column))}


def _surveymonkey_labels(columns: list[str], subheaders: dict[str, Any]) -> dict[str, str]:
    """Each column's question, with the option it stands for when a question spans columns.

    A question with several columns (one per option) names only the first; the others have a
    blank header, which the reader named `column_N`, and take the question before them.
    """
    labels: dict[str, str] = {}
    question = ""
    for index, column in enumerate(columns, 1):
        if column != f"column_{index}" or column.lower() in _SURVEYMONKEY_FIELDS:
            question = column
        sub = _text(subheaders.get(column))
        if not question:
            continue
        labels[column] = question if not sub or sub.lower() in _SURVEYMONKEY_SUBHEADERS else f"{question} - {sub}"
    return labels


def _renames(columns: list[str], labels: dict[str, str]) -> dict[str, str]:
    """SurveyMonkey columns named by their question and option: "Which products? - Other"
    rather than a blank header (`column_7`) or the question repeated over each option."""
    renames: dict[str, str] = {}
    taken = set(columns)
    for column in columns:
        label = labels.get(column)
        if label is None or label == column:
            continue
        candidate, n = label, 2
        while candidate in taken:
            candidate, n = f"{label}_{n}", n + 1
        taken.add(candidate)
        renames[column] = candidate
    return renames


def _renumbered(rows: Iterator[SourceRow | ErrorRecord], skipped: int,
                renames: dict[str, str]) -> Iterator[SourceRow | ErrorRecord]:
    for row in rows:
        if renames and isinstance(row, SourceRow):
            values = {renames.get(key, key): value for key, value in row.values.items()}
            yield dataclasses.replace(row, row=row.row - skipped, values=values)
        else:
            yield dataclasses.replace(row, row=row.row - skipped)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
