"""Date columns: recognised, their format chosen once per column, their values written as ISO 8601.

Exports write dates as their vendor likes: `3/10/2025 10:21:33` (Google Forms),
`03/10/2025 10:21:33 AM` (SurveyMonkey), `31-Jul-18`, `18-12-2024 17:17`, epoch seconds
(Intercom) or milliseconds (Google Play). A report cuts time into periods from ISO dates only,
so the reader rewrites each date column's values as ISO 8601 text (`2025-03-10T10:21:33`) and
keeps what was written under the row's `_raw_dates`.

A column is a date column when its name says so (date, time, timestamp, created, `*_at`...) or
when nearly all its sampled values read as dates in one format. The format is chosen from the
sampled values, once for the column: day-first when a value has a day over 12 in first place,
month-first when one has it in second place, and month-first (the US vendors' order) when no
value tells; the choice is reported. A value the chosen format does not read is left as written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

from ..records import ErrorRecord, SourceRow
from ..scores import column_key

RAW_DATES = "_raw_dates"
_NAME_WORDS = re.compile(r"(^|_)(date|dates|time|timestamp|datetime|created|updated|submitted|submit|recorded|"
                         r"started|ended|at|on|day|millis|epoch|when)(_|$)|date|time")
# Day, month and year with separators, or a month's name: what any format below reads.
_DATE_LIKE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{1,2}[ \-][A-Za-z]{3,9}[ \-,]+\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4}")
_ISO = re.compile(r"^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:$|[T ])")
# Month-first and day-first formats; the rest read one way only.
_MONTH_FIRST = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
                "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M", "%m/%d/%y %I:%M %p", "%m/%d/%y", "%m-%d-%Y %H:%M", "%m-%d-%Y")
_DAY_FIRST = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M %p", "%d/%m/%Y",
              "%d/%m/%y %H:%M:%S", "%d/%m/%y %H:%M", "%d/%m/%y", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y",
              "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d.%m.%y",
              # A period between hours and minutes, as spreadsheets in Danish, Finnish or Norwegian
              # settings save them (the airline posts' `24-02-2015 11.35`).
              "%d-%m-%Y %H.%M", "%d.%m.%Y %H.%M", "%d/%m/%Y %H.%M", "%d-%m-%Y %H.%M.%S", "%d.%m.%Y %H.%M.%S")
_NAMED_MONTH = ("%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y",
                "%d-%b-%y %H:%M", "%d %b %Y %H:%M", "%b %d, %Y %I:%M %p", "%a, %d %b %Y %H:%M:%S")
# Epoch values a comment can have been written at (2001-09-09 to 2096): seconds, or milliseconds.
_EPOCH_SECONDS = (1_000_000_000, 4_000_000_000)


@dataclass(frozen=True)
class DateColumn:
    """How one column's dates are read: a strptime format, or "epoch-s" / "epoch-ms"."""

    column: str
    format: str
    how: str  # for the note: "month/day/year", "epoch milliseconds", ...


def plan_dates(columns: Sequence[str], sample: Sequence[Mapping[str, Any]],
               date_format: str | None = None, date_columns: Sequence[str] = ()) -> list[DateColumn]:
    """The date columns of a table that are not ISO 8601 already, and how each is read.

    columns (Sequence[str]): The table's columns.
    sample (Sequence[Mapping[str, Any]]): The first rows' values.
    date_format (str | None): --date-format: tried first on every column that could hold dates.
    date_columns (Sequence[str]): Columns a preset says hold dates, whatever their names.
    RETURNS (list[DateColumn]): One per column to rewrite.
    """
    plans: list[DateColumn] = []
    for column in columns:
        if column.startswith("_") or "." in column:
            continue
        values = [row.get(column) for row in sample]
        values = [v for v in values if v not in (None, "") and not isinstance(v, (dict, list, bool))]
        if not values:
            continue
        named = column in date_columns or bool(_NAME_WORDS.search(column_key(column)))
        plan = _plan_column(column, values, named, date_format)
        if plan is not None:
            plans.append(plan)
    return plans


