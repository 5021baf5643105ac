"""What every component shares: the session's state (:class:`Ui`) and the browser widgets.

Every component receives the session's state as a :class:`Ui` prop (one per browser session, built
by :func:`terrisim.app.app.Page`); a context would not do, because Solara renders the app bar
outside the page's component tree.

Why so few components read the month: a component that reads ``ui.tick`` is re-rendered every
month, with every widget it holds compared and updated — what made a step cost ~70 ms on the server
when the whole sidebar followed the month.  Only the month counter, the visible page's figures and
the event ticker read it now; everything else follows ``ui.params`` (bumped when parameters,
lessons or runs change).
"""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solara

from .. import messages, views
from ..i18n import Translator, translator
from ..state import ResetRefused, Simulation

__all__ = ["Ui", "use_tr"]

APP_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Ui:
    """Everything one browser session shares between its components."""

    sim: Simulation
    token: str
    lang: solara.Reactive[str]
    playing: solara.Reactive[bool]
    delay: solara.Reactive[int]
    tab: solara.Reactive[int]
    layer: solara.Reactive[str]
    hover: solara.Reactive[dict[str, Any] | None]
    params: solara.Reactive[int]        # bumped when edits, lessons or kept runs change
    tick: solara.Reactive[int]          # bumped after every month
    ended: solara.Reactive[bool]        # the run reached its horizon
    open_groups: solara.Reactive[list[int]]
    advanced: solara.Reactive[bool]
    error: solara.Reactive[tuple[str, Any] | None]
    present: solara.Reactive[bool]
    compare: solara.Reactive[str]       # "previous", "none" or "run:<n>"
    story: solara.Reactive[str]         # event-log filter
    chart: solara.Reactive[str]         # the chart of the presentation view
    checkpoint: solara.Reactive[int | None]

    def view(self) -> dict[str, Any]:
        """What a reload restores besides the run (see :mod:`terrisim.app.sessions`)."""
        return {name: getattr(self, name).value for name in VIEW_FIELDS}

    def bump(self) -> None:
        self.params.set(self.params.value + 1)


#: Ui fields restored after a reload (the run itself is the session's Simulation).
VIEW_FIELDS = ("lang", "delay", "tab", "layer", "present", "compare", "story", "chart",
               "advanced", "open_groups")


def use_tr(ui: Ui) -> Translator:
    return translator(ui.lang.value)


def use_live(ui: Ui, params: bool = False) -> tuple[Translator, Any]:
    """What a view of the running model starts with: the translator of the language shown and the
    session's model (None before the first Reset), subscribing the calling component to every
    month — and, with ``params``, to every parameter change, for views that show the settings."""
    tr = use_tr(ui)
    ui.tick.get()
    if params:
        ui.params.get()
    return tr, ui.sim.model


def error_text(error: tuple[str, Any] | None, ui: Ui, tr: Translator) -> str | None:
    """The session's current error in the language shown (worded now, not when it happened)."""
    if error is None:
        return None
    what, payload = error
    if what == "reset" and isinstance(payload, ResetRefused):
        if payload.field is not None:
            reason = messages.field_error(payload.field, tr)
        else:
            assert payload.rule is not None
            reason = messages.constraint_error(payload.rule, ui.sim.candidate_values(), tr)
        return tr("ui.error_reset", error=reason)
    if what == "step":
        return tr("ui.error_step", error=payload)
    return tr("ui.error_reset", error=payload)


def restarted(ui: Ui) -> None:
    """After a Reset or a lesson load: clear messages and hover, redraw everything."""
    ui.error.set(None)
    ui.hover.set(None)
    ui.checkpoint.set(None)
    ui.ended.set(not ui.sim.running)
    ui.bump()
    ui.tick.set(ui.tick.value + 1)


def after_step(ui: Ui, going: bool) -> bool:
    """Redraw after a month; returns True when a lesson checkpoint was reached (Play pauses)."""
    ui.tick.set(ui.tick.value + 1)
    if not going:
        ui.ended.set(True)
    due = ui.sim.checkpoint_due()
    if due is not None:
        ui.sim.checkpoints_seen.add(due)
        ui.checkpoint.set(due)
        return True
    return False


