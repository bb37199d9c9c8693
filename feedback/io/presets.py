"""Source presets a user writes in a TOML file: their own export's shape, used as `--source NAME`.

    # feedback.toml (in the working directory, or any file given as --source-file)
    [sources.kiosk]
    title = "In-store kiosk survey"
    text = ["Headline", "Tell us more"]       # one column, or several joined in this order
    id = "Ticket #"
    scores = { nps = "Recommend (0-10)", csat = "Overall" }
    score_map = { "Very happy" = 5, "Happy" = 4 }
    dates = ["Visit"]                          # read as dates, with date_format if given
    date_format = "%d.%m.%Y %H:%M"
    segments = ["Store", "Region"]             # `feedback report --source kiosk`: --by these
    header_rows = 2
    skip_rows = 1
    encoding = "cp1252"
    sheet = "Responses"
    like = "qualtrics"                         # a built-in source's picks where this names none

Options given on the command line win over the preset, which wins over detection. A preset
names columns outright: one missing from the file stops the run with the columns listed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

from ..errors import Errors, InputError
from .vendors import SOURCES, Source

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESET_FILE = "feedback.toml"
# Each key a preset may have, and the type of its value.
_KEYS: dict[str, str] = {
    "title": "text", "text": "column or list of columns", "id": "column", "scores": "table of KIND = COLUMN",
    "score_map": "table of LABEL = NUMBER", "dates": "list of columns", "date_format": "text",
    "segments": "list of columns", "header_rows": "whole number >= 1", "skip_rows": "whole number >= 0",
    "encoding": "text", "sheet": "text", "like": "a built-in source name",
}


@dataclass(frozen=True)
class Preset:
    """A user's source preset (`[sources.NAME]` of a TOML file): what each column of their export is.

    name (str): The `--source` NAME.
    path (str): The file it came from, for messages.
    text (tuple[str, ...]): Text columns, joined in this order into one comment.
    id (str | None): The id column.
    scores (tuple[tuple[str, str], ...]): (KIND, COLUMN) pairs.
    score_map (tuple[tuple[str, float], ...]): (LABEL, NUMBER) pairs read as scores.
    dates (tuple[str, ...]): Columns read as dates (`io.dates`), whatever their names.
    segments (tuple[str, ...]): Columns `feedback report` segments by.
    like (str | None): A built-in source (`io.vendors.SOURCES`) whose picks and header layout
        fill what this preset does not name.
    """

    name: str
    path: str
    title: str = ""
    text: tuple[str, ...] = ()
    id: str | None = None
    scores: tuple[tuple[str, str], ...] = ()
    score_map: tuple[tuple[str, float], ...] = ()
    dates: tuple[str, ...] = ()
    date_format: str | None = None
    segments: tuple[str, ...] = ()
    header_rows: int | None = None
    skip_rows: int | None = None
    encoding: str | None = None
    sheet: str | None = None
    like: str | None = None

    def picks(self) -> dict[str, Any]:
        """The columns it names, as `Table.preset` holds a vendor's: "text_columns", "id_column",
        "scores", "score_map"."""
        picks: dict[str, Any] = {}
        if self.text:
            picks["text_columns"] = self.text
        if self.id:
            picks["id_column"] = self.id
        if self.scores:
            picks["scores"] = dict(self.scores)
        if self.score_map:
            picks["score_map"] = dict(self.score_map)
        return picks


def preset_path(source_file: str | None) -> str | None:
    """The presets file: `source_file`, else `feedback.toml` in the working directory if there."""
    if source_file:
        return source_file
    return PRESET_FILE if os.path.isfile(PRESET_FILE) else None


def load_presets(source_file: str | None = None) -> dict[str, Preset]:
    """The presets of a TOML file's `[sources.NAME]` tables.

    source_file (str | None): The file; None reads `feedback.toml` in the working directory,
        when there is one.
    RETURNS (dict[str, Preset]): By name (as `--source` spells it: lower case, `-` for `_`).
    RAISES (InputError): The file cannot be read or parsed, or a preset is not valid.
    """
    path = preset_path(source_file)
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            document = tomllib.load(f)
    except OSError as e:
        raise InputError(Errors.E039.format(path=path, reason=e.strerror or e)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(Errors.E039.format(path=path, reason=e)) from None
    sources = document.get("sources", {})
    if not isinstance(sources, dict):
        raise InputError(Errors.E039.format(path=path, reason="'sources' must be a table of [sources.NAME] tables"))
    presets = {}
    for name, table in sources.items():
        if not isinstance(table, dict):
            raise InputError(Errors.E040.format(path=path, name=name, reason="expected a [sources.NAME] table"))
        presets[source_key(name)] = _preset(source_key(name), path, table)
    return presets


def resolve_source(name: str, source_file: str | None = None) -> tuple[Preset | None, Source | None]:
    """What `--source NAME` names: the user's preset of that name (their file wins), and the
    built-in source it is `like`; else the built-in source itself.

    RETURNS (tuple[Preset | None, Source | None]): The preset (None: a built-in name) and the
        built-in source (None: a preset like none).
    RAISES (InputError): Neither a preset nor a built-in source has that name.
    """
    presets = load_presets(source_file)
    preset = presets.get(source_key(name))
    if preset is not None:
        return preset, SOURCES[preset.like] if preset.like else None
    if source_key(name) in SOURCES:
        return None, SOURCES[source_key(name)]
    known = ", ".join([*SOURCES, *presets])
    raise InputError(Errors.E031.format(source=name, known=known))


def source_key(name: str) -> str:
    """A source name as `--source` compares it: "Google Forms" and "google_forms" are "google-forms"."""
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def describe_sources(source_file: str | None = None) -> str:
    """The sources `--source` takes: the built-in ones and the user's presets, one per line."""
    lines = ["Built-in sources (also recognised by their columns, most with no option):"]
    lines += [f"  {source.name:<14} {source.title}" for source in SOURCES.values()]
    path = preset_path(source_file)
    presets = load_presets(source_file)
    if presets:
        lines.append(f"Presets in {path}:")
        for preset in presets.values():
            named = ", ".join(f"{key}={value!r}" for key, value in (("text", list(preset.text)), ("id", preset.id))
                              if value)
            lines.append(f"  {preset.name:<14} {preset.title or ''}{' (' + named + ')' if named else ''}".rstrip())
    else:
        lines.append(f"No presets of your own: write [sources.NAME] tables in {path or PRESET_FILE} "
                     "(docs/exports.md), or name a file with --source-file.")
    return "\n".join(lines)


