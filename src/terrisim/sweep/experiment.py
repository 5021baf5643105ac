"""Experiment files: what to vary, how, how often, and what to keep.

An experiment file is TOML with these tables (``docs/experiments.md`` is the reference)::

    [experiment]   name, description, scenario (base scenario file), replications, seed,
                   runs_per_task
    [overrides]    fixed parameter changes on top of the scenario (same keys as scenario files)
    [factors]      one entry per varied parameter: values = [...], range = [lo, hi] with
                   levels = n, or a distribution (uniform, loguniform, normal, triangular)
    [design]       type = full_factorial | latin_hypercube | sobol | morris, and its sizes
    [output]       indicators to keep ("all" or a list) and steps ("final", "all", a list of
                   months, or every = k)
    [report]       optional: x, y and outcomes for the report's headline figures

Validation follows the scenario files' standard: every problem raises :class:`ExperimentError`
whose message names the file, the key and the allowed values, so a typo costs seconds instead of
a failed cluster job.  Parameter names, types and ranges are read from :class:`Scenario`'s specs,
never restated here.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from ..files import parse_toml, read_text_file
from ..resources import NotFoundError, find_experiment, find_scenario
from ..scenario import (
    GROUPS,
    ParamSpec,
    Scenario,
    ScenarioError,
    load_mapping,
    scenario_from_mapping,
)

DESIGNS: tuple[str, ...] = ("full_factorial", "latin_hypercube", "sobol", "morris")
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "loguniform", "normal", "triangular")
TABLES: tuple[str, ...] = ("experiment", "overrides", "factors", "design", "output", "report")
EXPERIMENT_KEYS: tuple[str, ...] = ("name", "description", "scenario", "replications", "seed",
                                    "runs_per_task")
FACTOR_KEYS: tuple[str, ...] = ("values", "range", "levels", "scale", "distribution", "mean",
                                "sd", "mode")
DESIGN_KEYS: dict[str, tuple[str, ...]] = {
    "full_factorial": ("type",),
    "latin_hypercube": ("type", "samples"),
    "sobol": ("type", "samples", "second_order"),
    "morris": ("type", "trajectories", "levels"),
}
OUTPUT_KEYS: tuple[str, ...] = ("indicators", "steps", "every", "tables")
REPORT_KEYS: tuple[str, ...] = ("x", "y", "outcomes", "survey_month")
#: Columns of a run's table that are bookkeeping, not indicators.
NOT_INDICATORS: frozenset[str] = frozenset({"scenario", "seed", "month", "year"})
#: Upper bound on the number of runs of one experiment: a guard against typos (10 million).
MAX_RUNS = 10_000_000
MAX_SEED = 2**63 - 1


class ExperimentError(InputError):
    """An experiment file that cannot be used; the message names file, key and allowed values."""


@dataclass(frozen=True)
class Factor:
    """One varied parameter: either explicit levels or a distribution to sample from.

    ``values`` holds explicit levels (from ``values = [...]`` or ``range`` + ``levels``); they
    are what a full factorial crosses, and a sampled design picks among them uniformly.
    Otherwise ``distribution`` with its bounds or moments is sampled through its inverse CDF, so
    every design works on the unit hypercube and stays reproducible from its seed alone.
    """

    name: str
    spec: ParamSpec
    values: tuple[Any, ...] | None = None
    distribution: str | None = None
    lo: float | None = None
    hi: float | None = None
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Map unit-interval samples to parameter values (inverse CDF), typed like the spec."""
        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0)
        if self.values is not None:
            idx = np.minimum((u * len(self.values)).astype(np.int64), len(self.values) - 1)
            return np.asarray(self.values, dtype=object)[idx] if self.spec.type in (str, bool) \
                else np.asarray(self.values)[idx]
        assert self.lo is not None and self.hi is not None
        if self.distribution == "uniform" and self.spec.type is int:
            # each integer of [lo, hi] equally likely (rounding would halve the end points)
            lo, hi = math.ceil(self.lo), math.floor(self.hi)
            return np.minimum(np.floor(lo + u * (hi - lo + 1)), hi).astype(np.int64)
        if self.distribution == "uniform":
            x = self.lo + u * (self.hi - self.lo)
        elif self.distribution == "loguniform":
            x = np.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        elif self.distribution == "normal":
            from scipy.stats import truncnorm

            assert self.mean is not None and self.sd is not None
            a, b = (self.lo - self.mean) / self.sd, (self.hi - self.mean) / self.sd
            x = truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        else:  # triangular
            from scipy.stats import triang

            assert self.mode is not None
            c = (self.mode - self.lo) / (self.hi - self.lo)
            x = triang.ppf(u, c, loc=self.lo, scale=self.hi - self.lo)
        x = np.clip(x, self.lo, self.hi)
        if self.spec.type is int:
            return np.rint(x).astype(np.int64)
        return x.astype(float)

    def describe(self) -> dict[str, Any]:
        """Plain description (for experiment.json, the report's labels and docs)."""
        out: dict[str, Any] = {"name": self.name, "unit": self.spec.unit, "help": self.spec.help,
                               "type": self.spec.type.__name__}
        if self.values is not None:
            out["values"] = list(self.values)
        else:
            out.update({"distribution": self.distribution, "lo": self.lo, "hi": self.hi})
            if self.distribution == "normal":
                out.update({"mean": self.mean, "sd": self.sd})
            if self.distribution == "triangular":
                out["mode"] = self.mode
        return out


