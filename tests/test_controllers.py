"""The decision hooks of the participatory mode: with no player the model runs bit for bit as
alone, and each hook, when a player decides otherwise, changes exactly what it says."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from terrisim.controllers import Controller
from terrisim.model import TerritoryModel
from terrisim.organisations import ECONOMIC
from terrisim.scenario import Scenario


@pytest.fixture(scope="module")
def scenario(small: Scenario) -> Scenario:
    return small.replace(steps=36, catalyst_start=0)


def run(scenario: Scenario, controller: Controller | None, seed: int = 21) -> TerritoryModel:
    model = TerritoryModel(scenario=scenario, rng=seed)
    model.controller = controller
    model.run()
    return model


def test_without_players_a_run_is_bit_identical_to_the_model_alone(scenario: Scenario) -> None:
    alone = run(scenario, None)
    hooked = run(scenario, Controller())       # every hook consulted, each returns the rule
    pd.testing.assert_frame_equal(alone.dataframe(), hooked.dataframe(), check_exact=True)
    assert [(e.month, e.kind, e.actor, e.data) for e in alone.events] == [
        (e.month, e.kind, e.actor, e.data) for e in hooked.events]
    assert np.array_equal(alone.trust.key, hooked.trust.key)
    assert np.array_equal(alone.trust.trust, hooked.trust.trust)
    n = len(alone.alliances.a)
    assert n == len(hooked.alliances.a) > 0
    for name in ("a", "b", "kind", "start", "end", "status"):
        assert np.array_equal(getattr(alone.alliances, name)[:n],
                              getattr(hooked.alliances, name)[:n]), name
    assert alone.rng.random() == hooked.rng.random()          # no extra draw anywhere


class Counting(Controller):
    """Records each hook's calls; decides like the model."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}

    def _count(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1

    def mayor_plan(self, model, plan):
        self._count("mayor_plan")
        return super().mayor_plan(model, plan)

    def mission_shares(self, model, catalyst, shares):
        self._count("mission_shares")
        return super().mission_shares(model, catalyst, shares)

    def introductions(self, model, catalyst, first, candidates, ok):
        self._count("introductions")
        assert ok.shape == candidates.shape and len(first) == len(candidates)
        return super().introductions(model, catalyst, first, candidates, ok)

    def experiment_domain(self, model, catalyst, eligible, domain):
        self._count("experiment_domain")
        assert eligible[domain]
        return super().experiment_domain(model, catalyst, eligible, domain)

    def accept_alliances(self, model, a, b, ok):
        self._count("accept_alliances")
        assert a.shape == b.shape == ok.shape
        return super().accept_alliances(model, a, b, ok)


def test_every_hook_is_consulted(scenario: Scenario) -> None:
    counting = Counting()
    run(scenario, counting)
    assert set(counting.calls) == {"mayor_plan", "mission_shares", "introductions",
                                   "experiment_domain", "accept_alliances"}
    assert counting.calls["mayor_plan"] == scenario.steps


class Decides(Controller):
    """A player who holds no meetings, spends all its time on dialogue events, launches no
    experiment and, as a firm, refuses every alliance."""

    def mayor_plan(self, model, plan):
        return np.zeros_like(plan)

    def mission_shares(self, model, catalyst, shares):
        return (1.0, 0.0, 0.0)

    def experiment_domain(self, model, catalyst, eligible, domain):
        return None

    def accept_alliances(self, model, a, b, ok):
        firms = model.orgs.world == ECONOMIC
        return ok & ~firms[a] & ~firms[b]


def test_a_players_decisions_change_what_they_say(scenario: Scenario) -> None:
    model = run(scenario, Decides())
    df = model.dataframe()
    assert (df["meetings"] == 0).all()                        # no mayor convened anything
    assert all(st.introductions == 0 for st in model.catalysts)
    assert df["experiments_launched"].iloc[-1] == 0
    al, firms = model.alliances, model.orgs.world == ECONOMIC
    n = al.size
    played = al.start[:n] >= 1            # alliances of the played months (not the spin-up's)
    a, b = al.a[:n][played], al.b[:n][played]
    assert len(a) > 0 and not (firms[a] | firms[b]).any()
    alone = run(scenario, None)
    assert alone.dataframe()["meetings"].sum() > 0
    assert alone.dataframe()["experiments_launched"].iloc[-1] > 0
