"""A learner's screen: take an actor, decide for it every month, see what it did."""

from __future__ import annotations

import secrets
from typing import Any

import solara

from ....domains import DOMAINS
from ... import narrative
from ...classroom import INTRODUCE, MAX_FORUMS, MAX_MEETINGS, ROLES, Classroom, Seat
from ...i18n import Translator, translator
from ...tooltips import describe
from ..base import EventLog, RowsTable, SessionKeeper, to_json
from .common import (
    _experiment_label,
    actor_title,
    class_map,
    page_frame,
    played_marks,
    use_class_tick,
)
from .debrief import Debrief


@solara.component
def LearnerApp(room: Classroom, lang: solara.Reactive[str]) -> None:
    tr = translator(lang.value)
    fresh = solara.use_memo(lambda: secrets.token_urlsafe(12), [])
    token = solara.use_reactive(fresh)

    def restore(held: str) -> None:
        if held and held in room.seats:
            token.set(held)

    page_frame(tr("class.learner_title"), lang)
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
