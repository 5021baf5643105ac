"""ABC-SMC calibration: synthetic-truth recovery, resume after a real kill -9, outputs."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from terrisim import cli
from terrisim.inference import abc
from terrisim.inference.posterior import read_posterior, weighted_quantile, write_defaults
from terrisim.scenario import load_scenario
from terrisim.simulate import run_simulation

from .conftest import ROOT, SCENARIOS

TRUTH = {"trust_building_time": 20.0}
INDICATORS = ("firms_partnered", "associations_partnered", "firms_with_association_partner")


def _write_case(tmp: Path) -> Path:
    """A tiny territory, targets simulated at known parameter values, an ABC experiment."""
    (tmp / "tiny.toml").write_text(f"""base = "{SCENARIOS / 'baseline.toml'}"
name = "tiny"
[simulation]
steps = 18
spinup_months = 12
[territory]
width = 16
height = 16
n_communes = 4
n_bassins = 2
[actors]
n_firms = 80
n_associations = 30
""")
    truth = load_scenario(tmp / "tiny.toml").replace(**TRUTH)
    runs = [run_simulation(truth, 7000 + k) for k in range(6)]
    entries = []
    for ind in INDICATORS:
        target = float(np.mean([r.loc[r["month"] == 18, ind].iloc[0] for r in runs]))
        entries.append(f'[[pattern]]\nid = "{ind}"\nlabel = "{ind}"\nlabel_fr = "{ind}"\n'
                       f'source = "synthetic truth"\nindicator = "{ind}"\ntarget = {target}\n'
                       f'tolerance = 0.05\nunit = "share"\ndate = "2011-07"\n')
    (tmp / "targets.toml").write_text("\n".join(entries))
    path = tmp / "abc.toml"
    path.write_text("""[experiment]
name = "synthetic"
scenario = "tiny.toml"
replications = 2
seed = 5
[factors]
trust_building_time = { range = [4, 60] }   # identified by the partnership shares
encounter_rate = { range = [0.1, 0.6] }     # weakly identified at this size
[abc]
population = 24
generations = 3
min_epsilon = 0.2
targets = "targets.toml"
ppc_draws = 8
""")
    return path


def _generations(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=1) as con:
            return con.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Start the calibration, kill -9 it after its first generation, resume it to the end."""
    tmp = tmp_path_factory.mktemp("abc")
    exp = _write_case(tmp)
    out = tmp / "out"
    cmd = [sys.executable, "-m", "terrisim.cli", "calibrate", str(exp), "--out", str(out),
           "--workers", "2", "--quiet"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 240
    while _generations(out / "abc.db") < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "no generation written in 240 s"
        time.sleep(0.2)
    killed = proc.poll() is None
    if killed:
        os.killpg(proc.pid, signal.SIGKILL)   # the driver and its sampler processes
    proc.wait()
    first = _generations(out / "abc.db")
    with sqlite3.connect(out / "abc.db") as con:
        kept = con.execute("select t, epsilon from populations where t = 0").fetchone()
    resumed = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=400)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert killed and 1 <= first < 3, (killed, first)
    with sqlite3.connect(out / "abc.db") as con:
        assert con.execute("select t, epsilon from populations where t = 0").fetchone() == kept
    return exp, out, resumed.stdout + resumed.stderr


def test_resume_after_kill_completes_the_generations(calibrated: tuple[Path, Path, str]
                                                     ) -> None:
    _, out, log = calibrated
    assert "resuming" in log
    gens = pd.read_csv(out / "generations.csv")
    assert list(gens["generation"]) == [0, 1, 2]
    assert (gens["epsilon"].diff().dropna() < 0).all()            # the threshold decreases
    assert ((gens["acceptance_rate"] > 0) & (gens["acceptance_rate"] <= 1)).all()
    assert ((gens["ess"] > 1) & (gens["ess"] <= 24 + 1e-9)).all()


def test_posterior_recovers_the_synthetic_truth(calibrated: tuple[Path, Path, str]) -> None:
    _, out, log = calibrated
    df, meta = read_posterior(out / "posterior.parquet")
    assert len(df) == 24 and df["weight"].sum() == pytest.approx(1)
    lo, hi = weighted_quantile(df["trust_building_time"], df["weight"], np.array([0.05, 0.95]))
    assert lo <= TRUTH["trust_building_time"] <= hi, (lo, hi)
    assert hi - lo < 0.5 * (60 - 4)                  # the patterns constrain it
    assert meta["calibration_master_seeds"] == [5]
    assert meta["point"]["trust_building_time"] == pytest.approx(
        weighted_quantile(df["trust_building_time"], df["weight"], 0.5), rel=1e-3)
    assert all(len(s) == 2 for s in df["seeds"])   # two runs per particle, seeds recorded
    assert "sd ratio" in log and "posterior-predictive check" in log


