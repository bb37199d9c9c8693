"""Regular expressions that can backtrack for exponential time, found before they run.

A taxonomy's token patterns may hold `REGEX` operands, which spaCy runs with Python's `re` on
every token; `re` has no timeout, so `(a+)+$` hangs on a 40-character word. Such patterns are
refused when the taxonomy loads. What is refused: a quantified group (`+`, `*`, `{2,}`) holding
a variable quantifier (`(a+)+`, `(\\w*\\s?)*`) or alternatives that can start alike (`(a|ab)+`,
`(\\w|\\d)*`). Possessive quantifiers and atomic groups cannot backtrack and are accepted.
Polynomial patterns (`\\w*\\w*\\w*x`) are not detected; tokens are short (the tokenizer cuts
runs of over 1,000 characters), which keeps them cheap.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11 renamed the parser; 3.10 still has sre_parse
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre
    import sre_parse as _sre_parse

_REPEATS = {_sre.MAX_REPEAT, _sre.MIN_REPEAT}
_ANY_START = object()  # a first character that cannot be told apart from others


def catastrophic_regex(pattern: str) -> bool:
    """Whether `pattern` can take exponential time on some input (see the module docstring).

    pattern (str): A regular expression; one that does not compile is not catastrophic (spaCy's
        own pattern validation reports it).
    RETURNS (bool): True for nested or ambiguous quantified groups.
    """
    try:
        parsed = _sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError):
        return False
    try:
        return _nested(list(parsed), inside_repeat=False)
    except RecursionError:  # thousands of nested groups: refuse rather than guess
        return True


def _nested(items: list[tuple[Any, Any]], inside_repeat: bool) -> bool:
    for op, av in items:
        if op in _REPEATS:
            low, high, body = av
            repeats = high > 1
            if inside_repeat and low != high:
                return True
            if _nested(list(body), inside_repeat or repeats):
                return True
        elif op is _sre.SUBPATTERN:
            if _nested(list(av[-1]), inside_repeat):
                return True
        elif op is _sre.BRANCH:
            alternatives = [list(alt) for alt in av[1]]
            if inside_repeat and _overlap(alternatives):
                return True
            if any(_nested(alt, inside_repeat) for alt in alternatives):
                return True
        elif op in (_sre.ASSERT, _sre.ASSERT_NOT):
            if _nested(list(av[1]), inside_repeat):
                return True
        elif op is _sre.GROUPREF_EXISTS:
            if any(branch is not None and _nested(list(branch), inside_repeat) for branch in av[1:]):
                return True
        # ATOMIC_GROUP and POSSESSIVE_REPEAT never backtrack into their body: safe as they are.
    return False


def _overlap(alternatives: list[list[tuple[Any, Any]]]) -> bool:
    """Whether two alternatives may begin with the same character (or one matches nothing)."""
    seen: set[int] = set()
    for alt in alternatives:
        first = _first_literal(alt)
        if first is _ANY_START or first in seen:
            return True
        seen.add(first)  # type: ignore[arg-type]
    return False


def _first_literal(items: list[tuple[Any, Any]]) -> object:
    if not items:
        return _ANY_START
    op, av = items[0]
    if op is _sre.LITERAL:
        return av
    if op is _sre.SUBPATTERN:
        return _first_literal(list(av[-1]))
    return _ANY_START
