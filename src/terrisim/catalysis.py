"""Territorial catalysts: their time budget, three missions, operator drift and funding.

Sources (BRIEF §2, seed 003 §3.2.3–3.2.4, seed 000):

* three missions — animate the territorial dialogue (events: many actors made aware at once);
  foster partnerships (brokered introductions between organisations of different worlds); design
  and run collective experiments (a group assembled around a fragile domain; co-development
  workshops, then 3–5 pilot projects with funding, coaching and promotion);
* the programme follows four steps — listen to the territory, co-construct, run, value — and the
  Émergence timeline (start 2012 → experiments 2014 → deployment 2017) is a validation pattern;
* "catalyst vs operator": time spent operating incubated projects is taken from animation and
  costs legitimacy ("choisir c'est renoncer");
* "an experimental catalyst must find a sustainable model or stop" (four key factors, among
  them its socio-economic model).

A catalyst's decisions are made here, once a month, from :meth:`terrisim.agents.Catalyst.step`;
the contacts they create go to the model's contact buffer and are applied with everybody else's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import controllers
from .alliances import resolve_capacity
from .domains import BITS, N_DOMAINS, from_mask
from .organisations import ASSOCIATIVE, ECONOMIC, PUBLIC

if TYPE_CHECKING:
    from .model import TerritoryModel

ORIGINS: tuple[str, ...] = ("public", "economic", "social_economy", "academic")
ORIGIN_LABELS: dict[str, tuple[str, str]] = {
    "public": ("Public (PETR)", "Public (PETR)"),
    "economic": ("Economic development agency", "Agence de développement"),
    "social_economy": ("Social economy (ESS)", "Économie sociale (ESS)"),
    "academic": ("Academic", "Académique"),
}
#: Weight given to each world (public, economic, associative) when a catalyst of a given origin
#: picks whom to invite or introduce (*assumption*: one's own network comes first; seed 000 names
#: the four origins but not how they differ).
ORIGIN_WORLD_WEIGHT: dict[str, tuple[float, float, float]] = {
    "public": (3.0, 1.0, 1.0),
    "economic": (1.0, 3.0, 1.0),
    "social_economy": (1.0, 1.0, 3.0),
    "academic": (1.0, 1.0, 1.0),
}
#: Candidate partners a catalyst considers per introduction (*assumption*).
INTRODUCTION_CANDIDATES = 24


@dataclass
class Experiment:
    """A collective experiment: a group around a fragile domain of one commune."""

    number: int
    catalyst: int
    commune: int
    domain: int
    members: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    start: int
    end: int
    pilots: int = 0


@dataclass
class CatalystState:
    """Everything a catalyst remembers from month to month."""

    number: int
    origin: str
    bassins: np.ndarray
    area_orgs: np.ndarray            # organisations of its bassins
    area_communes: np.ndarray
    area_weight: np.ndarray          # sampling weight of area_orgs by origin
    area_cum: np.ndarray             # its cumulative sum (static: used for event invitations)
    outside_orgs: np.ndarray         # organisations elsewhere (inter-territorial invitations)
    listening_left: float            # days of listening still needed
    funded_until: int | None         # month when experimental funding ends (None: sustained)
    active: bool = True
    stopped: int | None = None
    event_credit: float = 0.0
    intro_credit: float = 0.0
    experiments: list[Experiment] = field(default_factory=list)
    operated: list[int] = field(default_factory=list)   # alliance ids it operates
    seeded: int = 0                  # alliances formed on pairs it brought together
    completed_pilots: int = 0
    first_experiment: int | None = None
    first_pilot: int | None = None
    deployed: int | None = None
    days_animation: float = 0.0      # this month
    days_operating: float = 0.0      # this month
    events_held: int = 0
    introductions: int = 0

    @classmethod
    def create(cls, model: TerritoryModel, number: int, origin: str,
               bassins: np.ndarray) -> CatalystState:
        s, orgs, terr = model.params, model.orgs, model.territory
        in_area = np.isin(terr.bassin[orgs.commune], bassins)
        area = np.flatnonzero(in_area).astype(np.intp)
        communes = np.flatnonzero(np.isin(terr.bassin, bassins)).astype(np.intp)
        weight = np.asarray(ORIGIN_WORLD_WEIGHT[origin])[orgs.world[area]]
        return cls(number=number, origin=origin, bassins=np.asarray(bassins), area_orgs=area,
                   area_communes=communes, area_weight=weight / weight.sum(),
                   area_cum=np.cumsum(weight / weight.sum()),
                   outside_orgs=np.flatnonzero(~in_area).astype(np.intp),
                   listening_left=s.listening_days * len(communes),
                   funded_until=s.catalyst_start + s.funding_horizon)


def mission_days(budget: float, shares: tuple[float, float, float],
                 enabled: tuple[bool, bool, bool]) -> np.ndarray:
    """Split the animation budget over (dialogue, introductions, experiments).

    Shares are normalised over all three missions; a mission switched off (ablation) keeps its
    share unused rather than handing it to the others, so an ablation removes a mechanism without
    changing the time spent on the rest.
    """
    sh = np.asarray(shares, dtype=float)
    total = sh.sum()
    if total <= 0:
        return np.zeros(3)
    return budget * sh / total * np.asarray(enabled, dtype=float)


def legitimacy(n_operated: int, loss: float) -> float:
    """Brokering legitimacy left to a catalyst operating ``n_operated`` projects."""
    return max(0.0, 1.0 - loss * n_operated)


def renewal_probability(seeded: int, expectation: float) -> float:
    """Chance that the funder keeps funding at the horizon, given the results shown."""
    if expectation <= 0:
        return 1.0
    return min(1.0, seeded / expectation)


def act(st: CatalystState, model: TerritoryModel) -> None:
    """One month of a catalyst's work."""
    s, rng, month = model.params, model.rng, model.month
    st.days_animation = st.days_operating = 0.0
    if not st.active or month < s.catalyst_start:
        return
    if month == max(s.catalyst_start, 1):     # step 1 is the first month a catalyst acts
        model.events.add(month, "catalyst_started", st.number, bassin=int(st.bassins[0]),
                         origin=st.origin)
    if st.funded_until is not None and month >= st.funded_until:
        renewed = rng.random() < renewal_probability(st.seeded, s.funder_expectation)
        model.events.add(month, "funder_renewed" if renewed else "funder_stopped", st.number,
                         bassin=int(st.bassins[0]), results=int(st.seeded),
                         expected=float(s.funder_expectation))
        if renewed:
            st.funded_until = None           # a sustainable model was found
        else:
            st.active, st.stopped = False, month
            return

    st.operated = [a for a in st.operated if model.alliances.status[a] == 0]
    budget = s.catalyst_days
    st.days_operating = min(budget, len(st.operated) * s.operation_days)
    budget -= st.days_operating
    legit = legitimacy(len(st.operated), s.legitimacy_loss)
    d_dialogue, d_intro, d_exp = mission_days(
        budget, controllers.mission_shares(model, st, s.mission_shares()),
        (s.dialogue_mission, s.introduction_mission, s.experiment_mission))
    st.days_animation = d_dialogue + d_intro + d_exp

    st.event_credit += d_dialogue
    while st.event_credit >= s.event_days:
        st.event_credit -= s.event_days
        hold_event(st, model)

    st.intro_credit += d_intro
    n_intro = int(st.intro_credit // s.introduction_days)
    st.intro_credit -= n_intro * s.introduction_days
    if n_intro:
        introduce(st, model, n_intro, legit)

    run_experiments(st, model, d_exp)


def _sample_area(st: CatalystState, model: TerritoryModel, n: int,
                 prefer_aware: bool) -> np.ndarray:
    """Up to ``n`` distinct organisations of the area, drawn by the origin's world weights
    (aware ones three times as likely when ``prefer_aware``: the catalyst knows them)."""
    if n <= 0 or len(st.area_orgs) == 0:
        return np.zeros(0, dtype=np.intp)
    cum = st.area_cum
    if prefer_aware:
        cum = np.cumsum(st.area_weight * (1.0 + 2.0 * model.orgs.aware[st.area_orgs]))
    pick = np.searchsorted(cum, model.rng.random(n) * cum[-1], side="right")
    pick = np.minimum(pick, len(cum) - 1)
    if prefer_aware:   # introductions: repeats are fine (one org, several introductions)
        return st.area_orgs[pick]
    return st.area_orgs[np.unique(pick)]


def hold_event(st: CatalystState, model: TerritoryModel) -> None:
    """Dialogue event: many organisations made aware at once, a few real conversations each."""
    s, rng = model.params, model.rng
    n_out = rng.binomial(s.event_size, s.long_range_share) if len(st.outside_orgs) else 0
    inside = _sample_area(st, model, s.event_size - n_out, prefer_aware=False)
    outside = np.unique(st.outside_orgs[rng.integers(len(st.outside_orgs), size=n_out)]
                        if n_out else st.outside_orgs[:0])
    attendees = np.concatenate([inside, outside]).astype(np.intp)
    st.events_held += 1
    newly = int((~model.orgs.aware[attendees]).sum())
    model.mark_event(attendees)
    model.events.add(model.month, "dialogue_event", st.number, bassin=int(st.bassins[0]),
                     attendees=len(attendees), newly_aware=newly)
    model.gathering_contacts(attendees, s.event_contacts, intensity=1.0,
                             trust0=s.initial_trust, broker=st.number)


def introduce(st: CatalystState, model: TerritoryModel, n: int, legit: float) -> None:
    """Brokered introductions between organisations of different worlds sharing a fragile need."""
    s, rng, orgs = model.params, model.rng, model.orgs
    if len(st.area_orgs) < 2:
        return
    n = int(rng.binomial(n, legit))
    if n == 0:
        return
    first = _sample_area(st, model, n, prefer_aware=True)
    cand = st.area_orgs[rng.integers(len(st.area_orgs), size=(n, INTRODUCTION_CANDIDATES))]
    fi = first[:, None]
    fragile = model.fragile_bits[orgs.commune[fi]] | model.fragile_bits[orgs.commune[cand]]
    ok = ((orgs.world[cand] != orgs.world[fi]) & ((orgs.interests[cand] & orgs.interests[fi]
                                                   & fragile) != 0)
          & (orgs.active[cand] < orgs.capacity[cand]))
    ok = controllers.introductions(model, st, first, cand, ok)         # a played catalyst
    found = ok.any(axis=1)
    partner = cand[np.arange(n), ok.argmax(axis=1)]
    a, b = first[found], partner[found]
    st.introductions += len(a)
    model.contacts.add(a, b, 1.0, s.introduction_trust, st.number)


def run_experiments(st: CatalystState, model: TerritoryModel, days: float) -> None:
    """Listen first, then run experiments within the time of the experiment mission."""
    s, month = model.params, model.month
    for e in st.experiments:
        if e.end == month:
            model.events.add(month, "experiment_ended", st.number, commune=e.commune,
                             domain=e.domain, pilots=e.pilots)
    st.experiments = [e for e in st.experiments if e.end > month]
    need = len(st.experiments) * s.experiment_days
    effort = min(1.0, days / need) if need > 0 else 0.0
    for e in st.experiments:
        workshop(e, model, effort)
    spare = days - need
    if spare <= 0:
        return
    if st.listening_left > 0:
        st.listening_left -= spare
        if st.listening_left <= 0:
            model.events.add(month, "listening_done", st.number, bassin=int(st.bassins[0]),
                             communes=len(st.area_communes))
        return
    # a new experiment needs at least half of its monthly time, sharing with the running ones
    if (len(st.experiments) < s.max_experiments
            and days >= 0.5 * (len(st.experiments) + 1) * s.experiment_days):
        launch_experiment(st, model)


def workshop(e: Experiment, model: TerritoryModel, effort: float) -> None:
    """A month of co-development workshops: members meet, firms get involved, language grows."""
    s = model.params
    if effort <= 0 or len(e.pair_a) == 0:
        return
    model.contacts.add(e.pair_a, e.pair_b, s.workshop_intensity * effort, model.params
                       .initial_trust, e.catalyst)
    model.mark_workshop(e.members, effort)


def launch_experiment(st: CatalystState, model: TerritoryModel) -> Experiment | None:
    """Assemble a group around the fragile domain of the area with the most aware candidates.

    Needs at least ``experiment_min_aware`` aware organisations with spare capacity, interested
    in a domain that is fragile in one of the area's communes, from at least two worlds.
    """
    s, rng, orgs = model.params, model.rng, model.orgs
    busy = {e.domain for e in st.experiments}
    # candidates: aware organisations of the area with room for one more alliance (a group of
    # actors ready to engage, not of those already committed to the hilt)
    area = st.area_orgs
    aware = area[orgs.aware[area] & (orgs.active[area] < orgs.capacity[area])]
    if len(aware) < s.experiment_min_aware:
        return None
    area_fragile = np.bitwise_or.reduce(model.fragile_bits[st.area_communes])
    flags = from_mask(orgs.interests[aware] & area_fragile)        # (n_aware, 16)
    counts = flags.sum(axis=0)
    worlds = np.stack([(flags & (orgs.world[aware] == w)[:, None]).any(axis=0)
                       for w in (PUBLIC, ECONOMIC, ASSOCIATIVE)]).sum(axis=0)
    eligible = (counts >= s.experiment_min_aware) & (worlds >= 2)
    for d in busy:
        eligible[d] = False
    if not eligible.any():
        return None
    score = np.where(eligible, counts + rng.random(N_DOMAINS) * 0.5, -1.0)
    domain = controllers.experiment_domain(model, st, eligible, int(np.argmax(score)))
    if domain is None:                                 # a played catalyst waits
        return None
    # the commune where that domain is most fragile relative to its surroundings
    rel = model.relative_fragility[st.area_communes, domain]
    commune = int(st.area_communes[np.argmax(rel)])
    pool = aware[flags[:, domain]]
    members = rng.choice(pool, size=min(len(pool), s.experiment_group), replace=False)
    # the commune joins if its mayor holds collective experiments as a priority (Q8), else
    # with the secondary-role factor
    join = orgs.priorities[commune, 3] or rng.random() < s.secondary_role_factor
    if join and commune not in members:
        members = np.append(members, commune)
    members = members.astype(np.intp)
    ia, ib = np.triu_indices(len(members), k=1)
    cross = orgs.world[members[ia]] != orgs.world[members[ib]]   # the pairs trust is kept for
    ia, ib = ia[cross], ib[cross]
    e = Experiment(number=model.next_experiment_number(), catalyst=st.number, commune=commune,
                   domain=domain, members=members, pair_a=members[ia], pair_b=members[ib],
                   start=model.month, end=model.month + s.experiment_months)
    st.experiments.append(e)
    if st.first_experiment is None:
        st.first_experiment = model.month
    model.experiment_started(e)
    model.events.add(model.month, "experiment_launched", st.number, bassin=int(st.bassins[0]),
                     commune=commune, domain=domain, members=len(members))
    return e


def form_pilots(e: Experiment, model: TerritoryModel) -> np.ndarray:
    """Pilot projects: member pairs of different worlds at the trust threshold, both interested
    in the experiment's domain, with room for one more alliance (at most ``pilot_projects``)."""
    s, rng, orgs = model.params, model.rng, model.orgs
    room = s.pilot_projects - e.pilots
    if room <= 0 or len(e.pair_a) == 0:
        return np.zeros(0, dtype=np.int64)
    keys = model.trust.pair_keys(e.pair_a, e.pair_b)
    rows = model.trust.find(keys)
    known = rows >= 0
    trust = np.where(known, model.trust.trust[np.maximum(rows, 0)], 0.0)
    allied = np.where(known, model.trust.allied[np.maximum(rows, 0)], False)
    bit = BITS[e.domain]
    ok = (known & ~allied & (orgs.world[e.pair_a] != orgs.world[e.pair_b])
          & (trust >= s.alliance_threshold)
          & ((orgs.interests[e.pair_a] & orgs.interests[e.pair_b] & bit) != 0)
          & (orgs.active[e.pair_a] < orgs.capacity[e.pair_a])
          & (orgs.active[e.pair_b] < orgs.capacity[e.pair_b]))
    ok = controllers.accept_alliances(model, e.pair_a, e.pair_b, ok)
    cand = np.flatnonzero(ok)
    if len(cand) == 0:
        return np.zeros(0, dtype=np.int64)
    cand = rng.permutation(cand)
    spare = (orgs.capacity - orgs.active).astype(np.int64)
    cand = cand[resolve_capacity(e.pair_a[cand], e.pair_b[cand], spare)][:room]
    ids = model.form_alliances(e.pair_a[cand], e.pair_b[cand], rows[cand],
                               domain=np.full(len(cand), e.domain),
                               commune=np.full(len(cand), e.commune), pilot=True,
                               catalyst=e.catalyst, until=e.end)
    e.pilots += len(ids)
    if len(ids):
        model.events.add(model.month, "pilots_launched", e.catalyst, commune=e.commune,
                         domain=e.domain, pilots=len(ids))
    return ids