@dataclass(frozen=True)
class DesignSpec:
    """The design's type and sizes (``samples``: LHS rows or Sobol base N; Morris trajectories
    and grid levels)."""

    type: str
    samples: int | None = None
    second_order: bool = False
    trajectories: int | None = None
    levels: int = 4


@dataclass(frozen=True)
class OutputSpec:
    """Which indicators and months each run keeps (``steps``: final, all, every or months)."""

    indicators: tuple[str, ...] | None = None   # None: every indicator
    steps: str = "final"
    every: int | None = None
    months: tuple[int, ...] = ()
    tables: tuple[str, ...] = ()                # long tables per run (terrisim.tables)


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: everything the design, the workers and the report need."""

    path: Path
    name: str
    description: str
    scenario_path: Path
    base: dict[str, Any]
    factors: tuple[Factor, ...]
    design: DesignSpec
    replications: int
    seed: int
    output: OutputSpec
    runs_per_task: int | None = None
    report: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    @classmethod
    def from_file(cls, path: str | Path) -> Experiment:
        """Read and validate an experiment file, or a shipped experiment by name
        (``Experiment.from_file("quick")``)."""
        return load_experiment(path)

    @classmethod
    def from_dict(cls, data: dict[str, Any], base_dir: str | Path = ".",
                  name: str = "experiment") -> Experiment:
        """Build an experiment from a mapping with the tables of an experiment file::

            Experiment.from_dict({
                "experiment": {"scenario": "baseline", "seed": 1, "replications": 2},
                "overrides": {"steps": 24},
                "factors": {"n_catalysts": {"values": [0, 3]}},
                "design": {"type": "full_factorial"},
            })

        Checked like a file; a scenario path in it is relative to ``base_dir``.
        """
        return experiment_from_dict(data, base_dir, name)

    @property
    def sha256(self) -> str:
        """Hash of the experiment file's text (provenance; a resume needs the same file)."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def factor_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.factors)

    def scenario(self) -> Scenario:
        """The base scenario (with overrides, without factors)."""
        return scenario_from_mapping(self.base, source=str(self.path))

    def describe(self) -> dict[str, Any]:
        """Plain, JSON-able description stored next to the results (read by the report)."""
        return {
            "name": self.name, "description": self.description, "file": str(self.path),
            "sha256": self.sha256, "scenario_file": str(self.scenario_path),
            "replications": self.replications, "seed": self.seed,
            "design": {"type": self.design.type, "samples": self.design.samples,
                       "second_order": self.design.second_order,
                       "trajectories": self.design.trajectories, "levels": self.design.levels},
            "factors": [f.describe() for f in self.factors],
            "output": {"indicators": list(self.output.indicators or []) or "all",
                       "steps": self.output.steps, "every": self.output.every,
                       "months": list(self.output.months),
                       # only when asked, so that plans without tables keep their hash
                       **({"tables": list(self.output.tables)} if self.output.tables else {})},
            "report": self.report, "base": self.base, "text": self.text,
        }


