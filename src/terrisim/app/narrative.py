"""What just happened, in words: the run's events as sentences, a timeline of each catalyst's
programme, and markers for the charts.

The model records its narrative in ``model.events`` (:mod:`terrisim.events`): a kind, a month, an
actor and a few fields.  Here every kind becomes a sentence in the learner's language from the
locale files — ``[events.<kind>]`` holds ``text`` (the sentence, with the kind's fields as
``{placeholders}``) and ``short`` (a few words for chart markers and the timeline legend).  Nothing
here lists the fields of a kind: they are formatted by what they are called (``commune``,
``domain``, ``origin``, ``world_*``, ``alliance_kind``…, anything else as a number or a word), so a
kind the model adds is shown at once; a unit test fails while it lacks its two translations, and
until then the app writes the kind's name and fields instead of failing.

Which kinds belong to a catalyst's programme (its row on the timeline) and which are milestones
worth a marker on the charts is said below, once per kind; the same test checks that every kind
of :data:`terrisim.events.KINDS` is placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..alliances import KINDS as ALLIANCE_KINDS
from ..domains import DOMAINS
from ..events import Event
from .i18n import Translator, choose_plurals

if TYPE_CHECKING:
    from ..model import TerritoryModel

__all__ = ["MILESTONES", "PROGRAMME_KINDS", "TERRITORY_KINDS", "chart_marks", "event_rows",
           "sentence", "timeline"]

#: Kinds about one catalyst's programme (the event's actor is the catalyst's number), in the
#: order of the programme (seed 000: listen → co-construct → run → value; seed 003 §3.2.4).
PROGRAMME_KINDS: tuple[str, ...] = (
    "catalyst_started", "listening_done", "dialogue_event", "experiment_launched",
    "pilots_launched", "experiment_ended", "project_operated", "programme_deployed",
    "funder_renewed", "funder_stopped")
#: Kinds about the territory's communes (the actor is a commune).
TERRITORY_KINDS: tuple[str, ...] = ("first_alliance", "commune_anchored")
#: Kinds marked on the charts (the rest would crowd them: dialogue events come every month).
MILESTONES: tuple[str, ...] = ("listening_done", "experiment_launched", "programme_deployed",
                               "funder_renewed", "funder_stopped")
#: Colour and glyph of each kind on the timeline and the chart markers (``dot``, ``tick``,
#: ``flag``, ``diamond``, ``star``, ``cross``, ``bar``); a kind not listed is a grey dot.
STYLE: dict[str, tuple[str, str]] = {
    "catalyst_started": ("#c2185b", "flag"),
    "listening_done": ("#6a1b9a", "flag"),
    "dialogue_event": ("#9e9e9e", "tick"),
    "experiment_launched": ("#14a3b8", "bar"),
    "experiment_ended": ("#14a3b8", "dot"),
    "pilots_launched": ("#f08a24", "diamond"),
    "project_operated": ("#8c2d04", "cross"),
    "programme_deployed": ("#2f9e44", "star"),
    "funder_renewed": ("#2f9e44", "flag"),
    "funder_stopped": ("#c62828", "cross"),
    "first_alliance": ("#1f5fa8", "dot"),
    "commune_anchored": ("#08406e", "star"),
}
DEFAULT_STYLE = ("#777777", "dot")
#: Most events the log sends to the browser (newest first).
LOG_LIMIT = 300
#: Kinds that come every month while a catalyst works: the log's default view leaves them out
#: (they stay in "everything" and in each catalyst's own view).
ROUTINE: tuple[str, ...] = ("dialogue_event",)


def _field(name: str, value: Any, tr: Translator) -> str:
    """One field of an event written for people, chosen by the field's name."""
    if isinstance(value, bool):
        return tr.yes_no(value)
    if name == "commune" and isinstance(value, int):
        return tr("narrative.commune", n=value + 1)
    if name == "bassin" and isinstance(value, int):
        return str(value + 1)
    if name == "domain":
        key = DOMAINS[value] if isinstance(value, int) and 0 <= value < len(DOMAINS) else value
        return tr.core("domain", str(key)).lower()
    if name == "origin":
        return tr.core("origin", str(value))
    if name.startswith("world"):
        return tr.data["narrative"]["world_actor"].get(str(value), str(value))
    if name in ("alliance_kind", "kind"):
        key = (ALLIANCE_KINDS[value] if isinstance(value, int) and 0 <= value < len(ALLIANCE_KINDS)
               else str(value))
        return tr.core("kind", key).lower()
    if isinstance(value, int | float):
        return tr.number(float(value), 0 if float(value).is_integer() else 1)
    return str(value)


def sentence(event: Event, tr: Translator) -> str:
    """The event as one sentence ("the catalyst of bassin 2 held a dialogue event: 40
    organisations, 12 made aware for the first time"), without its month."""
    fields = {name: _field(name, value, tr) for name, value in event.data.items()}
    entry = tr.data["events"].get(event.kind)
    actor = tr("narrative.catalyst", n=event.actor + 1) if event.kind in PROGRAMME_KINDS else (
        tr("narrative.commune", n=event.actor + 1) if event.actor >= 0 else "")
    if not entry or "text" not in entry:      # a kind the locale does not know yet
        shown = ", ".join(f"{k} = {v}" for k, v in fields.items())
        return f"{event.kind} ({shown})" if shown else event.kind
    try:
        return choose_plurals(entry["text"], event.data, tr.lang).format(actor=actor, **fields)
    except (KeyError, IndexError, ValueError):
        return f"{event.kind} ({', '.join(f'{k} = {v}' for k, v in fields.items())})"


def short(kind: str, tr: Translator) -> str:
    entry = tr.data["events"].get(kind) or {}
    return entry.get("short", kind)


