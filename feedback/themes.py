"""Themes: the taxonomy (a TOML data file) and the rule matcher that finds its mentions.

Matching runs on lowercase lemmas with spaCy's PhraseMatcher and Matcher. Overlapping matches
are resolved longest-first, so a longer phrase decides a word's sense ("feel cheap" is quality,
"fast food" is ignored); a negation word shortly before a mention marks it negated.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Iterator

from spacy.attrs import LOWER, NORM
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from .errors import Errors, TaxonomyError
from .redact import KINDS as REDACTED_KINDS
from .regex_safety import catastrophic_regex

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

IGNORE = "__ignore__"
# What feedback.redact puts in place of PII: "[EMAIL]" must not read as the email channel.
REDACTION_TOKENS = tuple(f"[{kind.lower()}]" for kind in REDACTED_KINDS)
_NORM_LOWER = [NORM, LOWER]
_THEME_KEYS = {"label", "description", "terms", "exact", "patterns", "subthemes"}
_SUBTHEME_KEYS = {"label", "description", "terms", "exact", "patterns", "cues"}
_TOP_KEYS = {"name", "version", "description", "language", "matching", "themes"}
_MATCHING_KEYS = {"negations", "negation_window", "ignore"}


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
class Taxonomy:
    """A set of themes plus matching settings, as loaded from a TOML file."""

    name: str
    version: str
    description: str
    themes: tuple[ThemeDef, ...]
    negations: frozenset[str] = frozenset()
    negation_window: int = 3
    ignore: tuple[str, ...] = ()
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


def load_taxonomy(path: str | None = None) -> Taxonomy:
    """Read and validate a taxonomy file.

    path (str | None): A TOML file; None loads the default customer-experience taxonomy.
    RETURNS (Taxonomy): The taxonomy.
    RAISES (TaxonomyError): With every problem found, when the file is not valid.
    """
    if path is None:
        raw = resources.files("feedback").joinpath(DEFAULT_TAXONOMY).read_bytes()
        source = "<default>"
    else:
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError as e:
            raise TaxonomyError(str(path), [f"cannot read the file: {e.strerror}"]) from None
        source = str(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise TaxonomyError(source, ["the file is not UTF-8 text"]) from None
    except tomllib.TOMLDecodeError as e:
        raise TaxonomyError(source, [f"not valid TOML: {e}"]) from None
    except RecursionError:
        raise TaxonomyError(source, [Errors.E113]) from None
    problems = check_taxonomy_data(data)
    if problems:
        raise TaxonomyError(source, problems)
    return _build(data, source, hashlib.sha256(raw).hexdigest())


def check_taxonomy_data(data: dict[str, Any]) -> list[str]:
    """Validate parsed taxonomy data.

    data (dict): The parsed TOML.
    RETURNS (list[str]): Problems, each naming where it is and what to do; empty when valid.
    """
    problems: list[str] = []
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
    import spacy

    return spacy.blank("en").vocab


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


@dataclass(frozen=True, slots=True)
class Match:
    """A theme found in a Doc: token range [start, end) and whether a negation governs it."""

    theme: str
    start: int
    end: int
    negation_start: int | None = None


@dataclass
class ThemeMatcher:
    """Finds taxonomy themes in Docs made by `language.make_nlp()`."""

    nlp: Language
    taxonomy: Taxonomy
    _phrases: PhraseMatcher = field(init=False, repr=False)
    _exact: PhraseMatcher = field(init=False, repr=False)
    _patterns: Matcher = field(init=False, repr=False)
    _cues: dict[str, list[tuple[str, frozenset[str]]]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        vocab = self.nlp.vocab
        self._phrases = PhraseMatcher(vocab, attr="NORM")
        self._exact = PhraseMatcher(vocab, attr="LOWER")
        self._patterns = Matcher(vocab)
        # Terms are lemmatised by the same pipeline as the comments, so "waited" in a
        # taxonomy file matches "waits", and "Charged me" matches "charged me".
        lemma_docs = self._lemma_docs
        requirements: list[list[set[str]]] = []
        self._phrases.add(IGNORE, lemma_docs(self.taxonomy.ignore + REDACTION_TOKENS))
        for theme in self.taxonomy.all_themes():
            if theme.terms:
                self._phrases.add(theme.id, lemma_docs(theme.terms))
            if theme.exact:
                self._exact.add(theme.id, list(self._tokenizer.pipe(t.lower() for t in theme.exact)))
            if theme.patterns:
                patterns = [_lower_lemmas(p) for p in theme.patterns]
                self._patterns.add(theme.id, patterns)
                requirements.extend(_required_words(p) for p in patterns)
        # The Matcher costs ~10us per Doc even when nothing matches. A Doc can only match a
        # pattern if, for each of the pattern's required tokens that names its words, it holds
        # one of those words; that is quick to check on the Doc's word ids.
        strings = vocab.strings
        self._requirements = [[frozenset(strings.add(w) for w in words) for words in pattern]
                              for pattern in requirements]
        # A first, cheaper pass: a Doc with none of the first required words of any pattern.
        self._any_required = (None if any(not pattern for pattern in self._requirements)
                              else frozenset().union(*(pattern[0] for pattern in self._requirements)))
        self._cues = {
            theme.id: [
                (sub.id, frozenset(self._lemma(c) for c in sub.cues))
                for sub in theme.subthemes
                if sub.cues
            ]
            for theme in self.taxonomy.themes
        }

    @property
    def _tokenizer(self) -> Any:
        return self.nlp.tokenizer  # a Tokenizer; spaCy types it as a plain callable

    def _lemma_docs(self, phrases: tuple[str, ...]) -> list[Doc]:
        return list(self._tokenizer.pipe(p.lower() for p in phrases))

    def _lemma(self, word: str) -> str:
        return " ".join(t.norm_ for t in self.nlp.tokenizer(word.lower()))

    def find(self, doc: Doc) -> list[Match]:
        """Find theme mentions in a Doc.

        doc (Doc): A Doc from `make_nlp()` (lemmas set).
        RETURNS (list[Match]): Non-overlapping mentions in text order; a span listed under two
            themes yields one match for each.
        """
        strings = doc.vocab.strings
        matchers: list[PhraseMatcher | Matcher] = [self._phrases, self._exact]
        if len(self._patterns):
            word_ids = doc.to_array(_NORM_LOWER).ravel().tolist()
            if self._any_required is None or not self._any_required.isdisjoint(word_ids):
                words = set(word_ids)
                if any(all(not ids.isdisjoint(words) for ids in pattern) for pattern in self._requirements):
                    matchers.append(self._patterns)
        candidates = [
            (strings[key], start, end)
            for matcher in matchers
            if len(matcher)
            for key, start, end in matcher(doc)
        ]
        if not candidates:
            return []
        # Longest first; on equal length IGNORE first (it exists to block a sense), then earliest.
        candidates.sort(key=lambda c: (c[1] - c[2], c[0] != IGNORE, c[1]))
        taken = [False] * len(doc)
        accepted: dict[tuple[int, int], list[str]] = {}
        for theme, start, end in candidates:
            span = (start, end)
            if span in accepted:
                if IGNORE not in accepted[span] and theme not in accepted[span]:
                    accepted[span].append(theme)
                continue
            if any(taken[start:end]):
                continue
            for i in range(start, end):
                taken[i] = True
            accepted[span] = [theme]
        matches = []
        for (start, end), themes in sorted(accepted.items()):
            if IGNORE in themes:
                continue
            negation_start = self._negation(doc, start)
            for theme in _drop_parents(themes):
                matches.append(Match(theme, start, end, negation_start))
        return matches

    def has_cues(self, theme: str) -> bool:
        """Whether `refine` can turn this top-level theme into one of its subthemes."""
        return bool(self._cues.get(theme))

    def refine(self, theme: str, lemmas: set[str]) -> str:
        """Turn a bare top-level mention into a subtheme when its clause holds one of its cues.

        theme (str): The matched theme id.
        lemmas (set[str]): Lowercase lemmas of the mention's clause.
        RETURNS (str): "<id>/<sub>" for the first subtheme whose cue is present, else `theme`.
        """
        for sub_id, cues in self._cues.get(theme, ()):
            if cues & lemmas:
                return sub_id
        return theme

    def _negation(self, doc: Doc, start: int) -> int | None:
        """Index of a negation word within the window before `start`, in the same sentence."""
        negations = self.taxonomy.negations
        if start == 0 or doc[start].is_sent_start:
            return None
        for i in range(start - 1, max(0, start - self.taxonomy.negation_window) - 1, -1):
            token = doc[i]
            if token.norm_ in negations or token.lower_ in negations:
                return i
            # A clause boundary or contrast ends the scope of a negation ("no bot, but fast").
            if token.is_punct or token.is_sent_start or token.lower_ in ("but", "however", "although"):
                return None
        return None


def _lower_lemmas(pattern: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """Point a pattern's LEMMA at NORM, where the pipeline keeps lowercase lemmas."""
    out = []
    for token in pattern:
        token = dict(token)
        value = token.pop("LEMMA", None)
        if isinstance(value, str):
            token["NORM"] = value.lower()
        elif isinstance(value, dict) and "IN" in value:
            token["NORM"] = {**value, "IN": [v.lower() for v in value["IN"]]}
        elif value is not None:
            token["NORM"] = value
        out.append(token)
    return out


def _required_words(pattern: list[dict[str, Any]]) -> list[set[str]]:
    """For each token a match of `pattern` must contain that names its NORM, LOWER or ORTH
    values, those values (lowercase too, for ORTH). A pattern with none of them gives [],
    which every Doc satisfies. Optional ("?", "*") and negated ("!") tokens require nothing.
    """
    required = []
    for token in pattern:
        if token.get("OP") not in (None, "1", "+"):
            continue
        for attr in ("NORM", "LOWER", "ORTH"):
            value = token.get(attr)
            words = {value} if isinstance(value, str) else set(value["IN"]) if isinstance(value, dict) and "IN" in value else None
            if words is not None:
                if attr == "ORTH":
                    words |= {w.lower() for w in words}
                required.append(words)
                break
    return required


def _drop_parents(themes: list[str]) -> list[str]:
    """When a span is both "speed" and "speed/waiting", keep only the more specific one."""
    if len(themes) == 1:
        return themes
    return [t for t in themes if not any(o.startswith(t + "/") for o in themes)]
