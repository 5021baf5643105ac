"""terrisim as an EMA workbench model, for exploratory modelling and scenario discovery.

The EMA workbench (``pip install "terrisim[ema]"``, package ``ema-workbench``) samples
uncertainties, runs a model over them and finds the regions of the input space where an outcome
of interest happens (PRIM, CART).  :func:`ema_model` wraps terrisim so that

* uncertainties are terrisim parameters, declared from :class:`~terrisim.scenario.Scenario`'s
  own specs (integer parameters as ``IntegerParameter``, numbers as ``RealParameter``, switches
  as ``BooleanParameter``, choices as ``CategoricalParameter``), with the spec's range unless a
  narrower one is given;
* outcomes are indicators at the final month (any indicator name);
* a run that raises gives NaN outcomes (and a warning) instead of an exception: EMA's
  multiprocessing evaluator waits for ever when a run raises, and one bad corner of the space
  must not cost a whole experiment;
* the seed is a constant (the same seed for every experiment: common random numbers, so
  differences between experiments come from the parameters, not the dice), or ``replications``
  seeds whose outcomes are averaged.

:func:`factors_as_float` then gives the experiments table with float factor columns: EMA's CART
(and scikit-learn behind it) fails on the int64 columns that integer parameters produce.

Scenario discovery on catalysis × trust-building time (PRIM)::

    from ema_workbench import SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import prim
    from terrisim.ema import ema_model, factors_as_float

    model = ema_model({"n_catalysts": (0, 6), "trust_building_time": (6, 48)},
                      outcomes=["alliances_formed_total", "firms_partnered"],
                      steps=48, width=30, height=30, n_communes=12, n_bassins=2,
                      n_firms=375, n_associations=125)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=40, evaluator=evaluator,
                                                    uncertainty_sampling_kwargs={"rng": 1})
    x = factors_as_float(experiments, model)
    y = outcomes["firms_partnered"] >= 0.1          # the case of interest
    box = prim.Prim(x, y).find_box()
    box.inspect()                                     # the ranges that lead there

``examples/02_sweep_and_analysis.ipynb`` runs this example end to end.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .scenario import Scenario

__all__ = ["DEFAULT_OUTCOMES", "TerritoryFunction", "ema_model", "factors_as_float",
           "uncertainty"]

#: Outcomes of :func:`ema_model` when none are given: alliance formation, partnerships, timing.
DEFAULT_OUTCOMES: tuple[str, ...] = ("alliances_formed_total", "alliances_active",
                                     "firms_partnered", "associations_partnered",
                                     "first_alliance_month")
#: Seed of every experiment when neither ``seed`` nor ``replications`` is given.
DEFAULT_SEED = 42


class TerritoryFunction:
    """The callable EMA runs: parameters as keywords in, final-month indicators out.

    A plain class (not a closure) so that EMA's multiprocessing evaluator can pickle it.
    """

    def __init__(self, base: Mapping[str, Any], outcomes: Sequence[str],
                 steps: int | None = None) -> None:
        self.base = dict(base)
        self.outcomes = tuple(outcomes)
        self.steps = steps

    def __call__(self, seed: int = DEFAULT_SEED, **params: Any) -> dict[str, float]:
        from .scenario import scenario_from_mapping
        from .simulate import run_simulation

        try:
            plain = {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}
            scenario = scenario_from_mapping({**self.base, **plain}, source="EMA experiment")
            row = run_simulation(scenario, int(seed), steps=self.steps).iloc[-1]
            return {name: float(row[name]) for name in self.outcomes}
        except Exception as exc:   # NaN outcomes, never an exception into EMA's evaluators
            warnings.warn(f"terrisim run failed for {params} (seed {seed}): "
                          f"{type(exc).__name__}: {exc}", RuntimeWarning, stacklevel=2)
            return dict.fromkeys(self.outcomes, math.nan)


def uncertainty(name: str, bounds: Sequence[Any] | None = None) -> Any:
    """The EMA parameter for terrisim parameter ``name``: its type from the Scenario's spec,
    ``bounds`` (``(lo, hi)``, or the categories) or the spec's whole range."""
    from ema_workbench import (
        BooleanParameter,
        CategoricalParameter,
        IntegerParameter,
        RealParameter,
    )

    from .errors import UserError
    from .scenario import Scenario

    spec = Scenario.specs().get(name)
    if spec is None or spec.group == "meta":
        raise UserError(f"EMA uncertainty '{name}': not a model parameter (see "
                        "`terrisim params`)")
    if spec.type is bool:
        return BooleanParameter(name)
    if spec.type is str:
        return CategoricalParameter(name, list(bounds or spec.choices or ()))
    lo, hi = (spec.lo, spec.hi) if bounds is None else bounds
    for value in (lo, hi):
        spec.check(value, f"EMA uncertainty '{name}'")
    if spec.type is int:
        return IntegerParameter(name, int(lo), int(hi))
    return RealParameter(name, float(lo), float(hi))


