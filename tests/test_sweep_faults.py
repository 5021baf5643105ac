"""Faults that must never lose or double-count runs: a Dask scheduler killed mid-sweep (real
``dask scheduler`` and ``dask worker`` processes on 127.0.0.1), runs lost outside the model,
damaged results directories healed by ``--repair``, and compaction of chunk files."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from terrisim.errors import UserError
from terrisim.sweep.compact import compact
from terrisim.sweep.design import build_design
from terrisim.sweep.engine import failure_frame, plan_tasks, run_sweep
from terrisim.sweep.executors import ExecutorSpec
from terrisim.sweep.experiment import load_experiment
from terrisim.sweep.storage import ResultStore, chunk_files, read_failures, read_results

from .test_sweep_resume import experiment

BIN = Path(sys.executable).parent
TERRISIM = [sys.executable, "-m", "terrisim.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def cluster(port: int, tmp: Path) -> tuple[subprocess.Popen, subprocess.Popen]:
    """A scheduler and two single-threaded worker processes on 127.0.0.1:``port``."""
    scheduler = start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                       str(port), "--no-dashboard"], tmp / "scheduler.log")
    workers = start([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nworkers", "2",
                     "--nthreads", "1", "--no-dashboard"], tmp / "workers.log")
    return scheduler, workers


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("reference")
    out = tmp / "out"
    run_sweep(load_experiment(experiment(tmp)), out, ExecutorSpec("serial"), progress=False)
    return read_results(out)


@pytest.mark.slow
def test_a_killed_scheduler_interrupts_and_the_same_command_completes(
        tmp_path: Path, reference: pd.DataFrame) -> None:
    port = free_port()
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    cmd = [*TERRISIM, "sweep", str(exp), "--scheduler", f"tcp://127.0.0.1:{port}", "--out",
           str(out), "--connect-timeout", "20", "--runs-per-task", "2", "--quiet"]
    scheduler, workers = cluster(port, tmp_path)
    sweep = None
    try:
        sweep = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 180
        while not chunk_files(out / "runs"):          # some runs stored, others in flight
            assert sweep.poll() is None, sweep.communicate()
            assert time.monotonic() < deadline, "no chunk written in 180 s"
            time.sleep(0.05)
        scheduler.send_signal(signal.SIGKILL)
        stdout, stderr = sweep.communicate(timeout=120)
    finally:
        stop(scheduler)
        stop(workers)
        if sweep is not None and sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1].startswith(
        f"interrupted: lost the Dask scheduler at tcp://127.0.0.1:{port}")
    assert "interrupted: completed runs are saved" in stdout
    partial = read_results(out)
    assert 0 < partial["run_id"].nunique() < 120, "the kill came too late to test resume"
    assert read_failures(out).empty                 # nothing recorded as a model failure

    scheduler, workers = cluster(port, tmp_path)    # the cluster is back: same command again
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    finally:
        stop(scheduler)
        stop(workers)
    assert done.returncode == 0, done.stderr
    assert "120 of 120 runs done, 0 failed" in done.stdout
    pd.testing.assert_frame_equal(read_results(out), reference)


def test_runs_lost_outside_the_model_run_again(tmp_path: Path, reference: pd.DataFrame
                                               ) -> None:
    """Failures of kind 'infrastructure' (a task lost with its worker) are not skipped on
    resume, unlike model errors."""
    exp = load_experiment(experiment(tmp_path))
    out = tmp_path / "out"
    design = build_design(exp)
    store = ResultStore(out)
    with store.locked():
        from terrisim.sweep.worker import code_fingerprint

        record = store.prepare(exp.describe(), design.points, design.unit, code_fingerprint(),
                               False, False)
        import numpy as np

        task = next(plan_tasks(exp, design, np.arange(10), 10, ("alliances_formed_total",)))
        lost = failure_frame(task, TimeoutError("worker vanished"))
        assert set(lost["kind"]) == {"infrastructure"}
        store.write_chunk([], [lost], {"plan_sha256": record["plan_sha256"]})
    assert len(read_failures(out)) == 10
    summary = run_sweep(exp, out, ExecutorSpec("serial"), progress=False)
    assert summary.done_before == 0 and summary.executed == 120 and summary.complete
    assert read_failures(out).empty
    pd.testing.assert_frame_equal(read_results(out), reference)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The 120-run experiment, 3 runs a task in this process, buffered rows written at every
    turn of the engine's loop: many small chunk files, as a long sweep leaves."""
    import terrisim.sweep.engine as engine

    tmp = tmp_path_factory.mktemp("swept")
    exp = experiment(tmp)
    out = tmp / "out"
    flush, engine.FLUSH_SECONDS = engine.FLUSH_SECONDS, 0.0
    try:
        run_sweep(load_experiment(exp), out, ExecutorSpec("serial"), progress=False,
                  runs_per_task=3, compact=False)
    finally:
        engine.FLUSH_SECONDS = flush
    assert len(chunk_files(out / "runs")) >= 10
    return exp, out