def _preset(name: str, path: str, table: dict[str, Any]) -> Preset:
    def bad(key: str) -> InputError:
        return InputError(Errors.E040.format(path=path, name=name, reason=f"{key!r} must be a {_KEYS[key]}"))

    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        reason = f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}; a preset takes {', '.join(_KEYS)}"
        raise InputError(Errors.E040.format(path=path, name=name, reason=reason))
    values: dict[str, Any] = {}
    for key in ("title", "id", "date_format", "encoding", "sheet", "like"):
        if key in table:
            if not isinstance(table[key], str) or not table[key].strip():
                raise bad(key)
            values[key] = table[key]
    for key in ("text", "dates", "segments"):
        if key in table:
            value = [table[key]] if key == "text" and isinstance(table[key], str) else table[key]
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
                raise bad(key)
            values[key] = tuple(value)
    if "scores" in table:
        scores = table["scores"]
        if not isinstance(scores, dict) or not all(isinstance(v, str) and v for v in scores.values()):
            raise bad("scores")
        values["scores"] = tuple((str(kind), column) for kind, column in scores.items())
    if "score_map" in table:
        labels = table["score_map"]
        if not isinstance(labels, dict) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                                   for v in labels.values()):
            raise bad("score_map")
        values["score_map"] = tuple((str(label), float(number)) for label, number in labels.items())
    for key, least in (("header_rows", 1), ("skip_rows", 0)):
        if key in table:
            if not isinstance(table[key], int) or isinstance(table[key], bool) or table[key] < least:
                raise bad(key)
            values[key] = table[key]
    if "like" in values:
        values["like"] = source_key(values["like"])
        if values["like"] not in SOURCES:
            raise InputError(Errors.E040.format(path=path, name=name, reason=f"'like' {table['like']!r} is not a "
                                                f"built-in source ({', '.join(SOURCES)})"))
    return Preset(name, path, **values)
