"""Why did an ABC-SMC run's effective sample size collapse?  Re-weights its stored generations.

For every generation t ≥ 1 of an ABC-SMC output folder, fits a perturbation kernel to generation
t − 1 (as pyabc did) and recomputes the importance weights prior / proposal of generation t's
particles: prints the effective sample size under pyabc's multivariate-normal kernel (the one the
run used: it must reproduce the stored ESS), under ``LocalTransition`` and under normal kernels of
half and twice the bandwidth, and how many proposal densities are exactly zero (an underflow
would show there).  No simulation is run.

Usage: ``.venv/bin/python benchmarks/abc_weights.py [results/abc_smc] [experiments/abc_smc.toml]``
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import numpy as np


def main() -> None:
    import pyabc

    from terrisim.inference.abc import load_abc_experiment

    out = Path(sys.argv[1] if len(sys.argv) > 1 else "results/abc_smc")
    exp = load_abc_experiment(sys.argv[2] if len(sys.argv) > 2 else "experiments/abc_smc.toml")
    state = json.loads((out / "abc.json").read_text())
    history = pyabc.History(f"sqlite:///{(out / 'abc.db').resolve()}", _id=state["abc_id"])
    prior = pyabc.Distribution(**{p.name: p.rv() for p in exp.priors})
    names = exp.names
    warnings.filterwarnings("ignore")
    for t in range(1, history.max_t + 1):
        prev, w_prev = history.get_distribution(t=t - 1)
        cur, w_cur = history.get_distribution(t=t)
        prev, cur = prev[names], cur[names]
        line = [f"generation {t}: stored ESS {1 / np.sum(w_cur ** 2):.1f}"]
        kernels = {"normal (used)": pyabc.MultivariateNormalTransition(),
                   "local": pyabc.LocalTransition(),
                   "normal ×0.5": pyabc.MultivariateNormalTransition(scaling=0.5),
                   "normal ×2": pyabc.MultivariateNormalTransition(scaling=2.0)}
        for label, kernel in kernels.items():
            kernel.fit(prev, w_prev)
            dens = np.array([kernel.pdf(cur.iloc[[k]]) for k in range(len(cur))]).ravel()
            pri = np.array([prior.pdf(dict(cur.iloc[k])) for k in range(len(cur))])
            w = pri / dens
            w = w / np.nansum(w)
            line.append(f"{label} ESS {1 / np.nansum(w ** 2):.1f} "
                        f"(zero densities {int(np.sum(dens == 0))})")
        print(" · ".join(line))


if __name__ == "__main__":
    main()
