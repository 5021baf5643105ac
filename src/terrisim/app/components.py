"""Solara components of the app: controls, parameters, pages, lessons, export, language switch.

The structure is Mesa's SolaraViz (a sidebar with Reset / ▶ / Step, a play interval and the model
parameters; pages of components that redraw on Mesa's ``update_counter``), rebuilt here because
SolaraViz itself cannot serve this app: its sidebar and tab titles are English-only ("Page 0",
"Play Interval (ms)"…), its Reset rebuilds the model from ``model.params`` assuming a Mesa
Scenario (ours is terrisim's), and its sliders do not show their value.  What is kept from Mesa:
the controller semantics (parameters apply on Reset, Play runs a threaded loop that calls
``force_update`` after each step, Step is disabled while playing), ``update_counter`` as the redraw
signal, and "only the visible page redraws".

Every component receives the session's state as a :class:`Ui` prop (one per browser session, built
by :func:`terrisim.app.app.Page`); a context would not do, because Solara renders the app bar and
the sidebar outside the page's component tree.
"""

from __future__ import annotations

import json
import math
import random
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import solara
from mesa.visualization.utils import force_update, update_counter

from ..errors import UserError
from ..scenario import GROUPS, ParamSpec, Scenario, ScenarioError
from . import views
from .i18n import LANGS, Translator, translator
from .lessons import BY_ID, LESSONS
from .state import Simulation

#: Pages in tab order (ids are locale keys under ``tabs``).
PAGES: tuple[str, ...] = ("territory", "alliances", "indicators", "monitors", "info", "lessons")
#: Pages whose figures the PNG export saves.
FIGURE_PAGES = frozenset({"territory", "alliances", "indicators"})
#: Sections of the Info page, in NetLogo's order (ids are locale keys under ``info``).
INFO_SECTIONS: tuple[str, ...] = ("what", "how", "use", "notice", "try", "extending", "related",
                                  "credits")
DEFAULT_DELAY_MS = 100
#: Units whose singular ends in "s" too.
INVARIABLE = frozenset({"mois", "log-sd"})


@dataclass(frozen=True)
class Ui:
    """Everything one browser session shares between its components."""

    sim: Simulation
    lang: solara.Reactive[str]
    playing: solara.Reactive[bool]
    delay: solara.Reactive[int]
    seed: solara.Reactive[int]
    tab: solara.Reactive[int]
    layer: solara.Reactive[str]
    hover: solara.Reactive[dict[str, Any] | None]
    params: solara.Reactive[int]        # bumped when pending edits change
    open_groups: solara.Reactive[list[int]]
    error: solara.Reactive[str | None]


def use_tr(ui: Ui) -> Translator:
    return translator(ui.lang.value)


# -- custom widgets (Vue templates next to this file) -------------------------------------------
@solara.component_vue("figure.vue")
def FigureWidget(kind: str, spec_json: str, frame_json: str = "", texts: dict | None = None,
                 tooltip: dict | None = None, height: int = 300,
                 event_hover: Callable[[dict], None] | None = None) -> None:
    """A canvas figure: ``kind`` is "map", "network" or "chart" (see figure.vue)."""


def _json(data: Any) -> str:
    # identical data give an identical string, so an unchanged prop is never re-sent
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


_STATIC_JSON: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def static_json(model: Any) -> str:
    """The territory's static data as JSON, encoded once per model (it never changes)."""
    text = _STATIC_JSON.get(model)
    if text is None:
        text = _STATIC_JSON[model] = _json(views.map_static(model))
    return text


def Figure(kind: str, spec: dict | str, frame: dict | None = None, texts: dict | None = None,
           tooltip: dict | None = None, height: int = 300,
           event_hover: Callable[[dict], None] | None = None) -> Any:
    """A canvas figure from plain data.

    The data travel as JSON text: Solara's renderer walks every prop looking for child
    elements, and walking the territory's ~15,000 numbers each month cost more than the model
    step itself; a string is compared and sent as one value.
    """
    return FigureWidget(kind=kind, spec_json=spec if isinstance(spec, str) else _json(spec),
                        frame_json=_json(frame) if frame is not None else "", texts=texts,
                        tooltip=tooltip, height=height, event_hover=event_hover)


