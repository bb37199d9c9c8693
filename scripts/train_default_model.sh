#!/usr/bin/env bash
# Rebuild models/cx-default from the project's own labelled comments (training/, CC0), scoring it
# once on the held-out labelled set in tests/data. Same data and seed give the same model.
# --redact: the phone numbers some comments hold must not end up in the shipped vocabulary.
set -euo pipefail
cd "$(dirname "$0")/.."
FEEDBACK=${FEEDBACK:-.venv/bin/feedback}
"$FEEDBACK" train training/cx_train_a.jsonl \
  --also training/cx_train_b.jsonl --also training/cx_train_c.jsonl \
  --also training/cx_train_d.jsonl --also training/cx_train_e.jsonl --also training/cx_train_f.jsonl \
  --test tests/data/labelled_cx.jsonl -o models/cx-default --seed 0 --redact
