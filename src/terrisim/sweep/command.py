"""``terrisim sweep EXPERIMENT.toml``: run an experiment on this machine, Dask or SLURM.

Light at import time (``terrisim --help`` imports it): everything heavy is imported in
:func:`main`.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from ..errors import UserError


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Declare the options (called by terrisim.cli for every command line)."""
    p.add_argument("experiment", metavar="EXPERIMENT",
                   help="experiment file, or the name of a shipped experiment such as 'quick' "
                        "(see experiments/ and docs/experiments.md)")
    p.add_argument("--out", default=None,
                   help="results directory (default: results/<experiment name>); re-running "
                        "the same command into it resumes an interrupted sweep")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, metavar="N",
                       help="local worker processes (default: the number of CPU cores)")
    where.add_argument("--serial", action="store_true",
                       help="run in this process, one run after the other (for debugging)")
    where.add_argument("--scheduler", metavar="ADDRESS", default=None,
                       help="run on an existing Dask cluster, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--cluster", choices=["slurm", "pbs", "sge"], default=None,
                       help="create a Dask cluster of SLURM, PBS or SGE jobs (dask-jobqueue) "
                            "for this sweep")
    p.add_argument("--connect-timeout", type=float, default=30.0, metavar="SECONDS",
                   help="how long to try reaching the Dask scheduler, and to wait for its "
                        "first worker (default 30)")
    slurm = p.add_argument_group("batch-system options (with --cluster slurm|pbs|sge)")
    slurm.add_argument("--queue", help="partition (SLURM) or queue (PBS, SGE)")
    slurm.add_argument("--account", help="account (SLURM, PBS) or project (SGE) to charge")
    slurm.add_argument("--jobs", type=int, default=1, help="number of jobs (default 1)")
    slurm.add_argument("--cores", type=int, default=8,
                       help="cores per job; one single-threaded worker per core (default 8)")
    slurm.add_argument("--memory", default=None,
                       help="memory per job, e.g. 16GB (default: 2GB per core)")
    slurm.add_argument("--walltime", default="01:00:00",
                       help="wall time per job, HH:MM:SS (default 01:00:00)")
    slurm.add_argument("--resource-spec", default=None, metavar="SPEC",
                       help="resource request line (PBS -l, SGE -l), e.g. "
                            "'select=1:ncpus=16:mem=32GB' (default: from --cores and --memory)")
    slurm.add_argument("--job-extra", action="append", default=[], metavar="DIRECTIVE",
                       help="extra directive, e.g. --job-extra='--qos=short' (SLURM) or "
                            "--job-extra='-pe smp 16' (SGE) (repeatable)")
    slurm.add_argument("--print-job-script", action="store_true",
                       help="print the job script the jobs would use, and exit")
    p.add_argument("--restart", action="store_true",
                   help="delete existing results in the output directory and start over")
    p.add_argument("--retry-failed", action="store_true",
                   help="run again the runs recorded as failed")
    p.add_argument("--repair", action="store_true",
                   help="heal a damaged results directory: rebuild experiment.json and "
                        "design.parquet from the experiment file, set damaged or foreign "
                        "chunks aside in quarantine/ (their runs are redone), keep every valid "
                        "chunk; then resume")
    p.add_argument("--runs-per-task", type=int, default=None, metavar="N",
                   help="runs batched in one task (default: from the file, else automatic)")
    p.add_argument("--tables", metavar="NAMES", default=None,
                   help="also keep long tables of every run, comma-separated: alliances and/or "
                        "communes (in RESULTS/tables/<name>/; adds to [output] tables)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the experiment file and print the plan, without running")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def main(args: argparse.Namespace) -> int:
    """Validate, run (or resume) the sweep and print a summary.

    Exit status: 0 when every run succeeded, 1 when some failed in the model, 130 when
    interrupted or incomplete (Ctrl-C, SIGTERM, a lost scheduler, runs lost outside the model):
    re-running the same command resumes.
    """
    import dataclasses

    from ..checks import (
        check_output_dir,
        check_positive_int,
        check_scheduler_address,
        check_timeout,
        path_name,
    )
    from ..tables import parse_tables
    from .design import design_size
    from .engine import run_sweep
    from .executors import ExecutorSpec, jobqueue_cluster
    from .experiment import load_experiment

    check_positive_int(args.workers, "--workers", 1, 4096)
    check_positive_int(args.runs_per_task, "--runs-per-task", 1, 100_000)
    check_positive_int(args.jobs, "--jobs", 1, 100_000)
    check_positive_int(args.cores, "--cores", 1, 4096)
    timeout = check_timeout(args.connect_timeout)
    scheduler = (check_scheduler_address(args.scheduler) if args.scheduler is not None
                 else None)
    experiment = load_experiment(args.experiment)
    if args.tables is not None:
        wanted = parse_tables([*experiment.output.tables, *args.tables.split(",")])
        experiment = dataclasses.replace(experiment, output=dataclasses.replace(
            experiment.output, tables=wanted))
    if args.out is not None and not args.out.strip():
        raise UserError("--out needs a directory (got an empty path)")
    out = Path(args.out) if args.out is not None else (
        Path("results") / path_name(experiment.name, path_name(experiment.path.stem)))
    slurm_opts: dict[str, Any] = {"queue": args.queue, "account": args.account,
                                  "jobs": args.jobs, "cores": args.cores, "memory": args.memory,
                                  "walltime": args.walltime, "job_extra": args.job_extra,
                                  "resource_spec": args.resource_spec,
                                  "log_directory": str(out / f"{args.cluster or 'slurm'}-logs")}
    if args.print_job_script:
        if args.cluster is None:
            raise UserError("--print-job-script goes with --cluster slurm|pbs|sge")
        cluster = jobqueue_cluster(args.cluster, slurm_opts)
        try:
            print(cluster.job_script())
        finally:
            cluster.close()
        return 0
    if args.serial:
        spec = ExecutorSpec("serial")
    elif scheduler:
        spec = ExecutorSpec("dask", scheduler=scheduler, timeout=timeout)
    elif args.cluster is not None:
        spec = ExecutorSpec(args.cluster, slurm=slurm_opts, timeout=timeout)
    else:
        spec = ExecutorSpec("local", workers=args.workers)
    check_sweep_memory(experiment, spec)
    if args.dry_run:   # sizes only: drawing a 10⁷-point design would take minutes
        n_points = design_size(experiment)
        print(plan_text(experiment, n_points, n_points * experiment.replications, out))
        return 0
    check_output_dir(out)

    previous = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)   # a scheduler's kill: save, then stop
    try:
        summary = run_sweep(experiment, out, spec, restart=args.restart,
                            retry_failed=args.retry_failed, progress=not args.quiet,
                            runs_per_task=args.runs_per_task, repair=args.repair)
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(summary_text(summary))
    if summary.lost_reason:
        print(f"interrupted: {summary.lost_reason}", file=sys.stderr)
    if summary.interrupted or not summary.complete:
        return 130
    return 1 if summary.failed_total else 0


