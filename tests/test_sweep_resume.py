"""Resume: a real ``terrisim sweep`` subprocess killed with SIGKILL, then the same command again,
gives exactly the table of an uninterrupted sweep — no lost and no duplicated runs — and the
killed sweep leaves no worker processes behind.  Also: provenance in the Parquet footer, and a
results directory refuses a different experiment or a second concurrent sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import pytest

from terrisim.errors import UserError
from terrisim.simulate import read_parquet_metadata
from terrisim.sweep.engine import run_sweep
from terrisim.sweep.executors import ExecutorSpec
from terrisim.sweep.experiment import load_experiment
from terrisim.sweep.storage import ResultStore, read_results

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
TERRISIM = [sys.executable, "-m", "terrisim.cli"]


def experiment(tmp_path: Path, replications: int = 20, seed: int = 5) -> Path:
    """120 small runs (≈0.1 s each) keeping every month: several seconds of work, so the
    sweep is still running when its first chunk (flushed every 2 s) appears and is killed."""
    path = tmp_path / "resume.toml"
    path.write_text(f"""
[experiment]
name = "resume"
scenario = "{BASELINE}"
replications = {replications}
seed = {seed}

[overrides]
width = 20
height = 20
n_communes = 6
n_bassins = 2
n_firms = 150
n_associations = 50
steps = 30

[factors]
n_catalysts = [0, 2]
trust_building_time = {{ range = [6, 30], levels = 3 }}

[design]
type = "full_factorial"

[output]
steps = "all"
indicators = ["alliances_formed_total", "alliances_active", "first_alliance_month",
              "stage_anchored", "stage_none", "mean_trust"]
""")
    return path


def stored_chunks(out: Path) -> list[Path]:
    return sorted((out / "runs").glob("part-*.parquet"))


@pytest.mark.slow
def test_resume_after_kill_9_matches_an_uninterrupted_sweep(tmp_path: Path) -> None:
    exp_path = experiment(tmp_path)
    killed = tmp_path / "killed"
    cmd = [*TERRISIM, "sweep", str(exp_path), "--out", str(killed), "--workers", "2",
           "--runs-per-task", "2", "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not stored_chunks(killed):            # wait until some runs are on disk
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no chunk written in 120 s"
            time.sleep(0.05)
        workers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        # the workers notice the driver is gone and exit (no orphans)
        _, alive = psutil.wait_procs(workers, timeout=20)
        assert not alive, f"orphan workers: {alive}"
    finally:
        if proc.poll() is None:   # only if an assertion failed before the kill
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    partial = read_results(killed)
    n_runs = 2 * 3 * 20
    assert 0 < partial["run_id"].nunique() < n_runs, "the kill came too late to test resume"
    assert not partial.duplicated(["run_id", "month"]).any()

    before = {p.name: p.stat().st_mtime_ns for p in stored_chunks(killed)}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    executed = n_runs - partial["run_id"].nunique()
    assert f"{n_runs} of {n_runs} runs done, 0 failed — {executed} runs now" in done.stdout

    reference = tmp_path / "reference"
    run_sweep(load_experiment(exp_path), reference, ExecutorSpec("serial"), progress=False)
    resumed, expected = read_results(killed), read_results(reference)
    assert resumed["run_id"].nunique() == n_runs
    pd.testing.assert_frame_equal(resumed, expected)
    # the runs stored before the kill were not run again: their files are untouched, or
    # merged whole into a compacted file that names them
    merged = {name for p in stored_chunks(killed)
              for name in read_parquet_metadata(p).get("compacted_from", [])}
    assert {p.name: p.stat().st_mtime_ns for p in stored_chunks(killed)
            if p.name in before} == {k: v for k, v in before.items() if k not in merged}
    assert set(before) <= merged | {p.name for p in stored_chunks(killed)}
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert "nothing left to run" in again.stdout
    pd.testing.assert_frame_equal(read_results(killed), expected)


def test_provenance_in_parquet_footer_and_status(tmp_path: Path) -> None:
    exp = load_experiment(experiment(tmp_path, replications=1))
    out = tmp_path / "out"
    summary = run_sweep(exp, out, ExecutorSpec("serial"), progress=False)
    assert summary.complete and summary.executed == 6 and summary.failed_total == 0
    meta = read_parquet_metadata(stored_chunks(out)[0])
    assert meta["experiment_sha256"] == exp.sha256
    assert meta["master_seed"] == 5
    assert {"terrisim", "mesa", "numpy", "python"} <= set(meta["versions"])
    assert meta["started"] and meta["session_started"] and meta["code"]
    record = json.loads((out / "experiment.json").read_text())
    assert record["file_sha256"] == exp.sha256 and record["started"] == meta["started"]
    status = json.loads((out / "sweep.json").read_text())
    assert status["complete"] and status["done"] == 6
    table = pq.read_table(stored_chunks(out)[0])
    assert table.column_names[:6] == ["run_id", "point", "replication", "seed", "n_catalysts",
                                      "trust_building_time"]


def test_resume_refuses_a_different_experiment_and_a_concurrent_sweep(tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_sweep(load_experiment(experiment(tmp_path, replications=1)), out, ExecutorSpec("serial"),
              progress=False)
    other = load_experiment(experiment(tmp_path, replications=1, seed=6))
    with pytest.raises(UserError, match="holds results of a different experiment"):
        run_sweep(other, out, ExecutorSpec("serial"), progress=False)
    # --restart starts over with the new experiment
    summary = run_sweep(other, out, ExecutorSpec("serial"), progress=False, restart=True)
    assert summary.executed == 6
    with ResultStore(out).locked(), pytest.raises(UserError, match="another sweep"):
        run_sweep(other, out, ExecutorSpec("serial"), progress=False)


def test_a_directory_without_stored_runs_takes_a_new_experiment(tmp_path: Path) -> None:
    """Nothing to mix: an edited experiment may reuse a directory where no run was stored."""
    from terrisim.sweep.design import build_design
    from terrisim.sweep.worker import code_fingerprint

    out = tmp_path / "out"
    first = load_experiment(experiment(tmp_path, replications=1))
    d = build_design(first)
    with ResultStore(out).locked():
        ResultStore(out).prepare(first.describe(), d.points, d.unit, code_fingerprint(),
                                 restart=False, retry_failed=False)
    edited = load_experiment(experiment(tmp_path, replications=2, seed=8))
    summary = run_sweep(edited, out, ExecutorSpec("serial"), progress=False)
    assert summary.executed == 12
    assert json.loads((out / "experiment.json").read_text())["experiment"]["seed"] == 8
