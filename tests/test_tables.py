"""Edge- and commune-level tables agree with the indicators; the network exports and reads back."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

import terrisim
from terrisim import cli
from terrisim.alliances import KINDS, WORLD_PAIR_NAMES
from terrisim.indicators import STAGES
from terrisim.scenario import Scenario
from terrisim.tables import TABLES, parse_tables, run_with_tables


@pytest.fixture(scope="module")
def run(small: Scenario) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    return run_with_tables(small, 5, TABLES)


def test_one_row_per_alliance_formed_agreeing_with_the_indicators(run) -> None:
    df, tables = run
    every, last = tables["alliances"], df.iloc[-1]
    assert every["alliance"].tolist() == list(range(len(every)))
    # alliances inherited from the spin-up start at month 0 or before; the others are the run's
    al = every[every["start"] >= 1]
    assert (every["start"] <= 0).any()
    assert len(al) == last["alliances_formed_total"] > 0
    for kind in KINDS:
        assert (al["kind"] == kind).sum() == last[f"formed_total_{kind}"], kind
    pairs = al["source_world"].astype(str) + "_" + al["target_world"].astype(str)
    for pair in WORLD_PAIR_NAMES:
        a, b = pair.split("_")
        assert ((pairs == f"{a}_{b}") | (pairs == f"{b}_{a}")).sum() == \
            last[f"formed_total_{pair}"], pair
    assert (every["status"] == "active").sum() == last["alliances_active"]
    assert ((every["status"] == "failed") & (every["end"] >= 1)).sum() == \
        last["alliances_failed_total"]
    assert al["pilot"].sum() == last["pilot_projects_total"]
    assert al["catalyst"].notna().sum() == last["alliances_credited_to_catalysts"]
    # every month: alliances formed so far and active then, as the indicators counted them
    for month in (12, 30, int(last["month"])):
        row = df[df["month"] == month].iloc[0]
        assert (al["start"] <= month).sum() == row["alliances_formed_total"]
        active = (every["start"] <= month) & ~(every["end"].fillna(10**6) <= month)
        assert active.sum() == row["alliances_active"], month
    al = every
    # two worlds, ordered partners, ends after starts
    assert (al["source_world"].astype(str) != al["target_world"].astype(str)).all()
    assert (al["source"] < al["target"]).all()
    ended = al["end"].notna()
    assert (al.loc[ended, "end"] >= al.loc[ended, "start"]).all()
    assert al.loc[~ended, "status"].eq("active").all()


def test_commune_rows_agree_with_the_indicators_every_month(run, small: Scenario) -> None:
    df, tables = run
    com = tables["communes"]
    assert len(com) == small.n_communes * (small.steps + 1)
    assert not com.duplicated(["month", "commune"]).any()
    for _, row in df.iterrows():
        month = com[com["month"] == row["month"]]
        for name in STAGES:
            assert (month["stage"] == name).mean() == pytest.approx(row[f"stage_{name}"])
        assert month["first_alliance_month"].notna().mean() == pytest.approx(
            row["communes_with_alliance"])
        assert month["fragility_mean"].mean() == pytest.approx(row["fragility_mean"])
    final = com[com["month"] == small.steps]
    al = tables["alliances"]
    assert final["alliances_formed_need_total"].sum() == len(al)
    # every organisation sits in a commune: communes, firms, associations, and the public bodies
    # (one intercommunality per bassin, a département and its State services per region here)
    bodies = small.n_bassins + 2 * small.n_regions
    assert final["organisations"].sum() == (small.n_communes + small.n_firms
                                            + small.n_associations + bodies)


def test_the_network_from_a_model_a_table_and_files_is_the_same(tmp_path: Path) -> None:
    assert cli.main(["run", "baseline", "--seed", "2", "--steps", "24", "--tables",
                     "alliances", "--out", str(tmp_path), "--quiet"]) == 0
    table = terrisim.read_table(tmp_path, "alliances")
    g = terrisim.alliance_network(tmp_path)
    assert g.number_of_edges() == len(table) > 0
    assert set(g.nodes) == set(table["source"]) | set(table["target"])
    edge = g.edges[int(table["source"][0]), int(table["target"][0]), 0]
    assert edge["kind"] == table["kind"][0] and edge["start"] == table["start"][0]
    assert g.nodes[int(table["source"][0])]["world"] == table["source_world"][0]
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        assert cli.main(["export-network", str(tmp_path), "--format", fmt]) == 0
        back = reader(tmp_path / f"alliances.{fmt}")
        assert (back.number_of_nodes(), back.number_of_edges()) == (g.number_of_nodes(),
                                                                    g.number_of_edges())
    # the network of one month: only the alliances active then
    active = terrisim.alliance_network(table, active_at=12)
    started, ended = table["start"] <= 12, table["end"].fillna(10**6) <= 12
    assert active.number_of_edges() == int((started & ~ended).sum())
    model = terrisim.TerritoryModel(rng=2, scenario=terrisim.load_scenario("baseline"),
                                    steps=24)
    model.run()
    assert terrisim.alliance_network(model).number_of_edges() == len(table)


def test_bad_table_requests_are_one_line_errors(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    assert parse_tables("communes, alliances,") == ("alliances", "communes")
    with pytest.raises(terrisim.UserError, match="unknown table 'edges'; allowed: alliances"):
        parse_tables("edges")
    assert cli.main(["run", "baseline", "--tables", "edges"]) == 2
    assert cli.main(["export-network", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no 'alliances' table" in err and "Traceback" not in err


def test_a_sweep_keeps_each_runs_tables_once(tmp_path: Path, small: Scenario) -> None:
    data = {"experiment": {"name": "t", "scenario": "baseline", "seed": 3, "replications": 2},
            "overrides": {**{k: getattr(small, k) for k in ("width", "height", "n_communes",
                                                            "n_bassins", "n_firms",
                                                            "n_associations")}, "steps": 24},
            "factors": {"n_catalysts": {"values": [0, 2]}},
            "design": {"type": "full_factorial"}, "output": {"every": 12}}
    out = tmp_path / "res"
    summary = terrisim.run_sweep(data, out, serial=True, progress=False,
                                 tables=["alliances", "communes"])
    assert summary.complete
    results = terrisim.read_results(out)
    al = terrisim.read_table(out, "alliances")
    final = results[results["month"] == 24].set_index("run_id")
    formed = al[al["start"] >= 1]                 # the run's own (not inherited) alliances
    assert formed.groupby("run_id").size().to_dict() == \
        final["alliances_formed_total"].to_dict()
    com = terrisim.read_table(out, "communes")
    assert sorted(com["month"].unique()) == [0, 12, 24]      # the experiment's kept months
    assert len(com) == 4 * 3 * small.n_communes
    # one run's table equals the same run made alone
    run_id = int(final.index[-1])   # (one column at a time: a row would turn seeds to floats)
    scenario = terrisim.load_scenario("baseline").replace(
        **data["overrides"], n_catalysts=int(final["n_catalysts"].iloc[-1]))
    _, alone = run_with_tables(scenario, int(final["seed"].iloc[-1]), ["alliances"])
    one = terrisim.read_table(out, "alliances", run_id=run_id)
    pd.testing.assert_frame_equal(one.drop(columns=["run_id", "seed"]), alone["alliances"],
                                  check_dtype=False, check_categorical=False)
    # a chunk written twice (a run redone after a kill) is read once
    part = sorted((out / "tables" / "alliances").glob("part-*.parquet"))[0]
    (part.parent / "part-000000000-1.parquet").write_bytes(part.read_bytes())
    assert len(terrisim.read_table(out, "alliances")) == len(al)
    assert terrisim.alliance_network(out, run_id=0).graph["run_id"] == 0
    with pytest.raises(terrisim.UserError, match="choose one with run_id"):
        terrisim.alliance_network(out)
