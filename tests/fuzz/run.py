"""Run the fuzz corpus through the real command line and classify every outcome.

    python tests/fuzz/run.py [--jobs 2] [--timeout 60] [--json out.json] [--only PREFIX]

Each case runs in a child process of its own (forked from a parent that has imported the
command line once, so hundreds of cases fit in CI), in its own directory, with its stdout and
stderr captured, under a per-case timeout and an address-space limit (``ulimit -v``) so that a
run that would need too much memory fails instead of swapping.  The child runs exactly what the
``terrisim`` entry point runs, ``terrisim.cli.main(argv)``, and an exception escaping it is
printed as Python prints it (a traceback).

Outcomes: **valid** (exit 0), **clean** (non-zero exit, no traceback, a short message), **unclear**
(non-zero, no traceback, but a long message or one not naming what is wrong), **traceback**,
**hang** (killed at the timeout).  Works against older versions of terrisim too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))   # the project root: tests.fuzz
# one thread per numerical library: the parent forks every case after importing them
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from tests.fuzz.corpus import FIXTURE, Case, all_cases, experiment_text  # noqa: E402

#: Address-space limit of each case (the issue's reproducers used a 4 GB cap).
ADDRESS_SPACE = 4 * 2**30
#: Memory budget terrisim itself is told about (ignored by versions without the check).
MEMORY_LIMIT = "500MB"


def materialise(case: Case, where: Path, fixtures: dict[str, Path]) -> None:
    """Create the case's directory with its files (and a copy of its results fixture)."""
    where.mkdir(parents=True)
    if case.setup:
        shutil.copytree(fixtures[case.setup], where / "res[1]")
    for name, content in case.files.items():
        target = (where / "res[1]" / name) if case.setup and not name.endswith(".toml") \
            and name not in ("f", "d") else where / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content == "<dir>":
            target.mkdir(exist_ok=True)
        elif content == "<fifo>":
            os.mkfifo(target)
        elif content == "<file>":
            shutil.rmtree(target, ignore_errors=True)
            target.write_text("x")
        elif content == "<delete>":
            target.unlink()
        elif content == "<truncate>":
            files = [target] if target.exists() else sorted(target.parent.glob("part-*"))
            data = files[0].read_bytes()
            files[0].write_bytes(data[: len(data) // 2])
        elif content == "<foreign>":
            import pandas as pd

            pd.DataFrame({"run_id": [99], "x": [1.0]}).to_parquet(target)
        elif isinstance(content, str) and content.startswith("<copy:"):
            source = sorted((where / "res[1]" / "runs").glob("part-*"))[0]
            shutil.copy(source, target)
        elif isinstance(content, str) and content.startswith("<link:"):
            target.symlink_to(content[6:-1])
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def child(case: Case, where: Path) -> None:
    """In the forked child: run the command line as the entry point does, then exit."""
    os.chdir(where)
    out = os.open("stdout", os.O_WRONLY | os.O_CREAT, 0o644)
    err = os.open("stderr", os.O_WRONLY | os.O_CREAT, 0o644)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.setsid()
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
    os.environ["TERRISIM_MEMORY_LIMIT"] = MEMORY_LIMIT
    code = 1
    try:
        from terrisim import cli

        code = cli.main(case.argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(code or 0))


def classify(case: Case, code: int | None, stderr: str, where: Path) -> tuple[str, str]:
    """(outcome, note) of one finished case."""
    if code is None:
        return "hang", ""
    if "Traceback (most recent call last)" in stderr:
        return "traceback", stderr.strip().splitlines()[-1][:300]
    escaped = [p for d in (where.parent, where.parent.parent, where.parent.parent.parent)
               for p in d.glob("escaped*")]
    if escaped:
        return "unclear", f"wrote outside results/: {escaped[0]}"
    if code == 0:
        return "valid", ""
    stdout = (where / "stdout").read_text(errors="replace") if (where / "stdout").exists() else ""
    if code == 1 and case.argv[0] == "sweep" and " runs done, " in stdout and not stderr.strip():
        return "valid", "some runs failed in the model (recorded in failures/)"
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    message = lines[-1] if lines else ""
    if not message or len(lines) > 3:
        return "unclear", f"{len(lines)} lines: {message[:200]}"
    missing = [n for n in case.names if n not in message]
    if missing:
        return "unclear", f"does not name {missing}: {message[:200]}"
    return "clean", message[:300]


def make_fixtures(base: Path) -> dict[str, Path]:
    """A small finished sweep (3 chunk files of 2 runs each) to damage in results cases."""
    from terrisim import cli

    d = base / "fixture"
    d.mkdir()
    (d / "e.toml").write_text(experiment_text(FIXTURE))
    for rpt, out in ((2, "res"),):
        code = cli.main(["sweep", str(d / "e.toml"), "--serial", "--quiet", "--out",
                         str(d / out), "--runs-per-task", str(rpt)])
        assert code == 0, code
    # one chunk per task: the runs are flushed at each task end with --serial
    return {"results": d / "res"}


def preload() -> None:
    """Import, once before forking, what every case would import: the command modules (the
    parser imports them all), the model and the table libraries."""
    import importlib

    from terrisim import cli

    cli.build_parser()
    for name in ("terrisim.model", "terrisim.simulate", "pandas", "pyarrow.parquet", "tqdm",
                 "scipy.stats", "terrisim.sweep.engine", "terrisim.validation.validate"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--only", default=None, help="run cases whose name starts with this")
    ap.add_argument("--keep", action="store_true", help="keep the case directories")
    args = ap.parse_args()

    preload()

    cases = [c for c in all_cases() if args.only is None or c.name.startswith(args.only)]
    base = Path(tempfile.mkdtemp(prefix="terrisim-fuzz-"))
    fixtures = make_fixtures(base) if any(c.setup for c in cases) else {}
    results: list[dict[str, object]] = []
    running: dict[int, tuple[Case, Path, float]] = {}
    todo = list(enumerate(cases))
    start = time.monotonic()

    def reap(pid: int, status: int | None) -> None:
        case, where, _ = running.pop(pid)
        code = None if status is None else os.waitstatus_to_exitcode(status)
        stderr = (where / "stderr").read_text(errors="replace") if (where / "stderr").exists() \
            else ""
        outcome, note = classify(case, code, stderr, where)
        results.append({"name": case.name, "argv": case.argv, "expect": case.expect,
                        "exit": code, "outcome": outcome, "note": note})

    while todo or running:
        while todo and len(running) < args.jobs:
            k, case = todo.pop(0)
            where = base / "cases" / f"{k:04d}" / "cwd"
            materialise(case, where, fixtures)
            pid = os.fork()
            if pid == 0:
                child(case, where)
            running[pid] = (case, where, time.monotonic())
        pid, status = os.waitpid(-1, os.WNOHANG)
        if pid:
            reap(pid, status)
            continue
        for pid, (_, _, t0) in list(running.items()):
            if time.monotonic() - t0 > args.timeout:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                reap(pid, None)
        time.sleep(0.01)

    counts = {k: sum(r["outcome"] == k for r in results)
              for k in ("valid", "clean", "unclear", "traceback", "hang")}
    wrong = [r for r in results if (r["expect"] == "refuse" and r["outcome"] == "valid")
             or (r["expect"] == "run" and r["outcome"] == "clean")]
    summary = {"tried": len(results), **counts, "unexpected": len(wrong),
               "seconds": round(time.monotonic() - start, 1)}
    print(json.dumps(summary))
    for r in sorted(results, key=lambda r: str(r["name"])):
        if r["outcome"] in ("traceback", "hang", "unclear") or r in wrong:
            print(f"  {r['outcome']:9} {r['name']}: {r['note']}  (expect {r['expect']}, "
                  f"exit {r['exit']})")
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "results": results}, indent=1))
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)
    bad = counts["traceback"] + counts["hang"] + counts["unclear"] + len(wrong)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
