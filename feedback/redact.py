"""PII redaction: mask emails, URLs, IBANs, card numbers, SSNs, IP addresses, account and phone
numbers with [KIND] tokens.

Runs on every string a row holds, keys included, before anything is analysed or written
(`--redact`). Each string is first cleaned of the invisible characters the analysis removes
later (zero-width spaces, soft hyphens, direction marks, NUL), so that what is masked is what is
written: `john\\u200b@example.com` cannot come out as `john@example.com`.

Card numbers must pass the Luhn check, IBANs the ISO 13616 mod-97 check and SSNs the rules of
their issuer. Phone numbers need 9 to 15 digits, so prices, scores and short references stay;
with a + or 00 country code, a shorter number is one when `phonenumbers` finds it possible for
that country. Dates, times, IP addresses and the numbers after "order", "invoice", "#" and the
like are never read as phone numbers. The tokens are blocked from theme matching (see
themes.REDACTION_TOKENS). docs/security.md says what is promised and what is not.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections import Counter
from dataclasses import replace
from typing import Any, Callable, Iterable

from .records import ErrorRecord, SourceRow

KINDS = ("EMAIL", "URL", "IBAN", "CARD", "SSN", "IP", "ACCOUNT", "PHONE")

# --- cleaning -----------------------------------------------------------------------------------
# What language.clean_text removes (checked by tests/test_redact.py), and more format characters
# that hide inside a word: C0/C1 controls but tab and newlines, soft hyphen, Arabic letter mark,
# Mongolian vowel separator, zero-width space, LRM/RLM, bidi embeddings, overrides and isolates,
# word joiner and invisible operators, BOM, interlinear annotation marks, shorthand format
# controls, musical format marks, the language tag. Tag characters (flag emoji) and prepended
# concatenation marks (Arabic number signs) are visible parts of their text and stay.
_INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001]"
)
# Joiners and variation selectors are needed in emoji and in Persian or Indic script; between
# ASCII characters they only hide what is written ("del\u200divery", "john\u200d@example.com").
_LATIN_JOINER_RE = re.compile(r"(?<=[\x20-\x7e])[\u200c\u200d\u034f\ufe00-\ufe0f]+(?=[\x20-\x7e])")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean_for_redaction(text: str) -> str:
    """The text with the invisible characters that could split an identifier removed, NFC.

    text (str): Any text.
    RETURNS (str): What the masks are looked for in (and what is written in its place).
    """
    text = _INVISIBLE_RE.sub("", text)
    if not text.isascii():
        text = _SURROGATE_RE.sub("\ufffd", text)
        text = _LATIN_JOINER_RE.sub("", text)
        text = unicodedata.normalize("NFC", text)
    return text


# --- patterns -----------------------------------------------------------------------------------
# Digit groups are separated by spaces (also no-break, narrow, thin and figure spaces), dots or
# dashes: "4111.1111.1111.1111", "06\u00a012\u00a034\u00a056\u00a078".
_SPACE = "[ \u00a0\u2007\u2009\u202f]"
_SEP = "[ \u00a0\u2007\u2009\u202f.\\-]"

# Local parts and domains in any script (IDN); the top-level label is letters or punycode.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@(?:[\w-]+\.)+(?:[^\W\d_]{2,}|xn--[\w-]+)\b")
# Any scheme:// (intranet hosts have no dot: http://intranet/x) or www., and a lowercase domain
# followed by a path ("experian.com/upload"; not "letter.XX/XX/XXXX", a date the export masked).
_URL = re.compile(r"(?i:\b[a-z][a-z0-9+.-]{1,15}://|\bwww\.)[^\s<>\"']+")
_URL_PATH = re.compile(r"[A-Za-z0-9](?<![\w.@-][A-Za-z0-9])[a-z0-9-]*\.(?:[A-Za-z0-9][a-z0-9-]*\.)*[a-z]{2,24}"
                       r"(?::\d{1,5})?/[^\s<>\"']*")
_IBAN = re.compile(rf"\b[A-Za-z]{{2}}\d{{2}}(?:{_SPACE}?[A-Za-z0-9]{{4}}){{2,7}}(?:{_SPACE}?[A-Za-z0-9]{{1,4}})?\b")
_CARD = re.compile(rf"(?<![\d.-])(?:\d{_SEP}?){{12,18}}\d(?![\d-]|\.\d)")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_SSN_SPACED = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
_SSN_NAMED = re.compile(r"(?i)\b(ssn|social security(?: number)?|ss#)([\s:#.]*)(\d{9})\b")
# A customer's own number, named as such: masked as ACCOUNT, not read as a phone number.
_ACCOUNT = re.compile(r"(?i)\b((?:account|acct|customer|member|membership|policy|loan|contract|meter)"
                      r"(?:\s*(?:number|no\.?|num|nr\.?|id|#|:))*\s*)([A-Z]{0,4}\d[\dA-Z-]{5,})\b")
# Phone numbers: an optional + or 00, then 7 to 18 digits in groups (`_phone_ok` decides), with
# up to three separators between them (double spaces happen), brackets round an area code.
_PHONE = re.compile(r"(?<![\w+])(?:(?:\+|\b00)[ \u00a0]?)?\(?\d(?:(?:[ \t\u00a0\u2007\u2009\u202f.\-/]{1,3}|\)[ \u00a0]?)?"
                    r"\(?\d){6,17}\)?(?![\w+]|[.:/-]\d)")
_TRAILING_PUNCT = ".,;:!?)]}'\""

# Numbers that are not phone numbers whatever their length: dates, times, and the references
# that follow "order", "invoice", "#" and the like. They are kept as they are.
_DATE = re.compile(r"(?<![\d.-])(?:(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{1,2})([-/.])(\d{1,2})\6(\d{4}))(?![\d])")
_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?![\d:])")
_REFERENCE = re.compile(
    r"(?i)(?:\b(?:order|invoice|ticket|case|ref|reference|tracking|confirmation|booking|reservation|receipt"
    r"|transaction|claim|item|sku|model|serial|part|po|parcel|shipment|complaint|incident|request|isbn|issn)"
    r"(?:\s*(?:number|no\.?|num|nr\.?|id|code|#|:))*\s*#?\s*|#\s*)([A-Z]{0,4}\d[\dA-Z-]*(?: \d{3,4}\b)*)\b"
)
# Quick tests that let a string skip the patterns that cannot match in it (most strings).
_MAYBE_PII = re.compile(r"[\d@:/]|www\.", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
# Each starts with a digit, a dot or a colon, which the regex engine scans for quickly.
_DOMAIN_PATH = re.compile(r"\.[a-z]{2,24}(?::\d{1,5})?/")
_IBAN_START = re.compile(r"\d\d(?<=[A-Za-z]{2}\d\d)")
_NAMED_NUMBER = re.compile(r"\d[\dA-Z-]{5}")
_NINE_DIGITS = re.compile(r"\d{9}")
_DOTTED_QUAD = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_COLON_GROUPS = re.compile(r":[0-9A-Fa-f]{0,4}:")
_DIGIT_GROUPS = {n: re.compile(rf"\d(?:[ \t\u00a0\u2007\u2009\u202f.\-/()]{{0,4}}\d){{{n - 1}}}") for n in (7, 9, 13)}
_SENTINELS = re.compile("[\U000f0000-\U0010ffff]")
_PROTECTED = "\U000f0000"  # first of the sentinels a kept span stands in for while phones are found


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    iban = "".join(candidate.split()).upper()
    if not 15 <= len(iban) <= 34 or not iban.isascii():
        return False
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _card_ok(value: str) -> bool:
    digits = _digits(value)
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _ssn_ok(value: str) -> bool:
    """Issued SSNs: area not 000, 666 or 9xx, group not 00, serial not 0000."""
    digits = _digits(value)
    if len(digits) != 9:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return area not in ("000", "666") and area[0] != "9" and group != "00" and serial != "0000"


def _ipv4_ok(value: str) -> bool:
    return all(int(part) <= 255 and (part == "0" or not part.startswith("0")) for part in value.split("."))


def _ipv6_ok(value: str) -> bool:
    if value.count(":") < 2 or not any(c.isdigit() for c in value) or len(value) < 6:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _date_ok(match: re.Match[str]) -> bool:
    if match.group(1):
        month, day = int(match.group(3)), int(match.group(4))
        return 1 <= month <= 12 and 1 <= day <= 31
    first, second = int(match.group(5)), int(match.group(7))
    return 1 <= first <= 31 and 1 <= second <= 31 and min(first, second) <= 12


def _phone_ok(value: str) -> bool:
    digits = _digits(value)
    international = value.startswith("+") or value.startswith("00")
    if not international:
        return 9 <= len(digits) <= 15
    import phonenumbers  # only for numbers with a country code, which are rare

    number = "+" + (digits[2:] if value.startswith("00") else digits)
    if 9 <= len(number) - 1 <= 15:
        return True  # with a country code, 9 to 15 digits are a phone number, possible or mistyped
    try:  # shorter: a country's 7- or 8-digit numbers, if it has them
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(number, None)))
    except phonenumbers.NumberParseException:
        return False


def redact_text(text: str, counts: Counter | None = None) -> str:
    """Mask PII in one string, after removing the invisible characters that could hide it.

    text (str): Any text.
    counts (Counter | None): Incremented per kind masked.
    RETURNS (str): The cleaned text with [EMAIL], [URL], [IBAN], [CARD], [SSN], [IP], [ACCOUNT]
        and [PHONE] tokens.
    """
    if not text:
        return text
    text = clean_for_redaction(text)
    if not _MAYBE_PII.search(text):
        return text
    counts = counts if counts is not None else Counter()

    def sub(pattern: re.Pattern[str], kind: str, accept: Callable[[str], bool] = lambda m: True,
            strip: bool = False) -> None:
        nonlocal text

        def mask(match: re.Match[str]) -> str:
            value = match.group(0)
            tail = ""
            if strip:
                while value and value[-1] in _TRAILING_PUNCT:
                    value, tail = value[:-1], value[-1] + tail
            if not accept(value):
                return match.group(0)
            counts[kind] += 1
            return f"[{kind}]{tail}"

        text = pattern.sub(mask, text)

    def sub_named(pattern: re.Pattern[str], kind: str, accept: Callable[[str], bool] = lambda m: True) -> None:
        """Mask the number a keyword names ("account no. 12345678"), keeping the keyword."""
        nonlocal text

        def mask(match: re.Match[str]) -> str:
            if not accept(match.group(match.lastindex or 0)):
                return match.group(0)
            counts[kind] += 1
            return match.group(0)[: match.start(match.lastindex or 0) - match.start()] + f"[{kind}]"

        text = pattern.sub(mask, text)

    if "@" in text:
        sub(_EMAIL, "EMAIL")
    if "://" in text or "www." in text.lower():
        sub(_URL, "URL", strip=True)
    if _DOMAIN_PATH.search(text):
        sub(_URL_PATH, "URL", strip=True)
    digits = len(_DIGIT.findall(text))  # each kind below needs at least so many digits
    if digits >= 4 and _IBAN_START.search(text):
        sub(_IBAN, "IBAN", _iban_ok)
    if digits >= 13 and _DIGIT_GROUPS[13].search(text):
        sub(_CARD, "CARD", _card_ok)
    if digits >= 9 and _DIGIT_GROUPS[9].search(text):
        sub(_SSN_SPACED, "SSN", _ssn_ok)
        if _NINE_DIGITS.search(text):
            sub_named(_SSN_NAMED, "SSN", _ssn_ok)
    if digits >= 4 and _DOTTED_QUAD.search(text):
        sub(_IPV4, "IP", _ipv4_ok)
    if digits >= 1 and _COLON_GROUPS.search(text):
        sub(_IPV6, "IP", _ipv6_ok)
    if digits >= 1 and _NAMED_NUMBER.search(text):
        sub_named(_ACCOUNT, "ACCOUNT")
    if digits >= 7 and _DIGIT_GROUPS[7].search(text):
        kept, text = _protect(text)
        sub(_PHONE, "PHONE", _phone_ok)
        text = _restore(text, kept)
    return text


def _protect(text: str) -> tuple[list[str], str]:
    """Put one sentinel character in place of each date, time and reference number, so that no
    phone number is read into or across them; `_restore` puts them back."""
    if _SENTINELS.search(text):
        return [], text  # the text holds the sentinels already (private use): nothing is protected
    kept: list[str] = []

    def keep(span: str) -> str:
        kept.append(span)
        return chr(ord(_PROTECTED) + len(kept) - 1)

    def keep_group(match: re.Match[str]) -> str:
        whole, number = match.group(0), match.group(1)
        return whole[: match.start(1) - match.start()] + keep(number)

    text = _DATE.sub(lambda m: keep(m.group(0)) if _date_ok(m) else m.group(0), text)
    text = _TIME.sub(lambda m: keep(m.group(0)), text)
    text = _REFERENCE.sub(keep_group, text)
    return kept, text


def _restore(text: str, kept: list[str]) -> str:
    if not kept:
        return text
    base = ord(_PROTECTED)
    return _SENTINELS.sub(lambda m: kept[ord(m.group(0)) - base], text)


def redact_keys(keys: Iterable[Any], counts: Counter) -> list[Any]:
    """Mask PII in the keys of one mapping (column names, JSON keys), keeping them distinct:
    two keys masked alike become "[EMAIL]" and "[EMAIL]_2", as duplicate column names do."""
    out: list[Any] = []
    seen: set[Any] = set()
    for key in keys:
        masked = redact_text(key, counts) if isinstance(key, str) else key
        candidate, n = masked, 2
        while candidate in seen:
            candidate, n = f"{masked}_{n}", n + 1
        seen.add(candidate)
        out.append(candidate)
    return out


def redact_value(value: Any, counts: Counter) -> Any:
    """Redact every string inside a JSON-like value (dicts and lists included), keys too.

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
        pairs = (zip(redact_keys(source, counts), source.values()) if isinstance(source, dict)
                 else enumerate(source))
        for key, item in pairs:
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