def test_predictive_check_and_figures(calibrated: tuple[Path, Path, str]) -> None:
    _, out, _ = calibrated
    ppc = pd.read_csv(out / "ppc.csv")
    assert list(ppc["pattern"]) == list(INDICATORS)
    assert (ppc["predictive_low"] <= ppc["predictive_median"]).all()
    assert (ppc["predictive_median"] <= ppc["predictive_high"]).all()
    assert len(pd.read_csv(out / "ppc_runs.csv")) == 8
    for name in ("marginals.png", "pairs.png", "ppc.png"):
        assert (out / name).stat().st_size > 15_000, name
    assert "trust_building_time" in (out / "point.toml").read_text()


def test_resuming_another_experiment_is_refused(calibrated: tuple[Path, Path, str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    exp, out, _ = calibrated
    other = exp.with_name("other.toml")
    other.write_text(exp.read_text().replace("population = 24", "population = 30"))
    code = cli.main(["calibrate", str(other), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "holds an ABC run of another experiment" in err
    assert "experiment_sha256" in err
    assert json.loads((out / "abc.json").read_text())["abc_id"] == 1


@pytest.mark.parametrize(("text", "message"), [
    ("[experiment]\nscenario = 'tiny.toml'\n[factors]\nn_catalysts = [0, 3]\n",
     "needs a prior"),
    ("[experiment]\nscenario = 'tiny.toml'\n[factors]\ntrust_building_time = { range = [4, 60]"
     " }\n[abc]\npopulation = 3\n", "key 'abc.population': must be an integer from 10"),
    ("[experiment]\nscenario = 'tiny.toml'\n[factors]\ntrust_building_time = { range = [4, 60]"
     " }\n[abc]\npopulaton = 30\n", "did you mean 'population'"),
    ("[experiment]\nscenario = 'tiny.toml'\n[factors]\ntrust_building_time = { range = [4, 60]"
     " }\n[abc]\nkernel_scaling = 0\n", "key 'abc.kernel_scaling': must be a number from 0.1"),
])
def test_bad_abc_files_are_one_line_errors(calibrated: tuple[Path, Path, str], text: str,
                                           message: str, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    exp, _, _ = calibrated
    bad = exp.with_name("bad.toml")
    bad.write_text(text)
    code = cli.main(["calibrate", str(bad), "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err


def test_the_kernel_width_is_the_experiments(calibrated: tuple[Path, Path, str]) -> None:
    import pyabc

    exp, _, _ = calibrated
    wide = exp.with_name("wide.toml")
    wide.write_text(exp.read_text() + "kernel_scaling = 2.5\n")     # (its [abc] table is last)
    default = abc.make_transition(abc.load_abc_experiment(exp))
    widened = abc.make_transition(abc.load_abc_experiment(wide))
    assert isinstance(widened, pyabc.MultivariateNormalTransition)
    assert default.scaling == 1.0 and widened.scaling == 2.5


def test_posterior_point_is_written_as_the_defaults(tmp_path: Path) -> None:
    src = ROOT / "src" / "terrisim" / "scenario.py"
    copy = tmp_path / "scenario.py"
    copy.write_text(src.read_text())
    changed = write_defaults({"trust_building_time": 25.5, "n_catalysts": 4}, copy)
    assert changed == ["trust_building_time = 25.5", "n_catalysts = 4"]
    new = copy.read_text()
    compile(new, str(copy), "exec")
    assert "trust_building_time: float = param(25.5," in new
    assert "n_catalysts: int = param(4," in new
    old_lines, new_lines = src.read_text().splitlines(), new.splitlines()
    assert sum(a != b for a, b in zip(old_lines, new_lines, strict=True)) == 2


def test_abc_smc_on_a_dask_cluster(calibrated: tuple[Path, Path, str], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from distributed import LocalCluster

    exp, _, _ = calibrated
    small = exp.with_name("dask.toml")
    small.write_text(exp.read_text().replace("ppc_draws = 8", "ppc_draws = 2"))
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        code = cli.main(["calibrate", str(small), "--out", str(tmp_path), "--population", "10",
                         "--generations", "1", "--scheduler", cluster.scheduler_address,
                         "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    df, meta = read_posterior(tmp_path / "posterior.parquet")
    assert meta["executor"] == "dask" and len(df) == 10
    assert len(pd.read_csv(tmp_path / "generations.csv")) == 1
