"""docs/cli.md is the commands' own help: a changed option without a regenerated reference fails."""

from pathlib import Path

from feedback.cli.reference import reference

DOC = Path(__file__).parent.parent / "docs" / "cli.md"


def test_cli_reference_matches_the_commands():
    assert DOC.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is out of date: run `python -m feedback.cli.reference > docs/cli.md`")


def test_cli_reference_documents_every_command_and_option():
    from feedback.cli import cli

    text = DOC.read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"## feedback {name}" in text
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--"):
                    assert opt in text, f"{name} {opt}"
