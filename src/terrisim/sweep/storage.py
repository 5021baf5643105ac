"""Results on disk: chunked Parquet written atomically, so a sweep can always resume.

Layout of a results directory::

    experiment.json         the experiment as run (plan hash, code fingerprint, first start)
    design.parquet          one row per design point (factor values, unit sample if sampled)
    runs/part-*.parquet     kept rows of successful runs; each file holds whole runs
    failures/part-*.parquet runs that raised: parameters, seed, error, traceback and kind
    tables/<name>/part-*.parquet  long tables of the runs, when asked (``--tables``)
    sweep.json              status of the sessions (complete or not, counts, timings)
    quarantine/             files set aside by ``--repair`` (damaged or foreign), never read

Every file is written to a temporary name and renamed (``os.replace``), so a file that exists
is complete: after Ctrl-C, ``kill -9`` or a lost node, the set of run ids found in ``runs/`` and
``failures/`` is exactly the work done, and a resumed sweep runs only the others.  Nothing is
ever appended by rewriting a file.  A lock file keeps two sweeps from writing to one directory.

Result tables are *folders of chunks* (:data:`TABLES`): ``runs`` and ``failures`` today; another
table kind (one more folder of chunks written beside them) gets listing, compaction, checks and
repair from the same functions.  At the end of a session the small chunks are compacted
(:mod:`terrisim.sweep.compact`); a compacted file names the chunks it replaces in its footer, so
a crash between writing it and deleting them never counts a run twice.
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
from .worker import INFRASTRUCTURE, MODEL

EXPERIMENT_JSON = "experiment.json"
DESIGN_PARQUET = "design.parquet"
SWEEP_JSON = "sweep.json"
RUNS = "runs"
FAILURES = "failures"
#: Folder of the long tables (alliances, communes) kept with ``--tables``, one sub-folder each.
LONG_TABLES = "tables"
QUARANTINE = "quarantine"
#: Folders of chunk files: name → sort keys of its rows.
TABLES: dict[str, tuple[str, ...]] = {RUNS: ("run_id", "month"), FAILURES: ("run_id",)}
#: Record keys a results directory cannot be used without.
RECORD_KEYS: tuple[str, ...] = ("name", "plan_sha256", "code", "started", "experiment")
#: Error names that mean "lost outside the model" in failure files written before failures
#: carried a kind.
_INFRA_ERRORS = frozenset({"CancelledError", "KilledWorker", "CommClosedError",
                           "ClosedClientError", "BrokenProcessPool", "TimeoutError"})
REPAIR_HINT = ("run the same `terrisim sweep` command with --repair to rebuild it from the "
               "experiment file, keeping every valid chunk")


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
        self.tables = self.root / LONG_TABLES
        self._lock_fd: int | None = None

    def folder(self, table: str) -> Path:
        return self.root / table

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
        for table in TABLES:
            if self.folder(table).exists() and not self.folder(table).is_dir():
                raise UserError(f"{self.folder(table)}: is a file, expected the folder of the "
                                f"'{table}' chunks; move it away")
        nothing_stored = not any(chunk_files(self.folder(t)) for t in TABLES)
        if restart or (record_path.exists() and nothing_stored):
            self.clear()      # nothing to mix with: start from this experiment
        if record_path.exists():
            record = read_experiment_record(self.root)
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
            stored = read_design(self.root)
            cols = list(design_points.columns)
            if not set(cols) <= set(stored.columns) or not stored[cols].equals(
                    design_points.reset_index(drop=True)):
                raise UserError(
                    f"{self.root}: the design drawn now differs from the stored one (another "
                    "SALib or NumPy version?); resuming would mix two designs. Use --out for a "
                    "new directory, or --restart to start over")
            self._remove_temporaries()
            drop_superseded(self.root)
            if retry_failed:
                for path in chunk_files(self.failures):
                    path.unlink()
            else:
                self.purge_infrastructure_failures()
            return record
        if any(chunk_files(self.folder(t)) for t in TABLES):
            raise UserError(f"{self.root} holds result files but no {EXPERIMENT_JSON}; "
                            f"{REPAIR_HINT}, or use --restart to delete them or --out for a "
                            "new directory")
        self._remove_temporaries()
        return self.write_metadata(described, design_points, unit, code, now())

    def write_metadata(self, described: dict[str, Any], design_points: pd.DataFrame,
                       unit: np.ndarray | None, code: str, started: str) -> dict[str, Any]:
        """Write experiment.json and design.parquet for this experiment (new or repaired)."""
        from ..simulate import versions

        plan = plan_hash(described)
        record = {"name": described["name"], "file": described["file"],
                  "file_sha256": described["sha256"], "plan_sha256": plan, "code": code,
                  "started": started, "experiment": described, "versions": versions()}
        points = design_points.copy()
        if unit is not None:
            for i, name in enumerate(design_points.columns):
                points[f"unit_{name}"] = unit[:, i]
        points.insert(0, "point", np.arange(len(points), dtype=np.int64))
        write_parquet(points, self.root / DESIGN_PARQUET, {"experiment": described["name"],
                                                           "plan_sha256": plan})
        atomic_write_bytes(self.root / EXPERIMENT_JSON,
                           json.dumps(record, indent=2, default=str).encode())
        return record

    def clear(self) -> None:
        """Delete every result file this package writes (for --restart)."""
        for sub in (*(self.folder(t) for t in TABLES), *self.tables.glob("*/")):
            for path in sub.glob("*"):
                if path.is_file():
                    path.unlink()
        for name in (EXPERIMENT_JSON, DESIGN_PARQUET, SWEEP_JSON):
            (self.root / name).unlink(missing_ok=True)

    def _remove_temporaries(self) -> None:
        """Half-written temporary files of a killed session (never renamed, never read)."""
        for sub in (self.root, *(self.folder(t) for t in TABLES), *self.tables.glob("*/")):
            for path in sub.glob(".*.tmp"):
                path.unlink(missing_ok=True)

    def purge_infrastructure_failures(self) -> int:
        """Drop failure rows whose run was lost outside the model (lost scheduler, dead
        workers): those runs are not done and run again.  Each failure file is rewritten
        atomically without them (or removed when nothing else is left).  Returns how many."""
        import pyarrow.parquet as pq

        purged = 0
        for path in chunk_files(self.failures):
            table = pq.read_table(path)
            kinds = failure_kinds(table)
            keep = kinds != INFRASTRUCTURE
            if keep.all():
                continue
            purged += int((~keep).sum())
            if keep.any():
                meta = json.loads((table.schema.metadata or {}).get(b"terrisim", b"{}"))
                write_parquet(table.to_pandas()[keep].reset_index(drop=True), path, meta)
            else:
                path.unlink()
        return purged

    # -- bookkeeping -----------------------------------------------------------------------
    def done_run_ids(self) -> np.ndarray:
        """Ids of runs already stored, successful or failed in the model (sorted, unique);
        every chunk checked as readers check it (this sweep's, no run stored twice)."""
        parts = [ids for t in TABLES for ids in stored_ids(self.root, t).values()]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(parts))

    def failed_count(self) -> int:
        """Number of runs recorded as failed."""
        return sum(len(_read_ids(p)) for p in chunk_files(self.failures))

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
        self.write_tables({RUNS: frames, FAILURES: failures}, metadata)

    def write_tables(self, parts: dict[str, list[pd.DataFrame]],
                     metadata: dict[str, Any]) -> None:
        """Write each table's buffered frames as one new chunk of its folder."""
        for table, frames in parts.items():
            frames = [f for f in frames if len(f)]
            if not frames:
                continue
            df = pd.concat(frames, ignore_index=True)
            sort = [c for c in TABLES.get(table, ("run_id",)) if c in df.columns]
            df = df.sort_values(sort, kind="stable").reset_index(drop=True)
            folder = self.folder(table)
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


