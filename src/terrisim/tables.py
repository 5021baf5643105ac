"""Edge- and commune-level outputs: the alliance network and per-commune monthly indicators.

The monthly indicators (``indicators.parquet``) describe a whole territory; network and spatial
analyses need the parts.  Two long tables, opt-in (``--tables alliances,communes`` on ``run`` and
``sweep``), each its own Parquet file with the run's provenance in the footer:

``alliances``
    one row per alliance ever formed: its two partners (organisation numbers ``source`` and
    ``target``, their worlds, types and communes), kind, domain of the need it answers, commune
    of that need and its bassin, month formed (``start``), planned end, actual end (``end``,
    missing while active), status, whether it is a pilot project of a collective experiment,
    the catalyst credited with it (missing if none) and whether that catalyst operates it.
    Partners are ordered (``source`` < ``target``) but the relation is symmetric.
``communes``
    one row per commune and kept month: its bassin, region, EPCI and département, mayor
    profile, co-construction stage and the alliance counts behind it, partnered organisations,
    fragility, first alliance, innovations.

Both are built only from the model's state (``model.alliances``, ``model.orgs``,
``model.territory``, ``model.tally``); nothing here changes the model.  A test checks that the
tables agree with the indicators of the same run (rows per alliance formed, counts by kind and
status, stage shares per month).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from .model import TerritoryModel
    from .scenario import Scenario

__all__ = [
    "TABLES",
    "TableRecorder",
    "alliance_table",
    "commune_rows",
    "parse_tables",
    "read_table",
    "run_with_tables",
    "write_tables",
]

#: The tables a run can write, in output order.
TABLES: tuple[str, ...] = ("alliances", "communes")
STATUSES: tuple[str, ...] = ("active", "completed", "failed")
#: Type of organisation shown for each partner: communes, firm size classes, associations.
ORG_TYPES: tuple[str, ...] = ("commune", "TPE", "PME", "ETI", "association")


def parse_tables(text: str | Iterable[str] | None, source: str = "--tables") -> tuple[str, ...]:
    """``"alliances,communes"`` (or a list) → the table names, checked, in :data:`TABLES`
    order; a one-line :class:`UserError` names the unknown one and the allowed values."""
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    names = {str(t).strip() for t in items if str(t).strip()}
    for name in sorted(names):
        if name not in TABLES:
            raise UserError(f"{source}: unknown table '{name}'; allowed: " + ", ".join(TABLES))
    return tuple(t for t in TABLES if t in names)


def _org_types(model: TerritoryModel, who: np.ndarray) -> np.ndarray:
    """Index in :data:`ORG_TYPES` of each organisation in ``who``."""
    from .organisations import ASSOCIATIVE, ECONOMIC

    orgs = model.orgs
    world = orgs.world[who]
    return np.where(world == ECONOMIC, 1 + orgs.size_class[who],
                    np.where(world == ASSOCIATIVE, 4, 0)).astype(np.int8)


def alliance_table(model: TerritoryModel) -> pd.DataFrame:
    """Every alliance formed so far in ``model``, one row each (see the module docstring)."""
    import pandas as pd

    from .alliances import ACTIVE, KINDS
    from .domains import DOMAINS
    from .organisations import WORLDS

    al, orgs, terr = model.alliances, model.orgs, model.territory
    n = al.size
    # the relation is symmetric: list each pair in one order (smaller number first)
    a, b = np.minimum(al.a[:n], al.b[:n]), np.maximum(al.a[:n], al.b[:n])

    def cat(codes: np.ndarray, labels: tuple[str, ...]) -> pd.Categorical:
        return pd.Categorical.from_codes(codes.astype(np.int64), labels)

    def nullable(values: np.ndarray, missing: np.ndarray) -> Any:
        out = pd.array(values.astype(np.int64), dtype="Int64")
        out[missing] = pd.NA
        return out

    commune = al.commune[:n].astype(np.int64)
    status = al.status[:n]
    catalyst = al.catalyst[:n]
    return pd.DataFrame({
        "alliance": np.arange(n, dtype=np.int64),
        "source": a.astype(np.int64), "target": b.astype(np.int64),
        "source_world": cat(orgs.world[a], WORLDS), "target_world": cat(orgs.world[b], WORLDS),
        "source_type": cat(_org_types(model, a), ORG_TYPES),
        "target_type": cat(_org_types(model, b), ORG_TYPES),
        "source_commune": orgs.commune[a].astype(np.int64),
        "target_commune": orgs.commune[b].astype(np.int64),
        "kind": cat(al.kind[:n], KINDS), "domain": cat(al.domain[:n], DOMAINS),
        "commune": commune, "bassin": terr.bassin[commune].astype(np.int64),
        "start": al.start[:n].astype(np.int64), "planned_end": al.end[:n].astype(np.int64),
        "end": nullable(al.stopped[:n], status == ACTIVE),
        "status": cat(status, STATUSES),
        "pilot": al.pilot[:n].astype(bool),
        "catalyst": nullable(catalyst, catalyst < 0),
        "operated": al.operated[:n].astype(bool),
    })


def commune_rows(model: TerritoryModel) -> dict[str, np.ndarray]:
    """This month's per-commune indicators of ``model`` as columns (one value per commune)."""
    from .domains import from_mask
    from .indicators import coconstruction_alliances
    from .organisations import ECONOMIC

    al, orgs, terr, tally = model.alliances, model.orgs, model.territory, model.tally
    c = terr.n_communes
    ids = al.active_ids()
    ca, cb = orgs.commune[al.a[ids]], orgs.commune[al.b[ids]]
    located = np.bincount(ca, minlength=c) + np.bincount(cb[cb != ca], minlength=c)
    in_commune = np.bincount(orgs.commune, minlength=c)
    partnered = np.bincount(orgs.commune[orgs.active > 0], minlength=c)
    firms = orgs.world == ECONOMIC
    aware_firms = np.bincount(orgs.commune[firms & orgs.aware], minlength=c)
    n_firms = np.bincount(orgs.commune[firms], minlength=c)
    fragile = from_mask(model.fragile_bits).sum(axis=1)
    return {
        "month": np.full(c, model.month, dtype=np.int64),
        "commune": np.arange(c, dtype=np.int64),
        "bassin": terr.bassin.astype(np.int64),
        "region": terr.region.astype(np.int64),
        "epci": terr.epci.astype(np.int64),
        "departement": terr.departement.astype(np.int64),
        "is_town": terr.is_town.astype(bool),
        "mayor_profile": orgs.profile.astype(np.int64),
        "organisations": in_commune.astype(np.int64),
        "stage": tally.stage.astype(np.int64),
        "coconstruction_alliances": coconstruction_alliances(model, ids).astype(np.int64),
        "alliances_active_located": located.astype(np.int64),
        "alliances_active_need": np.bincount(al.commune[ids], minlength=c).astype(np.int64),
        "alliances_formed_need_total": np.bincount(al.commune[: al.size],
                                                   minlength=c).astype(np.int64),
        "partnered_share": partnered / np.maximum(in_commune, 1),
        "firms_aware_share": aware_firms / np.maximum(n_firms, 1),
        "fragility_mean": terr.fragility.mean(axis=1).astype(float),
        "fragile_domains": fragile.astype(np.int64),
        "first_alliance_month": tally.commune_first.astype(float),
        "innovations": tally.innovations.astype(float),
    }


