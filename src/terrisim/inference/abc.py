"""ABC-SMC calibration against the observed patterns, with pyabc.

``terrisim calibrate --method abc-smc EXPERIMENT.toml`` reads an ABC experiment file::

    [experiment]  name, description, scenario, seed (master seed of the particles' runs),
                  replications (runs averaged per particle)
    [overrides]   fixed changes to the scenario (as in sweep experiments)
    [factors]     the calibrated parameters and their priors: range = [lo, hi] (uniform), or
                  distribution = "loguniform" | "normal" | "triangular" as in sweep experiments
    [abc]         population, generations, min_epsilon, max_simulations, targets,
                  ppc_draws, ppc_replications, kernel_scaling

and runs sequential Monte Carlo ABC (Toni et al. 2009, *J. R. Soc. Interface* 6:187; Del Moral
et al. 2012, *Stat. Comput.* 22:1009) as implemented by pyabc (Schälte et al. 2022, *JOSS*
7:4304): each generation accepts particles whose distance to the patterns is below an
adaptive threshold (the median distance of the previous generation), perturbed by a
multivariate normal kernel.  The distance is the root mean square of the patterns'
deviations, each in units of its tolerance — the same deviation as the sweep table and the
refinement (``validation.calibrate.deviation``; a pattern whose event happens in at most half
of a particle's runs counts as 3 tolerances off).  A particle's pattern values are means over
``replications`` runs with seeds of the ABC master seed's family (``seeds.stream_seed``).

Integer parameters get a continuous prior over [lo − ½, hi + ½) and are rounded when run, so
every integer is equally likely a priori and the perturbation kernel stays continuous.

The history database (``abc.db``, SQLite) lives in the output folder: pyabc writes each
generation when it is complete, so after an interruption the same command resumes from the last
complete generation (the generation in flight is redone).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError, UserError
from ..scenario import Scenario, load_mapping, read_toml, scenario_from_mapping
from ..seeds import ABC_MASTER_SEED, stream_seed

TABLES = ("experiment", "overrides", "factors", "abc")
EXPERIMENT_KEYS = ("name", "description", "scenario", "replications", "seed")
ABC_KEYS: dict[str, tuple[type, float, float, Any]] = {
    # key: (type, lo, hi, default)
    "population": (int, 10, 100_000, 200),
    "generations": (int, 1, 100, 8),
    "min_epsilon": (float, 0.0, 100.0, 0.5),
    "max_simulations": (int, 10, 100_000_000, 50_000),
    "ppc_draws": (int, 2, 100_000, 100),
    "ppc_replications": (int, 1, 1_000, 1),
    "kernel_scaling": (float, 0.1, 10.0, 1.0),
}
#: Stream key of the posterior-predictive runs under the experiment's master seed (particle
#: streams are keyed by random 62-bit numbers below it, so the two families never meet).
PPC_STREAM = 2**62 + 1


class AbcExperimentError(InputError):
    """An ABC experiment file that cannot be used (file, key, what is allowed)."""


@dataclass(frozen=True)
class Prior:
    """One calibrated parameter and its prior (read from the experiment's [factors])."""

    name: str
    type: str               # "int" or "float"
    distribution: str       # uniform | loguniform | normal | triangular
    lo: float
    hi: float
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None

    def rv(self) -> Any:
        """The pyabc random variable (integers: uniform over [lo − ½, hi + ½))."""
        import pyabc

        lo, hi = (self.lo - 0.5, self.hi + 0.5) if self.type == "int" else (self.lo, self.hi)
        if self.distribution == "uniform":
            return pyabc.RV("uniform", lo, hi - lo)
        if self.distribution == "loguniform":
            return pyabc.RV("loguniform", lo, hi)
        if self.distribution == "normal":
            a, b = (lo - self.mean) / self.sd, (hi - self.mean) / self.sd
            return pyabc.RV("truncnorm", a, b, loc=self.mean, scale=self.sd)
        c = (self.mode - lo) / (hi - lo)
        return pyabc.RV("triang", c, loc=lo, scale=hi - lo)

    def value(self, x: float) -> int | float:
        """A particle's coordinate as the scenario takes it."""
        if self.type == "int":
            return int(np.clip(np.rint(x), self.lo, self.hi))
        return float(np.clip(x, self.lo, self.hi))

    def describe(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class AbcExperiment:
    path: Path
    name: str
    description: str
    scenario: Scenario
    priors: tuple[Prior, ...]
    replications: int
    seed: int
    population: int
    generations: int
    min_epsilon: float
    max_simulations: int
    ppc_draws: int
    ppc_replications: int
    kernel_scaling: float
    targets: Path | None
    text: str = field(repr=False, default="")

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.priors]


def load_abc_experiment(path: str | Path) -> AbcExperiment:
    """Read and check an ABC experiment file (every error names the file and the key)."""
    from ..sweep.experiment import (
        _factors,
        _flatten_overrides,
        _integer,
        _no_unknown,
        _string,
    )

    path = Path(path)
    src = str(path)
    data = read_toml(path)
    _no_unknown(src, None, data, TABLES, "table")
    exp = data.get("experiment")
    if not isinstance(exp, dict):
        raise AbcExperimentError(src, "experiment", "missing table [experiment] (with at least "
                                 "'scenario')")
    _no_unknown(src, "experiment", exp, EXPERIMENT_KEYS, "key")
    if "scenario" not in exp:
        raise AbcExperimentError(src, "experiment.scenario", "missing: the base scenario file, "
                                 "relative to this file")
    scen = (path.parent / _string(src, "experiment.scenario", exp["scenario"])).resolve()
    if not scen.exists():
        raise AbcExperimentError(src, "experiment.scenario", f"file not found ({scen})")
    specs = Scenario.specs()
    base = load_mapping(scen)
    base.update(_flatten_overrides(src, data.get("overrides", {}), specs))
    scenario = scenario_from_mapping(base, source=src)
    factors = _factors(src, data.get("factors"), specs, {}, "latin_hypercube")
    priors = []
    for f in factors:
        if f.values is not None or f.spec.type not in (int, float):
            raise AbcExperimentError(src, f"factors.{f.name}", "a calibrated parameter needs a "
                                     "prior: range = [lo, hi] (uniform) or a distribution, "
                                     "not explicit values")
        priors.append(Prior(f.name, f.spec.type.__name__, f.distribution or "uniform",
                            float(f.lo), float(f.hi), f.mean, f.sd, f.mode))
    abc = data.get("abc", {})
    if not isinstance(abc, dict):
        raise AbcExperimentError(src, "abc", "must be a table [abc]")
    _no_unknown(src, "abc", abc, (*ABC_KEYS, "targets"), "key")
    settings: dict[str, Any] = {}
    for key, (kind, lo, hi, default) in ABC_KEYS.items():
        v = abc.get(key, default)
        if kind is int:
            settings[key] = _integer(src, f"abc.{key}", v, int(lo), int(hi))
        elif (isinstance(v, bool) or not isinstance(v, int | float)
              or not lo <= v <= hi):
            raise AbcExperimentError(src, f"abc.{key}", f"must be a number from {lo:g} to "
                                     f"{hi:g} (got {v!r})")
        else:
            settings[key] = float(v)
    targets = None
    if "targets" in abc:
        targets = (path.parent / _string(src, "abc.targets", abc["targets"])).resolve()
        if not targets.exists():
            raise AbcExperimentError(src, "abc.targets", f"file not found ({targets})")
    return AbcExperiment(
        path=path, name=_string(src, "experiment.name", exp.get("name", path.stem)),
        description=_string(src, "experiment.description", exp.get("description", "")),
        scenario=scenario, priors=tuple(priors),
        replications=_integer(src, "experiment.replications", exp.get("replications", 2), 1,
                              1000),
        seed=_integer(src, "experiment.seed", exp.get("seed", ABC_MASTER_SEED), 0, 2**63 - 1),
        targets=targets, text=path.read_text(encoding="utf-8"), **settings)


# -- the model and the distance, as pyabc calls them (picklable: they travel to workers) --------
@dataclass
class PatternModel:
    """Parameters → the patterns' values, mean over ``replications`` runs (pyabc's model)."""

    base: dict[str, Any]
    priors: tuple[Prior, ...]
    patterns: list[Any]
    replications: int
    master: int

    def scenario(self, par: Any) -> Scenario:
        values = {p.name: p.value(float(par[p.name])) for p in self.priors}
        return scenario_from_mapping({**self.base, **values}, source="ABC particle")

    def __call__(self, par: Any) -> dict[str, Any]:
        from ..simulate import run_simulation
        from ..validation.targets import compare

        scenario = self.scenario(par)
        key = int(np.random.randint(0, 2**62, dtype=np.int64))   # pyabc seeds each worker
        seeds = [stream_seed(self.master, key, r) for r in range(self.replications)]
        cols = ["month", *sorted({p.indicator for p in self.patterns})]
        runs = [run_simulation(scenario, s)[cols] for s in seeds]
        out: dict[str, Any] = {"seeds": np.array(seeds, dtype=np.int64)}
        for c in compare(self.patterns, runs, scenario.start_year):
            happened = len(c.reached) * 2 > len(c.values)
            out[c.pattern.id] = c.mean if happened else math.nan
        return out


@dataclass
class PatternDistance:
    """RMS of the patterns' deviations from their targets, in tolerances."""

    patterns: list[Any]

    def deviations(self, x: dict[str, Any]) -> np.ndarray:
        from ..validation.calibrate import deviation

        return np.array([deviation(p, float(x[p.id])) for p in self.patterns])

    def __call__(self, x: dict[str, Any], x0: dict[str, Any]) -> float:
        return float(np.sqrt(np.mean(self.deviations(x) ** 2)))


def observed(patterns: list[Any]) -> dict[str, float]:
    return {p.id: float(p.target) for p in patterns}


def make_sampler(spec: Any) -> Any:
    """pyabc's sampler for the back end: one process per core locally (evaluation-parallel:
    workers keep drawing until the generation is full), Dask's on a cluster, or none."""
    from pyabc import sampler

    if spec.kind == "serial":
        return sampler.SingleCoreSampler()
    if spec.kind == "dask":
        from distributed import Client

        try:
            client = Client(spec.scheduler, timeout=f"{spec.timeout}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise UserError(f"cannot connect to the Dask scheduler at {spec.scheduler} "
                            f"({exc})") from None
        # as many particle evaluations in flight as worker threads (pyabc's default, no limit,
        # floods the cluster with evaluations that are cancelled once the generation is full)
        slots = sum(w.get("nthreads", 1) for w in
                    client.scheduler_info(n_workers=-1).get("workers", {}).values())
        return sampler.DaskDistributedSampler(dask_client=client, batch_size=1,
                                              client_max_jobs=max(1, slots))
    import os

    return sampler.MulticoreEvalParallelSampler(n_procs=spec.workers or os.cpu_count() or 1)


# -- running and resuming -----------------------------------------------------------------------
def make_transition(exp: AbcExperiment) -> Any:
    """pyabc's multivariate-normal perturbation kernel, its Silverman bandwidth multiplied by
    ``kernel_scaling``.  A wider kernel smooths the proposal density, so the importance weights
    prior / proposal vary less from particle to particle (they collapsed with the default in
    this model: docs/calibration.md), at the price of a lower acceptance rate."""
    import pyabc

    return pyabc.MultivariateNormalTransition(scaling=exp.kernel_scaling)


def fingerprint(exp: AbcExperiment, patterns: list[Any]) -> dict[str, Any]:
    """What a resume must find unchanged: the experiment's content, the patterns and the code."""
    from ..sweep.worker import code_fingerprint

    return {"experiment_sha256": exp.sha256, "code": code_fingerprint(),
            "population": exp.population,
            "scenario": hashlib.sha256(exp.scenario.to_toml().encode()).hexdigest(),
            "patterns": [p.id for p in patterns],
            "targets": [[p.target, p.tolerance] for p in patterns]}


def run_abc(exp: AbcExperiment, out: Path, spec: Any, restart: bool = False,
            log: Any = print) -> Any:
    """Run (or resume) the ABC-SMC in ``out``; return pyabc's History."""
    import logging

    import pyabc

    from ..validation.targets import load_targets

    patterns = load_targets(exp.targets)
    out.mkdir(parents=True, exist_ok=True)
    db_path, state_path = out / "abc.db", out / "abc.json"
    fp = fingerprint(exp, patterns)
    if restart:
        db_path.unlink(missing_ok=True)
        state_path.unlink(missing_ok=True)
    state = json.loads(state_path.read_text()) if state_path.exists() else None
    if state is not None and state["fingerprint"] != fp:
        changed = [k for k in fp if fp[k] != state["fingerprint"].get(k)]
        raise UserError(f"{out}: holds an ABC run of another experiment or model (changed: "
                        f"{', '.join(changed)}); use --restart to discard it or --out elsewhere")
    logging.getLogger("ABC").setLevel(logging.WARNING)
    np.random.seed(exp.seed % 2**32)     # the driver's proposals (workers reseed themselves)
    model = PatternModel(exp.scenario.to_dict(), exp.priors, patterns, exp.replications,
                         exp.seed)
    prior = pyabc.Distribution(**{p.name: p.rv() for p in exp.priors})
    abc = pyabc.ABCSMC(model, prior, PatternDistance(patterns), population_size=exp.population,
                       sampler=make_sampler(spec), transitions=make_transition(exp))
    db = f"sqlite:///{db_path.resolve()}"
    if state is not None and db_path.exists():
        history = abc.load(db, state["abc_id"], observed(patterns))
        done = history.max_t + 1
        log(f"abc-smc: resuming {out} after {done} complete generation(s)")
    else:
        history = abc.new(db, observed(patterns))
        state_path.write_text(json.dumps({"fingerprint": fp, "abc_id": history.id}, indent=1))
        done = 0
    remaining = exp.generations - done
    used = int(history.total_nr_simulations) if done else 0
    try:
        if remaining > 0 and used < exp.max_simulations and not _converged(history, exp):
            history = abc.run(minimum_epsilon=exp.min_epsilon, max_nr_populations=remaining,
                              max_total_nr_simulations=exp.max_simulations - used)
    finally:
        client = getattr(abc.sampler, "client", None)
        if client is not None:     # the Dask sampler's connection
            client.close()
    return history


def _converged(history: Any, exp: AbcExperiment) -> bool:
    if history.max_t < 0:
        return False
    pops = history.get_all_populations()
    return float(pops["epsilon"].iloc[-1]) <= exp.min_epsilon


def generations_table(history: Any) -> pd.DataFrame:
    """Per generation: threshold, simulations, accepted particles, acceptance rate, ESS."""
    from .posterior import effective_sample_size

    pops = history.get_all_populations()
    pops = pops[pops["t"] >= 0]
    rows = []
    for _, r in pops.iterrows():
        _, w = history.get_distribution(m=0, t=int(r["t"]))
        rows.append({"generation": int(r["t"]), "epsilon": float(r["epsilon"]),
                     "simulations": int(r["samples"]), "particles": int(r["particles"]),
                     "acceptance_rate": float(r["particles"]) / float(r["samples"]),
                     "ess": effective_sample_size(w),
                     "wall_seconds": float(r["wall_time"]) if "wall_time" in r else math.nan})
    return pd.DataFrame(rows)


def posterior_frame(history: Any, exp: AbcExperiment, patterns: list[Any]) -> pd.DataFrame:
    """The last generation's particles: parameters (as run), weight, distance, patterns."""
    pop = history.get_population(t=history.max_t)
    rows = []
    for i, part in enumerate(pop.particles):
        row: dict[str, Any] = {"particle": i}
        row.update({p.name: p.value(float(part.parameter[p.name])) for p in exp.priors})
        row["weight"] = float(part.weight)
        row["distance"] = float(part.distance)
        for p in patterns:
            row[f"pattern_{p.id}"] = float(part.sum_stat[p.id])
        row["seeds"] = [int(s) for s in np.atleast_1d(part.sum_stat["seeds"])]
        rows.append(row)
    df = pd.DataFrame(rows)
    df["weight"] = df["weight"] / df["weight"].sum()
    return df
