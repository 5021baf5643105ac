"""The few functions a Python user needs besides the classes: one run, one sweep.

They take what a person has at hand — a scenario *name*, a file, a :class:`Scenario`; an
experiment name, file, mapping or :class:`Experiment` — and call the same code as the command
line (``terrisim run``, ``terrisim sweep``), so a notebook and a terminal give identical results
for the same seed.  Everything is re-exported by :mod:`terrisim`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .scenario import Scenario
    from .sweep.engine import SweepSummary
    from .sweep.experiment import Experiment

__all__ = ["as_experiment", "as_scenario", "run_sweep", "simulate", "simulate_tables"]

#: Seed of :func:`simulate` when none is given (the command line's default too).
DEFAULT_SEED = 42


def as_scenario(scenario: Scenario | str | Path | None = None, **overrides: Any) -> Scenario:
    """A :class:`Scenario` from a scenario, a file, a shipped name (``"baseline"``) or ``None``
    (the default parameters), with keyword ``overrides`` applied and validated."""
    from .scenario import Scenario, load_scenario

    if scenario is None:
        base = Scenario()
    elif isinstance(scenario, Scenario):
        base = scenario
    else:
        base = load_scenario(scenario)
    return base.replace(**overrides) if overrides else base


def simulate(scenario: Scenario | str | Path | None = "baseline", *, seed: int = DEFAULT_SEED,
             steps: int | None = None, **overrides: Any) -> pd.DataFrame:
    """Run one scenario once and return its monthly indicators (one row per month 0 … steps).

    ``scenario`` is a shipped name (``"baseline"``, ``"no_catalyst"``, ``"lessons/mountain"``),
    a scenario file or a :class:`Scenario`; any parameter can be overridden by keyword::

        df = terrisim.simulate("baseline", seed=1, n_catalysts=0, steps=48)
        df.plot(x="year", y="alliances_active")

    The same scenario and seed give the same table as ``terrisim run`` (exactly).
    """
    from .simulate import run_simulation

    s = as_scenario(scenario, **overrides)
    return run_simulation(s, seed, steps=steps)


def simulate_tables(scenario: Scenario | str | Path | None = "baseline", *,
                    seed: int = DEFAULT_SEED, tables: Iterable[str] = ("alliances", "communes"),
                    steps: int | None = None, **overrides: Any
                    ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Like :func:`simulate`, and also the long tables of the run: ``"alliances"`` (one row per
    alliance formed: partners, worlds, kind, domain, dates, status) and ``"communes"`` (one row
    per commune and month), as ``terrisim run --tables`` writes them::

        df, tables = terrisim.simulate_tables("baseline", seed=1, tables=["alliances"])
        g = terrisim.alliance_network(tables["alliances"])
    """
    from .tables import run_with_tables

    s = as_scenario(scenario, **overrides)
    return run_with_tables(s, seed, tables, steps=steps)


def as_experiment(experiment: Experiment | str | Path | dict[str, Any]) -> Experiment:
    """An :class:`Experiment` from an experiment, a file, a shipped name (``"quick"``) or a
    mapping shaped like an experiment file."""
    from .sweep.experiment import Experiment

    if isinstance(experiment, Experiment):
        return experiment
    if isinstance(experiment, dict):
        return Experiment.from_dict(experiment)
    return Experiment.from_file(experiment)


def run_sweep(experiment: Experiment | str | Path | dict[str, Any], out: str | Path | None = None,
              *, workers: int | None = None, serial: bool = False, scheduler: str | None = None,
              tables: Iterable[str] | None = None, restart: bool = False,
              retry_failed: bool = False, progress: bool = True) -> SweepSummary:
    """Run (or resume) an experiment into ``out`` (default ``results/<experiment name>``).

    Runs on ``workers`` local processes (default: every core), in this process with
    ``serial=True``, or on the Dask cluster at ``scheduler`` (``"tcp://host:8786"``).
    ``tables`` adds the long tables of every run (``["alliances", "communes"]``).  Read the
    results with :func:`terrisim.read_results`, report with :func:`terrisim.build_report`::

        summary = terrisim.run_sweep("quick", "results/quick", workers=2)
        df = terrisim.read_results(summary.out)
    """
    import dataclasses

    from .errors import UserError
    from .sweep.engine import run_sweep as engine_run_sweep
    from .sweep.executors import ExecutorSpec
    from .tables import parse_tables

    exp = as_experiment(experiment)
    if tables is not None:
        exp = dataclasses.replace(exp, output=dataclasses.replace(
            exp.output, tables=parse_tables(tables, "tables")))
    if sum([serial, scheduler is not None, workers is not None]) > 1:
        raise UserError("give at most one of workers, serial and scheduler")
    if serial:
        spec = ExecutorSpec("serial")
    elif scheduler is not None:
        spec = ExecutorSpec("dask", scheduler=scheduler)
    else:
        spec = ExecutorSpec("local", workers=workers)
    target = Path(out) if out is not None else Path("results") / exp.name
    return engine_run_sweep(exp, target, spec, restart=restart, retry_failed=retry_failed,
                            progress=progress)
