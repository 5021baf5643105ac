"""``terrisim init DIR``: start one's own project from copies of the shipped files.

Copies every shipped scenario (with the lessons), experiment and tutorial notebook into
``DIR/scenarios``, ``DIR/experiments`` and ``DIR/examples``.  Inside ``DIR``, names then resolve
to these copies first (``terrisim run baseline`` reads ``DIR/scenarios/baseline.toml``; the
experiments' ``scenario = "baseline"`` reads the copy next to them), so editing a copy changes
what runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .resources import init_project


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("directory", metavar="DIR", type=Path,
                   help="directory of the new project (created if missing)")
    p.add_argument("--force", action="store_true",
                   help="overwrite files that already exist there")


def main(args: argparse.Namespace) -> int:
    written = init_project(args.directory, force=args.force)
    kinds = [p.relative_to(args.directory).parts[0] for p in written]
    counts = ", ".join(f"{kinds.count(k)} {k}" for k in dict.fromkeys(kinds))
    print(f"{args.directory}: copied {counts}; edit them, then from that directory:")
    print("  terrisim run baseline            # reads scenarios/baseline.toml")
    print("  terrisim sweep quick             # reads experiments/quick.toml")
    print("  jupyter lab examples/            # the tutorial notebooks")
    return 0
