"""``terrisim sweep … --repair``: heal a results directory whose metadata or chunks are damaged.

What can be rebuilt is rebuilt from the experiment file (``experiment.json``, ``design.parquet``
— both deterministic given the file); what cannot be trusted is set aside in ``quarantine/``
(never deleted: a person may want to look at it); every valid chunk is kept, so only the runs
of the set-aside files run again.  A chunk is valid when it reads completely, its footer carries
this experiment's plan hash and this model's code fingerprint, and every row's run id, point,
replication, seed and factor values are those the design gives that run.  A run stored in two
files keeps its first file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import UserError
from .design import Design, run_seeds
from .storage import (
    DESIGN_PARQUET,
    EXPERIMENT_JSON,
    QUARANTINE,
    SWEEP_JSON,
    TABLES,
    ResultStore,
    _short,
    chunk_files,
    drop_superseded,
    now,
    plan_hash,
)
from .worker import KEY_COLUMNS


def repair(store: ResultStore, described: dict[str, Any], design: Design, code: str
           ) -> list[str]:
    """Repair ``store`` for this experiment; return what was done, one line per action."""
    root = store.root
    plan = plan_hash(described)
    actions: list[str] = []
    store._remove_temporaries()
    drop_superseded(root)
    record = _readable_record(root)
    if record is not None and record.get("plan_sha256") != plan:
        raise UserError(f"{root} holds results of a different experiment ('{record.get('name')}'"
                        f" from {record.get('file')}); --repair only rebuilds damaged files of "
                        "the same experiment. Use --out for a new directory")
    seen: set[int] = set()
    starts: list[str] = []
    for table in TABLES:
        for path in chunk_files(root / table):
            problem, ids, meta = _check_chunk(path, plan, code, design)
            if problem is None and seen.intersection(ids):
                problem = "holds runs already stored in another file"
            if problem is not None:
                actions.append(f"set aside {path.relative_to(root)}: {problem}")
                _quarantine(root, path)
                continue
            seen.update(ids)
            if meta.get("started"):
                starts.append(str(meta["started"]))
    design_ok = _design_matches(root, design)
    if record is None or record.get("code") != code or not design_ok:
        started = (record or {}).get("started") or min(starts, default=None) or now()
        if record is not None and record.get("code") != code:
            actions.append(f"{EXPERIMENT_JSON}: started with another model (code "
                           f"{record.get('code')}); its chunks were set aside")
        store.write_metadata(described, design.points, design.unit, code, started)
        actions.append(f"rebuilt {EXPERIMENT_JSON} and {DESIGN_PARQUET} from {described['file']}")
    status = root / SWEEP_JSON
    if status.exists():
        try:
            ok = isinstance(json.loads(status.read_bytes()), dict)
        except (OSError, ValueError):
            ok = False
        if not ok:
            _quarantine(root, status)
            actions.append(f"set aside {SWEEP_JSON}: damaged (rewritten at the end of this "
                           "session)")
    actions.append(f"kept {len(seen):,} stored runs")
    return actions


def _readable_record(root: Path) -> dict[str, Any] | None:
    """experiment.json if it is a usable record, else None (set aside when damaged)."""
    from .storage import read_experiment_record

    path = root / EXPERIMENT_JSON
    if not path.exists():
        return None
    try:
        return read_experiment_record(root)
    except UserError:
        _quarantine(root, path)
        return None


def _design_matches(root: Path, design: Design) -> bool:
    path = root / DESIGN_PARQUET
    try:
        stored = pd.read_parquet(path)
        cols = list(design.points.columns)
        return set(cols) <= set(stored.columns) and stored[cols].equals(
            design.points.reset_index(drop=True))
    except Exception:
        if path.exists():
            _quarantine(root, path)
        return False


def _check_chunk(path: Path, plan: str, code: str, design: Design
                 ) -> tuple[str | None, set[int], dict[str, Any]]:
    """``(problem or None, run ids, footer metadata)`` of one chunk."""
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {}).get(b"terrisim", b"{}"))
        df = table.to_pandas()
    except Exception as exc:
        return f"damaged ({_short(exc)})", set(), {}
    if not isinstance(meta, dict) or meta.get("plan_sha256") != plan:
        return "not written by this experiment (plan hash)", set(), {}
    if meta.get("code") != code:
        return f"written by another model (code {meta.get('code')})", set(), {}
    missing = [c for c in (*KEY_COLUMNS, *design.points.columns) if c not in df.columns]
    if missing:
        return f"lacks columns {missing}", set(), {}
    ids = df["run_id"].to_numpy(dtype=np.int64)
    if len(ids) == 0 or ids.min() < 0 or ids.max() >= design.n_runs:
        return "run ids outside the design", set(), {}
    unique = np.unique(ids)
    seeds = dict(zip(unique.tolist(), run_seeds(design.master_seed, unique).tolist(),
                     strict=True))
    expected = design.points.iloc[ids // design.replications].reset_index(drop=True)
    if not (np.array_equal(df["point"], ids // design.replications)
            and np.array_equal(df["replication"], ids % design.replications)
            and np.array_equal(df["seed"], [seeds[i] for i in ids.tolist()])):
        return "keys (point, replication, seed) differ from the design's", set(), {}
    for name in design.points.columns:
        if not np.array_equal(df[name].to_numpy(), expected[name].to_numpy()):
            return f"values of factor '{name}' differ from the design's", set(), {}
    return None, set(unique.tolist()), meta


def _quarantine(root: Path, path: Path) -> None:
    """Move ``path`` under ``root/quarantine/`` (keeping its sub-folder), never overwriting."""
    rel = path.relative_to(root)
    target = root / QUARANTINE / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while target.exists():
        target = root / QUARANTINE / rel.with_name(f"{rel.name}.{n}")
        n += 1
    os.replace(path, target)
