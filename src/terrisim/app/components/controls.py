"""The sidebar's controls: Reset / ▶ / Step, the month, the speed and the seed; the lesson in
progress and its checkpoints; what just happened; export; the language and presentation
switches of the app bar.

The structure is Mesa's SolaraViz controller (parameters apply on Reset, Play runs a threaded loop
that redraws after each step, Step is disabled while playing), rebuilt because SolaraViz's sidebar
is English-only, its Reset assumes a Mesa Scenario and its sliders do not show their value.
"""

from __future__ import annotations

import random
import time

import solara

from .. import narrative
from ..capacity import pacer
from ..lessons import BY_ID
from ..state import ResetRefused
from .base import (
    EventLog,
    ExportPng,
    Ui,
    after_step,
    error_text,
    restarted,
    to_json,
    use_live,
    use_tr,
)

DEFAULT_DELAY_MS = 100
#: Pages whose figures the PNG export saves.
FIGURE_PAGES = frozenset({"territory", "alliances", "indicators", "story", "present"})


# -- the app bar -----------------------------------------------------------------------------
@solara.component
def LanguageSwitch(lang: solara.Reactive[str]) -> None:
    """The visible FR / EN switch (changes every string, never the run)."""
    from ..i18n import LANGS, translator

    buttons = [solara.v.Btn(children=[translator(code)("meta.short")], value=code,
                            small=True, class_=f"tsim-lang-{code}") for code in LANGS]
    solara.v.BtnToggle(v_model=lang.value, on_v_model=lambda v: v and lang.set(v),
                       mandatory=True, dense=True, children=buttons,
                       class_="tsim-lang-switch", style_="margin-left: 12px")


@solara.component
def PresentSwitch(ui: Ui) -> None:
    """Presentation mode on and off (projector layout, 18 px fonts, the teacher's parameters)."""
    tr = use_tr(ui)
    label = tr("present.leave") if ui.present.value else tr("present.enter")
    solara.Button(label, icon_name="mdi-projector-screen", text=True,
                  on_click=lambda: ui.present.set(not ui.present.value),
                  classes=["tsim-present-switch"])


# -- Reset / Play / Step ----------------------------------------------------------------------
def play_loop(ui: Ui) -> None:
    """Runs in a thread while playing: step, redraw, wait (Mesa's play loop).  Pauses at a
    lesson's checkpoint, stops when the run ends or the session's page is gone."""
    sim = ui.sim
    started_on = sim.model
    try:
        with pacer.player():
            while ui.playing.value:
                t0, cpu0 = time.perf_counter(), time.thread_time()
                going = sim.step(started_on, interactive=False)
                if sim.detached or sim.model is not started_on:
                    break
                if not going:
                    ui.playing.set(False)       # before the end is shown: ▶ is then disabled
                paused = after_step(ui, going)
                if not going or paused:
                    ui.playing.set(False)
                    break
                spent = time.perf_counter() - t0
                pacer.record(time.thread_time() - cpu0, spent)
                rest = max(ui.delay.value / 1000.0, pacer.interval()) - spent
                if rest > 0:
                    time.sleep(rest)
    except Exception as exc:  # shown in the sidebar rather than lost in a thread
        if sim.detached:
            return
        ui.playing.set(False)
        ui.error.set(("step", exc))
        raise


@solara.component
def MonthCounter(ui: Ui) -> None:
    """"Month 14 / 120 · February 2011" (the only part of the controls that follows the month)."""
    tr, model = use_live(ui)
    if model is None:
        return
    year = model.indicators.get("year", model.params.start_year)
    solara.v.Html(tag="div", class_="tsim-step", children=[
        tr("ui.month", month=model.month, steps=model.params.steps) + f" · {tr.date(year)}"])
    if ui.playing.value and pacer.interval() > ui.delay.value / 1000.0:
        solara.v.Html(tag="div", class_="tsim-shared-speed",
                      children=[tr("ui.shared_speed", n=pacer.playing)])


@solara.component
def Controls(ui: Ui) -> None:
    """Reset / ▶ / Step, the month, the play speed and the seed (Mesa's ModelController)."""
    tr = use_tr(ui)
    ui.params.get()
    sim = ui.sim
    ended = ui.ended.value

    solara.lab.use_task(lambda: play_loop(ui), dependencies=[ui.playing.value],
                        prefer_threaded=True)

    def do_step() -> None:
        ui.error.set(None)
        going = sim.step()
        after_step(ui, going)

    def do_reset() -> None:
        ui.playing.set(False)
        try:
            sim.reset()
        except ResetRefused as refused:
            ui.error.set(("reset", refused))
            ui.bump()
            return
        restarted(ui)

    def toggle_play() -> None:
        ui.error.set(None)
        ui.checkpoint.set(None)
        ui.playing.set(not ui.playing.value)

    def new_seed() -> None:
        sim.set_seed(str(random.randrange(1, 2**31)))
        ui.bump()

    def on_seed(text: str) -> None:
        sim.set_seed(text)
        ui.error.set(None)          # a message about the previous seed no longer applies
        ui.bump()

    with solara.Card(tr("ui.controls"), margin=0, classes=["tsim-controls"]):
        with solara.Row(justify="space-between", classes=["tsim-buttons"]):
            solara.Button(tr("ui.reset"), color="primary", on_click=do_reset,
                          classes=["tsim-reset"])
            solara.Button("❚❚" if ui.playing.value else "▶", color="primary",
                          on_click=toggle_play, disabled=ended and not ui.playing.value,
                          classes=["tsim-play"])
            solara.Button(tr("ui.step"), color="primary", on_click=do_step,
                          disabled=ui.playing.value or ended, classes=["tsim-step-btn"])
        MonthCounter(ui)
        if ended:
            solara.Info(tr("ui.finished"), dense=True)
        solara.SliderInt(tr("ui.delay", ms=ui.delay.value), value=ui.delay, min=0, max=1000,
                         step=10)
        seed_problem = sim.seed_error
        with solara.Row(style={"align-items": "flex-start"}, classes=["tsim-seed-row"]):
            # every keystroke: the seed Reset uses is always the one on screen
            solara.InputText(tr("ui.seed"), value=sim.seed_text, on_value=on_seed,
                             continuous_update=True, classes=["tsim-seed"],
                             error=bool(seed_problem))
            solara.Button(tr("ui.new_seed"), text=True, small=True, on_click=new_seed,
                          classes=["tsim-new-seed"])
        if seed_problem is not None:
            from ..messages import field_error

            solara.v.Html(tag="div", class_="tsim-seed-error", attributes={"role": "alert"},
                          children=[field_error(seed_problem, tr)])
        elif sim.seed_text.strip() != str(sim.seed):
            solara.v.Html(tag="div", class_="tsim-seed-note",
                          children=[tr("ui.seed_next", seed=sim.seed)])
        message = error_text(ui.error.value, ui, tr)
        if message:
            solara.Error(message, classes=["tsim-error"])


