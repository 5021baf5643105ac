"""``terrisim validate [SCENARIO.toml] [--replications N] [--ablations]``.

Runs the replications, prints pattern | target | simulated mean [95 % CI] | tolerance | met,
writes the table, figures and an HTML report, and exits with status 1 when a pattern is not met.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..seeds import VALIDATION_MASTER_SEED

DEFAULT_SCENARIO = "baseline"
#: Replications of a validation unless told otherwise (``terrisim run`` points to it by number).
DEFAULT_REPLICATIONS = 20


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", metavar="SCENARIO", nargs="?", default=DEFAULT_SCENARIO,
                   help="scenario file or shipped scenario name to check (default: baseline)")
    p.add_argument("--replications", type=int, default=DEFAULT_REPLICATIONS,
                   help=f"runs with different seeds (default {DEFAULT_REPLICATIONS})")
    p.add_argument("--seed", type=int, default=VALIDATION_MASTER_SEED,
                   help=f"master seed of the replications (default {VALIDATION_MASTER_SEED}, "
                   "which no calibration uses: the validation is out of sample)")
    p.add_argument("--ablations", action="store_true",
                   help="also remove each mechanism in turn and show how the patterns move")
    p.add_argument("--targets", type=Path, default=None,
                   help="patterns file (default: the project's data/targets.toml)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--out", default=None,
                   help="output directory (default: results/validation-<scenario>)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    import os
    import sys

    from tqdm import tqdm

    from ..checks import check_positive_int, check_seed, output_dir, path_name
    from ..errors import UserError
    from ..memory import check_fits, workers_that_fit
    from ..scenario import load_scenario
    from ..seeds import calibration_master_seeds
    from .report import ablation_text, ablations_figure, patterns_figure, terminal_table, write_html
    from .targets import load_targets
    from .validate import validate

    if args.seed in calibration_master_seeds():
        print(f"warning: master seed {args.seed} was used in calibration: this validation is "
              f"in sample (the default {VALIDATION_MASTER_SEED} is not)", file=sys.stderr)
    if args.replications < 2:
        raise UserError(f"--replications must be at least 2 to give a confidence interval "
                        f"(got {args.replications})")
    check_positive_int(args.replications, "--replications", 2, 100_000)
    check_positive_int(args.workers, "--workers", 1, 4096)
    check_seed(args.seed)
    scenario = load_scenario(args.scenario)
    check_fits(scenario, what=f"{args.scenario}: one run")   # parallel: as many as fit
    args.workers = workers_that_fit(scenario, args.workers)
    patterns = load_targets(args.targets)
    workers = min(args.workers or os.cpu_count() or 1, args.replications)
    check_fits(scenario, what=f"{args.scenario}: validation", copies=workers)
    out = output_dir(args.out, Path("results") / f"validation-{path_name(scenario.name)}")
    bar = tqdm(unit="run", desc="validate", disable=args.quiet, file=sys.stderr, leave=False)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    v = validate(scenario, patterns, args.replications, args.seed, args.ablations,
                 args.workers, progress)
    bar.close()
    out.mkdir(parents=True, exist_ok=True)
    v.table().to_csv(out / "validation.csv", index=False)
    figures = [out / "patterns.png"]
    patterns_figure(v, figures[0])
    print(terminal_table(v))
    if v.ablations:
        v.ablation_table().to_csv(out / "ablations.csv")
        figures.append(out / "ablations.png")
        ablations_figure(v, figures[1])
        print()
        print(ablation_text(v))
    html = write_html(v, out, figures)
    print(f"\nreport: {html}  table: {out / 'validation.csv'}")
    return 0 if v.all_met else 1
