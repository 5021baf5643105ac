"""The terrisim browser app (Solara): ``solara run terrisim.app.app`` or ``terrisim app``.

Laid out like Mesa's SolaraViz examples (``model.py`` / ``agents.py`` in the core, the page here):
an app bar with the presentation and language switches, a sidebar column with the controls,
lesson, events, export and parameters, and tabbed pages — Territory, Alliances, Indicators,
Monitors, Story, Info, Lessons — or, in presentation mode, the map and one chart filling a
projector's screen.

One model per browser session: :func:`Page` builds the session's :class:`Simulation` in a
``use_memo``, so every browser tab (every Solara kernel) has its own model; nothing here is created
at module level.  A reload of the tab takes its session back (:mod:`terrisim.app.sessions`), and a
closed tab's session is freed.  ``terrisim app`` sets the scenario, seed, language, presentation
mode and class token through environment variables before the server starts (see
:mod:`terrisim.app.command`).
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from urllib.parse import parse_qs

import solara

from . import classroom
from .components import (
    CSS,
    DEFAULT_DELAY_MS,
    PRESENT_CSS,
    VIEW_FIELDS,
    LanguageSwitch,
    NormalLayout,
    PresentLayout,
    PresentSwitch,
    Ui,
)
from .components.base import SessionKeeper
from .components.classroom import LearnerApp, TeacherApp
from .i18n import translator
from .sessions import registry
from .state import ENV_TOKEN, Simulation
from .views import DEFAULT_LAYER

__all__ = ["Page"]


@dataclass(frozen=True)
class Current:
    token: str
    sim: Simulation


def _boot() -> Current:
    sim = Simulation.from_environment()
    return Current(registry.new(sim), sim)


def token_ok(given: str | None) -> bool:
    """Whether the class token (if the server asks for one) was given."""
    wanted = os.environ.get(ENV_TOKEN, "")
    if not wanted:
        return True
    return bool(given) and hmac.compare_digest(str(given).strip(), wanted)


@solara.component
def Page() -> None:
    """The whole app for one browser session (after the class token, if one is asked).

    In class mode (``terrisim app --class``) the teacher's address carries the teacher's key
    and opens the teacher's screen; everybody else joins the class as a learner.
    """
    router = solara.use_router()
    query = parse_qs(router.search or "")
    given = solara.use_reactive((query.get("token") or [""])[0])
    lang = solara.use_reactive(Simulation.initial_language())
    room = classroom.shared()
    if room is not None:
        key = (query.get("teacher") or [""])[0]
        if key and hmac.compare_digest(key, room.teacher_key):
            TeacherApp(room, lang, os.environ.get(classroom.ENV_JOIN_URL, ""))
            return
    if not token_ok(given.value):
        JoinForm(lang, given)
        return
    if room is not None:
        LearnerApp(room, lang)
        return
    App(lang)


@solara.component
def JoinForm(lang: solara.Reactive[str], given: solara.Reactive[str]) -> None:
    """Asks for the class token the teacher gave (both languages, one line on error)."""
    tr = translator(lang.value)
    typed = solara.use_reactive("")
    tried = solara.use_reactive(False)

    def join() -> None:
        tried.set(True)
        given.set(typed.value)

    solara.Title(tr("ui.app_title"))
    with solara.Card(tr("join.title"), margin=0, classes=["tsim-join"],
                     style={"max-width": "520px", "margin": "40px auto"}):
        solara.Markdown(tr("join.explain"))
        solara.InputText(tr("join.token"), value=typed, continuous_update=True,
                         classes=["tsim-join-token"])
        solara.Button(tr("join.go"), color="primary", on_click=join, classes=["tsim-join-go"])
        if tried.value:
            solara.Error(tr("join.wrong"), classes=["tsim-join-error"])
        with solara.Row():
            for code in ("en", "fr"):
                solara.Button(translator(code)("meta.name"), text=True, small=True,
                              on_click=lambda c=code: lang.set(c))


@solara.component
def App(lang: solara.Reactive[str]) -> None:
    boot = solara.use_memo(_boot, [])
    current = solara.use_reactive(boot)
    playing = solara.use_reactive(False)
    delay = solara.use_reactive(DEFAULT_DELAY_MS)
    tab = solara.use_reactive(0)
    layer = solara.use_reactive(DEFAULT_LAYER)
    hover = solara.use_reactive(None)
    params = solara.use_reactive(0)
    tick = solara.use_reactive(0)
    ended = solara.use_reactive(False)
    error = solara.use_reactive(None)
    open_groups = solara.use_reactive([])
    advanced = solara.use_reactive(False)
    present = solara.use_reactive(Simulation.initial_presentation())
    compare = solara.use_reactive("previous")
    story = solara.use_reactive("main")
    chart = solara.use_reactive("kinds")
    checkpoint = solara.use_reactive(None)
    cur = current.value
    ui = solara.use_memo(lambda: Ui(
        sim=cur.sim, token=cur.token, lang=lang, playing=playing, delay=delay, tab=tab,
        layer=layer, hover=hover, params=params, tick=tick, ended=ended,
        open_groups=open_groups, advanced=advanced, error=error, present=present,
        compare=compare, story=story, chart=chart, checkpoint=checkpoint), [cur.token])

    def attach():
        sim, token = cur.sim, cur.token
        sim.detached = False

        def detach() -> None:
            sim.detached = True
            try:
                view = ui.view()
            except Exception:  # the kernel is closing: keep the view saved so far
                view = {}
            registry.detach(token, view)

        return detach

    solara.use_effect(attach, [cur.token])

    def restore(held: str) -> None:
        """The tab's keeper reported the token it holds: take that session back if it is
        waiting for this reload (else keep the fresh one)."""
        if not held or held == current.value.token:
            return
        entry = registry.claim(held)
        if entry is None:
            return
        fresh = current.value.token
        playing.set(False)
        for name in VIEW_FIELDS:
            if name in entry.view:
                getattr(ui, name).set(entry.view[name])
        current.set(Current(entry.token, entry.session))
        ended.set(not entry.session.running)
        registry.drop(fresh)

    tr = translator(lang.value)
    solara.Title(tr("ui.app_title"))
    solara.Style(CSS + (PRESENT_CSS if present.value else ""))
    with solara.AppBar():
        solara.AppBarTitle(tr("ui.app_title"))
        solara.v.Spacer()
        PresentSwitch(ui)
        LanguageSwitch(lang)
    SessionKeeper(token=cur.token, event_restore=restore)
    if present.value:
        PresentLayout(ui)
    else:
        NormalLayout(ui)
