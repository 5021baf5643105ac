"""The parameters panel: the teacher's few parameters first, every parameter behind "advanced"
with a search box.

Rows are generated from ``Scenario.specs()`` — a parameter added to the model appears here by
itself — with the value, unit and meaning in the interface's language, the app's limit where one
applies (:mod:`terrisim.app.capacity`), and a refused value's reason worded by
:mod:`terrisim.app.messages`.  :data:`TEACHER_PARAMS` only *chooses* among the scenario's
parameters (a unit test checks each name exists); it restates nothing about them.
"""

from __future__ import annotations

import math
from typing import Any

import solara

from ...scenario import GROUPS, ParamSpec, Scenario
from .. import messages
from ..capacity import limit_of
from ..i18n import Translator, format_param, plain_number
from ..state import Simulation
from .base import ParamsEditor, Ui, to_json, use_tr

#: The teacher's set (at most eight): the levers the lessons turn — catalysis, trust-building
#: time, the catalyst's time and drift, its funder, the mayors' meetings, places and terrain.
TEACHER_PARAMS: tuple[str, ...] = (
    "n_catalysts", "trust_building_time", "share_introductions", "operator_drift",
    "funding_horizon", "meeting_rate", "n_tiers_lieux", "mountain_share")


def _nice_ceil(x: float) -> float:
    if x <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(x))
    for m in (1, 1.5, 2, 3, 4, 5, 6, 8, 10):
        if m * mag >= x - 1e-12:
            return m * mag
    return 10 * mag


def slider_range(spec: ParamSpec, value: float) -> tuple[float, float, float]:
    """Slider bounds and step of a numeric parameter.

    The slider covers the allowed range (up to the app's limit), except when that range is far
    wider than the values in use (``n_firms`` allows 500,000): then it stops at a few times the
    default or the current value, whichever is larger; the text field next to it accepts the
    whole range.
    """
    lo = float(spec.lo if spec.lo is not None else 0.0)
    hi = float(spec.hi if spec.hi is not None else max(1.0, 4 * abs(spec.default)))
    cap = limit_of(spec.name, spec.hi)
    if cap is not None:
        hi = max(min(hi, cap), float(value))
    ref = max(abs(float(spec.default)), abs(float(value)), 1.0)
    if hi - lo > 20 * ref:
        hi = min(hi, _nice_ceil(max(4 * abs(float(spec.default)), 1.5 * abs(float(value)),
                                    lo + 10)))
    span = max(hi - lo, 1e-9)
    if spec.type is int:
        step = 1.0 if span <= 400 else _nice_ceil(span / 200)
    else:
        step = 10 ** math.floor(math.log10(span / 100))
    return lo, hi, step


def param_row(sim: Simulation, spec: ParamSpec, tr: Translator) -> dict[str, Any]:
    """One row of the editor."""
    name = spec.name
    value = sim.value(name)
    pending = name in sim.pending
    error = sim.errors.get(name)
    cap = limit_of(name, spec.hi)
    row: dict[str, Any] = {
        "name": name, "label": tr.param_label(name), "help": tr.param_help(spec),
        "value": value, "display": format_param(spec, value, tr), "pending": pending,
        "error": messages.field_error(error, tr) if error else None,
        "now": (tr("ui.param_was", value=format_param(spec, getattr(sim.base, name), tr))
                if pending else None),
        "limit": (tr("ui.param_limit", value=format_param(spec, cap, tr))
                  if cap is not None else None),
        "limit_why": tr("ui.param_limit_why") if cap is not None else None,
    }
    if spec.type is bool:
        row["kind"] = "bool"
    elif spec.choices:
        row["kind"] = "choice"
        row["choices"] = [{"value": c, "text": tr.choice(name, c)} for c in spec.choices]
    elif spec.type is str:
        row["kind"] = "text"
    else:
        lo, hi, step = slider_range(spec, value)
        row.update(kind="number", min=lo, max=hi, step=step,
                   text=plain_number(value, tr.lang), unit=tr.unit(spec.unit))
    return row


def param_groups(sim: Simulation, tr: Translator) -> list[dict[str, Any]]:
    """Rows of the parameter editor, generated from ``Scenario.specs()`` (never restated)."""
    specs = Scenario.specs()
    groups = []
    for group in GROUPS:
        if group == "meta":      # name and description are shown in the Scenario card
            continue
        rows = [param_row(sim, spec, tr) for spec in specs.values() if spec.group == group]
        if rows:
            n = sum(r["pending"] for r in rows)
            groups.append({"id": group, "title": tr.group(group), "rows": rows,
                           "pending": str(n) if n else ""})
    return groups


def teacher_rows(sim: Simulation, tr: Translator) -> list[dict[str, Any]]:
    specs = Scenario.specs()
    return [param_row(sim, specs[name], tr) for name in TEACHER_PARAMS if name in specs]


def scenario_description(sim: Simulation, tr: Translator) -> str:
    """The running scenario's description in the interface's language: the shipped scenarios
    and lessons are translated in the locales (keyed by the scenario's name); a scenario of
    one's own shows its file's description."""
    from ..i18n import catalogue

    shipped = catalogue("en")["scenarios"].get(sim.base.name)
    if shipped is not None and shipped == sim.base.description:
        return tr.data["scenarios"].get(sim.base.name, shipped)
    return sim.base.description


@solara.component
def Parameters(ui: Ui) -> None:
    tr = use_tr(ui)
    ui.params.get()          # not the month: the parameters do not change with it
    sim = ui.sim

    def on_edit(data: dict[str, Any]) -> None:
        sim.edit(str(data.get("name")), data.get("value"))
        ui.bump()

    def undo() -> None:
        sim.undo()
        ui.bump()

    with solara.Card(tr("ui.parameters"), margin=0, classes=["tsim-parameters"]):
        base = sim.base
        if not ui.present.value:
            with solara.v.Html(tag="div", class_="tsim-scenario"):
                solara.Markdown(f"**{tr('ui.scenario', name=base.name)}** — "
                                f"{tr('ui.scenario_from', source=sim.source)}\n\n"
                                f"{scenario_description(sim, tr)}")
        solara.Text(tr("ui.params_hint"), classes=["tsim-hint"])
        if sim.pending:
            with solara.Row(style={"align-items": "center"}):
                solara.v.Html(tag="span", class_="tsim-pending-count",
                              children=[tr.plural("ui.params_pending", len(sim.pending))])
                solara.Button(tr("ui.params_undo"), text=True, small=True, on_click=undo)
        problem = sim.candidate_error()
        if problem is not None:
            with solara.v.Html(tag="div", class_="tsim-param-conflict"):
                solara.Warning(tr("ui.param_invalid",
                                  error=messages.constraint_error(problem,
                                                                  sim.candidate_values(), tr)),
                               dense=True)
        texts = {"teacher": tr("ui.params_teacher"), "advanced": tr("ui.params_advanced",
                                                                    n=len(Scenario.specs()) - 2),
                 "search": tr("ui.params_search"), "none": tr("ui.params_nomatch")}
        ParamsEditor(groups_json=to_json(param_groups(sim, tr)),
                     teacher_json=to_json(teacher_rows(sim, tr)),
                     expanded=ui.open_groups.value, advanced=ui.advanced.value, texts=texts,
                     on_expanded=ui.open_groups.set, event_edit=on_edit,
                     event_set_advanced=lambda v: ui.advanced.set(bool(v))
                     ).key("tsim-params-editor")
