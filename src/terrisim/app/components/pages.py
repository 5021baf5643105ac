"""The pages: Territory, Alliances, Indicators (with run comparison), Monitors, Story (what
happened), Info and Lessons — and the presentation view's map and chart.

Only the visible page is rendered, so the others cost nothing while the model runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from ...errors import UserError
from ...scenario import ScenarioError
from .. import charts, monitors, narrative, views
from ..history import RunRecord, changes_text
from ..history import label as run_label
from ..i18n import Translator
from ..lessons import BY_ID, LESSONS
from ..tooltips import describe
from .base import (
    EventLog,
    Figure,
    MonitorsWidget,
    RowsTable,
    Ui,
    restarted,
    static_json,
    to_json,
    use_live,
    use_tr,
)

#: Pages in tab order (ids are locale keys under ``tabs``).
PAGES: tuple[str, ...] = ("territory", "alliances", "indicators", "monitors", "story", "info",
                          "lessons")
#: Sections of the Info page, in NetLogo's order (ids are locale keys under ``info``).
INFO_SECTIONS: tuple[str, ...] = ("what", "how", "use", "notice", "try", "extending", "related",
                                  "credits")
PRESENT_FONT = 18


def compared_run(ui: Ui) -> RunRecord | None:
    """The kept run the charts overlay: the previous one, a chosen one, or none."""
    runs = ui.sim.runs
    choice = ui.compare.value
    if not runs or choice == "none":
        return None
    if choice.startswith("run:"):
        wanted = int(choice.split(":")[1])
        return next((r for r in runs if r.number == wanted), runs[-1])
    return runs[-1]


def map_figure(ui: Ui, tr: Translator, fit: bool = False, font: int = 12) -> None:
    model = ui.sim.model
    assert model is not None
    layer = ui.layer.value
    texts = views.map_texts(model, layer, tr) | {"font": font}
    Figure(kind="map", spec=static_json(model), frame=views.map_frame(model, layer),
           texts=texts, tooltip=describe(model, ui.hover.value, layer, tr),
           event_hover=ui.hover.set, fit=fit)


@solara.component
def TerritoryPage(ui: Ui) -> None:
    tr, model = use_live(ui)
    if model is None:
        return
    solara.v.Select(label=tr("map.layer"), items=views.layer_choices(tr), v_model=ui.layer.value,
                    on_v_model=ui.layer.set, dense=True, hide_details=True,
                    class_="tsim-layer-select", style_="max-width: 420px; margin-bottom: 6px")
    map_figure(ui, tr)
    solara.Text(tr("map.hover_hint"), classes=["tsim-hint"])


@solara.component
def AlliancesPage(ui: Ui) -> None:
    tr, model = use_live(ui)
    if model is None:
        return
    Figure(kind="network", spec=static_json(model), frame=views.network_frame(model),
           texts=views.network_texts(model, tr),
           tooltip=describe(model, ui.hover.value, "none", tr), event_hover=ui.hover.set)
    solara.Text(tr("network.hint"), classes=["tsim-hint"])


def compare_choices(ui: Ui, tr: Translator) -> list[dict[str, str]]:
    items = [{"value": "previous", "text": tr("runs.previous")},
             {"value": "none", "text": tr("runs.none")}]
    items += [{"value": f"run:{r.number}", "text": run_label(r, tr)}
              for r in reversed(ui.sim.runs)]
    return items


@solara.component
def CompareBar(ui: Ui) -> None:
    """Which kept run the charts overlay, and the table of kept runs."""
    tr = use_tr(ui)
    ui.params.get()
    sim = ui.sim
    if not sim.runs:
        solara.Text(tr("runs.hint"), classes=["tsim-hint", "tsim-runs-hint"])
        return
    solara.v.Select(label=tr("runs.compare"), items=compare_choices(ui, tr),
                    v_model=ui.compare.value, on_v_model=ui.compare.set, dense=True,
                    hide_details=True, class_="tsim-compare-select",
                    style_="max-width: 640px; margin-bottom: 6px")
    head = [tr("runs.col_run"), tr("runs.col_changes"), tr("runs.col_seed"),
            tr("runs.col_months"), tr("runs.col_alliances"), tr("runs.col_first")]
    rows = []
    for r in reversed(sim.runs):
        first = r.last("first_alliance_month")
        rows.append([str(r.number), changes_text(r.changed, tr), str(r.seed), str(r.month),
                     tr.number(r.last("alliances_active"), 0),
                     tr.number(first, 0) if first == first else tr("ui.none")])
    RowsTable(head, rows, css="tsim-runs-table",
              row_css=[f"tsim-run tsim-run-{row[0]}" for row in rows])


@solara.component
def IndicatorsPage(ui: Ui) -> None:
    CompareBar(ui)
    IndicatorCharts(ui)


@solara.component
def IndicatorCharts(ui: Ui) -> None:
    tr, model = use_live(ui, params=True)
    if model is None:
        return
    specs = charts.chart_specs(model, tr, compared_run(ui))
    with solara.v.Html(tag="div", class_="tsim-charts"):
        for name in charts.CHARTS:
            with solara.v.Html(tag="div", class_=f"tsim-chart tsim-chart-{name}"):
                Figure(kind="chart", spec=specs[name], height=300)


@solara.component
def MonitorsPage(ui: Ui) -> None:
    tr, model = use_live(ui)
    if model is None:
        return
    sections = monitors.monitor_sections(model, tr)
    for section in sections:
        for item in section["items"]:
            if item["survey"]:
                item["survey"] = tr("ui.survey", value=item["survey"])
    MonitorsWidget(sections_json=to_json(sections))


def story_choices(ui: Ui, tr: Translator) -> list[dict[str, str]]:
    from ...agents import Catalyst

    model = ui.sim.model
    items = [{"value": "main", "text": tr("story.main")},
             {"value": "all", "text": tr("story.all")},
             {"value": "milestones", "text": tr("story.milestones")},
             {"value": "territory", "text": tr("story.territory")}]
    if model is not None:
        for cat in sorted(model.agents_by_type.get(Catalyst, []), key=lambda a: a.number):
            items.append({"value": f"catalyst:{cat.number}",
                          "text": tr("narrative.catalyst_row", n=cat.number + 1,
                                     bassin=int(cat.state.bassins[0]) + 1)})
    return items


@solara.component
def StoryPage(ui: Ui) -> None:
    """What happened: a timeline of each catalyst's programme and the event log in words."""
    tr, model = use_live(ui)
    if model is None:
        return
    Figure(kind="timeline", spec=narrative.timeline(model, tr) | {"font": 12})
    solara.v.Select(label=tr("story.filter"), items=story_choices(ui, tr), v_model=ui.story.value,
                    on_v_model=ui.story.set, dense=True, hide_details=True,
                    class_="tsim-story-select", style_="max-width: 420px; margin: 10px 0 6px 0")
    rows = narrative.event_rows(model, tr, ui.story.value)
    EventLog(rows_json=to_json(rows), empty=tr("narrative.nothing_yet"), font=14)


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
    ui.params.get()
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
            ui.error.set(("lesson", exc))
            return
        restarted(ui)
        ui.tab.set(PAGES.index(BY_ID[lesson_id].page))

    with solara.v.Html(tag="div", class_="tsim-lessons"):
        for lesson in LESSONS:
            entry = tr.data["lessons"][lesson.id]
            active = sim.lesson == lesson.id
            with solara.Card(margin=0, classes=[f"tsim-lesson tsim-lesson-{lesson.id}"
                                                + (" tsim-lesson-active" if active else "")]):
                solara.v.Html(tag="h3", class_="tsim-lesson-title", children=[entry["title"]])
                solara.Markdown(f"**{tr('ui.lesson_question')}** — {entry['question']}")
                solara.Markdown(f"**{tr('ui.lesson_look_at')}**\n\n{entry['look_at']}")
                solara.Markdown(f"**{tr('ui.lesson_try')}**\n\n{entry['try']}")
                solara.Button(tr("ui.lesson_load"), color="primary", small=True,
                              on_click=lambda lid=lesson.id: load(lid),
                              classes=[f"tsim-load-{lesson.id}"])


