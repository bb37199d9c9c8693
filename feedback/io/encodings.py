"""Text encodings: telling a file's encoding from its first bytes, and decoding it line by line.

A BOM is the file's own word. Without one: UTF-16 (NULs in every other byte), UTF-8, and for
files that are not UTF-8, charset-normalizer's guess among the encodings exports are written in
(Windows-1252 for Excel's Western CSV, Windows-1250 for Central European, GB18030, Shift-JIS,
Big5, EUC-KR, Windows-1251...). Single-byte Western and Central European encodings decode the
same bytes to different letters, and no statistics on a few lines tell them apart reliably, so
Windows-1250 is taken only on evidence Western text never shows (`_central_european`).
"""

from __future__ import annotations

import codecs
import io
import re
from dataclasses import dataclass
from typing import IO, Any, Iterable, Iterator

from ..errors import ProblemCode
from ..records import Problem

# How much of the file decides its encoding and format.
SNIFF_BYTES = 1 << 16


class Prefixed(io.RawIOBase):
    """A byte stream that first returns `head` (already read for sniffing), then the rest."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def sniff_encoding(head: bytes, encoding: str | None) -> tuple[str, int]:
    """Return (encoding, BOM length to skip). A BOM is the file's own word and overrides."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8", 3
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", 0  # the utf-16 codec reads and drops its own BOM
    if encoding:
        return encoding, 0
    sample = head[:4096]
    # UTF-16 without a BOM: ASCII text leaves a NUL in every other byte.
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[0::2].count(0) == 0:
        return "utf-16-le", 0
    if len(sample) >= 4 and sample[0::2].count(0) > len(sample) // 4 and sample[1::2].count(0) == 0:
        return "utf-16-be", 0
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", 0
    except UnicodeDecodeError:
        pass
    # Not clean UTF-8. A file that still holds more valid multi-byte UTF-8 characters than bad
    # bytes is UTF-8 with a few stray lines (read per line); otherwise it is an ANSI export.
    decoded = head.decode("utf-8", errors="replace")
    n_bad = decoded.count("\ufffd")
    n_multibyte = sum(1 for c in decoded if ord(c) > 127) - n_bad
    if n_multibyte >= n_bad:
        return "utf-8", 0
    return guess_legacy_encoding(head), 0


# charset-normalizer's names for the single-byte Latin encodings it confuses with each other.
_LATIN_FAMILY = re.compile(r"^(cp125[02]|cp1257|latin_1|iso8859_(1|2|4|10|13|14|15|16)|mac_.*|cp(437|775|85\d|86\d)|hp_roman8)$")
# A Central European letter read as Windows-1252 turns into a symbol inside a word (Polish
# "obs³uga", Slovak "¾udia"); Western text never has one there.
_SYMBOL_IN_WORD = re.compile(r"[^\W\d_][¹³¼½¾¥ª¯º][^\W\d_]")
# Czech and Slovak ě, ř, ů, č, ň, ď read as Windows-1252 between two consonants or after one.
_CZECH_AS_WESTERN = re.compile(r"[bcdfghjklmnprstvzšž][ìøùèòï]|[ìøùèòï][bcdfghjklmnprstvzšž]", re.IGNORECASE)


def guess_legacy_encoding(head: bytes) -> str:
    """The encoding of bytes that are not UTF-8: Windows-1252 unless the bytes say otherwise.

    head (bytes): The file's first bytes.
    RETURNS (str): A codec name Python knows.
    """
    best = _charset_normalizer_guess(head)
    if best is not None and not _LATIN_FAMILY.match(best):
        return best  # GB18030, Shift-JIS, Big5, Windows-1251...: told apart by their statistics
    try:
        western = head.decode("cp1252")
    except UnicodeDecodeError:
        western = None  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are not Windows-1252
    if western is not None and _central_european(western):
        return "cp1250"
    if western is None:
        return best or "cp1250"
    return "cp1252"


def _central_european(western: str) -> bool:
    """Whether text decoded as Windows-1252 is Windows-1250 text read wrong."""
    if _SYMBOL_IN_WORD.search(western):
        return True
    return len(_CZECH_AS_WESTERN.findall(western)) >= 3 and any(c in western for c in "šžŠŽ")


def _charset_normalizer_guess(head: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(head[:16384]).best()
    if best is None:
        return None
    try:
        return codecs.lookup(best.encoding).name.replace("-", "_")
    except LookupError:
        return None


def decode_head(head: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(head[:4096], final=False)


@dataclass(frozen=True, slots=True)
class Line:
    """A physical line of input, decoded, with what went wrong decoding it (if anything)."""

    text: str
    lineno: int
    problem: Problem | None = None
    had_nul: bool = False  # NULs were removed: a line of NULs was still a row, not a blank line


_LONE_CR = re.compile(r"\r(?!\n)")


def decoded_lines(binary: IO[bytes], encoding: str) -> Iterator[Line]:
    """Decode line by line so one bad byte spoils one row, not the file.

    A UTF-8 line that does not decode is read as Windows-1252 (the usual culprit: a row pasted
    from Excel), else with U+FFFD replacements; either way its row says so. NUL bytes are dropped
    and old Mac line ends (a lone CR) count as line ends.
    """
    if codecs.lookup(encoding).name.startswith("utf-16"):
        raw_lines: Iterable[tuple[str, Problem | None]] = (
            (line, None) for line in io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="")
        )
    else:
        raw_lines = (_decode_line(raw, encoding) for raw in binary)
    lineno = 0
    for text, problem in raw_lines:
        had_nul = "\x00" in text
        if had_nul:
            text = text.replace("\x00", "")
        if "\r" in text and _LONE_CR.search(text.rstrip("\r\n")):
            parts = _LONE_CR.split(text)
            for part in parts[:-1]:
                lineno += 1
                yield Line(part + "\n", lineno, problem, had_nul)
            text = parts[-1]
            if not text:
                continue
        lineno += 1
        yield Line(text, lineno, problem, had_nul)


def _decode_line(raw: bytes, encoding: str) -> tuple[str, Problem | None]:
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError:
        pass
    if encoding in ("utf-8", "utf8"):
        try:
            return raw.decode("cp1252"), Problem(ProblemCode.INVALID_ENCODING.value, "not valid UTF-8; read as Windows-1252")
        except UnicodeDecodeError:
            pass
    return (raw.decode(encoding, errors="replace"),
            Problem(ProblemCode.INVALID_ENCODING.value, "undecodable bytes were replaced with U+FFFD"))


