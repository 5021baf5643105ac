#!/usr/bin/env bash
# Install everything (including chromium and the app's offline assets) and run the checks:
# lint, then the whole test suite (unit, reproducibility, sweeps on a real Dask cluster on
# loopback, resume after kill -9, the app in a real browser, validation).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser
.venv/bin/ruff check src tests benchmarks examples
.venv/bin/python -m pytest -q "$@"