def small_sweep(tmp_path: Path, swept: tuple[Path, Path], compacted: bool = False
                ) -> tuple[Path, Path]:
    """A copy of the swept results directory (compacted as at the end of a session)."""
    exp, source = swept
    out = tmp_path / "out"
    shutil.copytree(source, out)
    if compacted:
        compact(out)
    return exp, out


def test_compaction_keeps_every_run_once_even_if_interrupted(
        tmp_path: Path, reference: pd.DataFrame, swept: tuple[Path, Path]) -> None:
    exp, out = small_sweep(tmp_path, swept)
    before = {p.name: p.read_bytes() for p in chunk_files(out / "runs")}
    assert compact(out) == len(before) - 1
    files = chunk_files(out / "runs")
    assert len(files) == 1 and "-c" in files[0].name
    pd.testing.assert_frame_equal(read_results(out), reference)
    # a crash after writing the compacted file but before deleting the chunks: both exist,
    # every reader and the resume still see each run once
    for name, data in before.items():
        (out / "runs" / name).write_bytes(data)
    pd.testing.assert_frame_equal(read_results(out), reference)
    again = run_sweep(load_experiment(exp), out, ExecutorSpec("serial"), progress=False)
    assert again.executed == 0 and again.complete
    assert [p.name for p in (out / "runs").glob("part-*")] == [files[0].name]
    from terrisim.report.data import load

    assert load(out).final["run_id"].nunique() == 120


def test_repair_rebuilds_metadata_and_sets_damaged_chunks_aside(
        tmp_path: Path, reference: pd.DataFrame, swept: tuple[Path, Path]) -> None:
    exp_path, out = small_sweep(tmp_path, swept)
    exp = load_experiment(exp_path)
    chunks = chunk_files(out / "runs")
    (out / "experiment.json").write_text("{garbage")
    damaged_runs = pd.read_parquet(chunks[3])["run_id"].nunique()
    data = chunks[3].read_bytes()
    chunks[3].write_bytes(data[: len(data) // 2])               # a truncated chunk
    shutil.copy(chunks[5], out / "runs" / "part-000000999.parquet")   # runs stored twice
    (out / "design.parquet").unlink()
    with pytest.raises(UserError, match=r"experiment\.json: damaged .* with --repair"):
        run_sweep(exp, out, ExecutorSpec("serial"), progress=False)
    with pytest.raises(UserError, match="--repair"):
        read_results(out)
    summary = run_sweep(exp, out, ExecutorSpec("serial"), progress=False, repair=True)
    text = "\n".join(summary.repaired)
    assert f"set aside runs/{chunks[3].name}: damaged" in text
    assert "set aside runs/part-000000999.parquet: holds runs already stored" in text
    assert "rebuilt experiment.json and design.parquet" in text
    assert summary.executed == damaged_runs and summary.complete   # only the damaged chunk's
    pd.testing.assert_frame_equal(read_results(out), reference)
    assert sorted(p.name for p in (out / "quarantine").rglob("*.parquet")) == sorted(
        [chunks[3].name, "part-000000999.parquet"])
    assert json.loads((out / "experiment.json").read_text())["plan_sha256"]


@pytest.mark.parametrize("damage", ["duplicate", "foreign", "garbage-record"])
def test_report_refuses_what_the_sweep_refuses(tmp_path: Path, damage: str,
                                               swept: tuple[Path, Path]) -> None:
    _, out = small_sweep(tmp_path, swept, compacted=damage != "duplicate")
    bracketed = tmp_path / "res[1]"                 # DuckDB would read this as a glob
    out.rename(bracketed)
    runs = bracketed / "runs"
    if damage == "duplicate":
        shutil.copy(chunk_files(runs)[0], runs / "part-000000998.parquet")
        fragment = "is stored twice"
    elif damage == "foreign":
        pd.DataFrame({"run_id": [5], "x": [1.0]}).to_parquet(runs / "part-000000997.parquet")
        fragment = "not a chunk of this sweep"
    else:
        (bracketed / "experiment.json").write_text("{}")
        fragment = "damaged (not an experiment record)"
    for cmd in (["report", str(bracketed)], ["calibrate", str(bracketed), "--confirm", "0"]):
        r = subprocess.run([*TERRISIM, *cmd], capture_output=True, text=True, timeout=300)
        assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
        assert fragment in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_report_reads_a_directory_with_brackets(tmp_path: Path, swept: tuple[Path, Path]
                                                ) -> None:
    _, out = small_sweep(tmp_path, swept, compacted=True)
    bracketed = tmp_path / "res[1]"
    out.rename(bracketed)
    from terrisim.report.data import load

    assert load(bracketed).final["run_id"].nunique() == 120
