"""Designs and seeds: which parameter values each run gets, reproducible from the file alone.

A design is a table of *points* (one row per combination of factor values).  Each point is run
``replications`` times; run ``r`` of point ``p`` has the id ``p * replications + r``.  Sampled
designs (Latin hypercube, Sobol, Morris) are drawn by SALib on the unit hypercube with a seed
derived from the master seed, then mapped through each factor's inverse CDF, so the unit sample
is kept for the sensitivity analysis (Morris needs it; Sobol needs the row order).

Seeds: run ``i`` gets the state of ``numpy.random.SeedSequence(master).spawn(n_runs)[i]``,
computed directly as ``SeedSequence(master, spawn_key=(i,))`` (the same object) so a resumed
or distributed sweep never needs the whole list, and any run can be reproduced from its id.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from .experiment import Experiment

#: Extra entropy word separating the design's sampling stream from the runs' seeds.
DESIGN_STREAM = 0x44455349  # "DESI"


def run_seed(master: int, run_id: int) -> int:
    """Seed of run ``run_id``: the 63-bit state of ``SeedSequence(master).spawn(...)[run_id]``."""
    state = np.random.SeedSequence(master, spawn_key=(int(run_id),)).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


def run_seeds(master: int, run_ids: np.ndarray | list[int]) -> np.ndarray:
    """Seeds of several runs (int64)."""
    return np.fromiter((run_seed(master, int(i)) for i in run_ids), dtype=np.int64,
                       count=len(run_ids))


def design_seed(master: int) -> int:
    """Seed of SALib's sampler, independent of every run's seed."""
    return int(np.random.SeedSequence([master, DESIGN_STREAM]).generate_state(1)[0])


def design_size(experiment: Experiment) -> int:
    """Number of design points, without drawing them (to bound a design before building it)."""
    d, n = experiment.design, len(experiment.factors)
    if d.type == "full_factorial":
        return math.prod(len(f.values or ()) for f in experiment.factors)
    if d.type == "latin_hypercube":
        return int(d.samples or 0)
    if d.type == "sobol":
        return int(d.samples or 0) * (2 * n + 2 if d.second_order else n + 2)
    return int(d.trajectories or 0) * (n + 1)


@dataclass(frozen=True)
class Design:
    """Design points (typed factor columns), the unit sample if sampled, and the run plan."""

    points: pd.DataFrame
    unit: np.ndarray | None
    replications: int
    master_seed: int

    @property
    def n_points(self) -> int:
        return len(self.points)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    def point_of(self, run_id: int) -> int:
        return run_id // self.replications

    def replication_of(self, run_id: int) -> int:
        return run_id % self.replications

    def runs(self) -> pd.DataFrame:
        """The whole run plan: run_id, point, replication, seed and factor values."""
        ids = np.arange(self.n_runs, dtype=np.int64)
        plan = self.points.iloc[ids // self.replications].reset_index(drop=True)
        plan.insert(0, "run_id", ids)
        plan.insert(1, "point", ids // self.replications)
        plan.insert(2, "replication", ids % self.replications)
        plan.insert(3, "seed", run_seeds(self.master_seed, ids))
        return plan


def salib_problem(names: list[str] | tuple[str, ...]) -> dict[str, object]:
    """SALib problem on the unit hypercube (factors are mapped to their ranges afterwards)."""
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def build_design(experiment: Experiment) -> Design:
    """Draw the experiment's design (deterministic given the file)."""
    d, factors = experiment.design, experiment.factors
    names = [f.name for f in factors]
    unit: np.ndarray | None = None
    if d.type == "full_factorial":
        rows = list(itertools.product(*(f.values or () for f in factors)))
        columns = {n: [r[i] for r in rows] for i, n in enumerate(names)}
    else:
        problem = salib_problem(names)
        seed = design_seed(experiment.seed)
        if d.type == "latin_hypercube":
            from SALib.sample import latin

            unit = latin.sample(problem, int(d.samples or 0), seed=seed)
        elif d.type == "sobol":
            from SALib.sample import sobol

            unit = sobol.sample(problem, int(d.samples or 0), calc_second_order=d.second_order,
                                scramble=True, seed=seed)
        else:
            from SALib.sample import morris

            unit = morris.sample(problem, int(d.trajectories or 0), num_levels=d.levels,
                                 seed=seed)
        unit = np.asarray(unit, dtype=float)
        columns = {f.name: list(f.from_unit(unit[:, i])) for i, f in enumerate(factors)}
    points = pd.DataFrame({n: _typed(columns[n], f.spec.type) for n, f in zip(names, factors,
                                                                               strict=True)})
    return Design(points=points, unit=unit, replications=experiment.replications,
                  master_seed=experiment.seed)


def _typed(values: list[object], kind: type) -> pd.Series:
    """A column with the parameter's type (so every chunk file has the same schema)."""
    if kind is bool:
        return pd.Series(values, dtype=bool)
    if kind is int:
        return pd.Series(values, dtype=np.int64)
    if kind is float:
        return pd.Series(values, dtype=np.float64)
    return pd.Series(values, dtype=object).astype(str)
