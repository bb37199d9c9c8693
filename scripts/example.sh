#!/usr/bin/env bash
# Set up a virtual environment with the package, then analyse the bundled example export.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q .
mkdir -p out
.venv/bin/feedback analyze examples/comments.csv -o out/analyzed.jsonl
echo "Wrote out/analyzed.jsonl ($(wc -l < out/analyzed.jsonl) records)" >&2