def ema_model(uncertainties: Mapping[str, Sequence[Any] | None],
              outcomes: Sequence[str] = DEFAULT_OUTCOMES,
              scenario: Scenario | str | Path | None = "baseline", *, seed: int | None = None,
              replications: int | None = None, steps: int | None = None,
              name: str = "terrisim", **overrides: Any) -> Any:
    """An EMA workbench model of ``scenario`` (a name, a file or a Scenario, with keyword
    ``overrides``) varying ``uncertainties`` (parameter → ``(lo, hi)`` or ``None`` for its whole
    range) and reporting ``outcomes`` (indicators at the final month).

    With ``replications = n`` every experiment runs with seeds ``seed, seed + 1 …`` and reports
    the mean of each outcome over them (an EMA ``ReplicatorModel``); otherwise one run with
    ``seed`` (default 42) — the same for every experiment.
    """
    from ema_workbench import Constant, Model, ReplicatorModel, ScalarOutcome

    from .api import as_scenario
    from .errors import UserError
    from .model import indicator_names

    base = as_scenario(scenario, **overrides)
    known = indicator_names()
    for outcome in outcomes:
        if outcome not in known:
            raise UserError(f"EMA outcome '{outcome}': not an indicator (the columns of a "
                            "run's table, e.g. alliances_formed_total)")
    if not uncertainties:
        raise UserError("ema_model needs at least one uncertainty, e.g. "
                        "{'n_catalysts': (0, 6)}")
    function = TerritoryFunction(base.to_dict(), outcomes, steps)
    first = DEFAULT_SEED if seed is None else int(seed)
    if replications is not None:
        if replications < 1:
            raise UserError(f"replications must be at least 1 (got {replications})")
        model = ReplicatorModel(name, function=function)
        model.replications = [{"seed": first + k} for k in range(replications)]
        model.outcomes = [ScalarOutcome(o, function=_nanmean) for o in outcomes]
    else:
        model = Model(name, function=function)
        model.constants = [Constant("seed", first)]
        model.outcomes = [ScalarOutcome(o) for o in outcomes]
    model.uncertainties = [uncertainty(k, v) for k, v in uncertainties.items()]
    return model


def _nanmean(values: Sequence[float]) -> float:
    """Mean over replications, ignoring failed ones (NaN if all failed)."""
    finite = [v for v in values if v == v]
    return float(sum(finite) / len(finite)) if finite else math.nan


def factors_as_float(experiments: pd.DataFrame, model: Any = None) -> pd.DataFrame:
    """The factor columns of EMA's experiments table as floats (for PRIM, CART, plots).

    With ``model``, the columns of its uncertainties (and levers); otherwise every column
    except EMA's bookkeeping (``scenario``, ``policy``, ``model``).  Numbers and switches
    become float64; categorical factors stay as they are.
    """
    import numpy as np

    if model is not None:
        names = [u.name for u in model.uncertainties] + [lv.name for lv in model.levers]
    else:
        names = [c for c in experiments.columns if c not in ("scenario", "policy", "model")]
    out = experiments[names].copy()
    for c in names:
        if np.issubdtype(out[c].dtype, np.number) or out[c].dtype == bool:
            out[c] = out[c].astype(np.float64)
    return out
