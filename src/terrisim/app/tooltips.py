"""Tooltips: what the mouse is over on the map or the network — an organisation, a catalyst or
a commune — described in the interface's language.

The browser sends what it hovers (``{"what": "org" | "catalyst" | "cell", …}``); the server
answers with a title and (label, value) rows built from the agent's own ``details()``, every
identifier turned into its label.  Communes are numbered from 1, as people count.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from ..agents import Catalyst, OrganisationAgent
from ..domains import DOMAINS
from ..indicators import STAGES
from ..organisations import FUNDING_MODELS
from .i18n import Translator
from .views import commune_stages

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = ["describe", "details_rows"]


#: Organisation agents by index, per model.  The values are weak references: an agent refers to
#: its model, so a strong one would keep every model that was ever hovered alive.
_AGENTS: weakref.WeakKeyDictionary[Any, dict[int, weakref.ref[OrganisationAgent]]] = \
    weakref.WeakKeyDictionary()


def _org_agent(model: TerritoryModel, index: int) -> OrganisationAgent | None:
    table = _AGENTS.get(model)
    if table is None:
        table = {a.index: weakref.ref(a) for a in model.agents
                 if isinstance(a, OrganisationAgent)}
        _AGENTS[model] = table
    ref = table.get(index)
    return ref() if ref is not None else None


def _value(key: str, value: Any, tr: Translator) -> str:
    """Translate one value of an agent's ``details()`` (identifiers become labels)."""
    if isinstance(value, bool | np.bool_):
        return tr.yes_no(bool(value))
    if key == "type":
        return tr.type_name(str(value))
    if key == "commune" and isinstance(value, int | np.integer):
        return str(int(value) + 1)
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
                commune = f"{tr.type_name('commune')} {agent.commune + 1}"
                title = f"{tr.type_name('mayor')} · {commune}"
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
            [tr("details.region"), str(int(terr.region_of_bassin[terr.bassin[k]]) + 1)],
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
    return {"title": f"{tr.type_name('commune')} {k + 1}", "rows": rows}
