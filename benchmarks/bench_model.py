"""Speed of the core model, measured in one process so that ratios are meaningful.

Prints:
1. the baseline (120 monthly steps, set-up included) per run, against the 0.5 s target;
2. agent-step throughput against Mesa's bundled Boltzmann wealth example at the same agent
   count (target: at least 2×);
3. per-step cost from 2,000 to 50,000 organisations and the fitted exponent (target: about
   linear, exponent ≤ ~1.1);
4. peak memory of a baseline run (Python allocations) and of the process.

Run with ``.venv/bin/python benchmarks/bench_model.py`` (about two minutes).  Threads of numerical
libraries are pinned to one so that "one core" means one core.
"""

from __future__ import annotations

import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import resource  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from terrisim.model import TerritoryModel  # noqa: E402
from terrisim.scenario import Scenario, load_scenario  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def baseline_run_time(s: Scenario, repeats: int = 7) -> list[float]:
    times = []
    for seed in range(repeats):
        t = time.perf_counter()
        TerritoryModel(scenario=s, rng=seed).run()
        times.append(time.perf_counter() - t)
    return times


def boltzmann_agent_steps_per_s(n_agents: int, steps: int = 60) -> float:
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    side = int(np.ceil(np.sqrt(n_agents / 2)))
    m = BoltzmannWealth(BoltzmannScenario(n=n_agents, width=side, height=side, rng=1))
    t = time.perf_counter()
    for _ in range(steps):
        m.step()
    return n_agents * steps / (time.perf_counter() - t)


def terrisim_agent_steps_per_s(s: Scenario, steps: int = 60) -> tuple[float, int]:
    m = TerritoryModel(scenario=s.replace(steps=steps), rng=1)
    n_agents = len(m.agents)
    t = time.perf_counter()
    m.run()
    return n_agents * steps / (time.perf_counter() - t), n_agents


def scaled(s: Scenario, orgs: int) -> Scenario:
    """The baseline territory scaled to ``orgs`` organisations at constant density."""
    base_orgs = s.n_firms + s.n_associations
    k = orgs / base_orgs
    side = round(s.width * float(np.sqrt(k)))
    return s.replace(width=side, height=side, n_communes=max(1, round(s.n_communes * k)),
                     n_bassins=max(1, round(s.n_bassins * k)),
                     n_firms=round(s.n_firms * k), n_associations=round(s.n_associations * k),
                     n_catalysts=max(1, round(s.n_catalysts * k)),
                     n_tiers_lieux=max(1, round(s.n_tiers_lieux * k)))


def per_step_cost(s: Scenario, warmup: int = 24, measured: int = 24) -> float:
    m = TerritoryModel(scenario=s.replace(steps=warmup + measured), rng=1)
    for _ in range(warmup):
        m.step()
    t = time.perf_counter()
    for _ in range(measured):
        m.step()
    return (time.perf_counter() - t) / measured


def main() -> None:
    base = load_scenario(ROOT / "scenarios" / "baseline.toml")
    TerritoryModel(scenario=base.replace(steps=2), rng=0).run()  # warm imports and caches

    print("1. Baseline run (set-up + 120 months), 7 seeds")
    times = baseline_run_time(base)
    med = statistics.median(times)
    print(f"   median {med:.3f} s  (min {min(times):.3f}, max {max(times):.3f})  "
          f"target ≤ 0.5 s: {'met' if med <= 0.5 else 'NOT met'}")

    print("2. Agent-step throughput against Mesa's Boltzmann wealth example (5 interleaved rounds)")
    # alternate the two models so that a burst of load on this shared machine hits both; the best
    # round of each is its undisturbed speed (as ``timeit`` reports), the median ratio is shown too
    ours_r, theirs_r = [], []
    for _ in range(5):
        ours, n_agents = terrisim_agent_steps_per_s(base)
        ours_r.append(ours)
        theirs_r.append(boltzmann_agent_steps_per_s(n_agents))
    ours, theirs = max(ours_r), max(theirs_r)
    ratios = sorted(o / t for o, t in zip(ours_r, theirs_r, strict=True))
    print(f"   {n_agents} agents: terrisim {ours:,.0f} agent-steps/s, Boltzmann "
          f"{theirs:,.0f} agent-steps/s, ratio {ours / theirs:.2f}× (round by round "
          f"{ratios[0]:.2f}–{ratios[-1]:.2f}×, median {ratios[2]:.2f}×)  target ≥ 2×: "
          f"{'met' if ours / theirs >= 2 else 'NOT met'}")

    print("3. Per-step cost against organisations (after 24 months of warm-up)")
    sizes = [2000, 5000, 10000, 20000, 50000]
    costs = []
    for n in sizes:
        c = per_step_cost(scaled(base, n))
        costs.append(c)
        print(f"   {n:>6} organisations: {c * 1000:8.2f} ms/step  ({c / n * 1e6:.2f} µs per "
              f"organisation-step)")
    slope = np.polyfit(np.log(sizes), np.log(costs), 1)[0]
    print(f"   fitted exponent {slope:.2f}  (1.0 = linear; target about linear): "
          f"{'met' if slope <= 1.15 else 'NOT met'}")

    print("4. Memory")
    tracemalloc.start()
    m = TerritoryModel(scenario=base, rng=1)
    m.run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"   baseline run: peak Python allocations {peak / 2**20:.1f} MiB; trust table "
          f"{len(m.trust):,} relationships = {m.trust.nbytes / 2**20:.2f} MiB "
          f"(all pairs would be {m.orgs.n * (m.orgs.n - 1) // 2:,})")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"   process peak resident memory (including the 50k run): {rss:.0f} MiB")


if __name__ == "__main__":
    main()
