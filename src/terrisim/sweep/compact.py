"""Compaction: many small chunk files of a finished session become a few large ones.

A sweep writes a chunk every few seconds so that an interruption loses little; a ten-hour
cluster sweep would leave tens of thousands of small files, slow to list, read and copy.  At
the end of a session each table folder's small chunks are merged into files of up to
:data:`TARGET_BYTES` of rows.

Safety: a compacted file is written atomically (temporary name, rename) and names the chunks it
holds in its footer (``compacted_from``); only then are they deleted.  A crash in between
leaves both, and every reader skips the chunks a compacted file names
(:func:`terrisim.sweep.storage.chunk_files`), so no run is counted twice and resume, reports
and checks see the same runs before, during and after compaction.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .storage import TABLES, chunk_files, drop_superseded

#: Arrow bytes of rows per compacted file (and per row group, so readers stream).
TARGET_BYTES = 128 * 2**20
ROW_GROUP_BYTES = 32 * 2**20
#: A folder with fewer chunks than this is left alone.
MIN_FILES = 8
#: A chunk already this large (on disk) is left as it is.
LARGE_FILE = 32 * 2**20


def compact(root: Path, tables: tuple[str, ...] | None = None) -> int:
    """Compact the small chunks of each table folder of ``root``; return files removed."""
    drop_superseded(root)
    removed = 0
    for table in tables or tuple(TABLES):
        removed += compact_folder(Path(root) / table)
    return removed


def compact_folder(folder: Path) -> int:
    """Merge the folder's small chunks, in run order, into files of about TARGET_BYTES."""
    import pyarrow.parquet as pq

    small = [f for f in chunk_files(folder) if f.stat().st_size < LARGE_FILE]
    if len(small) < MIN_FILES:
        return 0
    removed = 0
    group: list[Path] = []
    tables: list[Any] = []
    size = 0
    for path in small:
        table = pq.read_table(path)
        if group and size + table.nbytes > TARGET_BYTES:
            removed += _merge(folder, group, tables)
            group, tables, size = [], [], 0
        group.append(path)
        tables.append(table)
        size += table.nbytes
    if len(group) > 1:
        removed += _merge(folder, group, tables)
    return removed


def _merge(folder: Path, group: list[Path], tables: list[Any]) -> int:
    """Write one compacted file holding ``group``'s rows, then delete ``group``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ..simulate import atomic_write_bytes

    if len(group) < 2:
        return 0
    merged = pa.concat_tables(tables, promote_options="default")
    meta = json.loads((tables[0].schema.metadata or {}).get(b"terrisim", b"{}"))
    # earlier compactions' sources are gone; name every chunk this file stands for
    sources = sorted({p.name for p in group})
    meta = {**meta, "compacted_from": sources}
    merged = merged.replace_schema_metadata({**(merged.schema.metadata or {}),
                                             b"terrisim": json.dumps(meta, default=str).encode()})
    first = min(int(t.column("run_id")[0].as_py()) for t in tables if t.num_rows)
    tag = hashlib.sha256("\n".join(sources).encode()).hexdigest()[:8]
    path = folder / f"part-{first:09d}-c{tag}.parquet"
    rows = max(1, int(merged.num_rows * ROW_GROUP_BYTES / max(merged.nbytes, 1)))
    sink = pa.BufferOutputStream()
    pq.write_table(merged, sink, row_group_size=rows)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())
    for p in group:
        if p != path:
            p.unlink(missing_ok=True)
    return len(group) - 1
