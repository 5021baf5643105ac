"""What each page draws, as plain data: built on the server, drawn by the browser.

Why plain data rather than Altair or matplotlib figures: a baseline frame is 3,600 cells and about
2,000 organisations.  Altair ships the whole specification (hundreds of kilobytes of JSON) and
re-embeds the chart every month; matplotlib re-renders a PNG on the server.  Here the server only
sends what changed — a few numbers per commune, one small integer per organisation, the active
alliances — and a small canvas component (``figure.vue``) draws it, so a step plus its redraw stays
in milliseconds (see ``benchmarks/bench_app.py``).  The static part of a territory (cells, places,
positions) is built once per model and only re-sent when a new model is built.

Everything here is a pure function of a :class:`~terrisim.model.TerritoryModel` and a
:class:`~terrisim.app.i18n.Translator`; nothing imports Solara, so the unit tests and the benchmark
call the same code the pages do.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from ..agents import Catalyst
from ..alliances import KINDS
from ..domains import DOMAINS
from ..indicators import STAGES
from ..ladder import LEVELS
from ..organisations import ECONOMIC, WORLDS
from .i18n import Translator

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = [
    "DEFAULT_LAYER",
    "KIND_COLORS",
    "LEVEL_COLORS",
    "STAGE_COLORS",
    "WORLD_COLORS",
    "commune_stages",
    "map_frame",
    "map_static",
    "network_frame",
]

#: Colours shared by the map, the network and the charts (colour-blind-safe where it matters:
#: worlds and kinds never share a hue, so a node is never confused with an edge).
WORLD_COLORS = {"public": "#1f5fa8", "economic": "#e0801c", "associative": "#2f9e44"}
KIND_COLORS = {"patronage": "#8e5bb5", "responsible": "#14a3b8", "economic": "#8c5a3c",
               "social_innovation": "#d6409f"}
#: Firms by maturity: four fills far apart in lightness and hue, every marker drawn with a dark
#: edge (``MARKER_EDGES``) so it stands out on any pale background (see ``test_app_unit``'s
#: contrast check against the default layer).
LEVEL_COLORS = {"unaware": "#e3e3e3", "aware": "#ffd92f", "involved": "#f46d1e",
                "committed": "#7f2704"}
STAGE_COLORS = {"none": "#ffffff", "emerging": "#9ecae1", "growing": "#4a89c8",
                "anchored": "#08306b"}
IMPACT_COLORS = {"impact_performance": "#1f5fa8", "impact_innovation": "#d6409f",
                 "impact_trust": "#2f9e44"}
SURVEY_COLOR = "#9a9a9a"
CATALYST_COLOR = "#c2185b"
ASSOCIATION_COLORS = {"alone": "#a9dfb5", "allied": "#2f9e44"}
TIERS_COLOR = "#283593"
#: Edge of each marker class (drawn around every marker of that class).
MARKER_EDGES = {"firm": "#3a3a3a", "association": "#1b5e20", "mayor": "#0b2545",
                "catalyst": "#ffffff", "tiers": "#ffffff"}
#: Background tints of the bassins de vie on the "communes only" layer.
BASSIN_TINTS = ("#f4f1e8", "#ecf2ec", "#eeeef6", "#f6eeee", "#f0f4f6", "#f6f4ec")
#: The fragility ramp (0 → 1) and how much it is lightened towards white so actors stay readable.
RAMP = ("#fff7ec", "#fdd49e", "#fc8d59", "#d7301f", "#7f0000")
RAMP_STRENGTH = 0.72
#: The layer a new session shows: communes and bassins only, where every actor class keeps its
#: contrast (on a fragility layer the warm firm colours meet a warm ramp).
DEFAULT_LAYER = "none"

#: Organisation types on the map (also their world: mayors stand for the public world).
MAYOR, FIRM, ASSOCIATION = 0, 1, 2


def _jitter(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed offsets inside a cell (0.15–0.85) so organisations sharing a cell stay visible.

    A low-discrepancy sequence (golden ratio and its square), so the offsets are spread out and
    identical from one frame to the next: nothing on the map ever moves.
    """
    i = np.arange(n, dtype=float)
    return 0.15 + 0.7 * ((i * 0.6180339887) % 1.0), 0.15 + 0.7 * ((i * 0.7548776662) % 1.0)