@solara.component_vue("params.vue")
def ParamsEditor(groups_json: str, expanded: list,
                 on_expanded: Callable[[list], None] | None = None,
                 event_edit: Callable[[dict], None] | None = None) -> None:
    """Every Scenario parameter, grouped, as sliders / fields / checkboxes / selects;
    ``expanded`` lists the open groups (kept by the session, so a re-render keeps them)."""


@solara.component_vue("export_png.vue")
def ExportPng(label: str, filename: str, footer: str, disabled: bool = False) -> None:
    """Button saving the figures of the visible page as one PNG."""


# -- the app bar -----------------------------------------------------------------------------
@solara.component
def LanguageSwitch(ui: Ui) -> None:
    """The visible FR / EN switch (changes every string, never the run)."""
    buttons = [solara.v.Btn(children=[translator(lang)("meta.short")], value=lang,
                            small=True, class_=f"tsim-lang-{lang}") for lang in LANGS]
    solara.v.BtnToggle(v_model=ui.lang.value, on_v_model=lambda v: v and ui.lang.set(v),
                       mandatory=True, dense=True, children=buttons,
                       class_="tsim-lang-switch", style_="margin-left: 12px")


# -- sidebar: controls -------------------------------------------------------------------------
def _restarted(ui: Ui) -> None:
    """After a Reset or a lesson load: clear messages and hover, redraw parameters and pages."""
    ui.error.set(None)
    ui.hover.set(None)
    ui.params.set(ui.params.value + 1)
    force_update()


@solara.component
def Controls(ui: Ui) -> None:
    """Reset / ▶ / Step, the play speed, the seed, the month (Mesa's ModelController)."""
    tr = use_tr(ui)
    sim = ui.sim
    update_counter.get()
    model = sim.model
    running = sim.running

    def play_loop() -> None:
        """Runs in a thread while playing: step, redraw, wait (Mesa's play loop)."""
        started_on = sim.model
        try:
            while ui.playing.value:
                t0 = time.perf_counter()
                going = sim.step(started_on)
                force_update()
                if not going:
                    ui.playing.set(False)
                    break
                rest = ui.delay.value / 1000.0 - (time.perf_counter() - t0)
                if rest > 0:
                    time.sleep(rest)
        except Exception as exc:  # shown in the sidebar rather than lost in a thread
            ui.playing.set(False)
            ui.error.set(tr("ui.error_step", error=exc))
            raise

    solara.lab.use_task(play_loop, dependencies=[ui.playing.value], prefer_threaded=True)

    def do_step() -> None:
        ui.error.set(None)
        sim.step()
        force_update()

    def do_reset() -> None:
        ui.playing.set(False)
        try:
            sim.reset(seed=ui.seed.value)
        except ScenarioError as exc:
            ui.error.set(tr("ui.error_reset", error=exc))
            return
        _restarted(ui)

    def toggle_play() -> None:
        ui.error.set(None)
        ui.playing.set(not ui.playing.value)

    with solara.Card(tr("ui.controls"), margin=0, classes=["tsim-controls"]):
        with solara.Row(justify="space-between"):
            solara.Button(tr("ui.reset"), color="primary", on_click=do_reset,
                          classes=["tsim-reset"])
            solara.Button("❚❚" if ui.playing.value else "▶", color="primary",
                          on_click=toggle_play, disabled=not running, classes=["tsim-play"])
            solara.Button(tr("ui.step"), color="primary", on_click=do_step,
                          disabled=ui.playing.value or not running, classes=["tsim-step-btn"])
        year = model.indicators.get("year", model.params.start_year)
        solara.v.Html(tag="div", class_="tsim-step", children=[
            tr("ui.month", month=model.month, steps=model.params.steps)
            + f" · {tr.date(year)}"])
        if not running:
            solara.Info(tr("ui.finished"), dense=True)
        solara.SliderInt(tr("ui.delay", ms=ui.delay.value), value=ui.delay, min=0, max=1000,
                         step=10)
        with solara.Row(style={"align-items": "center"}):
            solara.InputInt(tr("ui.seed"), value=ui.seed, continuous_update=False,
                            classes=["tsim-seed"])
            solara.Button(tr("ui.new_seed"), text=True, small=True,
                          on_click=lambda: ui.seed.set(random.randrange(1, 2**31)))
        if ui.error.value:
            solara.Error(ui.error.value, classes=["tsim-error"])


