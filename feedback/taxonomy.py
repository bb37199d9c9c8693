"""The taxonomy: themes, subthemes and their rules, read from TOML data files and validated.

A taxonomy is one file (the default customer-experience taxonomy, or a user's), optionally
extended by domain packs: `load_taxonomy("default+travel")`. `feedback.themes` matches it.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterator

from spacy.matcher import Matcher

from .errors import Errors, TaxonomyError
from .redact import KINDS as REDACTED_KINDS
from .regex_safety import catastrophic_regex
from .taxonomy_spec import is_pack_name, split_spec

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

IGNORE = "__ignore__"
# What feedback.redact puts in place of PII: "[EMAIL]" must not read as the email channel.
REDACTION_TOKENS = tuple(f"[{kind.lower()}]" for kind in REDACTED_KINDS)
_THEME_KEYS = {"label", "description", "terms", "exact", "patterns", "subthemes"}
_SUBTHEME_KEYS = {"label", "description", "terms", "exact", "patterns", "cues"}
_TOP_KEYS = {"name", "version", "description", "language", "matching", "themes"}
_PACK_TOP_KEYS = _TOP_KEYS | {"validated"}
_MATCHING_KEYS = {"negations", "negation_window", "ignore", "ignore_near", "word_lists"}
# A pattern names a word list of [matching.word_lists] in place of a list: {LOWER = {IN = "@first_names"}}.
LIST_REFERENCE = "@"
_IGNORE_NEAR_KEYS = {"words", "near", "themes", "alone"}


@dataclass(frozen=True)
class ThemeDef:
    """A theme or subtheme of the taxonomy and the rules that find it."""

    id: str  # "speed" or "speed/waiting"
    label: str
    description: str = ""
    terms: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    patterns: tuple[tuple[dict[str, Any], ...], ...] = ()
    cues: tuple[str, ...] = ()
    subthemes: tuple["ThemeDef", ...] = ()


@dataclass(frozen=True)
class IgnoreNear:
    """Words that mean something else in a sentence about something else: a mention holding
    one of `words` is no mention when its sentence also holds one of `near` ("late" in a
    sentence about the customer's payment is their lateness, not the company's speed)."""

    words: tuple[str, ...]
    near: tuple[str, ...]
    themes: tuple[str, ...] = ()  # top-level theme ids it applies to; () for every theme
    # True: only a mention that is one of `words` and nothing more is voided ("service" alone,
    # not "customer service", which holds it).
    alone: bool = False


@dataclass(frozen=True)
class Taxonomy:
    """A set of themes plus matching settings, as loaded from a TOML file."""

    name: str
    version: str
    description: str
    themes: tuple[ThemeDef, ...]
    negations: frozenset[str] = frozenset()
    negation_window: int = 3
    ignore: tuple[str, ...] = ()
    ignore_near: tuple[IgnoreNear, ...] = ()
    source: str = "<default>"
    sha256: str = ""

    @property
    def theme_ids(self) -> list[str]:
        """Top-level theme ids in file order."""
        return [t.id for t in self.themes]

    def all_themes(self) -> Iterator[ThemeDef]:
        """YIELDS (ThemeDef): Every theme, each followed by its subthemes."""
        for theme in self.themes:
            yield theme
            yield from theme.subthemes

    def get(self, theme_id: str) -> ThemeDef:
        for theme in self.all_themes():
            if theme.id == theme_id:
                return theme
        raise KeyError(f"No theme {theme_id!r}. Available: {', '.join(self.theme_ids)}")


DEFAULT_TAXONOMY = "data/cx_taxonomy.toml"
PACKS = "data/packs"


def load_taxonomy(spec: str | None = None) -> Taxonomy:
    """Read and validate a taxonomy, optionally extended by domain packs.

    spec (str | None): None or "default" for the default customer-experience taxonomy; a TOML
        file; or either followed by packs joined with "+": "default+travel",
        "mine.toml+retail+banking". A pack is a name from `available_packs()` or a pack file.
    RETURNS (Taxonomy): The taxonomy, packs merged in (name and version name every part).
    RAISES (TaxonomyError): With every problem found, when a part is not valid.
    """
    base, packs = split_spec(spec)
    raw, source = _read_part(base, pack=False)
    data = _parse(raw, source)
    problems = check_taxonomy_data(data)
    if problems:
        raise TaxonomyError(source, problems)
    data = resolve_word_lists(data)[0]
    if not packs:
        return _build(data, source, hashlib.sha256(raw).hexdigest())
    digest = hashlib.sha256(raw)
    sources = [source]
    for pack in packs:
        pack_raw, pack_source = _read_part(pack, pack=True)
        pack_data, problems = resolve_word_lists(_parse(pack_raw, pack_source), _word_lists(data))
        problems += check_pack_data(pack_data, data)
        if problems:
            raise TaxonomyError(pack_source, problems)
        data = _merge_pack(data, pack_data)
        digest.update(pack_raw)
        sources.append(pack_source)
    return _build(data, "+".join(sources), digest.hexdigest())


def available_packs() -> list[str]:
    """The names of the domain packs that ship with feedback."""
    folder = resources.files("feedback").joinpath(PACKS)
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".toml"))


def load_pack(name: str) -> dict[str, Any]:
    """A shipped pack's parsed data (for listing), by name.

    RAISES (TaxonomyError): Unknown pack (the message lists the available ones).
    """
    raw, source = _read_part(name, pack=True)
    return _parse(raw, source)


def _read_part(part: str | None, *, pack: bool) -> tuple[bytes, str]:
    if part is None:
        return resources.files("feedback").joinpath(DEFAULT_TAXONOMY).read_bytes(), "<default>"
    if pack and is_pack_name(part):
        if part not in available_packs():
            raise TaxonomyError(part, [Errors.E115.format(name=part, available=", ".join(available_packs()))])
        return resources.files("feedback").joinpath(f"{PACKS}/{part}.toml").read_bytes(), f"<pack {part}>"
    try:
        with open(part, "rb") as f:
            return f.read(), str(part)
    except OSError as e:
        raise TaxonomyError(str(part), [f"cannot read the file: {e.strerror}"]) from None


def _parse(raw: bytes, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise TaxonomyError(source, ["the file is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as e:
        raise TaxonomyError(source, [f"not valid TOML: {e}"]) from None
    except RecursionError:
        raise TaxonomyError(source, [Errors.E113]) from None


def check_pack_data(pack: dict[str, Any], base: dict[str, Any]) -> list[str]:
    """Validate a pack against the taxonomy it extends.

    A pack's [themes.<id>] table either names a theme of the base, and then adds rules and
    subthemes to it (labels may be left out where the base has them; rules given for a subtheme
    the base has are added to its own), or is a new theme, complete with its label.
    RETURNS (list[str]): Problems; empty when the pack can be merged.
    """
    problems = [f"unknown top-level key {key!r} (allowed: {', '.join(sorted(_PACK_TOP_KEYS))})"
                for key in sorted(set(pack) - _PACK_TOP_KEYS)]
    for key in ("name", "version"):
        if not isinstance(pack.get(key), str) or not pack.get(key):
            problems.append(f"{key!r} must be a non-empty string")
    themes = pack.get("themes")
    if not isinstance(themes, dict) or not themes:
        problems.append("no themes: add at least one [themes.<id>] table")
        return problems
    base_themes = base.get("themes", {})
    completed = {}
    for theme_id, theme in themes.items():
        if not isinstance(theme, dict):
            problems.append(f"[themes.{theme_id}] must be a table")
            continue
        existing = base_themes.get(theme_id)
        if existing is not None:
            theme = {"label": existing.get("label", theme_id), **theme}
            subthemes = theme.get("subthemes")
            if isinstance(subthemes, dict):  # a subtheme the base has takes its label from there
                known = existing.get("subthemes", {})
                theme["subthemes"] = {sub_id: ({"label": known[sub_id].get("label", sub_id), **sub}
                                               if sub_id in known and isinstance(sub, dict) else sub)
                                      for sub_id, sub in subthemes.items()}
        completed[theme_id] = theme
    matching = pack.get("matching", {})
    if isinstance(matching, dict) and "ignore_near" in matching:  # may name the base's themes
        problems.extend(_check_ignore_near(matching["ignore_near"], {**base_themes, **completed}))
        matching = {k: v for k, v in matching.items() if k != "ignore_near"}
    check = {"name": pack.get("name"), "version": pack.get("version"), "matching": matching, "themes": completed}
    return problems + check_taxonomy_data(check)


def _merge_pack(base: dict[str, Any], pack: dict[str, Any]) -> dict[str, Any]:
    """The base taxonomy's data with a pack's themes, rules and ignore phrases added."""
    themes = {theme_id: dict(theme) for theme_id, theme in base["themes"].items()}
    for theme_id, theme in pack["themes"].items():
        if theme_id not in themes:
            themes[theme_id] = theme
            continue
        merged = _with_rules(themes[theme_id], theme, ("terms", "exact", "patterns"))
        subthemes = dict(merged.get("subthemes", {}))
        for sub_id, sub in theme.get("subthemes", {}).items():
            subthemes[sub_id] = (_with_rules(subthemes[sub_id], sub, ("terms", "exact", "patterns", "cues"))
                                 if sub_id in subthemes else sub)
        themes[theme_id] = {**merged, "subthemes": subthemes}
    matching = _with_rules(base.get("matching", {}), pack.get("matching", {}), ("ignore", "ignore_near"))
    matching["word_lists"] = {**_word_lists(base), **_word_lists(pack)}
    return {**base, "name": f"{base['name']}+{pack['name']}", "version": f"{base['version']}+{pack['name']}-{pack['version']}",
            "matching": matching, "themes": themes}


def _with_rules(table: dict[str, Any], extra: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    """A copy of `table` with the lists under `keys` extended by `extra`'s."""
    out = dict(table)
    for key in keys:
        if extra.get(key):
            out[key] = list(out.get(key, [])) + list(extra[key])
    return out


