"""Causal effects from paired runs with common random numbers.

A causal effect of a parameter change in a stochastic model is the difference between two runs
that differ *only* by that change: same territory draw, same random stream.  Each *pair* (one
seed) is run at every level of the factor, and the effect is the mean over pairs of the paired
difference, with a Student-t 95 % interval over pairs.  Pairing removes the run-to-run noise
that both levels share, so intervals are far narrower than those of two independent samples
(Law 2015, *Simulation Modeling and Analysis*, 5th ed., §11.2: common random numbers).

One engine serves ``terrisim effect`` and ``terrisim answer``: :func:`run_many` runs any list of
(parameter overrides, seed) on the sweep's back ends — the local process pool, an existing Dask
cluster (``--scheduler``) or in this process — through the sweep worker's ``run_batch`` (so a
run's failure is reported with its parameters and seed, and remote workers must run the same
model code), and returns a tidy table: one row per run and kept month.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from .errors import UserError
from .scenario import Scenario

#: Indicators reported when none are named (the report's defaults, then reach and depth).
MAIN_INDICATORS: tuple[str, ...] = ("alliances_formed_total", "alliances_active",
                                    "firms_partnered", "associations_partnered",
                                    "communes_with_alliance", "stage_anchored", "mean_trust")
#: Master seed of ``terrisim effect`` unless ``--seed`` is given.
EFFECT_MASTER_SEED = 20_100_101


def run_many(base: Scenario, runs: Sequence[tuple[dict[str, Any], int]], months: Sequence[int],
             indicators: Sequence[str], spec: Any = None, runs_per_task: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Run every ``(overrides, seed)`` of ``runs`` on ``base`` and keep ``indicators`` at
    ``months``.

    Every run must override the same parameters (the columns of the result).  Returns one row
    per run and month: ``run`` (index in ``runs``), ``seed``, the overridden parameters,
    ``month`` and the indicators; rows are sorted by run and month, whatever the back end.
    ``spec`` is a :class:`terrisim.sweep.executors.ExecutorSpec` (default: the local pool).
    """
    from .sweep.engine import auto_runs_per_task
    from .sweep.executors import ExecutorSpec, open_backend
    from .sweep.worker import Task, code_fingerprint, run_batch

    if not runs:
        return pd.DataFrame()
    names = tuple(runs[0][0])
    for overrides, _ in runs:
        if tuple(overrides) != names:
            raise ValueError("every run must override the same parameters, in the same order")
    specs = Scenario.specs()
    types = tuple(specs[n].type.__name__ for n in names)
    months = tuple(sorted({int(m) for m in months}))
    horizon = max(months)
    mapping = base.replace(steps=max(base.steps, horizon)).to_dict()
    backend = open_backend(spec or ExecutorSpec())
    rpt = runs_per_task or auto_runs_per_task(len(runs), backend.slots())
    code = code_fingerprint()
    tasks = []
    for start in range(0, len(runs), rpt):
        ids = tuple(range(start, min(start + rpt, len(runs))))
        tasks.append(Task(source=f"scenario '{base.name}'", base=mapping, factor_names=names,
                          factor_types=types, indicators=tuple(indicators), steps="months",
                          every=None, months=months, run_ids=ids, points=ids,
                          replications=ids, seeds=tuple(int(runs[i][1]) for i in ids),
                          values=tuple(tuple(_plain(v) for v in runs[i][0].values())
                                       for i in ids)))
    frames: list[pd.DataFrame] = []
    done = 0
    try:
        pending = {backend.executor.submit(run_batch, t) for t in tasks}
        while pending:
            finished, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for fut in finished:
                result = fut.result()
                if result.code != code:
                    raise UserError(f"a worker on {result.host} runs a different terrisim model "
                                    f"(code {result.code}, here {code}); install the same "
                                    "version on every worker")
                if result.failures is not None:
                    row = result.failures.iloc[0]
                    raise UserError(f"run with {row['parameters']} and seed {row['seed']} "
                                    f"failed: {row['error']}: {row['message']}")
                frames.append(result.frame)
                done += len(result.run_ids)
                if progress:
                    progress(done, len(runs))
    except BaseException:
        backend.abort()
        raise
    backend.close()
    df = pd.concat(frames, ignore_index=True).rename(columns={"run_id": "run"})
    df = df.drop(columns=["point", "replication"]).sort_values(["run", "month"])
    return df.reset_index(drop=True)


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def paired_differences(df: pd.DataFrame, factor: str, indicators: Sequence[str],
                       by: Sequence[str] = ("seed",), level: float = 0.95) -> pd.DataFrame:
    """Effects of moving ``factor`` from its first level to each other level, from paired runs.

    ``df`` is :func:`run_many`'s table; runs sharing the values of ``by`` (the seed, and for
    ``answer`` the posterior draw) and the month form a pair.  Returns one row per indicator,
    month and level change: means at both levels, the mean paired difference with its
    Student-t interval over pairs, the relative change and the number of pairs.
    """
    from .report.stats import mean_ci

    levels = sorted(df[factor].unique())
    keys = [*by, "month"]
    rows = []
    for ind in indicators:
        wide = df.pivot_table(index=keys, columns=factor, values=ind, aggfunc="first")
        for lv in levels[1:]:
            # by label, one column at a time: a list of booleans would select as a mask
            both = pd.DataFrame({"ref": wide[levels[0]], "alt": wide[lv]}).dropna()
            for month, g in both.groupby(level="month"):
                d = (g["alt"] - g["ref"]).to_numpy(dtype=float)
                m, lo, hi = mean_ci(d, level)
                base_mean = float(g["ref"].mean())
                rows.append({"indicator": ind, "month": int(month), "factor": factor,
                             "from": _plain(levels[0]), "to": _plain(lv),
                             "mean_from": base_mean, "mean_to": float(g["alt"].mean()),
                             "difference": m, "low": lo, "high": hi,
                             "relative": m / base_mean if base_mean else math.nan,
                             "pairs": len(d), "excludes_zero": bool(lo > 0 or hi < 0)})
    return pd.DataFrame(rows)


