"""The participatory mode's pages: the teacher's screen, the learner's screen, the debrief.

The class session itself (seats, clock, decisions, debrief data) is plain Python in
:mod:`terrisim.app.classroom`; here every page listens to it: after each month or seat change
the class tells each page (from a thread of its own), which redraws.  A learner's page keeps its
seat across a reload through the same per-tab token as the other pages
(``session_keeper.vue``).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

import solara

from ...domains import DOMAINS
from .. import charts, narrative, views
from ..classroom import INTRODUCE, MAX_FORUMS, MAX_MEETINGS, ROLES, Classroom, Seat
from ..i18n import Translator, translator
from ..tooltips import describe
from .base import EventLog, Figure, RowsTable, SessionKeeper, static_json, to_json
from .controls import LanguageSwitch
from .layouts import CSS

PLAYED_COLORS = ("#6a1b9a", "#00695c", "#ad1457", "#1565c0", "#ef6c00", "#2e7d32")
CLASS_CSS = """
.tsim-class-shell { grid-template-columns: 430px minmax(0, 1fr); }
.tsim-class-main { display: flex; flex-direction: column; gap: 8px;
                   height: calc(100vh - 96px); min-height: 420px; }
.tsim-class-map { flex: 1 1 auto; min-height: 320px; }
.tsim-class-map-small { flex: 0 1 60%; }
.tsim-class-main .tsim-event-log { flex: 0 1 auto; overflow-y: auto; max-height: 30vh; }
.tsim-class-actor { font-size: 18px; font-weight: 600; color: #0b2545; margin-bottom: 4px; }
.tsim-class-status { font-size: 14px; color: #8a4b00; margin: 4px 0; }
.tsim-class-applied { font-size: 13px; color: #1b5e20; }
.tsim-class-ready { font-size: 15px; font-weight: 500; margin: 4px 0 8px 0; }
.tsim-class-url { font-size: 20px; font-weight: 600; color: #0b4f8a; word-break: break-all; }
.tsim-class-token { font-size: 16px; margin-top: 4px; }
.tsim-debrief { max-width: 1100px; margin: 0 auto; }
.tsim-debrief-table td:nth-child(n+2), .tsim-debrief-actors td:nth-child(n+3) {
  text-align: right; }
"""


def use_class_tick(room: Classroom) -> int:
    """A value that changes whenever the class changes (this page then redraws)."""
    tick = solara.use_reactive(room.tick)

    def listen():
        try:
            from solara.server import kernel_context

            context = kernel_context.get_current_context()
        except Exception:                         # rendered outside a server (unit tests)
            context = None

        def notify() -> None:
            if context is None:
                tick.set(room.tick)
                return
            with context:
                tick.set(room.tick)

        key = room.listen(notify)
        return lambda: room.unlisten(key)

    solara.use_effect(listen, [])
    return tick.value


def actor_title(room: Classroom, seat: Seat, tr: Translator) -> str:
    """"Mayor of commune 12", "Catalyst 2 (bassin 3)", "Firm 345 (commune 7)"."""
    model = room.model
    if seat.role == "catalyst":
        st = model.catalysts[seat.actor]
        return tr("class.actor_catalyst", n=seat.actor + 1, bassin=int(st.bassins[0]) + 1)
    commune = int(model.orgs.commune[seat.actor]) + 1
    if seat.role == "mayor":
        return tr("class.actor_mayor", commune=commune)
    return tr(f"class.actor_{seat.role}", n=seat.actor, commune=commune)


def played_marks(room: Classroom, only: Seat | None = None) -> list[dict[str, Any]]:
    seats = [only] if only is not None else list(room.seats.values())
    return [{"what": "catalyst" if s.role == "catalyst" else "org", "id": s.actor,
             "label": s.name, "color": PLAYED_COLORS[k % len(PLAYED_COLORS)]}
            for k, s in enumerate(seats)]


_FRAMES: dict[tuple[int, int], str] = {}


def frame_json(model: Any) -> str:
    """This month's map frame as JSON, made once for every page of the class."""
    key = (id(model), int(model.month))
    text = _FRAMES.get(key)
    if text is None:
        _FRAMES.clear()
        text = _FRAMES[key] = to_json(views.map_frame(model, views.DEFAULT_LAYER))
    return text


def class_map(room: Classroom, tr: Translator, played: list[dict[str, Any]], font: int = 12,
              hover: solara.Reactive | None = None) -> None:
    model = room.model
    texts = views.map_texts(model, views.DEFAULT_LAYER, tr) | {"font": font}
    Figure(kind="map", spec=static_json(model), frame=frame_json(model), played=played,
           texts=texts,
           tooltip=describe(model, hover.value if hover is not None else None,
                            views.DEFAULT_LAYER, tr),
           event_hover=hover.set if hover is not None else None, fit=True)


# -- the teacher -----------------------------------------------------------------------------------
@solara.component
def TeacherApp(room: Classroom, lang: solara.Reactive[str], join_url: str) -> None:
    tr = translator(lang.value)
    solara.Title(tr("class.teacher_title"))
    solara.Style(CSS + CLASS_CSS)
    with solara.AppBar():
        solara.AppBarTitle(tr("class.teacher_title"))
        solara.v.Spacer()
        LanguageSwitch(lang)
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


def decision_text(seat: Seat, tr: Translator) -> str:
    d = seat.decision
    if not d:
        return tr("class.as_model")
    if seat.role == "mayor":
        return tr("class.sum_mayor", meetings=d["meetings"], forums=d["forums"])
    if seat.role == "catalyst":
        shares = " / ".join(tr.percent(x, 0) for x in d["shares"])
        return tr("class.sum_catalyst", shares=shares,
                  introduce=tr(f"class.introduce_{d['introduce']}"),
                  experiment=_experiment_label(d["experiment"], tr))
    worlds = ", ".join(tr.world(w) for w in d["accept"]) or tr("class.nobody")
    return tr("class.sum_accept", worlds=worlds)


def _experiment_label(value: str, tr: Translator) -> str:
    if value in ("model", "wait"):
        return tr(f"class.experiment_{value}")
    return tr.core("domain", value)


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


# -- the learner -----------------------------------------------------------------------------------
@solara.component
def LearnerApp(room: Classroom, lang: solara.Reactive[str]) -> None:
    tr = translator(lang.value)
    fresh = solara.use_memo(lambda: secrets.token_urlsafe(12), [])
    token = solara.use_reactive(fresh)

    def restore(held: str) -> None:
        if held and held in room.seats:
            token.set(held)

    solara.Title(tr("class.learner_title"))
    solara.Style(CSS + CLASS_CSS)
    with solara.AppBar():
        solara.AppBarTitle(tr("class.learner_title"))
        solara.v.Spacer()
        LanguageSwitch(lang)
    SessionKeeper(token=token.value, event_restore=restore)
    LearnerBody(room, tr, token.value)


@solara.component
def LearnerBody(room: Classroom, tr: Translator, token: str) -> None:
    """The part of a learner's page that follows the class (the app bar does not redraw)."""
    tick = use_class_tick(room)
    seat = room.seats.get(token)
    if room.phase == "debrief":
        Debrief(room, tr, teacher=False, seat=seat, tick=tick)
        return
    if seat is None:
        TakeASeat(room, tr, token, tick)
        return
    Playing(room, tr, seat, tick)


@solara.component
def TakeASeat(room: Classroom, tr: Translator, token: str, tick: int) -> None:
    name = solara.use_reactive("")
    problem = solara.use_reactive("")

    def take(role: str) -> None:
        if not name.value.strip():
            problem.set(tr("class.need_name"))
            return
        try:
            room.join(token, name.value, role)
        except LookupError:
            problem.set(tr("class.role_full"))

    with solara.Card(tr("class.take_title"), margin=0, classes=["tsim-class-take"],
                     style={"max-width": "640px", "margin": "24px auto"}):
        solara.Markdown(tr("class.take_explain"))
        solara.InputText(tr("class.your_name"), value=name, continuous_update=True,
                         classes=["tsim-class-name"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            for role in ROLES:
                free = len(room.free_actors(role, limit=10**6))
                solara.Button(tr(f"class.role_{role}", n=free), color="primary",
                              disabled=free == 0, on_click=lambda r=role: take(r),
                              classes=[f"tsim-class-role-{role}"])
        if problem.value:
            solara.Error(problem.value, classes=["tsim-class-problem"])


@solara.component
def Playing(room: Classroom, tr: Translator, seat: Seat, tick: int) -> None:
    model = room.model
    with solara.v.Html(tag="div", class_="tsim-shell tsim-class-shell"):
        with solara.v.Html(tag="aside", class_="tsim-side"):
            with solara.Card(tr("class.you_play"), margin=0, classes=["tsim-class-you"]):
                solara.v.Html(tag="div", class_="tsim-class-actor",
                              children=[actor_title(room, seat, tr)])
                solara.v.Html(tag="div", class_="tsim-step", children=[
                    tr("ui.month", month=model.month, steps=model.params.steps)
                    + f" · {tr.date(model.indicators['year'])}"])
                status = (tr("class.sent", month=model.month + 1) if seat.ready
                          else tr("class.decide", month=model.month + 1))
                solara.v.Html(tag="div", class_="tsim-class-status", children=[status])
                if seat.applied or seat.proposals["accepted"] or seat.proposals["refused"]:
                    solara.v.Html(tag="div", class_="tsim-class-applied",
                                  children=[applied_text(seat, tr)])
            DecisionForm(room, tr, seat)           # not every month: it only changes with a send
            with solara.Card(tr("class.your_actor"), margin=0, classes=["tsim-class-details"]):
                what = {"what": "catalyst" if seat.role == "catalyst" else "org",
                        "id": seat.actor, "key": "me"}
                info = describe(model, what, "none", tr)
                if info:
                    RowsTable([], [list(r[:2]) for r in info["rows"]], css="tsim-class-info")
        with solara.v.Html(tag="main", class_="tsim-main tsim-class-main"):
            with solara.v.Html(tag="div", class_="tsim-class-map tsim-class-map-small"):
                class_map(room, tr, played_marks(room, only=seat), font=13)
            EventLog(rows_json=to_json(mine(room, seat, tr)), empty=tr("class.no_news"),
                     font=14)


def mine(room: Classroom, seat: Seat, tr: Translator) -> list[dict[str, Any]]:
    """The events about the learner's actor (its catalyst's programme, its commune)."""
    model = room.model
    commune = (None if seat.role == "catalyst" else int(model.orgs.commune[seat.actor]))
    rows = []
    for e in reversed(model.events.events):
        about_me = ((seat.role == "catalyst" and e.kind in narrative.PROGRAMME_KINDS
                     and e.actor == seat.actor)
                    or (commune is not None and e.data.get("commune") == commune))
        if about_me:
            rows.append({"month": e.month, "text": narrative.sentence(e, tr), "kind": e.kind,
                         "color": narrative.STYLE.get(e.kind, narrative.DEFAULT_STYLE)[0],
                         "prefix": tr("narrative.prefix", month=e.month)})
        if len(rows) >= 12:
            break
    return rows


def applied_text(seat: Seat, tr: Translator) -> str:
    a, parts = seat.applied, []
    if "meetings" in a:
        parts.append(tr("class.applied_mayor", meetings=a["meetings"], forums=a["forums"]))
    if "introductions" in a:
        parts.append(tr("class.applied_introductions", n=a["introductions"]))
    if "experiment" in a:
        what, _, domain = a["experiment"].partition(":")
        parts.append(tr(f"class.applied_experiment_{what}",
                        domain=tr.core("domain", domain) if domain else ""))
    p = seat.proposals
    if p["accepted"] or p["refused"]:
        parts.append(tr("class.applied_proposals", accepted=p["accepted"], refused=p["refused"]))
    return tr("class.last_month") + " " + " ".join(parts)


@solara.component
def DecisionForm(room: Classroom, tr: Translator, seat: Seat) -> None:
    """The actor's decisions for the coming month (the model's rule until one is sent)."""
    start = seat.decision or default_decision(room, seat)
    meetings = solara.use_reactive(start.get("meetings", 0))
    forums = solara.use_reactive(start.get("forums", 0))
    dialogue = solara.use_reactive(round(100 * start.get("shares", [0.3, 0.4, 0.3])[0]))
    intro = solara.use_reactive(round(100 * start.get("shares", [0.3, 0.4, 0.3])[1]))
    experiments = solara.use_reactive(round(100 * start.get("shares", [0.3, 0.4, 0.3])[2]))
    introduce = solara.use_reactive(start.get("introduce", "model"))
    experiment = solara.use_reactive(start.get("experiment", "model"))
    accept = solara.use_reactive(list(start.get("accept", ["public", "economic",
                                                           "associative"])))

    def send() -> None:
        if seat.role == "mayor":
            d: dict[str, Any] = {"meetings": meetings.value, "forums": forums.value}
        elif seat.role == "catalyst":
            d = {"shares": [dialogue.value, intro.value, experiments.value],
                 "introduce": introduce.value, "experiment": experiment.value}
        else:
            d = {"accept": accept.value}
        room.decide(seat.token, d)

    with solara.Card(tr("class.form_title"), margin=0,
                     classes=["tsim-class-form", f"tsim-class-form-{seat.role}"]):
        if seat.role == "mayor":
            solara.SliderInt(tr("class.meetings", n=meetings.value), value=meetings, min=0,
                             max=MAX_MEETINGS)
            solara.SliderInt(tr("class.forums", n=forums.value), value=forums, min=0,
                             max=MAX_FORUMS)
            solara.Text(tr("class.mayor_hint"), classes=["tsim-hint"])
        elif seat.role == "catalyst":
            solara.Text(tr("class.shares"), classes=["tsim-hint"])
            solara.SliderInt(tr("class.share_dialogue", p=dialogue.value), value=dialogue,
                             min=0, max=100, step=5)
            solara.SliderInt(tr("class.share_introductions", p=intro.value), value=intro,
                             min=0, max=100, step=5)
            solara.SliderInt(tr("class.share_experiments", p=experiments.value),
                             value=experiments, min=0, max=100, step=5)
            solara.v.Select(label=tr("class.introduce"), v_model=introduce.value,
                            on_v_model=introduce.set, dense=True, class_="tsim-class-introduce",
                            items=[{"value": k, "text": tr(f"class.introduce_{k}")}
                                   for k in ("model", *INTRODUCE)])
            solara.v.Select(label=tr("class.experiment"), v_model=experiment.value,
                            on_v_model=experiment.set, dense=True,
                            class_="tsim-class-experiment",
                            items=[{"value": k, "text": _experiment_label(k, tr)}
                                   for k in ("model", "wait", *DOMAINS)])
        else:
            solara.Text(tr(f"class.accept_{seat.role}"), classes=["tsim-hint"])
            partners = ["public", "associative"] if seat.role == "firm" else ["public",
                                                                             "economic"]
            for world in partners:
                with solara.v.Html(tag="div", class_=f"tsim-class-accept-{world}"):
                    solara.Checkbox(label=tr.world(world), value=world in accept.value,
                                    on_value=lambda on, w=world: accept.set(
                                        sorted({*accept.value, w} if on else
                                               set(accept.value) - {w})))
        solara.Button(tr("class.send"), color="primary", on_click=send,
                      classes=["tsim-class-send"])


def default_decision(room: Classroom, seat: Seat) -> dict[str, Any]:
    """The form's starting values: what the model would do on average."""
    s = room.model.params
    if seat.role == "mayor":
        rates = room.model.mayor_rates[seat.actor]
        return {"meetings": round(float(rates[0])), "forums": round(float(rates[1]))}
    if seat.role == "catalyst":
        total = sum(s.mission_shares()) or 1.0
        return {"shares": [x / total for x in s.mission_shares()], "introduce": "model",
                "experiment": "model"}
    return {"accept": ["public", "economic", "associative"]}


# -- the debrief ---------------------------------------------------------------------------------
@solara.component
def Debrief(room: Classroom, tr: Translator, teacher: bool, seat: Seat | None = None,
            tick: int = 0) -> None:
    """The class's territory next to the model alone (same scenario, same seed)."""
    from ..monitors import MONITORS, format_value

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

