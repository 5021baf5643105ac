#!/usr/bin/env bash
# Set up terrisim on a fresh machine: a Python 3.12 virtual environment in .venv with the
# package and all its extras.  Idempotent: re-running only installs what is missing.
#   bash scripts/setup.sh            # the simulation, sweeps, report and browser app, and the
#                                    # French administrative data (scripts/fetch_territory_data.sh)
#   bash scripts/setup.sh --browser  # also Debian's chromium and the app's offline web assets
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="$ROOT/.venv"

find_python() {
  local candidates=(python3.12)
  if command -v pyenv >/dev/null 2>&1; then
    for p in "$(pyenv root)"/versions/3.12*/bin/python3.12; do candidates+=("$p"); done
  fi
  candidates+=(/usr/bin/python3.12 /usr/local/bin/python3.12 python3)
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$c" 2>/dev/null || echo "$c"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ]; then
  PY=$(find_python) || { echo "setup: Python >= 3.12 not found (tried python3.12, pyenv 3.12.*, python3)" >&2; exit 1; }
  echo "setup: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi

STAMP="$VENV/.terrisim-installed"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  echo "setup: installing terrisim and its dependencies into .venv"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e ".[sweep,inference,app,ema,test]"
  touch "$STAMP"
fi

# the French administrative data real territories are built from (npm, cached, pinned)
bash "$ROOT/scripts/fetch_territory_data.sh"

if [ "${1:-}" = "--browser" ]; then
  bash "$ROOT/scripts/setup_browser.sh"
fi
echo "setup: ready ($("$VENV/bin/python" --version))"
