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
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..agents import Catalyst, OrganisationAgent
from ..alliances import KINDS
from ..domains import DOMAINS
from ..indicators import STAGES, SURVEY_STAGE_SHARES
from ..ladder import LEVELS
from ..organisations import ECONOMIC, FUNDING_MODELS, WORLDS
from .i18n import Translator

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = [
    "KIND_COLORS",
    "LEVEL_COLORS",
    "MONITORS",
    "STAGE_COLORS",
    "WORLD_COLORS",
    "chart_specs",
    "describe",
    "map_frame",
    "map_static",
    "monitor_sections",
    "network_frame",
]

#: Colours shared by the map, the network and the charts (colour-blind-safe where it matters:
#: worlds and kinds never share a hue, so a node is never confused with an edge).
WORLD_COLORS = {"public": "#1f5fa8", "economic": "#e0801c", "associative": "#2f9e44"}
KIND_COLORS = {"patronage": "#8e5bb5", "responsible": "#14a3b8", "economic": "#8c5a3c",
               "social_innovation": "#d6409f"}
LEVEL_COLORS = {"unaware": "#c8c8c8", "aware": "#fdc086", "involved": "#f08a24",
                "committed": "#8c2d04"}
STAGE_COLORS = {"none": "#ffffff", "emerging": "#c6dbef", "growing": "#5b9bd5",
                "anchored": "#08406e"}
IMPACT_COLORS = {"impact_performance": "#1f5fa8", "impact_innovation": "#d6409f",
                 "impact_trust": "#2f9e44"}
SURVEY_COLOR = "#9a9a9a"
CATALYST_COLOR = "#c2185b"

#: Organisation types on the map (also their world: mayors stand for the public world).
MAYOR, FIRM, ASSOCIATION = 0, 1, 2


@dataclass(frozen=True)
class Monitor:
    """One monitor of the Monitors page: an indicator (or a population count) and its format."""

    name: str
    section: str
    fmt: str          # "int", "pct", "float2", "float3", "sci", "month", "date", "days"
    survey: float | None = None   # the survey's figure, when the sources give one


#: The Monitors page, in display order.  Names are indicator names of ``model.indicators``
#: except the population counts (``n_*``), which are read from the running model's agents.
MONITORS: tuple[Monitor, ...] = (
    Monitor("month", "time", "int"),
    Monitor("year", "time", "date"),
    Monitor("n_communes", "population", "int"),
    Monitor("n_firms", "population", "int"),
    Monitor("n_associations", "population", "int"),
    Monitor("n_catalysts", "population", "int"),
    Monitor("alliances_active", "alliances", "int"),
    Monitor("alliances_formed_total", "alliances", "int"),
    Monitor("alliances_failed_total", "alliances", "int"),
    Monitor("first_alliance_month", "alliances", "month"),
    Monitor("firms_partnered", "actors", "pct", 0.37),
    Monitor("associations_partnered", "actors", "pct", 0.38),
    Monitor("firms_committed", "actors", "pct"),
    Monitor("communes_with_alliance", "actors", "pct"),
    Monitor("catalysts_active", "catalysts", "int"),
    Monitor("experiments_running", "catalysts", "int"),
    Monitor("months_to_first_experiment", "catalysts", "month"),
    Monitor("alliances_credited_to_catalysts", "catalysts", "int"),
    Monitor("catalyst_days_animation", "catalysts", "days"),
    Monitor("catalyst_days_operating", "catalysts", "days"),
    Monitor("network_density", "network", "sci"),
    Monitor("largest_component_share", "network", "pct"),
    Monitor("concentration", "network", "float2"),
    Monitor("relationships", "network", "int"),
    Monitor("mean_trust", "network", "float2"),
    Monitor("fragility_mean", "territory", "float3"),
    Monitor("impact_performance", "territory", "float2"),
    Monitor("impact_innovation", "territory", "float2"),
    Monitor("impact_trust", "territory", "float2"),
)
MONITOR_SECTIONS: tuple[str, ...] = ("time", "population", "alliances", "actors", "catalysts",
                                     "network", "territory")
#: Population counts shown as monitors, read from the model's agents.
POPULATION = ("n_communes", "n_firms", "n_associations", "n_catalysts")


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
                   "catalyst": CATALYST_COLOR},
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


