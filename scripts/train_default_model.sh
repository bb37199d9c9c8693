#!/usr/bin/env bash
# Rebuild models/cx-default with one command: train on the project's labelled comments
# (training/, CC0), the 800 hand-labelled real comments (training/real/) and the training split
# of the licensed real datasets in $DATA (read in place, never copied: see
# scripts/real_training_data.py), then measure it on the held-out real data next to plain VADER
# and the rules alone and write those figures into its model card. Same data and seed give the
# same model. Texts are redacted first, so no phone number or email is in the vocabulary.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
DATA=${DATA:-../shared/data}
OUT=${OUT:-models/cx-default}
# TRAIN_ARGS (e.g. "--neutral-prior") passes options to the Python step.
"$PYTHON" scripts/train_default_model.py --data "$DATA" -o "$OUT" --seed 0 ${TRAIN_ARGS:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
MODEL="$OUT" "$PYTHON" benchmarks/real_world.py --data "$DATA" --limit 1500 --json "$tmp/real_world.json" > "$tmp/real_world.md"
MODEL="$OUT" "$PYTHON" benchmarks/real_labelled.py --json "$tmp/real_labelled.json" > "$tmp/real_labelled.md"
"$PYTHON" scripts/model_card_figures.py "$OUT" "$tmp/real_world.json" "$tmp/real_labelled.json"
tail -n 15 "$tmp/real_world.md"
