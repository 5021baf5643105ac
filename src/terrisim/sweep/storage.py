"""Results on disk: chunked Parquet written atomically, so a sweep can always resume.

Layout of a results directory::

    experiment.json         the experiment as run (plan hash, code fingerprint, first start)
    design.parquet          one row per design point (factor values, unit sample if sampled)
    runs/part-*.parquet     kept rows of successful runs; each file holds whole runs
    failures/part-*.parquet runs that raised: parameters, seed, error and traceback
    tables/<name>/part-*.parquet  long tables of the runs, when asked (``--tables``)
    sweep.json              status of the last session (complete or not, counts, timings)

Every file is written to a temporary name and renamed (``os.replace``), so a file that exists
is complete: after Ctrl-C, ``kill -9`` or a lost node, the set of run ids found in ``runs/`` and
``failures/`` is exactly the work done, and a resumed sweep runs only the others.  Nothing is
ever appended by rewriting a file.  A lock file keeps two sweeps from writing to one directory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError
from ..simulate import atomic_write_bytes, write_parquet

EXPERIMENT_JSON = "experiment.json"
DESIGN_PARQUET = "design.parquet"
SWEEP_JSON = "sweep.json"
RUNS = "runs"
FAILURES = "failures"
TABLES = "tables"


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def plan_hash(described: dict[str, Any]) -> str:
    """Hash of what determines the results (scenario, factors, design, seeds, outputs), not of
    comments, description or file location: editing a comment must not block a resume."""
    keys = ("base", "factors", "design", "replications", "seed", "output")
    canon = json.dumps({k: described[k] for k in keys}, sort_keys=True, default=str)
    return hashlib.sha256(canon.encode()).hexdigest()


class ResultStore:
    """One results directory: preparation, resume bookkeeping, chunk writes and reads."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.runs = self.root / RUNS
        self.failures = self.root / FAILURES
        self.tables = self.root / TABLES
        self._lock_fd: int | None = None

    # -- locking ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the directory (released by the OS even after kill -9)."""
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            import fcntl
        except ImportError:       # Windows: no advisory locks; one sweep per directory
            yield
            return
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                raise UserError(f"{self.root}: another sweep (pid {holder}) is writing to this "
                                "directory; wait for it or use --out for a new one") from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
            yield
        finally:
            os.close(fd)

    # -- preparation -----------------------------------------------------------------------
    def prepare(self, described: dict[str, Any], design_points: pd.DataFrame,
                unit: np.ndarray | None, code: str, restart: bool, retry_failed: bool
                ) -> dict[str, Any]:
        """Check that existing results belong to the same experiment and model, or start anew.

        Returns the stored experiment record (with the first session's start time).
        """
        record_path = self.root / EXPERIMENT_JSON
        plan = plan_hash(described)
        nothing_stored = not any(self.runs.glob("part-*.parquet")) and not any(
            self.failures.glob("part-*.parquet"))
        if restart or (record_path.exists() and nothing_stored):
            self.clear()      # nothing to mix with: start from this experiment
        if record_path.exists():
            record = json.loads(record_path.read_text())
            if record.get("plan_sha256") != plan:
                raise UserError(
                    f"{self.root} holds results of a different experiment "
                    f"('{record.get('name')}' from {record.get('file')}): its scenario, factors, "
                    "design, seed or outputs differ. Use --out for a new directory, or "
                    "--restart to delete these results and start over")
            if record.get("code") != code:
                raise UserError(
                    f"{self.root} was started with another version of the model (code "
                    f"fingerprint {record.get('code')}, now {code}); resuming would mix two "
                    "models. Use --out for a new directory, or --restart to start over")
            stored = pd.read_parquet(self.root / DESIGN_PARQUET)[list(design_points.columns)]
            if not stored.equals(design_points.reset_index(drop=True)):
                raise UserError(
                    f"{self.root}: the design drawn now differs from the stored one (another "
                    "SALib or NumPy version?); resuming would mix two designs. Use --out for a "
                    "new directory, or --restart to start over")
            self._remove_temporaries()
            if retry_failed:
                for path in self.failures.glob("part-*.parquet"):
                    path.unlink()
            return record
        if self.runs.exists() and any(self.runs.glob("*.parquet")):
            raise UserError(f"{self.root} holds run files but no {EXPERIMENT_JSON}; use "
                            "--restart to delete them or --out for a new directory")
        self._remove_temporaries()
        record = {"name": described["name"], "file": described["file"],
                  "file_sha256": described["sha256"], "plan_sha256": plan, "code": code,
                  "started": now(), "experiment": described}
        from ..simulate import versions

        record["versions"] = versions()
        points = design_points.copy()
        if unit is not None:
            for i, name in enumerate(design_points.columns):
                points[f"unit_{name}"] = unit[:, i]
        points.insert(0, "point", np.arange(len(points), dtype=np.int64))
        write_parquet(points, self.root / DESIGN_PARQUET, {"experiment": described["name"],
                                                           "plan_sha256": plan})
        atomic_write_bytes(record_path, json.dumps(record, indent=2, default=str).encode())
        return record

    def clear(self) -> None:
        """Delete every result file this package writes (for --restart)."""
        for sub in (self.runs, self.failures, *self.tables.glob("*/")):
            for path in sub.glob("*"):
                if path.is_file():
                    path.unlink()
        for name in (EXPERIMENT_JSON, DESIGN_PARQUET, SWEEP_JSON):
            (self.root / name).unlink(missing_ok=True)

    def _remove_temporaries(self) -> None:
        """Half-written temporary files of a killed session (never renamed, never read)."""
        for sub in (self.root, self.runs, self.failures, *self.tables.glob("*/")):
            for path in sub.glob(".*.tmp"):
                path.unlink(missing_ok=True)

    # -- bookkeeping -----------------------------------------------------------------------
    def done_run_ids(self) -> np.ndarray:
        """Ids of runs already stored, successful or failed (sorted, unique)."""
        parts = [_read_ids(p) for d in (self.runs, self.failures) for p in d.glob("part-*.parquet")]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts))

    def failed_count(self) -> int:
        """Number of runs recorded as failed."""
        return sum(len(_read_ids(p)) for p in self.failures.glob("part-*.parquet"))

    def write_chunk(self, frames: list[pd.DataFrame], failures: list[pd.DataFrame],
                    metadata: dict[str, Any],
                    tables: dict[str, list[pd.DataFrame]] | None = None) -> None:
        """Write buffered rows (whole runs) and failures, each as one new Parquet file.

        Long tables go first: a kill between the two writes leaves tables of runs not yet
        recorded, which a resume redoes and :func:`read_table_chunks` keeps once.
        """
        for name, parts in (tables or {}).items():
            df = pd.concat(parts, ignore_index=True)
            path = self.tables / name / f"part-{int(df['run_id'].min()):09d}.parquet"
            n = 1
            while path.exists():   # the same first run redone after a kill: keep both
                path = path.with_name(f"part-{int(df['run_id'].min()):09d}-{n}.parquet")
                n += 1
            write_parquet(df, path, {**metadata, "table": name})
        for folder, parts in ((self.runs, frames), (self.failures, failures)):
            if not parts:
                continue
            df = pd.concat(parts, ignore_index=True)
            sort = ["run_id", "month"] if "month" in df.columns else ["run_id"]
            df = df.sort_values(sort, kind="stable").reset_index(drop=True)
            path = folder / f"part-{int(df['run_id'].iloc[0]):09d}.parquet"
            n = 1
            while path.exists():   # cannot happen for disjoint runs; never overwrite anyway
                path = folder / f"part-{int(df['run_id'].iloc[0]):09d}-{n}.parquet"
                n += 1
            write_parquet(df, path, metadata)

    def write_status(self, status: dict[str, Any]) -> None:
        """Replace sweep.json (status of the sessions) atomically."""
        atomic_write_bytes(self.root / SWEEP_JSON,
                           json.dumps(status, indent=2, default=str).encode())


