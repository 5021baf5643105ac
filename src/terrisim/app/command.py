"""``terrisim app [SCENARIO.toml] [--host H] [--port P] [--present] [--class] [--token T]``:
serve the browser app.

Imports nothing heavy at module level (``terrisim --help`` imports every command module): Solara,
Mesa and the app are imported inside :func:`main`, after the environment that configures them is
set — Solara reads its settings when it is first imported.

Offline by design: Solara's CDN proxy is pointed at the asset cache that
``scripts/build_assets.sh`` filled from the npm registry, the start refuses to run when that cache
is incomplete (unless ``--allow-cdn``), Solara's telemetry and version check are off, and the
server listens on 127.0.0.1 unless another host is asked for.  Another host (a classroom on the
local network) prints a warning and the address to give learners, and asks every visitor for a
class token (``--token``, or one drawn at start): the app is plain HTTP, so the token keeps
passers-by on the same Wi-Fi out of the class, not a determined attacker.

Sessions are freed when their tab goes: Solara closes a kernel at once when its tab is closed or
reloaded, and :data:`CULL_TIMEOUT` after its page vanished without saying so (a laptop put to
sleep); :mod:`terrisim.app.sessions` then frees the session's model after its grace period.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import secrets
import socket
import sys
from pathlib import Path

from ..errors import UserError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Solara keeps a kernel whose page vanished (no close beacon) for this long; its default, 24 h,
#: kept every lost tab's model in memory for a day.
CULL_TIMEOUT = "90s"


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
    parser.add_argument("--present", action="store_true",
                        help="open in presentation mode (projector layout, large fonts)")
    parser.add_argument("--class", dest="classroom", action="store_true",
                        help="a class session: one shared territory; the teacher's screen runs "
                             "its clock, learners join from their browsers and each play an "
                             "actor (use with --host 0.0.0.0)")
    parser.add_argument("--token", default=None,
                        help="class token visitors must give (default: none on this computer; "
                             "a random one when --host lets other computers connect)")
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
    from .state import ENV_LANG, ENV_PRESENT, ENV_SCENARIO, ENV_SEED, ENV_TOKEN

    path = find_scenario(args.scenario or "baseline")
    env: dict[str, str] = {}
    load_scenario(path)                          # a bad file: one-line error, exit status 2
    env[ENV_SCENARIO] = str(path.resolve())
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be between 0 and 65535 (got {args.port})")
    if args.seed is not None:
        from .messages import SEED_SPEC

        if not SEED_SPEC.lo <= args.seed <= SEED_SPEC.hi:
            raise UserError(f"--seed must be {SEED_SPEC.allowed()} (got {args.seed})")
        env[ENV_SEED] = str(args.seed)
    env[ENV_LANG] = args.lang
    if args.present:
        env[ENV_PRESENT] = "1"
    token = class_token(args)
    if token:
        env[ENV_TOKEN] = token
    if getattr(args, "classroom", False):
        from .classroom import ENV_CLASS, ENV_JOIN_URL, ENV_TEACHER

        env[ENV_CLASS] = "1"
        env[ENV_TEACHER] = secrets.token_urlsafe(9)
        env[ENV_JOIN_URL] = learner_url(args, token)
    env["SOLARA_KERNEL_CULL_TIMEOUT"] = CULL_TIMEOUT
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


def is_local(host: str) -> bool:
    """Whether ``host`` only accepts connections from this computer."""
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def class_token(args: argparse.Namespace) -> str:
    """The token visitors must give: the one asked for, else a random one when the server is
    reachable from other computers, else none."""
    if args.token is not None:
        token = args.token.strip()
        if token and not token.replace("-", "").replace("_", "").isalnum():
            raise UserError("--token must be letters, digits, '-' or '_' (it goes in an "
                            f"address); got {args.token!r}")
        return token
    if is_local(args.host):
        return ""
    return secrets.token_urlsafe(6).replace("-", "x").replace("_", "y")


def lan_address() -> str:
    """This computer's address on the local network (what learners type), best effort."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))      # no packet is sent: this only picks the route
        return s.getsockname()[0]
    return socket.gethostname()


def learner_url(args: argparse.Namespace, token: str) -> str:
    """The address learners type: this computer on the network, with the class token."""
    where = (lan_address() if args.host in ("0.0.0.0", "::") else
             "127.0.0.1" if is_local(args.host) else args.host)
    suffix = f"/?token={token}" if token else "/"
    return f"http://{where}:{args.port}{suffix}"


def announce(args: argparse.Namespace, env: dict[str, str]) -> None:
    """Where to point browsers, and a warning when other computers can connect."""
    from .classroom import ENV_CLASS, ENV_TEACHER
    from .state import ENV_TOKEN

    token = env.get(ENV_TOKEN, "")
    suffix = f"/?token={token}" if token else ""
    if not is_local(args.host):
        print(f"terrisim app: WARNING: listening on {args.host}: every computer on this network "
              "can reach the app (plain HTTP, no encryption).", file=sys.stderr, flush=True)
        print(f"terrisim app: give learners  {learner_url(args, token)}", flush=True)
        if token:
            print(f"terrisim app: class token  {token}  (asked of anyone who opens the address "
                  "without it)", flush=True)
    if env.get(ENV_CLASS) == "1":
        teacher = f"http://127.0.0.1:{args.port}/?teacher={env[ENV_TEACHER]}"
        print(f"terrisim app: class session; the teacher's screen (keep it to yourself)  "
              f"{teacher}", flush=True)
        if is_local(args.host):
            print(f"terrisim app: learners on this computer  {learner_url(args, token)}  "
                  "(use --host 0.0.0.0 for a classroom)", flush=True)
        print("terrisim app: Ctrl-C to stop", flush=True)
        return
    print(f"terrisim app: http://127.0.0.1:{args.port}{suffix} (Ctrl-C to stop)"
          if not is_local(args.host) else
          f"terrisim app: http://{args.host}:{args.port}{suffix} (Ctrl-C to stop)", flush=True)


def main(args: argparse.Namespace) -> int:
    env = configure(args)
    os.environ.update(env)
    # after the environment: Solara reads its settings when first imported
    from solara.__main__ import cli

    argv = ["run", "terrisim.app.app", "--host", args.host, "--port", str(args.port),
            "--production", "--no-check-version", "--log-level-uvicorn", "warning",
            "--open" if args.open else "--no-open"]
    if args.port:
        announce(args, env)
    with contextlib.suppress(KeyboardInterrupt):
        cli.main(args=argv, prog_name="terrisim app", standalone_mode=False)
    return 0