# -- custom widgets (Vue templates next to the app's modules) ----------------------------------
@solara.component_vue(str(APP_DIR / "figure.vue"))
def FigureWidget(kind: str, spec_json: str, frame_json: str = "", texts: dict | None = None,
                 tooltip: dict | None = None, height: int = 300, fit: bool = False,
                 played: list | None = None,
                 event_hover: Callable[[dict], None] | None = None) -> None:
    """A canvas figure: ``kind`` is "map", "network", "chart" or "timeline" (see figure.vue);
    ``played``: actors a class plays, ringed on the map."""


def to_json(data: Any) -> str:
    # identical data give an identical string, so an unchanged prop is never re-sent
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


_STATIC_JSON: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def static_json(model: Any) -> str:
    """The territory's static data as JSON, encoded once per model (it never changes)."""
    text = _STATIC_JSON.get(model)
    if text is None:
        text = _STATIC_JSON[model] = to_json(views.map_static(model))
    return text


def Figure(kind: str, spec: dict | str, frame: dict | str | None = None,
           texts: dict | None = None, tooltip: dict | None = None, height: int = 300,
           fit: bool = False, played: list | None = None,
           event_hover: Callable[[dict], None] | None = None) -> Any:
    """A canvas figure from plain data.

    The data travel as JSON text: Solara's renderer walks every prop looking for child
    elements, and walking the territory's ~15,000 numbers each month cost more than the model
    step itself; a string is compared and sent as one value.
    """
    frame_json = frame if isinstance(frame, str) else (to_json(frame) if frame is not None
                                                        else "")
    return FigureWidget(kind=kind, spec_json=spec if isinstance(spec, str) else to_json(spec),
                        frame_json=frame_json, texts=texts, tooltip=tooltip, height=height,
                        fit=fit, played=played or [], event_hover=event_hover)


@solara.component_vue(str(APP_DIR / "params.vue"))
def ParamsEditor(groups_json: str, teacher_json: str, expanded: list, advanced: bool,
                 texts: dict,
                 on_expanded: Callable[[list], None] | None = None,
                 event_edit: Callable[[dict], None] | None = None,
                 event_set_advanced: Callable[[bool], None] | None = None) -> None:
    """The teacher's parameters, then every Scenario parameter grouped behind "advanced" with a
    search box; ``expanded`` lists the open groups (kept by the session across re-renders)."""


@solara.component_vue(str(APP_DIR / "export_png.vue"))
def ExportPng(label: str, filename: str, footer: str, footer_month: str,
              disabled: bool = False) -> None:
    """Button saving the figures of the visible page as one PNG."""


@solara.component_vue(str(APP_DIR / "event_log.vue"))
def EventLog(rows_json: str, empty: str = "", font: int = 14) -> None:
    """The run's events as sentences."""


@solara.component_vue(str(APP_DIR / "rows_table.vue"))
def RowsTableWidget(table_json: str, css_class: str = "") -> None:
    """A table of text cells."""


def RowsTable(head: list[str], rows: list[list[str]], css: str = "",
              row_css: list[str] | None = None) -> Any:
    """A table of text cells as one widget (``row_css``: a CSS class per row)."""
    body = [{"cells": [str(c) for c in row], "css": (row_css or [""] * len(rows))[k]}
            for k, row in enumerate(rows)]
    return RowsTableWidget(table_json=to_json({"head": head, "rows": body}), css_class=css)


@solara.component_vue(str(APP_DIR / "monitors.vue"))
def MonitorsWidget(sections_json: str) -> None:
    """The Monitors page's values, in sections."""


@solara.component_vue(str(APP_DIR / "session_keeper.vue"))
def SessionKeeper(token: str, event_restore: Callable[[str], None] | None = None) -> None:
    """Keeps the session token in the tab's sessionStorage (survives F5, not shared)."""
