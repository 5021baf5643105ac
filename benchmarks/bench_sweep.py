"""Sweep engine benchmark: throughput, parallel efficiency, orchestration overhead, driver memory.

Everything is measured in this one process, through the same engine ``terrisim sweep`` uses
(``run_sweep`` with the embedded local process pool):

1. runs per second with 1 and 2 workers on baseline-size runs, and the parallel efficiency
   ``rate(2) / (2 × rate(1))`` — the issue asks for ≥ 0.9;
2. orchestration overhead: the share of the workers' time not spent in the model, over the
   whole sweep (includes pool start-up and the idle tail) and in steady state (between the
   first batch's start and the last batch's end), and the driver's busy share;
3. the driver's peak resident memory while sweeps of growing size (keeping every month and
   every indicator) stream to disk — it should stay flat while the data grows.

The machine may be shared: timings are noisy, so each point is the best of ``--repeat`` tries.

    .venv/bin/python benchmarks/bench_sweep.py            # ≈ 2–3 minutes on 2 cores
    .venv/bin/python benchmarks/bench_sweep.py --quick    # ≈ 1 minute, smaller sizes
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq

from terrisim.sweep.engine import SweepSummary, run_sweep
from terrisim.sweep.executors import ExecutorSpec
from terrisim.sweep.experiment import load_experiment

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def write_experiment(folder: Path, name: str, replications: int, overrides: str,
                     output: str) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(f"""
[experiment]
name = "{name}"
scenario = "{BASELINE}"
replications = {replications}
seed = 12345

[overrides]
{overrides}

[factors]
n_catalysts = [0, 3]
trust_building_time = [12, 36]

[design]
type = "full_factorial"

[output]
{output}
""")
    return path


class PeakRSS:
    """Samples this process's resident memory every 20 ms (the peak of one sweep)."""

    def __init__(self) -> None:
        self.proc = psutil.Process(os.getpid())
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRSS:
        self.peak = self.proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def sweep(exp_path: Path, workers: int, tmp: Path, tag: str) -> SweepSummary:
    return run_sweep(load_experiment(exp_path), tmp / tag, ExecutorSpec("local", workers),
                     progress=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (≈1 minute)")
    ap.add_argument("--repeat", type=int, default=2, help="tries per point (best kept)")
    args = ap.parse_args()
    reps = 8 if args.quick else 16               # × 4 design points
    sizes = [50, 100, 200, 400] if args.quick else [100, 200, 400, 800, 1600]

    load = os.getloadavg()[0]
    print(f"machine: {os.cpu_count()} cores, load average {load:.2f} before the benchmark"
          + ("  (other processes may compete for the cores: timings will suffer)"
             if load > 1.0 else ""))
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as d:
        tmp = Path(d)
        # baseline-size runs (≈0.3 s each: 60 months of the 40-commune territory)
        big = write_experiment(tmp, "throughput", reps, "steps = 60", 'steps = "final"')
        warm = write_experiment(tmp, "warmup", 1, "steps = 6", 'steps = "final"')
        sweep(warm, 2, tmp, "warm")                # start the forkserver once (imports Mesa)

        print(f"1) throughput: {4 * reps} runs of the baseline territory, 60 months each "
              f"(best of {args.repeat})")
        results: dict[int, SweepSummary] = {}
        for workers in (1, 2):
            best = None
            for i in range(args.repeat):
                s = sweep(big, workers, tmp, f"w{workers}-{i}")
                if best is None or s.wall_seconds < best.wall_seconds:
                    best = s
            assert best is not None
            results[workers] = best
            print(f"   {workers} worker{'s' if workers > 1 else ' '}: {best.runs_per_second:6.2f} "
                  f"runs/s  wall {best.wall_seconds:6.1f} s  model time "
                  f"{best.worker_seconds:6.1f} s  {best.tasks} tasks of {best.runs_per_task} runs")
        r1, r2 = results[1].runs_per_second, results[2].runs_per_second
        print(f"   parallel efficiency rate(2) / (2 × rate(1)) = {r2 / (2 * r1):.3f}")
        for workers, s in results.items():
            cpu = s.worker_cpu_seconds / s.wall_seconds / workers
            print(f"   {workers} worker{'s' if workers > 1 else ' '}: mean run "
                  f"{s.worker_seconds / s.executed:.3f} s wall, "
                  f"{s.worker_cpu_seconds / s.executed:.3f} s CPU; workers got {100 * cpu:.0f} % "
                  "of a core each")

        print("\n2) orchestration overhead (share of worker time not spent in the model)")
        for workers, s in results.items():
            print(f"   {workers} worker{'s' if workers > 1 else ' '}: whole sweep "
                  f"{100 * s.overhead_share:5.1f} %  (start-up {s.startup_seconds:.2f} s)   "
                  f"steady state {100 * s.steady_overhead_share:5.2f} %   driver busy "
                  f"{100 * s.driver_seconds / s.wall_seconds:5.2f} % of wall time")

        print("\n3) driver memory as runs grow (tiny runs, every month and every indicator "
              "kept, 2 workers)")
        print(f"   {'runs':>6} {'rows':>9} {'data':>9} {'on disk':>9} {'peak RSS':>9} "
              f"{'RSS growth':>11} {'runs/s':>7}")
        tiny = ("width = 16\nheight = 16\nn_communes = 4\nn_bassins = 2\nn_firms = 60\n"
                "n_associations = 20\nsteps = 24")
        first_peak = None
        for n in sizes:
            exp = write_experiment(tmp, f"mem{n}", n // 4, tiny, 'steps = "all"')
            with PeakRSS() as rss:
                s = sweep(exp, 2, tmp, f"mem{n}")
            files = list((tmp / f"mem{n}" / "runs").glob("*.parquet"))
            disk = sum(p.stat().st_size for p in files)
            rows = sum(pq.read_metadata(p).num_rows for p in files)
            data = rows * pq.read_metadata(files[0]).num_columns * 8   # as float64 in memory
            first_peak = first_peak or rss.peak
            print(f"   {s.executed:6d} {rows:9,d} {data / 1e6:6.1f} MB {disk / 1e6:6.1f} MB "
                  f"{rss.peak / 1e6:6.0f} MB {(rss.peak - first_peak) / 1e6:+8.1f} MB "
                  f"{s.runs_per_second:7.1f}")


if __name__ == "__main__":
    main()
