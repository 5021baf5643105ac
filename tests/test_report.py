"""``terrisim report`` on a real quick sweep: the files exist, figures are real images, the HTML
is self-contained, and every number checked here is recomputed from the Parquet data."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from terrisim import cli
from terrisim.indicators import SURVEY_STAGE_SHARES
from terrisim.report.build import build_report
from terrisim.sweep.engine import run_sweep
from terrisim.sweep.executors import ExecutorSpec
from terrisim.sweep.experiment import load_experiment
from terrisim.sweep.storage import read_results

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """experiments/quick.toml run by the command, then reported by the command."""
    out = tmp_path_factory.mktemp("quick")
    assert cli.main(["sweep", str(ROOT / "experiments" / "quick.toml"), "--out", str(out),
                     "--quiet"]) == 0
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert cli.main(["report", str(out)]) == 0
    return out, buf.getvalue()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def final_rows(out: Path) -> pd.DataFrame:
    df = read_results(out)
    return df[df["month"] == df.groupby("run_id")["month"].transform("max")]


def test_report_files_exist_and_figures_are_real(quick: tuple[Path, str]) -> None:
    out, _ = quick
    rep = out / "report"
    expected = ["heatmap_alliances_formed_total.png", "response_curves.png",
                "time_to_first_alliance.png", "commune_stages.png", "effects.png"]
    for name in expected:
        path = rep / name
        assert path.stat().st_size > 20_000, name
        w, h = png_size(path)
        assert w >= 800 and h >= 500, (name, w, h)
    html = (rep / "report.html").read_text()
    pngs = sorted(rep.glob("*.png"))
    assert html.count("data:image/png;base64,") == len(pngs)
    assert "http://" not in html and "https://" not in html and "<script" not in html
    for word in ("Key findings", "95 % CI", "Failures", "quick", "SeedSequence"):
        assert word in html


def test_report_numbers_match_the_parquet_data(quick: tuple[Path, str]) -> None:
    out, terminal = quick
    rep = out / "report"
    fin = final_rows(out)
    assert len(fin) == 48 and (fin["month"] == 48).all()

    # per design point: n, mean and t interval
    points = pd.read_csv(rep / "points.csv")
    o = "alliances_formed_total"
    for _, row in points.iterrows():
        vals = fin.loc[fin["point"] == row["point"], o].to_numpy()
        assert row["n"] == len(vals) == 3
        assert row[f"{o}_mean"] == pytest.approx(vals.mean())
        half = stats.t.ppf(0.975, 2) * vals.std(ddof=1) / np.sqrt(3)
        assert row[f"{o}_low"] == pytest.approx(vals.mean() - half)
        assert row[f"{o}_high"] == pytest.approx(vals.mean() + half)

    # the heatmap grid
    grid = pd.read_csv(rep / "grid.csv")
    means = fin.groupby(["n_catalysts", "trust_building_time"])["firms_partnered"].mean()
    assert len(grid) == 16
    for _, row in grid.iterrows():
        key = (row["n_catalysts"], row["trust_building_time"])
        assert row["firms_partnered_mean"] == pytest.approx(means[key])

    # the terminal table shows the same grid (alliances formed, rounded)
    from terrisim.report.labels import fmt

    cell = grid[(grid["n_catalysts"] == 4) & (grid["trust_building_time"] == 6)].iloc[0]
    assert fmt(cell[f"{o}_mean"], o) in terminal
    assert "Effect per SD of each factor" in terminal

    # commune stages against the survey (month 72 is not simulated: the final month is used)
    st = pd.read_csv(rep / "stages.csv")
    for _, row in st.iterrows():
        sel = fin[(fin["n_catalysts"] == row["n_catalysts"])
                  & (fin["trust_building_time"] == row["trust_building_time"])]
        gaps = []
        for s in ("anchored", "growing", "emerging", "none"):
            assert row[f"stage_{s}_mean"] == pytest.approx(sel[f"stage_{s}"].mean())
            assert row[f"stage_{s}_survey"] == SURVEY_STAGE_SHARES[s]
            gaps.append(abs(sel[f"stage_{s}"].mean() - SURVEY_STAGE_SHARES[s]))
        assert row["distance"] == pytest.approx(100 * np.mean(gaps))

    # effects: OLS on standardised factors with their interaction
    eff = pd.read_csv(rep / "effects.csv")
    eff = eff[eff["outcome"] == o].set_index("term")
    x1, x2 = (fin[c].astype(float) for c in ("n_catalysts", "trust_building_time"))
    z1, z2 = (x1 - x1.mean()) / x1.std(ddof=0), (x2 - x2.mean()) / x2.std(ddof=0)
    X = np.column_stack([np.ones(len(fin)), z1, z2, z1 * z2])
    beta, *_ = np.linalg.lstsq(X, fin[o].to_numpy(), rcond=None)
    assert eff.loc["n_catalysts", "coef"] == pytest.approx(beta[1])
    assert eff.loc["trust_building_time", "coef"] == pytest.approx(beta[2])
    assert eff.loc["n_catalysts × trust_building_time", "coef"] == pytest.approx(beta[3])
    assert eff.loc["trust_building_time", "per_unit"] == pytest.approx(beta[2] / x2.std(ddof=0))
    for term, r in eff.iterrows():
        assert r["low"] < r["coef"] < r["high"], term


def _sensitivity_experiment(tmp_path: Path, design: str) -> Path:
    path = tmp_path / "sens.toml"
    path.write_text(f"""