def resolve_word_lists(data: dict[str, Any], inherited: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The data with every "@name" under a pattern's IN or NOT_IN replaced by that word list of
    [matching.word_lists] (a pack may also name its base's lists), and the problems found.

    A list of a thousand first names written into each pattern that needs it would bury the
    rule; named once, it is read like any other word.
    """
    matching = data.get("matching")
    if isinstance(matching, dict) and not isinstance(matching.get("word_lists", {}), dict):
        return data, ["[matching.word_lists] must be a table of lists: first_names = [\"anna\", ...]"]
    lists = {**(inherited or {}), **_word_lists(data)}
    problems: list[str] = []
    for name, words in lists.items():
        if not _is_identifier(name):
            problems.append(f"[matching.word_lists].{name}: names use lowercase letters, digits and '_' only")
        problems.extend(_check_strings(words, f"[matching.word_lists].{name}"))
    if problems:
        return data, problems

    def resolve(value: Any, where: str) -> Any:
        if isinstance(value, list):
            return [resolve(v, where) for v in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, item in value.items():
            if key in ("IN", "NOT_IN") and isinstance(item, str) and item.startswith(LIST_REFERENCE):
                name = item[len(LIST_REFERENCE):]
                if name not in lists:
                    known = ", ".join(sorted(lists)) or "none"
                    problems.append(f"{where}: no word list {name!r} in [matching.word_lists] (lists: {known})")
                item = list(lists.get(name, []))
            out[key] = resolve(item, where)
        return out

    themes = data.get("themes")
    if not isinstance(themes, dict):
        return data, problems
    resolved = {}
    for theme_id, theme in themes.items():
        if isinstance(theme, dict) and isinstance(theme.get("patterns"), list):
            theme = {**theme, "patterns": resolve(theme["patterns"], f"[themes.{theme_id}].patterns")}
        if isinstance(theme, dict) and isinstance(theme.get("subthemes"), dict):
            theme = {**theme, "subthemes": {
                sub_id: ({**sub, "patterns": resolve(sub["patterns"], f"[themes.{theme_id}.subthemes.{sub_id}].patterns")}
                         if isinstance(sub, dict) and isinstance(sub.get("patterns"), list) else sub)
                for sub_id, sub in theme["subthemes"].items()}}
        resolved[theme_id] = theme
    return {**data, "themes": resolved}, problems


def _word_lists(data: dict[str, Any]) -> dict[str, Any]:
    matching = data.get("matching")
    lists = matching.get("word_lists", {}) if isinstance(matching, dict) else {}
    return lists if isinstance(lists, dict) else {}


def check_taxonomy_data(data: dict[str, Any]) -> list[str]:
    """Validate parsed taxonomy data.

    data (dict): The parsed TOML.
    RETURNS (list[str]): Problems, each naming where it is and what to do; empty when valid.
    """
    data, problems = resolve_word_lists(data)
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"unknown top-level key {key!r} (allowed: {', '.join(sorted(_TOP_KEYS))})")
    for key in ("name", "version"):
        if not isinstance(data.get(key), str) or not data.get(key):
            problems.append(f"{key!r} must be a non-empty string")
    matching = data.get("matching", {})
    if not isinstance(matching, dict):
        problems.append("[matching] must be a table")
        matching = {}
    for key in sorted(set(matching) - _MATCHING_KEYS):
        problems.append(f"[matching]: unknown key {key!r} (allowed: {', '.join(sorted(_MATCHING_KEYS))})")
    for key in ("negations", "ignore"):
        if key in matching:
            problems.extend(_check_strings(matching[key], f"[matching].{key}"))
    problems.extend(_check_ignore_near(matching.get("ignore_near", []), data.get("themes")))
    window = matching.get("negation_window", 3)
    if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 10:
        problems.append(f"[matching].negation_window must be a whole number 0-10, got {window!r}")
    themes = data.get("themes")
    if not isinstance(themes, dict) or not themes:
        problems.append("no themes: add at least one [themes.<id>] table")
        return problems
    for theme_id, theme in themes.items():
        where = f"[themes.{theme_id}]"
        if not _is_identifier(theme_id):
            problems.append(f"{where}: ids use lowercase letters, digits and '_' only")
        if not isinstance(theme, dict):
            problems.append(f"{where} must be a table")
            continue
        problems.extend(_check_theme(theme, where, _THEME_KEYS))
        subthemes = theme.get("subthemes", {})
        if not isinstance(subthemes, dict):
            problems.append(f"{where}.subthemes must be a table of tables")
            continue
        has_rules = any(theme.get(k) for k in ("terms", "exact", "patterns"))
        for sub_id, sub in subthemes.items():
            sub_where = f"[themes.{theme_id}.subthemes.{sub_id}]"
            if not _is_identifier(sub_id):
                problems.append(f"{sub_where}: ids use lowercase letters, digits and '_' only")
            if not isinstance(sub, dict):
                problems.append(f"{sub_where} must be a table")
                continue
            problems.extend(_check_theme(sub, sub_where, _SUBTHEME_KEYS))
            has_rules = has_rules or any(sub.get(k) for k in ("terms", "exact", "patterns"))
        if not has_rules:
            problems.append(f"{where}: no terms, exact or patterns, so it can never match")
    return problems


def _check_ignore_near(rules: Any, themes: Any) -> list[str]:
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        return ["[matching].ignore_near must be a list of tables: [[matching.ignore_near]] words = [...] near = [...]"]
    problems = []
    known = set(themes) if isinstance(themes, dict) else set()
    for i, rule in enumerate(rules):
        where = f"[matching].ignore_near[{i}]"
        for key in sorted(set(rule) - _IGNORE_NEAR_KEYS):
            problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(_IGNORE_NEAR_KEYS))})")
        for key in ("words", "near"):
            if key not in rule:
                problems.append(f"{where}: {key!r} is required (a list of words or phrases)")
            else:
                problems.extend(_check_strings(rule[key], f"{where}.{key}"))
        if "alone" in rule and not isinstance(rule["alone"], bool):
            problems.append(f"{where}.alone must be true or false")
        if "themes" in rule:
            bad = _check_strings(rule["themes"], f"{where}.themes")
            problems.extend(bad)
            if not bad and known:
                problems.extend(f"{where}.themes: no theme {t!r} (themes: {', '.join(sorted(known))})"
                                for t in rule["themes"] if t not in known)
    return problems


def _is_identifier(value: str) -> bool:
    return bool(value) and all(c.islower() or c.isdigit() or c == "_" for c in value)


def _check_strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        return [f"{where} must be a list of strings"]
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        return [f"{where} must hold non-empty strings only, found {bad[:3]!r}"]
    return []


def _check_theme(theme: dict[str, Any], where: str, allowed: set[str]) -> list[str]:
    problems = []
    for key in sorted(set(theme) - allowed):
        problems.append(f"{where}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
    if not isinstance(theme.get("label"), str) or not theme.get("label"):
        problems.append(f"{where}: 'label' must be a non-empty string")
    for key in ("terms", "exact", "cues"):
        if key in theme:
            problems.extend(_check_strings(theme[key], f"{where}.{key}"))
    patterns = theme.get("patterns", [])
    if not isinstance(patterns, list) or not all(
        isinstance(p, list) and p and all(isinstance(t, dict) for t in p) for p in patterns
    ):
        problems.append(f"{where}.patterns must be a list of token patterns, e.g. [[{{LEMMA = \"wait\"}}]]")
    else:
        for i, pattern in enumerate(patterns):
            error = _check_pattern(pattern)
            if error:
                problems.append(f"{where}.patterns[{i}]: {error}")
                continue
            for regex in _regexes(pattern):
                if catastrophic_regex(regex):
                    problems.append(Errors.E112.format(where=f"{where}.patterns[{i}]", pattern=regex))
    return problems


def _regexes(value: Any) -> Iterator[str]:
    """Every REGEX operand in a token pattern (under any attribute, e.g. {LOWER = {REGEX = ...}})."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.upper() == "REGEX" and isinstance(item, str):
                yield item
            else:
                yield from _regexes(item)
    elif isinstance(value, list):
        for item in value:
            yield from _regexes(item)


@functools.lru_cache(maxsize=1)
def _blank_vocab() -> Any:
    # A bare Vocab: checking a pattern reads no language data, and spacy.blank("en") costs
    # a tenth of a second of every run's start (its tokenizer's 2,700 special cases).
    from spacy.vocab import Vocab

    return Vocab()


def _check_pattern(pattern: list[dict[str, Any]]) -> str | None:
    matcher = Matcher(_blank_vocab(), validate=True)
    try:
        matcher.add("check", [pattern])
    except Exception as e:  # spaCy raises MatchPatternError/ValueError with its own explanation
        return str(e).strip().splitlines()[-1]
    return None


def _build(data: dict[str, Any], source: str, sha256: str) -> Taxonomy:
    matching = data.get("matching", {})
    themes = []
    for theme_id, theme in data["themes"].items():
        subthemes = tuple(
            _theme_def(f"{theme_id}/{sub_id}", sub)
            for sub_id, sub in theme.get("subthemes", {}).items()
        )
        themes.append(_theme_def(theme_id, theme, subthemes))
    return Taxonomy(
        name=data["name"],
        version=data["version"],
        description=data.get("description", ""),
        themes=tuple(themes),
        negations=frozenset(w.lower() for w in matching.get("negations", [])),
        negation_window=matching.get("negation_window", 3),
        ignore=tuple(matching.get("ignore", [])),
        ignore_near=tuple(IgnoreNear(tuple(r["words"]), tuple(r["near"]), tuple(r.get("themes", [])),
                                     bool(r.get("alone", False)))
                          for r in matching.get("ignore_near", [])),
        source=source,
        sha256=sha256,
    )


def _theme_def(theme_id: str, d: dict[str, Any], subthemes: tuple[ThemeDef, ...] = ()) -> ThemeDef:
    return ThemeDef(
        id=theme_id,
        label=d["label"],
        description=d.get("description", ""),
        terms=tuple(d.get("terms", [])),
        exact=tuple(d.get("exact", [])),
        patterns=tuple(tuple(p) for p in d.get("patterns", [])),
        cues=tuple(d.get("cues", [])),
        subthemes=subthemes,
    )