# -- sidebar: lesson in progress -------------------------------------------------------------
@solara.component
def LessonCard(ui: Ui) -> None:
    tr = use_tr(ui)
    ui.params.get()          # a lesson starts or ends with a parameter change, not every month
    lesson_id = ui.sim.lesson
    if lesson_id is None:
        return
    lesson = BY_ID[lesson_id]
    entry = tr.data["lessons"][lesson_id]

    def leave() -> None:
        ui.playing.set(False)
        ui.sim.leave_lesson()
        ui.params.set(ui.params.value + 1)
        force_update()

    with solara.Card(f"{tr('ui.lesson')} · {entry['title']}", margin=0,
                     classes=["tsim-lesson-card"]):
        solara.Markdown(f"*{entry['question']}*")
        solara.Markdown(f"**{tr('ui.lesson_look_at')}**\n\n{entry['look_at']}")
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(tr("ui.lesson_open_page", page=tr(f"tabs.{lesson.page}")), text=True,
                          small=True, on_click=lambda: ui.tab.set(PAGES.index(lesson.page)))
            solara.Button(tr("ui.lesson_stop"), text=True, small=True, on_click=leave)


# -- sidebar: export -----------------------------------------------------------------------------
@solara.component
def Export(ui: Ui) -> None:
    tr = use_tr(ui)
    update_counter.get()
    sim = ui.sim
    page = PAGES[ui.tab.value]
    footer = (f"terrisim · {sim.base.name} · seed {sim.seed} · "
              f"{tr('ui.month', month=sim.model.month, steps=sim.base.steps)}")
    with solara.Card(tr("ui.export"), margin=0, classes=["tsim-export"]):
        with solara.Row(style={"flex-wrap": "wrap"}):
            with solara.FileDownload(lambda: sim.csv().encode("utf-8"),
                                     filename=sim.filename("csv"), mime_type="text/csv"):
                solara.Button(tr("ui.export_csv"), icon_name="mdi-table-arrow-down",
                              small=True, outlined=True, color="primary",
                              classes=["tsim-export-csv"])
            ExportPng(label=tr("ui.export_png"), filename=sim.filename(f"{page}.png"),
                      footer=footer, disabled=page not in FIGURE_PAGES)
        solara.Text(tr("ui.export_hint"), style={"font-size": "12px", "color": "#666"})


# -- sidebar: parameters ----------------------------------------------------------------------
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

    The slider covers the allowed range, except when that range is far wider than the values
    in use (``n_firms`` allows 500,000): then it stops at a few times the default or the
    current value, whichever is larger; the text field next to it accepts the whole range.
    """
    lo = float(spec.lo if spec.lo is not None else 0.0)
    hi = float(spec.hi if spec.hi is not None else max(1.0, 4 * abs(spec.default)))
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


def format_param(spec: ParamSpec, value: Any, tr: Translator) -> str:
    """A parameter value with its unit, written in the interface's language."""
    if spec.type is bool:
        return tr.yes_no(bool(value))
    if spec.choices:
        return tr.choice(spec.name, str(value))
    if spec.type is str:
        return str(value)
    text = plain_number(value, tr.lang)
    if spec.unit == "factor":
        return f"×{text}"
    unit = tr.unit(spec.unit)
    if value == 1 and unit.endswith("s") and "/" not in unit and unit not in INVARIABLE:
        unit = unit[:-1]                  # "1 region", "1 catalyseur"
    return f"{text} {unit}".strip()


def plain_number(value: float, lang: str) -> str:
    """Shortest faithful writing of a number (``0.003``, ``1500``), decimal comma in French."""
    text = str(int(value)) if float(value).is_integer() else f"{float(value):.6g}"
    return text.replace(".", ",") if lang == "fr" else text


def param_groups(sim: Simulation, tr: Translator) -> list[dict[str, Any]]:
    """Rows of the parameter editor, generated from ``Scenario.specs()`` (never restated)."""
    specs = Scenario.specs()
    groups = []
    for group in GROUPS:
        if group == "meta":      # name and description are shown in the Scenario card
            continue
        rows = []
        for name, spec in specs.items():
            if spec.group != group:
                continue
            value = sim.value(name)
            pending = name in sim.pending
            row: dict[str, Any] = {
                "name": name, "label": tr.param_label(name), "help": tr.param_help(spec),
                "value": value, "display": format_param(spec, value, tr),
                "pending": pending, "error": sim.errors.get(name),
                "now": (tr("ui.param_was", value=format_param(spec, getattr(sim.base, name), tr))
                        if pending else None),
            }
            if sim.errors.get(name):
                row["error"] = tr("ui.param_invalid", error=sim.errors[name])
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
            rows.append(row)
        if rows:
            n = sum(r["pending"] for r in rows)
            groups.append({"id": group, "title": tr.group(group), "rows": rows,
                           "pending": str(n) if n else ""})
    return groups


