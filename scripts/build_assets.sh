#!/usr/bin/env bash
# Fill the browser app's offline asset cache from the npm registry, so `terrisim app` needs no
# internet (Solara would otherwise fetch its JavaScript and CSS from a CDN on first use).
#
# The package list is derived from the installed Solara's own sources
# (`python -m terrisim.app.assets packages`), never written by hand; each package is fetched with
# `npm pack` and unpacked into <cache>/<name>@<version>/ (the layout of Solara's CDN proxy).
# Idempotent: packages already unpacked are skipped.  Nothing is fetched when the app runs.
#
#   bash scripts/build_assets.sh            # cache in .venv/share/terrisim/solara-assets
#   TERRISIM_ASSETS_DIR=/srv/assets bash scripts/build_assets.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/npm_unpack.sh
source scripts/npm_unpack.sh
PY=${PYTHON:-.venv/bin/python}
if [ ! -x "$PY" ]; then
  echo "build_assets: $PY not found; run scripts/setup.sh first" >&2
  exit 1
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "build_assets: npm is required (Debian: apt-get install npm)" >&2
  exit 1
fi

DEST=$("$PY" -m terrisim.app.assets dir)
mkdir -p "$DEST"
mapfile -t PACKAGES < <("$PY" -m terrisim.app.assets packages)
mapfile -t FILES < <("$PY" -m terrisim.app.assets files)

fetched=0
for spec in "${PACKAGES[@]}"; do
  target="$DEST/$spec"
  [ -f "$target/.complete" ] && continue
  npm_unpack build_assets "$spec" "$target" .resolved-version
  fetched=$((fetched + 1))
done

# The CDN serves a minified copy of files a package only ships unminified
# (requirejs has require.js but no require.min.js): provide the same file under that name.
for f in "${FILES[@]}"; do
  if [ ! -f "$DEST/$f" ] && [[ "$f" == *.min.js ]] && [ -f "$DEST/${f%.min.js}.js" ]; then
    cp "$DEST/${f%.min.js}.js" "$DEST/$f"
  fi
done

if ! "$PY" -m terrisim.app.assets check "$DEST"; then
  echo "build_assets: the cache in $DEST is incomplete (see the missing files above)" >&2
  exit 1
fi
echo "build_assets: ${#FILES[@]} asset files from ${#PACKAGES[@]} npm packages ready in $DEST" \
     "($fetched fetched now)"