# -- indicators ----------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def indicator_names() -> tuple[str, ...]:
    """Names of the model's indicators (the core keeps the list; bookkeeping columns aside)."""
    from ..model import indicator_names as names

    return tuple(n for n in names() if n not in NOT_INDICATORS)


# -- loading -------------------------------------------------------------------------------------
def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file — a path, or the name of a shipped experiment
    (``"quick"``) — and raise :class:`ExperimentError` on any problem."""
    path = find_experiment(path)
    text = read_text_file(path, ExperimentError)
    data = parse_toml(text, str(path), ExperimentError)
    return experiment_from_mapping(data, path, text)


def experiment_from_dict(data: dict[str, Any], base_dir: str | Path = ".",
                         name: str = "experiment") -> Experiment:
    """Build an experiment from a mapping shaped like an experiment file (same tables, same
    checks).  A scenario path in it is relative to ``base_dir``; a scenario name resolves as in
    a file.  ``name`` is the default ``[experiment] name`` and labels error messages."""
    if not isinstance(data, dict):
        raise ExperimentError("<dict>", None, f"must be a mapping of tables (got "
                              f"{type(data).__name__})")
    text = json.dumps(data, sort_keys=True, default=str)
    return experiment_from_mapping(data, Path(base_dir) / name, text)


def experiment_from_mapping(data: dict[str, Any], path: Path, text: str) -> Experiment:
    """Validate the tables of an experiment read from ``path`` (its text is kept for
    provenance); shared by files and mappings."""
    src = str(path)
    _no_unknown(src, None, data, TABLES, "table")
    for table in TABLES:
        if table in data and not isinstance(data[table], dict):
            raise ExperimentError(src, table, f"must be a table [{table}]")

    exp = data.get("experiment")
    if exp is None:
        raise ExperimentError(src, "experiment", "missing table [experiment] (with at least "
                              "'scenario' and 'seed')")
    _no_unknown(src, "experiment", exp, EXPERIMENT_KEYS, "key")
    name = _string(src, "experiment.name", exp.get("name", path.stem))
    description = _string(src, "experiment.description", exp.get("description", ""))
    if "scenario" not in exp:
        raise ExperimentError(src, "experiment.scenario", "missing: the base scenario, a name "
                              "(e.g. \"baseline\") or a file relative to this file (e.g. "
                              "\"../scenarios/baseline.toml\")")
    scen = _string(src, "experiment.scenario", exp["scenario"])
    if not scen.strip() or "\x00" in scen:
        raise ExperimentError(src, "experiment.scenario", f"must be a scenario file name "
                              f"(got {scen!r})")
    try:
        scenario_path = find_scenario(scen, relative_to=path.parent).resolve()
    except NotFoundError as exc:
        raise ExperimentError(src, "experiment.scenario", str(exc)) from None
    except (OSError, RuntimeError) as exc:
        raise ExperimentError(src, "experiment.scenario", f"'{scen}' cannot be resolved "
                              f"({exc})") from None
    if not scenario_path.exists():
        raise ExperimentError(src, "experiment.scenario", f"file '{scen}' not found (looked at "
                              f"{scenario_path})")
    replications = _integer(src, "experiment.replications", exp.get("replications", 1), 1,
                            100_000)
    if "seed" not in exp:
        raise ExperimentError(src, "experiment.seed", "missing: the master seed, an integer "
                              f"from 0 to {MAX_SEED} (every run's seed derives from it)")
    seed = _integer(src, "experiment.seed", exp["seed"], 0, MAX_SEED)
    rpt = exp.get("runs_per_task")
    runs_per_task = None if rpt is None else _integer(src, "experiment.runs_per_task", rpt, 1,
                                                      10_000)

    specs = Scenario.specs()
    overrides = _flatten_overrides(src, data.get("overrides", {}), specs)
    try:
        base = load_mapping(scenario_path)
    except ScenarioError as exc:
        if exc.source == str(scenario_path) and exc.key is None:   # the file itself is unusable
            raise ExperimentError(src, "experiment.scenario", f"'{scen}' {exc.detail}") from None
        raise
    base.update(overrides)
    try:
        scenario_from_mapping(base, source=src)
    except ScenarioError as exc:
        if exc.key in overrides:
            raise ExperimentError(src, f"overrides.{exc.key}", exc.detail) from None
        raise ScenarioError(f"{scenario_path} (scenario of {src})", exc.key,
                            exc.detail) from None

    design = _design(src, data.get("design"))
    factors = _factors(src, data.get("factors"), specs, overrides, design.type)
    output = _output(src, data.get("output", {}), factors)
    _check_horizon(src, output, factors, base)
    report = _report(src, data.get("report", {}), factors, output)

    experiment = Experiment(path=path, name=name, description=description,
                            scenario_path=scenario_path, base=base, factors=factors,
                            design=design, replications=replications, seed=seed, output=output,
                            runs_per_task=runs_per_task, report=report, text=text)
    from .design import design_size

    n_runs = design_size(experiment) * replications
    if n_runs > MAX_RUNS:
        raise ExperimentError(src, "design", f"makes {n_runs:,} runs; at most {MAX_RUNS:,} are "
                              "allowed (fewer levels, samples or replications)")
    return experiment


def _flatten_overrides(src: str, table: dict[str, Any], specs: dict[str, ParamSpec]
                       ) -> dict[str, Any]:
    """Overrides may be flat or grouped in tables named after parameter groups, like scenarios."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        items = value.items() if isinstance(value, dict) else [(key, value)]
        if isinstance(value, dict) and key not in GROUPS:
            raise ExperimentError(src, f"overrides.{key}", "unknown table; allowed tables are "
                                  + ", ".join(f"[overrides.{g}]" for g in GROUPS))
        for sub, subval in items:
            full = f"overrides.{key}.{sub}" if isinstance(value, dict) else f"overrides.{sub}"
            if sub not in specs:
                raise ExperimentError(src, full, "unknown parameter" + _hint(sub, specs)
                                      + " (`terrisim params` lists them)")
            if sub in flat:
                raise ExperimentError(src, full, "is given twice")
            try:
                flat[sub] = specs[sub].check(subval, src)
            except ScenarioError as exc:
                raise ExperimentError(src, full, exc.detail) from None
    return flat


