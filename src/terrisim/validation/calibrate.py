"""``terrisim calibrate --method refine RESULTS_DIR``: ABC rejection on a sweep, confirmation
and local refinement (``--method abc-smc EXPERIMENT.toml`` is in ``terrisim.inference``).

Input: the results of a sweep over the uncertain parameters (``experiments/calibration.toml``: a
Latin hypercube = draws from uniform priors, a few replications per point, the patterns'
indicators kept at their dates).  For every design point the mean of each pattern's indicator
over its replications is compared with the target in units of the tolerance; a point is
*accepted* when every pattern is within its tolerance (ABC rejection with ε = the tolerances).
The accepted points are the approximate posterior: their spread shows how tightly the patterns
constrain each parameter.

Because a few replications are noisy, the best points (accepted first, then by distance) are
*confirmed*: each is re-run with more replications (new seeds) through the same validation as
``terrisim validate``; the confirmed point with all patterns met and the smallest distance is
proposed as the new defaults.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..seeds import REFINE_MASTER_SEED

#: Deviation (in tolerances) charged to a pattern whose event never happened in a point's runs.
MISSING_DEVIATION = 3.0


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", metavar="EXPERIMENT.toml | RESULTS_DIR", type=Path,
                   help="abc-smc: an ABC experiment file (experiments/abc_smc.toml); refine: "
                   "the results of `terrisim sweep experiments/calibration.toml`")
    p.add_argument("--method", choices=["abc-smc", "refine"], default=None,
                   help="abc-smc: sequential Monte Carlo ABC with pyabc (the posterior); "
                   "refine: rank a sweep, confirm and refine its best point (default: abc-smc "
                   "for a .toml file, refine for a results directory)")
    abc = p.add_argument_group("abc-smc options")
    abc.add_argument("--scheduler", metavar="ADDRESS", default=None,
                     help="run the particles on an existing Dask cluster (pyabc's Dask "
                     "sampler), e.g. tcp://10.0.0.5:8786")
    abc.add_argument("--serial", action="store_true", help="run in this process")
    abc.add_argument("--restart", action="store_true",
                     help="discard the history database in the output folder and start over")
    abc.add_argument("--population", type=int, default=None,
                     help="particles per generation (overrides the file's [abc] population)")
    abc.add_argument("--generations", type=int, default=None,
                     help="at most this many generations (overrides [abc] generations)")
    abc.add_argument("--dry-run", action="store_true",
                     help="check the file, time a few runs and print the budget's estimated "
                     "simulations and wall time, without calibrating")
    abc.add_argument("--write-defaults", type=Path, default=None, metavar="SCENARIO_PY",
                     help="after the run, write the posterior point (weighted median) as the "
                     "defaults in this source file (src/terrisim/scenario.py)")
    p.add_argument("--confirm", type=int, default=8,
                   help="best points re-run with more replications (default 8; 0: none)")
    p.add_argument("--replications", type=int, default=20,
                   help="replications of each confirmation run (default 20)")
    p.add_argument("--seed", type=int, default=REFINE_MASTER_SEED,
                   help=f"refine: master seed of the confirmations (default {REFINE_MASTER_SEED})")
    p.add_argument("--targets", type=Path, default=None, help="patterns file (default: the "
                   "project's data/targets.toml)")
    p.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    p.add_argument("--out", default=None,
                   help="output directory (default: results/<experiment name> for abc-smc, "
                   "RESULTS_DIR/calibration for refine)")
    p.add_argument("--refine", type=int, default=0, metavar="STEPS",
                   help="Gauss-Newton steps on a local linear surrogate from the best confirmed "
                   "point (default 0: none)")
    p.add_argument("--from-defaults", action="store_true",
                   help="refine from the scenario file's current values instead of the best "
                   "confirmed point (to re-centre the defaults after a code change, without "
                   "re-running the sweep); implies --confirm 0")
    p.add_argument("--next-round", type=Path, default=None, metavar="EXPERIMENT.toml",
                   help="also write a second-round experiment whose ranges are narrowed to the "
                   "best points (sequential ABC)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def deviation(pattern, mean: float) -> float:
    """Signed deviation of a simulated mean from the pattern's target, in tolerances (a pattern
    never reached counts as :data:`MISSING_DEVIATION`)."""
    if math.isnan(mean):
        return MISSING_DEVIATION
    return (mean - pattern.target) / pattern.tolerance


def point_deviations(runs: pd.DataFrame, patterns: list, factors: list[str],
                     start_year: int) -> pd.DataFrame:
    """Per design point: factor values, each pattern's mean and its deviation in tolerances."""
    rows = []
    for point, g in runs.groupby("point", sort=True):
        row: dict[str, Any] = {"point": point, **g.iloc[0][factors].to_dict()}
        for p in patterns:
            month = p.month(start_year)
            if month is None:
                vals = g.sort_values("month").groupby("run_id")[p.indicator].last()
            else:
                vals = g.loc[g["month"] == month, p.indicator]
            mean = float(np.nanmean(vals)) if np.isfinite(vals).any() else math.nan
            row[p.id] = mean
            row[f"dev_{p.id}"] = deviation(p, mean)
        rows.append(row)
    out = pd.DataFrame(rows)
    devs = out[[f"dev_{p.id}" for p in patterns]].abs()
    out["distance"] = np.sqrt((devs**2).mean(axis=1))
    out["worst"] = devs.max(axis=1)
    out["accepted"] = out["worst"] <= 1.0
    return out.sort_values(["accepted", "distance"], ascending=[False, True])


