"""The debrief: the class's territory next to the model alone, same scenario and seed."""

from __future__ import annotations

import solara

from ... import charts
from ...classroom import Classroom, Seat
from ...i18n import Translator
from ..base import Figure, RowsTable
from .common import actor_title


@solara.component
def Debrief(room: Classroom, tr: Translator, teacher: bool, seat: Seat | None = None,
            tick: int = 0) -> None:
    """The class's territory next to the model alone (same scenario, same seed)."""
    from ...monitors import MONITORS, format_value

    fmt = {m.name: m.fmt for m in MONITORS}
    alone = room.alone()
    with solara.v.Html(tag="div", class_="tsim-debrief"):
        solara.v.Html(tag="h2", children=[tr("class.debrief_title", month=room.model.month)])
        solara.Markdown(tr("class.debrief_explain"))
        rows = [[tr("class.col_result"), tr("class.col_class"), tr("class.col_alone")]]
        for r in room.debrief():
            kind = fmt.get(r["name"], "pct" if "partnered" in r["name"] or "stage" in r["name"]
                           or "communes_with" in r["name"] else "int")
            rows.append([tr.indicator_label(r["name"]), format_value(r["class"], kind, tr),
                         format_value(r["alone"], kind, tr)])
        head, *body = rows
        RowsTable(head, body, css="tsim-debrief-table")
        spec = charts.one_chart(room.model, "kinds", tr, compare=alone)
        spec["overlay"]["label"] = tr("class.alone")
        spec["title"] = tr("class.debrief_chart")
        with solara.v.Html(tag="div", class_="tsim-chart tsim-debrief-chart"):
            Figure(kind="chart", spec=spec, height=320)
        results = room.seat_results()
        if results:
            solara.v.Html(tag="h3", children=[tr("class.debrief_actors")])
            rows = [[tr("class.col_name"), tr("class.col_actor"), tr("class.col_class"),
                     tr("class.col_alone")]]
            for r, s in zip(results, room.seats.values(), strict=True):
                rows.append([r["name"], actor_title(room, s, tr), str(r["class"]),
                             str(r["alone"])])
            head, *body = rows
            RowsTable(head, body, css="tsim-debrief-actors")
            solara.Text(tr("class.debrief_actors_hint"), classes=["tsim-hint"])
        if teacher:
            solara.Button(tr("class.back"), text=True, on_click=lambda: room.set_phase("play"),
                          classes=["tsim-class-back"])
