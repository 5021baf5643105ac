"""Mesa agents: identity, placement, activation order and what the app shows.

The state the rules act on lives in arrays (:mod:`terrisim.organisations`); these agents are thin
views on it.  Mayors and catalysts *decide* in their ``step`` (Mesa activates them in random
order each month); the heavy pairwise work their decisions trigger is done by the model in
vectorised form.  Firms and associations have no per-agent step: their monthly behaviour
(encounters, trust, alliances) is the model's vectorised organisation phase.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from mesa.discrete_space import FixedAgent

from . import catalysis
from .domains import DOMAINS, from_mask
from .ladder import LEVELS
from .mayors import PROFILES, ROLES
from .organisations import BODIES, FUNDING_MODELS, SIZE_CLASSES

if TYPE_CHECKING:
    from .model import TerritoryModel


class OrganisationAgent(FixedAgent):
    """An organisation pinned to its cell; ``index`` points into the model's arrays."""

    kind = "organisation"

    def __init__(self, model: TerritoryModel, index: int, cell) -> None:
        super().__init__(model)
        self.index = int(index)
        self.cell = cell

    @property
    def orgs(self):
        return self.model.orgs

    @property
    def commune(self) -> int:
        return int(self.orgs.commune[self.index])

    @property
    def active_alliances(self) -> int:
        return int(self.orgs.active[self.index])

    @property
    def interests(self) -> list[str]:
        return [d for d, on in zip(DOMAINS, from_mask(self.orgs.interests[self.index]),
                                   strict=True) if on]

    def details(self) -> dict[str, Any]:
        """What a tooltip shows."""
        return {"type": self.kind, "id": self.index, "commune": self.commune,
                "alliances": self.active_alliances,
                "domains": ", ".join(self.interests[:4])}


class Firm(OrganisationAgent):
    """A firm (TPE, PME or ETI) climbing the maturity ladder."""

    kind = "firm"

    @property
    def ladder(self) -> str:
        return LEVELS[int(self.orgs.ladder[self.index])]

    @property
    def size_class(self) -> str:
        return SIZE_CLASSES[int(self.orgs.size_class[self.index])]

    def details(self) -> dict[str, Any]:
        return {**super().details(), "size": self.size_class, "ladder": self.ladder}


class Association(OrganisationAgent):
    """A non-profit with a main domain, a capacity and a funding model."""

    kind = "association"

    @property
    def main_domain(self) -> str:
        return DOMAINS[int(self.orgs.main_domain[self.index])]

    @property
    def funding_model(self) -> str:
        return FUNDING_MODELS[int(self.orgs.funding[self.index])]

    def details(self) -> dict[str, Any]:
        return {**super().details(), "main domain": self.main_domain,
                "funding": self.funding_model, "capacity": int(self.orgs.capacity[self.index])}


class PublicBody(OrganisationAgent):
    """An intercommunality (EPCI), a département or the State's services of a département: a
    public actor beside the communes, with its own capacity and domains (organisations.py)."""

    kind = "public_body"

    @property
    def body(self) -> str:
        return BODIES[int(self.orgs.body[self.index])]

    def details(self) -> dict[str, Any]:
        return {**super().details(), "body": self.body,
                "capacity": int(self.orgs.capacity[self.index])}


class Mayor(OrganisationAgent):
    """The mayor of a commune; the commune is the public actor in alliances (index = commune).

    Each month the mayor convenes the meetings between local organisations and the territorial
    dialogue forums of its plan (:func:`terrisim.mayors.monthly_plan`: priority roles of survey
    Q8 at full rate, secondary ones at ``secondary_role_factor`` of it), drawn for all mayors at
    once by the model before they are activated.
    """

    kind = "mayor"

    @property
    def profile(self) -> str:
        return PROFILES[int(self.orgs.profile[self.index])]

    @property
    def priorities(self) -> list[str]:
        return [r for r, on in zip(ROLES, self.orgs.priorities[self.index], strict=True) if on]

    def step(self) -> None:
        s = self.model.params
        meetings, forums = self.model.mayor_plan[self.index]
        for _ in range(meetings):
            self.model.request_meeting(self.index, s.meeting_size, forum=False)
        for _ in range(forums):
            self.model.request_meeting(self.index, s.dialogue_size, forum=True)

    def details(self) -> dict[str, Any]:
        return {**super().details(), "profile": self.profile,
                "priorities": ", ".join(self.priorities)}


class Catalyst(FixedAgent):
    """A territorial catalyst: its own ties, a monthly time budget over three missions, a
    funder and a legitimacy to keep (see the ``catalysis`` package)."""

    kind = "catalyst"

    def __init__(self, model: TerritoryModel, number: int, origin: str, bassins: np.ndarray,
                 cell) -> None:
        super().__init__(model)
        self.number = number
        self.origin = origin
        self.cell = cell
        self.state = catalysis.create_state(model, number, origin, bassins)

    def step(self) -> None:
        catalysis.act(self.state, self.model)

    def details(self) -> dict[str, Any]:
        st = self.state
        return {"type": "catalyst", "id": self.number, "origin": self.origin,
                "active": st.active, "experiments": len(st.experiments),
                "credited alliances": st.credited, "operated projects": len(st.operated),
                "known organisations": self.model.ties.known_count(self.number),
                "legitimacy": round(st.legitimacy, 2)}
