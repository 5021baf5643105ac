"""The model as a whole: reproducibility, invariants of the rules, every scenario file runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from terrisim.memory import estimate_run_bytes
from terrisim.model import TerritoryModel
from terrisim.organisations import ECONOMIC
from terrisim.scenario import Scenario, load_scenario
from terrisim.simulate import run_simulation
from terrisim.territory import reduce_fragility, relax_fragility

from .conftest import SCENARIOS


def test_same_seed_gives_identical_indicators(small: Scenario) -> None:
    a = run_simulation(small, seed=7)
    b = run_simulation(small, seed=7)
    pd.testing.assert_frame_equal(a, b)


def test_different_seeds_differ(small: Scenario) -> None:
    a = run_simulation(small, seed=7)
    b = run_simulation(small, seed=8)
    assert not a.drop(columns="seed").equals(b.drop(columns="seed"))
    assert a["alliances_formed_total"].iloc[-1] != b["alliances_formed_total"].iloc[-1] or \
        a["encounters"].sum() != b["encounters"].sum()


SCENARIO_FILES = sorted(SCENARIOS.rglob("*.toml"))
#: Scenario files above this many organisations are only loaded and estimated here.
LARGE = 100_000


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_scenario_file_runs(path: Path) -> None:
    scenario = load_scenario(path)
    if scenario.n_firms + scenario.n_associations > LARGE:   # France, the Massif Central at
        assert estimate_run_bytes(scenario) > 2e8     # 1:1: the benchmarks run them; they load
        return
    df = run_simulation(scenario.replace(steps=12), seed=1)
    assert len(df) == 13 and df["month"].tolist() == list(range(13))
    assert np.isfinite(df["alliances_active"]).all()
    shares = df[["stage_none", "stage_emerging", "stage_growing", "stage_anchored"]].sum(axis=1)
    assert np.allclose(shares, 1.0)


class Watched(TerritoryModel):
    """The real model, recording what every alliance formation saw (no behaviour changed)."""

    def form_alliances(self, a, b, rows, domain, commune, pilot=False, catalyst=-1, until=None):
        self.seen_trust = getattr(self, "seen_trust", [])
        self.seen_trust.append(self.trust.trust[rows].copy())
        self.seen_worlds = getattr(self, "seen_worlds", [])
        self.seen_worlds.append((self.orgs.world[a].copy(), self.orgs.world[b].copy()))
        return super().form_alliances(a, b, rows, domain, commune, pilot, catalyst, until)


def test_invariants_hold_every_month(small: Scenario) -> None:
    m = Watched(scenario=small, rng=3)
    ladder0 = m.orgs.ladder.copy()
    prev = ladder0.copy()
    promotions = 0
    for _ in range(small.steps):
        m.step()
        o = m.orgs
        assert np.all(o.active <= o.capacity)                       # capacity respected
        assert np.all(o.active >= 0)
        al = m.alliances
        ids = al.active_ids()
        assert np.all(o.world[al.a[ids]] != o.world[al.b[ids]])     # always cross-sector
        assert np.all((m.trust.trust >= 0) & (m.trust.trust <= 1))  # trust bounded
        assert np.all(o.ladder >= prev)                             # ladder never moves down
        assert np.all(o.ladder[o.world == ECONOMIC] - prev[o.world == ECONOMIC] <= 3)
        prev = o.ladder.copy()
        promotions += int(m.indicators["promoted_by_event"] + m.indicators["promoted_by_workshop"]
                          + m.indicators["promoted_by_project"])
    # no alliance ever formed below the threshold, nor within a world
    seen = np.concatenate(m.seen_trust)
    assert len(seen) > 0 and np.all(seen >= small.alliance_threshold)
    for wa, wb in m.seen_worlds:
        assert np.all(wa != wb)
    # every rung climbed has a recorded cause (event, workshop or project), one rung per cause
    firms = m.orgs.world == ECONOMIC
    assert promotions == int((m.orgs.ladder[firms] - ladder0[firms]).sum())


def test_ladder_does_not_move_without_its_causes(small: Scenario) -> None:
    quiet = small.replace(n_catalysts=0, meeting_rate=0.0, dialogue_rate=0.0, formation_rate=0.0)
    m = TerritoryModel(scenario=quiet, rng=5)
    m.run()
    assert m.alliances.size == 0
    assert np.all(m.orgs.ladder[m.orgs.world == ECONOMIC] == 0)


def test_trust_memory_grows_with_relationships_not_pairs(baseline: Scenario) -> None:
    m = TerritoryModel(scenario=baseline.replace(steps=24), rng=1)
    m.run()
    n = m.orgs.n
    assert len(m.trust) < 0.02 * n * (n - 1) / 2
    assert m.trust.nbytes < 64 * len(m.trust)


def test_alliances_relieve_fragility_which_relapses_without_them(small: Scenario) -> None:
    t = TerritoryModel(scenario=small, rng=2).territory
    before = t.fragility.copy()
    reduce_fragility(t, np.array([0, 0, 1]), np.array([3, 3, 5]), 0.1)
    assert t.fragility[0, 3] == pytest.approx(max(0.0, before[0, 3] - 0.2))
    assert t.fragility[1, 5] == pytest.approx(max(0.0, before[1, 5] - 0.1))
    assert np.all(t.fragility >= 0)
    low = t.fragility.copy()
    relax_fragility(t, 0.5)
    assert np.all(t.fragility >= low - 1e-12)
    assert np.all(np.abs(t.fragility - t.fragility_base) <= np.abs(low - t.fragility_base) + 1e-12)


def test_mountains_slow_and_tiers_lieux_raise_encounters(small: Scenario) -> None:
    def encounters(s: Scenario) -> float:
        return run_simulation(s.replace(steps=12, n_catalysts=0), seed=4)["encounters"].sum()

    flat = small.replace(mountain_share=0.6, mountain_accessibility=0.2, terrain=False,
                         n_tiers_lieux=0)
    hills = flat.replace(terrain=True)
    assert encounters(hills) < 0.8 * encounters(flat)
    places = flat.replace(n_tiers_lieux=4, tiers_lieu_visit_rate=0.5)
    assert encounters(places) > encounters(flat)


def test_operator_drift_takes_time_from_animation(baseline: Scenario) -> None:
    s = baseline.replace(steps=96)
    plain = run_simulation(s, seed=11)
    drift = run_simulation(s.replace(operator_drift=True, drift_probability=1.0), seed=11)
    assert plain["catalyst_days_operating"].sum() == 0
    assert drift["catalyst_days_operating"].sum() > 0
    assert drift["catalyst_days_animation"].sum() < plain["catalyst_days_animation"].sum()


def test_a_catalyst_without_sustainable_funding_stops(baseline: Scenario) -> None:
    impatient = baseline.replace(steps=36, funding_horizon=12, funder_expectation=1000.0)
    df = run_simulation(impatient, seed=1)
    assert df["catalysts_active"].iloc[0] == baseline.n_catalysts
    assert df["catalysts_active"].iloc[-1] == 0
    patient = run_simulation(baseline.replace(steps=36, funder_expectation=0.0), seed=1)
    assert patient["catalysts_active"].iloc[-1] == baseline.n_catalysts


def test_event_log_tells_the_catalysts_programme(small: Scenario) -> None:
    """The narrative log records each catalyst's programme in order, with the fields of its
    kind, and each commune's first alliance once."""
    from terrisim.events import KINDS

    m = TerritoryModel(scenario=small, rng=4)
    m.run()
    events = list(m.events)
    assert events and all(set(e.data) == set(KINDS[e.kind]) for e in events)
    assert [e.month for e in events] == sorted(e.month for e in events)
    firsts = [e.actor for e in m.events.of("first_alliance")]
    assert len(firsts) == len(set(firsts))
    assert len(firsts) == round(m.indicators["communes_with_alliance"] * m.territory.n_communes)
    for st in m.catalysts:
        mine = [e.kind for e in events if e.actor == st.number and e.kind in
                ("catalyst_started", "listening_done", "experiment_launched")]
        if "experiment_launched" in mine:
            assert mine.index("listening_done") < mine.index("experiment_launched")
        events_held = [e for e in m.events.of("dialogue_event") if e.actor == st.number]
        assert len(events_held) == st.events_held