def failure_kinds(table: Any) -> np.ndarray:
    """Kind of each failure row (files written before kinds existed: by error name)."""
    if "kind" in table.column_names:
        return np.asarray(table.column("kind").to_pylist(), dtype=object)
    errors = table.column("error").to_pylist() if "error" in table.column_names else []
    return np.array([INFRASTRUCTURE if e in _INFRA_ERRORS else MODEL for e in errors],
                    dtype=object)


def _read_ids(path: Path) -> np.ndarray:
    import pyarrow.parquet as pq

    try:
        col = pq.read_table(path, columns=["run_id"]).column("run_id")
    except Exception as exc:   # a file that is not ours or was damaged outside terrisim
        raise UserError(f"{path}: cannot be read as a results chunk ({_short(exc)}); "
                        f"{REPAIR_HINT.replace('rebuild it', 'set it aside')} (its runs are "
                        "redone)") from None
    return np.unique(col.to_numpy())


def _short(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


# -- chunk listing ---------------------------------------------------------------------------------
def chunk_files(folder: Path) -> list[Path]:
    """The chunk files of a table folder that hold its rows: every ``part-*.parquet`` except
    those a compacted file already holds (left by a crash during compaction)."""
    files = sorted(folder.glob("part-*.parquet"))
    gone = superseded(folder, files)
    return [f for f in files if f.name not in gone]


def is_compacted(path: Path) -> bool:
    """Whether a chunk's name is a compacted file's (``part-<first run>-c<8 hex>.parquet``)."""
    tail = path.stem.rsplit("-", 1)[-1]
    return len(tail) == 9 and tail[0] == "c"


def superseded(folder: Path, files: list[Path] | None = None) -> set[str]:
    """Names of chunks that a compacted file of ``folder`` replaces."""
    from ..simulate import read_parquet_metadata

    files = sorted(folder.glob("part-*.parquet")) if files is None else files
    gone: set[str] = set()
    for path in files:
        if is_compacted(path):
            try:
                gone.update(read_parquet_metadata(path).get("compacted_from", []))
            except Exception:   # damaged: checks and --repair name it
                continue
    return gone


def drop_superseded(root: Path) -> None:
    """Delete chunks already held by a compacted file (finishing an interrupted compaction)."""
    for table in TABLES:
        folder = root / table
        for name in superseded(folder):
            (folder / name).unlink(missing_ok=True)


# -- reading (for people, tests and the report) -------------------------------------------------
def read_results(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All kept rows of a results directory, sorted by run and month (identical whatever the
    executor, worker count, interruptions or compaction that produced them)."""
    return read_table(root, RUNS, columns)


def read_failures(root: str | Path) -> pd.DataFrame:
    """The failures table: one row per failed run (empty if none)."""
    return read_table(root, FAILURES)


def read_table(root: str | Path, table: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One result table of a results directory, checked (see :func:`checked_files`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    order = list(TABLES.get(table, ("run_id",)))
    files = checked_files(root, table)
    if not files:
        return pd.DataFrame(columns=columns or order)
    try:
        tables = [pq.read_table(f, columns=columns) for f in files]
        df = pa.concat_tables(tables, promote_options="default").to_pandas()
    except Exception as exc:
        raise UserError(f"{Path(root) / table}: cannot be read ({_short(exc)}); "
                        f"{REPAIR_HINT}") from None
    keys = [c for c in order if c in df.columns]
    df = df.sort_values(keys, kind="stable")
    if keys and df.duplicated(keys).any():
        raise UserError(f"{Path(root) / table}: some runs are stored twice; {REPAIR_HINT}")
    return df.reset_index(drop=True)


def read_table_chunks(root: str | Path, name: str, run_id: int | None = None) -> pd.DataFrame:
    """A long table of a sweep (``tables/<name>/``), only for runs recorded in ``runs/`` and
    each run once (a run redone after an interruption wrote its identical rows twice)."""
    import pyarrow.parquet as pq

    files = sorted((Path(root) / LONG_TABLES / name).glob("part-*.parquet"))
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


def checked_files(root: str | Path, table: str) -> list[Path]:
    """The chunk files of ``table``, after checking what every reader relies on: each file is
    a readable Parquet file written by this experiment's sweep (plan hash in its footer), and
    no run is stored in two files.  Problems raise one :class:`UserError` naming the file."""
    return list(stored_ids(root, table))


def stored_ids(root: str | Path, table: str) -> dict[Path, np.ndarray]:
    """Run ids of every chunk file of ``table``, checked as :func:`checked_files` says."""
    import pyarrow.parquet as pq

    root = Path(root)
    record = read_experiment_record(root)
    out: dict[Path, np.ndarray] = {}
    owner: dict[int, Path] = {}
    for path in chunk_files(root / table):
        try:
            schema = pq.read_schema(path)
            meta = json.loads((schema.metadata or {}).get(b"terrisim", b"{}"))
        except Exception as exc:
            raise UserError(f"{path}: damaged or not a Parquet file ({_short(exc)}); "
                            f"{REPAIR_HINT.replace('rebuild it', 'set it aside')}") from None
        if not isinstance(meta, dict) or meta.get("plan_sha256") != record["plan_sha256"]:
            raise UserError(f"{path}: not a chunk of this sweep (foreign file: no or another "
                            f"plan hash in its footer); move it out of {root / table}")
        if "run_id" not in schema.names:
            raise UserError(f"{path}: has no run_id column; move it out of {root / table}")
        ids = _read_ids(path)
        for run_id in ids.tolist():
            first = owner.setdefault(run_id, path)
            if first != path:
                raise UserError(f"{root / table}: run {run_id} is stored twice ({first.name} "
                                f"and {path.name}); {REPAIR_HINT}")
        out[path] = ids
    return out


def read_design(root: str | Path) -> pd.DataFrame:
    """The stored design points (raises a :class:`UserError` if missing or damaged)."""
    path = Path(root) / DESIGN_PARQUET
    if not path.is_file():
        raise UserError(f"{path}: missing; {REPAIR_HINT}")
    try:
        return pd.read_parquet(path)
    except Exception as exc:
        raise UserError(f"{path}: damaged ({_short(exc)}); {REPAIR_HINT}") from None


def read_experiment_record(root: str | Path) -> dict[str, Any]:
    """The experiment record of a results directory (raises a UserError if there is none or it
    is damaged)."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"{root}: not a directory of sweep results")
    path = root / EXPERIMENT_JSON
    if not path.exists():
        raise UserError(f"{root}: not a sweep results directory (no {EXPERIMENT_JSON}); run "
                        "`terrisim sweep EXPERIMENT.toml --out DIR` first")
    try:
        record = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise UserError(f"{path}: damaged ({_short(exc)}); {REPAIR_HINT}") from None
    if not isinstance(record, dict) or any(k not in record for k in RECORD_KEYS) or not (
            isinstance(record["experiment"], dict)
            and {"factors", "base", "design", "output"} <= set(record["experiment"])):
        raise UserError(f"{path}: damaged (not an experiment record); {REPAIR_HINT}")
    return record


def read_status(root: str | Path) -> dict[str, Any]:
    """sweep.json, or ``{}`` when missing or damaged (it is only a status: rewritten by the
    next session)."""
    try:
        status = json.loads((Path(root) / SWEEP_JSON).read_bytes())
    except (OSError, ValueError):
        return {}
    return status if isinstance(status, dict) else {}