def effect(scenario: Scenario, factor: str, levels: Sequence[Any], replications: int = 20,
           at: Sequence[int] | None = None, seed: int = EFFECT_MASTER_SEED,
           indicators: Sequence[str] | None = None, spec: Any = None,
           progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Paired effect of ``factor`` over ``levels`` on ``scenario``: ``replications`` seeds from
    master ``seed``, each run at every level (common random numbers); the differences at months
    ``at`` (default: the scenario's last month).  The tidy table of
    :func:`paired_differences`, reproducible for a given seed on every back end."""
    from .seeds import replication_seeds

    spec_ = Scenario.specs().get(factor)
    if spec_ is None or spec_.group == "meta":
        raise UserError(f"--factor: unknown parameter '{factor}' (`terrisim params` lists them)")
    if len(levels) < 2 or len(set(levels)) != len(levels):
        raise UserError(f"--factor {factor}: give at least two distinct levels, e.g. "
                        f"{factor}=0,3")
    levels = [spec_.check(v, f"--factor {factor}") for v in levels]
    if replications < 2:
        raise UserError(f"--replications must be at least 2 (got {replications})")
    at = list(at) if at else [scenario.steps]
    if min(at) < 0 or max(at) > 600:
        raise UserError(f"--at: months must be from 0 to 600 (got {at})")
    inds = list(indicators or MAIN_INDICATORS)
    seeds = replication_seeds(seed, replications)
    runs = [({factor: lv}, s) for s in seeds for lv in levels]
    df = run_many(scenario, runs, at, inds, spec, progress=progress)
    return paired_differences(df, factor, inds)


# -- command ------------------------------------------------------------------------------------
def add_arguments(p: Any) -> None:
    """``terrisim effect SCENARIO.toml --factor NAME=A,B[,C…]``."""
    from pathlib import Path

    p.add_argument("scenario", metavar="SCENARIO.toml", type=Path)
    p.add_argument("--factor", required=True, metavar="NAME=A,B",
                   help="parameter and its levels; the first is the reference, e.g. "
                        "n_catalysts=0,3")
    p.add_argument("--replications", type=int, default=20,
                   help="pairs of runs (seeds), each run at every level (default 20)")
    p.add_argument("--at", default=None, metavar="MONTHS",
                   help="months compared, e.g. 72,120 (default: the scenario's last month)")
    p.add_argument("--seed", type=int, default=EFFECT_MASTER_SEED,
                   help=f"master seed of the pairs (default {EFFECT_MASTER_SEED})")
    p.add_argument("--indicators", default=None, metavar="A,B",
                   help="indicators compared (default: " + ", ".join(MAIN_INDICATORS) + ")")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local processes "
                       "(default: all cores)")
    where.add_argument("--serial", action="store_true", help="run in this process")
    where.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--out", type=Path, default=None,
                   help="CSV file (default: results/effect-<scenario>-<factor>.csv)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def executor_spec(args: Any) -> Any:
    """The back end chosen by ``--workers`` / ``--serial`` / ``--scheduler``."""
    from .sweep.executors import ExecutorSpec

    if getattr(args, "workers", None) is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1 (got {args.workers})")
    if getattr(args, "serial", False):
        return ExecutorSpec("serial")
    if getattr(args, "scheduler", None):
        return ExecutorSpec("dask", scheduler=args.scheduler)
    return ExecutorSpec("local", workers=getattr(args, "workers", None))


def progress_bar(desc: str, quiet: bool) -> tuple[Any, Callable[[int, int], None]]:
    """A tqdm bar on stderr and the callback that moves it."""
    from tqdm import tqdm

    bar = tqdm(unit="run", desc=desc, disable=quiet, file=sys.stderr, leave=False)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return bar, update


def parse_levels(text: str) -> tuple[str, list[Any]]:
    """``NAME=A,B`` → (name, [A, B]) with TOML-like values (numbers, true/false, strings)."""
    if "=" not in text:
        raise UserError(f"--factor must look like NAME=A,B (got {text!r})")
    name, _, vals = text.partition("=")
    out: list[Any] = []
    for raw in vals.split(","):
        raw = raw.strip()
        if raw in ("true", "false"):
            out.append(raw == "true")
            continue
        try:
            out.append(int(raw))
        except ValueError:
            try:
                out.append(float(raw))
            except ValueError:
                out.append(raw)
    return name.strip(), out


def table_text(t: pd.DataFrame) -> str:
    """The printed table: indicator | month | from → to | mean at each | difference [95 % CI]."""
    from .report.labels import fmt

    lines = [f"{'indicator':<26} {'month':>5}  {'change':<14} {'mean from':>10} "
             f"{'mean to':>10}  {'paired difference [95 % CI]':<34} pairs"]
    for _, r in t.iterrows():
        ind = r["indicator"]
        if math.isnan(r["low"]):
            ci = "(no CI: too few pairs)"
        else:
            ci = f"[{fmt(r['low'], ind)}, {fmt(r['high'], ind)}]"
        star = " *" if r["excludes_zero"] else ""
        lines.append(f"{ind:<26} {r['month']:>5}  {str(r['from']) + ' → ' + str(r['to']):<14} "
                     f"{fmt(r['mean_from'], ind):>10} {fmt(r['mean_to'], ind):>10}  "
                     f"{fmt(r['difference'], ind) + ' ' + ci + star:<34} {r['pairs']}")
    lines.append("* the 95 % interval excludes 0 (shares in %; same seeds at every level)")
    return "\n".join(lines)


def main(args: Any) -> int:
    from pathlib import Path

    from .scenario import load_scenario

    scenario = load_scenario(args.scenario)
    factor, levels = parse_levels(args.factor)
    at = None
    if args.at:
        try:
            at = [int(x) for x in args.at.split(",")]
        except ValueError:
            raise UserError(f"--at must be months separated by commas, e.g. 72,120 "
                            f"(got {args.at!r})") from None
    known = set(_indicator_names())
    indicators = None
    if args.indicators:
        indicators = [x.strip() for x in args.indicators.split(",")]
        bad = [x for x in indicators if x not in known]
        if bad:
            raise UserError(f"--indicators: unknown indicator '{bad[0]}' (the columns of "
                            "`terrisim run` output)")
    bar, update = progress_bar("effect", args.quiet)
    t = effect(scenario, factor, levels, args.replications, at, args.seed, indicators,
               executor_spec(args), progress=update)
    bar.close()
    out = args.out or Path("results") / f"effect-{scenario.name}-{factor}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    t.to_csv(out, index=False)
    print(f"Effect of {factor} on scenario '{scenario.name}': {args.replications} pairs of runs "
          f"with common random numbers (master seed {args.seed})\n")
    print(table_text(t))
    print(f"\ntable: {out}")
    return 0


def _indicator_names() -> tuple[str, ...]:
    from .sweep.experiment import indicator_names

    return indicator_names()
