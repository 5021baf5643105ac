"""The Monitors page: current values of the main indicators and of the running model's
population, formatted for people (NetLogo's monitors).

Names are indicator names of ``model.indicators`` (see
:func:`terrisim.model.indicator_names`), except the population counts (``n_*``), read from
the model's agents; labels and help are in the locale files (``[monitors]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..agents import Catalyst
from .i18n import Translator

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = ["MONITORS", "MONITOR_SECTIONS", "POPULATION", "format_value", "monitor_sections",
           "population"]


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
