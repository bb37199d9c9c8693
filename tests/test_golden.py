"""Golden output: `feedback analyze` on a small fixed corpus, byte for byte.

The corpus mixes real comments (40 clothing reviews, CC0; 20 CFPB complaint narratives, public
domain; see tests/data/golden/README.md) with 40 rows of the bundled example and rows that must
become problems or error records. A refactor must leave these files unchanged; a change that is
meant to alter the output regenerates them on purpose, and the diff shows what moved:

    python tests/test_golden.py     # rewrites tests/data/golden/*.expected.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "data" / "golden"

# name -> (input file, extra arguments)
CASES: dict[str, tuple[str, list[str]]] = {
    "survey-model": ("survey.csv", ["--model", "default"]),
    "survey-rules": ("survey.csv", ["--no-model"]),
    "clothing-model": ("clothing.csv", ["--model", "default"]),
    "clothing-rules": ("clothing.csv", ["--no-model"]),
    "complaints-model": ("complaints.jsonl", ["--text-column", "narrative", "--id-column", "complaint_id",
                                              "--model", "default"]),
    "complaints-rules-redact": ("complaints.jsonl", ["--text-column", "narrative", "--id-column", "complaint_id",
                                                     "--no-model", "--redact"]),
}


def run_case(name: str, out_dir: Path) -> tuple[Path, Path]:
    """Analyse one case into out_dir; returns the records and errors paths."""
    from click.testing import CliRunner

    from feedback.cli import cli

    source, extra = CASES[name]
    output = out_dir / f"{name}.expected.jsonl"
    errors = out_dir / f"{name}.errors.expected.jsonl"
    result = CliRunner().invoke(
        cli, ["analyze", str(GOLDEN / source), "-o", str(output), "--errors", str(errors), *extra],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return output, errors


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_analyze_output_is_unchanged(name: str, tmp_path: Path) -> None:
    output, errors = run_case(name, tmp_path)
    assert output.read_bytes() == (GOLDEN / output.name).read_bytes()
    expected_errors = GOLDEN / errors.name
    if expected_errors.exists():
        assert errors.read_bytes() == expected_errors.read_bytes()
    else:
        assert not errors.exists()


def test_default_analysis_is_the_shipped_model(tmp_path: Path) -> None:
    """No model named: the shipped model with the taxonomy rules (README, Accuracy)."""
    from click.testing import CliRunner

    from feedback.cli import cli

    output = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["analyze", str(GOLDEN / "survey.csv"), "-o", str(output),
                                      "--errors", str(tmp_path / "errors.jsonl")], catch_exceptions=False)
    assert result.exit_code == 0 and "themes: rules + model" in result.stderr
    assert output.read_bytes() == (GOLDEN / "survey-model.expected.jsonl").read_bytes()


def main() -> None:
    for name in sorted(CASES):
        for old in GOLDEN.glob(f"{name}.*expected.jsonl"):
            old.unlink()
        output, errors = run_case(name, GOLDEN)
        print(f"{name}: {sum(1 for _ in output.open())} records, "
              f"{sum(1 for _ in errors.open()) if errors.exists() else 0} errors", file=sys.stderr)


if __name__ == "__main__":
    main()
