"""Where runs execute: one ``concurrent.futures.Executor`` interface for every back end.

* ``serial``  — in the driver process (debugging, profiling, tiny sweeps);
* ``local``   — an embedded process pool, nothing to start (the default).  Workers are forked from
  a *forkserver* that has already imported the model, so each starts in milliseconds instead of
  paying Mesa's ≈1 s import, and without forking a multi-threaded driver;
* ``dask``    — an existing Dask distributed cluster (``--scheduler tcp://HOST:PORT``), through
  ``Client.get_executor()``;
* ``slurm``, ``pbs``, ``sge`` — a Dask cluster of batch jobs created by dask-jobqueue
  (``--cluster slurm|pbs|sge``).

The sweep engine only uses ``submit`` and ``concurrent.futures.wait``; a back end adds how many
runs can proceed at once (``slots``), how to replace a broken local pool (``restart``) and how to
stop at once on Ctrl-C (``abort``).  Dask and dask-jobqueue are imported only when used.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import UserError


@dataclass(frozen=True)
class ExecutorSpec:
    """Which back end to use, from the command-line options."""

    kind: str = "local"                   # serial | local | dask | slurm | pbs | sge
    workers: int | None = None            # local: processes (default: CPU count)
    scheduler: str | None = None          # dask: tcp://host:port
    slurm: dict[str, Any] = field(default_factory=dict)   # batch-system job options
    timeout: float = 30.0                 # dask: seconds to connect and to see a worker


class SerialExecutor(cf.Executor):
    """Runs each task at submission, in this process (same results, easiest to debug)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future[Any]:
        """Run now; return a completed future (exceptions travel in it)."""
        future: cf.Future[Any] = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:   # delivered like a pool would: through the future
            future.set_exception(exc)
        return future


class Backend:
    """An executor plus what the engine needs to know and do about it."""

    kind = "serial"

    def __init__(self) -> None:
        self.executor: cf.Executor = SerialExecutor()
        self.description = "serial (in this process)"

    def slots(self) -> int:
        """Runs that can execute at the same time (tasks in flight are a small multiple)."""
        return 1

    def restart(self) -> None:
        """Replace a broken pool (local only)."""
        raise UserError("the executor broke and cannot be restarted")

    def lost(self) -> bool:
        """Whether the executor itself is gone (then the sweep stops and resumes later), as
        opposed to one task failing."""
        return False

    def lost_reason(self, exc: BaseException | None = None) -> str:
        """One line saying what was lost."""
        return f"the executor stopped ({type(exc).__name__ if exc else 'unknown'})"

    def abort(self) -> None:
        """Stop now: cancel queued tasks and stop running ones (Ctrl-C)."""
        self.executor.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class LocalBackend(Backend):
    """A process pool on this machine."""

    kind = "local"

    def __init__(self, workers: int | None) -> None:
        n = workers or os.cpu_count() or 1
        if n < 1:
            raise UserError(f"--workers must be at least 1 (got {n})")
        self.workers = n
        methods = multiprocessing.get_all_start_methods()
        self.context = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                                   else "spawn")
        if self.context.get_start_method() == "forkserver":
            self.context.set_forkserver_preload(["terrisim.sweep._preload"])
        self.executor = self._pool()
        self.description = f"{n} local worker process{'es' if n > 1 else ''}"

    def _pool(self) -> cf.ProcessPoolExecutor:
        from .worker import init_local_worker

        return cf.ProcessPoolExecutor(max_workers=self.workers, mp_context=self.context,
                                      initializer=init_local_worker, initargs=(os.getpid(),))

    def slots(self) -> int:
        return self.workers

    def restart(self) -> None:
        self.abort()
        self.executor = self._pool()

    def abort(self) -> None:
        pool = self.executor
        assert isinstance(pool, cf.ProcessPoolExecutor)
        terminate = getattr(pool, "terminate_workers", None)   # Python ≥ 3.14
        if terminate is not None:
            terminate()
        else:
            for proc in list((getattr(pool, "_processes", None) or {}).values()):
                proc.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