def check_sweep_memory(experiment: Any, spec: Any) -> None:
    """Refuse a sweep whose design (in the driver) plus its largest run on each local worker
    would not fit in memory, before drawing the design."""
    import os

    from ..memory import check_fits, estimate_design_bytes
    from .design import design_size

    n_points = design_size(experiment)
    design = estimate_design_bytes(n_points, len(experiment.factors),
                                   n_points * experiment.replications)
    copies = {"serial": 1, "local": spec.workers or os.cpu_count() or 1}.get(spec.kind, 0)
    check_fits(largest_point(experiment), what=f"{experiment.path}: this sweep", copies=copies,
               extra=design)


def largest_point(experiment: Any) -> dict[str, Any]:
    """The base scenario with every numeric factor at its largest value: the memory estimate
    grows with every size parameter (cells, organisations, candidates, catalysts), so this
    bounds the design's points."""
    from ..scenario import Scenario

    corner = {**Scenario().to_dict(), **experiment.base}
    for f in experiment.factors:
        if f.spec.type in (int, float):
            corner[f.name] = max(f.values) if f.values is not None else f.hi
        elif f.spec.type is bool and f.values is not None:
            corner[f.name] = any(f.values)
    return corner


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def plan_text(experiment: Any, n_points: int, n_runs: int, out: Path) -> str:
    """What --dry-run prints: the design's size, factor levels and kept outputs."""
    lines = [f"{experiment.path}: experiment '{experiment.name}' — {experiment.design.type}, "
             f"{n_points:,} points × {experiment.replications} replications = {n_runs:,} runs",
             f"scenario: {experiment.scenario_path}", "factors:"]
    for f in experiment.factors:
        unit = f" {f.spec.unit}" if f.spec.unit not in ("", "-") else ""
        if f.values is not None:
            shown = ", ".join(str(v) for v in f.values)
            lines.append(f"  {f.name}{unit and ' (' + unit.strip() + ')'}: {shown}")
        else:
            lines.append(f"  {f.name}{unit and ' (' + unit.strip() + ')'}: {f.distribution} "
                         f"on [{f.lo:g}, {f.hi:g}]")
    o = experiment.output
    kept = "all indicators" if o.indicators is None else f"{len(o.indicators)} indicators"
    steps = {"final": "final month", "all": "every month", "every": f"every {o.every} months",
             "months": "months " + ", ".join(map(str, o.months))}[o.steps]
    tables = f"; tables: {', '.join(o.tables)}" if o.tables else ""
    lines += [f"keeps: {kept}, {steps}{tables}", f"results: {out}"]
    return "\n".join(lines)


def summary_text(s: Any) -> str:
    """A few lines: what was done, how fast, where it is, what failed, what to do next."""
    done = s.done_before + s.executed - s.lost_now
    head = (f"{s.name}: {done:,} of {s.n_runs:,} runs done, {s.failed_total:,} failed")
    if s.executed:
        runs = "run" if s.executed == 1 else "runs"
        head += (f" — {s.executed:,} {runs} now in {_duration(s.wall_seconds)} "
                 f"({s.runs_per_second:.2f} runs/s) on {s.executor}")
    elif s.done_before == s.n_runs:
        head += " — nothing left to run"
    lines = [f"repair: {line}" for line in s.repaired] + [head]
    if s.executed and s.worker_cpu_seconds > 0:
        lines.append(f"model: {s.worker_cpu_seconds / s.executed:.2f} s CPU a run; "
                     f"orchestration and idle time {100 * s.overhead_share:.1f} % of the "
                     f"workers' time (start-up {s.startup_seconds:.1f} s)")
    lines.append(f"results: {s.out}/runs  (failures: {s.out}/failures)")
    if s.first_failures:
        lines.append("first failures:")
        lines += [f"  {line.splitlines()[0][:300]}" for line in s.first_failures]
    if s.lost_now:
        lines.append(f"{s.lost_now:,} runs were lost outside the model (workers, scheduler): "
                     "they are not counted as failed and run again on resume")
    if s.compacted:
        lines.append(f"compacted: {s.compacted:,} small chunk files merged")
    if s.interrupted or s.lost_now:
        lines.append("interrupted: completed runs are saved; re-run the same command to "
                     "resume with only the missing runs")
    elif s.complete:
        lines.append(f"next: terrisim report {s.out}")
    return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    m, sec = divmod(round(seconds), 60)
    return f"{m} min {sec:02d} s" if m < 60 else f"{m // 60} h {m % 60:02d} min"

