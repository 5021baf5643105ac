"""What the catalysts' rules may see and do on the territory (a typed view, not the model).

The rule modules of this package import no model: they receive an object with these attributes
and services (the :class:`terrisim.model.TerritoryModel` is one), so they can be read, tested
and reused on their own, and the model stays the only place that wires processes together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from ..alliances import AllianceTable
    from ..contacts import ContactBuffer
    from ..events import EventLog
    from ..organisations import Organisations
    from ..scenario import Scenario
    from ..territory import Territory
    from ..trust import TrustTable
    from .embeddedness import CatalystTies
    from .state import Experiment


class TerritoryView(Protocol):
    """The state and services the catalysts' rules use (read the attributes, call services)."""

    params: Scenario
    month: int
    orgs: Organisations
    territory: Territory
    trust: TrustTable
    alliances: AllianceTable
    contacts: ContactBuffer
    ties: CatalystTies
    events: EventLog
    fragile_bits: np.ndarray          # (C,) uint16 fragile domains of each commune
    relative_fragility: np.ndarray    # (C, 16) fragility minus the surroundings' mean

    def rng_for(self, process: str) -> np.random.Generator:
        """This month's random stream of ``process`` (see :mod:`terrisim.streams`)."""

    def mark_event(self, who: np.ndarray) -> None:
        """Attendees of a shared event become aware (firms climb to *sensibilisée*)."""

    def mark_workshop(self, who: np.ndarray, effort: float) -> None:
        """Workshop members get involved and learn the common language."""

    def gathering_contacts(self, attendees: np.ndarray, per_attendee: float, intensity: float,
                           trust0: float, broker: int, rng: np.random.Generator) -> None:
        """At a gathering each attendee really talks to ``per_attendee`` others."""

    def experiment_started(self, e: Experiment) -> None:
        """Register a new collective experiment."""

    def form_alliances(self, a: np.ndarray, b: np.ndarray, rows: np.ndarray,
                       domain: np.ndarray, commune: np.ndarray, pilot: bool = False,
                       catalyst: int = -1, until: int | None = None) -> np.ndarray:
        """Register new alliances on trust rows (condition already checked); their ids."""
