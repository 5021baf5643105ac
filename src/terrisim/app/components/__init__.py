"""Solara components of the app, one module per part of the screen.

``base`` (the session's state and the browser widgets), ``controls`` (Reset / ▶ / Step, lessons,
what just happened, export, app-bar switches), ``parameters`` (the teacher's set and every
parameter with a search box), ``pages`` (the tabbed pages and the presentation view) and
``layouts`` (normal and presentation layouts, style sheet).
"""

from .base import VIEW_FIELDS, Figure, Ui, after_step, restarted, static_json, use_tr
from .controls import (
    DEFAULT_DELAY_MS,
    FIGURE_PAGES,
    CheckpointCard,
    Controls,
    Export,
    LanguageSwitch,
    LessonCard,
    PresentSwitch,
    Ticker,
)
from .layouts import CSS, PRESENT_CSS, NormalLayout, PresentLayout
from .pages import INFO_SECTIONS, PAGES, Pages, PresentView
from .parameters import TEACHER_PARAMS, Parameters, param_groups, slider_range, teacher_rows

__all__ = [
    "CSS",
    "DEFAULT_DELAY_MS",
    "FIGURE_PAGES",
    "INFO_SECTIONS",
    "PAGES",
    "PRESENT_CSS",
    "TEACHER_PARAMS",
    "VIEW_FIELDS",
    "CheckpointCard",
    "Controls",
    "Export",
    "Figure",
    "LanguageSwitch",
    "LessonCard",
    "NormalLayout",
    "Pages",
    "Parameters",
    "PresentLayout",
    "PresentSwitch",
    "PresentView",
    "Ticker",
    "Ui",
    "after_step",
    "param_groups",
    "restarted",
    "slider_range",
    "static_json",
    "teacher_rows",
    "use_tr",
]