PAGE_COMPONENTS: dict[str, Callable[[Ui], Any]] = {
    "territory": TerritoryPage, "alliances": AlliancesPage, "indicators": IndicatorsPage,
    "monitors": MonitorsPage, "story": StoryPage, "info": InfoPage, "lessons": LessonsPage,
}


@solara.component
def Pages(ui: Ui) -> None:
    """Tabs, and only the visible page (the others do not redraw while the model runs)."""
    tr = use_tr(ui)
    solara.v.Tabs(v_model=ui.tab.value, on_v_model=ui.tab.set, class_="tsim-tabs",
                  show_arrows=True,
                  children=[solara.v.Tab(children=[tr(f"tabs.{p}")], class_=f"tsim-tab-{p}")
                            for p in PAGES])
    page = PAGES[ui.tab.value]
    with solara.v.Html(tag="div", class_=f"tsim-page tsim-page-{page}"):
        PAGE_COMPONENTS[page](ui)


# -- presentation view --------------------------------------------------------------------------
@solara.component
def PresentMap(ui: Ui) -> None:
    tr, model = use_live(ui)
    if model is None:
        return
    map_figure(ui, tr, fit=True, font=PRESENT_FONT)


@solara.component
def PresentChart(ui: Ui) -> None:
    tr, model = use_live(ui, params=True)
    if model is None:
        return
    spec = charts.one_chart(model, ui.chart.value, tr, compared_run(ui), font=PRESENT_FONT)
    Figure(kind="chart", spec=spec, fit=True)


@solara.component
def PresentView(ui: Ui) -> None:
    """The projector's main area: the map and one chart, sized to fill the screen."""
    tr = use_tr(ui)
    with solara.v.Html(tag="div", class_="tsim-page tsim-page-present"):
        with solara.v.Html(tag="div", class_="tsim-present-map"):
            PresentMap(ui)
        with solara.v.Html(tag="div", class_="tsim-present-chart"):
            with solara.v.Html(tag="div", class_="tsim-present-chart-bar"):
                solara.v.Select(items=[{"value": c, "text": tr(f"charts.{c}_title")}
                                       for c in charts.CHARTS],
                                v_model=ui.chart.value, on_v_model=ui.chart.set, dense=True,
                                hide_details=True, class_="tsim-chart-select",
                                attributes={"aria-label": tr("present.chart")})
                PresentCompare(ui)
            with solara.v.Html(tag="div", class_="tsim-present-chart-body"):
                PresentChart(ui)


@solara.component
def PresentCompare(ui: Ui) -> None:
    tr = use_tr(ui)
    ui.params.get()
    if not ui.sim.runs:
        return
    solara.v.Select(items=compare_choices(ui, tr), v_model=ui.compare.value,
                    on_v_model=ui.compare.set, dense=True, hide_details=True,
                    class_="tsim-compare-select", attributes={"aria-label": tr("runs.compare")})
