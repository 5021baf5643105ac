"""The run's narrative: what happened, month by month, as structured events.

Researchers count things; teachers and learners need to *see what just happened* ("month 14 —
the catalyst of bassin 2 held a dialogue event: 40 organisations, 12 made aware for the first
time").  The model appends one :class:`Event` per noteworthy happening — never per organisation
and month, so the log stays small and costs nothing measurable — and the browser app turns each
kind into a sentence in the learner's language.

Every event has a ``kind`` (one of :data:`KINDS`), the ``month`` it happened, the ``actor`` it is
about (a catalyst number, a commune number, or -1 for the territory) and a few integer or string
fields in ``data``.  The fields of each kind are listed in :data:`KINDS` so that translations and
tests can check them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Event kinds and the fields their ``data`` carries (the app's sentences use these names).
KINDS: dict[str, tuple[str, ...]] = {
    # a catalyst's programme (seed 000: listen → co-construct → run → value; seed 003 §3.2.4)
    "catalyst_started": ("bassin", "origin"),
    "listening_done": ("bassin", "communes"),
    "dialogue_event": ("bassin", "attendees", "newly_aware"),
    "experiment_launched": ("bassin", "commune", "domain", "members"),
    "pilots_launched": ("commune", "domain", "pilots"),
    "experiment_ended": ("commune", "domain", "pilots"),
    "programme_deployed": ("bassin", "completed_pilots"),
    "funder_renewed": ("bassin", "results", "expected"),
    "funder_stopped": ("bassin", "results", "expected"),
    "project_operated": ("bassin", "operated"),
    # the territory's co-construction (mayors' survey stages; PHARE 2016)
    "first_alliance": ("commune", "world_a", "world_b", "alliance_kind"),
    "commune_anchored": ("commune",),
}


@dataclass(frozen=True)
class Event:
    """One thing that happened: ``kind`` at ``month`` about ``actor`` with ``data``."""

    month: int
    kind: str
    actor: int
    data: dict[str, Any] = field(default_factory=dict)


class EventLog:
    """Append-only list of the run's events (with a check that each kind carries its fields)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def add(self, month: int, kind: str, actor: int = -1, **data: Any) -> None:
        expected = KINDS.get(kind)
        if expected is None:
            raise KeyError(f"unknown event kind {kind!r}; known: {', '.join(KINDS)}")
        if set(data) != set(expected):
            raise KeyError(f"event {kind!r} carries {sorted(data)}, expected {sorted(expected)}")
        self.events.append(Event(int(month), kind, int(actor), data))

    def since(self, month: int) -> list[Event]:
        """Events of ``month`` and later (what the app shows after each step)."""
        return [e for e in self.events if e.month >= month]

    def of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def frame(self):
        """All events as a pandas DataFrame (month, kind, actor, then one column per field)."""
        import pandas as pd

        rows = [{"month": e.month, "kind": e.kind, "actor": e.actor, **e.data}
                for e in self.events]
        return pd.DataFrame(rows, columns=["month", "kind", "actor"] if not rows else None)
