"""The ``terrisim`` command line.

Each sub-command lives in its own module exposing ``add_arguments(parser)`` and
``main(args) -> int``; modules are imported only when their command runs, so ``terrisim run``
does not pay for the browser app or the cluster libraries.  Errors meant for people
(:class:`terrisim.errors.UserError`, which scenario and experiment errors are) are printed on one
line, without a traceback, with exit status 2.  Command modules must stay light at import time
(their heavy libraries are imported inside ``main``) so that ``terrisim --help`` is quick.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from typing import NoReturn

from .errors import UserError

#: command → (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("terrisim.runner", "run one scenario and write its monthly indicators"),
    "params": ("terrisim.runner", "list every scenario parameter with unit, range and meaning"),
    "sweep": ("terrisim.sweep.command", "run an experiment (many runs) from an experiment file"),
    "report": ("terrisim.report.command", "figures, tables and an HTML report from results"),
    "app": ("terrisim.app.command", "serve the interactive browser app (French/English)"),
    "validate": ("terrisim.validation.command",
                 "check a scenario against the observed patterns of the sources"),
    "territory": ("terrisim.geography.command",
                  "write a scenario for a real French territory (département, region, EPCI…)"),
    "calibrate": ("terrisim.validation.calibrate",
                  "calibrate against the patterns: ABC-SMC posterior, or refine a sweep's "
                  "best points"),
    "answer": ("terrisim.inference.answer",
               "effects of catalysis and trust-building time over the calibrated posterior"),
    "effect": ("terrisim.effects",
               "causal effect of a parameter change from paired runs (common random numbers)"),
    "export-network": ("terrisim.network",
                       "write a run's alliance network as GraphML or GEXF (networkx, Gephi)"),
    "init": ("terrisim.project",
             "copy the shipped scenarios, experiments and notebooks to start a project"),
}


class _Parser(argparse.ArgumentParser):
    """Refuses a bad command line in one line (the usage block is for ``--help``)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} ({self.prog} --help lists the options)\n")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="terrisim",
        description="Agent-based simulation of territorial co-construction: mayors, firms, "
                    "associations and catalysts building trust and alliances.")
    parser.add_argument("--version", action="version", version=f"terrisim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        _add_arguments(name, module, p)
    return parser


def _add_arguments(name: str, module: str, parser: argparse.ArgumentParser) -> None:
    """Let the command's module declare its options (command modules import nothing heavy at
    module level: their libraries are imported inside their ``main``)."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:   # a command whose optional packages are missing
        reason = f"the '{name}' command is not available ({exc}); run scripts/setup.sh"

        def unavailable(_args: argparse.Namespace) -> int:
            raise UserError(reason)

        parser.set_defaults(_main=unavailable)
        return
    getattr(mod, f"add_{name}_arguments", getattr(mod, "add_arguments", None))(parser)
    parser.set_defaults(_main=getattr(mod, f"{name}_main", getattr(mod, "main", None)))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._main(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into a pager or `head` that stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