def _plan_column(column: str, values: list[Any], named: bool, date_format: str | None) -> DateColumn | None:
    texts = [str(v).strip() for v in values]
    if named and all(isinstance(v, (int, float)) or re.fullmatch(r"\d{10}(\d{3})?(\.\d+)?", t) for v, t in zip(values, texts)):
        numbers = [float(t) for t in texts]
        if all(_EPOCH_SECONDS[0] <= n < _EPOCH_SECONDS[1] for n in numbers):
            return DateColumn(column, "epoch-s", "epoch seconds (UTC)")
        if all(_EPOCH_SECONDS[0] * 1000 <= n < _EPOCH_SECONDS[1] * 1000 for n in numbers):
            return DateColumn(column, "epoch-ms", "epoch milliseconds (UTC)")
        return None
    if not all(isinstance(v, str) for v in values) or sum(1 for t in texts if _ISO.match(t)) * 2 >= len(texts):
        return None  # ISO already, or not text
    if not all(len(t) <= 40 for t in texts) or sum(1 for t in texts if _DATE_LIKE.search(t)) * 10 < len(texts) * 9:
        return None  # not dates: no strptime tried (a wide survey has hundreds of columns)
    if date_format is not None and _reads_all(date_format, texts):
        return DateColumn(column, date_format, f"the format {date_format!r} (--date-format)")
    month_first = next((f for f in _MONTH_FIRST if _reads_all(f, texts)), None)
    day_first = next((f for f in _DAY_FIRST if _reads_all(f, texts)), None)
    if month_first and day_first and month_first.replace("%m", "#").replace("%d", "%m").replace("#", "%d") == day_first:
        return DateColumn(column, month_first, f"month/day ({month_first}; no day over 12 in the first rows to tell, "
                                               "so the US order; --date-format to say otherwise)")
    if month_first:
        return DateColumn(column, month_first, f"month/day ({month_first})")
    if day_first:
        return DateColumn(column, day_first, f"day/month ({day_first})")
    named_month = next((f for f in _NAMED_MONTH if _reads_all(f, texts)), None)
    if named_month:
        return DateColumn(column, named_month, f"{named_month}")
    return None


def looks_iso(value: Any) -> bool:
    """Whether a value is a date written as ISO 8601 ("2025-03-10", "2025-03-10T10:21:33Z")."""
    return isinstance(value, str) and _ISO.match(value) is not None


def _reads_all(fmt: str, texts: list[str]) -> bool:
    """Whether `fmt` reads nearly every value (one in ten may be something else: "N/A")."""
    n_read = sum(1 for t in texts if _parse(t, fmt) is not None)
    return n_read > 0 and n_read * 10 >= len(texts) * 9


def _parse(text: str, fmt: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, fmt)
    except ValueError:
        return None


def iso_date(value: Any, plan: DateColumn) -> str | None:
    """A value as ISO 8601 text by the column's plan; None when the plan does not read it.

    value (Any): As read.
    plan (DateColumn): The column's format.
    RETURNS (str | None): "2025-03-10T10:21:33", "2025-03-10", or "2025-03-10T10:21:33Z" from an epoch.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None
    if plan.format in ("epoch-s", "epoch-ms"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        seconds = number / 1000 if plan.format == "epoch-ms" else number
        if not _EPOCH_SECONDS[0] <= seconds < _EPOCH_SECONDS[1]:
            return None
        moment = dt.datetime.fromtimestamp(int(seconds), tz=dt.timezone.utc)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    parsed = _parse(str(value).strip(), plan.format)
    if parsed is None:
        return None
    if "%H" in plan.format or "%I" in plan.format:
        return parsed.isoformat(timespec="seconds")
    return parsed.date().isoformat()


def with_iso_dates(rows: Iterator[SourceRow | ErrorRecord], plans: list[DateColumn]) -> Iterator[SourceRow | ErrorRecord]:
    """The rows with each planned column's values as ISO text, what was written kept in `_raw_dates`."""
    for row in rows:
        yield iso_row(row, plans) if isinstance(row, SourceRow) else row


def iso_row(row: SourceRow, plans: list[DateColumn]) -> SourceRow:
    """One row with its dates rewritten (`with_iso_dates`)."""
    values = row.values
    changed: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for plan in plans:
        value = values.get(plan.column)
        iso = iso_date(value, plan)
        if iso is not None and iso != value:
            changed[plan.column] = iso
            raw[plan.column] = value
    if not changed:
        return row
    return SourceRow(row.row, row.line, {**values, **changed, RAW_DATES: raw}, row.problems, row.redacted)


def describe(plans: list[DateColumn]) -> str:
    """The note a run prints: which columns were read as dates, and how."""
    return "dates written as ISO 8601 (as written kept in _raw_dates): " + "; ".join(
        f"{plan.column!r} read as {plan.how}" for plan in plans)