@dataclass(frozen=True)
class Row:
    """One line of the event log."""

    month: int
    kind: str
    group: str          # "catalyst" or "territory" (or "other" for a kind not placed)
    actor: int
    text: str


def group_of(kind: str) -> str:
    if kind in PROGRAMME_KINDS:
        return "catalyst"
    if kind in TERRITORY_KINDS:
        return "territory"
    return "other"


def event_rows(model: TerritoryModel, tr: Translator, which: str = "all",
               limit: int = LOG_LIMIT) -> list[dict[str, Any]]:
    """The event log, newest first: ``which`` is "main" (all but the routine kinds), "all",
    "milestones", "territory" or "catalyst:<n>" (one catalyst's programme)."""
    out: list[dict[str, Any]] = []
    for e in reversed(model.events.events):
        group = group_of(e.kind)
        if which == "main" and e.kind in ROUTINE:
            continue
        if which == "milestones" and e.kind not in MILESTONES and e.kind != "first_alliance":
            continue
        if which == "territory" and group != "territory":
            continue
        if which.startswith("catalyst:") and (group != "catalyst"
                                              or e.actor != int(which.split(":")[1])):
            continue
        color = STYLE.get(e.kind, DEFAULT_STYLE)[0]
        out.append({"month": e.month, "date": tr.date(_year(model, e.month)), "kind": e.kind,
                    "group": group, "color": color, "text": sentence(e, tr),
                    "prefix": tr("narrative.prefix", month=e.month)})
        if len(out) >= limit:
            break
    return out


def _year(model: TerritoryModel, month: int) -> float:
    return model.params.start_year + month / 12.0


def latest(model: TerritoryModel, tr: Translator, n: int = 3,
           routine: bool = False) -> list[dict[str, Any]]:
    """The ``n`` most recent events (without the monthly dialogue events unless ``routine``),
    for the ticker under the controls."""
    rows = []
    for e in reversed(model.events.events):
        if not routine and e.kind in ROUTINE:
            continue
        rows.append({"month": e.month, "text": sentence(e, tr), "kind": e.kind,
                     "color": STYLE.get(e.kind, DEFAULT_STYLE)[0],
                     "prefix": tr("narrative.prefix", month=e.month)})
        if len(rows) >= n:
            break
    return rows


def timeline(model: TerritoryModel, tr: Translator) -> dict[str, Any]:
    """Each catalyst's programme as rows of the timeline figure: its experiments as spans, its
    other events as glyphs, listening and stopped periods as bands."""
    from ..agents import Catalyst

    catalysts = sorted(model.agents_by_type.get(Catalyst, []), key=lambda a: a.number)
    month, steps = int(model.month), int(model.params.steps)
    rows = []
    for cat in catalysts:
        n = cat.number
        mine = [e for e in model.events.events if e.kind in PROGRAMME_KINDS and e.actor == n]
        start = next((e.month for e in mine if e.kind == "catalyst_started"), None)
        listened = next((e.month for e in mine if e.kind == "listening_done"), None)
        stopped = next((e.month for e in mine if e.kind == "funder_stopped"), None)
        bands = []
        if start is not None:
            bands.append({"from": start, "to": listened if listened is not None else month,
                          "kind": "listening", "label": tr("timeline.listening")})
        if stopped is not None:
            bands.append({"from": stopped, "to": steps, "kind": "stopped",
                          "label": tr("timeline.stopped")})
        spans, points = [], []
        open_spans: dict[tuple[int, int], dict[str, Any]] = {}
        for e in mine:
            color, glyph = STYLE.get(e.kind, DEFAULT_STYLE)
            if e.kind == "experiment_launched":
                span = {"from": e.month, "to": month, "color": color, "open": True,
                        "label": sentence(e, tr)}
                open_spans[(int(e.data.get("commune", -1)), int(e.data.get("domain", -1)))] = span
                spans.append(span)
                continue
            if e.kind == "experiment_ended":
                span = open_spans.pop((int(e.data.get("commune", -1)),
                                       int(e.data.get("domain", -1))), None)
                if span is not None:
                    span["to"], span["open"] = e.month, False
            points.append({"month": e.month, "color": color, "glyph": glyph, "kind": e.kind,
                           "text": tr("narrative.prefix", month=e.month) + " " + sentence(e, tr)})
        rows.append({"label": tr("narrative.catalyst_row", n=n + 1,
                                 bassin=int(cat.state.bassins[0]) + 1),
                     "bands": bands, "spans": spans, "points": points})
    legend = [{"kind": k, "label": short(k, tr), "color": STYLE.get(k, DEFAULT_STYLE)[0],
               "glyph": STYLE.get(k, DEFAULT_STYLE)[1]}
              for k in PROGRAMME_KINDS if k != "experiment_ended"]
    return {"month": month, "steps": steps, "rows": rows, "legend": legend,
            "title": tr("timeline.title", month=month), "xlabel": tr("timeline.x"),
            "empty": tr("timeline.empty")}


def chart_marks(model: TerritoryModel, tr: Translator) -> list[dict[str, Any]]:
    """Vertical markers for the time charts: the programme's milestones and the territory's
    first alliance, at their month (as a fractional year, the charts' x axis)."""
    marks: list[dict[str, Any]] = []
    first_done = False
    for e in model.events.events:
        if e.kind == "first_alliance":
            if first_done:
                continue
            first_done = True
        elif e.kind not in MILESTONES:
            continue
        color = STYLE.get(e.kind, DEFAULT_STYLE)[0]
        marks.append({"x": round(_year(model, e.month), 4), "month": e.month, "color": color,
                      "kind": e.kind, "label": short(e.kind, tr),
                      "text": tr("narrative.prefix", month=e.month) + " " + sentence(e, tr)})
    return marks