class TableRecorder:
    """Called with the model after set-up and after every month (``run_simulation``'s
    ``observe``): keeps the communes' rows of the kept months and, at the end, the alliances.

    ``months`` limits the communes table to those months (``None``: every month).
    """

    def __init__(self, tables: Iterable[str], months: Iterable[int] | None = None) -> None:
        self.tables = parse_tables(tables)
        self.months = None if months is None else {int(m) for m in months}
        self.parts: list[dict[str, np.ndarray]] = []
        self.model: TerritoryModel | None = None

    def __call__(self, model: TerritoryModel) -> None:
        self.model = model
        if "communes" in self.tables and (self.months is None or model.month in self.months):
            self.parts.append(commune_rows(model))

    def frames(self) -> dict[str, pd.DataFrame]:
        """The recorded tables (``communes`` stages as labels), by name."""
        import pandas as pd

        from .indicators import STAGES
        from .mayors import PROFILES

        if self.model is None:
            raise RuntimeError("TableRecorder has observed no model")
        out: dict[str, pd.DataFrame] = {}
        if "alliances" in self.tables:
            out["alliances"] = alliance_table(self.model)
        if "communes" in self.tables:
            cols = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}
            df = pd.DataFrame(cols)
            df["stage"] = pd.Categorical.from_codes(df["stage"], STAGES)
            df["mayor_profile"] = pd.Categorical.from_codes(df["mayor_profile"], PROFILES)
            out["communes"] = df
        return out


def run_with_tables(scenario: Scenario, seed: int, tables: Iterable[str] = TABLES,
                    steps: int | None = None, on_step: Callable[[int, int], None] | None = None,
                    months: Iterable[int] | None = None
                    ) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """One run: its monthly indicators (as :func:`~terrisim.simulate.run_simulation`) and the
    requested tables (``"alliances"``, ``"communes"``), by name."""
    from .simulate import run_simulation

    recorder = TableRecorder(tables, months)
    df = run_simulation(scenario, seed, steps=steps, on_step=on_step, observe=recorder)
    return df, recorder.frames()


def write_tables(out: Path, frames: dict[str, pd.DataFrame], metadata: dict[str, Any]
                 ) -> dict[str, Path]:
    """Write each table as ``out/<name>.parquet`` (atomically, provenance in the footer)."""
    from .simulate import write_parquet

    paths = {}
    for name, df in frames.items():
        paths[name] = Path(out) / f"{name}.parquet"
        write_parquet(df, paths[name], {**metadata, "table": name})
    return paths


def read_table(results: str | Path, name: str = "alliances",
               run_id: int | None = None) -> pd.DataFrame:
    """A table written by ``terrisim run --tables`` (``RUN_DIR/<name>.parquet``) or by
    ``terrisim sweep --tables`` (``RESULTS_DIR/tables/<name>/``: every run, with its
    ``run_id`` and ``seed``; ``run_id`` selects one run)."""
    import pandas as pd

    parse_tables([name], "table")
    root = Path(results)
    single = root / f"{name}.parquet"
    if single.is_file():
        return pd.read_parquet(single)
    folder = root / "tables" / name
    if folder.is_dir():
        from .sweep.storage import read_table_chunks

        return read_table_chunks(root, name, run_id)
    raise UserError(f"{root}: no '{name}' table (neither {single.name} nor tables/{name}/); "
                    f"run with --tables {name} first")
