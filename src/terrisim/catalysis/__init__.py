"""Territorial catalysts: actors with their own relationships, three missions, drift, funding.

Sources (BRIEF §2; seed 003 §1.2, §3.2.2–3.2.5; seed 000): catalysts are "animateurs locaux de
l'interconnaissance entre les organisations"; three missions — animate the territorial dialogue,
foster partnerships, design and run collective experiments; "catalyst vs operator": choosing is
renouncing; an experimental catalyst must find a sustainable model or stop.

One module per mechanism (each named as in docs/ODD.md §7.6):

* :mod:`.embeddedness` — the catalyst's own ties, built over time (the trust it can lend);
* :mod:`.budget` — its monthly time over operating and the three missions;
* :mod:`.dialogue` — mission 1: listening to the territory, dialogue events;
* :mod:`.brokerage` — mission 2: introductions with trust transfer, across bassins and regions;
* :mod:`.experiments` — mission 3: collective experiments, workshops, pilot projects;
* :mod:`.operator` — operator drift and its lasting cost in legitimacy;
* :mod:`.funding` — the funder's decision at the end of the experimental period.

:func:`act` is one month of a catalyst, called by :meth:`terrisim.agents.Catalyst.step`; the
contacts it creates go to the territory's contact buffer and are applied with everybody else's.
The rules receive a :class:`~.context.TerritoryView` and import no model.
"""

from __future__ import annotations

import numpy as np

from .. import controllers
from ..alliances import ACTIVE
from .brokerage import follow_up, introduce, transferred_trust
from .budget import mission_days, operating_days
from .context import TerritoryView
from .dialogue import hold_event, listen
from .embeddedness import CatalystTies
from .experiments import form_pilots, launch_experiment, run_experiments, workshop
from .funding import renewal_probability
from .operator import lose_legitimacy, recover_legitimacy
from .state import (
    ORIGIN_LABELS,
    ORIGIN_WORLD_WEIGHT,
    ORIGINS,
    CatalystState,
    Experiment,
    in_area,
    sample_area,
)

__all__ = [
    "ORIGINS", "ORIGIN_LABELS", "ORIGIN_WORLD_WEIGHT", "CatalystState", "CatalystTies",
    "Experiment", "TerritoryView", "act", "create_state", "follow_up", "form_pilots",
    "hold_event",
    "in_area", "introduce", "launch_experiment", "listen", "lose_legitimacy", "mission_days",
    "operating_days", "recover_legitimacy", "renewal_probability", "run_experiments",
    "sample_area", "transferred_trust", "workshop",
]


def create_state(view: TerritoryView, number: int, origin: str,
                 bassins: np.ndarray) -> CatalystState:
    """A new catalyst animating ``bassins``, with its area and the origin's invitation weights."""
    s, orgs, terr = view.params, view.orgs, view.territory
    bassins = np.asarray(bassins, dtype=np.int64)
    communes = np.flatnonzero(np.isin(terr.bassin, bassins)).astype(np.intp)
    member = np.zeros(terr.n_communes, dtype=bool)
    member[communes] = True
    area = np.flatnonzero(member[orgs.commune]).astype(np.intp)
    weight = np.asarray(ORIGIN_WORLD_WEIGHT[origin])[orgs.world[area]]
    weight = weight / weight.sum() if len(area) else weight
    return CatalystState(number=number, origin=origin, bassins=bassins, area_orgs=area,
                         area_communes=communes, area_weight=weight,
                         area_cum=np.cumsum(weight),
                         listening_left=s.listening_days * len(communes),
                         funded_until=s.catalyst_start + s.funding_horizon)


def act(st: CatalystState, view: TerritoryView) -> None:
    """One month of a catalyst's work: the funder's decision, operating, the three missions."""
    s, month = view.params, view.month
    st.days_animation = st.days_operating = 0.0
    if not st.active or month < s.catalyst_start:
        return
    rng = view.rng_for("catalysts", st.number)
    if month == max(s.catalyst_start, 1):     # step 1 is the first month a catalyst acts
        view.events.add(month, "catalyst_started", st.number, bassin=st.bassin,
                        origin=st.origin)
    if st.funded_until is not None and month >= st.funded_until:
        renewed = (not s.funder_review
                   or rng.random() < renewal_probability(st.period_results,
                                                         s.funder_expectation))
        view.events.add(month, "funder_renewed" if renewed else "funder_stopped", st.number,
                        bassin=st.bassin, results=int(st.period_results),
                        expected=float(s.funder_expectation))
        if not renewed:
            st.active, st.stopped = False, month
            return
        st.funded_until = None           # a sustainable model was found

    st.operated = [a for a in st.operated if view.alliances.status[a] == ACTIVE]
    st.legitimacy = recover_legitimacy(st.legitimacy, bool(st.operated),
                                       s.legitimacy_recovery)
    budget = s.catalyst_days
    st.days_operating = operating_days(budget, len(st.operated), s.operation_days)
    d_dialogue, d_intro, d_exp = mission_days(
        budget - st.days_operating, controllers.mission_shares(view, st, s.mission_shares()),
        (s.dialogue_mission, s.introduction_mission, s.experiment_mission))
    st.days_animation = d_dialogue + d_intro + d_exp

    st.event_credit += d_dialogue
    while st.event_credit >= s.event_days:
        st.event_credit -= s.event_days
        hold_event(st, view, rng)

    st.intro_credit += d_intro
    st.intro_credit -= follow_up(st, view, st.intro_credit)
    n_intro = int(st.intro_credit // s.introduction_days)
    st.intro_credit -= n_intro * s.introduction_days
    if n_intro:
        introduce(st, view, rng, n_intro)

    run_experiments(st, view, rng, d_exp)
