"""Option parsing shared by the CLI commands (feedback/cli.py and the command modules)."""

from __future__ import annotations

import click


def parse_scores(values: tuple[str, ...]) -> dict[str, str]:
    """--score KIND=COLUMN options -> {kind: column}."""
    scores = {}
    for value in values:
        kind, sep, column = value.partition("=")
        if not sep or not kind.strip() or not column:
            raise click.BadParameter(
                f"{value!r} is not KIND=COLUMN, e.g. nps=likelihood_to_recommend", param_hint="--score"
            )
        scores[kind.strip().lower()] = column
    return scores


def parse_map(values: tuple[str, ...]) -> dict[str, str] | None:
    """--map GOLD=THEME options -> {gold: theme}, or None when none were given."""
    if not values:
        return None
    mapping = {}
    for value in values:
        gold, sep, theme = value.partition("=")
        if not sep or not gold or not theme:
            raise click.BadParameter(f"{value!r} is not GOLD=THEME, e.g. service=customer_service", param_hint="--map")
        mapping[gold] = theme
    return mapping