# What an error record keeps of a line that could not be read (feedback.io.readers cuts there).
RAW_LIMIT = 1000
# The end of a cut line: its last word, and before it any groups of a number written with spaces.
_CUT_TAIL = re.compile(r"(?:[\d()+./-]+[ \u00a0\t]+)*\S*$")


def redact_raw(raw: str, counts: Counter) -> str:
    """Mask a raw line an error record keeps, then cut it to RAW_LIMIT characters. A line cut
    before masking (at RAW_LIMIT) can end in half an identifier no pattern recognises
    ("john.smith@exa"), so the last word of a cut line, with any number groups before it, goes.

    raw (str): The line as the reader kept it.
    counts (Counter): Incremented per kind masked.
    RETURNS (str): The masked line, at most RAW_LIMIT characters.
    """
    masked = redact_text(raw, counts)
    if len(raw) < RAW_LIMIT and len(masked) <= RAW_LIMIT:
        return masked
    cut = masked[:RAW_LIMIT]
    return cut[: _CUT_TAIL.search(cut).start()]  # type: ignore[union-attr]


def redact_row(row: SourceRow | ErrorRecord, totals: Counter[str]) -> SourceRow | ErrorRecord:
    """Mask PII in every string a row holds, keys included, noting in the row which kinds were
    masked. An error record's raw line is masked before it is cut (`redact_raw`); a column's
    own values are masked as `redact_column_value` says."""
    counts: Counter[str] = Counter()
    if isinstance(row, SourceRow):
        redacted: SourceRow | ErrorRecord = replace(row, values=_redact_columns(row.values, counts))
    elif row.values is None:
        redacted = row
    else:
        redacted = replace(row, values=_redact_columns(row.values, counts, error=True))
    totals.update(counts)
    return replace(redacted, redacted=dict(sorted(counts.items())))


