"""The browser app's offline web assets: which files Solara asks its CDN for, and where they live.

Solara loads its JavaScript and CSS (the Vue/Vuetify bundle, require.js, fonts, the Vega stack…)
from a CDN on demand, through a local proxy that serves files from a cache directory
(``SOLARA_ASSETS_PROXY_CACHE_DIR``) and only goes to the CDN when a file is missing.  Classrooms
often have no internet, so ``scripts/build_assets.sh`` fills that cache *before* the app runs, from
the npm registry, and ``terrisim app`` points Solara at it.

The list is not written down by hand: it is read from the installed Solara's own sources (every
``<cdn>/<package>@<version>/<file>`` they reference), so a Solara upgrade changes the list by
construction.  This module must stay importable without Solara being imported (it only reads
files), because the command line and the set-up script use it.

Command line (used by ``scripts/build_assets.sh``)::

    python -m terrisim.app.assets packages   # npm specs to pack, e.g. "vega@5"
    python -m terrisim.app.assets files      # files the cache must hold
    python -m terrisim.app.assets dir        # the cache directory
    python -m terrisim.app.assets check      # exit 1 and list missing files if incomplete
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
from pathlib import Path

__all__ = [
    "ENV_ASSETS_DIR",
    "asset_files",
    "cache_dir",
    "missing_files",
    "npm_packages",
]

#: Environment variable that overrides the cache directory (for the app and the build script).
ENV_ASSETS_DIR = "TERRISIM_ASSETS_DIR"

#: A reference to a CDN file in Solara's sources: what follows ``{{cdn}}/``, ``{cdn}/`` or
#: ``${this.getCdn()}/`` up to the end of the path.
_CDN_REF = re.compile(
    r"(?:\{\{\s*cdn\s*\}\}|\{cdn\}|\$\{this\.getCdn\(\)\})/"
    r"((?:@[\w.-]+/)?[\w.-]+@[\w.+-]+/[\w./{}\s-]*[\w}])")
_FONTAWESOME = re.compile(r"fontawesome_path:\s*str\s*=\s*\"/([^\"]+)\"")
_TEMPLATE_VAR = re.compile(r"\{\{\s*(\w+)\s*\}\}")
#: Directories of the Solara package that are not part of a running app (its own website).
_SKIP_DIRS = {"website", "template", "__pycache__"}


def _solara_root() -> Path:
    spec = importlib.util.find_spec("solara")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("solara is not installed (run scripts/setup.sh)")
    return Path(next(iter(spec.submodule_search_locations)))


def _major(dist: str) -> int:
    return int(importlib.metadata.version(dist).split(".")[0])


def asset_files() -> list[str]:
    """Every file (``package@version/path``) the installed Solara may fetch from its CDN.

    Only the Vue 2 flavour is kept when ipyvue < 3 is installed (the app pins it: with Vue 3 the
    page stays blank), and template variables are filled the way the server fills them.
    """
    root = _solara_root()
    vue3 = _major("ipyvue") >= 3
    variables = {"ipywidget_major_version": str(_major("ipywidgets"))}
    found: set[str] = set()
    for path in sorted(root.rglob("*")):
        if path.suffix not in {".py", ".vue", ".j2", ".html", ".js"}:
            continue
        if _SKIP_DIRS & set(path.relative_to(root).parts):
            continue
        if not vue3 and path.stem.endswith("_v3"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        refs = [m.group(1) for m in _CDN_REF.finditer(text)]
        refs += [m.group(1) for m in _FONTAWESOME.finditer(text)]
        for ref in refs:
            if ("vuetify3" in ref) != vue3 and "solara-vuetify" in ref:
                continue
            ref = _TEMPLATE_VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), ref)
            if "{" in ref or "$" in ref:   # a run-time variable we cannot resolve: skip
                continue
            found.add(ref)
    return sorted(found)


def npm_packages(files: list[str] | None = None) -> list[str]:
    """The npm specs (``name@version``) that hold :func:`asset_files`."""
    specs = {_split(f)[0] for f in (asset_files() if files is None else files)}
    return sorted(specs)


def _split(ref: str) -> tuple[str, str]:
    """``@scope/name@1.2.3/dist/x.js`` → (``@scope/name@1.2.3``, ``dist/x.js``)."""
    parts = ref.split("/")
    n = 2 if ref.startswith("@") else 1
    return "/".join(parts[:n]), "/".join(parts[n:])


def cache_dir() -> Path:
    """Where the asset cache lives: ``$TERRISIM_ASSETS_DIR``, else inside the Python
    environment (``<prefix>/share/terrisim/solara-assets``), next to the Solara it matches."""
    env = os.environ.get(ENV_ASSETS_DIR)
    if env:
        return Path(env).expanduser().resolve()
    return Path(sys.prefix) / "share" / "terrisim" / "solara-assets"


def missing_files(directory: Path | None = None) -> list[str]:
    """Asset files absent from the cache (empty when the app can run offline)."""
    directory = cache_dir() if directory is None else directory
    return [f for f in asset_files() if not (directory / f).is_file()]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    what = args[0] if args else "files"
    if what == "packages":
        print("\n".join(npm_packages()))
    elif what == "files":
        print("\n".join(asset_files()))
    elif what == "dir":
        print(cache_dir())
    elif what == "check":
        missing = missing_files(Path(args[1]) if len(args) > 1 else None)
        for f in missing:
            print(f"missing: {f}", file=sys.stderr)
        return 1 if missing else 0
    else:
        print("usage: python -m terrisim.app.assets packages|files|dir|check [DIR]",
              file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
