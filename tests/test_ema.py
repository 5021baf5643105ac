"""The EMA workbench adapter: EMA samples terrisim's parameters, failed runs become NaN outcomes,
and PRIM / CART work on the experiments table it returns."""

from __future__ import annotations

import math

import numpy as np
import pytest

ema_workbench = pytest.importorskip("ema_workbench")

from terrisim import UserError, simulate  # noqa: E402
from terrisim.ema import ema_model, factors_as_float, uncertainty  # noqa: E402

TINY = {"width": 20, "height": 20, "n_communes": 6, "n_bassins": 2, "n_firms": 120,
        "n_associations": 40, "steps": 12}


def test_ema_runs_terrisim_and_prim_finds_a_box() -> None:
    from ema_workbench import SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import cart, prim

    model = ema_model({"n_catalysts": (0, 4), "trust_building_time": (6, 48)},
                      outcomes=["alliances_formed_total", "firms_partnered"], seed=3, **TINY)
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=8, evaluator=evaluator,
                                                    uncertainty_sampling_kwargs={"rng": 1})
    assert len(experiments) == 8 and np.isfinite(outcomes["alliances_formed_total"]).all()
    # an experiment's outcome is the terrisim run with its parameters and the constant seed
    first = experiments.iloc[0]
    df = simulate("baseline", seed=3, n_catalysts=int(first["n_catalysts"]),
                  trust_building_time=float(first["trust_building_time"]), **TINY)
    assert outcomes["alliances_formed_total"][0] == df["alliances_formed_total"].iloc[-1]
    x = factors_as_float(experiments, model)
    assert list(x.columns) == ["n_catalysts", "trust_building_time"]
    assert (x.dtypes == np.float64).all()
    y = outcomes["alliances_formed_total"] >= np.median(outcomes["alliances_formed_total"])
    box = prim.Prim(x, y).find_box()
    assert box is not None and 0 < box.coverage <= 1
    tree = cart.CART(x, y, mass_min=0.25)   # (8 points: a leaf needs at least 2)
    tree.build_tree()
    assert tree.boxes


def test_a_failing_run_gives_nan_outcomes_not_an_exception() -> None:
    from ema_workbench import SequentialEvaluator, perform_experiments

    # n_bassins above n_communes is an invalid scenario for part of this space
    model = ema_model({"n_bassins": (1, 12)}, outcomes=["alliances_active"], replications=2,
                      **{**TINY, "n_bassins": 1})
    with (pytest.warns(RuntimeWarning, match="terrisim run failed"),
          SequentialEvaluator(model) as evaluator):
        experiments, outcomes = perform_experiments(model, scenarios=12, evaluator=evaluator,
                                                    uncertainty_sampling_kwargs={"rng": 1})
    bad = experiments["n_bassins"] > TINY["n_communes"]
    assert bad.any() and (~bad).any()
    assert np.isnan(outcomes["alliances_active"][bad.to_numpy()]).all()
    assert np.isfinite(outcomes["alliances_active"][~bad.to_numpy()]).all()


def test_uncertainties_follow_the_scenario_specs() -> None:
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter

    assert isinstance(uncertainty("n_catalysts"), IntegerParameter)
    assert isinstance(uncertainty("operator_drift"), BooleanParameter)
    assert isinstance(uncertainty("catalyst_origin"), CategoricalParameter)
    whole = uncertainty("trust_building_time")
    assert (whole.lower_bound, whole.upper_bound) != (math.nan, math.nan)
    with pytest.raises(UserError, match="not a model parameter"):
        uncertainty("name")
    with pytest.raises(UserError, match="n_catalysts"):
        uncertainty("n_catalysts", (0, 10_000))
    with pytest.raises(UserError, match="not an indicator"):
        ema_model({"n_catalysts": (0, 2)}, outcomes=["alliances"])