def _redact_columns(values: dict[str, Any], counts: Counter, *, error: bool = False) -> dict[str, Any]:
    """A row's values with keys and values masked; `error`: the values of an error record, whose
    "raw" is the line the reader kept (`redact_raw`)."""
    return dict(zip(redact_keys(values, counts),
                    (redact_raw(v, counts) if error and k == "raw" and isinstance(v, str)
                     else redact_column_value(k, v, counts) for k, v in values.items())))


# Columns that hold a reference (an id, an order or ticket number), not a person's number, by
# the words of their name; and words that say the column is personal after all.
_REFERENCE_WORDS = frozenset({"id", "order", "invoice", "ticket", "case", "ref", "reference", "tracking",
                              "confirmation", "booking", "reservation", "receipt", "transaction", "claim", "sku",
                              "serial", "complaint", "incident", "request", "response", "survey", "record", "row"})
_PERSONAL_WORDS = ("phone", "tel", "mobile", "cell", "fax", "ssn", "social", "card", "account", "iban", "email",
                   "mail", "contact", "customer", "member", "passport", "licen", "tax", "ip")
_REFERENCE_VALUE = re.compile(r"[A-Za-z]{0,4}[-#]?\d[\dA-Za-z-]*")


def _is_reference_column(name: str) -> bool:
    words = [w for w in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()) if w]
    return bool(_REFERENCE_WORDS.intersection(words)) and not any(
        w == p or (len(p) > 3 and p in w) for w in words for p in _PERSONAL_WORDS)


def redact_column_value(column: Any, value: Any, counts: Counter) -> Any:
    """Mask one top-level value of a row, knowing its column.

    A column named as a reference ("id", "order_id", "Ticket number") keeps a value that is one
    bare reference ("1234567890", "ORD-2024-000123"): it is an id, not a phone number. A whole
    number (JSONL, Parquet) is masked when its digits are a card or phone number ("[PHONE]").
    """
    if isinstance(value, str):
        if isinstance(column, str) and _REFERENCE_VALUE.fullmatch(value.strip()) and _is_reference_column(column):
            return value
        return redact_text(value, counts)
    number = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e19 else value
    if isinstance(number, int) and not isinstance(number, bool) and 10**8 <= abs(number) < 10**19:
        if isinstance(column, str) and _is_reference_column(column):
            return value
        masked = redact_text(str(number), counts)
        return masked if masked != str(number) else value
    return redact_value(value, counts)