def _design(src: str, table: Any) -> DesignSpec:
    if table is None:
        raise ExperimentError(src, "design", "missing table [design] with type = "
                              + " | ".join(f'"{d}"' for d in DESIGNS))
    if "type" not in table:
        raise ExperimentError(src, "design.type", "missing; must be one of "
                              + ", ".join(f'"{d}"' for d in DESIGNS))
    kind = table["type"]
    if kind not in DESIGNS:
        raise ExperimentError(src, "design.type", "must be one of "
                              + ", ".join(f'"{d}"' for d in DESIGNS) + f" (got {kind!r})")
    _no_unknown(src, "design", table, DESIGN_KEYS[kind], f"key for a {kind} design")
    if kind == "latin_hypercube":
        return DesignSpec(kind, samples=_integer(src, "design.samples", _need(src, table,
                          "design", "samples", "the number of sampled points"), 2, MAX_RUNS))
    if kind == "sobol":
        n = _integer(src, "design.samples", _need(src, table, "design", "samples",
                     "the base sample size N, a power of 2"), 2, 2**20)
        if n & (n - 1):
            raise ExperimentError(src, "design.samples", f"must be a power of 2 from 2 to "
                                  f"{2**20} for Sobol sequences (got {n}; try "
                                  f"{1 << (n.bit_length() - 1)} or {1 << n.bit_length()})")
        second = table.get("second_order", False)
        if not isinstance(second, bool):
            raise ExperimentError(src, "design.second_order", f"must be true or false "
                                  f"(got {second!r})")
        return DesignSpec(kind, samples=n, second_order=second)
    if kind == "morris":
        n = _integer(src, "design.trajectories", _need(src, table, "design", "trajectories",
                     "the number of Morris trajectories"), 2, 1_000_000)
        levels = table.get("levels", 4)
        if (isinstance(levels, bool) or not isinstance(levels, int) or not 2 <= levels <= 1000
                or levels % 2):
            raise ExperimentError(src, "design.levels", "must be an even integer from 2 to "
                                  f"1000 (got {levels!r})")
        return DesignSpec(kind, trajectories=n, levels=levels)
    return DesignSpec(kind)