class DaskBackend(Backend):
    """A Dask distributed cluster: an existing scheduler, or one created by dask-jobqueue."""

    kind = "dask"

    def __init__(self, scheduler: str | None = None, cluster: Any = None,
                 timeout: float = 30.0) -> None:
        try:
            from distributed import Client
        except ImportError as exc:
            raise UserError(f"Dask is not installed ({exc}); run scripts/setup.sh or "
                            "pip install 'terrisim[sweep]'") from None
        self.cluster = cluster
        target = cluster if cluster is not None else scheduler
        self.address = scheduler or getattr(cluster, "scheduler_address", "?")
        if scheduler is not None and scheduler.startswith("tls://"):
            from distributed.security import Security

            sec = Security()
            if not (sec.tls_ca_file and sec.tls_client_cert):
                raise UserError(f"--scheduler {scheduler}: TLS needs this client's certificate: "
                                "set DASK_DISTRIBUTED__COMM__TLS__CA_FILE, "
                                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT and "
                                "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY (see "
                                "docs/experiments.md, 'Security')")
        import logging

        # the sweep says itself, in one line, what a lost scheduler means for the results
        logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        try:
            self.client = Client(target, timeout=f"{timeout}s", set_as_default=False)
        except Exception as exc:   # OSError, TimeoutError, or Dask's own errors
            reason = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
            raise UserError(f"cannot connect to the Dask scheduler at {scheduler} ({reason}); "
                            "start one with `dask scheduler` and `dask worker ADDRESS "
                            "--nthreads 1 --nworkers N`, or check the address") from None
        if cluster is None:
            try:
                self.client.wait_for_workers(1, timeout=timeout)
            except TimeoutError:
                self.client.close()
                raise UserError(f"the Dask scheduler at {scheduler} has no workers after "
                                f"{timeout:.0f} s; start some with `dask worker "
                                f"{scheduler} --nthreads 1 --nworkers N`") from None
        self.executor = self.client.get_executor(pure=False)
        self._slots = (0, 0.0)
        where = cluster.__class__.__name__ if cluster is not None else scheduler
        self.description = f"Dask cluster {where} ({self.slots()} worker threads)"

    def slots(self) -> int:
        n, at = self._slots
        if time.monotonic() - at > 5.0:   # workers come and go (SLURM jobs start late)
            info = self.client.scheduler_info(n_workers=-1)
            n = sum(w.get("nthreads", 1) for w in info.get("workers", {}).values())
            self._slots = (n, time.monotonic())
        return max(n, 1)

    def restart(self) -> None:
        raise UserError("the Dask client lost its scheduler; results so far are saved, re-run "
                        "the same command to resume")

    def lost(self) -> bool:
        return self.client.status != "running"

    def lost_reason(self, exc: BaseException | None = None) -> str:
        what = f" ({type(exc).__name__})" if exc is not None else ""
        return (f"lost the Dask scheduler at {self.address}{what}; the runs in flight were not "
                "recorded and run again when the same command is re-run")

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=False)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


#: Batch systems dask-jobqueue drives for ``--cluster``: its class and the submit command.
BATCH_SYSTEMS: dict[str, tuple[str, str]] = {"slurm": ("SLURMCluster", "sbatch"),
                                              "pbs": ("PBSCluster", "qsub"),
                                              "sge": ("SGECluster", "qsub")}


def jobqueue_cluster(kind: str, options: dict[str, Any]) -> Any:
    """A dask-jobqueue cluster on SLURM, PBS or SGE: one job = ``cores`` single-threaded worker
    processes (the model is single-threaded Python)."""
    try:
        import dask_jobqueue
    except ImportError as exc:
        raise UserError(f"dask-jobqueue is not installed ({exc}); pip install "
                        "'terrisim[sweep]'") from None
    cls = getattr(dask_jobqueue, BATCH_SYSTEMS[kind][0])
    cores = int(options.get("cores") or 1)
    memory = options.get("memory") or f"{2 * cores}GB"
    kwargs: dict[str, Any] = {
        "cores": cores, "processes": cores, "memory": memory,
        "walltime": options.get("walltime") or "01:00:00", "python": sys.executable,
        "job_name": "terrisim-sweep",
    }
    if options.get("queue"):
        kwargs["queue"] = options["queue"]
    if options.get("account"):
        kwargs["project" if kind == "sge" else "account"] = options["account"]
    if options.get("resource_spec"):
        kwargs["resource_spec"] = options["resource_spec"]
    elif kind == "sge":   # SGE memory is per slot (h_vmem, M = MiB); PBS and SLURM: per job
        from dask.utils import parse_bytes

        try:
            per_core = parse_bytes(memory) // cores // 2**20
        except ValueError as exc:
            raise UserError(f"--memory {memory!r}: {exc}") from None
        kwargs["resource_spec"] = f"h_vmem={per_core}M"
    if options.get("job_extra"):
        kwargs["job_extra_directives"] = list(options["job_extra"])
    if options.get("log_directory"):
        kwargs["log_directory"] = options["log_directory"]
    try:
        return cls(**kwargs)
    except ValueError as exc:   # e.g. a memory size dask cannot parse
        raise UserError(f"--cluster {kind}: {exc}") from None


def open_backend(spec: ExecutorSpec) -> Backend:
    """Create the back end the options ask for (the caller closes it)."""
    if spec.kind == "serial":
        return Backend()
    if spec.kind == "local":
        return LocalBackend(spec.workers)
    if spec.kind == "dask":
        return DaskBackend(scheduler=spec.scheduler, timeout=spec.timeout)
    if spec.kind in BATCH_SYSTEMS:
        import shutil

        submit = BATCH_SYSTEMS[spec.kind][1]
        if shutil.which(submit) is None:
            raise UserError(f"{submit} not found: --cluster {spec.kind} must run where its jobs "
                            "can be submitted (a login node); --print-job-script shows the job "
                            "script")
        cluster = jobqueue_cluster(spec.kind, spec.slurm)
        cluster.scale(jobs=int(spec.slurm.get("jobs") or 1))
        return DaskBackend(cluster=cluster, timeout=spec.timeout)
    raise UserError(f"unknown executor kind {spec.kind!r}")

