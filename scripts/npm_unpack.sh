# Sourced by the set-up scripts that cache npm packages (build_assets.sh,
# fetch_territory_data.sh): one package fetched with `npm pack` and unpacked in place.
#
#   npm_unpack WHO SPEC TARGET VERSION_FILE
#
# WHO names the calling script in messages; TARGET receives the package's files; the exact
# version npm resolved (a spec like vega@5 names only the major) is written to
# TARGET/VERSION_FILE, and TARGET/.complete marks a finished copy.  Needs $PY (Python).
npm_unpack() {
  local who=$1 spec=$2 target=$3 version_file=$4 work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "$who: npm pack $spec"
  npm pack "$spec" --silent --pack-destination "$work" >/dev/null 2>"$work/npm.log" || {
    cat "$work/npm.log" >&2
    echo "$who: could not fetch $spec from the npm registry" >&2
    exit 1
  }
  mkdir -p "$work/unpacked"
  tar -xzf "$work"/*.tgz -C "$work/unpacked"
  rm -rf "$target"
  mkdir -p "$(dirname "$target")"
  mv "$work/unpacked/package" "$target"
  node -e 'console.log(require(process.argv[1]).version)' "$target/package.json" \
    > "$target/$version_file" 2>/dev/null \
    || "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
         "$target/package.json" > "$target/$version_file"
  touch "$target/.complete"
  rm -rf "$work"
  trap - EXIT
}