def _factors(src: str, table: Any, specs: dict[str, ParamSpec], overrides: dict[str, Any],
             design: str) -> tuple[Factor, ...]:
    if not table:
        raise ExperimentError(src, "factors", "missing or empty: give at least one varied "
                              "parameter, e.g. n_catalysts = { values = [0, 2, 4] }")
    out = []
    for name, entry in table.items():
        key = f"factors.{name}"
        spec = specs.get(name)
        if spec is None:
            raise ExperimentError(src, key, "unknown parameter" + _hint(name, specs)
                                  + " (`terrisim params` lists them)")
        if spec.group == "meta":
            raise ExperimentError(src, key, "is a label, not a model parameter; it cannot vary")
        if name in overrides:
            raise ExperimentError(src, key, "is also fixed in [overrides]; keep one of them")
        if isinstance(entry, list):
            entry = {"values": entry}
        if not isinstance(entry, dict):
            raise ExperimentError(src, key, "must be a list of values or a table with 'values', "
                                  "'range' (+ 'levels') or 'distribution'")
        out.append(_factor(src, key, name, spec, entry, design))
    return tuple(out)


def _factor(src: str, key: str, name: str, spec: ParamSpec, entry: dict[str, Any],
            design: str) -> Factor:
    _no_unknown(src, key, entry, FACTOR_KEYS, "key of a factor")
    numeric = spec.type in (int, float)

    def check(value: Any, sub: str) -> Any:
        try:
            return spec.check(value, src)
        except ScenarioError as exc:
            raise ExperimentError(src, f"{key}.{sub}", exc.detail) from None

    if "values" in entry:
        extra = set(entry) - {"values"}
        if extra:
            raise ExperimentError(src, f"{key}.{sorted(extra)[0]}", "cannot be combined with "
                                  "'values' (give either values, or range and levels)")
        values = entry["values"]
        if not isinstance(values, list) or not values:
            raise ExperimentError(src, f"{key}.values", f"must be a non-empty list of "
                                  f"{spec.allowed()} (got {values!r})")
        checked = tuple(check(v, "values") for v in values)
        if len(set(checked)) != len(checked):
            raise ExperimentError(src, f"{key}.values", f"has repeated values {list(checked)}")
        return Factor(name, spec, values=checked)

    if not numeric:
        raise ExperimentError(src, key, f"is {spec.allowed()}: give its levels as "
                              "'values = [...]'")
    dist = entry.get("distribution")
    if dist is not None and dist not in DISTRIBUTIONS:
        raise ExperimentError(src, f"{key}.distribution", "must be one of "
                              + ", ".join(f'"{d}"' for d in DISTRIBUTIONS) + f" (got {dist!r})")
    rng = entry.get("range")
    if rng is not None:
        if not (isinstance(rng, list) and len(rng) == 2):
            raise ExperimentError(src, f"{key}.range", f"must be [lo, hi] with lo < hi, each "
                                  f"{spec.allowed()} (got {rng!r})")
        lo, hi = (float(check(v, "range")) for v in rng)
        if not lo < hi:
            raise ExperimentError(src, f"{key}.range", f"must be [lo, hi] with lo < hi "
                                  f"(got {rng!r})")
    else:
        lo = float(spec.lo) if spec.lo is not None else None
        hi = float(spec.hi) if spec.hi is not None else None

    if "levels" in entry:
        if rng is None or dist is not None:
            raise ExperimentError(src, f"{key}.levels", "goes with 'range = [lo, hi]' (evenly "
                                  "spaced levels), not with a distribution")
        levels = _integer(src, f"{key}.levels", entry["levels"], 2, 10_000)
        scale = entry.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise ExperimentError(src, f"{key}.scale", f'must be "linear" or "log" '
                                  f"(got {scale!r})")
        assert lo is not None and hi is not None
        if scale == "log" and lo <= 0:
            raise ExperimentError(src, f"{key}.scale", f'"log" needs a range above 0 (got '
                                  f"{rng!r})")
        grid = np.geomspace(lo, hi, levels) if scale == "log" else np.linspace(lo, hi, levels)
        if spec.type is int:
            vals: tuple[Any, ...] = tuple(int(v) for v in np.rint(grid))
            if len(set(vals)) != len(vals):
                raise ExperimentError(src, f"{key}.levels", f"{levels} levels between {rng[0]} "
                                      f"and {rng[1]} repeat integer values {list(vals)}; use "
                                      "fewer levels or explicit 'values'")
        else:
            vals = tuple(float(round(v, 10)) for v in grid)
        return Factor(name, spec, values=vals)
    if "scale" in entry:
        raise ExperimentError(src, f"{key}.scale", "goes with 'range' and 'levels'")

    if design == "full_factorial":
        raise ExperimentError(src, key, "a full_factorial design needs explicit levels: give "
                              "'values = [...]' or 'range = [lo, hi]' with 'levels = n'")
    dist = dist or "uniform"
    for sub in ("mean", "sd"):
        if sub in entry and dist != "normal":
            raise ExperimentError(src, f"{key}.{sub}", 'goes with distribution = "normal"')
    if "mode" in entry and dist != "triangular":
        raise ExperimentError(src, f"{key}.mode", 'goes with distribution = "triangular"')
    if dist in ("uniform", "loguniform", "triangular") and rng is None:
        raise ExperimentError(src, f"{key}.range", f"missing: a {dist} distribution needs "
                              f"range = [lo, hi] within {spec.allowed()}")
    assert lo is not None and hi is not None
    if dist == "loguniform" and lo <= 0:
        raise ExperimentError(src, f"{key}.range", f"a loguniform distribution needs lo > 0 "
                              f"(got {rng!r})")
    mean = sd = mode = None
    if dist == "normal":
        mean = float(check(_need(src, entry, key, "mean", "the mean"), "mean"))
        sd_raw = _need(src, entry, key, "sd", "the standard deviation")
        if (isinstance(sd_raw, bool) or not isinstance(sd_raw, int | float)
                or not math.isfinite(sd_raw) or not sd_raw > 0):
            raise ExperimentError(src, f"{key}.sd", f"must be a finite number above 0 "
                                  f"(got {sd_raw!r})")
        sd = float(sd_raw)
        if not lo <= mean <= hi:
            raise ExperimentError(src, f"{key}.mean", f"must lie within the range [{lo:g}, "
                                  f"{hi:g}] (got {mean:g})")
    if dist == "triangular":
        mode = float(check(_need(src, entry, key, "mode", "the most likely value"), "mode"))
        if not lo <= mode <= hi:
            raise ExperimentError(src, f"{key}.mode", f"must lie within the range [{lo:g}, "
                                  f"{hi:g}] (got {mode:g})")
    return Factor(name, spec, distribution=dist, lo=lo, hi=hi, mean=mean, sd=sd, mode=mode)


