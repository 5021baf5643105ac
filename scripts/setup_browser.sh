#!/usr/bin/env bash
# Browser-side set-up for the app and its tests: Debian's chromium (never a browser download)
# and the app's web assets, built from the npm registry into a local cache so the app needs no
# internet (see scripts/build_assets.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing Debian's chromium"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -x scripts/build_assets.sh ] || [ -f scripts/build_assets.sh ]; then
  bash scripts/build_assets.sh
fi
