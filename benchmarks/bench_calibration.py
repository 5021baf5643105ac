"""ABC-SMC loop speed on 1 and 2 workers, and the shipped calibration's estimated cost.

    .venv/bin/python benchmarks/bench_calibration.py [--population 20] [--generations 2]

Runs the ABC-SMC of a small experiment (quarter-size territory, 48 months, two calibrated
parameters) with pyabc's multicore sampler on 1 and then 2 worker processes, and prints the
simulations per second of each (model runs, i.e. particle evaluations × replications), the
parallel efficiency (rate on 2 / (2 × rate on 1)), then ``--dry-run``'s estimate for the shipped
experiment (experiments/abc_smc.toml): simulations and wall time on this machine.  Figures
depend on the machine's load: the load average is printed beside them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = """[experiment]
name = "bench"
scenario = "{scenario}"
replications = 2
seed = 1
[overrides]
width = 30
height = 30
n_communes = 12
n_bassins = 2
n_firms = 375
n_associations = 125
steps = 48
[factors]
trust_building_time = {{ range = [6, 48] }}
encounter_rate = {{ range = [0.1, 0.6] }}
[abc]
population = {population}
generations = {generations}
min_epsilon = 0.0
ppc_draws = 2
targets = "{targets}"
"""

TARGETS = """[[pattern]]
id = "firms"
label = "firms partnered"
label_fr = "firms"
source = "benchmark"
indicator = "firms_partnered"
target = 0.3
tolerance = 0.05
unit = "share"
date = "2013-12"
"""


def main() -> None:
    from terrisim.inference.abc import load_abc_experiment, run_abc
    from terrisim.inference.command import dry_run
    from terrisim.sweep.executors import ExecutorSpec

    ap = argparse.ArgumentParser()
    ap.add_argument("--population", type=int, default=16)
    ap.add_argument("--generations", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2,
                    help="alternate 1 and 2 workers this many times; keep each one's best rate "
                    "(other load on the machine only ever slows a measurement down)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp) / "targets.toml"
        t.write_text(TARGETS)
        path = Path(tmp) / "bench.toml"
        path.write_text(EXPERIMENT.format(scenario=ROOT / "scenarios" / "baseline.toml",
                                          population=args.population,
                                          generations=args.generations, targets=t))
        exp = load_abc_experiment(path)
        rates: dict[int, float] = {1: 0.0, 2: 0.0}
        for k in range(args.repeats):
            for workers in (1, 2):
                start = time.perf_counter()
                h = run_abc(exp, Path(tmp) / f"out{workers}-{k}",
                            ExecutorSpec("local", workers=workers), log=lambda _m: None)
                wall = time.perf_counter() - start
                sims = int(h.total_nr_simulations) * exp.replications
                rates[workers] = max(rates[workers], sims / wall)
                print(f"{workers} worker(s): {sims} simulations in {wall:.1f} s = "
                      f"{sims / wall:.2f} simulations/s (load average "
                      f"{os.getloadavg()[0]:.1f})")
        print(f"best: {rates[1]:.2f} simulations/s on 1 worker, {rates[2]:.2f} on 2")
        print(f"parallel efficiency on 2 workers: {rates[2] / (2 * rates[1]):.2f}")
    shipped = load_abc_experiment(ROOT / "experiments" / "abc_smc.toml")
    print("\nshipped calibration (experiments/abc_smc.toml), dry estimate:")
    print(dry_run(shipped, ExecutorSpec("local", workers=2)))


if __name__ == "__main__":
    main()