def _output(src: str, table: dict[str, Any], factors: tuple[Factor, ...]) -> OutputSpec:
    _no_unknown(src, "output", table, OUTPUT_KEYS, "key")
    known = indicator_names()
    raw = table.get("indicators", "all")
    indicators: tuple[str, ...] | None
    if raw == "all":
        indicators = None
    else:
        if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
            raise ExperimentError(src, "output.indicators", f'must be "all" or a non-empty list '
                                  f"of indicator names (got {raw!r})")
        for name in raw:
            if name not in known:
                raise ExperimentError(src, "output.indicators", f"unknown indicator '{name}'"
                                      + _hint(name, known) + "; the indicators are the columns "
                                      "of `terrisim run` output: " + ", ".join(known[:6]) + "…")
        if len(set(raw)) != len(raw):
            raise ExperimentError(src, "output.indicators", "lists an indicator twice")
        indicators = tuple(raw)
    clash = {f.name for f in factors} & set(indicators or known)
    if clash:
        raise ExperimentError(src, "factors", f"{sorted(clash)} clash with indicator names")

    tables = _tables(src, table.get("tables", []))
    steps = table.get("steps")
    every = table.get("every")
    if steps is not None and every is not None:
        raise ExperimentError(src, "output.every", "cannot be combined with 'steps'; give one")
    if every is not None:
        return OutputSpec(indicators, "every", every=_integer(src, "output.every", every, 1, 600),
                          tables=tables)
    if steps is None or steps == "final":
        return OutputSpec(indicators, "final", tables=tables)
    if steps == "all":
        return OutputSpec(indicators, "all", tables=tables)
    if isinstance(steps, list) and steps:
        months = tuple(sorted({_integer(src, "output.steps", m, 0, 600) for m in steps}))
        return OutputSpec(indicators, "months", months=months, tables=tables)
    raise ExperimentError(src, "output.steps", f'must be "final", "all" or a non-empty list of '
                          f"months from 0 to 600 (got {steps!r})")


