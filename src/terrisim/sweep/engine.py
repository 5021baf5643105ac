"""The sweep engine: plan the missing runs, feed the executor, stream results to disk.

The driver keeps only a bounded number of tasks in flight (a small multiple of the worker
slots) and a short buffer of finished rows, flushed to a new Parquet chunk every few seconds:
its memory stays flat however many runs the design has, and an interruption loses at most the
runs in flight and the last few seconds of buffer.  Which runs are missing is read back from
the chunk files themselves, so a resume needs nothing else.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError
from .design import Design, build_design, run_seeds
from .executors import Backend, DaskBackend, ExecutorSpec, open_backend
from .experiment import Experiment, indicator_names
from .storage import ResultStore, now
from .worker import (
    INFRASTRUCTURE,
    BatchResult,
    Task,
    code_fingerprint,
    failure_row,
    run_batch,
    typed_failures,
)

#: Buffered rows are written at least this often (seconds) — the most a kill -9 can lose.
FLUSH_SECONDS = 2.0
#: … or as soon as this many rows are buffered (bounds the driver's memory).
FLUSH_ROWS = 200_000
#: A local pool whose worker died (e.g. out of memory) is replaced at most this many times.
MAX_POOL_RESTARTS = 3


@dataclass
class SweepSummary:
    """What a sweep session did (printed by the command, measured by the benchmark)."""

    out: Path
    name: str
    n_runs: int
    done_before: int = 0
    executed: int = 0
    failed_now: int = 0
    failed_total: int = 0
    interrupted: bool = False
    executor: str = ""
    runs_per_task: int = 0
    tasks: int = 0
    chunks: int = 0
    wall_seconds: float = 0.0
    startup_seconds: float = 0.0
    worker_seconds: float = 0.0        # wall time of the batches on the workers
    worker_cpu_seconds: float = 0.0    # CPU time of the batches (what the model really costs)
    driver_seconds: float = 0.0
    slots: int = 1
    first_start: float = math.inf      # epoch time the first batch started on a worker
    last_end: float = 0.0              # … and the last one ended
    first_failures: list[str] = field(default_factory=list)
    lost_now: int = 0                  # runs lost outside the model this session (run again)
    lost_reason: str = ""              # why the session stopped early (a lost scheduler …)
    repaired: list[str] = field(default_factory=list)
    compacted: int = 0                 # chunk files merged away at the end of the session

    @property
    def complete(self) -> bool:
        return self.done_before + self.executed - self.lost_now == self.n_runs

    @property
    def runs_per_second(self) -> float:
        return self.executed / self.wall_seconds if self.wall_seconds > 0 else float("nan")

    @property
    def overhead_share(self) -> float:
        """Share of the workers' available time not spent running the model (start-up, idle
        tail, transfers, writing)."""
        avail = self.wall_seconds * self.slots
        return 1.0 - self.worker_seconds / avail if avail > 0 else float("nan")

    @property
    def steady_overhead_share(self) -> float:
        """Same, from the first batch's start to the last batch's end: what batching and the
        driver cost once the workers are up (gaps between tasks, transfers, load imbalance)."""
        avail = (self.last_end - self.first_start) * self.slots
        return 1.0 - self.worker_seconds / avail if avail > 0 else float("nan")


def auto_runs_per_task(n_missing: int, slots: int) -> int:
    """About 20 tasks per worker slot, at most 16 runs each: enough tasks for load balance and
    a smooth ETA, few enough that per-task costs stay far below 2 % of the run time."""
    return max(1, min(16, math.ceil(n_missing / (max(slots, 1) * 20))))


def plan_tasks(experiment: Experiment, design: Design, run_ids: np.ndarray, runs_per_task: int,
               indicators: tuple[str, ...]) -> Iterator[Task]:
    """Tasks for ``run_ids`` (ascending), ``runs_per_task`` runs each, seeds from the design."""
    names = experiment.factor_names
    types = tuple(f.spec.type.__name__ for f in experiment.factors)
    # per-task lookups in the design's columns: no list of every point's values (a 10⁷-point
    # design would need gigabytes of Python tuples)
    columns = [design.points[n].to_numpy() for n in names]
    out = experiment.output
    for start in range(0, len(run_ids), runs_per_task):
        ids = [int(i) for i in run_ids[start:start + runs_per_task]]
        points = [design.point_of(i) for i in ids]
        yield Task(source=str(experiment.path), base=experiment.base, factor_names=names,
                   factor_types=types, indicators=indicators, steps=out.steps, every=out.every,
                   months=out.months, run_ids=tuple(ids), points=tuple(points),
                   replications=tuple(design.replication_of(i) for i in ids),
                   seeds=tuple(int(s) for s in run_seeds(design.master_seed, ids)),
                   values=tuple(tuple(_plain(c[p]) for c in columns) for p in points),
                   tables=out.tables)


def _plain(value: Any) -> Any:
    """numpy scalar → Python scalar (scenario validation expects plain types)."""
    return value.item() if hasattr(value, "item") else value


def failure_frame(task: Task, exc: BaseException) -> pd.DataFrame:
    """Failure rows for every run of a task that died outside the model (e.g. a Dask worker
    killed three times, an unpicklable result): the sweep records it as an infrastructure
    failure and goes on; a resume runs it again."""
    tb = "".join(traceback.format_exception(exc))
    return typed_failures([failure_row(task, i, exc, tb, "?", INFRASTRUCTURE)
                           for i in range(len(task.run_ids))], task)


class BackendLost(Exception):
    """The executor cannot go on (its Dask scheduler or client is gone): stop like Ctrl-C."""


def run_sweep(experiment: Experiment, out: Path, spec: ExecutorSpec | None = None, *,
              restart: bool = False, retry_failed: bool = False, progress: bool = True,
              runs_per_task: int | None = None, repair: bool = False, compact: bool = True,
              backend_factory: Callable[[ExecutorSpec], Backend] = open_backend
              ) -> SweepSummary:
    """Run the experiment's missing runs into ``out`` and return what happened.

    Interrupting (Ctrl-C, SIGTERM) or losing the Dask scheduler saves what is done and returns
    with ``interrupted`` set; a later call with the same experiment and ``out`` runs only what
    is still missing.  ``repair`` first heals damaged metadata and sets aside damaged chunks
    (:mod:`terrisim.sweep.repair`); ``compact`` merges the session's small chunk files at its
    end (:mod:`terrisim.sweep.compact`).
    """
    from tqdm import tqdm

    spec = spec or ExecutorSpec()
    t0, t0_epoch = time.perf_counter(), time.time()
    store = ResultStore(out)
    design = build_design(experiment)
    described = experiment.describe()
    indicators = experiment.output.indicators or indicator_names()
    code = code_fingerprint()
    summary = SweepSummary(out=Path(out), name=experiment.name, n_runs=design.n_runs)
    with store.locked():
        if repair and not restart:
            from .repair import repair as repair_store

            summary.repaired = repair_store(store, described, design, code)
        record = store.prepare(described, design.points, design.unit, code, restart,
                               retry_failed)
        done = store.done_run_ids()
        missing = np.setdiff1d(np.arange(design.n_runs, dtype=np.int64), done)
        summary.done_before = len(done)
        summary.failed_total = store.failed_count()
        session = now()
        if len(missing) == 0:
            if compact:
                from .compact import compact as compact_store

                summary.compacted = compact_store(store.root)
            summary.wall_seconds = time.perf_counter() - t0
            _write_status(store, summary, session)
            return summary

        backend = backend_factory(spec)
        summary.executor = backend.description
        summary.slots = backend.slots()
        rpt = runs_per_task or experiment.runs_per_task or auto_runs_per_task(len(missing),
                                                                               summary.slots)
        summary.runs_per_task = rpt
        metadata = {"experiment": experiment.name, "experiment_file": str(experiment.path),
                    "experiment_sha256": experiment.sha256, "plan_sha256": record["plan_sha256"],
                    "code": code, "versions": record.get("versions"),
                    "started": record["started"], "session_started": session,
                    "master_seed": experiment.seed, "executor": backend.description}
        tasks = plan_tasks(experiment, design, missing, rpt, indicators)
        requeued: list[Task] = []
        in_flight: dict[cf.Future[BatchResult], Task] = {}
        frames: list[pd.DataFrame] = []
        fails: list[pd.DataFrame] = []
        tables: dict[str, list[pd.DataFrame]] = {}
        state = {"rows": 0, "flushed": time.monotonic(), "restarts": 0}
        bar = tqdm(total=design.n_runs, initial=len(done), unit="run", desc=experiment.name,
                   file=sys.stderr, disable=not progress, dynamic_ncols=True, smoothing=0.05,
                   mininterval=0.5 if sys.stderr.isatty() else 10.0)  # quiet in job logs
        def slots() -> int:
            try:
                return backend.slots()
            except Exception as exc:   # a Dask client that lost its scheduler
                raise BackendLost(backend.lost_reason(exc)) from None

        def postfix() -> None:
            text = f"failed {summary.failed_total}"
            if isinstance(backend, DaskBackend):   # cluster workers come and go
                text += f", workers {slots()}"
            bar.set_postfix_str(text)

        def submit_more() -> None:
            limit = 2 * slots() + 1
            while len(in_flight) < limit:
                task = requeued.pop(0) if requeued else next(tasks, None)
                if task is None:
                    return
                try:
                    future = backend.executor.submit(run_batch, task)
                except Exception as exc:
                    if backend.lost():
                        raise BackendLost(backend.lost_reason(exc)) from None
                    raise
                in_flight[future] = task
                summary.tasks += 1

        def flush() -> None:
            if frames or fails:
                # empty the buffer first: an interrupt during the write may lose these runs
                # (a resume redoes them) but can never store them twice
                parts, failed, extra = frames[:], fails[:], dict(tables)
                frames.clear()
                fails.clear()
                tables.clear()
                store.write_chunk(parts, failed, metadata, extra)
                summary.chunks += 1
            state["rows"] = 0
            state["flushed"] = time.monotonic()

        def take(task: Task, result: BatchResult) -> None:
            if result.code != code:
                raise UserError(f"a worker on {result.host} runs a different terrisim model "
                                f"(code fingerprint {result.code}, driver {code}); install the "
                                "same version on every worker")
            summary.worker_seconds += result.seconds
            summary.worker_cpu_seconds += result.cpu_seconds
            if result.started:
                summary.first_start = min(summary.first_start, result.started)
                summary.last_end = max(summary.last_end, result.ended)
            if result.frame is not None:
                frames.append(result.frame)
                state["rows"] += len(result.frame)
            for name, table in (result.tables or {}).items():
                tables.setdefault(name, []).append(table)
                state["rows"] += len(table)
            if result.failures is not None:
                fails.append(result.failures)
                model = result.failures[result.failures["kind"] != INFRASTRUCTURE]
                n = len(model)
                summary.lost_now += len(result.failures) - n
                summary.failed_now += n
                summary.failed_total += n
                for _, row in result.failures.head(3 - len(summary.first_failures)).iterrows():
                    summary.first_failures.append(
                        f"run {row['run_id']} ({row['parameters']}): {row['error']}: "
                        f"{row['message']}")
            summary.executed += len(task.run_ids)
            bar.update(len(task.run_ids))
            postfix()

        try:
            postfix()
            submit_more()
            while in_flight:
                finished, _ = cf.wait(in_flight, timeout=FLUSH_SECONDS,
                                      return_when=cf.FIRST_COMPLETED)
                busy = time.perf_counter()
                broken = []
                for fut in finished:
                    task = in_flight.pop(fut)
                    try:
                        result = fut.result()
                    except cf.BrokenExecutor:
                        broken.append(task)
                        continue
                    except BaseException as exc:   # the task died outside the model
                        if isinstance(exc, KeyboardInterrupt | SystemExit):
                            raise
                        if backend.lost():   # not the task's fault: stop, run it next time
                            raise BackendLost(backend.lost_reason(exc)) from None
                        result = BatchResult(run_ids=task.run_ids, frame=None,
                                             failures=failure_frame(task, exc), seconds=0.0,
                                             code=code, host="?")
                    take(task, result)
                if broken:
                    state["restarts"] += 1
                    if state["restarts"] > MAX_POOL_RESTARTS:
                        raise UserError("local worker processes keep dying (out of memory?); "
                                        "results so far are saved: re-run the same command to "
                                        "resume, with fewer --workers if memory is short")
                    requeued.extend(broken)
                    requeued.extend(in_flight.values())
                    in_flight.clear()
                    requeued.sort(key=lambda t: t.run_ids[0])
                    print(f"\nwarning: a worker process died; restarting the pool and re-running "
                          f"{sum(len(t.run_ids) for t in requeued)} runs", file=sys.stderr)
                    backend.restart()
                submit_more()
                if (frames or fails) and (state["rows"] >= FLUSH_ROWS
                        or time.monotonic() - state["flushed"] >= FLUSH_SECONDS
                        or not in_flight):
                    flush()
                summary.driver_seconds += time.perf_counter() - busy
            flush()
        except (KeyboardInterrupt, BackendLost) as exc:
            summary.interrupted = True
            if isinstance(exc, BackendLost):
                summary.lost_reason = str(exc)
            flush()   # results already received are complete runs: keep them
            backend.abort()
        except BaseException:
            try:
                flush()
            finally:
                backend.abort()
            raise
        else:
            backend.close()
            if compact:
                from .compact import compact as compact_store

                summary.compacted = compact_store(store.root)
        finally:
            bar.close()
            summary.wall_seconds = time.perf_counter() - t0
            if summary.first_start < math.inf:   # design, pool start-up, first dispatch
                summary.startup_seconds = summary.first_start - t0_epoch
            _write_status(store, summary, session)
    return summary


def _write_status(store: ResultStore, summary: SweepSummary, session: str) -> None:
    import json

    path = store.root / "sweep.json"
    sessions = []
    if path.exists():
        try:
            sessions = json.loads(path.read_text()).get("sessions", [])
        except (OSError, ValueError):
            sessions = []
    info = {k: v for k, v in asdict(summary).items()
            if k not in ("out", "first_failures", "first_start", "last_end")}
    info.update(started=session, complete=summary.complete,
                runs_per_second=summary.runs_per_second, overhead_share=summary.overhead_share)
    sessions.append(info)
    store.write_status({"name": summary.name, "complete": summary.complete,
                        "n_runs": summary.n_runs,
                        "done": summary.done_before + summary.executed - summary.lost_now,
                        "failed": summary.failed_total, "sessions": sessions})