def posterior_figure(table: pd.DataFrame, factors: list[dict[str, Any]], path: Path) -> None:
    """Prior (all points) against accepted points (or the best 5 %), per parameter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    chosen = table[table["accepted"]]
    label = "accepted (all patterns within tolerance)"
    if len(chosen) < 10:
        chosen = table.nsmallest(max(10, len(table) // 20), "distance")
        label = f"best {len(chosen)} points by distance"
    n = len(factors)
    cols = 5
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.3 * rows), squeeze=False)
    for ax, f in zip(axes.flat, factors, strict=False):
        name = f["name"]
        bins = (np.arange(f["lo"] - 0.5, f["hi"] + 1.0) if f["type"] == "int"
                else np.linspace(f["lo"], f["hi"], 16))
        ax.hist(chosen[name], bins=bins, color="#1565c0", alpha=0.8, density=True, label=label)
        ax.hist(table[name], bins=bins, color="#37474f", histtype="step", lw=1.2, density=True,
                label="prior (all sampled points)")
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_yticks([])
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=9)
    fig.suptitle("Calibration: where the patterns put each parameter (density)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 0.96))
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _deviations(v) -> np.ndarray:
    """:func:`deviation` of every pattern of validation ``v``."""
    return np.array([deviation(c.pattern, c.mean) for c in v.comparisons])


def _distance(v) -> tuple[float, float]:
    """RMS and worst deviation of a validation from the targets, in tolerances."""
    devs = np.abs(_deviations(v))
    if not all(len(c.reached) * 2 > len(c.values) for c in v.comparisons):
        devs = np.maximum(devs, MISSING_DEVIATION)
    return float(np.sqrt(np.mean(devs**2))), float(devs.max())


def _score(v) -> float:
    """What refinement minimises: the mean of the RMS and of the worst deviation (so that no
    pattern is left at the edge of its tolerance)."""
    dist, worst = _distance(v)
    return (dist + worst) / 2


def refine(table: pd.DataFrame, base, start: dict[str, Any], factors: list[dict[str, Any]],
           patterns: list, steps: int, replications: int, seed: int, workers: int | None,
           log=print) -> tuple[dict[str, Any], Any]:
    """Gauss–Newton steps on a local linear surrogate built from the sweep itself.

    The pattern deviations (in tolerances) of the 400 design points closest to the targets are
    regressed on the parameters (scaled to their prior range): that regression is the local
    sensitivity of each pattern to each parameter.  From the current point, whose deviations are
    *measured* with ``replications`` runs, a bounded, damped least-squares step (SciPy's
    ``lsq_linear``, kept inside the prior box) aims every deviation at 0; the candidate is
    measured with the same seeds (common random numbers) and kept only if it improves
    :func:`_score`; otherwise the damping doubles.  Values are rounded to 3 significant digits
    before they are measured, so the accepted values are exactly the validated ones.
    """
    from scipy.optimize import lsq_linear

    from .validate import validate

    names = [f["name"] for f in factors]
    lo = np.array([f["lo"] for f in factors], dtype=float)
    hi = np.array([f["hi"] for f in factors], dtype=float)
    ids = [p.id for p in patterns]
    target = np.array([p.target for p in patterns])
    tol = np.array([p.tolerance for p in patterns])
    known = table.dropna(subset=ids)
    x_all = (known[names].to_numpy(dtype=float) - lo) / (hi - lo)
    y_all = (known[ids].to_numpy(dtype=float) - target) / tol
    near = np.argsort(np.sqrt((y_all**2).mean(axis=1)))[:max(400, 4 * (len(names) + 1))]
    coef, *_ = np.linalg.lstsq(np.c_[np.ones(len(near)), x_all[near]], y_all[near], rcond=None)
    sens = coef[1:]                                    # (parameters, patterns)

    def rounded(x: np.ndarray) -> dict[str, Any]:
        vals = lo + x * (hi - lo)
        return {n: (int(np.rint(val)) if f["type"] == "int" else float(f"{val:.3g}"))
                for n, val, f in zip(names, vals, factors, strict=True)}

    current = rounded((np.array([start[n] for n in names], dtype=float) - lo) / (hi - lo))
    v = validate(base.replace(**current), patterns, replications, seed, workers=workers)
    log(f"refine: start score {_score(v):.3f} (deviations {np.round(_deviations(v), 2)})")
    damping = 1.0
    for step in range(steps):
        x0 = (np.array([current[n] for n in names], dtype=float) - lo) / (hi - lo)
        r = _deviations(v)
        m = np.vstack([sens.T, np.sqrt(damping) * np.eye(len(names))])
        rhs = np.r_[-r + sens.T @ x0, np.sqrt(damping) * x0]
        cand = rounded(lsq_linear(m, rhs, bounds=(0.0, 1.0)).x)
        tv = validate(base.replace(**cand), patterns, replications, seed, workers=workers)
        if _score(tv) < _score(v):
            current, v = cand, tv
            log(f"refine: step {step + 1}: score {_score(v):.3f} (deviations "
                f"{np.round(_deviations(v), 2)})")
        else:
            damping *= 2.0
            log(f"refine: step {step + 1}: no gain, damping {damping:g}")
    return current, v


def narrowed_ranges(best: pd.DataFrame, factors: list[dict[str, Any]],
                    margin: float = 0.25) -> dict[str, tuple[float, float]]:
    """Each factor's 5–95 % range over ``best``, widened by ``margin`` of its width on each
    side and kept inside the original prior (the next round's uniform prior)."""
    out = {}
    for f in factors:
        lo, hi = best[f["name"]].quantile([0.05, 0.95])
        pad = margin * max(hi - lo, 1e-9)
        lo, hi = max(f["lo"], lo - pad), min(f["hi"], hi + pad)
        if f["type"] == "int":
            lo, hi = math.floor(lo), math.ceil(hi)
            if lo == hi:
                hi = min(f["hi"], hi + 1) if hi < f["hi"] else hi
                lo = lo if hi > lo else max(f["lo"], lo - 1)
        out[f["name"]] = (lo, hi)
    return out


def next_round_text(record: dict[str, Any], ranges: dict[str, tuple[float, float]],
                    path: Path) -> str:
    """An experiment file for the next ABC round: same scenario, outputs and sizes."""
    import os

    exp = record["experiment"]
    scenario = os.path.relpath(exp["scenario_file"], path.resolve().parent)
    out = exp["output"]
    fmt = lambda v: repr(int(v)) if float(v).is_integer() else f"{v:.6g}"  # noqa: E731
    lines = [f"# Second round of the calibration: ranges narrowed by `terrisim calibrate "
             f"--next-round` to the best points of {exp['name']} (sequential ABC).", "",
             "[experiment]", f'name = "{exp["name"]}_round2"',
             f'description = "Second ABC round after {exp["name"]}: narrowed uniform priors."',
             f'scenario = "{scenario}"', f"replications = {exp['replications']}",
             f"seed = {int(exp['seed']) + 1}", "", "[factors]"]
    lines += [f"{n} = {{ range = [{fmt(lo)}, {fmt(hi)}] }}" for n, (lo, hi) in ranges.items()]
    lines += ["", "[design]", 'type = "latin_hypercube"',
              f"samples = {exp['design']['samples']}", "", "[output]",
              f"steps = {out['months']}", "indicators = ["]
    lines += [f'    "{name}",' for name in out["indicators"]] + ["]", ""]
    return "\n".join(lines)


def main(args: argparse.Namespace) -> int:
    import sys

    from tqdm import tqdm

    from ..checks import check_positive_int, check_seed, output_dir
    from ..errors import UserError
    from ..scenario import scenario_from_mapping
    from ..sweep.storage import read_experiment_record, read_results
    from .targets import load_targets
    from .validate import validate

    method = args.method or ("abc-smc" if args.results.suffix == ".toml" else "refine")
    if method == "abc-smc":
        from ..inference.command import abc_main

        return abc_main(args)
    if args.results.suffix == ".toml":
        raise UserError(f"{args.results}: --method refine reads the results directory of a "
                        "calibration sweep, not an experiment file")
    if args.confirm < 0 or args.replications < 2:
        raise UserError("--confirm must be ≥ 0 and --replications ≥ 2")
    check_positive_int(args.confirm, "--confirm", 0, 100_000)
    check_positive_int(args.replications, "--replications", 2, 100_000)
    check_positive_int(args.refine, "--refine", 0, 1000)
    check_positive_int(args.workers, "--workers", 1, 4096)
    check_seed(args.seed)
    if args.from_defaults:
        args.confirm = 0
    record = read_experiment_record(args.results)
    exp = record["experiment"]
    factors = exp["factors"]
    names = [f["name"] for f in factors]
    out = output_dir(args.out, args.results / "calibration")
    runs = read_results(args.results)   # the sweep's checks: readable, its own, no duplicates
    if runs.empty:
        raise UserError(f"{args.results}: no runs yet; run the calibration sweep first")
    patterns = load_targets(args.targets)
    base = scenario_from_mapping(exp["base"], source=str(exp.get("scenario_file", "base")))
    missing = [p.indicator for p in patterns if p.indicator not in runs.columns]
    if missing:
        raise UserError(f"{args.results}: the sweep did not keep {', '.join(missing)}; add them "
                        "to [output] indicators of the experiment file")
    table = point_deviations(runs, patterns, names, base.start_year)
    table.to_csv(out / "points.csv", index=False)
    posterior_figure(table, factors, out / "posterior.png")
    accepted = table[table["accepted"]]
    print(f"{len(table)} design points ({runs['run_id'].nunique()} runs); {len(accepted)} "
          f"accepted with every pattern within its tolerance (ABC rejection).")
    summary = (accepted if len(accepted) >= 10 else table.head(max(10, len(table) // 20)))
    print(f"\nParameters over the {'accepted' if len(accepted) >= 10 else 'best'} "
          f"{len(summary)} points (median [5 %, 95 %]; prior range):")
    for f in factors:
        q = summary[f["name"]].quantile([0.05, 0.5, 0.95])
        print(f"  {f['name']:<24} {q[0.5]:9.3f} [{q[0.05]:.3f}, {q[0.95]:.3f}]   "
              f"({f['lo']}–{f['hi']})")
    if args.next_round is not None:
        ranges = narrowed_ranges(summary, factors)
        try:
            args.next_round.write_text(next_round_text(record, ranges, args.next_round))
        except OSError as exc:
            raise UserError(f"--next-round {args.next_round}: cannot write there "
                            f"({exc.strerror or exc})") from None
        print(f"\nnext round: {args.next_round}")
    if args.from_defaults and args.refine > 0:
        from ..scenario import load_scenario

        current = load_scenario(exp["scenario_file"])
        start = {n: getattr(current, n) for n in names}
        values, v = refine(table, current, start, factors, patterns, args.refine,
                           args.replications, args.seed, args.workers)
        return _report_choice(values, v, args, out) if v.all_met else 1
    if args.confirm == 0:
        print(f"\npoints: {out / 'points.csv'}  posterior: {out / 'posterior.png'}")
        return 0

    best: tuple[float, dict[str, Any], Any] | None = None
    confirmations = []
    bar = tqdm(total=args.confirm, unit="candidate", desc="confirm", disable=args.quiet,
               file=sys.stderr, leave=False)
    for _, cand in table.head(args.confirm).iterrows():
        values = {n: (int(cand[n]) if f["type"] == "int" else float(cand[n]))
                  for n, f in zip(names, factors, strict=True)}
        v = validate(base.replace(**values), patterns, args.replications, args.seed,
                     workers=args.workers)
        dist = _distance(v)[0]
        confirmations.append({"point": int(cand["point"]), "all_met": v.all_met,
                              "distance": dist, **values})
        if v.all_met and (best is None or dist < best[0]):
            best = (dist, values, v)
        bar.update(1)
    bar.close()
    pd.DataFrame(confirmations).to_csv(out / "confirmations.csv", index=False)
    if args.refine > 0:
        start = best[1] if best is not None else {
            n: confirmations[int(np.argmin([c["distance"] for c in confirmations]))][n]
            for n in names}
        values, v = refine(table, base, start, factors, patterns, args.refine,
                           args.replications, args.seed, args.workers)
        if v.all_met:   # the refined point replaces the confirmed one
            best = (_distance(v)[0], values, v)
    if best is None:
        print(f"\nNone of the {args.confirm} best points met every pattern with "
              f"{args.replications} replications; see {out / 'confirmations.csv'}.")
        return 1
    _, values, v = best
    return _report_choice(values, v, args, out)


def _report_choice(values: dict[str, Any], v, args: argparse.Namespace, out: Path) -> int:
    """Print the chosen point's validation and write its values to accepted.toml."""
    from .report import terminal_table

    print(f"\nChosen point (distance {_distance(v)[0]:.2f} tolerances, every pattern met with "
          f"{args.replications} replications):\n")
    print(terminal_table(v))
    lines = ["# accepted by terrisim calibrate", *(f"{k} = {val!r}" for k, val in
                                                  values.items())]
    (out / "accepted.toml").write_text("\n".join(lines) + "\n")
    print(f"\naccepted values: {out / 'accepted.toml'}  (copy them into the scenario's "
          f"defaults)\npoints: {out / 'points.csv'}  posterior: {out / 'posterior.png'}")
    return 0
