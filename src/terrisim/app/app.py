"""The terrisim browser app (Solara): ``solara run terrisim.app.app`` or ``terrisim app``.

Laid out like Mesa's SolaraViz examples (``model.py`` / ``agents.py`` in the core, the page here):
an app bar with the language switch, a sidebar with the controls, lesson, export and parameters,
and tabbed pages — Territory, Alliances, Indicators, Monitors, Info, Lessons.

One model per browser session: :func:`Page` builds the session's :class:`Simulation` in a
``use_memo``, so every browser tab (every Solara kernel) has its own model; nothing here is created
at module level.  ``terrisim app`` sets the scenario, seed and language through environment
variables before the server starts (see :mod:`terrisim.app.command`).
"""

from __future__ import annotations

import solara

from .components import (
    CSS,
    DEFAULT_DELAY_MS,
    Controls,
    Export,
    LanguageSwitch,
    LessonCard,
    Pages,
    Parameters,
    Ui,
)
from .i18n import translator
from .state import Simulation

__all__ = ["Page"]


@solara.component
def Page() -> None:
    """The whole app for one browser session."""
    sim = solara.use_memo(Simulation.from_environment, [])
    lang = solara.use_reactive(Simulation.initial_language())
    playing = solara.use_reactive(False)
    delay = solara.use_reactive(DEFAULT_DELAY_MS)
    seed = solara.use_reactive(sim.seed)
    tab = solara.use_reactive(0)
    layer = solara.use_reactive("mean")
    hover = solara.use_reactive(None)
    params = solara.use_reactive(0)
    error = solara.use_reactive(None)
    open_groups = solara.use_reactive([])
    ui = solara.use_memo(lambda: Ui(sim=sim, lang=lang, playing=playing, delay=delay, seed=seed,
                                    tab=tab, layer=layer, hover=hover, params=params,
                                    error=error, open_groups=open_groups), [])
    tr = translator(lang.value)

    solara.Title(tr("ui.app_title"))
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle(tr("ui.app_title"))
        solara.v.Spacer()
        LanguageSwitch(ui)
    # a fixed width: Vuetify 2 measures the drawer once, so a sidebar that grew later (a lesson
    # card) would cover the pages
    with solara.Sidebar(), solara.Column(gap="10px", style={"width": "376px"}):
        Controls(ui)
        LessonCard(ui)
        Export(ui)
        Parameters(ui)
    Pages(ui)
