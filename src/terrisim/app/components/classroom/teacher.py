"""The teacher's screen: the shared territory, the class's clock, who plays what."""

from __future__ import annotations

import time

import solara

from ... import narrative
from ...classroom import Classroom
from ...i18n import Translator, translator
from ..base import EventLog, RowsTable, to_json
from .common import actor_title, class_map, decision_text, page_frame, played_marks, use_class_tick
from .debrief import Debrief


@solara.component
def TeacherApp(room: Classroom, lang: solara.Reactive[str], join_url: str) -> None:
    tr = translator(lang.value)
    page_frame(tr("class.teacher_title"), lang)
    TeacherBody(room, tr, join_url)


@solara.component
def TeacherBody(room: Classroom, tr: Translator, join_url: str) -> None:
    """The part of the teacher's page that follows the class (the app bar does not redraw)."""
    tick = use_class_tick(room)     # passed to the parts below: they redraw with the class
    playing = solara.use_reactive(False)
    seconds = solara.use_reactive(20)
    hover = solara.use_reactive(None)
    model = room.model

    def clock() -> None:
        """Plays the class: one month every ``seconds`` (or sooner once everyone is ready)."""
        last = time.monotonic()
        while playing.value:
            time.sleep(0.25)
            ready = room.seats and all(s.ready for s in room.seats.values())
            if time.monotonic() - last >= seconds.value or ready:
                if not room.step():
                    playing.set(False)
                    return
                last = time.monotonic()

    solara.lab.use_task(clock, dependencies=[playing.value], prefer_threaded=True)
    if room.phase == "debrief":
        Debrief(room, tr, teacher=True, tick=tick)
        return
    seats = list(room.seats.values())
    ready = sum(s.ready for s in seats)
    with solara.v.Html(tag="div", class_="tsim-shell tsim-class-shell"):
        with solara.v.Html(tag="aside", class_="tsim-side"):
            with solara.Card(tr("class.clock"), margin=0, classes=["tsim-class-clock"]):
                solara.v.Html(tag="div", class_="tsim-step", children=[
                    tr("ui.month", month=model.month, steps=model.params.steps)
                    + f" · {tr.date(model.indicators['year'])}"])
                solara.v.Html(tag="div", class_="tsim-class-ready", children=[
                    tr("class.ready", ready=ready, n=len(seats))])
                with solara.Row(style={"flex-wrap": "wrap"}):
                    solara.Button(tr("class.next_month"), color="primary",
                                  on_click=lambda: room.step(), disabled=playing.value,
                                  classes=["tsim-class-next"])
                    solara.Button(tr("class.pause") if playing.value else tr("class.play"),
                                  color="primary", outlined=True,
                                  on_click=lambda: playing.set(not playing.value),
                                  classes=["tsim-class-play"])
                solara.SliderInt(tr("class.seconds", s=seconds.value), value=seconds, min=5,
                                 max=120, step=5)
                solara.Text(tr("class.clock_hint"), classes=["tsim-hint"])
            with solara.Card(tr("class.join_title"), margin=0, classes=["tsim-class-join"]):
                solara.v.Html(tag="div", class_="tsim-class-url", children=[join_url])
                if room.token:
                    solara.v.Html(tag="div", class_="tsim-class-token",
                                  children=[tr("class.token", token=room.token)])
            with solara.Card(tr("class.players", n=len(seats)), margin=0,
                             classes=["tsim-class-players"]):
                PlayersTable(room, tr, tick)
            with solara.Row(style={"flex-wrap": "wrap"}):
                solara.Button(tr("class.debrief"), color="primary",
                              on_click=lambda: room.set_phase("debrief"),
                              classes=["tsim-class-debrief"])
                solara.Button(tr("class.restart"), text=True, on_click=room.restart,
                              classes=["tsim-class-restart"])
        with solara.v.Html(tag="main", class_="tsim-main tsim-class-main"):
            with solara.v.Html(tag="div", class_="tsim-class-map"):
                class_map(room, tr, played_marks(room), font=16, hover=hover)
            rows = narrative.latest(model, tr, n=4)
            EventLog(rows_json=to_json(rows), empty=tr("narrative.nothing_yet"), font=15)


@solara.component
def PlayersTable(room: Classroom, tr: Translator, tick: int) -> None:
    seats = list(room.seats.values())
    if not seats:
        solara.Text(tr("class.nobody_yet"), classes=["tsim-hint"])
        return
    head = [tr("class.col_name"), tr("class.col_actor"), tr("class.col_ready"),
            tr("class.col_decision")]
    rows = [[s.name, actor_title(room, s, tr), "✓" if s.ready else "…", decision_text(s, tr)]
            for s in seats]
    RowsTable(head, rows, css="tsim-class-table", row_css=["tsim-class-player"] * len(rows))
