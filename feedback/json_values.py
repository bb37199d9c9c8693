"""JSON-like values from outside (JSONL rows, Parquet cells, dicts given to the API): how deep
they nest, and non-finite numbers made null, without recursion.

Every later step (redaction, worker pickling, `json.dumps`) recurses into a value, so a row
nested a thousand deep would crash the run there; readers refuse such a row instead (an error
record). NaN and Infinity are not JSON: they are written as null, and the row says so.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

# Far deeper than any export nests, far shallower than Python's recursion limit.
MAX_JSON_DEPTH = 100


def too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether dicts and lists nest in `value` more than `limit` levels deep.

    value (Any): A JSON-like value.
    limit (int): The deepest nesting allowed.
    RETURNS (bool): True when some container lies deeper than `limit`.
    """
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[Any] = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, tuple)))
    return False


# Values that can hold neither nested values nor a float (exact types: subclasses are checked).
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def all_plain(values: Mapping[str, Any]) -> bool:
    """Whether every value of a row is text, an int, a bool or None, as a CSV row's are: then
    no value nests (`too_deep`) and none is NaN (`has_non_finite`), without looking into each.
    """
    return all(type(v) in _PLAIN_TYPES for v in values.values())


def has_non_finite(value: Any) -> bool:
    """Whether a float NaN or Infinity lies anywhere in `value`."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def finite_or_null(value: Any) -> Any:
    """A copy of `value` with every float NaN and Infinity replaced by None (tuples become lists).

    value (Any): A JSON-like value (not nested deeper than `MAX_JSON_DEPTH`).
    RETURNS (Any): The value as JSON can hold it; `value` itself when it has no such float.
    """
    if not has_non_finite(value):
        return value
    if isinstance(value, float):
        return None
    if isinstance(value, dict):
        return {k: finite_or_null(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite_or_null(v) for v in value]
    return value


def value_at(values: Mapping[str, Any], column: str, default: Any = None) -> Any:
    """A row's value for a column, which may be a dotted path into nested objects.

    values (Mapping[str, Any]): A row.
    column (str): A key (`"description"`), or a path (`"satisfaction_rating.score"`); a key
        spelt with dots wins over the path.
    default (Any): What a missing key or path gives.
    RETURNS (Any): The value.
    """
    if column in values:
        return values[column]
    if "." not in column:
        return default
    node: Any = values
    for part in column.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def has_value_at(values: Mapping[str, Any], column: str) -> bool:
    """Whether a row has a key or dotted path (`value_at` would not give its default)."""
    return value_at(values, column, _MISSING) is not _MISSING


_MISSING = object()
