"""Mesa's own scenario objects, accepted by :class:`~terrisim.model.TerritoryModel`.

Mesa 3.5 (experimental) and Mesa 4 pass a model's parameters as a
``mesa.experimental.scenarios.Scenario`` — ``Model(scenario=Scenario(rng=42, density=0.8))`` —
and Mesa's ``SolaraViz`` rebuilds a model on Reset as ``type(model)(scenario=<Mesa Scenario>,
**parameters)``.  terrisim's own parameters are a typed :class:`terrisim.scenario.Scenario`;
this module turns a Mesa scenario into what the terrisim constructor needs (its values become
parameter overrides, its ``rng`` the seed), so both conventions build the same model.
"""

from __future__ import annotations

from typing import Any

from mesa.experimental.scenarios import Scenario as MesaScenario

__all__ = ["MesaScenario", "split_mesa_scenario"]

#: Entries of a Mesa scenario that are its bookkeeping, not model parameters.
BOOKKEEPING = frozenset({"rng", "model", "_scenario_id"})


def split_mesa_scenario(scenario: Any, rng: Any, overrides: dict[str, Any]
                        ) -> tuple[Any, MesaScenario | None, Any, dict[str, Any]]:
    """``(terrisim scenario or None, Mesa scenario or None, rng, overrides)``.

    A Mesa scenario's values become overrides (explicit keyword overrides win), and its
    ``rng`` is the seed unless ``rng`` is given; anything else passes through unchanged.
    """
    if not isinstance(scenario, MesaScenario):
        return scenario, None, rng, overrides
    values = {k: v for k, v in scenario.to_dict().items() if k not in BOOKKEEPING}
    return None, scenario, (scenario.rng if rng is None else rng), {**values, **overrides}
