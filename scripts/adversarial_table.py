"""Print the adversarial input suite (tests/test_adversarial.py) as a table: rows in, records out,
error records, exit code. Used for the README and release notes.

    .venv/bin/python scripts/adversarial_table.py
"""

import json
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.test_adversarial import CASES  # noqa: E402

from feedback.cli import cli  # noqa: E402


def main() -> None:
    print("| input | rows in | records | error records | exit | note |")
    print("|---|---|---|---|---|---|")
    for case, (name, content, expected, args) in CASES.items():
        with tempfile.TemporaryDirectory() as tmp:
            path, out, err = Path(tmp) / name, Path(tmp) / "o.jsonl", Path(tmp) / "e.jsonl"
            path.write_bytes(content)
            result = CliRunner().invoke(cli, ["analyze", str(path), "-o", str(out), "--errors", str(err), "--no-model", *args])
            n_out = len(out.read_text(encoding="utf-8").splitlines()) if out.exists() else 0
            errors = [json.loads(line) for line in err.read_text(encoding="utf-8").splitlines()] if err.exists() else []
            codes = sorted({e["error"]["code"] for e in errors})
            note = ", ".join(codes)
            if result.exit_code:
                note = result.stderr.strip().splitlines()[-1][:90]
            rows_in = "-" if expected is None else expected
            print(f"| {case} | {rows_in} | {n_out} | {len(errors)} | {result.exit_code} | {note} |")


if __name__ == "__main__":
    main()
