"""The runs a session keeps, so a learner can compare this run with the previous one.

Every lesson asks to compare two runs ("run lesson 1, then lesson 2 with the same seed and
compare").  When a run is replaced (Reset, a lesson loaded), the session keeps what is needed to
draw it again next to the new one: its parameters, seed, how far it went and every indicator of
every month (as 32-bit floats: ~80 indicators × 120 months ≈ 40 KB, so a session keeping
:data:`MAX_RUNS` runs costs well under a megabyte, against several for the model it replaced).

A run is named after what changed from the scenario the session started from (or the lesson's
scenario): "Catalysts: 0 · seed 7".  Pure Python, no Solara.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..scenario import Scenario
from .i18n import Translator, format_param

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = ["MAX_RUNS", "RunRecord", "changes", "changes_text", "record"]

#: Runs a session keeps besides the one on screen (the oldest is forgotten first).
MAX_RUNS = 8


@dataclass
class RunRecord:
    """One finished or interrupted run of a session."""

    number: int
    scenario: Scenario
    seed: int
    month: int
    reference: str                       # what ``changed`` is relative to (a scenario's name)
    changed: dict[str, Any]
    series: dict[str, np.ndarray] = field(repr=False)

    def values(self, name: str) -> np.ndarray | None:
        return self.series.get(name)

    def last(self, name: str) -> float:
        values = self.series.get(name)
        return float(values[-1]) if values is not None and len(values) else float("nan")


def changes(scenario: Scenario, reference: Scenario) -> dict[str, Any]:
    """The parameters of ``scenario`` that differ from ``reference`` (name and description
    aside), in declaration order."""
    out = {}
    for name in Scenario.specs():
        if name in ("name", "description"):
            continue
        value = getattr(scenario, name)
        if value != getattr(reference, name):
            out[name] = value
    return out


def changes_text(changed: dict[str, Any], tr: Translator, limit: int = 3) -> str:
    """"Catalysts: 0 · Trust-building time: 12 months" (the first ``limit`` changes)."""
    specs = Scenario.specs()
    if not changed:
        return tr("runs.unchanged")
    parts = [f"{tr.param_label(n)}\u00a0: {format_param(specs[n], v, tr)}" if tr.lang == "fr"
             else f"{tr.param_label(n)}: {format_param(specs[n], v, tr)}"
             for n, v in list(changed.items())[:limit]]
    more = len(changed) - limit
    if more > 0:
        parts.append(tr.plural("runs.more", more))
    return " · ".join(parts)


def record(model: TerritoryModel, number: int, reference: Scenario,
           reference_name: str) -> RunRecord:
    """What the session keeps of ``model``'s run."""
    mv = model.datacollector.model_vars
    series = {name: np.asarray(values, dtype=np.float32) for name, values in mv.items()}
    return RunRecord(number=number, scenario=model.params, seed=int(model.seed),
                     month=int(model.month), reference=reference_name,
                     changed=changes(model.params, reference), series=series)


def label(run: RunRecord, tr: Translator) -> str:
    """"Run 2 — Catalysts: 0 · seed 7 · 60 months"."""
    return tr("runs.label", n=run.number, changes=changes_text(run.changed, tr),
              seed=run.seed, months=tr.plural("runs.months", run.month))
