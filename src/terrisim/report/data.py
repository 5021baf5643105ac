"""Reading a sweep's results for the report: only the rows and columns it needs.

The raw results (every kept month × every kept indicator × every run) may be larger than
memory; the report needs one row per run at its final month (and at the survey month for the
commune stages) for a handful of columns.  DuckDB selects exactly that straight from the Parquet
chunks, streaming, so the report's memory grows with the number of runs, not with the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import UserError
from ..sweep.storage import (
    RUNS,
    checked_files,
    read_design,
    read_experiment_record,
    read_failures,
    read_status,
)

KEYS: tuple[str, ...] = ("run_id", "point", "replication", "seed")
STAGES: tuple[str, ...] = ("stage_anchored", "stage_growing", "stage_emerging", "stage_none")
TIME_TO_EVENT: tuple[str, ...] = ("first_alliance_month", "first_credited_alliance_month",
                                  "median_commune_first_alliance_month",
                                  "months_to_first_experiment", "months_to_first_pilot",
                                  "months_to_deployment")
#: Outcomes tried, in order, when the experiment names none.
DEFAULT_OUTCOMES: tuple[str, ...] = ("alliances_formed_total", "alliances_active",
                                     "firms_partnered", "associations_partnered")


@dataclass
class Results:
    """What the report works from."""

    root: Path
    record: dict[str, Any]
    status: dict[str, Any]
    design: pd.DataFrame
    final: pd.DataFrame                     # one row per successful run, at its final month
    survey: pd.DataFrame | None             # one row per run at the survey month (stages)
    survey_month: int | None
    failures: pd.DataFrame
    columns: list[str] = field(default_factory=list)   # every column of the run files

    @property
    def experiment(self) -> dict[str, Any]:
        return self.record["experiment"]

    @property
    def factors(self) -> list[dict[str, Any]]:
        return self.experiment["factors"]

    @property
    def factor_names(self) -> list[str]:
        return [f["name"] for f in self.factors]

    @property
    def indicators(self) -> list[str]:
        skip = {*KEYS, *self.factor_names, "month"}
        return [c for c in self.columns if c not in skip]

    @property
    def start_year(self) -> int:
        return int(self.experiment["base"].get("start_year", 2010))

    def outcomes(self) -> list[str]:
        """Headline outcomes: the experiment's [report] outcomes, else sensible defaults."""
        chosen = self.experiment.get("report", {}).get("outcomes")
        if chosen:
            return [o for o in chosen if o in self.indicators]
        found = [o for o in DEFAULT_OUTCOMES if o in self.indicators]
        return found[:3] or self.indicators[:1]

    def axes(self) -> tuple[str | None, str | None]:
        """The factors on the x axis (catalysis) and y axis (trust-building time)."""
        rep = self.experiment.get("report", {})
        names = self.factor_names
        x, y = rep.get("x"), rep.get("y")
        if x is None:
            x = next((n for n in ("n_catalysts", "catalyst_days") if n in names), names[0])
        if y is None:
            rest = [n for n in names if n != x]
            y = "trust_building_time" if "trust_building_time" in rest else (rest[0] if rest
                                                                              else None)
        return x, y


def load(root: str | Path) -> Results:
    """Read a results directory (raises a :class:`UserError` if it is not one)."""
    root = Path(root)
    record = read_experiment_record(root)
    status = read_status(root)
    design = read_design(root)
    # the same checks as read_results: readable chunks of this sweep, no run stored twice;
    # DuckDB gets the list of files (a glob would misread a directory named "res[1]")
    files = checked_files(root, RUNS)
    failures = read_failures(root)
    if not files:
        raise UserError(f"{root}: no successful runs yet (runs/ is empty"
                        + (f"; {len(failures)} runs failed, see {root / 'failures'}"
                           if len(failures) else "") + ")")
    import pyarrow.parquet as pq

    columns = list(dict.fromkeys(n for f in files for n in pq.read_schema(f).names))
    res = Results(root=root, record=record, status=status, design=design, final=pd.DataFrame(),
                  survey=None, survey_month=None, failures=failures, columns=columns)
    factors = res.factor_names
    wanted = [c for c in columns if c not in (*KEYS, *factors, "month")]
    outcomes = [*res.outcomes(), *[c for c in TIME_TO_EVENT if c in wanted],
                *[c for c in STAGES if c in wanted]]
    outcomes = list(dict.fromkeys(outcomes))
    glob = [str(f) for f in files]
    res.final = query_final(glob, [*KEYS, *factors], outcomes)
    res.survey_month = _survey_month(res, glob)
    if res.survey_month is not None and all(s in wanted for s in STAGES):
        res.survey = query_month(glob, [*KEYS, *factors], list(STAGES), res.survey_month)
    return res


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _connect() -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET threads TO 2")
    return con


def query_final(glob: str | list[str], keys: list[str], values: list[str]) -> pd.DataFrame:
    """One row per run at its last kept month (the final month), selected columns only."""
    cols = ", ".join(_q(c) for c in [*keys, "month", *values])
    sql = (f"WITH r AS (SELECT {cols} FROM read_parquet(?, union_by_name = true)) "
           "SELECT r.* FROM r JOIN (SELECT run_id, max(month) AS last FROM r GROUP BY run_id) f "
           "ON r.run_id = f.run_id AND r.month = f.last ORDER BY r.run_id")
    con = _connect()
    try:
        return con.execute(sql, [glob]).df()
    finally:
        con.close()


def query_month(glob: str | list[str], keys: list[str], values: list[str],
                month: int) -> pd.DataFrame:
    """One row per run at ``month`` (runs that ended earlier are absent)."""
    cols = ", ".join(_q(c) for c in [*keys, "month", *values])
    sql = (f"SELECT {cols} FROM read_parquet(?, union_by_name = true) WHERE month = ? "
           "ORDER BY run_id")
    con = _connect()
    try:
        return con.execute(sql, [glob, month]).df()
    finally:
        con.close()


def kept_months(glob: str | list[str]) -> list[int]:
    """Months present in the results (the kept steps)."""
    con = _connect()
    try:
        rows = con.execute("SELECT DISTINCT month FROM read_parquet(?, union_by_name = true) "
                           "ORDER BY month",
                           [glob]).fetchall()
    finally:
        con.close()
    return [int(r[0]) for r in rows]


def _survey_month(res: Results, glob: str | list[str]) -> int | None:
    """Month compared with the 2016 mayors' survey: the [report] survey_month, else the month
    of 2016 if it was kept, else the final month."""
    chosen = res.experiment.get("report", {}).get("survey_month")
    months = kept_months(glob)
    if chosen is not None:
        return int(chosen) if chosen in months else None
    target = (2016 - res.start_year) * 12
    return target if target in months else (months[-1] if months else None)
