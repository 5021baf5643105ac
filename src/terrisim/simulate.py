"""Running the model without a user interface: one run → a table of monthly indicators.

Used by ``terrisim run``, the sweep engine and the validation.  A run is fully determined by its
scenario and its seed; the provenance needed to reproduce it travels with every output.

Light at import time (NumPy, pandas and Mesa are imported inside the functions): the package's
``__init__`` loads this module eagerly so that the public function ``terrisim.simulate`` is never
shadowed by this module of the same name.
"""

from __future__ import annotations

import functools
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .scenario import Scenario

DEFAULT_SEED = 42


def run_simulation(scenario: Scenario, seed: int, steps: int | None = None,
                   on_step: Callable[[int, int], None] | None = None,
                   observe: Callable[[Any], None] | None = None) -> pd.DataFrame:
    """Run ``scenario`` with ``seed`` and return one row of indicators per month (0 … steps).

    ``on_step(done, total)`` is called after every month (for progress bars);
    ``observe(model)`` after set-up and after every month, to read more of the model's state
    than the indicators (:class:`terrisim.tables.TableRecorder`, outputs by département).
    """
    import numpy as np

    from .model import TerritoryModel

    model = TerritoryModel(scenario=scenario, rng=seed)
    total = scenario.steps if steps is None else steps
    if observe is not None:
        observe(model)
    for done in range(1, total + 1):
        model.step()
        if observe is not None:
            observe(model)
        if on_step is not None:
            on_step(done, total)
    df = model.dataframe()
    df.insert(0, "scenario", scenario.name)
    df.insert(1, "seed", np.int64(seed))
    df["month"] = df["month"].astype(np.int64)
    return df.reset_index(drop=True)


#: Libraries whose version can change results or their files (recorded in every run's metadata).
RESULT_LIBRARIES: tuple[str, ...] = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib",
                                     "networkx")


@functools.lru_cache(maxsize=1)
def source_revision() -> str:
    """Which terrisim code ran: ``git <commit>`` (``+modified`` when the work tree differs from
    it) when running from a source checkout, else ``installed <version>``.

    Computed once per process: sweeps record it for every run without calling git again.
    """
    import importlib.metadata

    from . import __version__

    root = Path(__file__).resolve().parents[2]
    if (root / ".git").exists() and (root / "pyproject.toml").is_file():
        try:
            def git(*args: str) -> str:
                return subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                                      text=True, timeout=10, check=True).stdout.strip()

            commit = git("rev-parse", "HEAD")
            modified = bool(git("status", "--porcelain", "--untracked-files=no"))
            return f"git {commit}" + ("+modified" if modified else "")
        except (OSError, subprocess.SubprocessError):
            pass   # no git on this machine: fall back to the version
    try:
        installed = importlib.metadata.version("terrisim")
    except importlib.metadata.PackageNotFoundError:
        installed = __version__
    return f"installed {installed}"


def versions() -> dict[str, str]:
    """Versions of what produced a result (for provenance): terrisim and the code it ran
    (:func:`source_revision`), every library in :data:`RESULT_LIBRARIES`, Python, platform."""
    import importlib.metadata

    from . import __version__

    out = {"terrisim": __version__, "terrisim_source": source_revision()}
    for name in RESULT_LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    out.update(python=sys.version.split()[0], platform=platform.platform())
    return out


def provenance(scenario: Scenario, seed: int, **extra: Any) -> dict[str, Any]:
    """Everything needed to reproduce a run: scenario, seed, versions, date."""
    return {"scenario": scenario.to_dict(), "seed": int(seed), "versions": versions(),
            "created": datetime.now(UTC).isoformat(timespec="seconds"), **extra}


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write a file so that readers never see a half-written one (temporary file, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        # mkstemp makes owner-only files; results are meant to be shared (group, cluster)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_parquet(df: pd.DataFrame, path: Path, metadata: dict[str, Any]) -> None:
    """Parquet with ``metadata`` (JSON) in the file footer, written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"terrisim"] = json.dumps(metadata, default=str).encode()
    table = table.replace_schema_metadata(meta)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    atomic_write_bytes(path, sink.getvalue().to_pybytes())


def read_parquet_metadata(path: Path) -> dict[str, Any]:
    """The terrisim provenance stored in a Parquet file's footer."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(b"terrisim")
    return json.loads(raw) if raw else {}


def write_run(df: pd.DataFrame, out: Path, scenario: Scenario, seed: int,
              source: str | None = None) -> dict[str, Path]:
    """Write a run's indicators (Parquet + CSV), its scenario and its provenance into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    meta = provenance(scenario, seed, scenario_file=source)
    paths = {"parquet": out / "indicators.parquet", "csv": out / "indicators.csv",
             "scenario": out / "scenario.toml", "provenance": out / "run.json"}
    write_parquet(df, paths["parquet"], meta)
    atomic_write_bytes(paths["csv"], df.to_csv(index=False).encode())
    atomic_write_bytes(paths["scenario"], (f"# seed = {seed}\n" + scenario.to_toml()).encode())
    atomic_write_bytes(paths["provenance"], json.dumps(meta, indent=2, default=str).encode())
    return paths