# -- charts -------------------------------------------------------------------------------------
def chart_specs(model: TerritoryModel, tr: Translator) -> dict[str, dict[str, Any]]:
    """The four charts of the Indicators page, from the DataCollector's monthly records."""
    mv = model.datacollector.model_vars
    x = _round(mv["year"], 4)
    month = int(model.month)

    def series(name: str, label: str, color: str, digits: int = 4) -> dict[str, Any]:
        return {"label": label, "color": color, "values": _round(mv[name], digits)}

    kinds = {
        "type": "lines", "title": tr("charts.kinds_title"), "x": x, "xlabel": tr("charts.x"),
        "ylabel": tr("charts.kinds_y"), "ymin": 0,
        "series": [series(f"active_{k}", tr.core("kind", k), KIND_COLORS[k], 0) for k in KINDS],
    }
    ladder = {
        "type": "stacked", "title": tr("charts.ladder_title"), "x": x, "xlabel": tr("charts.x"),
        "ylabel": tr("charts.ladder_y"), "ymin": 0, "ymax": 1, "percent": True,
        "series": [series(f"firms_{v}", tr.core("level", v), LEVEL_COLORS[v]) for v in LEVELS],
    }
    current = [float(model.indicators[f"stage_{v}"]) for v in STAGES]
    stages = {
        "type": "bars", "title": tr("charts.stages_title"), "ylabel": tr("charts.stages_y"),
        "ymin": 0, "ymax": 1, "percent": True,
        "categories": [tr.core("stage", v) for v in STAGES],
        "groups": [
            {"label": tr("charts.stages_model", month=month), "color": "#5b9bd5",
             "values": _round(current, 4)},
            {"label": tr("charts.stages_survey"), "color": SURVEY_COLOR,
             "values": [SURVEY_STAGE_SHARES[v] for v in STAGES]},
        ],
    }
    impacts = {
        "type": "lines", "title": tr("charts.impacts_title"), "x": x, "xlabel": tr("charts.x"),
        "ylabel": tr("charts.impacts_y"), "ymin": 0, "ymax": 1,
        "series": [series(name, tr(f"charts.{name}"), color)
                   for name, color in IMPACT_COLORS.items()],
    }
    return {"kinds": kinds, "ladder": ladder, "stages": stages, "impacts": impacts}


# -- monitors -----------------------------------------------------------------------------------
def population(model: TerritoryModel) -> dict[str, int]:
    """How many actors of each type the running model holds (what a Reset really built)."""
    from ..agents import Association, Firm, Mayor

    by_type = model.agents_by_type
    return {"n_communes": len(by_type.get(Mayor, [])), "n_firms": len(by_type.get(Firm, [])),
            "n_associations": len(by_type.get(Association, [])),
            "n_catalysts": len(by_type.get(Catalyst, []))}


def format_value(value: float, fmt: str, tr: Translator) -> str:
    """A monitor's value as text (``—`` for "not yet", e.g. no alliance formed so far)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return tr("ui.none")
    if fmt == "int":
        return tr.number(value, 0)
    if fmt == "pct":
        return tr.percent(value, 1)
    if fmt == "float2":
        return tr.number(value, 2)
    if fmt == "float3":
        return tr.number(value, 3)
    if fmt == "sci":
        return tr.number(value, 5)
    if fmt == "days":
        return f"{tr.number(value, 1)} {tr.unit('days')}"
    if fmt == "month":
        return tr.number(value, 0)
    if fmt == "date":
        return tr.date(value)
    return str(value)


def monitor_sections(model: TerritoryModel, tr: Translator) -> list[dict[str, Any]]:
    """The Monitors page: sections of (name, label, value, help, survey) in display order."""
    values: dict[str, float] = {**model.indicators, **population(model)}
    out = []
    for section in MONITOR_SECTIONS:
        items = []
        for m in MONITORS:
            if m.section != section:
                continue
            entry = tr.data["monitors"][m.name]
            items.append({
                "name": m.name, "label": entry["label"], "help": entry["help"],
                "value": format_value(values.get(m.name, float("nan")), m.fmt, tr),
                "survey": None if m.survey is None else tr.percent(m.survey, 0),
            })
        out.append({"id": section, "title": tr(f"monitor_sections.{section}"), "items": items})
    return out


# -- tooltips -----------------------------------------------------------------------------------
_AGENTS: weakref.WeakKeyDictionary[Any, dict[int, OrganisationAgent]] = \
    weakref.WeakKeyDictionary()


def _org_agent(model: TerritoryModel, index: int) -> OrganisationAgent | None:
    table = _AGENTS.get(model)
    if table is None:
        table = {a.index: a for a in model.agents if isinstance(a, OrganisationAgent)}
        _AGENTS[model] = table
    return table.get(index)


def _value(key: str, value: Any, tr: Translator) -> str:
    """Translate one value of an agent's ``details()`` (identifiers become labels)."""
    if isinstance(value, bool | np.bool_):
        return tr.yes_no(bool(value))
    if key == "type":
        return tr.type_name(str(value))
    if key == "domains":
        return ", ".join(tr.core("domain", d) for d in str(value).split(", ") if d)
    if key == "main domain":
        return tr.core("domain", str(value))
    if key == "ladder":
        return tr.core("level", str(value))
    if key == "profile":
        return tr.core("profile", str(value))
    if key == "origin":
        return tr.core("origin", str(value))
    if key == "priorities":
        names = [r for r in str(value).split(", ") if r]
        return ", ".join(tr.data["roles"].get(r, r) for r in names) or tr("ui.none")
    if key == "funding" and str(value) in FUNDING_MODELS:
        return tr.data["funding"][str(value)]
    if isinstance(value, float | np.floating):
        return tr.number(float(value), 2)
    return str(value)