# -- lessons ------------------------------------------------------------------------------------
@solara.component
def LessonCard(ui: Ui) -> None:
    tr = use_tr(ui)
    ui.params.get()          # a lesson starts or ends with a parameter change, not every month
    lesson_id = ui.sim.lesson
    if lesson_id is None:
        return
    from .pages import PAGES

    lesson = BY_ID[lesson_id]
    entry = tr.data["lessons"][lesson_id]

    def leave() -> None:
        ui.playing.set(False)
        ui.sim.leave_lesson()
        restarted(ui)

    months = ", ".join(str(m) for m in lesson.checkpoints)
    with solara.Card(f"{tr('ui.lesson')} · {entry['title']}", margin=0,
                     classes=["tsim-lesson-card"]):
        solara.Markdown(f"*{entry['question']}*")
        if not ui.present.value:
            solara.Markdown(f"**{tr('ui.lesson_look_at')}**\n\n{entry['look_at']}")
        if months:
            solara.Text(tr.plural("ui.lesson_pauses", len(lesson.checkpoints), months=months),
                        classes=["tsim-lesson-pauses"])
        with solara.Row(style={"flex-wrap": "wrap"}):
            if not ui.present.value:
                solara.Button(tr("ui.lesson_open_page", page=tr(f"tabs.{lesson.page}")),
                              text=True, small=True,
                              on_click=lambda: ui.tab.set(PAGES.index(lesson.page)))
            solara.Button(tr("ui.lesson_stop"), text=True, small=True, on_click=leave)


@solara.component
def CheckpointCard(ui: Ui) -> None:
    """The lesson's question for this moment, shown when Play paused at a checkpoint."""
    tr = use_tr(ui)
    month = ui.checkpoint.value
    lesson_id = ui.sim.lesson
    if month is None or lesson_id is None:
        return
    texts = tr.data["lessons"][lesson_id].get("checkpoints", {})
    question = texts.get(str(month), "")

    def resume() -> None:
        ui.checkpoint.set(None)
        ui.playing.set(True)

    with solara.v.Html(tag="div", class_="tsim-checkpoint", attributes={"role": "alert"}):
        solara.v.Html(tag="div", class_="tsim-checkpoint-title",
                      children=[tr("ui.checkpoint_title", month=month)])
        with solara.v.Html(tag="div", class_="tsim-checkpoint-question"):
            solara.Markdown(question)
        with solara.Row():
            solara.Button(tr("ui.checkpoint_continue"), color="primary", on_click=resume,
                          classes=["tsim-checkpoint-continue"])
            solara.Button(tr("ui.checkpoint_close"), text=True,
                          on_click=lambda: ui.checkpoint.set(None))


# -- what just happened ------------------------------------------------------------------------
@solara.component
def Ticker(ui: Ui, n: int = 3) -> None:
    """The last few events of the run, in words (every month)."""
    tr, model = use_live(ui)
    if model is None:
        return
    rows = narrative.latest(model, tr, n=n)
    with solara.Card(tr("narrative.ticker"), margin=0, classes=["tsim-ticker"]):
        EventLog(rows_json=to_json(rows), empty=tr("narrative.nothing_yet"),
                 font=18 if ui.present.value else 13)


# -- export -------------------------------------------------------------------------------------
@solara.component
def Export(ui: Ui) -> None:
    """CSV of every indicator and PNG of the figures, named after what changed and recording
    the parameters and seed (the month is read by the browser: no redraw every month)."""
    tr = use_tr(ui)
    ui.params.get()
    from .pages import PAGES

    sim = ui.sim
    page = "present" if ui.present.value else PAGES[ui.tab.value]
    with solara.Card(tr("ui.export"), margin=0, classes=["tsim-export"]):
        with solara.Row(style={"flex-wrap": "wrap"}):
            with solara.FileDownload(lambda: sim.csv(tr).encode("utf-8"),
                                     filename=sim.filename("csv"), mime_type="text/csv"):
                solara.Button(tr("ui.export_csv"), icon_name="mdi-table-arrow-down",
                              small=True, outlined=True, color="primary",
                              classes=["tsim-export-csv"])
            png = sim.filename("png").removesuffix(".png") + "-month{month}." + page + ".png"
            ExportPng(label=tr("ui.export_png"), filename=png, footer=sim.footer(tr),
                      footer_month=tr("export.footer_month"),
                      disabled=page not in FIGURE_PAGES)
        solara.Text(tr("ui.export_hint"), classes=["tsim-hint"])