@solara.component
def Parameters(ui: Ui) -> None:
    tr = use_tr(ui)
    ui.params.get()          # not update_counter: the parameters do not change with the month
    sim = ui.sim

    def on_edit(data: dict[str, Any]) -> None:
        sim.edit(str(data.get("name")), data.get("value"))
        ui.params.set(ui.params.value + 1)

    def undo() -> None:
        sim.undo()
        ui.params.set(ui.params.value + 1)

    with solara.Card(tr("ui.parameters"), margin=0, classes=["tsim-parameters"]):
        base = sim.base
        solara.Markdown(f"**{tr('ui.scenario', name=base.name)}** — "
                        f"{tr('ui.scenario_from', source=sim.source)}\n\n{base.description}",
                        style={"font-size": "13px"})
        solara.Text(tr("ui.params_hint"), style={"font-size": "12px", "color": "#555"})
        if sim.pending:
            with solara.Row(style={"align-items": "center"}):
                solara.v.Html(tag="span", class_="tsim-pending-count",
                              children=[tr("ui.params_pending", n=len(sim.pending))])
                solara.Button(tr("ui.params_undo"), text=True, small=True, on_click=undo)
        problem = sim.candidate_error()
        if problem:
            solara.Warning(tr("ui.param_invalid", error=problem), dense=True)
        ParamsEditor(groups_json=_json(param_groups(sim, tr)), expanded=ui.open_groups.value,
                     on_expanded=ui.open_groups.set, event_edit=on_edit).key("tsim-params-editor")


# -- pages ---------------------------------------------------------------------------------------
@solara.component
def TerritoryPage(ui: Ui) -> None:
    tr = use_tr(ui)
    update_counter.get()
    model = ui.sim.model
    layer = ui.layer.value
    solara.v.Select(label=tr("map.layer"), items=views.layer_choices(tr), v_model=layer,
                    on_v_model=ui.layer.set, dense=True, hide_details=True,
                    class_="tsim-layer-select", style_="max-width: 420px; margin-bottom: 6px")
    Figure(kind="map", spec=static_json(model), frame=views.map_frame(model, layer),
           texts=views.map_texts(model, layer, tr),
           tooltip=views.describe(model, ui.hover.value, layer, tr), event_hover=ui.hover.set)
    solara.Text(tr("map.hover_hint"), style={"font-size": "12px", "color": "#666"})


@solara.component
def AlliancesPage(ui: Ui) -> None:
    tr = use_tr(ui)
    update_counter.get()
    model = ui.sim.model
    Figure(kind="network", spec=static_json(model), frame=views.network_frame(model),
           texts=views.network_texts(model, tr),
           tooltip=views.describe(model, ui.hover.value, "none", tr), event_hover=ui.hover.set)
    solara.Text(tr("network.hint"), style={"font-size": "12px", "color": "#666"})


@solara.component
def IndicatorsPage(ui: Ui) -> None:
    tr = use_tr(ui)
    update_counter.get()
    charts = views.chart_specs(ui.sim.model, tr)
    with solara.v.Html(tag="div", class_="tsim-charts"):
        for name in ("kinds", "ladder", "stages", "impacts"):
            with solara.v.Html(tag="div", class_=f"tsim-chart tsim-chart-{name}"):
                Figure(kind="chart", spec=charts[name], height=300)


@solara.component
def MonitorsPage(ui: Ui) -> None:
    tr = use_tr(ui)
    update_counter.get()
    for section in views.monitor_sections(ui.sim.model, tr):
        solara.v.Html(tag="h3", class_="tsim-monitor-section", children=[section["title"]])
        with solara.v.Html(tag="div", class_="tsim-monitors"):
            for item in section["items"]:
                children = [
                    solara.v.Html(tag="div", class_="tsim-monitor-label",
                                  children=[item["label"]]),
                    solara.v.Html(tag="div", class_="tsim-monitor-value",
                                  children=[item["value"]]),
                ]
                if item["survey"]:
                    children.append(solara.v.Html(tag="div", class_="tsim-monitor-survey",
                                                  children=[tr("ui.survey",
                                                               value=item["survey"])]))
                solara.v.Html(tag="div", class_=f"tsim-monitor tsim-monitor-{item['name']}",
                              attributes={"title": item["help"]}, children=children)


