"""Run the `feedback` command from a checkout: `python cli.py analyze examples/comments.csv`.

The command itself lives in feedback/cli.py, so the installed console script works from a wheel
without putting a module named `cli` into site-packages.
"""

from feedback.cli import cli

if __name__ == "__main__":
    cli(prog_name="feedback")
