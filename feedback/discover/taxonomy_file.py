"""Candidates as taxonomy files: a file of their own, or appended to a base taxonomy (`merge_toml`),
with each candidate's figures in comments above its [themes.<id>] table."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from importlib import resources

from ..errors import DiscoveryError, Errors, TaxonomyError
from ..themes import DEFAULT_TAXONOMY, check_taxonomy_data
from .candidates import unique_id
from .results import Candidate, Discovery

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_SPACE_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_PREAMBLE_KEY_RE = r"(?m)^{key}\s*=.*$"


def taxonomy_text(path: str | None = None) -> str:
    """The text of a taxonomy file, comments and all.

    path (str | None): A TOML file; None for the default taxonomy.
    RETURNS (str): Its text.
    RAISES (TaxonomyError): The file cannot be read.
    """
    if path is None:
        return resources.files("feedback").joinpath(DEFAULT_TAXONOMY).read_text(encoding="utf-8")
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise TaxonomyError(str(path), [f"cannot read the file: {e.strerror}"]) from None
    except UnicodeDecodeError:
        raise TaxonomyError(str(path), ["the file is not UTF-8 text"]) from None


def candidates_toml(discovery: Discovery, *, source: str = "") -> str:
    """The candidates as a taxonomy file of their own: check it with `feedback themes --check`,
    use it with `--taxonomy`, or paste its [themes.*] tables into another taxonomy.

    discovery (Discovery): The result of `discover`.
    source (str): The input's name, for the header.
    RETURNS (str): TOML text; every candidate is a [themes.<id>] table, its figures in comments.
    RAISES (DiscoveryError): There are no candidates (a taxonomy needs at least one theme).
    """
    if not discovery.candidates:
        raise DiscoveryError(Errors.E405)
    lines = _header(discovery, source)
    lines += [
        'name = "discovered"',
        'version = "0.1.0"',
        f"description = {_toml_string(_description(discovery, source))}",
        "",
        "",
    ]
    return "\n".join(lines) + _theme_tables(discovery.candidates)


def merge_toml(discovery: Discovery, base_text: str, *, source: str = "") -> str:
    """A base taxonomy with the candidates added: a complete file for `--taxonomy`.

    The base is kept as written (comments and all); its name and version get "+discovered", so
    reports show the taxonomy is not the base any more. A candidate id the base already uses
    gets a suffix.

    discovery (Discovery): The result of `discover`.
    base_text (str): The base taxonomy's text (`taxonomy_text`).
    source (str): The input's name, for the comments.
    RETURNS (str): TOML text that passes `check_taxonomy_data`.
    RAISES (TaxonomyError): The base is not a valid taxonomy, or cannot be extended by appending
        tables (it defines its themes as an inline table).
    """
    try:
        base = tomllib.loads(base_text)
    except tomllib.TOMLDecodeError as e:
        raise TaxonomyError("<base>", [f"not valid TOML: {e}"]) from None
    problems = check_taxonomy_data(base)
    if problems:
        raise TaxonomyError("<base>", problems)
    taken = set(base["themes"])
    candidates = []
    for candidate in discovery.candidates:
        unique = unique_id(candidate.id, taken)
        taken.add(unique)
        candidates.append(candidate if unique == candidate.id else replace(candidate, id=unique))
    first_table = re.search(r"(?m)^\s*\[", base_text)
    preamble_end = first_table.start() if first_table else len(base_text)
    preamble = base_text[:preamble_end]
    for key in ("name", "version"):
        value = f"{base[key]}+discovered"
        found = re.search(_PREAMBLE_KEY_RE.format(key=key), preamble)
        if found:
            preamble = f"{preamble[:found.start()]}{key} = {_toml_string(value)}{preamble[found.end():]}"
    text = preamble + base_text[preamble_end:].rstrip("\n") + "\n\n"
    lines = [f"# {'-' * 94}", *_header(discovery, source), ""]
    text += "\n".join(lines) + _theme_tables(candidates)
    try:
        problems = check_taxonomy_data(tomllib.loads(text))
    except tomllib.TOMLDecodeError as e:
        problems = [f"the base cannot be extended by appending [themes.<id>] tables: {e}"]
    if problems:
        raise TaxonomyError("<merged>", problems)
    return text


def _description(discovery: Discovery, source: str) -> str:
    where = f" in {source}" if source else ""
    return (f"Candidate themes discovered{where} by feedback discover "
            f"(seed {discovery.seed}, {discovery.n_topics} topics). Rename, edit and keep what is useful.")


def _header(discovery: Discovery, source: str) -> list[str]:
    where = f" in {source}" if source else ""
    which = "the comments with no theme" if discovery.only_unthemed else "all comments"
    cov = discovery.coverage
    return [
        f"# Candidate themes found by `feedback discover`{where}: {discovery.n_topics} topics fitted on",
        f"# {discovery.n_fitted:,} of {discovery.n_considered:,} comments ({which}), seed {discovery.seed}, "
        f"compared with taxonomy {discovery.taxonomy}.",
        f"# {cov.describe()}; the candidates cover {discovery.n_explained:,} of them "
        f"({discovery.share_explained:.1%}).",
        "# Keep what is useful: rename ids and labels, edit the terms (matched on lemmas: \"points\" also",
        "# matches \"point\"), delete the rest. Check the file with `feedback themes --check FILE`.",
        "",
    ]


def _theme_tables(candidates: list[Candidate]) -> str:
    blocks = []
    for c in candidates:
        scores = "".join(f", mean {kind} {mean:g} (n={n:,})" for kind, (mean, n) in c.mean_scores.items())
        lines = [
            f"# {c.n_comments:,} comments ({c.share_comments:.1%}); covers {c.n_unthemed:,} ({c.share_unthemed:.1%}) "
            f"of those with no theme; mean sentiment {c.mean_sentiment:+.2f}{scores}",
            f"# coherence {c.coherence:.3f}; the terms below match {c.n_matched:,} comments; "
            f"top terms: {', '.join(term for term, _ in c.top_terms)}",
        ]
        if c.overlap:
            tagged = ", ".join(f"{theme} {share:.0%}" for theme, share in list(c.overlap.items())[:3])
            lines.append(f"# already tagged: {tagged}")
        if c.shared:
            shared = ", ".join(f"{term!r} ({'/'.join(themes)})" for term, themes in c.shared.items())
            lines.append(f"# terms existing themes also match: {shared}")
        lines += [f"#   e.g. {_clip(e.text, 160)}" for e in c.examples]
        lines += [
            f"[themes.{c.id}]",
            f"label = {_toml_string(c.label)}",
            f"description = {_toml_string(c.description)}",
            f"terms = [{', '.join(_toml_string(term) for term in c.terms)}]",
        ]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _toml_string(value: str) -> str:
    # A JSON string is a valid TOML basic string: the same escapes for quotes, backslashes,
    # control characters and \uXXXX. DEL is the one control character JSON leaves raw.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _clip(text: str, limit: int) -> str:
    # A TOML comment may not hold control characters; newlines would end it.
    text = _SPACE_RE.sub(" ", _CONTROL_RE.sub("", text)).strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