def details_rows(details: dict[str, Any], tr: Translator) -> list[list[str]]:
    """An agent's ``details()`` as translated (label, value) rows."""
    return [[tr.data["details"].get(k, k), _value(k, v, tr)] for k, v in details.items()
            if k not in ("type", "id")]


def describe(model: TerritoryModel, target: dict[str, Any] | None, layer: str,
             tr: Translator) -> dict[str, Any] | None:
    """Tooltip content for what the mouse is over: an organisation, a catalyst or a cell."""
    if not target:
        return None
    what = target.get("what")
    key = target.get("key")
    try:
        if what == "org":
            agent = _org_agent(model, int(target["id"]))
            if agent is None:
                return None
            d = agent.details()
            title = f"{tr.type_name(d.get('type', agent.kind))} {d.get('id', agent.index)}"
            if agent.kind == "mayor":
                title = f"{tr.type_name('mayor')} · {tr.type_name('commune')} {agent.commune}"
            return {"key": key, "title": title, "rows": details_rows(d, tr)}
        if what == "catalyst":
            number = int(target["id"])
            for a in model.agents_by_type.get(Catalyst, []):
                if a.number == number:
                    d = a.details()
                    return {"key": key, "title": f"{tr.type_name('catalyst')} {number + 1}",
                            "rows": details_rows(d, tr)}
            return None
        if what == "cell":
            return _describe_cell(model, int(target["x"]), int(target["y"]), layer, tr) | {
                "key": key}
    except (KeyError, ValueError, TypeError, IndexError):
        return None
    return None


def _describe_cell(model: TerritoryModel, x: int, y: int, layer: str,
                   tr: Translator) -> dict[str, Any]:
    terr = model.territory
    k = int(terr.commune_of_cell[x, y])
    rows = [[tr("details.bassin"), str(int(terr.bassin[k]) + 1)],
            [tr("details.mountain"), tr.yes_no(bool(terr.mountain[x, y]))],
            [tr("details.stage"), tr.core("stage", STAGES[int(commune_stages(model)[k])])]]
    agent = _org_agent(model, k)
    if agent is not None:
        rows.append([tr("details.profile"), tr.core("profile", agent.profile)])
        rows.append([tr("details.alliances"), str(agent.active_alliances)])
    if layer in DOMAINS:
        d = DOMAINS.index(layer)
        label = tr.core("domain", layer)
        rows.append([tr("details.fragility", domain=label),
                     tr.number(float(terr.fragility[k, d]), 2)])
        rel = float(model.relative_fragility[k, d])
        rows.append([tr("details.relative"), ("+" if rel >= 0 else "") + tr.number(rel, 2)])
        fragile = bool((int(model.fragile_bits[k]) >> d) & 1)
        rows.append([tr("details.fragile"), tr.yes_no(fragile)])
    elif layer == "mean":
        rows.append([tr("map.layer_mean"), tr.number(float(terr.fragility[k].mean()), 2)])
    return {"title": f"{tr.type_name('commune')} {k}", "rows": rows}


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
        "stages": [tr.core("stage", v) for v in STAGES],
        "catalyst": tr("map.catalyst"), "catalyst_inactive": tr("map.catalyst_inactive"),
        "allied": tr("map.allied"), "tiers": tr("map.tiers_lieu"),
        "mountain": tr("map.mountain"), "boundary": tr("map.boundary"),
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