[experiment]
name = "sens"
scenario = "{BASELINE}"
replications = 2
seed = 4

[overrides]
width = 16
height = 16
n_communes = 4
n_bassins = 2
n_firms = 80
n_associations = 30
steps = 18

[factors]
trust_building_time = {{ range = [6, 48] }}
n_catalysts = {{ range = [0, 3] }}
formation_rate = {{ range = [0.05, 0.5] }}

[design]
{design}

[output]
indicators = ["alliances_formed_total", "firms_partnered"]
""")
    return path


@pytest.mark.parametrize(("design", "kind"), [('type = "sobol"\nsamples = 8', "sobol"),
                                              ('type = "morris"\ntrajectories = 6', "morris")])
def test_sensitivity_indices_from_the_data(tmp_path: Path, design: str, kind: str) -> None:
    exp = load_experiment(_sensitivity_experiment(tmp_path, design))
    out = tmp_path / "out"
    run_sweep(exp, out, ExecutorSpec("serial"), progress=False)
    rep = build_report(out)
    table = pd.read_csv(rep.out / f"{kind}.csv")
    assert set(table["factor"]) == {"trust_building_time", "n_catalysts", "formation_rate"}
    assert (rep.out / f"{kind}.png").stat().st_size > 20_000
    assert f"{kind.capitalize()} indices" in rep.terminal

    # recompute from the Parquet data: mean over replications per design point, then SALib
    from SALib.analyze import morris, sobol

    from terrisim.sweep.design import build_design, salib_problem

    fin = final_rows(out)
    y = fin.groupby("point")["alliances_formed_total"].mean().to_numpy()
    problem = salib_problem(exp.factor_names)
    mine = table[table["outcome"] == "alliances_formed_total"].set_index("factor")
    if kind == "sobol":
        ref = sobol.analyze(problem, y, calc_second_order=False, num_resamples=1000, seed=4)
        assert list(mine.loc[list(exp.factor_names), "ST"]) == pytest.approx(list(ref["ST"]))
        assert list(mine.loc[list(exp.factor_names), "S1"]) == pytest.approx(list(ref["S1"]))
        assert (mine["ST_conf"] > 0).all()
    else:
        unit = build_design(exp).unit
        ref = morris.analyze(problem, unit, y, num_resamples=1000, num_levels=4, seed=4)
        assert list(mine.loc[list(exp.factor_names), "mu_star"]) == pytest.approx(
            list(ref["mu_star"]))
        assert (mine["mu_star_conf"] >= 0).all()


def test_report_without_argument_uses_the_latest_sweep(quick: tuple[Path, str], tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out, _ = quick
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "quick").symlink_to(out, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", "--out", str(tmp_path / "rep")]) == 0
    assert "reporting on results/quick" in capsys.readouterr().out
    assert (tmp_path / "rep" / "report.html").exists()
