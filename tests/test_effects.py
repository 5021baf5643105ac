"""``terrisim effect``: paired runs with common random numbers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from terrisim import cli
from terrisim.effects import effect, paired_differences, run_many
from terrisim.scenario import Scenario
from terrisim.sweep.executors import ExecutorSpec

from .conftest import SCENARIOS

INDICATORS = ["alliances_formed_total", "firms_partnered", "mean_trust"]


@pytest.fixture(scope="module")
def tiny(baseline: Scenario) -> Scenario:
    return baseline.replace(name="tiny", width=16, height=16, n_communes=4, n_bassins=2,
                            n_firms=80, n_associations=30, steps=24)


@pytest.fixture(scope="module")
def trust_effect(tiny: Scenario) -> pd.DataFrame:
    return effect(tiny, "trust_building_time", [6, 48], replications=5, at=[12, 24], seed=11,
                  indicators=INDICATORS, spec=ExecutorSpec("serial"))


def test_slower_trust_building_has_an_effect_whose_interval_excludes_zero(
        trust_effect: pd.DataFrame) -> None:
    t = trust_effect.set_index(["indicator", "month"])
    assert set(t.index) == {(i, m) for i in INDICATORS for m in (12, 24)}
    row = t.loc[("alliances_formed_total", 24)]
    assert row["pairs"] == 5 and row["from"] == 6 and row["to"] == 48
    assert row["high"] < 0 and row["excludes_zero"]          # slower trust: fewer alliances
    assert row["low"] < row["difference"] < row["high"]
    assert row["difference"] == pytest.approx(row["mean_to"] - row["mean_from"])


def test_effect_is_reproducible_and_independent_of_the_back_end(
        tiny: Scenario, trust_effect: pd.DataFrame) -> None:
    again = effect(tiny, "trust_building_time", [6, 48], replications=5, at=[12, 24], seed=11,
                   indicators=INDICATORS, spec=ExecutorSpec("local", workers=2))
    pd.testing.assert_frame_equal(again, trust_effect)
    other = effect(tiny, "trust_building_time", [6, 48], replications=5, at=[12, 24], seed=12,
                   indicators=INDICATORS, spec=ExecutorSpec("serial"))
    assert not other["difference"].equals(trust_effect["difference"])


def test_pairs_share_their_seed(tiny: Scenario) -> None:
    df = run_many(tiny, [({"n_catalysts": n}, s) for s in (3, 4) for n in (0, 2)], [6],
                  ["alliances_formed_total"], ExecutorSpec("serial"))
    assert list(df["seed"]) == [3, 3, 4, 4] and list(df["n_catalysts"]) == [0, 2, 0, 2]
    d = paired_differences(df, "n_catalysts", ["alliances_formed_total"])
    v = df["alliances_formed_total"].to_numpy()
    assert d["difference"].iloc[0] == pytest.approx(((v[1] - v[0]) + (v[3] - v[2])) / 2)
    assert d["low"].isna().all()          # two pairs: no interval (guard-rail)


def test_effect_command_on_a_dask_cluster_writes_its_csv(tiny: Scenario, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from distributed import LocalCluster

    path = tmp_path / "tiny.toml"
    path.write_text(tiny.to_toml())
    out = tmp_path / "effect.csv"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code = cli.main(["effect", str(path), "--factor", "trust_building_time=6,48",
                         "--replications", "3", "--at", "12,24", "--seed", "11", "--indicators",
                         ",".join(INDICATORS), "--scheduler", cluster.scheduler_address,
                         "--out", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert "alliances_formed_total" in printed and "excludes 0" in printed
    t = pd.read_csv(out)
    assert len(t) == 6 and (t["pairs"] == 3).all()


@pytest.mark.parametrize(("argv", "message"), [
    (["--factor", "n_catalyst=0,3"], "unknown parameter 'n_catalyst'"),
    (["--factor", "n_catalysts=3"], "at least two distinct levels"),
    (["--factor", "n_catalysts"], "NAME=A,B"),
    (["--factor", "n_catalysts=0,3", "--at", "x"], "--at must be months"),
    (["--factor", "n_catalysts=0,3", "--indicators", "nope"], "unknown indicator 'nope'"),
])
def test_bad_options_are_one_line_errors(argv: list[str], message: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["effect", str(SCENARIOS / "baseline.toml"), *argv, "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_a_switch_is_a_factor_like_any_other(tiny: Scenario) -> None:
    """Boolean levels (a mechanism off and on) are columns, not a mask over them."""
    d = effect(tiny, "fragility_feedback", [False, True], replications=3, seed=5,
               indicators=["firms_partnered"], spec=ExecutorSpec("serial"))
    assert len(d) == 1
    row = d.iloc[0]
    assert not row["from"] and row["to"] and row["pairs"] == 3
    assert row["difference"] == pytest.approx(row["mean_to"] - row["mean_from"])
