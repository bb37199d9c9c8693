"""The customer's own words in a comment that came by e-mail: quoted thread and sign-off left out.

Help-desk exports (Zendesk, Freshdesk, a shared inbox) hold tickets as the e-mails arrived:
the customer's reply, then the thread it answers ("On Mon, 5 Jan 2024 at 10:02, Support
<help@shop.com> wrote:" and the agent's quoted words), then "Sent from my iPhone". Analysed
whole, the agent's apology reads as the customer's complaint and its themes as theirs. Only
markers that mail programs write are cut on, each on a line of its own; a comment holding
nothing before them is kept whole (nothing is lost).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A reply header: "On <date> ... <name/address> wrote:" as Gmail, Apple Mail and Outlook write it
# (and their French, German, Spanish, Portuguese, Italian and Dutch forms), at most two lines long
# (long headers wrap). It must hold a clock time or an address: "On Monday I wrote:" followed by
# the customer's own letter is theirs.
_REPLY_HEADER = re.compile(
    r"(?im)^[ \t]*(?:on|le|am|el|em|il|op)\b[^\n]{0,200}(?:\n[^\n]{0,200})?"
    r"\b(?:wrote|a écrit|schrieb|escribió|escreveu|ha scritto|schreef)[^\n:]{0,40}:[ \t]*$")
_HEADER_EVIDENCE = re.compile(r"\d{1,2}[:.]\d{2}|@|\[email\]", re.IGNORECASE)
# Outlook's and other clients' separators and header blocks, and help desks' reply markers.
_SEPARATORS = re.compile(
    r"(?im)^[ \t]*(?:-{2,}[ \t]*(?:original message|forwarded message|ursprüngliche nachricht|message d'origine)"
    r"[ \t]*-{2,}|_{20,}[ \t]*\n[ \t]*(?:from|von|de):|(?:from|von|de):[^\n]+\n[ \t]*(?:sent|date|gesendet|envoyé|enviado):"
    r"|#+[ \t]*-?[ \t]*please type your reply above this line)")
# A sign-off line: "-- " (the mail signature separator, its trailing space included: a bare "--"
# may part a customer's own pros and cons) and phones' footers; cut on only when what follows is
# as short as a signature.
_SIGN_OFF = re.compile(
    r"(?im)^(?:-- $|sent from my [^\n]{1,40}$|get outlook for [^\n]{1,20}$|sent from (?:outlook|yahoo mail|mail for windows)[^\n]{0,30}$)")
_SIGNATURE_CHARS = 300
_SIGNATURE_LINES = 6
_REPLY_VERBS = ("wrote", "écrit", "schrieb", "escribió", "escreveu", "scritto", "schreef")


REPLY_HEADER = 'a reply header ("On ... wrote:")'
SEPARATOR = 'a forwarded or original-message header'
SIGN_OFF = 'a sign-off ("-- ", "Sent from my ...")'
QUOTED_LINES = 'lines quoted with ">"'


class OwnWords(NamedTuple):
    """The text kept, and what it was cut at (None: nothing was cut), named by its kind: the
    marker itself may hold an address, which a redacted run must not write back."""

    text: str
    cut_at: str | None


def own_words(text: str) -> OwnWords:
    """The customer's words before the first reply header, separator, sign-off line or trailing
    run of ">" lines; the text unchanged when there is none, or nothing before it.

    text (str): A cleaned comment (LF newlines).
    RETURNS (OwnWords): The kept text, stripped, and the kind of marker it was cut at.
    """
    if "\n" not in text:
        return OwnWords(text, None)
    cuts = [(m.start(), SEPARATOR) for m in [_SEPARATORS.search(text)] if m]
    cuts += [(m.start(), SIGN_OFF) for m in _SIGN_OFF.finditer(text) if _is_signature(text[m.end():])][:1]
    lowered = text.lower()
    if any(verb in lowered for verb in _REPLY_VERBS):
        cuts += [(m.start(), REPLY_HEADER) for m in _REPLY_HEADER.finditer(text) if _HEADER_EVIDENCE.search(m.group())][:1]
    if ">" in text:
        cuts += _quoted_tail(text)
    for start, kind in sorted(cuts):
        kept = text[:start].rstrip()
        if kept.strip():
            return OwnWords(kept, kind)
    return OwnWords(text, None)


def _quoted_tail(text: str) -> list[tuple[int, str]]:
    """Where a run of two or more lines quoted with ">" (blank lines between them allowed) that
    runs to the end of the text starts."""
    lines = text.split("\n")
    start, quoted = len(lines), 0
    while start and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
        quoted += lines[start].lstrip().startswith(">")
    if quoted < 2:
        return []
    while start < len(lines) and not lines[start].strip():
        start += 1
    return [(sum(len(line) + 1 for line in lines[:start]), QUOTED_LINES)]


def _is_signature(rest: str) -> bool:
    return len(rest) <= _SIGNATURE_CHARS and rest.count("\n") <= _SIGNATURE_LINES
