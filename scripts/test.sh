#!/usr/bin/env bash
# Set up a virtual environment with the package and its dev extras, then lint (ruff), type-check
# (mypy) and run the whole test suite: the quick tests in parallel, then the slow ones one at a time.
# `pytest` alone runs the quick ones.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
# The HTML report tests drive Debian's headless Chromium (they skip without /usr/bin/chromium).
# On a fresh Debian machine as root, install it; elsewhere say why those tests will skip.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "No /usr/bin/chromium (apt-get install chromium as root): the HTML report browser tests will skip." >&2
  fi
fi
.venv/bin/python -m ruff check feedback tests benchmarks scripts
.venv/bin/python -m mypy feedback
# Exit status 5 is "no test selected" (arguments naming only quick or only slow tests), not a failure.
run_tests() {
  local status=0
  .venv/bin/python -m pytest -q "$@" || status=$?
  [ "$status" = 0 ] || [ "$status" = 5 ] || exit "$status"
}
run_tests "$@"
run_tests -m slow -n 0 "$@"
