"""Reading dates from carried fields and cutting time into periods (day, week, month, quarter)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from ..config import PERIODS
from ..errors import Errors, ReportError

# Dates outside these years are placeholders (9999-12-31, 0001-01-01, 1900-01-01), not when a
# comment was written; counted as undated, they cannot stretch a report over millennia.
FIRST_YEAR, LAST_YEAR = 1901, 2199
# More periods than this is a report nobody reads (27 years of days) and costs minutes.
MAX_PERIODS = 10_000
_DATE_RE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:$|[T ])")


def parse_date(value: Any) -> date | None:
    """Read a date from an ISO-like value: 2025-03-11, 2025/03/11, 2025-03-11T10:00:00Z.

    value (Any): A carried field's value.
    RETURNS (date | None): The day, or None when it is not such a date.
    """
    if not isinstance(value, str):
        return None
    match = _DATE_RE.match(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def plausible(day: date) -> bool:
    """Whether `day` can be when a comment was written (not a placeholder such as 9999-12-31)."""
    return FIRST_YEAR <= day.year <= LAST_YEAR


def count_periods(first: date, last: date, unit: str) -> int:
    """How many periods of `unit` run from the one starting on `first` to the one on `last`."""
    if unit == "day":
        return (last - first).days + 1
    if unit == "week":
        return (last - first).days // 7 + 1
    months = (last.year - first.year) * 12 + last.month - first.month
    return months // (1 if unit == "month" else 3) + 1


def period_start(day: date, unit: str) -> date:
    """The first day of the period containing `day` (weeks start on Monday, as ISO weeks do).

    day (date): A day.
    unit (str): "day", "week", "month" or "quarter".
    RETURNS (date): The period's first day.
    RAISES (ReportError): `unit` is not one of PERIODS.
    """
    if unit == "day":
        return day
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ReportError(Errors.E305.format(period=unit, choices=", ".join(PERIODS)))


def period_label(start: date, unit: str) -> str:
    """A period's name: 2025-03-11, 2025-W11, 2025-03 or 2025-Q1 (sortable as text)."""
    if unit == "day":
        return start.isoformat()
    if unit == "week":
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}"
    if unit == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def next_period(start: date, unit: str) -> date:
    """The first day of the period after the one starting on `start`."""
    if unit == "day":
        return start + timedelta(days=1)
    if unit == "week":
        return start + timedelta(days=7)
    months = 1 if unit == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)
