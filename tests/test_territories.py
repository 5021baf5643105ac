"""Real French territories: the builder reproduces the administrative data, lays communes out
contiguously, is reproducible, rejects unknown codes clearly and runs end to end."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import ndimage

from terrisim.geography.build import ENTERPRISES_2017, real_layout, select
from terrisim.geography.data import package_dir
from terrisim.geography.layout import partition
from terrisim.model import TerritoryModel
from terrisim.scenario import Scenario, ScenarioError

SMALL = "90"      # Territoire de Belfort: about a hundred communes, three EPCI


def raw_communes(dep: str) -> list[dict]:
    """The département's current communes read straight from the package's JSON."""
    path = package_dir("decoupage") / "data" / "communes.json"
    return [c for c in json.loads(path.read_text(encoding="utf-8"))
            if c["departement"] == dep and c["type"] == "commune-actuelle"]


def small(**kw) -> Scenario:
    return Scenario(territory=f"departement:{SMALL}", cell_km=1.0, n_catalysts=1,
                    n_tiers_lieux=3, **kw)


def test_small_departement_reproduces_communes_and_population():
    raw = raw_communes(SMALL)
    model = TerritoryModel(scenario=small(), rng=1)
    t = model.territory
    assert t.n_communes == len(raw) == model.params.n_communes
    assert sorted(t.real.code.tolist()) == sorted(c["code"] for c in raw)
    assert int(t.real.population.sum()) == sum(c["population"] for c in raw)
    # every commune has its mayor and at least one cell; no cell of another département
    assert len(model.agents_by_type[next(iter(model.agents_by_type))]) > 0
    cells = np.bincount(t.commune_of_cell[t.commune_of_cell >= 0], minlength=t.n_communes)
    assert cells.min() >= 1
    assert set(t.real.departement_codes) == {SMALL}


def test_epci_members_and_communes_are_contiguous():
    lay = real_layout("departement:63", 1.0)
    lab = lay.commune_of_cell
    assert len(set(lay.epci.tolist())) > 5
    for blocks, n in ((lab, lay.n_communes),
                      (np.where(lab >= 0, lay.epci[np.maximum(lab, 0)], -1),
                       len(lay.epci_codes))):
        for k, sl in enumerate(ndimage.find_objects(blocks + 1)[:n]):
            assert sl is not None
            _, pieces = ndimage.label(blocks[sl] == k)   # 4-connectivity (von Neumann)
            assert pieces == 1
    # the département itself is one piece
    assert ndimage.label(lab >= 0)[1] == 1


def test_areas_follow_population():
    lay = real_layout("departement:63", 1.0)
    cells = np.bincount(lay.commune_of_cell[lay.commune_of_cell >= 0])
    big = lay.population >= np.quantile(lay.population, 0.9)
    assert cells[big].mean() > 1.5 * cells[~big].mean()
    assert lay.name[np.argmax(cells)] == lay.name[np.argmax(lay.population)]


def test_same_departement_and_seed_give_identical_territories():
    a = TerritoryModel(scenario=small(), rng=5)
    b = TerritoryModel(scenario=small(), rng=5)
    c = TerritoryModel(scenario=small(), rng=6)
    for name in ("commune_of_cell", "centres", "bassin", "epci", "departement", "mountain",
                 "tiers_lieux", "fragility_base"):
        assert np.array_equal(getattr(a.territory, name), getattr(b.territory, name)), name
    assert np.array_equal(a.orgs.commune, b.orgs.commune)
    assert np.array_equal(a.territory.commune_of_cell, c.territory.commune_of_cell)
    assert not np.array_equal(a.territory.fragility_base, c.territory.fragility_base)


def test_organisations_follow_population_with_national_ratios():
    s = small()
    pop = sum(c["population"] for c in raw_communes(SMALL))
    everyone = select("france").population
    assert s.n_firms == round(sum(ENTERPRISES_2017.values()) * pop / everyone)
    model = TerritoryModel(scenario=s, rng=2)
    t, orgs = model.territory, model.orgs
    firms = np.bincount(orgs.commune[orgs.is_firm], minlength=t.n_communes)
    share = t.real.population / t.real.population.sum()
    big = np.argmax(share)
    assert abs(firms[big] / firms.sum() - share[big]) < 0.03
    assert np.corrcoef(firms, share)[0, 1] > 0.95


@pytest.mark.parametrize("spec, needle", [
    ("departement:6x", "close matches"),
    ("departement:Puy de dome", None),
    ("region:Ocitanie", "76 (Occitanie)"),
    ("epci:123", "unknown EPCI '123'"),
    ("canton:12", "allowed: departement"),
])
def test_unknown_codes_are_rejected_with_close_matches(spec, needle):
    if needle is None:   # a name up to case and accents is accepted
        assert Scenario(territory=spec).territory == "departement:63"
        return
    with pytest.raises(ScenarioError) as err:
        Scenario(territory=spec)
    assert "territory" in str(err.value) and needle in str(err.value)
    assert "\n" not in str(err.value)


def test_territory_command_rejects_unknown_code_on_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "terrisim.cli", "territory", "--departement",
                          "999", "--out", str(tmp_path / "x.toml")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "unknown département '999'" in out.stderr
    assert not (tmp_path / "x.toml").exists()


def test_partition_keeps_blocks_contiguous_on_an_irregular_region():
    grid = np.zeros((30, 30), dtype=bool)
    grid[:, :6] = grid[:6, :] = grid[24:, :] = True          # a U shape
    cells = np.argwhere(grid)
    weights = np.array([1.0, 5.0, 2.0, 2.0, 8.0, 1.0, 3.0])
    blocks = partition(cells, weights)
    assert sum(len(b) for b in blocks) == len(cells)
    for b in blocks:
        local = np.zeros_like(grid)
        local[b[:, 0], b[:, 1]] = True
        assert ndimage.label(local)[1] == 1
    sizes = np.array([len(b) for b in blocks])
    assert np.all(np.abs(sizes / sizes.sum() - weights / weights.sum()) < 0.08)


def test_small_real_territory_runs_end_to_end(tmp_path):
    scenario = tmp_path / "belfort.toml"
    run = [sys.executable, "-m", "terrisim.cli"]
    made = subprocess.run([*run, "territory", "--departement", SMALL, "--out", str(scenario)],
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    assert 'territory = "departement:90"' in scenario.read_text()
    done = subprocess.run([*run, "run", str(scenario), "--steps", "12", "--quiet", "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    import pandas as pd

    df = pd.read_parquet(tmp_path / "out" / "indicators.parquet")
    assert len(df) == 13 and df["alliances_formed_total"].iloc[-1] > 0


def test_scenario_too_big_for_memory_is_refused_before_allocating(monkeypatch):
    import resource
    import time

    from terrisim.memory import LIMIT_ENV as ENV_LIMIT
    from terrisim.memory import MemoryLimitError as MemoryRefused
    from terrisim.memory import estimate_run_bytes

    france = Scenario(territory="france", cell_km=1.0, n_catalysts=350)
    assert estimate_run_bytes(france) > 4e9
    monkeypatch.setenv(ENV_LIMIT, "4GB")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(MemoryRefused) as err:
        TerritoryModel(scenario=france, rng=1)
    assert time.perf_counter() - start < 2.0
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 200_000          # nothing of the 5 million organisations was built
    msg = str(err.value)
    assert "france" in msg and "GB" in msg and ENV_LIMIT in msg and "\n" not in msg
    # the same limit lets a small territory through
    TerritoryModel(scenario=small(), rng=1)


def test_outputs_by_departement_region_and_commune(tmp_path):
    from terrisim.geography.outputs import AreaRecorder
    from terrisim.simulate import run_simulation

    s = Scenario(territory="departement:90,25", cell_km=1.0, n_catalysts=1, n_tiers_lieux=2,
                 steps=12)
    recorder = AreaRecorder(s, "firms_partnered")
    df = run_simulation(s, seed=3, observe=recorder)
    paths = recorder.write(tmp_path, s, 3)
    import pandas as pd

    areas = pd.read_parquet(paths["areas"])
    assert set(areas["month"]) == {0, 12}
    last = areas[areas["month"] == 12].set_index(["level", "code", "indicator"])["value"]
    region = last[("region", "27", "firms_partnered")]   # Bourgogne-Franche-Comté holds both
    assert region == pytest.approx(df["firms_partnered"].iloc[-1])
    communes = pd.read_parquet(paths["communes"])
    assert len(communes) == s.n_communes
    deps = communes.groupby("departement")["population"].sum()
    assert set(deps.index) == {"25", "90"}
    # a département's share is over its firms: weight communes by their firms to get it back
    assert 0 < last[("departement", "90", "firms_partnered")] < 1
    assert paths["map"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
