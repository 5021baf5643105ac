"""``terrisim calibrate --method abc-smc EXPERIMENT.toml``: run or resume, then write outputs."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from typing import Any

from ..errors import UserError


def _spec(args: argparse.Namespace) -> Any:
    from ..sweep.executors import ExecutorSpec

    if args.workers is not None and args.workers < 1:
        raise UserError(f"--workers must be at least 1 (got {args.workers})")
    if args.serial:
        return ExecutorSpec("serial")
    if args.scheduler:
        return ExecutorSpec("dask", scheduler=args.scheduler)
    return ExecutorSpec("local", workers=args.workers)


def dry_run(exp: Any, spec: Any, probe_runs: int = 3) -> str:
    """Time a few runs at the prior's centre and estimate the budget's cost.

    Also measures each pattern's run-to-run standard deviation in tolerances, which is what the
    number of replications per particle trades against: the distance of a particle carries the
    noise of a mean of ``replications`` runs.
    """
    import os

    import numpy as np

    from ..seeds import stream_seed
    from ..simulate import run_simulation
    from ..validation.targets import compare, load_targets

    patterns = load_targets(exp.targets)
    centre = {p.name: p.value((p.lo + p.hi) / 2) for p in exp.priors}
    scenario = exp.scenario.replace(**centre)
    cols = ["month", *sorted({p.indicator for p in patterns})]
    t0 = time.process_time()
    runs = [run_simulation(scenario, stream_seed(exp.seed, 2**62 + 2, k))[cols]
            for k in range(probe_runs)]
    per_run = (time.process_time() - t0) / probe_runs
    comps = compare(patterns, runs, scenario.start_year)
    slots = 1 if spec.kind == "serial" else (spec.workers or os.cpu_count() or 1)
    # pyabc's default adaptive threshold (median) accepts about half of the proposals early
    # on and fewer later: 0.25 on average is the planning figure, checked on earlier runs.
    evaluations = min(exp.max_simulations,
                      int(exp.population * (1 + exp.generations / 0.25)))
    sims = evaluations * exp.replications + exp.ppc_draws * exp.ppc_replications
    lines = [f"{exp.path}: ABC-SMC over {len(exp.priors)} parameters, population "
             f"{exp.population}, at most {exp.generations} generations, {exp.replications} "
             f"runs per particle, threshold down to {exp.min_epsilon:g} tolerances",
             f"one run of '{scenario.name}' ({scenario.steps} months): {per_run:.2f} s CPU "
             f"(mean of {probe_runs})",
             f"estimate: ≈{sims:,} simulations (cap {exp.max_simulations:,} particle "
             f"evaluations) ≈ {sims * per_run / slots / 60:.0f} min on {slots} worker(s)",
             "run-to-run sd of each pattern at the prior's centre, in tolerances (a mean of "
             f"{exp.replications} runs divides it by {np.sqrt(exp.replications):.2f}):"]
    for c in comps:
        sd = float(np.nanstd(c.values, ddof=1)) / c.pattern.tolerance if len(c.reached) > 1 \
            else float("nan")
        lines.append(f"  {c.pattern.id:<24} {sd:5.2f}")
    return "\n".join(lines)


def abc_main(args: argparse.Namespace) -> int:
    import dataclasses

    from ..effects import progress_bar
    from .abc import load_abc_experiment, run_abc
    from .abc_outputs import summary_text, write_outputs

    exp = load_abc_experiment(args.results)
    for key in ("population", "generations"):
        value = getattr(args, key, None)
        if value is not None:
            if value < (10 if key == "population" else 1):
                raise UserError(f"--{key} must be at least {10 if key == 'population' else 1}"
                                f" (got {value})")
            exp = dataclasses.replace(exp, **{key: value})
    spec = _spec(args)
    if args.dry_run:
        print(dry_run(exp, spec))
        return 0
    out = Path(args.out) if args.out else Path("results") / exp.name
    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(f"abc-smc: {exp.name} → {out} (history: {out / 'abc.db'}; interrupt and run the "
              "same command again to resume)", file=sys.stderr)
        history = run_abc(exp, out, spec, restart=args.restart,
                          log=lambda m: print(m, file=sys.stderr))
    except KeyboardInterrupt:
        print(f"interrupted: complete generations are saved in {out / 'abc.db'}; run the same "
              "command again to resume", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    bar, update = progress_bar("posterior predictive", args.quiet)
    res = write_outputs(history, exp, out, spec, progress=update)
    bar.close()
    print(summary_text(res, exp, out))
    if args.write_defaults is not None:
        from .posterior import write_defaults

        changed = write_defaults(res["metadata"]["point"], args.write_defaults)
        print(f"\ndefaults written to {args.write_defaults}: {', '.join(changed)}\n"
              "regenerate docs/parameters.md: terrisim params --markdown > docs/parameters.md")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