def _read_ids(path: Path) -> np.ndarray:
    import pyarrow.parquet as pq

    try:
        col = pq.read_table(path, columns=["run_id"]).column("run_id")
    except Exception as exc:   # a file that is not ours or was damaged outside terrisim
        raise UserError(f"{path}: cannot be read as a results chunk ({exc}); delete it and "
                        "re-run the same command to redo its runs") from None
    return np.unique(col.to_numpy())


# -- reading (for people, tests and the report) -------------------------------------------------
def read_results(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All kept rows of a results directory, sorted by run and month (identical whatever the
    executor, worker count or interruptions that produced them)."""
    return _read_folder(Path(root) / RUNS, columns, ["run_id", "month"])


def read_failures(root: str | Path) -> pd.DataFrame:
    """The failures table: one row per failed run (empty if none)."""
    return _read_folder(Path(root) / FAILURES, None, ["run_id"])


def _read_folder(folder: Path, columns: list[str] | None, order: list[str]) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(folder.glob("part-*.parquet"))
    if not files:
        return pd.DataFrame(columns=columns or order)
    tables = [pq.read_table(f, columns=columns) for f in files]
    df = pa.concat_tables(tables, promote_options="default").to_pandas()
    df = df.sort_values([c for c in order if c in df.columns], kind="stable")
    keys = [c for c in order if c in df.columns]
    if keys and df.duplicated(keys).any():
        raise UserError(f"{folder}: some runs are stored twice (two sweeps wrote here at once?); "
                        "delete the directory and run again")
    return df.reset_index(drop=True)


def read_table_chunks(root: str | Path, name: str, run_id: int | None = None) -> pd.DataFrame:
    """A long table of a sweep (``tables/<name>/``), only for runs recorded in ``runs/`` and
    each run once (a run redone after an interruption wrote its identical rows twice)."""
    import pyarrow.parquet as pq

    files = sorted((Path(root) / TABLES / name).glob("part-*.parquet"))
    filters = [("run_id", "=", int(run_id))] if run_id is not None else None
    frames = [pq.read_table(f, filters=filters).to_pandas() for f in files]
    frames = [f for f in frames if len(f)]
    if not frames:
        raise UserError(f"{root}: no rows in tables/{name}/"
                        + (f" for run {run_id}" if run_id is not None else ""))
    df = pd.concat(frames, ignore_index=True)
    done = [_read_ids(p) for p in (Path(root) / RUNS).glob("part-*.parquet")]
    df = df[df["run_id"].isin(np.concatenate(done) if done else [])]
    key = ["run_id", "alliance"] if "alliance" in df.columns else ["run_id", "month", "commune"]
    df = df.drop_duplicates(key).sort_values(key, kind="stable")
    return df.reset_index(drop=True)


def read_experiment_record(root: str | Path) -> dict[str, Any]:
    """The experiment record of a results directory (raises a UserError if there is none)."""
    path = Path(root) / EXPERIMENT_JSON
    if not path.exists():
        raise UserError(f"{root}: not a sweep results directory (no {EXPERIMENT_JSON}); run "
                        "`terrisim sweep EXPERIMENT.toml --out DIR` first")
    return json.loads(path.read_text())
