"""The same experiment gives the same table whatever runs it: in-process serial, the local
process pool with 1 or 2 workers and different batch sizes, and a real Dask cluster (scheduler
and two worker processes on 127.0.0.1, started and stopped here)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from terrisim import cli
from terrisim.sweep.engine import run_sweep
from terrisim.sweep.executors import ExecutorSpec
from terrisim.sweep.experiment import load_experiment
from terrisim.sweep.storage import read_results

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"


@pytest.fixture(scope="module")
def exp_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("executors") / "exec.toml"
    path.write_text(f"""
[experiment]
name = "executors"
scenario = "{BASELINE}"
replications = 3
seed = 99

[overrides]
width = 20
height = 20
n_communes = 6
n_bassins = 2
n_firms = 120
n_associations = 40
steps = 24

[factors]
n_catalysts = {{ values = [0, 1, 3] }}
trust_building_time = {{ range = [6, 36], levels = 3 }}
catalyst_origin = ["public", "academic"]

[design]
type = "full_factorial"

[output]
every = 6
""")
    return path


@pytest.fixture(scope="module")
def serial(exp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("serial")
    summary = run_sweep(load_experiment(exp_path), out, ExecutorSpec("serial"), progress=False)
    assert summary.complete and summary.failed_total == 0
    df = read_results(out)
    assert df["run_id"].nunique() == 3 * 3 * 2 * 3
    assert sorted(df["month"].unique()) == [0, 6, 12, 18, 24]
    return df


@pytest.mark.parametrize(("workers", "runs_per_task"), [(2, None), (1, 5), (2, 1)])
def test_local_pool_matches_serial(exp_path: Path, serial: pd.DataFrame, tmp_path: Path,
                                   workers: int, runs_per_task: int | None) -> None:
    summary = run_sweep(load_experiment(exp_path), tmp_path, ExecutorSpec("local", workers),
                        progress=False, runs_per_task=runs_per_task)
    assert summary.complete and summary.executor.startswith(f"{workers} local worker")
    pd.testing.assert_frame_equal(read_results(tmp_path), serial)


@pytest.mark.slow
def test_dask_cluster_on_loopback_matches_serial(exp_path: Path, serial: pd.DataFrame,
                                                 tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tcp://127.0.0.1:")
        code = cli.main(["sweep", str(exp_path), "--scheduler", address, "--out",
                         str(tmp_path), "--quiet"])
        out = capsys.readouterr().out
    assert code == 0, out
    assert f"on Dask cluster {address} (2 worker threads)" in out
    pd.testing.assert_frame_equal(read_results(tmp_path), serial)


def test_unreachable_scheduler_is_a_clear_error(exp_path: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["sweep", str(exp_path), "--scheduler", "tcp://127.0.0.1:9", "--out",
                     str(tmp_path), "--quiet", "--connect-timeout", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: cannot connect to the Dask scheduler at tcp://127.0.0.1:9")


def test_slurm_job_script_is_rendered(exp_path: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    code = cli.main(["sweep", str(exp_path), "--cluster", "slurm", "--queue", "short",
                     "--cores", "4", "--memory", "8GB", "--walltime", "00:30:00",
                     "--account", "proj42", "--print-job-script"])
    script = capsys.readouterr().out
    assert code == 0
    for line in ("#SBATCH -p short", "#SBATCH -A proj42", "#SBATCH -t 00:30:00",
                 "--nworkers 4", "--nthreads 1"):
        assert line in script, script


@pytest.mark.parametrize(("cluster", "lines"), [
    ("pbs", ("#PBS -q short", "#PBS -A proj42", "#PBS -l select=1:ncpus=4:mem=", "#PBS -l "
             "walltime=00:30:00", "#PBS -l place=scatter")),
    ("sge", ("#$ -q short", "#$ -P proj42", "#$ -l h_vmem=1907M", "#$ -l h_rt=00:30:00",
             "#$ -pe smp 4")),
])
def test_pbs_and_sge_job_scripts_are_rendered(exp_path: Path, cluster: str, lines: tuple[str, ...],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    extra = "-l place=scatter" if cluster == "pbs" else "-pe smp 4"
    code = cli.main(["sweep", str(exp_path), "--cluster", cluster, "--queue", "short",
                     "--cores", "4", "--memory", "8GB", "--walltime", "00:30:00",
                     "--account", "proj42", f"--job-extra={extra}", "--print-job-script"])
    script = capsys.readouterr().out
    assert code == 0
    for line in (*lines, "--nworkers 4", "--nthreads 1"):
        assert line in script, script


def test_a_batch_cluster_needs_its_submit_command(exp_path: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["sweep", str(exp_path), "--cluster", "sge", "--out", str(tmp_path),
                     "--quiet"])
    assert code == 2
    assert "qsub not found: --cluster sge must run where its jobs can be submitted" in \
        capsys.readouterr().err


def test_a_stored_run_is_reproduced_from_its_seed_and_parameters(exp_path: Path,
                                                                  serial: pd.DataFrame) -> None:
    from terrisim.scenario import scenario_from_mapping
    from terrisim.simulate import run_simulation

    exp = load_experiment(exp_path)
    rows = serial[serial["run_id"] == 40]
    first = rows.iloc[0]
    params = {n: (first[n].item() if hasattr(first[n], "item") else first[n])
              for n in exp.factor_names}
    df = run_simulation(scenario_from_mapping({**exp.base, **params}), int(first["seed"]))
    kept = df[df["month"].isin(rows["month"])].reset_index(drop=True)
    for col in ("alliances_formed_total", "mean_trust", "stage_none", "firms_partnered"):
        assert kept[col].tolist() == rows[col].tolist(), col
