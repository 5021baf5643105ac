"""The alliance network as a networkx graph, and ``terrisim export-network`` for Gephi and co.

Nodes are organisations that formed at least one alliance (their number in the model: communes
first, then firms, then associations) with their ``world``, ``type`` and ``commune``; edges are
alliances, keyed by alliance number, with every column of the alliance table as attributes
(kind, domain, commune, start, end, status, pilot, catalyst …).  The graph is a
:class:`networkx.MultiGraph`: two organisations may ally more than once.  In GEXF, each edge's
``start`` and ``end`` months become its time interval, so Gephi's timeline replays the network;
an alliance still active has no ``end``.

From Python::

    import terrisim
    model = terrisim.TerritoryModel(rng=1)
    model.run()
    g = terrisim.alliance_network(model)              # or a run directory, or a table

From the command line::

    terrisim run baseline --tables alliances --out results/base
    terrisim export-network results/base --format gexf
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import UserError

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["FORMATS", "alliance_network"]

FORMATS: tuple[str, ...] = ("graphml", "gexf")
#: Columns describing a partner (``source_*``/``target_*``) that become node attributes.
NODE_COLUMNS: tuple[str, ...] = ("world", "type", "commune")


def _plain(value: Any) -> Any:
    """A value networkx writers accept: Python scalars; missing values are dropped (None)."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def alliance_network(source: Any, run_id: int | None = None,
                     active_at: int | None = None) -> nx.MultiGraph:
    """The alliance network of a model, an alliance table, or a results directory.

    ``source`` is a :class:`~terrisim.model.TerritoryModel` (after running it), a DataFrame
    from :func:`terrisim.tables.alliance_table`, or a directory written with ``--tables
    alliances`` (a run, or a sweep with ``run_id`` naming the run).  ``active_at`` keeps only the
    alliances active in that month.
    """
    import networkx as nx
    import pandas as pd

    from .tables import alliance_table, read_table

    if isinstance(source, pd.DataFrame):
        table = source
    elif isinstance(source, str | Path):
        table = read_table(source, "alliances", run_id)
        if "run_id" in table.columns:
            runs = table["run_id"].unique()
            if len(runs) > 1:
                raise UserError(f"{source}: a sweep's table holds {len(runs)} runs; choose one "
                                f"with run_id (e.g. {int(runs[0])})")
    else:
        table = alliance_table(source)
    if active_at is not None:
        started = table["start"] <= active_at
        ended = table["end"].fillna(active_at + 1) <= active_at
        table = table[started & ~ended]
    g = nx.MultiGraph(name="terrisim alliance network")
    for key in ("run_id", "seed"):   # a sweep's run: graph attributes, not edge attributes
        if key in table.columns and len(table):
            g.graph[key] = int(table[key].iloc[0])
    node_of = {f"{side}_{col}": col for side in ("source", "target") for col in NODE_COLUMNS}
    edge_cols = [c for c in table.columns
                 if c not in node_of and c not in ("source", "target", "run_id", "seed")]
    for side in ("source", "target"):
        cols = [f"{side}_{c}" for c in NODE_COLUMNS if f"{side}_{c}" in table.columns]
        nodes = table[[side, *cols]].drop_duplicates(side)
        for row in nodes.itertuples(index=False):
            g.add_node(int(row[0]), **{node_of[c]: _plain(v) for c, v in zip(cols, row[1:],
                                                                            strict=True)})
    for row in table[["source", "target", *edge_cols]].itertuples(index=False):
        attrs = {c: _plain(v) for c, v in zip(edge_cols, row[2:], strict=True)}
        key = attrs.get("alliance")
        g.add_edge(int(row[0]), int(row[1]), key=key,
                   **{k: v for k, v in attrs.items() if v is not None})
    return g


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("results", metavar="RUN_DIR", type=Path,
                   help="directory written by `terrisim run … --tables alliances` (or a sweep "
                        "directory written with --tables alliances, with --run-id)")
    p.add_argument("--format", choices=FORMATS, default="graphml",
                   help="graphml (networkx, igraph, Cytoscape) or gexf (Gephi, with the "
                        "alliances' time intervals); default graphml")
    p.add_argument("--out", type=Path, default=None,
                   help="output file (default: RUN_DIR/alliances.<format>)")
    p.add_argument("--run-id", type=int, default=None, help="run of a sweep to export")
    p.add_argument("--active-at", type=int, default=None, metavar="MONTH",
                   help="only the alliances active in that month (default: every alliance "
                        "ever formed)")


def main(args: argparse.Namespace) -> int:
    import networkx as nx

    g = alliance_network(args.results, run_id=args.run_id, active_at=args.active_at)
    run = "" if args.run_id is None else f"-run{args.run_id}"
    out = args.out or args.results / f"alliances{run}.{args.format}"
    out.parent.mkdir(parents=True, exist_ok=True)
    if args.format == "gexf":
        nx.write_gexf(g, out)
    else:
        nx.write_graphml(g, out)
    print(f"{out}: {g.number_of_nodes():,} organisations, {g.number_of_edges():,} alliances")
    return 0
