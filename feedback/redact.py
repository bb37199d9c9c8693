"""PII redaction: mask emails, URLs, IBANs, card numbers and phone numbers with [KIND] tokens.

Runs on every string a row holds, before anything is analysed or written (`--redact`). Card
numbers must pass the Luhn check and IBANs the ISO 13616 mod-97 check, so order numbers and
amounts are not masked as cards; phone numbers need 9 to 15 digits, so dates, times, prices and
scores stay. The tokens are blocked from theme matching (see themes.REDACTION_TOKENS).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from typing import Any, Callable

from .records import ErrorRecord, SourceRow

KINDS = ("EMAIL", "URL", "IBAN", "CARD", "PHONE")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{4}){2,7}(?:[ ]?[A-Za-z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d(?:[\s.\-/]?\(?\d\)?){7,17}(?![\w])")
_TRAILING_PUNCT = ".,;:!?)]}'\""


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    iban = candidate.replace(" ", "").upper()
    if not 15 <= len(iban) <= 34:
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def redact_text(text: str, counts: Counter | None = None) -> str:
    """Mask PII in one string.

    text (str): Any text.
    counts (Counter | None): Incremented per kind masked.
    RETURNS (str): The text with [EMAIL], [URL], [IBAN], [CARD] and [PHONE] tokens.
    """
    if not text or not any(c.isdigit() or c in "@." for c in text):
        return text
    counts = counts if counts is not None else Counter()

    def sub(pattern: re.Pattern[str], kind: str, accept: Callable[[str], bool] = lambda m: True,
            strip: bool = False) -> None:
        nonlocal text

        def replace(match: re.Match[str]) -> str:
            value = match.group(0)
            tail = ""
            if strip:
                while value and value[-1] in _TRAILING_PUNCT:
                    value, tail = value[:-1], value[-1] + tail
            if not accept(value):
                return match.group(0)
            counts[kind] += 1
            return f"[{kind}]{tail}"

        text = pattern.sub(replace, text)

    sub(_EMAIL, "EMAIL")
    sub(_URL, "URL", strip=True)
    sub(_IBAN, "IBAN", _iban_ok)
    sub(_CARD, "CARD", lambda v: 13 <= sum(c.isdigit() for c in v) <= 19 and _luhn("".join(c for c in v if c.isdigit())))
    sub(_PHONE, "PHONE", lambda v: 9 <= sum(c.isdigit() for c in v) <= 15)
    return text


def redact_value(value: Any, counts: Counter) -> Any:
    """Redact every string inside a JSON-like value (dicts and lists included).

    Iterative, not recursive: a value nested a thousand deep is copied, not a RecursionError.
    """
    if isinstance(value, str):
        return redact_text(value, counts)
    if not isinstance(value, (dict, list)):
        return value
    root: dict[Any, Any] | list[Any] = {} if isinstance(value, dict) else []
    stack: list[tuple[Any, Any]] = [(value, root)]
    while stack:
        source, target = stack.pop()
        for key, item in (source.items() if isinstance(source, dict) else enumerate(source)):
            if isinstance(item, str):
                item = redact_text(item, counts)
            elif isinstance(item, (dict, list)):
                copy: dict[Any, Any] | list[Any] = {} if isinstance(item, dict) else []
                stack.append((item, copy))
                item = copy
            if isinstance(target, dict):
                target[key] = item
            else:
                target.append(item)
    return root


def redact_row(row: SourceRow | ErrorRecord, totals: Counter[str]) -> SourceRow | ErrorRecord:
    """Mask PII in every string a row holds, noting in the row which kinds were masked."""
    counts: Counter[str] = Counter()
    if isinstance(row, SourceRow):
        redacted: SourceRow | ErrorRecord = replace(row, values=redact_value(row.values, counts))
    else:
        redacted = replace(row, values=redact_value(row.values, counts) if row.values is not None else None)
    totals.update(counts)
    return replace(redacted, redacted=dict(sorted(counts.items())))
