"""The time charts, as plain data for the browser's canvas (``figure.vue``, kind "chart").

Each chart comes from the DataCollector's monthly records of the running model, with two
additions that make a run tell its story:

* **markers** of the programme's milestones and the first alliance (:mod:`.narrative`), drawn as
  vertical lines with a short label, so a bend of a curve can be read against what happened;
* an **overlay** of a run the session kept (:mod:`.history`): the same series dashed, so "what
  changed when I removed the catalyst" is seen on one chart.

Numbers and dates in the browser's tooltips follow the interface's language (``number``: decimal
separator, month names), and ``font`` sets the base font size (18 px in presentation mode).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..alliances import KINDS
from ..indicators import STAGES, SURVEY_STAGE_SHARES
from ..ladder import LEVELS
from . import narrative
from .history import RunRecord
from .history import label as run_label
from .i18n import Translator
from .views import IMPACT_COLORS, KIND_COLORS, LEVEL_COLORS, SURVEY_COLOR

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = ["CHARTS", "CHART_SERIES", "chart_specs", "one_chart"]

#: The charts, in page order.
CHARTS: tuple[str, ...] = ("kinds", "ladder", "catalyst_time", "impacts", "stages")
CATALYST_TIME_COLORS = {"catalyst_days_animation": "#2f9e44", "catalyst_days_operating": "#8c2d04"}


def _round(values: Any, digits: int) -> list[float | None]:
    arr = np.round(np.asarray(values, dtype=float), digits)
    return [None if not np.isfinite(v) else v for v in arr.tolist()]


def _series_defs(tr: Translator) -> dict[str, list[tuple[str, str, str, int]]]:
    """Per time chart: (indicator, label, colour, digits) of each series."""
    return {
        "kinds": [(f"active_{k}", tr.core("kind", k), KIND_COLORS[k], 0) for k in KINDS],
        "ladder": [(f"firms_{v}", tr.core("level", v), LEVEL_COLORS[v], 4) for v in LEVELS],
        "impacts": [(name, tr(f"charts.{name}"), color, 4)
                    for name, color in IMPACT_COLORS.items()],
        "catalyst_time": [(name, tr(f"charts.{name}"), color, 1)
                          for name, color in CATALYST_TIME_COLORS.items()],
    }


#: Indicators each time chart draws (for tests and the comparison table).
CHART_SERIES: dict[str, tuple[str, ...]] = {
    "kinds": tuple(f"active_{k}" for k in KINDS),
    "ladder": tuple(f"firms_{v}" for v in LEVELS),
    "impacts": tuple(IMPACT_COLORS),
    "catalyst_time": tuple(CATALYST_TIME_COLORS),
}

_LAYOUT: dict[str, dict[str, Any]] = {
    "kinds": {"type": "lines", "ymin": 0},
    "ladder": {"type": "stacked", "ymin": 0, "ymax": 1, "percent": True},
    "impacts": {"type": "lines", "ymin": 0, "ymax": 1},
    "catalyst_time": {"type": "lines", "ymin": 0},
}


def one_chart(model: TerritoryModel, name: str, tr: Translator,
              compare: RunRecord | None = None, font: int = 12) -> dict[str, Any]:
    """The spec of one chart of :data:`CHARTS`."""
    if name == "stages":
        return _stages(model, tr, compare, font)
    mv = model.datacollector.model_vars
    defs = _series_defs(tr)[name]
    spec: dict[str, Any] = {
        **_LAYOUT[name], "name": name, "title": tr(f"charts.{name}_title"),
        "x": _round(mv["year"], 4), "xlabel": tr("charts.x"), "ylabel": tr(f"charts.{name}_y"),
        "series": [{"label": label, "color": color, "values": _round(mv[ind], digits)}
                   for ind, label, color, digits in defs],
        "marks": narrative.chart_marks(model, tr), "number": tr.browser_texts(), "font": font,
        "texts": {"overlay": tr("charts.overlay"), "now": tr("charts.now")},
    }
    if compare is not None:
        year = compare.values("year")
        spec["overlay"] = {
            "label": run_label(compare, tr), "number": compare.number,
            "x": _round(year if year is not None else [], 4),
            "series": [_round(compare.values(ind) if compare.values(ind) is not None else [],
                              digits) for ind, _label, _color, digits in defs]}
    return spec


def _stages(model: TerritoryModel, tr: Translator, compare: RunRecord | None,
            font: int) -> dict[str, Any]:
    month = int(model.month)
    current = [float(model.indicators[f"stage_{v}"]) for v in STAGES]
    groups = [{"label": tr("charts.stages_model", month=month), "color": "#5b9bd5",
               "values": _round(current, 4)}]
    if compare is not None:
        groups.append({"label": tr("charts.stages_compare", n=compare.number,
                                   month=compare.month), "color": "#b9d3ea",
                       "values": _round([compare.last(f"stage_{v}") for v in STAGES], 4)})
    groups.append({"label": tr("charts.stages_survey"), "color": SURVEY_COLOR,
                   "values": [SURVEY_STAGE_SHARES[v] for v in STAGES]})
    return {"type": "bars", "name": "stages", "title": tr("charts.stages_title"),
            "ylabel": tr("charts.stages_y"), "ymin": 0, "ymax": 1, "percent": True,
            "categories": [tr.core("stage", v) for v in STAGES], "groups": groups,
            "number": tr.browser_texts(), "font": font}


def chart_specs(model: TerritoryModel, tr: Translator, compare: RunRecord | None = None,
                font: int = 12) -> dict[str, dict[str, Any]]:
    """Every chart of the Indicators page."""
    return {name: one_chart(model, name, tr, compare, font) for name in CHARTS}
