"""The two layouts of the app and their style sheet.

* **Normal** — a sidebar column (controls, lesson, what just happened, export, parameters) beside
  the pages.  It is a grid column of its own, never Vuetify's navigation drawer: the drawer turns
  into an overlay below 1264 px (a 1024-px projector, or 150 % zoom), hiding the map behind the
  controls.  The sidebar scrolls on its own, so the map stays in view.
* **Presentation** (toggle in the app bar, or ``terrisim app --present``) — for a projector at
  1280×720 or 1024×768: the controls, the teacher's parameters and the last events on the left,
  the map and one chart filling the rest of the screen with no page scrolling, every text at
  least 18 px.
"""

from __future__ import annotations

import solara

from .base import Ui
from .controls import CheckpointCard, Controls, Export, LessonCard, Ticker
from .pages import Pages, PresentView
from .parameters import Parameters


@solara.component
def NormalLayout(ui: Ui) -> None:
    with solara.v.Html(tag="div", class_="tsim-shell"):
        with solara.v.Html(tag="aside", class_="tsim-side"):
            Controls(ui)
            LessonCard(ui)
            Ticker(ui)
            Export(ui)
            Parameters(ui)
        with solara.v.Html(tag="main", class_="tsim-main"):
            CheckpointCard(ui)
            Pages(ui)


@solara.component
def PresentLayout(ui: Ui) -> None:
    with solara.v.Html(tag="div", class_="tsim-shell tsim-present tsim-present-shell"):
        with solara.v.Html(tag="aside", class_="tsim-side"):
            Controls(ui)
            LessonCard(ui)
            Ticker(ui, n=2)
            Parameters(ui)
            Export(ui)
        with solara.v.Html(tag="main", class_="tsim-main tsim-present-main"):
            CheckpointCard(ui)
            PresentView(ui)


CSS = """
.tsim-shell { display: grid; grid-template-columns: 380px minmax(0, 1fr); gap: 14px;
              align-items: start; }
.tsim-side { position: sticky; top: 0; max-height: calc(100vh - 80px); overflow-y: auto;
             display: flex; flex-direction: column; gap: 10px; padding: 2px 6px 12px 2px; }
.tsim-main { min-width: 0; }
@media (max-width: 1180px) { .tsim-shell { grid-template-columns: 330px minmax(0, 1fr); } }
@media (max-width: 760px) {
  .tsim-shell { grid-template-columns: minmax(0, 1fr); }
  .tsim-side { position: static; max-height: none; overflow: visible; }
}
.tsim-step { font-size: 15px; font-weight: 500; margin: 8px 0 4px 0; }
.tsim-hint { font-size: 12px; color: #555; }
.tsim-shared-speed { font-size: 12px; color: #6a4a00; margin: -2px 0 4px 0; }
.tsim-scenario { font-size: 13px; }
.tsim-seed-error { font-size: 13px; color: #b71c1c; font-weight: 500; margin: -6px 0 6px 0; }
.tsim-seed-note { font-size: 12px; color: #a65c00; margin: -6px 0 6px 0; }
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
.tsim-lessons { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr));
                gap: 12px; }
.tsim-lesson { padding: 12px 14px; }
.tsim-lesson-title { font-size: 18px; font-weight: 500; margin: 0 0 8px 0;
                     word-break: normal; overflow-wrap: normal; hyphens: manual; }
.tsim-lesson-card .v-card__title { word-break: normal; overflow-wrap: normal; line-height: 1.3; }
.tsim-lesson-pauses { font-size: 12px; color: #555; }
.tsim-lesson-active { outline: 3px solid #e07b00; }
.tsim-lang-switch .v-btn { min-width: 40px !important; }
.tsim-checkpoint { border: 2px solid #e07b00; background: #fff8ee; border-radius: 6px;
                   padding: 10px 14px; margin: 4px 0 10px 0; }
.tsim-checkpoint-title { font-weight: 600; color: #8a4b00; font-size: 16px; }
.tsim-runs { border-collapse: collapse; margin: 4px 0 12px 0; font-size: 13px; }
.tsim-runs th, .tsim-runs td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px 3px 0;
                               text-align: left; vertical-align: top; }
.tsim-runs th { color: #555; font-weight: 500; }
.tsim-ticker .v-card__title, .tsim-controls .v-card__title, .tsim-export .v-card__title,
.tsim-parameters .v-card__title { padding-bottom: 4px; }
/* presentation mode -------------------------------------------------------------------------- */
.tsim-present-shell { grid-template-columns: 340px minmax(0, 1fr);
                      height: calc(100vh - var(--tsim-bar, 64px) - 24px); overflow: hidden; }
.tsim-present .tsim-side { position: static; height: 100%; max-height: 100%; }
.tsim-present-main { display: flex; flex-direction: column; height: 100%; min-height: 0; }
.tsim-page-present { flex: 1 1 auto; min-height: 0; padding: 0; display: grid; gap: 8px;
                     grid-template-rows: minmax(0, 1.45fr) minmax(0, 1fr); }
.tsim-present-map { min-height: 0; height: 100%; }
.tsim-present-chart { min-height: 0; display: flex; flex-direction: column; }
.tsim-present-chart-bar { display: flex; gap: 12px; flex: 0 0 auto; }
.tsim-present-chart-bar > * { max-width: 48%; }
.tsim-present-chart-body { flex: 1 1 auto; min-height: 0; }
.tsim-present *:not(.v-icon):not(.mdi) { font-size: 18px !important; }
.tsim-present .tsim-step { font-size: 22px !important; }
.tsim-present .v-card__title { font-size: 20px !important; }
.tsim-present .tsim-checkpoint-title { font-size: 22px !important; }
.tsim-present .v-btn { min-height: 40px; }
.tsim-present .tsim-buttons { flex-wrap: wrap; gap: 6px; justify-content: flex-start !important; }
.tsim-present .tsim-buttons .v-btn { padding: 0 14px !important; min-width: 0 !important; }
"""

#: Added in presentation mode only: the app bar and the menus Vuetify attaches outside the page.
PRESENT_CSS = """
.v-app-bar, .v-app-bar *:not(.v-icon):not(.mdi) { font-size: 18px !important; }
.v-app-bar .v-toolbar__title { font-size: 22px !important; }
.v-menu__content, .v-menu__content *:not(.v-icon) { font-size: 18px !important; }
"""
