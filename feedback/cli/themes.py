"""`feedback themes`: list the taxonomy's themes, or check a taxonomy file."""

from __future__ import annotations

import json

import click

from ..errors import TaxonomyError
from ..terminal import printable
from .options import fail


@click.command("themes")
@click.option("--taxonomy", metavar="SPEC",
              help="Show this taxonomy instead of the default: a file, or with packs ('default+travel').")
@click.option("--packs", "list_packs", is_flag=True, help="List the domain packs that ship with feedback.")
@click.option("--check", "check_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Validate a taxonomy file and report every problem.")
@click.option("--json", "as_json", is_flag=True, help="Print the taxonomy as JSON.")
def themes(taxonomy: str | None, list_packs: bool, check_path: str | None, as_json: bool) -> None:
    """List the themes of the taxonomy in use, or the domain packs, or check a taxonomy file.

    \b
    Examples:
      feedback themes
      feedback themes --packs
      feedback themes --taxonomy default+travel
      feedback themes --check my_taxonomy.toml
    """
    from ..themes import load_taxonomy

    if list_packs:
        _show_packs(as_json)
        return
    try:
        tax = load_taxonomy(check_path or taxonomy)
    except TaxonomyError as e:
        raise fail(e) from None
    if check_path:
        n_sub = sum(len(t.subthemes) for t in tax.themes)
        click.echo(printable(f"OK: {check_path} ({tax.name} {tax.version}): {len(tax.themes)} themes, "
                             f"{n_sub} subthemes"))
        return
    if as_json:
        data = {
            "name": tax.name,
            "version": tax.version,
            "source": tax.source,
            "sha256": tax.sha256,
            "themes": [
                {
                    "id": t.id,
                    "label": t.label,
                    "description": t.description,
                    "n_rules": len(t.terms) + len(t.exact) + len(t.patterns),
                    "subthemes": [{"id": s.id, "label": s.label} for s in t.subthemes],
                }
                for t in tax.themes
            ],
        }
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    # Labels and descriptions are free text from a file: shown, never obeyed by the terminal.
    click.echo(printable(f"{tax.name} {tax.version} ({tax.source})"))
    for t in tax.themes:
        n_rules = len(t.terms) + len(t.exact) + len(t.patterns)
        click.echo(printable(f"\n{t.id:<20} {t.label}  [{n_rules} rules]"))
        if t.description:
            click.echo(printable(f"{'':<20} {t.description}"))
        for s in t.subthemes:
            click.echo(printable(f"  {s.id:<28} {s.label}"))


def _show_packs(as_json: bool) -> None:
    from ..taxonomy import available_packs, load_pack

    packs = []
    for name in available_packs():
        data = load_pack(name)
        adds = []
        for theme_id, theme in data["themes"].items():
            subs = theme.get("subthemes", {})
            adds += [f"{theme_id}/{sub}" for sub in subs] if subs else [theme_id]
        packs.append({"name": name, "version": data["version"], "description": data.get("description", ""),
                      "validated": data.get("validated", ""), "adds": adds})
    if as_json:
        click.echo(json.dumps(packs, indent=2, ensure_ascii=False))
        return
    for pack in packs:
        click.echo(f"{pack['name']} {pack['version']}: {pack['description']}")
        click.echo(f"  adds: {', '.join(pack['adds'])}")
        click.echo(f"  validated on: {pack['validated']}")
    click.echo("\nUse: feedback analyze FILE --taxonomy default+" + (packs[0]["name"] if packs else "PACK"))