def _round(values: Any, digits: int) -> list[float | None]:
    """Rounded values for JSON; ``None`` for a missing (NaN) value, which JSON cannot hold."""
    arr = np.round(np.asarray(values, dtype=float), digits)
    return [None if not np.isfinite(v) else v for v in arr.tolist()]


# -- the territory (static part) ---------------------------------------------------------------
_STATIC: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def map_static(model: TerritoryModel) -> dict[str, Any]:
    """Everything that never changes during a run: cells, places, positions (cached per model).

    Coordinates are grid units with ``y`` upwards (Mesa's convention); cell arrays are
    row-major by ``y`` (index ``y * w + x``), the order of an image.
    """
    cached = _STATIC.get(model)
    if cached is not None:
        return cached
    terr, orgs, s = model.territory, model.orgs, model.params
    c = terr.n_communes
    kind = np.where(np.arange(orgs.n) < c, MAYOR,
                    np.where(orgs.world == ECONOMIC, FIRM, ASSOCIATION))
    jx, jy = _jitter(orgs.n)
    x = orgs.x + np.where(kind == MAYOR, 0.5, jx)
    y = orgs.y + np.where(kind == MAYOR, 0.5, jy)
    catalysts = sorted(model.agents_by_type.get(Catalyst, []), key=lambda a: a.number)
    static = {
        "w": int(terr.width), "h": int(terr.height),
        "commune": terr.commune_of_cell.T.ravel().tolist(),
        "mountain": terr.mountain.T.ravel().astype(int).tolist(),
        "bassin": terr.bassin.tolist(),
        "region": terr.region.astype(int).tolist(),
        "centres": (terr.centres + 0.5).tolist(),
        "tiers": (np.asarray(terr.tiers_lieux).reshape(-1, 2) + 0.5).tolist(),
        "tiers_radius": float(s.tiers_lieu_radius_km / s.cell_km),
        "x": _round(x, 2), "y": _round(y, 2), "kind": kind.astype(int).tolist(),
        "catalysts": [[float(a.cell.coordinate[0]) + 0.5, float(a.cell.coordinate[1]) + 0.5]
                      for a in catalysts],
        "colors": {"world": [WORLD_COLORS[w] for w in WORLDS],
                   "kind": [KIND_COLORS[k] for k in KINDS],
                   "level": [LEVEL_COLORS[v] for v in LEVELS],
                   "stage": [STAGE_COLORS[v] for v in STAGES],
                   "catalyst": CATALYST_COLOR, "association": ASSOCIATION_COLORS,
                   "tiers": TIERS_COLOR, "edges": MARKER_EDGES, "tints": list(BASSIN_TINTS),
                   "ramp": list(RAMP), "ramp_strength": RAMP_STRENGTH},
    }
    _STATIC[model] = static
    return static


def layer_values(model: TerritoryModel, layer: str) -> tuple[np.ndarray | None,
                                                            np.ndarray | None]:
    """Per-commune values of a colour layer and, for one domain, which communes are fragile."""
    frag = model.territory.fragility
    if layer == "mean":
        return frag.mean(axis=1), None
    if layer in DOMAINS:
        d = DOMAINS.index(layer)
        return frag[:, d], (model.fragile_bits >> np.uint16(d)) & np.uint16(1)
    return None, None


def commune_stages(model: TerritoryModel) -> np.ndarray:
    """Each commune's co-construction stage (index in ``STAGES``) this month.

    The model keeps it in its monthly tally (the anchoring streak cannot be rebuilt from the
    current arrays alone); zeros if a future core moves it.
    """
    stage = getattr(getattr(model, "tally", None), "stage", None)
    if stage is None or len(stage) != model.territory.n_communes:
        return np.zeros(model.territory.n_communes, dtype=int)
    return np.asarray(stage, dtype=int)


