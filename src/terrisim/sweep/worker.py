"""What a worker does with a task: run a batch of runs and return their kept rows and failures.

This module is imported by every worker (local processes, Dask workers, SLURM jobs), so it must
be importable on its own and its task objects must pickle.  A run that raises is caught here and
returned as a failure record (parameters, seed, traceback): one bad corner of a design never
aborts the sweep, unlike Mesa's ``batch_run``, and never hangs it, unlike EMA workbench's pool.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

#: Key columns leading every results row, in this order, before the factors.
KEY_COLUMNS: tuple[str, ...] = ("run_id", "point", "replication", "seed")
FAILURE_COLUMNS: tuple[str, ...] = ("error", "message", "traceback", "parameters", "host",
                                    "kind")
#: Failure kinds: the model (or the scenario check) raised — deterministic, skipped on resume —
#: or the task was lost outside the model (a dead worker, a lost scheduler) — run again.
MODEL = "model"
INFRASTRUCTURE = "infrastructure"


@dataclass(frozen=True)
class Task:
    """A batch of runs sent to one worker (batched so orchestration stays a small share)."""

    source: str                              # experiment file, for error messages
    base: dict[str, Any]                     # scenario mapping (base file + overrides)
    factor_names: tuple[str, ...]
    factor_types: tuple[str, ...]            # "int", "float", "bool" or "str"
    indicators: tuple[str, ...]              # kept indicators, in output order
    steps: str                               # final | all | every | months
    every: int | None
    months: tuple[int, ...]
    run_ids: tuple[int, ...]
    points: tuple[int, ...]
    replications: tuple[int, ...]
    seeds: tuple[int, ...]
    values: tuple[tuple[Any, ...], ...]      # factor values per run, plain Python types
    tables: tuple[str, ...] = ()             # long tables to return (terrisim.tables)


@dataclass
class BatchResult:
    """Kept rows of the batch's successful runs, its failures and how long the work took."""

    run_ids: tuple[int, ...]
    frame: pd.DataFrame | None
    failures: pd.DataFrame | None
    seconds: float
    code: str
    host: str = field(default_factory=socket.gethostname)
    started: float = 0.0      # wall-clock (epoch) start and end, for utilisation measurements
    ended: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the worker (robust to other load on the machine)
    tables: dict[str, pd.DataFrame] | None = None   # long tables of the successful runs


def warm() -> None:
    """Import the model once (Mesa is slow to import) and fingerprint its code, so forked
    workers start ready and report the code they loaded, not files edited since."""
    from .. import model  # noqa: F401

    code_fingerprint()


def init_local_worker(driver_pid: int) -> None:
    """Set up a local pool worker: leave Ctrl-C to the driver (which saves results and stops
    the workers), and exit if the driver disappears (``kill -9``), instead of lingering as an
    orphan holding memory."""
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm()

    def watch() -> None:
        while _alive(driver_pid):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="terrisim-driver-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the model's source and data files: a resume, or a remote worker, running a
    different model would silently mix results, so the driver compares this."""
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    files = sorted([*root.glob("*.py"), *root.glob("data/*")])
    for path in files:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def keep_months(steps: str, every: int | None, months: tuple[int, ...], final: int
                ) -> np.ndarray:
    """Months kept for a run that ends at month ``final``."""
    if steps == "all":
        return np.arange(final + 1)
    if steps == "every":
        assert every is not None
        return np.unique(np.append(np.arange(0, final + 1, every), final))
    if steps == "months":
        return np.array([m for m in months if m <= final], dtype=np.int64)
    return np.array([final])


def run_batch(task: Task) -> BatchResult:
    """Run every run of ``task``; never raises for a run's own error (it becomes a failure)."""
    from ..scenario import scenario_from_mapping
    from ..tables import run_with_tables

    start = time.perf_counter()
    started = time.time()
    cpu = time.process_time()
    frames: list[pd.DataFrame] = []
    failures: list[dict[str, Any]] = []
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in task.tables}
    host = socket.gethostname()
    for i, run_id in enumerate(task.run_ids):
        params = dict(zip(task.factor_names, task.values[i], strict=True))
        try:
            scenario = scenario_from_mapping({**task.base, **params},
                                             source=f"{task.source} run {run_id}")
            keep = keep_months(task.steps, task.every, task.months, scenario.steps)
            df, extra = run_with_tables(scenario, task.seeds[i], task.tables, months=keep)
            df = df.loc[df["month"].isin(keep), ["month", *task.indicators]]
            frames.append(_with_keys(df.reset_index(drop=True), task, i))
            for name, table in extra.items():
                table.insert(0, "run_id", np.int64(run_id))
                table.insert(1, "seed", np.int64(task.seeds[i]))
                tables[name].append(table)
        except Exception as exc:   # a model error is data about the design, not a crash
            failures.append(failure_row(task, i, exc, traceback.format_exc(),
                                        f"{host}:{os.getpid()}", MODEL))
    frame = pd.concat(frames, ignore_index=True) if frames else None
    fail = typed_failures(failures, task) if failures else None
    kept = {name: pd.concat(parts, ignore_index=True) for name, parts in tables.items() if parts}
    return BatchResult(run_ids=task.run_ids, frame=frame, failures=fail,
                       seconds=time.perf_counter() - start, code=code_fingerprint(), host=host,
                       started=started, ended=time.time(),
                       cpu_seconds=time.process_time() - cpu, tables=kept or None)


def failure_row(task: Task, i: int, exc: BaseException, tb: str, host: str,
                kind: str) -> dict[str, Any]:
    """The failures-table row of the task's ``i``-th run: keys, factor values, the error and
    its kind (:data:`MODEL` or :data:`INFRASTRUCTURE`)."""
    params = dict(zip(task.factor_names, task.values[i], strict=True))
    return {"run_id": task.run_ids[i], "point": task.points[i],
            "replication": task.replications[i], "seed": task.seeds[i], **params,
            "error": type(exc).__name__, "message": str(exc), "traceback": tb,
            "parameters": repr(params), "host": host, "kind": kind}


def _with_keys(df: pd.DataFrame, task: Task, i: int) -> pd.DataFrame:
    n = len(df)
    cols: dict[str, Any] = {
        "run_id": np.full(n, task.run_ids[i], dtype=np.int64),
        "point": np.full(n, task.points[i], dtype=np.int64),
        "replication": np.full(n, task.replications[i], dtype=np.int64),
        "seed": np.full(n, task.seeds[i], dtype=np.int64),
    }
    for name, kind, value in zip(task.factor_names, task.factor_types, task.values[i],
                                 strict=True):
        cols[name] = _column(value, kind, n)
    cols["month"] = df["month"].to_numpy(dtype=np.int64)
    for name in task.indicators:
        cols[name] = df[name].to_numpy(dtype=np.float64)
    return pd.DataFrame(cols)


def _column(value: Any, kind: str, n: int) -> np.ndarray:
    if kind == "int":
        return np.full(n, value, dtype=np.int64)
    if kind == "float":
        return np.full(n, value, dtype=np.float64)
    if kind == "bool":
        return np.full(n, value, dtype=bool)
    return np.array([str(value)] * n, dtype=object)


def typed_failures(rows: list[dict[str, Any]], task: Task) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for col in KEY_COLUMNS:
        df[col] = df[col].astype(np.int64)
    for name, kind in zip(task.factor_names, task.factor_types, strict=True):
        df[name] = np.concatenate([_column(v, kind, 1) for v in df[name]])
    return df[[*KEY_COLUMNS, *task.factor_names, *FAILURE_COLUMNS]]
