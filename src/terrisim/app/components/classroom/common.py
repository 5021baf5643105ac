"""What the class pages share: the class's redraw signal, actor names, the shared map and the
style sheet."""

from __future__ import annotations

from typing import Any

import solara

from ... import views
from ...classroom import Classroom, Seat
from ...i18n import Translator
from ...tooltips import describe
from ..base import Figure, static_json, to_json

PLAYED_COLORS = ("#6a1b9a", "#00695c", "#ad1457", "#1565c0", "#ef6c00", "#2e7d32")
CLASS_CSS = """
.tsim-class-shell { grid-template-columns: 430px minmax(0, 1fr); }
.tsim-class-main { display: flex; flex-direction: column; gap: 8px;
                   height: calc(100vh - 96px); min-height: 420px; }
.tsim-class-map { flex: 1 1 auto; min-height: 320px; }
.tsim-class-map-small { flex: 0 1 60%; }
.tsim-class-main .tsim-event-log { flex: 0 1 auto; overflow-y: auto; max-height: 30vh; }
.tsim-class-actor { font-size: 18px; font-weight: 600; color: #0b2545; margin-bottom: 4px; }
.tsim-class-status { font-size: 14px; color: #8a4b00; margin: 4px 0; }
.tsim-class-applied { font-size: 13px; color: #1b5e20; }
.tsim-class-ready { font-size: 15px; font-weight: 500; margin: 4px 0 8px 0; }
.tsim-class-url { font-size: 20px; font-weight: 600; color: #0b4f8a; word-break: break-all; }
.tsim-class-token { font-size: 16px; margin-top: 4px; }
.tsim-debrief { max-width: 1100px; margin: 0 auto; }
.tsim-debrief-table td:nth-child(n+2), .tsim-debrief-actors td:nth-child(n+3) {
  text-align: right; }
"""


def use_class_tick(room: Classroom) -> int:
    """A value that changes whenever the class changes (this page then redraws)."""
    tick = solara.use_reactive(room.tick)

    def listen():
        try:
            from solara.server import kernel_context

            context = kernel_context.get_current_context()
        except Exception:                         # rendered outside a server (unit tests)
            context = None

        def notify() -> None:
            if context is None:
                tick.set(room.tick)
                return
            with context:
                tick.set(room.tick)

        key = room.listen(notify)
        return lambda: room.unlisten(key)

    solara.use_effect(listen, [])
    return tick.value


def actor_title(room: Classroom, seat: Seat, tr: Translator) -> str:
    """"Mayor of commune 12", "Catalyst 2 (bassin 3)", "Firm 345 (commune 7)"."""
    model = room.model
    if seat.role == "catalyst":
        st = model.catalysts[seat.actor]
        return tr("class.actor_catalyst", n=seat.actor + 1, bassin=int(st.bassins[0]) + 1)
    commune = int(model.orgs.commune[seat.actor]) + 1
    if seat.role == "mayor":
        return tr("class.actor_mayor", commune=commune)
    return tr(f"class.actor_{seat.role}", n=seat.actor, commune=commune)


def played_marks(room: Classroom, only: Seat | None = None) -> list[dict[str, Any]]:
    seats = [only] if only is not None else list(room.seats.values())
    return [{"what": "catalyst" if s.role == "catalyst" else "org", "id": s.actor,
             "label": s.name, "color": PLAYED_COLORS[k % len(PLAYED_COLORS)]}
            for k, s in enumerate(seats)]


_FRAMES: dict[tuple[int, int], str] = {}


def frame_json(model: Any) -> str:
    """This month's map frame as JSON, made once for every page of the class."""
    key = (id(model), int(model.month))
    text = _FRAMES.get(key)
    if text is None:
        _FRAMES.clear()
        text = _FRAMES[key] = to_json(views.map_frame(model, views.DEFAULT_LAYER))
    return text


def class_map(room: Classroom, tr: Translator, played: list[dict[str, Any]], font: int = 12,
              hover: solara.Reactive | None = None) -> None:
    model = room.model
    texts = views.map_texts(model, views.DEFAULT_LAYER, tr) | {"font": font}
    Figure(kind="map", spec=static_json(model), frame=frame_json(model), played=played,
           texts=texts,
           tooltip=describe(model, hover.value if hover is not None else None,
                            views.DEFAULT_LAYER, tr),
           event_hover=hover.set if hover is not None else None, fit=True)


# -- the teacher -----------------------------------------------------------------------------------


def decision_text(seat: Seat, tr: Translator) -> str:
    d = seat.decision
    if not d:
        return tr("class.as_model")
    if seat.role == "mayor":
        return tr("class.sum_mayor", meetings=d["meetings"], forums=d["forums"])
    if seat.role == "catalyst":
        shares = " / ".join(tr.percent(x, 0) for x in d["shares"])
        return tr("class.sum_catalyst", shares=shares,
                  introduce=tr(f"class.introduce_{d['introduce']}"),
                  experiment=_experiment_label(d["experiment"], tr))
    worlds = ", ".join(tr.world(w) for w in d["accept"]) or tr("class.nobody")
    return tr("class.sum_accept", worlds=worlds)


def _experiment_label(value: str, tr: Translator) -> str:
    if value in ("model", "wait"):
        return tr(f"class.experiment_{value}")
    return tr.core("domain", value)


def page_frame(title: str, lang: solara.Reactive[str]) -> None:
    """The title, style sheet and app bar of a class page."""
    from ..controls import LanguageSwitch
    from ..layouts import CSS

    solara.Title(title)
    solara.Style(CSS + CLASS_CSS)
    with solara.AppBar():
        solara.AppBarTitle(title)
        solara.v.Spacer()
        LanguageSwitch(lang)
