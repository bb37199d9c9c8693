"""Taxonomy specs: which taxonomy and domain packs an option names ("default+travel").

Kept apart from feedback.taxonomy (which reads and validates the TOML) so that options can
resolve a spec without loading anything.
"""

from __future__ import annotations

import os

DEFAULT_NAME = "default"
SPEC_SEPARATOR = "+"


def split_spec(spec: str | None) -> tuple[str | None, list[str]]:
    """(base file or None for the default, pack names or files) of a taxonomy spec. A spec that
    is an existing file is that file, even with a "+" in its name."""
    if spec is None or spec == DEFAULT_NAME:
        return None, []
    if SPEC_SEPARATOR not in spec or os.path.isfile(spec):
        return spec, []
    first, *packs = [part.strip() for part in spec.split(SPEC_SEPARATOR)]
    return (None if first == DEFAULT_NAME else first), packs


def is_builtin_spec(spec: str | None) -> bool:
    """Whether a spec is the default taxonomy, with or without packs (no file of the user's)."""
    base, packs = split_spec(spec)
    return base is None and all(is_pack_name(p) for p in packs)


def absolute_spec(spec: str | None) -> str | None:
    """The spec with every file part made absolute (workers do not share our directory)."""
    if spec is None:
        return None
    base, packs = split_spec(spec)
    if not packs:
        return spec if spec == DEFAULT_NAME else os.path.abspath(spec)
    parts = [DEFAULT_NAME if base is None else os.path.abspath(base)]
    parts += [p if is_pack_name(p) else os.path.abspath(p) for p in packs]
    return SPEC_SEPARATOR.join(parts)


def is_pack_name(part: str) -> bool:
    """Whether a spec part names a shipped pack rather than a file ("travel", not "travel.toml")."""
    return bool(part) and all(c.islower() or c.isdigit() or c == "_" for c in part)
