"""Property: every combination of declared values either is refused up front with a message
naming the scenario and a key, or runs a few months with the output invariants holding.

Scenarios are drawn from ``Scenario.specs()`` — each parameter's declared type and range, never
a list restated here — so the property follows the model's parameters as they change.  Big
territories are refused by the memory check (a small budget is set for the test) instead of
being run; the rest run three months.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from terrisim.errors import UserError
from terrisim.memory import LIMIT_ENV, MemoryLimitError, check_fits
from terrisim.scenario import Scenario, ScenarioError, scenario_from_mapping
from terrisim.simulate import run_simulation

#: Cumulative indicators (never decrease) and shares (within [0, 1]), by naming convention.
STAGES = ("stage_none", "stage_emerging", "stage_growing", "stage_anchored")


def value_of(spec: Any) -> st.SearchStrategy[Any]:
    """Any value the parameter's declaration allows."""
    if spec.type is bool:
        return st.booleans()
    if spec.choices:
        return st.sampled_from(spec.choices)
    if spec.type is str:
        return st.text(max_size=20)
    if spec.type is int:
        return st.integers(int(spec.lo), int(spec.hi))
    return st.floats(float(spec.lo), float(spec.hi), allow_nan=False)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    """A mapping with a random subset of parameters set to random declared values (the rest
    keep their defaults, so that runnable scenarios are drawn as well as odd corners)."""
    specs = Scenario.specs()
    chosen = draw(st.lists(st.sampled_from(sorted(specs)), max_size=len(specs), unique=True))
    return {name: draw(value_of(specs[name])) for name in chosen}


@pytest.mark.slow
@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(values=scenarios(), seed=st.integers(0, 2**63 - 1))
def test_in_range_values_run_or_are_refused_up_front(values: dict[str, Any], seed: int,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LIMIT_ENV, "150MB")   # the same for every example: safe to share
    values = {**values, "steps": min(values.get("steps", 3), 3)}
    try:
        scenario = scenario_from_mapping(values, source="drawn.toml")
        check_fits(scenario, what="drawn.toml: one run")
    except ScenarioError as exc:
        assert str(exc).startswith("drawn.toml: key '") and exc.key
        return
    except MemoryLimitError as exc:
        assert str(exc).startswith("drawn.toml: one run: needs about")
        return
    except UserError as exc:   # any other refusal must still be a one-line message
        pytest.fail(f"unexpected refusal: {exc}")
    df = run_simulation(scenario, seed)
    assert df["month"].tolist() == list(range(scenario.steps + 1))
    numeric = df.select_dtypes("number")
    assert not np.isinf(numeric.to_numpy()).any()
    shares = df[list(STAGES)].sum(axis=1)
    assert np.allclose(shares, 1.0)
    for col in numeric.columns:
        x = numeric[col].to_numpy(dtype=float)
        if col.endswith("_total"):
            assert np.all(np.diff(x) >= 0), col            # cumulative counts never decrease
        if col.startswith(("firms_", "associations_", "stage_")) and not col.endswith("_total"):
            finite = x[np.isfinite(x)]
            assert np.all((finite >= 0) & (finite <= 1)), col   # shares of a population
    assert math.isfinite(df["alliances_active"].iloc[-1]) and df["alliances_active"].min() >= 0