@solara.component
def InfoPage(ui: Ui) -> None:
    tr = use_tr(ui)
    with solara.v.Html(tag="div", class_="tsim-info"):
        for section in INFO_SECTIONS:
            entry = tr.data["info"][section]
            solara.Markdown(f"## {entry['title']}\n\n{entry['body']}")


@solara.component
def LessonsPage(ui: Ui) -> None:
    tr = use_tr(ui)
    update_counter.get()
    sim = ui.sim
    directory, looked = sim.lessons_dir()
    solara.Markdown(tr("ui.lessons_intro"))
    if directory is None:
        solara.Warning(tr("ui.lessons_unavailable", where=", ".join(map(str, looked))))
        return

    def load(lesson_id: str) -> None:
        ui.playing.set(False)
        try:
            sim.load_lesson(lesson_id)
        except (ScenarioError, UserError) as exc:
            ui.error.set(tr("ui.error_reset", error=exc))
            return
        _restarted(ui)
        ui.tab.set(PAGES.index(BY_ID[lesson_id].page))

    with solara.v.Html(tag="div", class_="tsim-lessons"):
        for lesson in LESSONS:
            entry = tr.data["lessons"][lesson.id]
            active = sim.lesson == lesson.id
            with solara.Card(entry["title"], margin=0,
                             classes=[f"tsim-lesson tsim-lesson-{lesson.id}"
                                      + (" tsim-lesson-active" if active else "")]):
                solara.Markdown(f"**{tr('ui.lesson_question')}** — {entry['question']}")
                solara.Markdown(f"**{tr('ui.lesson_look_at')}**\n\n{entry['look_at']}")
                solara.Markdown(f"**{tr('ui.lesson_try')}**\n\n{entry['try']}")
                solara.Button(tr("ui.lesson_load"), color="primary", small=True,
                              on_click=lambda lid=lesson.id: load(lid),
                              classes=[f"tsim-load-{lesson.id}"])


PAGE_COMPONENTS: dict[str, Callable[[Ui], Any]] = {
    "territory": TerritoryPage, "alliances": AlliancesPage, "indicators": IndicatorsPage,
    "monitors": MonitorsPage, "info": InfoPage, "lessons": LessonsPage,
}


@solara.component
def Pages(ui: Ui) -> None:
    """Tabs, and only the visible page (the others do not redraw while the model runs)."""
    tr = use_tr(ui)
    solara.v.Tabs(v_model=ui.tab.value, on_v_model=ui.tab.set, class_="tsim-tabs",
                  children=[solara.v.Tab(children=[tr(f"tabs.{p}")], class_=f"tsim-tab-{p}")
                            for p in PAGES])
    page = PAGES[ui.tab.value]
    with solara.v.Html(tag="div", class_=f"tsim-page tsim-page-{page}"):
        PAGE_COMPONENTS[page](ui)


CSS = """
.tsim-step { font-size: 15px; font-weight: 500; margin: 8px 0 4px 0; }
.tsim-pending-count { font-size: 12px; color: #a65c00; font-weight: 500; }
.tsim-page { padding: 12px 4px; min-height: 400px; }
.tsim-charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr));
               gap: 14px; }
.tsim-chart { border: 1px solid #e3e3e3; border-radius: 4px; padding: 4px; background: #fff; }
.tsim-monitor-section { margin: 14px 0 6px 0; font-size: 15px; color: #333; }
.tsim-monitors { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr));
                 gap: 8px; }
.tsim-monitor { border: 1px solid #d8dde3; border-radius: 4px; padding: 6px 10px;
                background: #fafbfc; cursor: help; }
.tsim-monitor-label { font-size: 12px; color: #555; }
.tsim-monitor-value { font-size: 22px; font-weight: 500; color: #0b2545; }
.tsim-monitor-survey { font-size: 11px; color: #777; }
.tsim-info { max-width: 860px; }
.tsim-info h2 { margin-top: 18px; font-size: 20px; }
.tsim-lessons { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr));
                gap: 12px; }
.tsim-lesson-active { outline: 3px solid #e07b00; }
.tsim-lang-switch .v-btn { min-width: 40px !important; }
"""