def _tables(src: str, value: Any) -> tuple[str, ...]:
    """``[output] tables``: long tables each run writes (names from :mod:`terrisim.tables`)."""
    from ..errors import UserError
    from ..tables import TABLES, parse_tables

    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise ExperimentError(src, "output.tables", "must be a list of table names from "
                              + ", ".join(TABLES) + f" (got {value!r})")
    try:
        return parse_tables(value, "tables")
    except UserError as exc:
        raise ExperimentError(src, "output.tables", str(exc).split(": ", 1)[1]) from None


def _check_horizon(src: str, output: OutputSpec, factors: tuple[Factor, ...],
                   base: dict[str, Any]) -> None:
    """Kept months must exist in every run: a month past the shortest run's horizon would leave
    that run with nothing to store (and so never recorded as done)."""
    if output.steps != "months":
        return
    shortest = int(base.get("steps", Scenario.specs()["steps"].default))
    for f in factors:
        if f.name == "steps":
            shortest = int(min(f.values) if f.values is not None else math.ceil(f.lo or 1))
    late = [m for m in output.months if m > shortest]
    if late:
        raise ExperimentError(src, "output.steps", f"month {late[0]} is beyond the "
                              f"{'shortest ' if any(f.name == 'steps' for f in factors) else ''}"
                              f"run's horizon of {shortest} months ('steps'); keep months from "
                              f"0 to {shortest}")


def _report(src: str, table: dict[str, Any], factors: tuple[Factor, ...],
            output: OutputSpec) -> dict[str, Any]:
    _no_unknown(src, "report", table, REPORT_KEYS, "key")
    names = [f.name for f in factors]
    out: dict[str, Any] = {}
    for axis in ("x", "y"):
        if axis in table:
            if table[axis] not in names:
                raise ExperimentError(src, f"report.{axis}", "must be one of the factors "
                                      + ", ".join(names) + f" (got {table[axis]!r})")
            out[axis] = table[axis]
    if "outcomes" in table:
        kept = output.indicators or indicator_names()
        outcomes = table["outcomes"]
        if not isinstance(outcomes, list) or not outcomes:
            raise ExperimentError(src, "report.outcomes", "must be a non-empty list of kept "
                                  f"indicators (got {outcomes!r})")
        for o in outcomes:
            if o not in kept:
                raise ExperimentError(src, "report.outcomes", f"'{o}' is not a kept indicator; "
                                      "allowed: " + ", ".join(kept))
        out["outcomes"] = list(outcomes)
    if "survey_month" in table:
        out["survey_month"] = _integer(src, "report.survey_month", table["survey_month"], 0, 600)
    return out


# -- small checks --------------------------------------------------------------------------------
def _no_unknown(src: str, where: str | None, table: dict[str, Any], allowed: tuple[str, ...],
                what: str) -> None:
    for key in table:
        if key not in allowed:
            full = f"{where}.{key}" if where else key
            close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ExperimentError(src, full, f"unknown {what}; {hint}allowed: "
                                  + ", ".join(allowed))


def _need(src: str, table: dict[str, Any], where: str, key: str, what: str) -> Any:
    if key not in table:
        raise ExperimentError(src, f"{where}.{key}", f"missing: {what}")
    return table[key]


def _integer(src: str, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ExperimentError(src, key, f"must be an integer from {lo} to {hi} (got {value!r})")
    return value


def _string(src: str, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ExperimentError(src, key, f"must be a string (got {value!r})")
    return value


def _hint(name: str, known: Any) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""
