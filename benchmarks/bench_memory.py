"""How close terrisim.memory's estimate is to the memory runs really take.

    .venv/bin/python benchmarks/bench_memory.py [--quick]

Each size runs in a fresh process (so peaks do not hide each other): the peak resident memory
(``ru_maxrss``) above the process's memory once the model is imported, against
``estimate_run_bytes``.  Prints one line per size and the range of the ratios.  ``--quick``
runs the four smallest sizes (seconds); the full list takes a few minutes and up to ~2 GB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

#: Sizes measured (overrides of the default scenario), smallest first.
SIZES: list[dict[str, object]] = [
    {"steps": 2},
    {"steps": 120},
    {"steps": 2, "n_catalysts": 500},
    {"steps": 2, "width": 300, "height": 300},
    {"steps": 2, "n_firms": 15000, "n_associations": 5000},
    {"steps": 24, "n_firms": 15000, "n_associations": 5000},
    {"steps": 2, "n_firms": 15000, "n_associations": 5000, "neighbour_candidates": 200},
    {"steps": 2, "n_firms": 75000, "n_associations": 25000, "neighbour_candidates": 4},
    {"steps": 2, "n_firms": 75000, "n_associations": 25000},
    {"steps": 2, "width": 600, "height": 600, "n_firms": 0, "n_associations": 0},
    {"steps": 2, "n_firms": 75000, "n_associations": 25000, "neighbour_candidates": 200},
    {"steps": 2, "n_firms": 150000, "n_associations": 50000, "neighbour_candidates": 100,
     "width": 300, "height": 300},
    {"steps": 6, "n_firms": 150000, "n_associations": 50000, "n_catalysts": 500,
     "event_size": 1000},
]

CHILD = """
import json, resource, sys
from terrisim.scenario import Scenario
from terrisim.simulate import run_simulation
import terrisim.model
def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmRSS"))
base = rss()
run_simulation(Scenario().replace(**json.loads(sys.argv[1])), 1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from terrisim.memory import estimate_run_bytes, format_bytes
    from terrisim.scenario import Scenario

    ratios = []
    print(f"{'measured':>10} {'estimate':>10} {'ratio':>6}  size")
    for size in SIZES[:4] if args.quick else SIZES:
        out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(size)], check=True,
                             capture_output=True, text=True).stdout
        measured = int(out.strip().splitlines()[-1])
        estimate = estimate_run_bytes(Scenario().replace(**size))
        ratios.append(estimate / measured)
        print(f"{format_bytes(measured):>10} {format_bytes(estimate):>10} "
              f"{estimate / measured:6.2f}  {size}")
    print(f"estimate / measured: {min(ratios):.2f} … {max(ratios):.2f} over {len(ratios)} sizes")


if __name__ == "__main__":
    main()
