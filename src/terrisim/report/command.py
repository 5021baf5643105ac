"""``terrisim report RESULTS_DIR``: figures, tables and an HTML report from a sweep's results.

Light at import time: matplotlib, DuckDB and SALib are imported in :func:`main`.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options (called by terrisim.cli for every command line)."""
    p.add_argument("results", metavar="RESULTS_DIR", type=Path, nargs="?", default=None,
                   help="a directory written by `terrisim sweep` (default: the most recent "
                        "sweep under ./results)")
    p.add_argument("--out", default=None,
                   help="where to write the report (default: RESULTS_DIR/report)")
    p.add_argument("--outcome", action="append", default=None, metavar="INDICATOR",
                   help="indicator to report on (repeatable; default: the experiment's "
                        "[report] outcomes)")


def main(args: argparse.Namespace) -> int:
    """Build the report, print the terminal table and where the files are."""
    from ..checks import output_dir
    from ..sweep.storage import read_experiment_record
    from .build import build_report

    results = args.results or latest_results(Path("results"))
    if args.results is None:
        print(f"reporting on {results} (the most recent sweep in results/)")
    read_experiment_record(results)          # a results directory, before creating anything
    out = output_dir(args.out, Path(results) / "report")
    report = build_report(results, out, outcomes=args.outcome)
    print(report.terminal)
    print(f"\nreport: {report.html}  ({len(report.figures)} figures, tables "
          + ", ".join(p.name for p in report.tables.values()) + f" in {report.out})")
    return 0


def latest_results(root: Path) -> Path:
    """The most recently updated sweep directory under ``root``."""
    from ..errors import UserError

    found = [p.parent for p in root.glob("*/experiment.json")]
    if not found:
        raise UserError(f"no sweep results under {root}/; run `terrisim sweep "
                        "experiments/quick.toml` first, or give RESULTS_DIR")
    return max(found, key=lambda d: max((f.stat().st_mtime for f in d.rglob("*.parquet")),
                                        default=d.stat().st_mtime))
