"""Real territories at scale: set-up time, time per month, peak memory and the per-step cost
exponent from about 50,000 organisations to all of France.

Each territory runs in its own process (so its peak RSS is its own), one after the other:

    .venv/bin/python benchmarks/bench_territory.py                # up to the Massif Central
    .venv/bin/python benchmarks/bench_territory.py --region       # … and Auvergne-Rhône-Alpes
    .venv/bin/python benchmarks/bench_territory.py --france       # … and France 1:1 (long)
    .venv/bin/python benchmarks/bench_territory.py --months 120   # full runs

Printed for each: organisations, the memory estimate, set-up seconds, milliseconds per month
(mean over the months run after the first, which includes one-off warm-up), the projected
time of 120 months and peak RSS; then the least-squares fit of log(time per month) on
log(organisations) — the per-step cost exponent (the target is ≤ 1.05) — and the baseline's
time per 120-month run (target ≤ 0.5 s).  A territory the memory estimate refuses is reported
as refused, not run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: (label, scenario file or territory name) from about 50k organisations upwards.
LADDER = [
    ("Puy-de-Dôme (63)", "scenarios/puy_de_dome.toml"),
    ("Massif Central (12 dép.)", "scenarios/massif_central_real.toml"),
]
REGION = ("Auvergne-Rhône-Alpes (84)", "region:84")
FRANCE = ("France 1:1", "scenarios/france.toml")


def child(target: str, months: int, seed: int) -> dict:
    """Set up and run one territory in this process; the figures as a dict."""
    from terrisim.memory import MemoryLimitError as MemoryRefused
    from terrisim.memory import estimate_run_bytes
    from terrisim.model import TerritoryModel
    from terrisim.scenario import Scenario, load_scenario

    if target.endswith(".toml"):
        s = load_scenario(ROOT / target)
    else:
        from terrisim.geography.build import proposed_parameters

        s = Scenario(name=target, territory=target, cell_km=1.0,
                     **proposed_parameters(target))
    out = {"organisations": s.n_communes + s.n_firms + s.n_associations,
           "estimate_gb": estimate_run_bytes(s) / 1e9}
    t0 = time.perf_counter()
    try:
        model = TerritoryModel(scenario=s, rng=seed)
    except MemoryRefused as exc:
        return {**out, "refused": str(exc)}
    out["setup_s"] = time.perf_counter() - t0
    times = []
    for _ in range(months):
        t = time.perf_counter()
        model.step()
        times.append(time.perf_counter() - t)
    steady = times[1:] if len(times) > 1 else times
    out["month_ms"] = 1000 * float(np.mean(steady))
    out["first_month_ms"] = 1000 * times[0]
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    out["trust_rows_per_org"] = len(model.trust) / model.orgs.n
    return out


def baseline_seconds(runs: int = 3) -> float:
    from terrisim.scenario import load_scenario
    from terrisim.simulate import run_simulation

    s = load_scenario(ROOT / "scenarios" / "baseline.toml")
    run_simulation(s, seed=0)       # warm-up (imports, caches)
    best = np.inf
    for k in range(runs):
        t = time.perf_counter()
        run_simulation(s, seed=k + 1)
        best = min(best, time.perf_counter() - t)
    return float(best)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--months", type=int, default=12, help="months run per territory")
    p.add_argument("--region", action="store_true", help="add Auvergne-Rhône-Alpes")
    p.add_argument("--france", action="store_true", help="add France 1:1 (tens of minutes)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--child", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.months, args.seed)))
        return 0

    ladder = list(LADDER) + ([REGION] if args.region or args.france else [])
    ladder += [FRANCE] if args.france else []
    rows = []
    print(f"{'territory':28} {'orgs':>10} {'estimate':>9} {'set-up':>8} {'ms/month':>9} "
          f"{'120 months':>11} {'peak RSS':>9} {'pairs/org':>9}")
    for label, target in ladder:
        done = subprocess.run([sys.executable, __file__, "--child", target, "--months",
                               str(args.months), "--seed", str(args.seed)],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            print(f"{label:28} failed: {done.stderr.strip().splitlines()[-1]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        if "refused" in r:
            print(f"{label:28} {r['organisations']:>10,} {r['estimate_gb']:>7.1f}GB  refused "
                  f"by the memory estimate on this machine")
            continue
        total = r["setup_s"] + 120 * r["month_ms"] / 1000
        print(f"{label:28} {r['organisations']:>10,} {r['estimate_gb']:>7.1f}GB "
              f"{r['setup_s']:>7.1f}s {r['month_ms']:>9.0f} {total / 60:>9.1f}min "
              f"{r['peak_rss_gb']:>7.2f}GB {r['trust_rows_per_org']:>9.2f}", flush=True)
        rows.append((r["organisations"], r["month_ms"]))
    if len(rows) >= 2:
        n, ms = np.log([r[0] for r in rows]), np.log([r[1] for r in rows])
        slope = float(np.polyfit(n, ms, 1)[0])
        print(f"\nper-step cost exponent (fit of log ms/month on log organisations, "
              f"{len(rows)} sizes, {rows[0][0]:,}–{rows[-1][0]:,}): {slope:.2f} "
              f"(target ≤ 1.05)")
    print(f"baseline: {baseline_seconds():.2f} s per 120-month run (best of 3; target ≤ 0.5 s)")
    print(f"({args.months} months per territory; machine load average "
          f"{Path('/proc/loadavg').read_text().split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
