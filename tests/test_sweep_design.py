"""Designs: row counts for every design type, factor values within their ranges, and seeds that
are distinct, reproducible from the file alone and equal to SeedSequence(master).spawn(n)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from terrisim.sweep.design import build_design, design_size, run_seed, run_seeds
from terrisim.sweep.experiment import load_experiment

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


def write(tmp_path: Path, factors: str, design: str, replications: int = 1, seed: int = 11,
          name: str = "exp") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f"""
[experiment]
scenario = "{BASELINE}"
replications = {replications}
seed = {seed}

[factors]
{factors}

[design]
{design}
""")
    return path


SAMPLED = """
n_catalysts = { range = [0, 10] }
trust_building_time = { distribution = "loguniform", range = [6, 96] }
formation_rate = { distribution = "normal", mean = 0.25, sd = 0.1, range = [0.05, 0.6] }
catalyst_days = { distribution = "triangular", range = [2, 22], mode = 12 }
catalyst_origin = { values = ["public", "economic", "academic"] }
"""


def test_full_factorial_crosses_every_level(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, """
n_catalysts = [0, 2, 4]
trust_building_time = { range = [6, 90], levels = 8 }
operator_drift = [false, true]
""", 'type = "full_factorial"', replications=5))
    d = build_design(exp)
    assert d.n_points == 3 * 8 * 2 == design_size(exp)
    assert d.n_runs == 3 * 8 * 2 * 5
    assert len(d.points.drop_duplicates()) == d.n_points
    assert sorted(d.points["trust_building_time"].unique()) == [6, 18, 30, 42, 54, 66, 78, 90]
    assert d.points["n_catalysts"].dtype == np.int64
    assert d.points["operator_drift"].dtype == bool
    plan = d.runs()
    assert list(plan["run_id"]) == list(range(d.n_runs))
    assert (plan.groupby("point")["replication"].apply(list)
            == plan.groupby("point")["replication"].apply(lambda _: list(range(5)))).all()


@pytest.mark.parametrize(("design", "expected"), [
    ('type = "latin_hypercube"\nsamples = 37', 37),
    ('type = "sobol"\nsamples = 16', 16 * (5 + 2)),
    ('type = "sobol"\nsamples = 16\nsecond_order = true', 16 * (2 * 5 + 2)),
    ('type = "morris"\ntrajectories = 6\nlevels = 4', 6 * (5 + 1)),
])
def test_sampled_design_sizes_and_ranges(tmp_path: Path, design: str, expected: int) -> None:
    exp = load_experiment(write(tmp_path, SAMPLED, design, replications=3))
    d = build_design(exp)
    assert d.n_points == expected == design_size(exp)
    assert d.n_runs == expected * 3
    assert d.unit is not None and d.unit.shape == (expected, 5)
    p = d.points
    assert p["n_catalysts"].between(0, 10).all() and p["n_catalysts"].dtype == np.int64
    assert p["trust_building_time"].between(6, 96).all()
    assert p["formation_rate"].between(0.05, 0.6).all()
    assert p["catalyst_days"].between(2, 22).all()
    assert set(p["catalyst_origin"]) <= {"public", "economic", "academic"}
    # the same file gives the same design
    again = build_design(load_experiment(exp.path))
    assert np.array_equal(again.unit, d.unit)
    assert again.points.equals(d.points)


def test_latin_hypercube_stratifies_each_factor(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, SAMPLED, 'type = "latin_hypercube"\nsamples = 20'))
    unit = build_design(exp).unit
    assert unit is not None
    for col in unit.T:   # one sample in each of the 20 equal strata
        assert sorted((col * 20).astype(int)) == list(range(20))


def test_seeds_are_spawned_from_the_master_seed(tmp_path: Path) -> None:
    exp = load_experiment(write(tmp_path, "n_catalysts = [0, 1, 2, 3]", 'type = "full_factorial"',
                                replications=25, seed=2026))
    d = build_design(exp)
    seeds = d.runs()["seed"].to_numpy()
    assert len(seeds) == 100 and len(set(seeds)) == 100            # distinct
    children = np.random.SeedSequence(2026).spawn(100)
    expected = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    assert list(seeds) == expected                                  # SeedSequence(master).spawn
    assert list(run_seeds(2026, [7, 42])) == [expected[7], expected[42]]
    assert run_seed(2026, 99) == expected[99]                       # from the run id alone
    assert (seeds >= 0).all()
    other = build_design(load_experiment(write(tmp_path, "n_catalysts = [0, 1, 2, 3]",
                                               'type = "full_factorial"', replications=25,
                                               seed=2027, name="other")))
    assert not set(other.runs()["seed"]) & set(seeds)             # another master, other seeds


def test_design_sample_does_not_depend_on_replications(tmp_path: Path) -> None:
    """More replications add runs; they do not move the design points."""
    a = build_design(load_experiment(write(tmp_path, SAMPLED, 'type = "latin_hypercube"\n'
                                           'samples = 10', replications=1, name="a")))
    b = build_design(load_experiment(write(tmp_path, SAMPLED, 'type = "latin_hypercube"\n'
                                           'samples = 10', replications=4, name="b")))
    assert a.points.equals(b.points)
    assert list(b.runs()["seed"][:1]) == list(a.runs()["seed"][:1])