def map_frame(model: TerritoryModel, layer: str) -> dict[str, Any]:
    """What changes every month on the Territory map."""
    orgs = model.orgs
    values, fragile = layer_values(model, layer)
    level = np.where(orgs.world == ECONOMIC, np.maximum(orgs.ladder, 0),
                     orgs.aware.astype(int))
    state = level + 4 * (orgs.active > 0)
    return {
        "month": int(model.month),
        "layer": layer,
        "values": None if values is None else _round(values, 3),
        "fragile": None if fragile is None else fragile.astype(int).tolist(),
        "state": state.astype(int).tolist(),
        "stage": commune_stages(model).tolist(),
        "catalyst_active": _catalyst_active(model),
    }


def network_frame(model: TerritoryModel) -> dict[str, Any]:
    """The active alliances: partners, kind, pilot project, operated by a catalyst."""
    al = model.alliances
    ids = al.active_ids()
    return {
        "month": int(model.month),
        "a": al.a[ids].astype(int).tolist(), "b": al.b[ids].astype(int).tolist(),
        "kind": al.kind[ids].astype(int).tolist(),
        "pilot": al.pilot[ids].astype(int).tolist(),
        "operated": al.operated[ids].astype(int).tolist(),
        "catalyst_active": _catalyst_active(model),
    }


def _catalyst_active(model: TerritoryModel) -> list[int]:
    """1 for each catalyst (by number) still working, 0 for one that stopped."""
    catalysts = sorted(model.agents_by_type.get(Catalyst, []), key=lambda a: a.number)
    return [int(a.state.active) for a in catalysts]


# -- texts the canvas draws (legends, titles) -----------------------------------------------------
def map_texts(model: TerritoryModel, layer: str, tr: Translator) -> dict[str, Any]:
    """Translated strings the map draws inside its canvas (so an exported PNG has them too)."""
    if layer in DOMAINS:
        layer_title = tr("map.layer_title", domain=tr.core("domain", layer))
    elif layer == "mean":
        layer_title = tr("map.layer_mean")
    else:
        layer_title = ""
    return {
        "title": tr("map.title", month=model.month) + f" · {tr.date(model.indicators['year'])}",
        "layer": layer_title, "low": tr("map.low"), "high": tr("map.high"),
        "actors": tr("map.legend_actors"), "firms": tr("map.firm_levels"),
        "levels": [tr.core("level", v) for v in LEVELS],
        "association": tr("map.association"), "mayor": tr("map.mayor"),
        "mayor_compact": tr("map.mayor_compact"),
        "stages": [tr.core("stage", v) for v in STAGES],
        "catalyst": tr("map.catalyst"), "catalyst_inactive": tr("map.catalyst_inactive"),
        "allied": tr("map.allied"), "tiers": tr("map.tiers_lieu"),
        "mountain": tr("map.mountain"), "boundary": tr("map.boundary"),
        "region": tr("map.region_boundary") if model.territory.region_of_bassin.max() > 0 else "",
        "number": tr.browser_texts(),
    }


def network_texts(model: TerritoryModel, tr: Translator) -> dict[str, Any]:
    n = int(model.alliances.active_ids().size)
    return {
        "title": tr("network.title", month=model.month) + f" · {tr.date(model.indicators['year'])}",
        "subtitle": tr("network.subtitle", n=tr.number(n, 0)),
        "worlds_title": tr("network.legend_worlds"),
        "worlds": [tr.world(w) for w in WORLDS],
        "kinds_title": tr("network.legend_kinds"),
        "kinds": [tr.core("kind", k) for k in KINDS],
        "pilot": tr("network.pilot"), "operated": tr("network.operated"),
        "catalyst": tr("map.catalyst"),
    }


def layer_choices(tr: Translator) -> list[dict[str, str]]:
    """The colour layers of the map: none, mean fragility, then the 16 domains."""
    return ([{"value": "none", "text": tr("map.layer_none")},
             {"value": "mean", "text": tr("map.layer_mean")}]
            + [{"value": d, "text": tr.core("domain", d)} for d in DOMAINS])

