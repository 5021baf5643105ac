"""``terrisim app [SCENARIO.toml] [--host H] [--port P]``: serve the browser app.

Imports nothing heavy at module level (``terrisim --help`` imports every command module): Solara,
Mesa and the app are imported inside :func:`main`, after the environment that configures them is
set — Solara reads its settings when it is first imported.

Offline by design: Solara's CDN proxy is pointed at the asset cache that
``scripts/build_assets.sh`` filled from the npm registry, the start refuses to run when that cache
is incomplete (unless ``--allow-cdn``), Solara's telemetry and version check are off, and the
server listens on 127.0.0.1 unless another host is asked for.
"""

from __future__ import annotations

import argparse
import contextlib
import os
from pathlib import Path

from ..errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", nargs="?", metavar="SCENARIO.toml",
                        help="scenario file or shipped scenario name the sessions start from "
                             "(default: baseline)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this computer only; "
                             "use 0.0.0.0 to let a classroom connect)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the first run of every session (default 42)")
    parser.add_argument("--lang", choices=("en", "fr"), default="en",
                        help="language the app opens in (a switch in the app changes it)")
    parser.add_argument("--open", action="store_true", help="open a browser tab on start")
    parser.add_argument("--allow-cdn", action="store_true",
                        help="start even if the offline assets are missing (Solara then fetches "
                             "them from its CDN, which needs internet)")


def configure(args: argparse.Namespace) -> dict[str, str]:
    """Validate the options and return the environment the server needs (no side effects)."""
    from ..resources import find_scenario
    from ..scenario import load_scenario
    from . import assets
    from .state import ENV_LANG, ENV_SCENARIO, ENV_SEED

    path = find_scenario(args.scenario or "baseline")
    env: dict[str, str] = {}
    load_scenario(path)                          # a bad file: one-line error, exit status 2
    env[ENV_SCENARIO] = str(path.resolve())
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535 (got {args.port})")
    if args.seed is not None:
        env[ENV_SEED] = str(args.seed)
    env[ENV_LANG] = args.lang
    cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR") or assets.cache_dir())
    missing = assets.missing_files(cache)
    if missing and not args.allow_cdn:
        raise UserError(f"the app's web assets are missing from {cache} ({len(missing)} files, "
                        f"e.g. {missing[0]}); run `bash scripts/build_assets.sh` once (it needs "
                        "the npm registry), or pass --allow-cdn to fetch them from the internet")
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(cache)
    env["SOLARA_ASSETS_PROXY"] = "True"
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_THEME_LOADER"] = os.environ.get("SOLARA_THEME_LOADER", "plain")
    return env


def main(args: argparse.Namespace) -> int:
    env = configure(args)
    os.environ.update(env)
    # after the environment: Solara reads its settings when first imported
    from solara.__main__ import cli

    argv = ["run", "terrisim.app.app", "--host", args.host, "--port", str(args.port),
            "--production", "--no-check-version", "--log-level-uvicorn", "warning",
            "--open" if args.open else "--no-open"]
    if args.port:
        print(f"terrisim app: http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        cli.main(args=argv, prog_name="terrisim app", standalone_mode=False)
    return 0
